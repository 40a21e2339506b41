/* rollup_periods_test.c: the reporting periods of hb_rollup_build (issue
 * 13, lib/hb_rollup_periods.c) from hand-made period facts and aggregates:
 * each unit's state, the counts, the figures dated in each period (an
 * unexpected unit's included), period_current / period_last_closed and a
 * contradiction; and the build time of a 61-unit county with 40 periods. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hb_agg.h"
#include "hb_err.h"
#include "hb_period_facts.h"
#include "hb_rollup_build.h"
#include "hb_wire.h"
#include "test.h"

/* Asia/Shanghai */
#define WED_0608_1000 1654653600 /* 2022-06-08 10:00 */
#define THU_0609_1000 1654740000
#define SAT_0611_0900 1654909200
#define SAT_0611_1000 1654912800
#define MON_0613_1200 1655092800
#define D0605 19148
#define D0607 19150
#define D0608 19151
#define D0609 19152

static hb_kind kinds[] = {{"dangke", "讲党课"}};
/* 2022-06-01 (a Wednesday) .. 2022-06-30, due Fridays 18:00: periods
 * 06-03, 06-10, 06-17, 06-24, 07-01 */
static hb_campaign camp = {"jf",
                           "解放思想",
                           19144,
                           19173,
                           NULL,
                           0,
                           kinds,
                           1,
                           NULL,
                           0,
                           NULL,
                           0,
                           {HB_CYCLE_WEEKLY, 5, 18 * 60},
                           false};
static hb_unit unit_items[] = {{"xq-a", "甲镇", HB_UNIT_TOWNSHIP},
                               {"xq-b", "乙镇", HB_UNIT_TOWNSHIP},
                               {"xq-c", "丙镇", HB_UNIT_TOWNSHIP},
                               {"xq-d", "丁镇", HB_UNIT_TOWNSHIP}};
static hb_units units = {unit_items, 4};

static void add_act(hb_agg *a, int32_t date, const char *code, uint32_t participants)
{
  Huibao__V1__Activity r = HUIBAO__V1__ACTIVITY__INIT;
  r.unit = a->unit;
  r.id = "A";
  r.campaign = a->campaign;
  r.has_date = r.has_level = r.has_sessions = r.has_participants = 1;
  r.date = date;
  r.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  r.has_kind = code == NULL;
  r.kind = HUIBAO__V1__ACTIVITY_KIND__SEMINAR;
  r.kind_code = (char *)code;
  r.sessions = 1;
  r.participants = participants;
  CHECK_EQ_INT(0, hb_agg_add_activity(a, &r, +1));
}

static void add_overdue_prob(hb_agg *a, int32_t identified, int32_t deadline)
{
  Huibao__V1__Problem r = HUIBAO__V1__PROBLEM__INIT;
  r.unit = a->unit;
  r.id = "P";
  r.campaign = a->campaign;
  r.has_status = r.has_identified_on = r.has_deadline = 1;
  r.status = HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED;
  r.identified_on = identified;
  r.deadline = deadline;
  CHECK_EQ_INT(0, hb_agg_add_problem(a, &r, +1));
}

static const Huibao__V1__Period *period_of(const Huibao__V1__Rollup *r, const char *id)
{
  for (size_t i = 0; i < r->n_periods; i++)
    if (!strcmp(r->periods[i]->id, id))
      return r->periods[i];
  return NULL;
}

static int state_of(const Huibao__V1__Period *p, const char *unit)
{
  for (size_t i = 0; p && i < p->n_units; i++)
    if (!strcmp(p->units[i]->code, unit))
      return p->units[i]->state;
  return -1;
}

