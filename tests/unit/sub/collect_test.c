/* collect_test.c: keep-latest per (origin, campaign), staleness, and the
 * snapshot's "complete" rule. */
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "hb_date.h"
#include "hb_rollup.h"
#include "hb_err.h"
#include "gather.h"
#include "test.h"
#include "test_rollup.h"

static Huibao__V1__Rollup *mk(const char *source, const char *campaign, uint64_t seq, int64_t as_of,
                              uint32_t hb, uint32_t ncamp)
{
  return test_rollup_make(&(test_rollup){.source = source,
                                         .campaign = campaign,
                                         .seq = seq,
                                         .as_of_ms = as_of,
                                         .heartbeat_ms = hb,
                                         .campaign_count = ncamp});
}

static Huibao__V1__Rollup *mk_epoch(const char *source, const char *campaign, uint64_t seq,
                                    int64_t as_of, uint64_t epoch)
{
  return test_rollup_make(&(test_rollup){
      .source = source, .campaign = campaign, .seq = seq, .as_of_ms = as_of, .epoch = epoch});
}

/* A rollup with another epoch (a county restored from a backup) replaces
 * the one held even with a lower seq; with the same epoch, or when either
 * has none (an older county), the seq rule stands. */
static void test_epoch_rule(void)
{
  sub_collect c;
  sub_collect_init(&c);
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk_epoch("xq", "jf", 50, 100, 0xa), 10, NULL));
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk_epoch("xq", "jf", 49, 900, 0xa), 20, NULL));
  /* another epoch, but older than what is held (a delayed message): no */
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk_epoch("xq", "jf", 7, 90, 0xb), 25, NULL));
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk_epoch("xq", "jf", 7, 200, 0xb), 30, NULL));
  sub_entry *e = sub_collect_find(&c, "ep1", "jf");
  CHECK_EQ_INT(7, e->r->seq);
  CHECK(e->r->epoch == 0xb);
  CHECK_EQ_INT(1, e->dirty);
  /* the old store's rollups no longer win by their seq */
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk_epoch("xq", "jf", 6, 300, 0xb), 40, NULL));
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk_epoch("xq", "jf", 8, 300, 0xb), 50, NULL));
  /* without an epoch: compared by seq only, both ways */
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk("xq", "jf", 5, 400, 0, 0), 60, NULL));
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk("xq", "jf", 9, 400, 0, 0), 70, NULL));
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk_epoch("xq", "jf", 8, 500, 0xc), 80, NULL));
  CHECK_EQ_INT(9, sub_collect_find(&c, "ep1", "jf")->r->seq);
  sub_collect_free(&c);

  /* the merged epoch: order-free, changes with any source's epoch, absent
   * without any */
  Huibao__V1__Rollup *a = mk_epoch("xa", "jf", 3, 1, 0xa), *b = mk_epoch("xb", "jf", 4, 1, 0xb);
  Huibao__V1__Rollup *b2 = mk_epoch("xb", "jf", 1, 1, 0xbb), *n = mk("xn", "jf", 2, 1, 0, 0);
  const Huibao__V1__Rollup *ab[] = {a, b}, *ba[] = {b, a}, *ab2[] = {a, b2}, *nn[] = {n},
                           *abn[] = {a, b, n};
  uint64_t e_ab = hb_rollup_epoch(ab, 2);
  CHECK(e_ab != 0);
  CHECK(e_ab == hb_rollup_epoch(ba, 2));
  CHECK(e_ab != hb_rollup_epoch(ab2, 2));
  CHECK(e_ab == hb_rollup_epoch(abn, 3));
  CHECK_EQ_INT(0, hb_rollup_epoch(nn, 1));
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(ab2, 2, NULL, "city", "City", 5, &m));
  if (m) {
    CHECK_EQ_INT(1, m->has_epoch);
    CHECK(m->epoch == hb_rollup_epoch(ab2, 2));
    CHECK_EQ_INT(4, m->seq);
    CHECK_EQ_INT(2, m->n_sources);
    CHECK(m->n_sources == 2 && m->sources[1]->has_epoch && m->sources[1]->epoch == 0xbb);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  }
  CHECK_EQ_INT(0, hb_rollup_merge(nn, 1, NULL, "city", "City", 5, &m));
  if (m) {
    CHECK_EQ_INT(0, m->has_epoch);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  }
  Huibao__V1__Rollup *all[] = {a, b, b2, n};
  for (size_t i = 0; i < 4; i++)
    protobuf_c_message_free_unpacked(&all[i]->base, NULL);
}

