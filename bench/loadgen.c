/* bench-loadgen: many agents at once, speaking huibao's real protocol.
 *
 *   bench-loadgen --connect EP --units FILE (--keys DIR --county-key FILE | --insecure)
 *                 --records N [--batch B] [--window W] [--rate R] [--first K]
 *                 [--version V] [--campaign ID] [--category CODE] [--trace FILE]
 *
 * One DEALER per unit of FILE (one code a line), with the options the real
 * agent sets (hb_zmq_common + hb_zmq_dealer) and, unless --insecure, CURVE
 * with the unit's own key pair DIR/CODE.key_secret, so the county's ZAP
 * handler authenticates each as the real agents are. The N records (ids K
 * .. K+N-1, split evenly over the units) travel as Submits of B records
 * (default 500, the agent's default), W in flight per unit (default 8).
 * Every unit first sends an empty Submit and waits for its Ack, so the
 * CURVE handshakes are outside the timing.
 *   Without --rate: as fast as acks allow (throughput).
 *   With --rate R: one Submit every B/R seconds, round robin over the units.
 * Prints one JSON line: records acked, seconds, records/s, ack latency
 * p50/p99 (ms, per Submit), and the result codes. Exit 0 when every record
 * was STORED, 1 otherwise. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "bench_rec.h"
#include "hb_cert.h"
#include "hb_diag.h"
#include "hb_pbscan.h"
#include "hb_wire.h"
#include "hb_zap.h"
#include "hb_zmq.h"

#define MAX_WINDOW 64

typedef struct flight {
  uint64_t batch_id, sent_ns;
  size_t n;
} flight;

typedef struct agent {
  char unit[65];
  void *sock;
  bench_rec_spec spec;
  uint64_t next, end, next_batch;
  flight fl[MAX_WINDOW];
  int inflight;
} agent;

typedef struct opts {
  const char *connect, *units, *keys, *county_key, *campaign, *category, *trace;
  int insecure, batch, window;
  uint64_t records, first, version;
  double rate;
} opts;

typedef struct results {
  uint64_t acked, stored, duplicate, stale, rejected, errors;
  double *lat;
  size_t nlat, caplat;
  FILE *trace; /* --trace: one line per Submit: sent (ns), latency (ms), unit */
} results;

static int load_units(const char *path, agent **out, size_t *n)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char line[64];
  size_t cap = 0;
  *out = NULL;
  *n = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (!line[0])
      continue;
    if (*n == cap) {
      cap = cap ? 2 * cap : 64;
      *out = realloc(*out, cap * sizeof **out);
    }
    memset(&(*out)[*n], 0, sizeof **out);
    memcpy((*out)[*n].unit, line, strlen(line) + 1);
    (*n)++;
  }
  fclose(f);
  return *n ? 0 : -1;
}

static int agent_open(void *ctx, agent *a, const opts *o, const char *county_public)
{
  a->sock = zmq_socket(ctx, ZMQ_DEALER);
  if (!a->sock || hb_zmq_common(a->sock, HB_WIRE_MAXMSGSIZE, 1000, 3000) || hb_zmq_dealer(a->sock))
    return -1;
  if (!o->insecure) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.key_secret", o->keys, a->unit);
    hb_diags d;
    hb_diags_init(&d);
    hb_cert cert;
    int rc = hb_cert_read(path, 1, &cert, &d);
    hb_diags_write(&d, stderr);
    hb_diags_free(&d);
    if (rc != 0 || hb_zap_client_socket(a->sock, &cert, county_public) != 0)
      return -1;
  }
  return zmq_connect(a->sock, o->connect);
}

static int send_submit(agent *a, size_t n, uint8_t **buf, size_t *cap)
{
  uint64_t id = a->next_batch++;
  size_t len = bench_submit_pack(&a->spec, id, a->next, n, buf, cap);
  if (len == 0 || zmq_send(a->sock, *buf, len, 0) < 0)
    return -1;
  a->fl[a->inflight++] = (flight){id, bench_now_ns(), n};
  a->next += n;
  return 0;
}

static void lat_add(results *r, double ms)
{
  if (r->nlat == r->caplat) {
    r->caplat = r->caplat ? 2 * r->caplat : 4096;
    r->lat = realloc(r->lat, r->caplat * sizeof *r->lat);
  }
  r->lat[r->nlat++] = ms;
}

