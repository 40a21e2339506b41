/* republish_test.c: the city's merged rollups as a province receives them
 * (source, sources, seq across a stale county, nesting), the signature that
 * says when to republish, and the schedule on a real XPUB (at once for a
 * new subscriber, coalesced on change, only what changed). */
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "collect.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "republish.h"
#include "test.h"
#include "test_rollup.h"
#include "test_rollup_periods.h"

static Huibao__V1__Rollup *mk(const char *source, const char *campaign, uint64_t seq,
                              uint64_t problems, int64_t as_of_ms)
{
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  pc.has_total = 1;
  pc.total = problems;
  /* every county has a unit xw: the county field tells them apart */
  return test_rollup_make(&(test_rollup){.source = source,
                                         .campaign = campaign,
                                         .seq = seq,
                                         .as_of_ms = as_of_ms,
                                         .heartbeat_ms = 1000,
                                         .problems = &pc,
                                         .unit = "xw",
                                         .unit_records = problems});
}

/* Builds and unpacks the published rollup of campaign. */
static Huibao__V1__Rollup *built(const sub_collect *c, const char *campaign, const char *source,
                                 uint32_t count)
{
  sub_view_opts v = {source, NULL, NULL, NULL, 0, false};
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = sub_republish_build(c, campaign, &v, 250, count, &buf, &len);
  CHECK_EQ_INT(0, rc);
  if (rc != 0)
    return NULL;
  Huibao__V1__Rollup *r = NULL;
  CHECK_EQ_INT(0, hb_rollup_unpack(buf, len, &r));
  free(buf);
  return r;
}

static void test_build(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 5, 3, 1000), 0, NULL);
  sub_collect_offer(&c, "dq", mk("dq", "jf", 7, 2, 2000), 0, NULL);
  sub_collect_offer(&c, "xq", mk("xq", "zt", 1, 1, 1000), 0, NULL);
  Huibao__V1__Rollup *r = built(&c, "jf", "city1", 2);
  if (r) {
    CHECK_EQ_STR("city1", r->source);
    CHECK_EQ_STR("jf", r->campaign);
    CHECK_EQ_INT(12, r->seq); /* the sum of the counties' seqs */
    CHECK_EQ_INT(5, r->problems->total);
    CHECK_EQ_INT(250, r->heartbeat_ms); /* the city's own, not the counties' 1000 */
    CHECK(r->has_campaign_count);
    CHECK_EQ_INT(2, r->campaign_count);
    CHECK_EQ_INT(2, r->n_sources);
    CHECK_EQ_STR("xq", r->sources[0]->code);
    CHECK_EQ_INT(5, r->sources[0]->seq);
    CHECK_EQ_STR("dq", r->sources[1]->code);
    CHECK_EQ_INT(2000, r->sources[1]->as_of_ms);
    CHECK_EQ_INT(2, r->n_units);
    CHECK_EQ_STR("dq", r->units[1]->county);
    protobuf_c_message_free_unpacked(&r->base, NULL);
  }

  /* dq goes silent: flagged stale, still counted, seq unchanged */
  CHECK_EQ_INT(3, sub_collect_mark_stale(&c, 10000, 0, NULL, NULL));
  r = built(&c, "jf", "city1", 2);
  if (r) {
    CHECK_EQ_INT(12, r->seq);
    CHECK_EQ_INT(5, r->problems->total);
    CHECK(r->sources[0]->stale && r->sources[1]->stale);
    protobuf_c_message_free_unpacked(&r->base, NULL);
  }

  uint8_t *buf = (uint8_t *)"x";
  size_t len = 1;
  sub_view_opts v = {"city1", NULL, NULL, NULL, 0, false};
  CHECK_EQ_INT(HB_ENOTFOUND, sub_republish_build(&c, "none", &v, 250, 2, &buf, &len));
  CHECK(buf == NULL && len == 0);
  sub_collect_free(&c);
}

/* A province merges cities exactly as a city merges counties: the source
 * is the province, the counties of every city are its sources, seq sums. */
