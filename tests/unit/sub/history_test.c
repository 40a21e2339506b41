/* history_test.c: ISO weeks, recording the current week, the round trip
 * through the store (restarts keep every week), damaged entries, the cap, the JSON. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "history.h"
#include "store.h"
#include "test.h"

static int32_t day(const char *s)
{
  int32_t d = 0;
  hb_date_parse(s, &d);
  return d;
}

static void test_iso_week(void)
{
  int32_t mon = 0;
  CHECK_EQ_INT(202352, sub_history_iso_week(day("2023-12-31"), &mon)); /* a Sunday */
  CHECK_EQ_INT(day("2023-12-25"), mon);
  CHECK_EQ_INT(202352, sub_history_iso_week(day("2023-12-25"), &mon)); /* its Monday */
  CHECK_EQ_INT(day("2023-12-25"), mon);
  CHECK_EQ_INT(202351, sub_history_iso_week(day("2023-12-20"), NULL));
  CHECK_EQ_INT(202401, sub_history_iso_week(day("2024-01-01"), NULL));
  CHECK_EQ_INT(202501, sub_history_iso_week(day("2024-12-30"), &mon)); /* next ISO year */
  CHECK_EQ_INT(day("2024-12-30"), mon);
  CHECK_EQ_INT(202053, sub_history_iso_week(day("2021-01-03"), NULL)); /* previous ISO year */
  CHECK_EQ_INT(202252, sub_history_iso_week(day("2023-01-01"), NULL));
  CHECK_EQ_INT(202301, sub_history_iso_week(day("2023-01-02"), NULL));
  CHECK_EQ_INT(197001, sub_history_iso_week(0, &mon)); /* 1970-01-01, a Thursday */
  CHECK_EQ_INT(-3, mon);

  CHECK_EQ_INT(day("2023-12-25"), sub_history_week_monday(202352));
  CHECK_EQ_INT(day("2020-12-28"), sub_history_week_monday(202053));
  CHECK_EQ_INT(day("2024-12-30"), sub_history_week_monday(202501));
  CHECK_EQ_INT(0, sub_history_week_monday(202353)); /* 2023 has 52 weeks */
  CHECK_EQ_INT(0, sub_history_week_monday(202300));
  CHECK_EQ_INT(0, sub_history_week_monday(202354));
  CHECK_EQ_INT(0, sub_history_week_monday(-5));
  /* every day of a few years maps to a week whose Monday maps back */
  for (int32_t d = day("2019-12-20"); d < day("2026-01-10"); d++) {
    int32_t m;
    int32_t w = sub_history_iso_week(d, &m);
    if (sub_history_week_monday(w) != m || d - m < 0 || d - m > 6) {
      CHECK_EQ_INT(m, sub_history_week_monday(w));
      break;
    }
  }
}

static sub_week_figures figs(uint64_t problems, uint64_t resolved, uint64_t activities)
{
  sub_week_figures f;
  memset(&f, 0, sizeof f);
  f.problems = problems;
  f.resolved = resolved;
  f.rectifying = problems - resolved;
  f.activities = activities;
  f.participants = activities * 10;
  f.units_expected = 5;
  f.units_reported = 4;
  return f;
}

static void test_record(void)
{
  sub_history h;
  sub_history_init(&h);
  sub_week_figures a = figs(10, 4, 7), b = figs(10, 6, 9);
  CHECK_EQ_INT(1, sub_history_record(&h, "jf", day("2023-12-20"), 1000, &a));
  CHECK_EQ_INT(0, sub_history_record(&h, "jf", day("2023-12-21"), 2000, &a)); /* same week, same */
  const sub_week *w = sub_history_find(&h, "jf", 202351);
  CHECK(w != NULL);
  if (w) {
    CHECK_EQ_INT(1000, w->as_of_ms); /* when the figures last changed */
    CHECK(w->dirty);
  }
  CHECK_EQ_INT(1, sub_history_record(&h, "jf", day("2023-12-22"), 3000, &b)); /* updated */
  CHECK_EQ_INT(1, h.count);
  CHECK_EQ_INT(6, sub_history_find(&h, "jf", 202351)->f.resolved);
  CHECK_EQ_INT(3000, sub_history_find(&h, "jf", 202351)->as_of_ms);
  CHECK_EQ_INT(1, sub_history_record(&h, "jf", day("2023-12-31"), 4000, &b)); /* next week */
  CHECK_EQ_INT(1, sub_history_record(&h, "al", day("2023-12-31"), 4000, &a));
  CHECK_EQ_INT(1, sub_history_record(&h, "jf", day("2023-12-10"), 500, &a)); /* earlier week */
  CHECK_EQ_INT(4, h.count);
  /* kept sorted: campaign, then week */
  CHECK_EQ_STR("al", h.items[0].campaign);
  CHECK_EQ_INT(202349, h.items[1].week);
  CHECK_EQ_INT(202351, h.items[2].week);
  CHECK_EQ_INT(202352, h.items[3].week);
  CHECK(sub_history_find(&h, "zz", 202352) == NULL);
  sub_history_free(&h);
}