static void test_keep_latest(void)
{
  sub_collect c;
  sub_collect_init(&c);
  bool was;
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk("xq", "jf", 5, 100, 0, 0), 10, &was));
  CHECK_EQ_INT(0, was);
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk("xq", "jf", 4, 900, 0, 0), 20, NULL));
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk("xq", "jf", 5, 100, 0, 0), 30, NULL));
  CHECK_EQ_INT(0, sub_collect_offer(&c, "ep1", mk("xq", "jf", 5, 99, 0, 0), 40, NULL));
  sub_entry *e = sub_collect_find(&c, "ep1", "jf");
  CHECK_EQ_INT(5, e->r->seq);
  CHECK_EQ_INT(100, e->r->as_of_ms);
  CHECK_EQ_INT(40, e->rx_ms); /* heard, though dropped */
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk("xq", "jf", 5, 101, 0, 0), 50, NULL));
  CHECK_EQ_INT(101, sub_collect_find(&c, "ep1", "jf")->r->as_of_ms);
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk("xq", "jf", 6, 1, 0, 0), 60, NULL));
  CHECK_EQ_INT(6, sub_collect_find(&c, "ep1", "jf")->r->seq);
  /* another origin or campaign is another pair */
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep2", mk("dq", "jf", 1, 1, 0, 0), 60, NULL));
  CHECK_EQ_INT(1, sub_collect_offer(&c, "ep1", mk("xq", "zt", 1, 1, 0, 0), 60, NULL));
  CHECK_EQ_INT(3, c.count);
  const char **ids;
  size_t n;
  CHECK_EQ_INT(0, sub_collect_campaigns(&c, &ids, &n));
  CHECK_EQ_INT(2, n);
  CHECK_EQ_STR("jf", ids[0]);
  CHECK_EQ_STR("zt", ids[1]);
  free(ids);
  sub_collect_free(&c);
}

static void count_stale(const sub_entry *e, void *arg)
{
  (void)e;
  (*(int *)arg)++;
}

/* A rollup more than SUB_COLLECT_MAX_SKEW_MS ahead of the clock is from
 * the future: refused by the loop, and dropped when loaded from a store. */
static void test_future(void)
{
  int64_t now = hb_time_now_ms();
  Huibao__V1__Rollup *r = mk("xq", "jf", 1, now + SUB_COLLECT_MAX_SKEW_MS - 1000, 0, 0);
  CHECK(!sub_collect_from_future(r, now));
  r->as_of_ms = now + SUB_COLLECT_MAX_SKEW_MS + 1;
  CHECK(sub_collect_from_future(r, now));
  r->as_of_ms = INT64_MAX;
  CHECK(sub_collect_from_future(r, now));
  r->as_of_ms = INT64_MIN;
  CHECK(!sub_collect_from_future(r, now));
  sub_collect c;
  sub_collect_init(&c);
  r->as_of_ms = now + 86400000;
  CHECK_EQ_INT(0, sub_collect_load(&c, "xq", r, false, 0));
  CHECK_EQ_INT(0, c.count);
  CHECK_EQ_INT(1, sub_collect_load(&c, "xq", mk("xq", "jf", 1, now, 0, 0), false, 0));
  sub_collect_free(&c);
}

static void test_stale(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 1, 1, 1000, 0), 0, NULL); /* stale after 3000 */
  sub_collect_offer(&c, "dq", mk("dq", "jf", 1, 1, 0, 0), 0, NULL);    /* default 3000 */
  sub_collect_offer(&c, "nq", mk("nq", "jf", 1, 1, 5000, 0), 0, NULL); /* 15000 */
  int calls = 0;
  CHECK_EQ_INT(0, sub_collect_mark_stale(&c, 3000, 0, count_stale, &calls));
  for (size_t i = 0; i < c.count; i++)
    c.items[i].dirty = false;
  CHECK_EQ_INT(2, sub_collect_mark_stale(&c, 3001, 0, count_stale, &calls));
  CHECK_EQ_INT(2, calls);
  CHECK(sub_collect_find(&c, "xq", "jf")->stale);
  CHECK(sub_collect_find(&c, "xq", "jf")->dirty);
  CHECK(!sub_collect_find(&c, "nq", "jf")->stale);
  CHECK_EQ_INT(0, sub_collect_mark_stale(&c, 4000, 0, NULL, NULL)); /* once only */
  /* an explicit stale time wins over heartbeats */
  CHECK_EQ_INT(1, sub_collect_mark_stale(&c, 4000, 500, NULL, NULL));
  /* a message, even an old one, brings a county back */
  bool was = false;
  CHECK_EQ_INT(0, sub_collect_offer(&c, "xq", mk("xq", "jf", 1, 1, 1000, 0), 5000, &was));
  CHECK_EQ_INT(1, was);
  CHECK(!sub_collect_find(&c, "xq", "jf")->stale);
  sub_collect_free(&c);
}

