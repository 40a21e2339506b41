/* net_delta_test.c: sub/net_delta.c (issue 17): states rebuilt from deltas,
 * held on beats, gaps noticed and the full state asked for. */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_delta.h"
#include "hb_err.h"
#include "net_delta.h"
#include "test.h"
#include "test_rollup.h"

static uint8_t *state(uint64_t seq, size_t *len)
{
  Huibao__V1__Rollup *r = test_rollup_make(&(test_rollup){.source = "xq",
                                                          .campaign = "jf",
                                                          .seq = seq,
                                                          .as_of_ms = 1000 + (int64_t)seq,
                                                          .unit = "u1",
                                                          .unit_records = seq});
  uint8_t *b = test_rollup_pack(r, len);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  return b;
}

/* The RollupDelta from base (NULL: full) to cur. */
static uint8_t *delta(const uint8_t *base, size_t bl, const uint8_t *cur, size_t cl, uint64_t seq,
                      size_t *len)
{
  uint8_t *z = NULL, *m = NULL;
  size_t zl = 0;
  CHECK_EQ_INT(0, hb_delta_encode(base, bl, cur, cl, &z, &zl));
  CHECK_EQ_INT(0, hb_delta_pack("jf", seq, hb_delta_hash(cur, cl), cl, base != NULL,
                                base ? hb_delta_hash(base, bl) : 0, z, zl, &m, len));
  free(z);
  return m;
}

static uint8_t *beat_next(uint32_t hash, uint32_t next_ms, size_t *len)
{
  Huibao__V1__RollupBeatEntry e = HUIBAO__V1__ROLLUP_BEAT_ENTRY__INIT, *pe = &e;
  e.campaign = "jf";
  e.seq = 1;
  e.hash = hash;
  Huibao__V1__RollupBeat b = HUIBAO__V1__ROLLUP_BEAT__INIT;
  b.n_entries = 1;
  b.entries = &pe;
  b.has_next_ms = next_ms > 0;
  b.next_ms = next_ms;
  *len = huibao__v1__rollup_beat__get_packed_size(&b);
  uint8_t *buf = malloc(*len);
  huibao__v1__rollup_beat__pack(&b, buf);
  return buf;
}

static uint8_t *beat(uint32_t hash, size_t *len)
{
  return beat_next(hash, 0, len);
}

/* The seq of the next queued rollup, or 0 when none. */
static uint64_t pop_seq(sub_netd *d)
{
  Huibao__V1__Rollup *r = NULL;
  if (sub_netd_pop(d, &r) != 1)
    return 0;
  uint64_t s = r->seq;
  protobuf_c_message_free_unpacked(&r->base, NULL);
  return s;
}

/* Whether the XPUB saw the (un)subscription message m (n bytes). */
static bool saw(void *xpub, const char *m, int n)
{
  bool got = false;
  char b[64];
  int k;
  while ((k = zmq_recv(xpub, b, sizeof b, ZMQ_DONTWAIT)) >= 0)
    if (k == n && memcmp(b, m, (size_t)n) == 0)
      got = true;
  return got;
}

/* Whether the XPUB saw a subscription to "state/jf" (the full state asked). */
static bool asked(void *xpub)
{
  bool got = false;
  char m[64];
  int n;
  while ((n = zmq_recv(xpub, m, sizeof m, ZMQ_DONTWAIT)) >= 0)
    if (n == 9 && m[0] == 1 && memcmp(m + 1, "state/jf", 8) == 0)
      got = true;
  return got;
}

