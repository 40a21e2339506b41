/* view_test.c: the merged city view (JSON with missing endpoints) and its
 * LMDB store (round trip with stale flags). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect.h"
#include "hb_err.h"
#include "test.h"
#include "test_rollup.h"
#include "view.h"
#include "store.h"

static Huibao__V1__Rollup *mk(const char *source, const char *campaign, uint64_t seq,
                              uint64_t problems, uint64_t records)
{
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  pc.has_total = 1;
  pc.total = problems;
  /* one unit named like its county */
  return test_rollup_make(&(test_rollup){.source = source,
                                         .campaign = campaign,
                                         .seq = seq,
                                         .as_of_ms = 1000,
                                         .problems = &pc,
                                         .unit = source,
                                         .unit_records = records});
}

static json_t *get(json_t *j, const char *k)
{
  return json_object_get(j, k);
}

static void test_json_missing(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "tcp://b:2", mk("dq", "jf", 7, 2, 0), 0, NULL);
  sub_collect_offer(&c, "tcp://a:1", mk("xq", "jf", 5, 3, 4), 0, NULL);
  sub_collect_offer(&c, "tcp://a:1", mk("xq", "zt", 1, 1, 1), 0, NULL);
  char *eps[] = {"tcp://a:1", "tcp://b:2", "tcp://c:3"};
  sub_view_opts o = {"city", "市", "jf", eps, 3, true};
  json_t *j = sub_view_json(&c, &o);
  CHECK_EQ_STR("jf", json_string_value(get(j, "campaign")));
  CHECK_EQ_INT(12, json_integer_value(get(j, "seq")));
  CHECK_EQ_INT(5, json_integer_value(get(get(j, "problems"), "total")));
  json_t *cs = get(j, "counties");
  CHECK_EQ_INT(3, json_array_size(cs));
  /* merged in the order of --connect, not of arrival */
  CHECK_EQ_STR("xq", json_string_value(get(json_array_get(cs, 0), "code")));
  CHECK_EQ_STR("dq", json_string_value(get(json_array_get(cs, 1), "code")));
  CHECK_EQ_STR("tcp://c:3", json_string_value(get(json_array_get(cs, 2), "code")));
  CHECK(json_is_true(get(json_array_get(cs, 2), "missing")));
  CHECK_EQ_INT(1, json_array_size(get(get(j, "coverage"), "missing")));
  CHECK_EQ_STR("dq", json_string_value(json_array_get(get(get(j, "coverage"), "missing"), 0)));
  json_decref(j);

  o.campaign = NULL;
  j = sub_view_json(&c, &o);
  json_t *arr = get(j, "campaigns");
  CHECK_EQ_INT(2, json_array_size(arr));
  CHECK_EQ_STR("jf", json_string_value(get(json_array_get(arr, 0), "campaign")));
  CHECK_EQ_STR("zt", json_string_value(get(json_array_get(arr, 1), "campaign")));
  /* zt: only a:1 gave it */
  CHECK_EQ_INT(3, json_array_size(get(json_array_get(arr, 1), "counties")));
  CHECK_EQ_INT(1, json_array_size(get(j, "missing")));
  CHECK_EQ_STR("tcp://c:3", json_string_value(json_array_get(get(j, "missing"), 0)));
  json_decref(j);

  /* a wanted campaign nobody gave: an object naming it, every origin missing */
  o.campaign = "none";
  j = sub_view_json(&c, &o);
  CHECK_EQ_STR("none", json_string_value(get(j, "campaign")));
  CHECK_EQ_INT(3, json_array_size(get(j, "counties")));
  json_decref(j);
  sub_collect_free(&c);
}

static void test_store_roundtrip(void)
{
  char dir[] = "/tmp/hb-sub-store-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char err[256];
  sub_store *st;
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 5, 3, 4), 0, NULL);
  sub_collect_offer(&c, "dq", mk("dq", "jf", 7, 2, 0), 0, NULL);
  size_t w = 0;
  CHECK_EQ_INT(0, sub_store_flush_view(st, &c, &w));
  CHECK_EQ_INT(2, w);
  CHECK_EQ_INT(0, sub_store_flush_view(st, &c, &w)); /* nothing dirty: nothing written */
  CHECK_EQ_INT(0, w);
  CHECK_EQ_INT(1, sub_collect_mark_stale(&c, 10000, 0, NULL, NULL) >= 1);
  sub_collect_offer(&c, "xq", mk("xq", "jf", 6, 4, 4), 10000, NULL);
  CHECK_EQ_INT(0, sub_store_flush_view(st, &c, &w));
  CHECK_EQ_INT(2, w);
  sub_collect_free(&c);
  sub_store_close(st);

  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  sub_collect_init(&c);
  size_t skipped = 99;
  CHECK_EQ_INT(0, sub_store_load_view(st, &c, 0, &skipped));
  CHECK_EQ_INT(0, skipped);
  CHECK_EQ_INT(2, c.count);
  sub_entry *x = sub_collect_find(&c, "xq", "jf"), *d = sub_collect_find(&c, "dq", "jf");
  CHECK(x && d);
  if (x && d) {
    CHECK_EQ_INT(6, x->r->seq);
    CHECK_EQ_INT(0, x->stale);
    CHECK_EQ_INT(7, d->r->seq);
    CHECK_EQ_INT(1, d->stale);
    CHECK_EQ_INT(0, d->dirty);
  }
  sub_view_opts o = {"city", NULL, "jf", NULL, 0, false};
  json_t *j = sub_view_json(&c, &o);
  CHECK_EQ_INT(13, json_integer_value(get(j, "seq")));
  CHECK_EQ_INT(6, json_integer_value(get(get(j, "problems"), "total")));
  json_decref(j);
  sub_collect_free(&c);
  sub_store_close(st);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

int main(void)
{
  RUN(test_json_missing);
  RUN(test_store_roundtrip);
  return test_summary();
}