/* The batch id of an Ack whose every result is STORED and which carries
 * no error, read without unpacking (a Submit of 500 records is acked with
 * 500 RecordResults: protobuf-c's unpack and free of them cost this load
 * generator ~1,600 instructions per record, CPU the aggregator under test
 * shares on the bench machine). Returns false for any other Ack (broken,
 * an error, retry, a result not STORED): the caller unpacks it to say why. */
static bool ack_all_stored(const uint8_t *buf, size_t len, uint64_t *batch_id, uint64_t *n)
{
  size_t pos = 0;
  hb_pbfield f;
  int rc;
  bool have_id = false;
  *n = 0;
  while ((rc = hb_pbscan_next(buf, len, &pos, &f)) == 1) {
    if (f.number == 1 && f.wire_type == 0) {
      *batch_id = f.varint, have_id = true;
    } else if (f.number == 2 && f.wire_type == 2) {
      size_t rpos = 0;
      hb_pbfield g;
      bool stored = false;
      while ((rc = hb_pbscan_next(f.data, f.len, &rpos, &g)) == 1)
        if (g.number == 2)
          stored = g.wire_type == 0 && g.varint == HUIBAO__V1__RESULT_CODE__STORED;
      if (rc != 0 || !stored)
        return false;
      (*n)++;
    } else if (f.number != 5 && f.number != 8) { /* epoch, accepts_zstd: no matter */
      return false;                              /* error, retry, decisions, ...: unpacked */
    }
  }
  return rc == 0 && have_id;
}

/* Counts the results of one Ack (unpacked: it was not all STORED). */
static void ack_count(agent *a, results *r, const Huibao__V1__Ack *ack)
{
  if (ack->error && r->errors++ == 0)
    fprintf(stderr, "bench-loadgen: %s: batch refused: %s\n", a->unit, ack->error);
  for (size_t j = 0; j < ack->n_results; j++) {
    const Huibao__V1__RecordResult *rr = ack->results[j];
    r->stored += rr->code == HUIBAO__V1__RESULT_CODE__STORED;
    r->duplicate += rr->code == HUIBAO__V1__RESULT_CODE__DUPLICATE;
    r->stale += rr->code == HUIBAO__V1__RESULT_CODE__STALE;
    if (rr->code == HUIBAO__V1__RESULT_CODE__REJECTED && r->rejected++ == 0)
      fprintf(stderr, "bench-loadgen: %s: rejected: %s: %s\n", a->unit, rr->field ? rr->field : "",
              rr->reason ? rr->reason : "");
  }
}

/* The in-flight Submit of a with this batch id, or -1. */
static int flight_of(const agent *a, uint64_t batch_id)
{
  for (int i = 0; i < a->inflight; i++)
    if (a->fl[i].batch_id == batch_id)
      return i;
  return -1;
}

/* Submit i of a is acked at now: its latency, and out of the window. */
static void flight_done(agent *a, results *r, int warmup, int i, uint64_t now)
{
  if (!warmup) {
    r->acked += a->fl[i].n;
    lat_add(r, (double)(now - a->fl[i].sent_ns) / 1e6);
    if (r->trace)
      fprintf(r->trace, "%llu %.3f %s\n", (unsigned long long)a->fl[i].sent_ns,
              (double)(now - a->fl[i].sent_ns) / 1e6, a->unit);
  }
  a->fl[i] = a->fl[--a->inflight];
}

/* Receives every waiting Ack of a; returns the number of Submits acked. */
static int recv_acks(agent *a, results *r, int warmup)
{
  int got = 0;
  for (;;) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, a->sock, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&m);
      return got;
    }
    uint64_t now = bench_now_ns(), bid = 0, nstored = 0;
    if (ack_all_stored(zmq_msg_data(&m), zmq_msg_size(&m), &bid, &nstored)) {
      zmq_msg_close(&m);
      int i = flight_of(a, bid);
      if (i >= 0) {
        r->stored += nstored;
        flight_done(a, r, warmup, i, now);
        got++;
      }
      continue;
    }
    Huibao__V1__Ack *ack = NULL;
    if (hb_wire_ack_unpack(zmq_msg_data(&m), zmq_msg_size(&m), &ack) != 0) {
      r->errors++;
      zmq_msg_close(&m);
      continue;
    }
    zmq_msg_close(&m);
    int i = flight_of(a, ack->batch_id);
    if (i >= 0) {
      ack_count(a, r, ack);
      flight_done(a, r, warmup, i, now);
      got++;
    }
    protobuf_c_message_free_unpacked(&ack->base, NULL);
  }
}

