/* dashboard_test.c: the documents of `serve`: per-county rows with stale
 * flags, the merge order not depending on arrival, history recorded by the
 * build, the event document. */
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "dashboard.h"
#include "hb_date.h"
#include "hb_err.h"
#include "test.h"
#include "test_rollup.h"

/* A county's rollup: one unit per county with the given figures. */
static Huibao__V1__Rollup *mk(const char *source, const char *name, const char *campaign,
                              uint64_t seq, uint64_t problems, uint64_t resolved,
                              uint64_t activities)
{
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  Huibao__V1__Totals at = HUIBAO__V1__TOTALS__INIT;
  pc.has_total = pc.has_resolved = pc.has_rectifying = pc.has_measures = 1;
  pc.total = problems;
  pc.resolved = resolved;
  pc.rectifying = problems - resolved;
  pc.measures = problems * 2;
  at.has_records = at.has_participants = 1;
  at.records = activities;
  at.participants = activities * 30;
  char code[32];
  snprintf(code, sizeof code, "%s-u1", source);
  return test_rollup_make(&(test_rollup){.source = source,
                                         .source_name = name,
                                         .campaign = campaign,
                                         .campaign_name = "解放思想",
                                         .seq = seq,
                                         .as_of_ms = 1703980800000, /* 2023-12-31T00:00:00Z */
                                         .problems = &pc,
                                         .activities = &at,
                                         .unit = code,
                                         .unit_county = source,
                                         .unit_records = problems + activities,
                                         .unit_problems = &pc,
                                         .unit_activities = &at});
}

static json_t *at(json_t *j, const char *k)
{
  return json_object_get(j, k);
}

static void test_counties(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xb", mk("xb", "乙县", "jf", 7, 10, 9, 4), 0, NULL);
  sub_collect_offer(&c, "xa", mk("xa", "甲县", "jf", 5, 8, 2, 6), 0, NULL);
  sub_collect_offer(&c, "xa", mk("xa", "甲县", "zt", 1, 0, 0, 1), 0, NULL);
  /* xb falls silent: stale after 3 s without a heartbeat_ms */
  sub_collect_find(&c, "xa", "jf")->rx_ms = 10000;
  sub_collect_find(&c, "xa", "zt")->rx_ms = 10000;
  CHECK_EQ_INT(1, sub_collect_mark_stale(&c, 10000, 0, NULL, NULL));

  json_t *j = sub_dash_counties_json(&c, NULL);
  json_t *cs = at(j, "campaigns");
  CHECK_EQ_INT(2, json_array_size(cs));
  json_t *jf = json_array_get(cs, 0);
  CHECK_EQ_STR("jf", json_string_value(at(jf, "campaign")));
  CHECK_EQ_STR("解放思想", json_string_value(at(jf, "campaign_name")));
  json_t *rows = at(jf, "counties");
  CHECK_EQ_INT(2, json_array_size(rows));
  json_t *a = json_array_get(rows, 0), *b = json_array_get(rows, 1);
  CHECK_EQ_STR("xa", json_string_value(at(a, "code"))); /* by code, not by arrival */
  CHECK_EQ_STR("甲县", json_string_value(at(a, "name")));
  CHECK(json_is_false(at(a, "stale")));
  CHECK_EQ_INT(5, json_integer_value(at(a, "seq")));
  CHECK_EQ_INT(8, json_integer_value(at(at(a, "problems"), "total")));
  CHECK_EQ_INT(2, json_integer_value(at(at(a, "problems"), "resolved")));
  CHECK_EQ_INT(6, json_integer_value(at(at(a, "problems"), "rectifying")));
  CHECK_EQ_INT(16, json_integer_value(at(at(a, "problems"), "measures")));
  CHECK(json_real_value(at(a, "resolution_rate")) == 0.25);
  CHECK_EQ_INT(6, json_integer_value(at(at(a, "activities"), "records")));
  CHECK_EQ_INT(180, json_integer_value(at(at(a, "activities"), "participants")));
  CHECK_EQ_INT(1, json_integer_value(at(a, "units")));
  CHECK_EQ_INT(1, json_integer_value(at(a, "reported")));
  CHECK_EQ_STR("2023-12-31T00:00:00.000Z", json_string_value(at(a, "as_of")));
  CHECK_EQ_STR("xb", json_string_value(at(b, "code")));
  CHECK(json_is_true(at(b, "stale")));
  CHECK(json_real_value(at(b, "resolution_rate")) == 0.9);
  json_t *zt = json_array_get(cs, 1);
  CHECK_EQ_INT(1, json_array_size(at(zt, "counties")));
  /* no problems: rate 0, not a division by zero */
  CHECK(json_real_value(at(json_array_get(at(zt, "counties"), 0), "resolution_rate")) == 0.0);
  json_decref(j);

  j = sub_dash_counties_json(&c, "zt");
  CHECK_EQ_INT(1, json_array_size(at(j, "campaigns")));
  json_decref(j);
  sub_collect_free(&c);
}

