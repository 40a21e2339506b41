/* Tests lib/hb_publisher.c over real ZeroMQ (XPUB/SUB on tcp loopback): a
 * new subscriber gets the state at once, marks are coalesced into one
 * message, the heartbeat resends everything, and with CURVE a subscriber
 * whose key is not in the keyring gets nothing. Time is the test's: every
 * call takes now_ms, so no test sleeps for a heartbeat. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_publisher.h"
#include "huibao/v1/huibao.pb-c.h"
#include "test.h"

/* The publisher's topics: campaign ids and a version each (the "state"). */
typedef struct state {
  const char *ids[3];
  int version[3];
  size_t n;
  int builds;
} state;

static int list_cb(void *arg, const char ***ids, size_t *n)
{
  state *s = arg;
  *ids = calloc(s->n, sizeof **ids);
  if (!*ids)
    return HB_ENOMEM;
  memcpy(*ids, s->ids, s->n * sizeof **ids);
  *n = s->n;
  return 0;
}

/* The "rollup" of campaign: "id=version". */
static int build_cb(void *arg, const char *campaign, uint8_t **buf, size_t *len)
{
  state *s = arg;
  for (size_t i = 0; i < s->n; i++) {
    if (strcmp(s->ids[i], campaign) != 0)
      continue;
    char text[64];
    int n = snprintf(text, sizeof text, "%s=%d", campaign, s->version[i]);
    *buf = malloc((size_t)n);
    if (!*buf)
      return HB_ENOMEM;
    memcpy(*buf, text, (size_t)n);
    *len = (size_t)n;
    s->builds++;
    return 0;
  }
  return HB_ENOTFOUND;
}

static int refusals;

static void on_refuse(void *arg, const char *domain, const char *address, const char *reason)
{
  (void)arg;
  (void)address;
  CHECK_EQ_STR(HB_PUBLISHER_ZAP_DOMAIN, domain);
  CHECK_EQ_STR("unknown key", reason);
  refusals++;
}

static hb_publisher *open_pub(state *s, hb_publisher_coalesce how, uint32_t heartbeat_ms,
                              const hb_cert *cert, hb_keyring *ring)
{
  *s = (state){.ids = {"jf", "zt"}, .version = {1, 1}, .n = 2};
  hb_publisher_opts o = {.endpoint = "tcp://127.0.0.1:*",
                         .cert = cert,
                         .subscribers = ring,
                         .heartbeat_ms = heartbeat_ms,
                         .sndhwm = 1000,
                         .coalesce = how,
                         .list = list_cb,
                         .build = build_cb,
                         .arg = s,
                         .on_refuse = on_refuse};
  hb_publisher *p = NULL;
  char err[256] = "";
  CHECK_EQ_INT(0, hb_publisher_open(&p, &o, err, sizeof err));
  if (p)
    CHECK(strncmp(hb_publisher_endpoint(p), "tcp://127.0.0.1:", 16) == 0);
  return p;
}

/* A SUB socket on p's endpoint, subscribed to every rollup; with client,
 * a CURVE client of server_public. */
static void *sub_open(void *ctx, hb_publisher *p, const hb_cert *client, const char *server_public)
{
  void *sub = zmq_socket(ctx, ZMQ_SUB);
  int zero = 0;
  zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
  if (client)
    hb_zap_client_socket(sub, client, server_public);
  zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "rollup/", 7);
  CHECK_EQ_INT(0, zmq_connect(sub, hb_publisher_endpoint(p)));
  return sub;
}

/* Receives one [topic][body] within ms as "topic body"; false if none. */
static bool recv_msg(void *sub, int ms, char *out, size_t outlen)
{
  zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&it, 1, ms) <= 0)
    return false;
  char topic[64], body[64];
  int tn = zmq_recv(sub, topic, sizeof topic - 1, 0);
  int bn = tn >= 0 ? zmq_recv(sub, body, sizeof body - 1, 0) : -1;
  if (bn < 0)
    return false;
  topic[tn] = body[bn] = '\0';
  snprintf(out, outlen, "%s %s", topic, body);
  return true;
}