static int usage(void)
{
  fprintf(stderr, "usage: bench-loadgen --connect EP --units FILE (--keys DIR --county-key FILE "
                  "| --insecure) --records N [--batch B] [--window W] [--rate R] [--first K] "
                  "[--version V] [--campaign ID] [--category CODE]\n");
  return 64;
}

int main(int argc, char **argv)
{
  opts o = {
      .batch = 500, .window = 8, .version = 1, .campaign = "zhuti-2023", .category = "theory"};
  static const struct option lo[] = {
      {"connect", 1, 0, 'c'},    {"units", 1, 0, 'u'},    {"keys", 1, 0, 'k'},
      {"county-key", 1, 0, 'K'}, {"insecure", 0, 0, 'I'}, {"records", 1, 0, 'n'},
      {"batch", 1, 0, 'b'},      {"window", 1, 0, 'w'},   {"rate", 1, 0, 'r'},
      {"first", 1, 0, 'f'},      {"version", 1, 0, 'v'},  {"campaign", 1, 0, 'm'},
      {"category", 1, 0, 'g'},   {"trace", 1, 0, 't'},    {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    switch (c) {
    case 'c': o.connect = optarg; break;
    case 'u': o.units = optarg; break;
    case 'k': o.keys = optarg; break;
    case 'K': o.county_key = optarg; break;
    case 'I': o.insecure = 1; break;
    case 'n': o.records = strtoull(optarg, NULL, 10); break;
    case 'b': o.batch = atoi(optarg); break;
    case 'w': o.window = atoi(optarg); break;
    case 'r': o.rate = atof(optarg); break;
    case 'f': o.first = strtoull(optarg, NULL, 10); break;
    case 'v': o.version = strtoull(optarg, NULL, 10); break;
    case 'm': o.campaign = optarg; break;
    case 'g': o.category = optarg; break;
    case 't': o.trace = optarg; break;
    default: return usage();
    }
  }
  if (!o.connect || !o.units || !o.records || o.batch < 1 || o.batch > HB_WIRE_MAX_BATCH ||
      o.window < 1 || o.window > MAX_WINDOW || (!o.insecure && (!o.keys || !o.county_key)))
    return usage();
  agent *ag;
  size_t na;
  if (load_units(o.units, &ag, &na) != 0) {
    fprintf(stderr, "bench-loadgen: %s: no units\n", o.units);
    return 1;
  }
  hb_cert county = {0};
  if (!o.insecure) {
    hb_diags d;
    hb_diags_init(&d);
    int rc = hb_cert_read(o.county_key, 0, &county, &d);
    hb_diags_write(&d, stderr);
    hb_diags_free(&d);
    if (rc != 0)
      return 1;
  }
  void *ctx = zmq_ctx_new();
  uint64_t per = o.records / na, extra = o.records % na, at = o.first;
  for (size_t i = 0; i < na; i++) {
    agent *a = &ag[i];
    a->spec = (bench_rec_spec){a->unit, o.campaign, o.category, o.version};
    a->next = at;
    a->end = at + per + (i < extra);
    at = a->end;
    a->next_batch = 1;
    if (agent_open(ctx, a, &o, county.public_key) != 0) {
      fprintf(stderr, "bench-loadgen: %s: cannot connect: %s\n", a->unit, zmq_strerror(errno));
      return 1;
    }
  }
  uint8_t *buf = NULL;
  size_t cap = 0;
  results r = {0};
  if (o.trace && !(r.trace = fopen(o.trace, "w"))) {
    fprintf(stderr, "bench-loadgen: %s: cannot write\n", o.trace);
    return 1;
  }
  zmq_pollitem_t *pi = calloc(na, sizeof *pi);
  for (size_t i = 0; i < na; i++)
    pi[i] = (zmq_pollitem_t){ag[i].sock, 0, ZMQ_POLLIN, 0};

  /* warm-up: one empty Submit per unit, handshakes done */
  for (size_t i = 0; i < na; i++)
    send_submit(&ag[i], 0, &buf, &cap);
  size_t waiting = na;
  uint64_t deadline = bench_now_ns() + 30000000000ull;
  while (waiting && bench_now_ns() < deadline) {
    if (zmq_poll(pi, (int)na, 1000) < 0)
      break;
    for (size_t i = 0; i < na; i++)
      if (pi[i].revents & ZMQ_POLLIN)
        waiting -= (size_t)recv_acks(&ag[i], &r, 1);
  }
  if (waiting) {
    fprintf(stderr, "bench-loadgen: %zu units got no answer to their first Submit\n", waiting);
    return 1;
  }

  uint64_t t0 = bench_now_ns(), last_progress = t0;
  double interval_ns = o.rate > 0 ? (double)o.batch / o.rate * 1e9 : 0;
  uint64_t sends = 0, sent_records = 0;
  size_t rr = 0;
  uint64_t late = 0;
  while (r.acked < o.records) {
    uint64_t now = bench_now_ns();
    int timeout = 100;
    if (o.rate > 0) {
      uint64_t due = t0 + (uint64_t)((double)sends * interval_ns);
      while (due <= now && sent_records < o.records) {
        agent *a = NULL;
        for (size_t k = 0; k < na && !a; k++) {
          agent *b = &ag[(rr + k) % na];
          if (b->next < b->end && b->inflight < o.window)
            a = b;
        }
        if (!a) {
          late++;
          break;
        }
        rr = (size_t)(a - ag) + 1;
        uint64_t left = a->end - a->next;
        size_t n = left < (uint64_t)o.batch ? (size_t)left : (size_t)o.batch;
        if (send_submit(a, n, &buf, &cap) != 0)
          break;
        sent_records += n;
        sends++;
        due = t0 + (uint64_t)((double)sends * interval_ns);
      }
      timeout = sent_records >= o.records ? 100 : due > now ? (int)((due - now) / 1000000) : 0;
    } else {
      for (size_t i = 0; i < na; i++) {
        agent *a = &ag[i];
        while (a->next < a->end && a->inflight < o.window) {
          uint64_t left = a->end - a->next;
          if (send_submit(a, left < (uint64_t)o.batch ? left : (size_t)o.batch, &buf, &cap) != 0)
            break;
        }
      }
    }
    if (zmq_poll(pi, (int)na, timeout) < 0 && errno != EINTR)
      break;
    int progress = 0;
    for (size_t i = 0; i < na; i++)
      if (pi[i].revents & ZMQ_POLLIN)
        progress += recv_acks(&ag[i], &r, 0);
    now = bench_now_ns();
    if (progress)
      last_progress = now;
    else if (now - last_progress > 20000000000ull) {
      fprintf(stderr, "bench-loadgen: no ack for 20 s (%llu of %llu records acked)\n",
              (unsigned long long)r.acked, (unsigned long long)o.records);
      break;
    }
    if (r.errors)
      break;
  }
  double secs = (double)(bench_now_ns() - t0) / 1e9;
  double p50 = bench_quantile(r.lat, r.nlat, 0.5), p99 = bench_quantile(r.lat, r.nlat, 0.99);
  printf("{\"records\": %llu, \"secs\": %.4f, \"rate\": %.0f, \"ack_p50_ms\": %.3f, "
         "\"ack_p99_ms\": %.3f, \"submits\": %zu, \"stored\": %llu, \"duplicate\": %llu, "
         "\"stale\": %llu, \"rejected\": %llu, \"errors\": %llu, \"late\": %llu, \"units\": %zu}\n",
         (unsigned long long)r.acked, secs, (double)r.acked / secs, p50, p99, r.nlat,
         (unsigned long long)r.stored, (unsigned long long)r.duplicate, (unsigned long long)r.stale,
         (unsigned long long)r.rejected, (unsigned long long)r.errors, (unsigned long long)late,
         na);
  for (size_t i = 0; i < na; i++)
    zmq_close(ag[i].sock);
  zmq_ctx_term(ctx);
  int ok = r.stored == o.records && !r.errors;
  free(ag);
  free(pi);
  free(buf);
  free(r.lat);
  if (r.trace)
    fclose(r.trace);
  return ok ? 0 : 1;
}