static void test_periods(void)
{
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  hb_agg a, b, z;
  hb_agg_init(&a, "jf", "xq-a");
  hb_agg_init(&b, "jf", "xq-b");
  hb_agg_init(&z, "jf", "xq-z"); /* not in units.csv: figures only */
  add_act(&a, D0608, NULL, 10);
  add_overdue_prob(&a, D0605, D0607);
  add_act(&b, D0608, NULL, 5);
  add_act(&z, D0609, "dangke", 7);
  hb_period_facts fa, fb, fc;
  memset(&fa, 0, sizeof fa);
  memset(&fb, 0, sizeof fb);
  memset(&fc, 0, sizeof fc);
  /* a: a change before the due, another in the next period; b: 无新增
   * before the due (while its own activity is dated in the period); c:
   * its 报送 after the due; d: silent */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&fa, WED_0608_1000));
  CHECK_EQ_INT(0, hb_period_facts_note_change(&fa, SAT_0611_1000));
  CHECK_EQ_INT(0, hb_period_facts_note_report(&fb, "2022-06-10", "本期", true, THU_0609_1000));
  CHECK_EQ_INT(0,
               hb_period_facts_note_report(&fc, "2022-06-10", "2022-06-10", false, SAT_0611_0900));
  const hb_period_facts *facts[4] = {&fa, &fb, &fc, NULL};
  const hb_agg *aggs[3] = {&a, &b, &z};
  hb_rollup_input in = {.source = "xq",
                        .source_name = "县",
                        .campaign = &camp,
                        .units = &units,
                        .aggs = aggs,
                        .naggs = 3,
                        .seq = 1,
                        .today = D0609,
                        .facts = facts,
                        .now_s = MON_0613_1200};
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
  Huibao__V1__Rollup *r = huibao__v1__rollup__unpack(NULL, len, buf);
  CHECK(r != NULL);
  if (!r)
    return;
  CHECK_EQ_STR("weekly,5,18:00", r->cycle);
  CHECK_EQ_INT(5, r->n_periods);
  CHECK_EQ_STR("2022-06-03", r->n_periods == 5 ? r->periods[0]->id : NULL);
  CHECK_EQ_STR("2022-07-01", r->n_periods == 5 ? r->periods[4]->id : NULL);
  CHECK_EQ_STR("2022-06-17", r->period_current);
  CHECK_EQ_STR("2022-06-10", r->period_last_closed);

  const Huibao__V1__Period *p = period_of(r, "2022-06-10");
  CHECK(p != NULL);
  CHECK_EQ_INT(19147, p ? p->start : 0); /* 06-04 */
  CHECK_EQ_INT(19153, p ? p->end : 0);
  CHECK_EQ_INT(18 * 60, p ? p->due_minute : 0);
  CHECK_EQ_INT(4, p ? p->n_units : 0);
  CHECK_EQ_STR("xq-a", p && p->n_units ? p->units[0]->code : NULL);
  CHECK_EQ_INT(HUIBAO__V1__PERIOD_STATE__PERIOD_REPORTED, state_of(p, "xq-a"));
  CHECK_EQ_INT(HUIBAO__V1__PERIOD_STATE__PERIOD_NIL, state_of(p, "xq-b"));
  CHECK_EQ_INT(HUIBAO__V1__PERIOD_STATE__PERIOD_LATE, state_of(p, "xq-c"));
  CHECK_EQ_INT(HUIBAO__V1__PERIOD_STATE__PERIOD_MISSING, state_of(p, "xq-d"));
  CHECK_EQ_INT(1, p ? p->counts->reported : 0);
  CHECK_EQ_INT(1, p ? p->counts->nil : 0);
  CHECK_EQ_INT(1, p ? p->counts->late : 0);
  CHECK_EQ_INT(1, p ? p->counts->missing : 0);
  CHECK_EQ_INT(0, p ? p->counts->pending : 1);
  /* figures: a's, b's and the unexpected z's activities */
  CHECK_EQ_INT(3, p ? p->activities->records : 0);
  CHECK_EQ_INT(22, p ? p->activities->participants : 0);
  CHECK_EQ_INT(2, p ? p->n_by_kind : 0);
  for (size_t k = 0; p && k < p->n_by_kind; k++) {
    const Huibao__V1__KindTotals *kt = p->by_kind[k];
    if (kt->kind_code) {
      CHECK_EQ_STR("dangke", kt->kind_code);
      CHECK_EQ_INT(7, kt->totals->participants);
    } else {
      CHECK_EQ_INT(HUIBAO__V1__ACTIVITY_KIND__SEMINAR, kt->kind);
      CHECK_EQ_INT(2, kt->totals->records);
      CHECK_EQ_INT(15, kt->totals->participants);
    }
  }
  CHECK_EQ_INT(1, p ? p->problems->identified : 0);
  CHECK_EQ_INT(0, p ? p->problems->resolved : 1);
  CHECK_EQ_INT(1, p ? p->problems->overdue_at_end : 0);

  p = period_of(r, "2022-06-03"); /* nothing before its due */
  CHECK_EQ_INT(4, p ? p->counts->missing : 0);
  CHECK_EQ_INT(0, p ? p->activities->records : 1);
  p = period_of(r, "2022-06-17"); /* the current one: a's change, the others pending */
  CHECK_EQ_INT(HUIBAO__V1__PERIOD_STATE__PERIOD_REPORTED, state_of(p, "xq-a"));
  CHECK_EQ_INT(3, p ? p->counts->pending : 0);
  CHECK_EQ_INT(1, p ? p->problems->overdue_at_end : 0);

  CHECK_EQ_INT(1, r->n_contradictions);
  CHECK_EQ_STR("xq-b", r->n_contradictions ? r->contradictions[0]->unit : NULL);
  CHECK_EQ_STR("2022-06-10", r->n_contradictions ? r->contradictions[0]->period : NULL);
  CHECK_EQ_INT(1, r->n_contradictions ? r->contradictions[0]->records : 0);
  huibao__v1__rollup__free_unpacked(r, NULL);
  free(buf);

  /* a campaign without a cycle: none of the period fields */
  hb_campaign plain = camp;
  plain.cycle.kind = HB_CYCLE_NONE;
  in.campaign = &plain;
  CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
  r = huibao__v1__rollup__unpack(NULL, len, buf);
  CHECK(r && !r->cycle && r->n_periods == 0 && !r->period_current && r->n_contradictions == 0);
  if (r)
    huibao__v1__rollup__free_unpacked(r, NULL);
  free(buf);
  hb_period_facts_free(&fa);
  hb_period_facts_free(&fb);
  hb_period_facts_free(&fc);
  hb_agg_free(&a);
  hb_agg_free(&b);
  hb_agg_free(&z);
}

