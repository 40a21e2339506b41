/* collect_test.c: keep-latest per (origin, campaign), staleness, and the
 * snapshot's "complete" rule. */
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "hb_err.h"
#include "live.h"
#include "test.h"

static Huibao__V1__Rollup *mk(const char *source, const char *campaign, uint64_t seq,
                              int64_t as_of, uint32_t hb, uint32_t ncamp)
{
  Huibao__V1__Rollup *r = calloc(1, sizeof *r);
  huibao__v1__rollup__init(r);
  r->source = strdup(source);
  r->campaign = strdup(campaign);
  r->seq = seq;
  r->as_of_ms = as_of;
  r->has_heartbeat_ms = hb != 0;
  r->heartbeat_ms = hb;
  r->has_campaign_count = ncamp != 0;
  r->campaign_count = ncamp;
  /* the same shape as an unpacked tree, so free_unpacked(NULL) can free it */
  size_t len = huibao__v1__rollup__get_packed_size(r);
  uint8_t *buf = malloc(len);
  huibao__v1__rollup__pack(r, buf);
  Huibao__V1__Rollup *u = huibao__v1__rollup__unpack(NULL, len, buf);
  free(buf);
  free(r->source);
  free(r->campaign);
  free(r);
  return u;
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

static void test_stale(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 1, 1, 1000, 0), 0, NULL);  /* stale after 3000 */
  sub_collect_offer(&c, "dq", mk("dq", "jf", 1, 1, 0, 0), 0, NULL);     /* default 3000 */
  sub_collect_offer(&c, "nq", mk("nq", "jf", 1, 1, 5000, 0), 0, NULL);  /* 15000 */
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

static void test_complete(void)
{
  char *eps[] = {"ep1", "ep2"};
  sub_collect c;
  sub_collect_init(&c);
  CHECK(!sub_snapshot_complete(&c, eps, 2, NULL));
  sub_collect_offer(&c, "ep1", mk("xq", "jf", 1, 1, 0, 2), 0, NULL);
  sub_collect_offer(&c, "ep2", mk("dq", "jf", 1, 1, 0, 1), 0, NULL);
  CHECK(sub_snapshot_complete(&c, eps, 2, "jf"));
  CHECK(!sub_snapshot_complete(&c, eps, 2, "zt"));
  CHECK(!sub_snapshot_complete(&c, eps, 2, NULL)); /* ep1 announced 2 campaigns */
  sub_collect_offer(&c, "ep1", mk("xq", "zt", 1, 1, 0, 2), 0, NULL);
  CHECK(sub_snapshot_complete(&c, eps, 2, NULL));
  CHECK(!sub_snapshot_complete(&c, eps, 2, "zt")); /* ep2 never gave zt */
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
  RUN(test_stale);
  RUN(test_complete);
  RUN(test_limit);
  return test_summary();
}