static void test_build(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xb", mk("xb", "乙县", "jf", 7, 10, 9, 4), 0, NULL);
  sub_collect_offer(&c, "xa", mk("xa", "甲县", "jf", 5, 8, 2, 6), 0, NULL);
  sub_history h;
  sub_history_init(&h);
  sub_view_opts o = {"city", "市", NULL, NULL, 0, false};
  int32_t today;
  hb_date_parse("2023-12-31", &today);
  sub_dash_docs d;
  CHECK_EQ_INT(0, sub_dash_build(&c, &o, &h, today, 1704000000000, 42, &d));
  CHECK(d.view && d.counties && d.history && d.event);

  json_error_t e;
  json_t *v = json_loads(d.view ? d.view : "", 0, &e);
  json_t *camp = json_array_get(at(v, "campaigns"), 0);
  CHECK_EQ_INT(18, json_integer_value(at(at(camp, "problems"), "total")));
  CHECK_EQ_INT(11, json_integer_value(at(at(camp, "problems"), "resolved")));
  CHECK_EQ_INT(12, json_integer_value(at(camp, "seq")));
  /* merged in code order although xb arrived first */
  CHECK_EQ_STR("xa", json_string_value(at(json_array_get(at(camp, "counties"), 0), "code")));
  CHECK_EQ_STR("xa-u1", json_string_value(at(json_array_get(at(camp, "units"), 0), "code")));
  /* the same text as the view printed by snapshot/show for these origins */
  char *order[] = {"xa", "xb"};
  sub_view_opts o2 = {"city", "市", NULL, order, 2, false};
  json_t *mem = sub_view_json(&c, &o2);
  /* as printed: both print reals with 15 digits (issue 12: 0.3 prints 0.3) */
  char *printed = mem ? json_dumps(mem, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
  json_t *same = json_loads(printed ? printed : "", 0, &e);
  free(printed);
  json_decref(mem);
  json_object_del(json_array_get(at(same, "campaigns"), 0), "as_of");
  json_object_del(camp, "as_of");
  CHECK(json_equal(v, same));
  json_decref(same);
  json_decref(v);

  /* the week's history entry */
  CHECK_EQ_INT(1, h.count);
  const sub_week *w = sub_history_find(&h, "jf", 202352);
  CHECK(w != NULL);
  if (w) {
    CHECK_EQ_INT(18, w->f.problems);
    CHECK_EQ_INT(11, w->f.resolved);
    CHECK_EQ_INT(10, w->f.activities);
    CHECK_EQ_INT(2, w->f.units_reported);
    CHECK_EQ_INT(1704000000000, w->as_of_ms);
    CHECK(w->dirty);
  }

  json_t *ev = json_loads(d.event ? d.event : "", 0, &e);
  CHECK_EQ_INT(42, json_integer_value(at(ev, "version")));
  CHECK_EQ_STR("集中学习", json_string_value(at(at(at(ev, "vocab"), "kind"), "study")));
  CHECK(json_is_object(at(ev, "view")) && json_is_object(at(ev, "counties")) &&
        json_is_object(at(ev, "history")));
  CHECK(strchr(d.event ? d.event : "\n", '\n') == NULL); /* one SSE data line */
  json_decref(ev);
  sub_dash_docs_free(&d);

  /* one campaign: the view is that campaign's object, as with --campaign */
  o.campaign = "jf";
  CHECK_EQ_INT(0, sub_dash_build(&c, &o, &h, today, 1704000000000, 43, &d));
  v = json_loads(d.view ? d.view : "", 0, &e);
  CHECK_EQ_STR("jf", json_string_value(at(v, "campaign")));
  json_decref(v);
  sub_dash_docs_free(&d);

  /* nothing received yet: documents still build, empty */
  sub_collect empty;
  sub_collect_init(&empty);
  o.campaign = NULL;
  CHECK_EQ_INT(0, sub_dash_build(&empty, &o, &h, today, 0, 1, &d));
  CHECK_EQ_STR("{\"campaigns\":[]}", d.view);
  CHECK_EQ_STR("{\"campaigns\":[]}", d.counties);
  sub_dash_docs_free(&d);
  sub_collect_free(&empty);
  sub_history_free(&h);
  sub_collect_free(&c);
}

int main(void)
{
  RUN(test_counties);
  RUN(test_build);
  return test_summary();
}