/* A publisher of quiet beats said it may be silent for quiet_ms: stale
 * after quiet_ms + 2 heartbeats (also over a shorter explicit stale time);
 * its connection closed: 3 heartbeats again. */
static void test_stale_quiet(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 1, 1, 1000, 0), 0, NULL);
  sub_collect_offer(&c, "dq", mk("dq", "jf", 1, 1, 0, 0), 0, NULL); /* no heartbeat_ms */
  sub_collect_find(&c, "xq", "jf")->quiet_ms = 8000;
  sub_collect_find(&c, "dq", "jf")->quiet_ms = 8000;
  CHECK_EQ_INT(0, sub_collect_mark_stale(&c, 10000, 0, NULL, NULL));
  CHECK_EQ_INT(0, sub_collect_mark_stale(&c, 10000, 500, NULL, NULL));
  CHECK_EQ_INT(2, sub_collect_mark_stale(&c, 10001, 0, NULL, NULL));
  bool was = false;
  sub_collect_offer(&c, "xq", mk("xq", "jf", 1, 1, 1000, 0), 20000, &was);
  CHECK(was);
  sub_collect_quiet_reset(&c, "xq");
  CHECK_EQ_INT(0, sub_collect_find(&c, "xq", "jf")->quiet_ms);
  CHECK_EQ_INT(8000, sub_collect_find(&c, "dq", "jf")->quiet_ms);
  CHECK_EQ_INT(0, sub_collect_mark_stale(&c, 23000, 0, NULL, NULL));
  CHECK_EQ_INT(1, sub_collect_mark_stale(&c, 23001, 0, NULL, NULL));
  sub_collect_free(&c);
}

static void test_complete(void)
{
  char *eps[] = {"ep1", "ep2"};
  sub_collect c;
  sub_collect_init(&c);
  CHECK(!sub_gather_complete(&c, eps, 2, NULL));
  sub_collect_offer(&c, "ep1", mk("xq", "jf", 1, 1, 0, 2), 0, NULL);
  sub_collect_offer(&c, "ep2", mk("dq", "jf", 1, 1, 0, 1), 0, NULL);
  CHECK(sub_gather_complete(&c, eps, 2, "jf"));
  CHECK(!sub_gather_complete(&c, eps, 2, "zt"));
  CHECK(!sub_gather_complete(&c, eps, 2, NULL)); /* ep1 announced 2 campaigns */
  sub_collect_offer(&c, "ep1", mk("xq", "zt", 1, 1, 0, 2), 0, NULL);
  CHECK(sub_gather_complete(&c, eps, 2, NULL));
  CHECK(!sub_gather_complete(&c, eps, 2, "zt")); /* ep2 never gave zt */
  sub_collect_free(&c);
}

static void test_limit(void)
{
  sub_collect c;
  sub_collect_init(&c);
  char id[32];
  for (int i = 0; i < SUB_COLLECT_MAX; i++) {
    snprintf(id, sizeof id, "c%d", i);
    if (sub_collect_offer(&c, "ep", mk("xq", id, 1, 1, 0, 0), 0, NULL) != 1)
      break;
  }
  CHECK_EQ_INT(SUB_COLLECT_MAX, c.count);
  CHECK_EQ_INT(HB_EFULL, sub_collect_offer(&c, "ep", mk("xq", "one-more", 1, 1, 0, 0), 0, NULL));
  sub_collect_free(&c);
}

int main(void)
{
  RUN(test_keep_latest);
  RUN(test_epoch_rule);
  RUN(test_future);
  RUN(test_stale);
  RUN(test_stale_quiet);
  RUN(test_complete);
  RUN(test_limit);
  return test_summary();
}
