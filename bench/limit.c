/* bench-limit: the least the pipeline must do, and nothing more.
 *
 *   bench-limit --dir DIR [--records N] [--window W] [--rate R] [--batch B]
 *
 * One process, two threads on tcp loopback: a DEALER sends N packed Records
 * (~200 bytes each, one per message) with W in flight; a ROUTER drains its
 * socket, decodes each record with protobuf-c, puts it in LMDB under
 * unit\0kind-id, commits the drain as ONE transaction with default
 * durability (fsync), then acks each message (ROUTER_MANDATORY, DONTWAIT,
 * SNDHWM covering the window). No CURVE, no validation, no aggregates.
 * With --rate R the DEALER sends R records/s instead of as fast as the
 * window allows (the machine's own ack latency at that rate).
 *
 * With --batch B (> 1) it is the limit of the transport for huibao's
 * batching: each message is a Submit of B records (bench_submit_pack, the
 * bytes huibao's agents send), W is then in messages (default 16), the
 * ROUTER decodes each Submit with protobuf-c (one unpack per message, as
 * the county does), puts every record's bytes (found in the Submit's field
 * 3) under its key, commits the drain (at most 10,000 records) as one
 * transaction, then acks each message with its batch id. Latencies are per
 * message.
 * Prints one JSON line: records, seconds, records/s, ack p50/p99 (ms),
 * commits. Exit 0, or 1 when something failed. */
#include <errno.h>
#include <getopt.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>
#include "bench_rec.h"
#include "huibao/v1/huibao.pb-c.h"

#define DRAIN_MAX 1000

typedef struct limit {
  void *ctx;
  char endpoint[256];
  const char *dir;
  uint64_t records;
  int window, batch;
  double rate;
  uint64_t commits;
  int failed;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int ready;
} limit;

/* Puts record r (packed as raw[0..len)) under unit\0kind id. */
static int put_record(MDB_txn *txn, MDB_dbi dbi, const Huibao__V1__Record *r, const void *raw,
                      size_t len)
{
  /* activity and problem are a oneof: they share storage, so ask body_case */
  int act = r->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY;
  const char *unit = act ? r->activity->unit : r->problem->unit;
  const char *id = act ? r->activity->id : r->problem->id;
  char key[256];
  size_t ul = strlen(unit), il = strlen(id);
  memcpy(key, unit, ul);
  key[ul] = '\0';
  key[ul + 1] = act ? 'A' : 'P';
  memcpy(key + ul + 2, id, il);
  MDB_val k = {ul + 2 + il, key}, v = {len, (void *)raw};
  return mdb_put(txn, dbi, &k, &v, 0);
}

/* Reads a protobuf varint at *p (< end); 0 on a malformed one. */
static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
  *v = 0;
  for (int sh = 0; *p < end && sh < 64; sh += 7) {
    uint8_t b = *(*p)++;
    *v |= (uint64_t)(b & 0x7f) << sh;
    if (!(b & 0x80))
      return 1;
  }
  return 0;
}

/* Puts every record of one Submit message: decoded once with protobuf-c,
 * each record's bytes found in field 3 of the raw message. */
static int put_submit(MDB_txn *txn, MDB_dbi dbi, const zmq_msg_t *m, uint64_t *batch_id)
{
  const uint8_t *p = zmq_msg_data((zmq_msg_t *)m), *end = p + zmq_msg_size((zmq_msg_t *)m);
  Huibao__V1__Submit *sub = huibao__v1__submit__unpack(NULL, (size_t)(end - p), p);
  if (!sub)
    return EINVAL;
  *batch_id = sub->batch_id;
  int rc = 0;
  size_t i = 0;
  while (p < end && rc == 0) {
    uint64_t tag, len = 0;
    if (!varint(&p, end, &tag)) {
      rc = EINVAL;
      break;
    }
    if ((tag & 7) == 0) {
      rc = varint(&p, end, &len) ? 0 : EINVAL;
      continue;
    }
    if ((tag & 7) != 2 || !varint(&p, end, &len) || len > (uint64_t)(end - p)) {
      rc = EINVAL;
      break;
    }
    if (tag >> 3 == 3) {
      if (i >= sub->n_records)
        rc = EINVAL;
      else
        rc = put_record(txn, dbi, sub->records[i++], p, (size_t)len);
    }
    p += len;
  }
  if (rc == 0 && i != sub->n_records)
    rc = EINVAL;
  huibao__v1__submit__free_unpacked(sub, NULL);
  return rc;
}