static void test_cap(void)
{
  sub_history h;
  sub_history_init(&h);
  sub_week_figures f = figs(1, 1, 1);
  char id[16];
  int rc = 0;
  int32_t d0 = day("2000-01-03");
  for (int i = 0; i < SUB_HISTORY_MAX && rc >= 0; i++) {
    snprintf(id, sizeof id, "c%04d", i / 512);
    rc = sub_history_record(&h, id, d0 + (i % 512) * 7, 0, &f);
  }
  CHECK_EQ_INT(1, rc);
  CHECK_EQ_INT(SUB_HISTORY_MAX, h.count);
  CHECK_EQ_INT(HB_EFULL, sub_history_record(&h, "new", d0, 0, &f));
  CHECK_EQ_INT(0, sub_history_record(&h, "c0000", d0, 0, &f)); /* existing: still fine */
  sub_history_free(&h);
}

/* Writes damaged entries straight into the store's history database (its
 * stored form is store.h's contract), with the store closed. */
static void put_damaged(const char *dir)
{
  static const char *const names[] = {"view", "history"};
  MDB_dbi dbis[2] = {0, 0};
  char err[256];
  hb_lmdb l;
  CHECK_EQ_INT(0, hb_lmdb_open(&l, dir, 0, names, dbis, 2, err, sizeof err));
  MDB_txn *txn;
  CHECK_EQ_INT(0, mdb_txn_begin(l.env, NULL, 0, &txn));
  MDB_val k1 = {3, "bad"}, v1 = {2, "{}"};
  unsigned char key2[] = {'j', 'f', 0, 0, 0x03, 0x16, 0x4f}; /* week 202319 */
  MDB_val k2 = {sizeof key2, key2}, v2 = {8, "not json"};
  unsigned char key3[] = {'j', 'f', 0, 0, 0x03, 0x16, 0x88}; /* week 202376: no such week */
  MDB_val k3 = {sizeof key3, key3}, v3 = {2, "{}"};
  CHECK_EQ_INT(0, mdb_put(txn, dbis[1], &k1, &v1, 0));
  CHECK_EQ_INT(0, mdb_put(txn, dbis[1], &k2, &v2, 0));
  CHECK_EQ_INT(0, mdb_put(txn, dbis[1], &k3, &v3, 0));
  CHECK_EQ_INT(0, mdb_txn_commit(txn));
  hb_lmdb_close(&l);
}