#define BENCH_UNITS 61

/* The heartbeat's build for a 61-unit county and a 40-week campaign, each
 * unit with an activity and a problem every day and a change every day:
 * prints the time per build (docs/performance.md). */
static void test_build_cost(void)
{
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  /* 2022-01-03 .. 2022-10-07: 40 weeks due on Fridays */
  hb_campaign big = {"big",
                     "大专项",
                     18995,
                     19272,
                     NULL,
                     0,
                     NULL,
                     0,
                     NULL,
                     0,
                     NULL,
                     0,
                     {HB_CYCLE_WEEKLY, 5, 18 * 60},
                     false};
  static hb_unit items[BENCH_UNITS];
  static char codes[BENCH_UNITS][16];
  static hb_agg aggs[BENCH_UNITS];
  static hb_period_facts facts[BENCH_UNITS];
  const hb_agg *ap[BENCH_UNITS];
  const hb_period_facts *fp[BENCH_UNITS];
  for (int u = 0; u < BENCH_UNITS; u++) {
    snprintf(codes[u], sizeof codes[u], "u%02d", u);
    items[u] = (hb_unit){codes[u], codes[u], HB_UNIT_TOWNSHIP};
    hb_agg_init(&aggs[u], "big", codes[u]);
    memset(&facts[u], 0, sizeof facts[u]);
    for (int32_t d = big.start; d <= big.end; d++) {
      add_act(&aggs[u], d, NULL, 3);
      add_overdue_prob(&aggs[u], d, d + 10);
      CHECK_EQ_INT(0, hb_period_facts_note_change(&facts[u], (int64_t)d * 86400 + 3600));
    }
    if (u % 3 == 0)
      CHECK_EQ_INT(0, hb_period_facts_note_report(&facts[u], "2022-06-10", "2022-06-10", true,
                                                  THU_0609_1000));
    ap[u] = &aggs[u];
    fp[u] = &facts[u];
  }
  hb_units us = {items, BENCH_UNITS};
  hb_rollup_input in = {.source = "xq",
                        .source_name = "县",
                        .campaign = &big,
                        .units = &us,
                        .aggs = ap,
                        .naggs = BENCH_UNITS,
                        .seq = 1,
                        .today = 19200,
                        .facts = fp,
                        .now_s = MON_0613_1200};
  struct timespec t0, t1;
  int runs = 20;
  size_t len = 0, nperiods = 0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < runs; i++) {
    uint8_t *buf;
    CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
    if (i == 0) {
      Huibao__V1__Rollup *r = huibao__v1__rollup__unpack(NULL, len, buf);
      nperiods = r ? r->n_periods : 0;
      CHECK_EQ_INT(BENCH_UNITS / 3 + 1, r ? r->n_contradictions : 0);
      if (r)
        huibao__v1__rollup__free_unpacked(r, NULL);
    }
    free(buf);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ms =
      ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6) / runs;
  CHECK_EQ_INT(40, nperiods);
  fprintf(stderr, "rollup build: %d units x %zu periods: %.2f ms per build, %zu bytes\n",
          BENCH_UNITS, nperiods, ms, len);
  for (int u = 0; u < BENCH_UNITS; u++) {
    hb_agg_free(&aggs[u]);
    hb_period_facts_free(&facts[u]);
  }
}

int main(void)
{
  RUN(test_periods);
  RUN(test_build_cost);
  return test_summary();
}