static int store_drain(MDB_env *env, MDB_dbi dbi, zmq_msg_t *payload, size_t n, uint64_t *seqs,
                       int batch)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(env, NULL, 0, &txn);
  if (rc)
    return rc;
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (batch > 1) {
      rc = put_submit(txn, dbi, &payload[i], &seqs[i]);
      continue;
    }
    Huibao__V1__Record *r =
        huibao__v1__record__unpack(NULL, zmq_msg_size(&payload[i]), zmq_msg_data(&payload[i]));
    if (!r) {
      rc = EINVAL;
      break;
    }
    seqs[i] = r->seq;
    rc = put_record(txn, dbi, r, zmq_msg_data(&payload[i]), zmq_msg_size(&payload[i]));
    huibao__v1__record__free_unpacked(r, NULL);
  }
  if (rc) {
    mdb_txn_abort(txn);
    return rc;
  }
  return mdb_txn_commit(txn);
}

static void *router_main(void *arg)
{
  limit *L = arg;
  MDB_env *env = NULL;
  MDB_txn *txn;
  MDB_dbi dbi;
  void *sock = zmq_socket(L->ctx, ZMQ_ROUTER);
  int one = 1, hwm = 2 * L->window + 1000;
  size_t drain_max = L->batch > 1 ? (size_t)(10000 / L->batch) : DRAIN_MAX;
  uint64_t messages =
      L->batch > 1 ? (L->records + (uint64_t)L->batch - 1) / (uint64_t)L->batch : L->records;
  if (drain_max < 1)
    drain_max = 1;
  mkdir(L->dir, 0700);
  if (mdb_env_create(&env) || mdb_env_set_mapsize(env, (size_t)16 << 30) ||
      mdb_env_open(env, L->dir, MDB_NOTLS, 0600) || mdb_txn_begin(env, NULL, 0, &txn) ||
      mdb_dbi_open(txn, NULL, 0, &dbi) || mdb_txn_commit(txn) ||
      zmq_setsockopt(sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one) ||
      zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
      zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
      zmq_bind(sock, "tcp://127.0.0.1:*") != 0) {
    fprintf(stderr, "bench-limit: router set-up failed: %s\n", zmq_strerror(errno));
    L->failed = 1;
  }
  size_t elen = sizeof L->endpoint;
  zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, L->endpoint, &elen);
  pthread_mutex_lock(&L->mu);
  L->ready = 1;
  pthread_cond_signal(&L->cv);
  pthread_mutex_unlock(&L->mu);

  static zmq_msg_t id[DRAIN_MAX], payload[DRAIN_MAX];
  static uint64_t seqs[DRAIN_MAX];
  uint64_t done = 0;
  while (!L->failed && done < messages) {
    zmq_pollitem_t pi = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&pi, 1, 1000) <= 0)
      continue;
    size_t n = 0;
    while (n < drain_max) {
      zmq_msg_init(&id[n]);
      zmq_msg_init(&payload[n]);
      if (zmq_msg_recv(&id[n], sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&id[n]);
        zmq_msg_close(&payload[n]);
        break;
      }
      zmq_msg_recv(&payload[n], sock, 0);
      n++;
    }
    int rc = store_drain(env, dbi, payload, n, seqs, L->batch);
    if (rc) {
      fprintf(stderr, "bench-limit: store: %s\n", mdb_strerror(rc));
      L->failed = 1;
    }
    L->commits++;
    for (size_t i = 0; i < n; i++) {
      uint64_t seq = seqs[i];
      if (rc == 0 && (zmq_send(sock, zmq_msg_data(&id[i]), zmq_msg_size(&id[i]),
                               ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
                      zmq_send(sock, &seq, sizeof seq, ZMQ_DONTWAIT) < 0)) {
        fprintf(stderr, "bench-limit: ack dropped: %s\n", zmq_strerror(errno));
        L->failed = 1;
      }
      zmq_msg_close(&id[i]);
      zmq_msg_close(&payload[i]);
    }
    done += n;
  }
  zmq_close(sock);
  mdb_env_close(env);
  return NULL;
}