static void test_store_roundtrip(void)
{
  char dir[] = "/tmp/hb-sub-history-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char err[256];
  sub_store *st;
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  sub_history h;
  sub_history_init(&h);
  sub_week_figures a = figs(10, 4, 7), b = figs(12, 9, 11);
  b.overdue = 2;
  b.measures = 30;
  b.outputs = 5;
  sub_history_record(&h, "jf", day("2023-12-20"), 1700000000000, &a);
  sub_history_record(&h, "jf", day("2023-12-31"), 1700000600000, &b);
  size_t w = 99;
  CHECK_EQ_INT(0, sub_store_flush_history(st, &h, &w));
  CHECK_EQ_INT(2, w);
  CHECK(!h.items[0].dirty && !h.items[1].dirty);
  CHECK_EQ_INT(0, sub_store_flush_history(st, &h, &w)); /* nothing dirty, nothing written */
  CHECK_EQ_INT(0, w);
  /* the current week changes: only its entry is written again */
  b.resolved = 10;
  CHECK_EQ_INT(1, sub_history_record(&h, "jf", day("2023-12-31"), 1700000900000, &b));
  CHECK_EQ_INT(0, sub_store_flush_history(st, &h, &w));
  CHECK_EQ_INT(1, w);
  sub_history_free(&h);
  sub_store_close(st);

  /* a restart: everything comes back */
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  sub_history_init(&h);
  size_t skipped = 99;
  CHECK_EQ_INT(0, sub_store_load_history(st, &h, &skipped));
  CHECK_EQ_INT(0, skipped);
  CHECK_EQ_INT(2, h.count);
  const sub_week *w1 = sub_history_find(&h, "jf", 202351), *w2 = sub_history_find(&h, "jf", 202352);
  CHECK(w1 && w2);
  if (w1 && w2) {
    CHECK(memcmp(&w1->f, &a, sizeof a) == 0);
    CHECK_EQ_INT(1700000000000, w1->as_of_ms);
    CHECK(memcmp(&w2->f, &b, sizeof b) == 0);
    CHECK_EQ_INT(10, w2->f.resolved);
    CHECK_EQ_INT(1700000900000, w2->as_of_ms);
    CHECK(!w1->dirty && !w2->dirty);
  }
  sub_store_close(st);

  /* damaged entries are skipped, not fatal */
  put_damaged(dir);
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  sub_history_free(&h);
  sub_history_init(&h);
  CHECK_EQ_INT(0, sub_store_load_history(st, &h, &skipped));
  CHECK_EQ_INT(3, skipped);
  CHECK_EQ_INT(2, h.count);
  sub_history_free(&h);
  sub_store_close(st);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

static void test_json(void)
{
  sub_history h;
  sub_history_init(&h);
  sub_week_figures a = figs(8, 2, 3), b = figs(8, 6, 5);
  b.overdue = 1;
  sub_history_record(&h, "zt", day("2023-12-31"), 0, &a);
  sub_history_record(&h, "jf", day("2023-12-31"), 0, &b);
  sub_history_record(&h, "jf", day("2023-12-18"), 0, &a);
  json_t *j = sub_history_json(&h, NULL);
  json_t *cs = json_object_get(j, "campaigns");
  CHECK_EQ_INT(2, json_array_size(cs));
  json_t *jf = json_array_get(cs, 0);
  CHECK_EQ_STR("jf", json_string_value(json_object_get(jf, "campaign")));
  json_t *weeks = json_object_get(jf, "weeks");
  CHECK_EQ_INT(2, json_array_size(weeks));
  json_t *w = json_array_get(weeks, 1);
  CHECK_EQ_STR("2023-W52", json_string_value(json_object_get(w, "week")));
  CHECK_EQ_STR("2023-12-25", json_string_value(json_object_get(w, "monday")));
  CHECK_EQ_INT(8, json_integer_value(json_object_get(json_object_get(w, "problems"), "total")));
  CHECK_EQ_INT(6, json_integer_value(json_object_get(json_object_get(w, "problems"), "resolved")));
  CHECK_EQ_INT(1, json_integer_value(json_object_get(json_object_get(w, "problems"), "overdue")));
  CHECK(json_real_value(json_object_get(w, "resolution_rate")) == 0.75);
  CHECK_EQ_INT(5, json_integer_value(json_object_get(json_object_get(w, "activities"), "records")));
  CHECK_EQ_INT(
      50, json_integer_value(json_object_get(json_object_get(w, "activities"), "participants")));
  CHECK_EQ_INT(4, json_integer_value(json_object_get(json_object_get(w, "coverage"), "reported")));
  CHECK_EQ_STR("2023-W51", json_string_value(json_object_get(json_array_get(weeks, 0), "week")));
  json_decref(j);

  j = sub_history_json(&h, "zt");
  cs = json_object_get(j, "campaigns");
  CHECK_EQ_INT(1, json_array_size(cs));
  CHECK_EQ_STR("zt", json_string_value(json_object_get(json_array_get(cs, 0), "campaign")));
  json_decref(j);
  j = sub_history_json(&h, "none");
  CHECK_EQ_INT(0, json_array_size(json_object_get(j, "campaigns")));
  json_decref(j);
  sub_history_free(&h);
}

int main(void)
{
  RUN(test_iso_week);
  RUN(test_record);
  RUN(test_cap);
  RUN(test_store_roundtrip);
  RUN(test_json);
  return test_summary();
}