static void test_nested(void)
{
  sub_collect city1, city2, prov;
  sub_collect_init(&city1);
  sub_collect_init(&city2);
  sub_collect_init(&prov);
  sub_collect_offer(&city1, "xq", mk("xq", "jf", 5, 3, 1000), 0, NULL);
  sub_collect_offer(&city1, "dq", mk("dq", "jf", 7, 2, 1000), 0, NULL);
  sub_collect_offer(&city2, "nq", mk("nq", "jf", 11, 4, 1000), 0, NULL);
  Huibao__V1__Rollup *a = built(&city1, "jf", "city1", 1), *b = built(&city2, "jf", "city2", 1);
  if (a && b) {
    sub_collect_offer(&prov, a->source, a, 0, NULL);
    sub_collect_offer(&prov, b->source, b, 0, NULL);
    CHECK_EQ_INT(2, prov.count); /* keyed by the cities' source codes */
    Huibao__V1__Rollup *p = built(&prov, "jf", "province", 1);
    if (p) {
      CHECK_EQ_STR("province", p->source);
      CHECK_EQ_INT(23, p->seq);
      CHECK_EQ_INT(9, p->problems->total);
      CHECK_EQ_INT(3, p->n_sources);
      CHECK_EQ_STR("nq", p->sources[2]->code);
      CHECK_EQ_INT(11, p->sources[2]->seq);
      CHECK_EQ_INT(3, p->n_units);
      CHECK_EQ_STR("xq", p->units[0]->county);
      CHECK_EQ_STR("nq", p->units[2]->county);
      protobuf_c_message_free_unpacked(&p->base, NULL);
    }
  }
  sub_collect_free(&city1);
  sub_collect_free(&city2);
  sub_collect_free(&prov);
}

static void test_signature(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 5, 3, 1000), 0, NULL);
  sub_collect_offer(&c, "xq", mk("xq", "zt", 1, 1, 1000), 0, NULL);
  uint64_t jf = sub_collect_signature(&c, "jf"), zt = sub_collect_signature(&c, "zt");
  CHECK(jf != zt);
  /* a heartbeat: same seq, later as_of: nothing to republish before the beat */
  CHECK_EQ_INT(1, sub_collect_offer(&c, "xq", mk("xq", "jf", 5, 3, 2000), 0, NULL));
  CHECK(jf == sub_collect_signature(&c, "jf"));
  /* a change of seq */
  sub_collect_offer(&c, "xq", mk("xq", "jf", 6, 4, 2000), 0, NULL);
  CHECK(jf != sub_collect_signature(&c, "jf"));
  jf = sub_collect_signature(&c, "jf");
  CHECK(zt == sub_collect_signature(&c, "zt"));
  /* a county going stale, and coming back */
  sub_collect_find(&c, "xq", "jf")->stale = true;
  CHECK(jf != sub_collect_signature(&c, "jf"));
  sub_collect_find(&c, "xq", "jf")->stale = false;
  CHECK(jf == sub_collect_signature(&c, "jf"));
  sub_collect_free(&c);
}

/* Issue 13: a county of four units (reported, nil, late, missing in the
 * closed week; the next week current). */
static Huibao__V1__Rollup *mk_periods(const char *source, const char *const *units,
                                      const char *cycle, uint64_t seq, const char *last_closed)
{
  static const test_period ps[] = {
      {"2022-06-10", 19147, 19153, "RNLM", 3, 0, 1, 0, 0},
      {"2022-06-17", 19154, 19160, "RPPP", 1, 0, 0, 0, 0},
  };
  return test_rollup_periods(&(test_period_rollup){.source = source,
                                                   .campaign = "jf",
                                                   .cycle = cycle,
                                                   .seq = seq,
                                                   .units = units,
                                                   .nunits = 4,
                                                   .periods = ps,
                                                   .nperiods = 2,
                                                   .current = "2022-06-17",
                                                   .last_closed = last_closed});
}

/* The periods through the city's republish and a province's merge of
 * cities: merged by id at each level; another cycle named at the top. */
