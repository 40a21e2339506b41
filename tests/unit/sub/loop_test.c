/* loop_test.c: the loop's steps against a real XPUB on loopback: receive
 * (keyed by source or endpoint, one campaign only), the change step
 * (coalesced hook, then stored or only cleared), marking stale, the ends
 * (done, deadline, sub_loop_stop) and an error of a hook ending it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>
#include "collect.h"
#include "hb_date.h"
#include "hb_err.h"
#include "loop.h"
#include "store.h"
#include "test.h"

/* A county's publisher and the city's socket to it. */
typedef struct county {
  void *ctx, *pub;
  char ep[256];
  sub_net net;
} county;

static void county_open(county *k)
{
  k->ctx = zmq_ctx_new();
  k->pub = zmq_socket(k->ctx, ZMQ_XPUB);
  int zero = 0, timeout = 5000;
  zmq_setsockopt(k->pub, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(k->pub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  CHECK_EQ_INT(0, zmq_bind(k->pub, "tcp://127.0.0.1:*"));
  size_t len = sizeof k->ep;
  zmq_getsockopt(k->pub, ZMQ_LAST_ENDPOINT, k->ep, &len);
  char err[256], *eps[] = {k->ep};
  CHECK_EQ_INT(0, sub_net_open(&k->net, eps, 1, NULL, err, sizeof err));
  char subscription[64]; /* the city's subscription reached the county */
  CHECK(zmq_recv(k->pub, subscription, sizeof subscription, 0) > 0);
}

static void county_send_at(county *k, const char *source, const char *campaign, uint64_t seq,
                           int64_t as_of)
{
  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = (char *)source;
  r.campaign = (char *)campaign;
  r.seq = seq;
  r.as_of_ms = as_of;
  uint8_t buf[256];
  size_t len = huibao__v1__rollup__pack(&r, buf);
  char topic[64];
  snprintf(topic, sizeof topic, "rollup/%s", campaign);
  zmq_send(k->pub, topic, strlen(topic), ZMQ_SNDMORE);
  zmq_send(k->pub, buf, len, 0);
}

static void county_send(county *k, const char *source, const char *campaign, uint64_t seq)
{
  county_send_at(k, source, campaign, seq, 1000);
}

static void county_close(county *k)
{
  sub_net_close(&k->net);
  zmq_close(k->pub);
  zmq_ctx_term(k->ctx);
}

/* What the hooks saw. */
typedef struct seen {
  size_t want;    /* done when the collection holds this many pairs */
  int changes;    /* on_change calls */
  int dirty_seen; /* dirty entries at the last on_change */
  int stale_seen; /* stale entries at the last on_change */
  int fail;       /* on_change returns this */
  int pending;    /* on_pending returns true this many times */
} seen;

static bool done_when(void *arg, const sub_collect *c)
{
  return c->count >= ((seen *)arg)->want;
}

static int on_change(void *arg, sub_collect *c, int64_t now_ms)
{
  (void)now_ms;
  seen *s = arg;
  s->changes++;
  s->dirty_seen = s->stale_seen = 0;
  for (size_t i = 0; i < c->count; i++) {
    s->dirty_seen += c->items[i].dirty;
    s->stale_seen += c->items[i].stale;
  }
  return s->fail;
}

static bool on_pending(void *arg, int64_t now_ms)
{
  (void)now_ms;
  seen *s = arg;
  return s->pending > 0 && s->pending-- > 0;
}

static void test_receive(void)
{
  county k;
  county_open(&k);
  county_send(&k, "xq", "jf", 3);
  county_send(&k, "xq", "zt", 1); /* another campaign: not offered */
  county_send(&k, "dq", "jf", 5); /* the endpoint speaks for xq: refused */
  county_send_at(&k, "xq", "jf", 9, hb_time_now_ms() + SUB_COLLECT_MAX_SKEW_MS + 60000);
  county_send(&k, "xq", "au", 2); /* the last one: done */
  sub_collect c;
  sub_collect_init(&c);
  seen s = {.want = 2};
  sub_loop_opts o = {
      .net = &k.net, .deadline_ms = hb_time_mono_ms() + 5000, .done = done_when, .arg = &s};
  CHECK_EQ_INT(0, sub_loop_run(&o, &c));
  CHECK_EQ_INT(2, c.count); /* xq jf, xq au */
  sub_collect_free(&c);
  sub_collect_init(&c);
  county_send(&k, "xq", "jf", 3);
  county_send(&k, "xq", "zt", 1); /* another campaign: not offered */
  county_send(&k, "xq", "jf", 5);
  s.want = 1;
  o.campaign = "jf";
  o.deadline_ms = hb_time_mono_ms() + 5000;
  o.done = NULL;
  /* until the deadline: every message is in by then */
  o.deadline_ms = hb_time_mono_ms() + 1000;
  CHECK_EQ_INT(0, sub_loop_run(&o, &c));
  CHECK_EQ_INT(1, c.count);
  sub_entry *x = sub_collect_find(&c, "xq", "jf");
  CHECK(x && x->r->seq == 5);
  CHECK(!sub_collect_find(&c, "xq", "zt"));
  CHECK(!sub_collect_find(&c, "dq", "jf"));
  o.done = done_when;
  CHECK(!x || !x->dirty); /* the change step ran: no store, flags cleared */
  sub_collect_free(&c);

  /* keyed by endpoint (snapshot) */
  sub_collect_init(&c);
  county_send(&k, "xq", "jf", 4);
  s.want = 1;
  o.key_by_endpoint = true;
  o.deadline_ms = hb_time_mono_ms() + 5000;
  CHECK_EQ_INT(0, sub_loop_run(&o, &c));
  sub_entry *e = sub_collect_find(&c, k.ep, "jf");
  CHECK(e && e->r->seq == 4);
  sub_collect_free(&c);
  county_close(&k);
}

static void test_change_and_store(void)
{
  char dir[] = "/tmp/hb-sub-loop-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char err[256];
  sub_store *st = NULL;
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  county k;
  county_open(&k);
  county_send(&k, "xq", "jf", 3);
  sub_collect c;
  sub_collect_init(&c);
  sub_history h;
  sub_history_init(&h);
  sub_week_figures f;
  memset(&f, 0, sizeof f);
  CHECK_EQ_INT(1, sub_history_record(&h, "jf", hb_date_today(), 1000, &f));
  seen s = {.want = 1};
  sub_loop_opts o = {.net = &k.net,
                     .on_change = on_change,
                     .store = st,
                     .history = &h,
                     .deadline_ms = hb_time_mono_ms() + 5000,
                     .done = done_when,
                     .arg = &s};
  CHECK_EQ_INT(0, sub_loop_run(&o, &c));
  /* the hook saw the change first, then it was stored with the history */
  CHECK_EQ_INT(1, s.changes);
  CHECK_EQ_INT(1, s.dirty_seen);
  CHECK(c.count == 1 && !c.items[0].dirty);
  CHECK(h.count >= 1 && !h.items[0].dirty && !h.items[h.count - 1].dirty);
  sub_collect back;
  sub_collect_init(&back);
  CHECK_EQ_INT(0, sub_store_load_view(st, &back, 0, NULL));
  sub_entry *e = sub_collect_find(&back, "xq", "jf");
  CHECK(e && e->r->seq == 3);
  sub_collect_free(&back);
  sub_history_free(&h);
  sub_history_init(&h);
  CHECK_EQ_INT(0, sub_store_load_history(st, &h, NULL));
  CHECK_EQ_INT(1, h.count);
  sub_history_free(&h);

  /* a hook that fails ends the loop with its error; nothing more is stored */
  county_send(&k, "xq", "jf", 4);
  s.fail = HB_ENOMEM;
  o.history = NULL;
  o.deadline_ms = hb_time_mono_ms() + 5000;
  o.done = NULL;
  CHECK_EQ_INT(HB_ENOMEM, sub_loop_run(&o, &c));
  CHECK(c.items[0].dirty && c.items[0].r->seq == 4);
  sub_collect_init(&back);
  CHECK_EQ_INT(0, sub_store_load_view(st, &back, 0, NULL));
  e = sub_collect_find(&back, "xq", "jf");
  CHECK(e && e->r->seq == 3);
  sub_collect_free(&back);
  sub_collect_free(&c);
  county_close(&k);
  sub_store_close(st);
  snprintf(err, sizeof err, "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(err));
}

static void test_stale_and_ends(void)
{
  county k;
  county_open(&k);
  county_send(&k, "xq", "jf", 3);
  sub_collect c;
  sub_collect_init(&c);
  seen s = {0};
  int64_t t0 = hb_time_mono_ms();
  sub_loop_opts o = {.net = &k.net,
                     .mark_stale = true,
                     .stale_after_ms = 50,
                     .on_change = on_change,
                     .on_pending = on_pending,
                     .deadline_ms = t0 + 700,
                     .arg = &s};
  CHECK_EQ_INT(0, sub_loop_run(&o, &c)); /* ends at the deadline */
  int64_t took = hb_time_mono_ms() - t0;
  CHECK(took >= 690 && took < 3000);
  CHECK(c.count == 1 && c.items[0].stale);
  /* kept, then stale: two changes, coalesced at least 250 ms apart */
  CHECK_EQ_INT(2, s.changes);
  CHECK_EQ_INT(1, s.stale_seen);

  /* a pending change runs the change step without a dirty entry */
  s.changes = 0;
  s.pending = 1;
  o.deadline_ms = hb_time_mono_ms() + 400;
  CHECK_EQ_INT(0, sub_loop_run(&o, &c));
  CHECK_EQ_INT(1, s.changes);
  CHECK_EQ_INT(0, s.dirty_seen);

  /* sub_loop_stop ends it before the first pass */
  sub_loop_stop = 1;
  t0 = hb_time_mono_ms();
  o.deadline_ms = 0;
  CHECK_EQ_INT(0, sub_loop_run(&o, &c));
  CHECK(hb_time_mono_ms() - t0 < 1000);
  sub_loop_stop = 0;
  sub_collect_free(&c);
  county_close(&k);
}

int main(void)
{
  RUN(test_receive);
  RUN(test_change_and_store);
  RUN(test_stale_and_ends);
  return test_summary();
}
