/* bench-mqtt: the same records through an MQTT broker into SQLite.
 *
 *   bench-mqtt --port P --db FILE [--records N] [--window W]
 *
 * A publisher sends each packed Record as a QoS 1 message (W in flight,
 * default 1000) to mosquitto, started by run.sh on loopback; a subscriber
 * (QoS 1, its own connection, in this process) inserts every message into
 * SQLite in WAL mode with synchronous=FULL (the setting under which a
 * committed transaction survives power loss), one transaction per pass of
 * its network loop (group commit, as huibao commits per drain). The clock
 * stops when the subscriber has committed all N. Prints one JSON line. */
#include <getopt.h>
#include <mosquitto.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "bench_rec.h"

typedef struct sub_ctx {
  sqlite3 *db;
  sqlite3_stmt *ins;
  int in_txn;
  unsigned long long got, committed, commits;
  int subscribed, failed;
} sub_ctx;

static void on_subscribe(struct mosquitto *m, void *arg, int mid, int n, const int *q)
{
  (void)m, (void)mid, (void)n, (void)q;
  ((sub_ctx *)arg)->subscribed = 1;
}

static void on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
  (void)m;
  sub_ctx *s = arg;
  if (!s->in_txn) {
    sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
    s->in_txn = 1;
  }
  sqlite3_bind_blob(s->ins, 1, msg->payload, msg->payloadlen, SQLITE_STATIC);
  if (sqlite3_step(s->ins) != SQLITE_DONE)
    s->failed = 1;
  sqlite3_reset(s->ins);
  s->got++;
}

static void *pub_main(void *arg)
{
  struct mosquitto *p = arg;
  mosquitto_loop_forever(p, 1000, 1);
  return NULL;
}

int main(int argc, char **argv)
{
  int port = 0, window = 1000;
  unsigned long long records = 50000;
  const char *dbpath = NULL;
  static const struct option lo[] = {{"port", 1, 0, 'p'},
                                     {"records", 1, 0, 'n'},
                                     {"window", 1, 0, 'w'},
                                     {"db", 1, 0, 'd'},
                                     {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    if (c == 'p')
      port = atoi(optarg);
    else if (c == 'n')
      records = strtoull(optarg, NULL, 10);
    else if (c == 'w')
      window = atoi(optarg);
    else if (c == 'd')
      dbpath = optarg;
    else
      return 64;
  }
  if (!port || !records || !dbpath) {
    fprintf(stderr, "usage: bench-mqtt --port P --db FILE [--records N] [--window W]\n");
    return 64;
  }
  sub_ctx s = {0};
  if (sqlite3_open(dbpath, &s.db) != SQLITE_OK ||
      sqlite3_exec(s.db,
                   "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                   "CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY, body BLOB)",
                   NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(s.db, "INSERT INTO records(body) VALUES (?)", -1, &s.ins, NULL) !=
          SQLITE_OK) {
    fprintf(stderr, "bench-mqtt: sqlite: %s\n", sqlite3_errmsg(s.db));
    return 1;
  }
  mosquitto_lib_init();
  struct mosquitto *sub = mosquitto_new("huibao-bench-sub", true, &s);
  struct mosquitto *pub = mosquitto_new("huibao-bench-pub", true, NULL);
  mosquitto_subscribe_callback_set(sub, on_subscribe);
  mosquitto_message_callback_set(sub, on_message);
  mosquitto_int_option(sub, MOSQ_OPT_RECEIVE_MAXIMUM, window);
  mosquitto_max_inflight_messages_set(pub, (unsigned)window);
  if (mosquitto_connect(sub, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS ||
      mosquitto_connect(pub, "127.0.0.1", port, 60) != MOSQ_ERR_SUCCESS) {
    fprintf(stderr, "bench-mqtt: cannot connect to 127.0.0.1:%d\n", port);
    return 1;
  }
  mosquitto_subscribe(sub, NULL, "huibao/records", 1);
  while (!s.subscribed)
    mosquitto_loop(sub, 100, 1);
  pthread_t th;
  pthread_create(&th, NULL, pub_main, pub);

  bench_rec_spec spec = {"t01", "zhuti-2023", "theory", 1};
  uint8_t buf[1024];
  uint64_t t0 = bench_now_ns();
  unsigned long long sent = 0;
  uint64_t last = t0;
  while (s.committed < records && !s.failed) {
    /* libmosquitto queues publishes beyond max_inflight itself */
    for (int k = 0; k < 200 && sent < records; k++) {
      size_t n = bench_rec_pack(&spec, sent, buf, sizeof buf);
      if (mosquitto_publish(pub, NULL, "huibao/records", (int)n, buf, 1, false) != MOSQ_ERR_SUCCESS)
        break;
      sent++;
    }
    int rc = mosquitto_loop(sub, sent < records ? 0 : 100, 1);
    if (rc != MOSQ_ERR_SUCCESS) {
      fprintf(stderr, "bench-mqtt: subscriber: %s\n", mosquitto_strerror(rc));
      break;
    }
    if (s.in_txn) {
      if (sqlite3_exec(s.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        s.failed = 1;
      s.in_txn = 0;
      s.committed = s.got;
      s.commits++;
      last = bench_now_ns();
    } else if (bench_now_ns() - last > 20000000000ull) {
      fprintf(stderr, "bench-mqtt: nothing received for 20 s (%llu of %llu)\n", s.committed,
              records);
      break;
    }
  }
  double secs = (double)(bench_now_ns() - t0) / 1e9;
  mosquitto_disconnect(pub);
  pthread_join(th, NULL);
  mosquitto_disconnect(sub);
  mosquitto_destroy(pub);
  mosquitto_destroy(sub);
  mosquitto_lib_cleanup();
  sqlite3_finalize(s.ins);
  sqlite3_close(s.db);
  printf("{\"records\": %llu, \"secs\": %.4f, \"rate\": %.0f, \"commits\": %llu}\n", s.committed,
         secs, (double)s.committed / secs, s.commits);
  return s.committed == records && !s.failed ? 0 : 1;
}