static void test_nested_periods(void)
{
  static const char *const u1[] = {"xq1", "xq2", "xq3", "xq4"}, *const u2[] = {"dq1", "dq2", "dq3",
                                                                               "dq4"};
  static const char *const u3[] = {"nq1", "nq2", "nq3", "nq4"}, *const u4[] = {"mq1", "mq2", "mq3",
                                                                               "mq4"};
  const char *wk = "weekly,5,18:00";
  sub_collect city1, city2, prov;
  sub_collect_init(&city1);
  sub_collect_init(&city2);
  sub_collect_init(&prov);
  sub_collect_offer(&city1, "xq", mk_periods("xq", u1, wk, 5, "2022-06-10"), 0, NULL);
  sub_collect_offer(&city1, "dq", mk_periods("dq", u2, wk, 7, "2022-06-10"), 0, NULL);
  sub_collect_offer(&city2, "nq", mk_periods("nq", u3, wk, 11, "2022-06-10"), 0, NULL);
  /* city2: a tie of cycles, nq's wins (the smaller source code) */
  sub_collect_offer(&city2, "zq", mk_periods("zq", u4, "monthly,25,18:00", 1, NULL), 0, NULL);
  Huibao__V1__Rollup *a = built(&city1, "jf", "city1", 1), *b = built(&city2, "jf", "city2", 1);
  if (a && b) {
    CHECK_EQ_INT(2, a->n_periods);
    CHECK_EQ_INT(8, a->periods[0]->n_units);
    CHECK_EQ_INT(2, a->periods[0]->counts->late);
    CHECK_EQ_INT(1, b->n_cycle_mismatch);
    sub_collect_offer(&prov, a->source, a, 0, NULL);
    sub_collect_offer(&prov, b->source, b, 0, NULL);
    Huibao__V1__Rollup *p = built(&prov, "jf", "province", 1);
    if (p) {
      CHECK_EQ_STR(wk, p->cycle);
      CHECK_EQ_INT(2, p->n_periods);
      CHECK_EQ_STR("2022-06-10", p->periods[0]->id);
      CHECK_EQ_INT(12, p->periods[0]->n_units); /* xq, dq, nq: not zq */
      CHECK_EQ_STR("xq1", p->periods[0]->units[0]->code);
      CHECK_EQ_STR("nq4", p->periods[0]->units[11]->code);
      CHECK_EQ_INT(HUIBAO__V1__PERIOD_STATE__PERIOD_MISSING, p->periods[0]->units[11]->state);
      CHECK_EQ_INT(3, p->periods[0]->counts->reported);
      CHECK_EQ_INT(3, p->periods[0]->counts->nil);
      CHECK_EQ_INT(3, p->periods[0]->counts->late);
      CHECK_EQ_INT(3, p->periods[0]->counts->missing);
      CHECK_EQ_INT(9, p->periods[1]->counts->pending);
      CHECK_EQ_INT(9, p->periods[0]->activities->records);
      CHECK_EQ_INT(3, p->periods[0]->problems->identified);
      CHECK_EQ_STR("2022-06-17", p->period_current);
      CHECK_EQ_STR("2022-06-10", p->period_last_closed);
      CHECK_EQ_INT(1, p->n_cycle_mismatch);
      CHECK_EQ_STR("zq", p->cycle_mismatch[0]);
      CHECK_EQ_INT(16, p->n_units); /* every county's unit rows */
      protobuf_c_message_free_unpacked(&p->base, NULL);
    }
  }
  sub_collect_free(&city1);
  sub_collect_free(&city2);
  sub_collect_free(&prov);
}

/* A due passing at a county: its period states change with the same seq,
 * so the signature follows period_last_closed. */
static void test_signature_periods(void)
{
  static const char *const u1[] = {"xq1", "xq2", "xq3", "xq4"};
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk_periods("xq", u1, "weekly,5,18:00", 5, NULL), 0, NULL);
  uint64_t sig = sub_collect_signature(&c, "jf");
  Huibao__V1__Rollup *r = mk_periods("xq", u1, "weekly,5,18:00", 5, "2022-06-10");
  r->as_of_ms += 1000;
  CHECK_EQ_INT(1, sub_collect_offer(&c, "xq", r, 0, NULL));
  CHECK(sig != sub_collect_signature(&c, "jf"));
  sub_collect_free(&c);
}

/* Receives one [topic][Rollup] within ms; returns the rollup or NULL. */
static Huibao__V1__Rollup *recv_rollup(void *sub, int ms, char *topic, size_t tlen)
{
  zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&it, 1, ms) <= 0)
    return NULL;
  int n = zmq_recv(sub, topic, tlen - 1, 0);
  if (n < 0)
    return NULL;
  topic[(size_t)n < tlen - 1 ? (size_t)n : tlen - 1] = '\0';
  uint8_t buf[65536];
  n = zmq_recv(sub, buf, sizeof buf, 0);
  Huibao__V1__Rollup *r = NULL;
  if (n < 0 || hb_rollup_unpack(buf, (size_t)n, &r) != 0)
    return NULL;
  return r;
}