static void test_apply(void)
{
  void *ctx = zmq_ctx_new(), *xpub = zmq_socket(ctx, ZMQ_XPUB), *sub = zmq_socket(ctx, ZMQ_SUB);
  int one = 1;
  zmq_setsockopt(xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
  CHECK_EQ_INT(0, zmq_bind(xpub, "inproc://nd"));
  CHECK_EQ_INT(0, zmq_connect(sub, "inproc://nd"));
  sub_netd *d = sub_netd_open(sub, "jf");
  CHECK(d != NULL);
  zmq_poll(NULL, 0, 50);
  (void)asked(xpub); /* the subscriptions of the open */
  size_t la, lb, lc, ld, ml;
  uint8_t *a = state(5, &la), *b = state(6, &lb), *c = state(7, &lc), *dd = state(8, &ld);
  size_t gaps = 0;
  const char *t = "state/jf";
  CHECK(sub_netd_topic(t, 8) && sub_netd_topic("tick", 4) && !sub_netd_topic("rollup/jf", 9));

  uint8_t *m = delta(NULL, 0, a, la, 5, &ml); /* the full state */
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, t, 8, m, ml, 0, &gaps));
  CHECK_EQ_INT(5, pop_seq(d));
  CHECK_EQ_INT(0, pop_seq(d));
  free(m);
  m = beat((uint32_t)hb_delta_hash(a, la), &ml); /* held: the state again */
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, "tick", 4, m, ml, 10, &gaps));
  CHECK_EQ_INT(5, pop_seq(d));
  free(m);
  m = delta(a, la, b, lb, 6, &ml); /* a delta against what is held */
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, t, 8, m, ml, 20, &gaps));
  CHECK_EQ_INT(6, pop_seq(d));
  CHECK_EQ_INT(0, gaps);
  free(m);

  m = delta(c, lc, dd, ld, 8, &ml); /* missed b -> c: another base */
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, t, 8, m, ml, 30, &gaps));
  CHECK_EQ_INT(0, pop_seq(d));
  CHECK_EQ_INT(1, gaps);
  zmq_poll(NULL, 0, 50);
  CHECK(asked(xpub));
  free(m);
  m = beat((uint32_t)hb_delta_hash(dd, ld), &ml); /* a beat of another state: not held */
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, "tick", 4, m, ml, 40, &gaps));
  CHECK_EQ_INT(0, pop_seq(d));
  CHECK_EQ_INT(2, gaps);
  zmq_poll(NULL, 0, 50);
  CHECK(!asked(xpub)); /* asked within the heartbeat already */
  free(m);
  m = delta(NULL, 0, dd, ld, 8, &ml); /* the full state asked for */
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, t, 8, m, ml, 50, &gaps));
  CHECK_EQ_INT(8, pop_seq(d));
  /* the same message on another campaign's topic, and junk: malformed */
  CHECK_EQ_INT(HB_EPROTO, sub_netd_handle(d, sub, "state/zt", 8, m, ml, 60, &gaps));
  uint8_t junk[] = {0xff, 0x01};
  CHECK_EQ_INT(HB_EPROTO, sub_netd_handle(d, sub, t, 8, junk, sizeof junk, 60, &gaps));
  CHECK_EQ_INT(HB_EPROTO, sub_netd_handle(d, sub, "tick", 4, junk, sizeof junk, 60, &gaps));
  CHECK_EQ_INT(0, pop_seq(d));
  free(m);
  /* a delta that does not rebuild (a wrong hash): nothing, and asked */
  m = delta(dd, ld, a, la, 5, &ml);
  Huibao__V1__RollupDelta *x = NULL;
  CHECK_EQ_INT(0, hb_delta_unpack(m, ml, &x));
  free(m);
  if (x) {
    x->hash ^= 1;
    ml = huibao__v1__rollup_delta__get_packed_size(x);
    m = malloc(ml);
    huibao__v1__rollup_delta__pack(x, m);
    protobuf_c_message_free_unpacked(&x->base, NULL);
    CHECK_EQ_INT(HB_EPROTO, sub_netd_handle(d, sub, t, 8, m, ml, 5000, &gaps));
    CHECK_EQ_INT(0, pop_seq(d));
    zmq_poll(NULL, 0, 50);
    CHECK(asked(xpub));
    free(m);
  }
  free(a);
  free(b);
  free(c);
  free(dd);
  sub_netd_free(d);
  zmq_close(sub);
  zmq_close(xpub);
  zmq_ctx_term(ctx);
}