int main(int argc, char **argv)
{
  limit L;
  memset(&L, 0, sizeof L);
  L.records = 300000;
  L.window = 0;
  L.batch = 1;
  static const struct option lo[] = {{"dir", 1, 0, 'd'},    {"records", 1, 0, 'n'},
                                     {"window", 1, 0, 'w'}, {"rate", 1, 0, 'r'},
                                     {"batch", 1, 0, 'b'},  {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    if (c == 'd')
      L.dir = optarg;
    else if (c == 'n')
      L.records = strtoull(optarg, NULL, 10);
    else if (c == 'w')
      L.window = atoi(optarg);
    else if (c == 'r')
      L.rate = atof(optarg);
    else if (c == 'b')
      L.batch = atoi(optarg);
    else
      return 64;
  }
  if (L.window == 0)
    L.window = L.batch > 1 ? 16 : 1000;
  if (!L.dir || L.records == 0 || L.window < 1 || L.batch < 1 || L.batch > 1000) {
    fprintf(stderr, "usage: bench-limit --dir DIR [--records N] [--window W] [--rate R] "
                    "[--batch B]\n");
    return 64;
  }
  pthread_mutex_init(&L.mu, NULL);
  pthread_cond_init(&L.cv, NULL);
  L.ctx = zmq_ctx_new();
  pthread_t th;
  pthread_create(&th, NULL, router_main, &L);
  pthread_mutex_lock(&L.mu);
  while (!L.ready)
    pthread_cond_wait(&L.cv, &L.mu);
  pthread_mutex_unlock(&L.mu);

  void *d = zmq_socket(L.ctx, ZMQ_DEALER);
  int hwm = 2 * L.window + 1000, zero = 0;
  zmq_setsockopt(d, ZMQ_SNDHWM, &hwm, sizeof hwm);
  zmq_setsockopt(d, ZMQ_RCVHWM, &hwm, sizeof hwm);
  zmq_setsockopt(d, ZMQ_LINGER, &zero, sizeof zero);
  if (L.failed || zmq_connect(d, L.endpoint) != 0) {
    fprintf(stderr, "bench-limit: connect %s failed\n", L.endpoint);
    return 1;
  }
  /* one message: a record (seq i + 1), or a Submit of B records (batch id k + 1) */
  uint64_t B = (uint64_t)L.batch, M = (L.records + B - 1) / B;
  uint64_t *sent_ns = calloc(M, sizeof *sent_ns);
  double *lat = calloc(M, sizeof *lat);
  bench_rec_spec spec = {"t01", "zhuti-2023", "theory", 1};
  uint8_t buf[1024], *sbuf = NULL;
  size_t scap = 0;
  uint64_t next = 0, acked = 0, bytes = 0;
  uint64_t t0 = bench_now_ns();
  while (acked < M && !L.failed) {
    long timeout = 10000;
    while (next < M && next - acked < (uint64_t)L.window) {
      if (L.rate > 0) {
        uint64_t due = t0 + (uint64_t)((double)(next * B) * 1e9 / L.rate), now = bench_now_ns();
        if (due > now) {
          timeout = (long)((due - now) / 1000000);
          break;
        }
      }
      uint64_t k = next * B, nk = L.records - k < B ? L.records - k : B;
      size_t n = B > 1 ? bench_submit_pack(&spec, next + 1, k, (size_t)nk, &sbuf, &scap)
                       : bench_rec_pack(&spec, next, buf, sizeof buf);
      bytes += n;
      sent_ns[next] = bench_now_ns();
      if (n == 0 || zmq_send(d, B > 1 ? sbuf : buf, n, 0) < 0)
        break;
      next++;
    }
    zmq_pollitem_t pi = {d, 0, ZMQ_POLLIN, 0};
    int pr = zmq_poll(&pi, 1, timeout);
    if (pr == 0 && timeout < 10000)
      continue;
    if (pr <= 0) {
      fprintf(stderr, "bench-limit: no ack for 10 s\n");
      L.failed = 1;
      break;
    }
    uint64_t seq;
    while (zmq_recv(d, &seq, sizeof seq, ZMQ_DONTWAIT) == (int)sizeof seq) {
      if (seq >= 1 && seq <= M)
        lat[acked] = (double)(bench_now_ns() - sent_ns[seq - 1]) / 1e6;
      acked++;
    }
  }
  double secs = (double)(bench_now_ns() - t0) / 1e9;
  pthread_join(th, NULL);
  zmq_close(d);
  zmq_ctx_term(L.ctx);
  if (L.failed)
    return 1;
  double p50 = bench_quantile(lat, acked, 0.5), p99 = bench_quantile(lat, acked, 0.99);
  uint64_t records = acked * B < L.records ? acked * B : L.records;
  printf("{\"records\": %llu, \"secs\": %.4f, \"rate\": %.0f, \"ack_p50_ms\": %.3f, "
         "\"ack_p99_ms\": %.3f, \"commits\": %llu, \"bytes_per_record\": %.0f, "
         "\"batch\": %d}\n",
         (unsigned long long)records, secs, (double)records / secs, p50, p99,
         (unsigned long long)L.commits, (double)bytes / (double)L.records, L.batch);
  free(sent_ns);
  free(lat);
  free(sbuf);
  return 0;
}