static void test_schedule(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 5, 3, 1000), 0, NULL);
  sub_collect_offer(&c, "xq", mk("xq", "zt", 1, 1, 1000), 0, NULL);
  sub_republish_opts o;
  memset(&o, 0, sizeof o);
  o.endpoint = "tcp://127.0.0.1:*";
  o.heartbeat_ms = 60000; /* no heartbeat during the test: only what it triggers */
  o.view.source = "city1";
  sub_republish *rp = NULL;
  char err[256] = "";
  CHECK_EQ_INT(0, sub_republish_open(&rp, &o, err, sizeof err));
  if (!rp)
    return;
  CHECK(strncmp(sub_republish_endpoint(rp), "tcp://127.0.0.1:", 16) == 0);
  int64_t now = hb_time_mono_ms();
  /* the first heartbeat at once (nobody listens yet) */
  CHECK_EQ_INT(0, sub_republish_wait_ms(rp, now));
  CHECK(sub_republish_due(rp, &c, now));
  CHECK_EQ_INT(0, sub_republish_send(rp, &c, now));
  CHECK(!sub_republish_due(rp, &c, now));
  CHECK_EQ_INT(SUB_REPUBLISH_POLL_MS, sub_republish_wait_ms(rp, now));

  void *ctx = zmq_ctx_new(), *sub = zmq_socket(ctx, ZMQ_SUB);
  zmq_setsockopt(sub, ZMQ_SUBSCRIBE, "rollup/", 7);
  CHECK_EQ_INT(0, zmq_connect(sub, sub_republish_endpoint(rp)));
  /* the new subscription makes everything due at once */
  bool due = false;
  for (int i = 0; i < 200 && !due; i++) {
    sub_republish_poll(rp);
    due = sub_republish_due(rp, &c, now);
    if (!due)
      zmq_poll(NULL, 0, 10);
  }
  CHECK(due);
  CHECK_EQ_INT(0, sub_republish_send(rp, &c, now));
  char topic[64];
  int got = 0;
  for (Huibao__V1__Rollup *r; (r = recv_rollup(sub, 1000, topic, sizeof topic)); got++) {
    CHECK_EQ_STR("city1", r->source);
    if (strcmp(r->campaign, "jf") == 0) {
      CHECK_EQ_STR("rollup/jf", topic);
      CHECK_EQ_INT(5, r->seq);
    } else {
      CHECK_EQ_STR("rollup/zt", topic);
      CHECK_EQ_INT(1, r->seq);
    }
    protobuf_c_message_free_unpacked(&r->base, NULL);
    if (got == 1)
      break;
  }
  CHECK_EQ_INT(1, got);

  /* a change is coalesced for HB_PUBLISHER_COALESCE_MS, then only the
   * changed campaign goes out */
  sub_collect_offer(&c, "dq", mk("dq", "jf", 7, 2, 1000), 0, NULL);
  CHECK(!sub_republish_due(rp, &c, now));
  CHECK_EQ_INT(SUB_REPUBLISH_POLL_MS, sub_republish_wait_ms(rp, now));
  CHECK_EQ_INT(10, sub_republish_wait_ms(rp, now + HB_PUBLISHER_COALESCE_MS - 10));
  CHECK(!sub_republish_due(rp, &c, now + HB_PUBLISHER_COALESCE_MS - 1));
  CHECK(sub_republish_due(rp, &c, now + HB_PUBLISHER_COALESCE_MS));
  CHECK_EQ_INT(0, sub_republish_send(rp, &c, now + HB_PUBLISHER_COALESCE_MS));
  Huibao__V1__Rollup *r = recv_rollup(sub, 1000, topic, sizeof topic);
  CHECK(r != NULL);
  if (r) {
    CHECK_EQ_STR("rollup/jf", topic);
    CHECK_EQ_INT(12, r->seq);
    CHECK_EQ_INT(2, r->n_sources);
    protobuf_c_message_free_unpacked(&r->base, NULL);
  }
  r = recv_rollup(sub, 100, topic, sizeof topic);
  CHECK(r == NULL); /* zt did not change */
  if (r)
    protobuf_c_message_free_unpacked(&r->base, NULL);
  CHECK(!sub_republish_due(rp, &c, now + HB_PUBLISHER_COALESCE_MS));
  /* the heartbeat sends everything again */
  CHECK(sub_republish_due(rp, &c, now + 60000));
  uint64_t sent = 0, dropped = 0;
  sub_republish_counts(rp, &sent, &dropped);
  CHECK_EQ_INT(5, sent); /* 2 to nobody, 2 to the new subscriber, 1 change */
  CHECK_EQ_INT(0, dropped);

  zmq_close(sub);
  zmq_ctx_term(ctx);
  sub_republish_close(rp);
  sub_collect_free(&c);
}

static void test_open_errors(void)
{
  sub_republish_opts o;
  memset(&o, 0, sizeof o);
  o.endpoint = "tcp://127.0.0.1:*";
  o.view.source = "city";
  o.secret = "/nonexistent/city.key_secret";
  o.subscriber_keys = "/nonexistent";
  sub_republish *rp = (sub_republish *)&o;
  char err[256] = "";
  CHECK_EQ_INT(HB_EINVAL, sub_republish_open(&rp, &o, err, sizeof err));
  CHECK(rp == NULL);
  CHECK_CONTAINS(err, "/nonexistent/city.key_secret");
  o.secret = NULL;
  o.endpoint = "tcp://256.0.0.1:1";
  CHECK_EQ_INT(HB_EZMQ, sub_republish_open(&rp, &o, err, sizeof err));
  CHECK_CONTAINS(err, "--publish: bind tcp://256.0.0.1:1");
}

int main(void)
{
  RUN(test_build);
  RUN(test_nested);
  RUN(test_signature);
  RUN(test_nested_periods);
  RUN(test_signature_periods);
  RUN(test_schedule);
  RUN(test_open_errors);
  return test_summary();
}