/* The quiet beat ("tock"): it holds the state as "tick" does, drops the
 * "tick" subscription, and the endpoint counts as silent only after next_ms
 * + 2 heartbeats (then "tick" and "rollup/jf" again); a closed connection
 * voids the announced interval. */
static void test_tock(void)
{
  void *ctx = zmq_ctx_new(), *xpub = zmq_socket(ctx, ZMQ_XPUB), *sub = zmq_socket(ctx, ZMQ_SUB);
  int one = 1;
  zmq_setsockopt(xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one);
  CHECK_EQ_INT(0, zmq_bind(xpub, "inproc://ndt"));
  CHECK_EQ_INT(0, zmq_connect(sub, "inproc://ndt"));
  zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "rollup/jf", 9); /* as sub_net does */
  sub_netd *d = sub_netd_open(sub, "jf");
  CHECK(d != NULL);
  zmq_poll(NULL, 0, 50);
  CHECK(saw(xpub, "\x01tock", 5));
  CHECK(sub_netd_topic("tock", 4) && !sub_netd_topic("tockx", 5));
  size_t la, ml;
  uint8_t *a = state(5, &la);
  size_t gaps = 0;
  uint8_t *m = delta(NULL, 0, a, la, 5, &ml);
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, "state/jf", 8, m, ml, 0, &gaps));
  CHECK_EQ_INT(5, pop_seq(d));
  free(m);
  CHECK_EQ_INT(0, sub_netd_quiet_ms(d)); /* no quiet beat yet */
  m = beat_next((uint32_t)hb_delta_hash(a, la), 8000, &ml);
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, "tock", 4, m, ml, 100, &gaps));
  CHECK_EQ_INT(5, pop_seq(d)); /* held: heard */
  CHECK_EQ_INT(0, gaps);
  CHECK_EQ_INT(8000, sub_netd_quiet_ms(d));
  zmq_poll(NULL, 0, 50);
  CHECK(saw(xpub, "\x00tick", 5)); /* "tick" is no longer needed */
  /* silent for 8 s + 2 heartbeats is not yet silence; 1 ms more is */
  sub_netd_tick(d, sub, 100 + 10000);
  zmq_poll(NULL, 0, 50);
  CHECK(!saw(xpub, "\x01tick", 5));
  CHECK_EQ_INT(8000, sub_netd_quiet_ms(d));
  sub_netd_tick(d, sub, 100 + 10001);
  zmq_poll(NULL, 0, 50);
  char both[2][16];
  int nboth = 0;
  for (int k; nboth < 2 && (k = zmq_recv(xpub, both[nboth], 15, ZMQ_DONTWAIT)) >= 0;)
    both[nboth++][k] = '\0';
  CHECK_EQ_INT(2, nboth);
  CHECK_EQ_STR("\x01tick", both[0]);
  CHECK_EQ_STR("\x01rollup/jf", both[1]);
  CHECK_EQ_INT(0, sub_netd_quiet_ms(d));
  /* a quiet beat again, then the connection closes: the interval is void */
  CHECK_EQ_INT(0, sub_netd_handle(d, sub, "tock", 4, m, ml, 20000, &gaps));
  CHECK_EQ_INT(8000, sub_netd_quiet_ms(d));
  CHECK(!sub_netd_take_lost(d));
  sub_netd_dropped(d, 0); /* no close yet */
  CHECK_EQ_INT(8000, sub_netd_quiet_ms(d));
  sub_netd_dropped(d, 1);
  CHECK_EQ_INT(0, sub_netd_quiet_ms(d));
  CHECK(sub_netd_take_lost(d));
  CHECK(!sub_netd_take_lost(d)); /* once */
  free(m);
  free(a);
  sub_netd_free(d);
  zmq_close(sub);
  zmq_close(xpub);
  zmq_ctx_term(ctx);
}

int main(void)
{
  RUN(test_apply);
  RUN(test_tock);
  return test_summary();
}