/* Services p until a subscription waits (due at now_ms without a beat or
 * marks), at most 2 s. */
static bool wait_subscriber(hb_publisher *p, int64_t now_ms)
{
  for (int i = 0; i < 200; i++) {
    hb_publisher_poll(p);
    if (hb_publisher_due(p, now_ms))
      return true;
    zmq_poll(NULL, 0, 10);
  }
  return false;
}

static void test_new_subscriber(void)
{
  state s;
  hb_publisher *p = open_pub(&s, HB_PUBLISHER_COALESCE_DELAY, 60000, NULL, NULL);
  if (!p)
    return;
  int64_t now = hb_time_mono_ms();
  /* the first heartbeat at once, to nobody */
  CHECK_EQ_INT(0, hb_publisher_wait_ms(p, now));
  CHECK(hb_publisher_due(p, now));
  CHECK_EQ_INT(0, hb_publisher_send(p, now));
  CHECK(!hb_publisher_due(p, now));
  CHECK_EQ_INT(60000, hb_publisher_wait_ms(p, now));

  void *ctx = zmq_ctx_new(), *sub = sub_open(ctx, p, NULL, NULL);
  CHECK(wait_subscriber(p, now));
  CHECK_EQ_INT(0, hb_publisher_wait_ms(p, now));
  s.version[0] = 2; /* the state as it is when the subscriber comes */
  CHECK_EQ_INT(0, hb_publisher_send(p, now));
  char msg[160];
  CHECK(recv_msg(sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/jf jf=2", msg);
  CHECK(recv_msg(sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/zt zt=1", msg);
  CHECK(!recv_msg(sub, 100, msg, sizeof msg));
  /* the new subscriber did not move the heartbeat */
  CHECK(!hb_publisher_due(p, now + 59999));
  CHECK(hb_publisher_due(p, now + 60000));
  uint64_t sent = 0, dropped = 0;
  hb_publisher_counts(p, &sent, &dropped);
  CHECK_EQ_INT(4, sent);
  CHECK_EQ_INT(0, dropped);
  zmq_close(sub);
  zmq_ctx_term(ctx);
  hb_publisher_close(p);
}

/* A new subscription brings only the campaigns its topic matches, each at
 * most once per heartbeat: a subscriber churning its subscriptions cannot
 * multiply what the others receive (issue 18, item 8). */
static void test_subscription_topics(void)
{
  state s;
  hb_publisher *p = open_pub(&s, HB_PUBLISHER_COALESCE_DELAY, 60000, NULL, NULL);
  if (!p)
    return;
  int64_t now = hb_time_mono_ms();
  CHECK_EQ_INT(0, hb_publisher_send(p, now)); /* the first heartbeat, to nobody */
  void *ctx = zmq_ctx_new(), *all = sub_open(ctx, p, NULL, NULL);
  CHECK(wait_subscriber(p, now));
  CHECK_EQ_INT(0, hb_publisher_send(p, now));
  char msg[160];
  CHECK(recv_msg(all, 1000, msg, sizeof msg));
  CHECK(recv_msg(all, 1000, msg, sizeof msg));

  /* a topic of no campaign: nothing */
  void *one = zmq_socket(ctx, ZMQ_SUB);
  zmq_setsockopt(one, ZMQ_LINGER, &(int){0}, sizeof(int));
  zmq_setsockopt(one, ZMQ_SUBSCRIBE, "rollup/none", 11);
  CHECK_EQ_INT(0, zmq_connect(one, hb_publisher_endpoint(p)));
  CHECK(wait_subscriber(p, now));
  CHECK_EQ_INT(0, hb_publisher_send(p, now));
  CHECK(!recv_msg(all, 200, msg, sizeof msg));
  /* a new campaign, and a subscription to its topic: that one only */
  s.ids[2] = "nw";
  s.version[2] = 1;
  s.n = 3;
  zmq_setsockopt(one, ZMQ_SUBSCRIBE, "rollup/nw", 9);
  CHECK(wait_subscriber(p, now + 1));
  CHECK_EQ_INT(0, hb_publisher_send(p, now + 1));
  CHECK(recv_msg(one, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/nw nw=1", msg);
  CHECK(recv_msg(all, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/nw nw=1", msg);
  CHECK(!recv_msg(all, 200, msg, sizeof msg));

  /* churn within the heartbeat: nothing more for anyone */
  for (int i = 0; i < 50; i++) {
    zmq_setsockopt(one, ZMQ_UNSUBSCRIBE, "rollup/nw", 9);
    zmq_setsockopt(one, ZMQ_SUBSCRIBE, "rollup/nw", 9);
    zmq_setsockopt(one, ZMQ_SUBSCRIBE, "rollup/", 7);
    zmq_setsockopt(one, ZMQ_UNSUBSCRIBE, "rollup/", 7);
  }
  CHECK(wait_subscriber(p, now + 2));
  for (int i = 0; i < 20; i++) {
    hb_publisher_poll(p);
    CHECK_EQ_INT(0, hb_publisher_send(p, now + 2 + i));
    zmq_poll(NULL, 0, 10);
  }
  CHECK(!recv_msg(all, 200, msg, sizeof msg));
  uint64_t sent = 0, dropped = 0;
  hb_publisher_counts(p, &sent, &dropped);
  CHECK_EQ_INT(5, sent); /* the first heartbeat (2), the first subscriber (2), nw (1) */
  zmq_close(one);
  zmq_close(all);
  zmq_ctx_term(ctx);
  hb_publisher_close(p);
}

/* An open publisher with a subscriber that has had the first state. */
typedef struct fixture {
  state s;
  hb_publisher *p;
  void *ctx, *sub;
  int64_t t0; /* when the first state went out */
} fixture;

static bool fixture_open(fixture *f, hb_publisher_coalesce how, uint32_t heartbeat_ms)
{
  f->p = open_pub(&f->s, how, heartbeat_ms, NULL, NULL);
  if (!f->p)
    return false;
  f->t0 = hb_time_mono_ms();
  hb_publisher_send(f->p, f->t0);
  f->ctx = zmq_ctx_new();
  f->sub = sub_open(f->ctx, f->p, NULL, NULL);
  CHECK(wait_subscriber(f->p, f->t0));
  hb_publisher_send(f->p, f->t0);
  char msg[160];
  CHECK(recv_msg(f->sub, 1000, msg, sizeof msg));
  CHECK(recv_msg(f->sub, 1000, msg, sizeof msg));
  return true;
}

static void fixture_close(fixture *f)
{
  zmq_close(f->sub);
  zmq_ctx_term(f->ctx);
  hb_publisher_close(f->p);
}

/* DELAY (the city): marks within the window make one message, sent
 * HB_PUBLISHER_COALESCE_MS after the first, with the state of then. */
static void test_coalesce_delay(void)
{
  fixture f;
  if (!fixture_open(&f, HB_PUBLISHER_COALESCE_DELAY, 60000))
    return;
  int64_t t = f.t0 + 1000;
  for (int i = 0; i < 3; i++) {
    f.s.version[0]++;
    CHECK_EQ_INT(0, hb_publisher_mark(f.p, "jf", t + 10 * i));
    CHECK(!hb_publisher_due(f.p, t + 10 * i));
  }
  CHECK_EQ_INT(10, hb_publisher_wait_ms(f.p, t + HB_PUBLISHER_COALESCE_MS - 10));
  CHECK(!hb_publisher_due(f.p, t + HB_PUBLISHER_COALESCE_MS - 1));
  CHECK_EQ_INT(0, hb_publisher_send(f.p, t + HB_PUBLISHER_COALESCE_MS - 1)); /* not yet */
  CHECK(hb_publisher_due(f.p, t + HB_PUBLISHER_COALESCE_MS));
  CHECK_EQ_INT(0, hb_publisher_send(f.p, t + HB_PUBLISHER_COALESCE_MS));
  char msg[160];
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/jf jf=4", msg);
  CHECK(!recv_msg(f.sub, 100, msg, sizeof msg)); /* one message, and zt did not change */
  CHECK(!hb_publisher_due(f.p, t + HB_PUBLISHER_COALESCE_MS));

  /* a mark taken back before its time sends nothing */
  CHECK_EQ_INT(0, hb_publisher_mark(f.p, "zt", t + 100));
  hb_publisher_unmark(f.p, "zt");
  CHECK(!hb_publisher_due(f.p, t + 200));
  /* a campaign no longer listed is forgotten */
  CHECK_EQ_INT(0, hb_publisher_mark(f.p, "gone", t + 300));
  CHECK_EQ_INT(0, hb_publisher_send(f.p, t + 400));
  CHECK(!recv_msg(f.sub, 100, msg, sizeof msg));
  CHECK(!hb_publisher_due(f.p, t + 400));
  fixture_close(&f);
}

/* RATE (the county): a change goes out at once, the next ones within the
 * window wait for its end; a heartbeat does not restart the window. */
static void test_coalesce_rate(void)
{
  fixture f;
  if (!fixture_open(&f, HB_PUBLISHER_COALESCE_RATE, 1000))
    return;
  int64_t t = f.t0 + 500;
  char msg[160];
  f.s.version[1] = 2;
  hb_publisher_mark(f.p, "zt", t);
  CHECK(hb_publisher_due(f.p, t));
  CHECK_EQ_INT(0, hb_publisher_send(f.p, t));
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/zt zt=2", msg);
  for (int i = 1; i <= 3; i++) {
    f.s.version[1]++;
    hb_publisher_mark(f.p, "zt", t + 10 * i);
    CHECK(!hb_publisher_due(f.p, t + 10 * i));
  }
  CHECK_EQ_INT(10, hb_publisher_wait_ms(f.p, t + HB_PUBLISHER_COALESCE_MS - 10));
  CHECK_EQ_INT(0, hb_publisher_send(f.p, t + HB_PUBLISHER_COALESCE_MS));
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/zt zt=5", msg);
  CHECK(!recv_msg(f.sub, 100, msg, sizeof msg));

  /* the heartbeat at t0 + 1000, then a change 1 ms later goes out at once */
  int64_t beat = f.t0 + 1000;
  CHECK_EQ_INT(0, hb_publisher_send(f.p, beat));
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  f.s.version[0] = 7;
  hb_publisher_mark(f.p, "jf", beat + 1);
  CHECK(hb_publisher_due(f.p, beat + 1));
  CHECK_EQ_INT(0, hb_publisher_send(f.p, beat + 1));
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/jf jf=7", msg);
  fixture_close(&f);
}

static void test_heartbeat(void)
{
  fixture f;
  if (!fixture_open(&f, HB_PUBLISHER_COALESCE_DELAY, 200))
    return;
  CHECK_EQ_INT(200, hb_publisher_heartbeat_ms(f.p));
  CHECK_EQ_INT(50, hb_publisher_wait_ms(f.p, f.t0 + 150));
  CHECK(!hb_publisher_due(f.p, f.t0 + 199));
  CHECK(hb_publisher_due(f.p, f.t0 + 200));
  f.s.version[1] = 9;
  hb_publisher_mark(f.p, "zt", f.t0 + 190); /* the heartbeat takes the marks with it */
  CHECK_EQ_INT(0, hb_publisher_send(f.p, f.t0 + 200));
  char msg[160];
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/jf jf=1", msg);
  CHECK(recv_msg(f.sub, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/zt zt=9", msg);
  CHECK(!recv_msg(f.sub, 100, msg, sizeof msg));
  CHECK(!hb_publisher_due(f.p, f.t0 + 399));
  CHECK_EQ_INT(200, hb_publisher_wait_ms(f.p, f.t0 + 200));
  /* the default heartbeat */
  state s;
  hb_publisher *p = open_pub(&s, HB_PUBLISHER_COALESCE_RATE, 0, NULL, NULL);
  if (p)
    CHECK_EQ_INT(HB_PUBLISHER_HEARTBEAT_MS, hb_publisher_heartbeat_ms(p));
  hb_publisher_close(p);
  fixture_close(&f);
}

static int entry_cmp(const void *a, const void *b)
{
  return strcmp(((const hb_keyring_entry *)a)->public_key,
                ((const hb_keyring_entry *)b)->public_key);
}

/* A keyring holding the public key of each cert, named as the cert. */
static void ring_make(hb_keyring *ring, const hb_cert *const *certs, size_t n)
{
  ring->items = calloc(n, sizeof *ring->items);
  ring->count = ring->items ? n : 0;
  for (size_t i = 0; i < ring->count; i++) {
    snprintf(ring->items[i].code, sizeof ring->items[i].code, "%s", certs[i]->name);
    snprintf(ring->items[i].public_key, sizeof ring->items[i].public_key, "%s",
             certs[i]->public_key);
  }
  qsort(ring->items, ring->count, sizeof *ring->items, entry_cmp);
  CHECK_EQ_STR(certs[0]->name, hb_keyring_find(ring, certs[0]->public_key));
}

static void test_curve(void)
{
  hb_cert server, city, spy;
  hb_cert_generate(&server, "county");
  hb_cert_generate(&city, "city");
  hb_cert_generate(&spy, "spy");
  hb_keyring ring;
  ring_make(&ring, (const hb_cert *const[]){&city}, 1);
  state s;
  hb_publisher *p = open_pub(&s, HB_PUBLISHER_COALESCE_RATE, 60000, &server, &ring);
  CHECK(ring.items == NULL); /* taken over */
  if (!p)
    return;
  CHECK(hb_publisher_zap_socket(p) != NULL);
  int64_t now = hb_time_mono_ms();
  hb_publisher_send(p, now);
  void *ctx = zmq_ctx_new();
  void *bad = sub_open(ctx, p, &spy, server.public_key);
  void *good = sub_open(ctx, p, &city, server.public_key);
  refusals = 0;
  CHECK(wait_subscriber(p, now)); /* the city's subscription */
  for (int i = 0; i < 100 && refusals == 0; i++) {
    hb_publisher_poll(p);
    zmq_poll(NULL, 0, 10);
  }
  CHECK(refusals >= 1);
  CHECK_EQ_INT(0, hb_publisher_send(p, now));
  char msg[160];
  CHECK(recv_msg(good, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/jf jf=1", msg);
  CHECK(!recv_msg(bad, 300, msg, sizeof msg));

  /* the spy's key added (SIGHUP): a new connection with it subscribes */
  ring_make(&ring, (const hb_cert *const[]){&city, &spy}, 2);
  hb_publisher_keys_set(p, &ring);
  CHECK(ring.items == NULL);
  void *late = sub_open(ctx, p, &spy, server.public_key);
  CHECK(wait_subscriber(p, now));
  /* within the heartbeat of the city's subscription: nothing again for it
   * (at most once per heartbeat per topic), the heartbeat brings it */
  CHECK_EQ_INT(0, hb_publisher_send(p, now));
  CHECK(!recv_msg(late, 200, msg, sizeof msg));
  now += hb_publisher_heartbeat_ms(p);
  CHECK_EQ_INT(0, hb_publisher_send(p, now));
  CHECK(recv_msg(late, 1000, msg, sizeof msg));
  CHECK_EQ_STR("rollup/jf jf=1", msg);
  zmq_close(bad);
  zmq_close(good);
  zmq_close(late);
  zmq_ctx_term(ctx);
  hb_publisher_close(p);
}

/* The next_ms of every quiet beat ("tock": one frame, "tock" then a
 * RollupBeat of 2 campaigns) waiting on sub, in order, into next[0..max);
 * other messages are skipped. Returns how many. */
static int tocks(void *sub, uint32_t *next, int max)
{
  int n = 0;
  zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
  while (zmq_poll(&it, 1, 200) > 0) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sub, 0) < 0)
      break;
    const uint8_t *d = zmq_msg_data(&m);
    size_t len = zmq_msg_size(&m);
    bool one = !zmq_msg_more(&m);
    if (one && len > 4 && memcmp(d, "tock", 4) == 0) {
      Huibao__V1__RollupBeat *b = huibao__v1__rollup_beat__unpack(NULL, len - 4, d + 4);
      CHECK(b && b->n_entries == 2 && b->has_next_ms);
      if (b && n < max)
        next[n++] = b->next_ms;
      if (b)
        protobuf_c_message_free_unpacked(&b->base, NULL);
    }
    zmq_msg_close(&m);
  }
  return n;
}

/* The quiet beat: one heartbeat after a new subscription or a change, then
 * twice the last interval while nothing changes, up to
 * HB_PUBLISHER_QUIET_BEATS heartbeats; to a subscriber of "tock" alone,
 * neither "tick" nor "rollup/". */
static void test_quiet_beat(void)
{
  state s;
  hb_publisher *p = open_pub(&s, HB_PUBLISHER_COALESCE_RATE, 100, NULL, NULL);
  if (!p)
    return;
  int64_t t = hb_time_mono_ms();
  hb_publisher_send(p, t); /* the first heartbeat, to nobody */
  void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
  int zero = 0;
  zmq_setsockopt(sub, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "state/", 6);
  zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "tock", 4);
  CHECK_EQ_INT(0, zmq_connect(sub, hb_publisher_endpoint(p)));
  CHECK(wait_subscriber(p, t));
  CHECK_EQ_INT(0, hb_publisher_send(p, t)); /* the full states */
  for (int i = 1; i <= 40; i++)             /* 40 heartbeats, nothing changes */
    CHECK_EQ_INT(0, hb_publisher_send(p, t + 100 * i));
  uint32_t next[16];
  CHECK_EQ_INT(8, tocks(sub, next, 16)); /* at heartbeats 1, 2, 4, 8, 16, 24, 32, 40 */
  const uint32_t want[] = {100, 200, 400, 800, 800, 800, 800, 800};
  for (int i = 0; i < 8; i++)
    CHECK_EQ_INT(want[i], next[i]);
  /* a change: its delta at once, the next heartbeat's beat says 100 again */
  s.version[0]++;
  hb_publisher_mark(p, "jf", t + 4010);
  CHECK_EQ_INT(0, hb_publisher_send(p, t + 4010));
  for (int i = 41; i <= 44; i++)
    CHECK_EQ_INT(0, hb_publisher_send(p, t + 100 * i));
  CHECK_EQ_INT(3, tocks(sub, next, 16)); /* at heartbeats 41, 42, 44 */
  CHECK_EQ_INT(100, next[0]);
  CHECK_EQ_INT(200, next[1]);
  CHECK_EQ_INT(400, next[2]);
  zmq_close(sub);
  zmq_ctx_term(ctx);
  hb_publisher_close(p);
}

static void test_open_error(void)
{
  state s = {.n = 0};
  hb_keyring ring = {0};
  hb_publisher_opts o = {.endpoint = "tcp://256.0.0.1:1",
                         .subscribers = &ring,
                         .list = list_cb,
                         .build = build_cb,
                         .arg = &s};
  hb_publisher *p = (hb_publisher *)&s;
  char err[256] = "";
  CHECK_EQ_INT(HB_EZMQ, hb_publisher_open(&p, &o, err, sizeof err));
  CHECK(p == NULL);
  CHECK_CONTAINS(err, "bind tcp://256.0.0.1:1");
}

int main(void)
{
  RUN(test_new_subscriber);
  RUN(test_subscription_topics);
  RUN(test_coalesce_delay);
  RUN(test_coalesce_rate);
  RUN(test_heartbeat);
  RUN(test_curve);
  RUN(test_quiet_beat);
  RUN(test_open_error);
  return test_summary();
}
