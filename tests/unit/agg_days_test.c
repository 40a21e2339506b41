/* agg_days_test.c: the day cells of hb_agg (issue 13): add/remove symmetry,
 * the overdue rules, period sums, pack round trip, old UnitAggregate bytes,
 * and what the cells cost on the add path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hb_agg.h"
#include "hb_err.h"
#include "test.h"

#define D0 19150 /* 2022-06-07 */

static Huibao__V1__Activity act(int32_t date, int kind, const char *code, uint32_t sessions,
                                uint32_t participants)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = "A1";
  a.version = 1;
  a.campaign = "jf";
  a.has_date = a.has_level = a.has_sessions = a.has_participants = 1;
  a.date = date;
  a.level = 1;
  if (code)
    a.kind_code = (char *)code;
  else {
    a.has_kind = 1;
    a.kind = (Huibao__V1__ActivityKind)kind;
  }
  a.sessions = sessions;
  a.participants = participants;
  return a;
}

/* status 1..3; deadline and resolved_on 0 = none */
static Huibao__V1__Problem prob(int32_t identified_on, int status, int32_t deadline,
                                int32_t resolved_on)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a";
  p.id = "P1";
  p.version = 1;
  p.campaign = "jf";
  p.category = "county";
  p.has_identified_on = p.has_status = p.has_deadline = 1;
  p.identified_on = identified_on;
  p.status = (Huibao__V1__ProblemStatus)status;
  p.deadline = deadline;
  if (resolved_on) {
    p.has_resolved_on = 1;
    p.resolved_on = resolved_on;
  }
  return p;
}

/* The definition of docs/periods.md, for one problem at the end of day e. */
static int overdue_at(const Huibao__V1__Problem *p, int32_t e)
{
  bool resolved = p->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  if (p->identified_on > e || p->deadline == 0 || !(p->deadline < e))
    return 0;
  if (resolved && (p->resolved_on == 0 || p->resolved_on <= e))
    return 0;
  return 1;
}

static hb_period_sum sum_of(const hb_agg *a, int32_t from, int32_t to)
{
  hb_period_sum s;
  memset(&s, 0, sizeof s);
  CHECK_EQ_INT(0, hb_agg_period_add(a, from, to, &s));
  return s;
}

static void test_overdue_rules(void)
{
  Huibao__V1__Problem cases[] = {
      prob(D0, 1, 0, 0),               /* no deadline: never */
      prob(D0, 2, D0 + 5, 0),          /* open: from deadline + 1 on */
      prob(D0, 3, D0 + 5, D0 + 3),     /* resolved before its deadline: never */
      prob(D0, 3, D0 + 5, D0 + 6),     /* resolved the first overdue day: never */
      prob(D0, 3, D0 + 5, D0 + 9),     /* resolved after: deadline + 1 .. resolved_on - 1 */
      prob(D0, 3, D0 + 5, 0),          /* resolved without resolved_on: never */
      prob(D0 + 8, 1, D0 + 5, 0),      /* identified after its deadline (old data): from then */
      prob(D0 + 8, 3, D0 + 5, D0 + 8), /* ... resolved that day: never */
  };
  size_t n = sizeof cases / sizeof cases[0];
  for (size_t i = 0; i < n; i++) {
    hb_agg a;
    hb_agg_init(&a, "jf", "xq-a");
    CHECK_EQ_INT(0, hb_agg_add_problem(&a, &cases[i], +1));
    for (int32_t e = D0 - 2; e < D0 + 14; e++) {
      hb_period_sum s = sum_of(&a, e, e);
      if (s.overdue_at_end != overdue_at(&cases[i], e))
        fprintf(stderr, "case %zu day %d: %lld\n", i, (int)(e - D0), (long long)s.overdue_at_end);
      CHECK_EQ_INT(overdue_at(&cases[i], e), s.overdue_at_end);
      hb_period_sum_free(&s);
    }
    /* the same figure as the running overdue count for an open problem */
    if (cases[i].status != 3)
      CHECK_EQ_INT(overdue_at(&cases[i], D0 + 20), (long long)hb_agg_overdue(&a, D0 + 20));
    CHECK_EQ_INT(0, hb_agg_add_problem(&a, &cases[i], -1));
    CHECK(hb_agg_is_empty(&a));
    CHECK_EQ_INT(0, a.ndprobs);
    hb_agg_free(&a);
  }
  /* all of them in one aggregate: the sums add up */
  hb_agg a;
  hb_agg_init(&a, "jf", "xq-a");
  for (size_t i = 0; i < n; i++)
    CHECK_EQ_INT(0, hb_agg_add_problem(&a, &cases[i], +1));
  for (int32_t e = D0 - 2; e < D0 + 14; e++) {
    long long want = 0;
    for (size_t i = 0; i < n; i++)
      want += overdue_at(&cases[i], e);
    hb_period_sum s = sum_of(&a, D0, e);
    CHECK_EQ_INT(want, s.overdue_at_end);
    hb_period_sum_free(&s);
  }
  hb_agg_free(&a);
}

static void test_period_sums(void)
{
  hb_agg a;
  hb_agg_init(&a, "jf", "xq-a");
  Huibao__V1__Activity acts[] = {
      act(D0, 1, NULL, 1, 10),     act(D0 + 1, 1, NULL, 2, 20),    act(D0 + 1, 0, "dangke", 1, 5),
      act(D0 + 7, 3, NULL, 1, 30), act(D0 + 3, 0, "dangke", 4, 8),
  };
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
    CHECK_EQ_INT(0, hb_agg_add_activity(&a, &acts[i], +1));
  Huibao__V1__Problem probs[] = {prob(D0, 1, 0, 0), prob(D0 + 2, 3, D0 + 3, D0 + 8),
                                 prob(D0 + 9, 3, 0, D0 + 9)};
  for (size_t i = 0; i < 3; i++)
    CHECK_EQ_INT(0, hb_agg_add_problem(&a, &probs[i], +1));
  /* days D0 .. D0+6 */
  hb_period_sum s = sum_of(&a, D0, D0 + 6);
  CHECK_EQ_INT(4, s.act.records);
  CHECK_EQ_INT(8, s.act.sessions);
  CHECK_EQ_INT(43, s.act.participants);
  CHECK_EQ_INT(2, s.nkinds); /* dangke (declared, first), study */
  CHECK_EQ_STR("dangke", s.kinds[0].code);
  CHECK_EQ_INT(2, s.kinds[0].t.records);
  CHECK_EQ_INT(5, s.kinds[0].t.sessions);
  CHECK_EQ_INT(1, s.kinds[1].kind);
  CHECK(s.kinds[1].code == NULL);
  CHECK_EQ_INT(2, s.kinds[1].t.records);
  CHECK_EQ_INT(2, s.identified);
  CHECK_EQ_INT(0, s.resolved);
  CHECK_EQ_INT(1, s.overdue_at_end); /* deadline D0+3, open at D0+6 */
  CHECK_EQ_INT(6, s.dated);
  /* added into: a second aggregate's figures (or the next period) sum up */
  CHECK_EQ_INT(0, hb_agg_period_add(&a, D0 + 7, D0 + 13, &s));
  CHECK_EQ_INT(5, s.act.records);
  CHECK_EQ_INT(3, s.nkinds);
  CHECK_EQ_INT(3, s.kinds[2].kind);
  CHECK_EQ_INT(3, s.identified);
  CHECK_EQ_INT(2, s.resolved);
  CHECK_EQ_INT(1, s.overdue_at_end); /* 1 of the first period + 0 at D0+13 */
  hb_period_sum_free(&s);
  s = sum_of(&a, D0 + 7, D0 + 13);
  CHECK_EQ_INT(1, s.act.records);
  CHECK_EQ_INT(1, s.identified);
  CHECK_EQ_INT(2, s.resolved);
  CHECK_EQ_INT(0, s.overdue_at_end);
  hb_period_sum_free(&s);
  /* a period before everything */
  s = sum_of(&a, D0 - 30, D0 - 1);
  CHECK_EQ_INT(0, s.act.records + s.identified + s.resolved + s.nkinds);
  hb_period_sum_free(&s);
  hb_agg_free(&a);
}

/* A small deterministic generator (no dependence on libc's rand). */
static uint32_t rng_next(uint32_t *st)
{
  *st = *st * 1664525u + 1013904223u;
  return *st >> 8;
}

static Huibao__V1__Activity rand_act(uint32_t *st)
{
  static const char *const codes[] = {"dangke", "xuexi", "zhuti"};
  int k = (int)(rng_next(st) % 6);
  return act(D0 + (int32_t)(rng_next(st) % 40), k < 3 ? k + 1 : 0, k < 3 ? NULL : codes[k - 3],
             rng_next(st) % 4, rng_next(st) % 50);
}

static Huibao__V1__Problem rand_prob(uint32_t *st)
{
  int32_t ident = D0 + (int32_t)(rng_next(st) % 40);
  int status = 1 + (int)(rng_next(st) % 3);
  int32_t deadline = rng_next(st) % 3 ? ident + (int32_t)(rng_next(st) % 20) : 0;
  int32_t done = status == 3 && rng_next(st) % 5 ? ident + (int32_t)(rng_next(st) % 30) : 0;
  return prob(ident, status, deadline, done);
}

/* Edits in any order (remove the old version, add the new one) leave the
 * same aggregate as counting the final records once; removing everything
 * leaves no cell. */
static void test_symmetry(void)
{
  enum { N = 300 };
  static Huibao__V1__Activity acts[N];
  static Huibao__V1__Problem probs[N];
  uint32_t st = 7;
  hb_agg run, once;
  hb_agg_init(&run, "jf", "xq-a");
  for (int i = 0; i < N; i++) {
    acts[i] = rand_act(&st);
    probs[i] = rand_prob(&st);
    CHECK_EQ_INT(0, hb_agg_add_activity(&run, &acts[i], +1));
    CHECK_EQ_INT(0, hb_agg_add_problem(&run, &probs[i], +1));
  }
  for (int round = 0; round < 3 * N; round++) {
    int i = (int)(rng_next(&st) % N);
    if (round % 2) {
      Huibao__V1__Activity n = rand_act(&st);
      CHECK_EQ_INT(0, hb_agg_add_activity(&run, &acts[i], -1));
      CHECK_EQ_INT(0, hb_agg_add_activity(&run, &n, +1));
      acts[i] = n;
    } else {
      Huibao__V1__Problem n = rand_prob(&st);
      CHECK_EQ_INT(0, hb_agg_add_problem(&run, &probs[i], -1));
      CHECK_EQ_INT(0, hb_agg_add_problem(&run, &n, +1));
      probs[i] = n;
    }
  }
  hb_agg_init(&once, "jf", "xq-a");
  for (int i = N - 1; i >= 0; i--) {
    CHECK_EQ_INT(0, hb_agg_add_problem(&once, &probs[i], +1));
    CHECK_EQ_INT(0, hb_agg_add_activity(&once, &acts[i], +1));
  }
  char line[512];
  hb_agg_diff(&run, &once, line, sizeof line);
  CHECK_EQ_STR("", line);
  CHECK(run.ndacts > 40 && run.ndprobs > 20);
  /* the period figures equal a direct count */
  hb_period_sum s = sum_of(&run, D0 + 5, D0 + 11);
  uint64_t na = 0, ni = 0, nr = 0;
  long long no = 0;
  for (int i = 0; i < N; i++) {
    na += acts[i].date >= D0 + 5 && acts[i].date <= D0 + 11;
    ni += probs[i].identified_on >= D0 + 5 && probs[i].identified_on <= D0 + 11;
    nr += probs[i].status == 3 && probs[i].resolved_on >= D0 + 5 && probs[i].resolved_on <= D0 + 11;
    no += overdue_at(&probs[i], D0 + 11);
  }
  CHECK_EQ_INT(na, s.act.records);
  CHECK_EQ_INT(ni, s.identified);
  CHECK_EQ_INT(nr, s.resolved);
  CHECK_EQ_INT(no, s.overdue_at_end);
  hb_period_sum_free(&s);
  /* many weekly periods in one pass equal each counted on its own */
  enum { NP = 12 };
  hb_day_range r[NP];
  hb_period_sum many[NP];
  memset(many, 0, sizeof many);
  for (int i = 0; i < NP; i++)
    r[i] = (hb_day_range){D0 - 30 + 7 * i, D0 - 24 + 7 * i};
  CHECK_EQ_INT(0, hb_agg_periods_add(&run, r, NP, many));
  uint64_t seen = 0;
  int64_t overdue_seen = 0;
  for (int i = 0; i < NP; i++) {
    seen += many[i].act.records + many[i].identified;
    overdue_seen += many[i].overdue_at_end;
    hb_period_sum one = sum_of(&run, r[i].from, r[i].to);
    CHECK_EQ_INT(one.act.records, many[i].act.records);
    CHECK_EQ_INT(one.act.participants, many[i].act.participants);
    CHECK_EQ_INT(one.nkinds, many[i].nkinds);
    CHECK_EQ_INT(one.identified, many[i].identified);
    CHECK_EQ_INT(one.resolved, many[i].resolved);
    CHECK_EQ_INT(one.overdue_at_end, many[i].overdue_at_end);
    CHECK_EQ_INT(one.dated, many[i].dated);
    hb_period_sum_free(&one);
    hb_period_sum_free(&many[i]);
  }
  CHECK(seen > 0 && overdue_seen > 0); /* the ranges hold cells of both kinds */
  /* removing what was never added is refused and changes nothing */
  Huibao__V1__Problem ghost = prob(D0 - 100, 1, 0, 0);
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_problem(&run, &ghost, -1));
  Huibao__V1__Activity aghost = act(D0 - 100, 1, NULL, 0, 0);
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_activity(&run, &aghost, -1));
  hb_agg_diff(&run, &once, line, sizeof line);
  CHECK_EQ_STR("", line);
  for (int i = 0; i < N; i++) {
    CHECK_EQ_INT(0, hb_agg_add_activity(&run, &acts[i], -1));
    CHECK_EQ_INT(0, hb_agg_add_problem(&run, &probs[i], -1));
  }
  CHECK(hb_agg_is_empty(&run));
  CHECK_EQ_INT(0, run.ndacts + run.ndprobs);
  hb_agg_free(&run);
  hb_agg_free(&once);
}

static void test_pack_and_old_bytes(void)
{
  hb_agg a, b, c;
  hb_agg_init(&a, "jf", "xq-a");
  uint32_t st = 3;
  for (int i = 0; i < 50; i++) {
    Huibao__V1__Activity x = rand_act(&st);
    Huibao__V1__Problem p = rand_prob(&st);
    hb_agg_add_activity(&a, &x, +1);
    hb_agg_add_problem(&a, &p, +1);
  }
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_agg_pack(&a, &buf, &len));
  CHECK_EQ_INT(0, hb_agg_unpack(buf, len, &b));
  /* the day cells are written by hand (hb_agg_days_pack.c): exactly the
   * bytes protobuf-c writes for the same message */
  Huibao__V1__UnitAggregate *u = huibao__v1__unit_aggregate__unpack(NULL, len, buf);
  CHECK(u != NULL);
  if (u) {
    CHECK(u->n_day_activities == a.ndacts && u->n_day_problems == a.ndprobs);
    int declared = 0, negative = 0;
    for (size_t i = 0; i < a.ndacts; i++)
      declared += a.dacts[i].code != NULL;
    for (size_t i = 0; i < a.ndprobs; i++)
      negative += a.dprobs[i].overdue_delta < 0;
    CHECK(declared > 0 && negative > 0); /* both encodings are exercised */
    size_t n = huibao__v1__unit_aggregate__get_packed_size(u);
    uint8_t *again = malloc(n);
    CHECK_EQ_INT((long)len, (long)huibao__v1__unit_aggregate__pack(u, again));
    CHECK(memcmp(buf, again, len) == 0);
    free(again);
    huibao__v1__unit_aggregate__free_unpacked(u, NULL);
  }
  free(buf);
  char line[512];
  hb_agg_diff(&a, &b, line, sizeof line);
  CHECK_EQ_STR("", line);
  CHECK_EQ_INT(0, hb_agg_copy(&c, &b));
  hb_agg_free(&b);
  CHECK(hb_agg_equal(&a, &c));
  /* a day cell differs: verify says which */
  c.dprobs[0].identified++;
  hb_agg_diff(&a, &c, line, sizeof line);
  CHECK_CONTAINS(line, "problems by day");
  c.dprobs[0].identified--;
  c.dacts[1].t.records++;
  hb_agg_diff(&a, &c, line, sizeof line);
  CHECK_CONTAINS(line, "activities by day 2022-06-");
  c.dacts[1].t.records--;
  hb_agg_days_drop(&c);
  CHECK(!hb_agg_equal(&a, &c));
  hb_agg_free(&c);
  /* an aggregate of the previous version (fields 10, 11 absent) unpacks
   * with no day cells and the rest of its figures */
  Huibao__V1__UnitAggregate m = HUIBAO__V1__UNIT_AGGREGATE__INIT;
  Huibao__V1__ActivityCell c1 = HUIBAO__V1__ACTIVITY_CELL__INIT, *cells[] = {&c1};
  Huibao__V1__Totals t1 = HUIBAO__V1__TOTALS__INIT;
  hb_totals one = {1, 2, 3, 0};
  hb_totals_to_pb(&one, &t1);
  c1.level = 1;
  c1.kind = 1;
  c1.totals = &t1;
  m.campaign = "jf";
  m.unit = "xq-a";
  m.has_records = 1;
  m.records = 1;
  m.n_activities = 1;
  m.activities = cells;
  uint8_t old[128];
  size_t olen = huibao__v1__unit_aggregate__pack(&m, old);
  CHECK_EQ_INT(0, hb_agg_unpack(old, olen, &b));
  CHECK_EQ_INT(0, b.ndacts + b.ndprobs);
  CHECK_EQ_INT(1, b.act[1][1].records);
  /* ... and packs without fields 10, 11 (as the previous version did) */
  CHECK_EQ_INT(0, hb_agg_pack(&b, &buf, &len));
  Huibao__V1__UnitAggregate *back = huibao__v1__unit_aggregate__unpack(NULL, len, buf);
  CHECK(back && back->n_day_activities == 0 && back->n_day_problems == 0);
  if (back)
    huibao__v1__unit_aggregate__free_unpacked(back, NULL);
  free(buf);
  hb_agg_free(&b);
  /* a day cell twice, or an empty one, does not decode */
  Huibao__V1__DayProblems p1 = HUIBAO__V1__DAY_PROBLEMS__INIT, p2 = p1, *dp[] = {&p1, &p2};
  p1.day = p2.day = D0;
  p1.has_identified = p2.has_identified = 1;
  p1.identified = p2.identified = 1;
  m.n_day_problems = 2;
  m.day_problems = dp;
  olen = huibao__v1__unit_aggregate__pack(&m, old);
  CHECK_EQ_INT(HB_EPARSE, hb_agg_unpack(old, olen, &b));
  p2.day = D0 + 1;
  p2.identified = 0;
  olen = huibao__v1__unit_aggregate__pack(&m, old);
  CHECK_EQ_INT(HB_EPARSE, hb_agg_unpack(old, olen, &b));
  hb_agg_free(&a);
}

/* The add path stays cheap with a campaign's worth of day cells: a
 * record's edit (remove + add) on an aggregate with ~40 days x 6 kinds. */
static void test_add_cost(void)
{
  hb_agg a;
  hb_agg_init(&a, "jf", "xq-a");
  enum { N = 2000, EDITS = 200000 };
  static Huibao__V1__Activity acts[N];
  static Huibao__V1__Problem probs[N];
  uint32_t st = 11;
  for (int i = 0; i < N; i++) {
    acts[i] = rand_act(&st);
    probs[i] = rand_prob(&st);
    hb_agg_add_activity(&a, &acts[i], +1);
    hb_agg_add_problem(&a, &probs[i], +1);
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int e = 0; e < EDITS; e++) {
    int i = e % N;
    if (e & 1) {
      hb_agg_add_activity(&a, &acts[i], -1);
      hb_agg_add_activity(&a, &acts[i], +1);
    } else {
      hb_agg_add_problem(&a, &probs[i], -1);
      hb_agg_add_problem(&a, &probs[i], +1);
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / EDITS;
  fprintf(stderr,
          "add cost: %.0f ns per edit (remove + add), %zu activity cells, %zu problem "
          "cells\n",
          ns, a.ndacts, a.ndprobs);
  CHECK(ns < 20000); /* generous: sanitizer builds; a plain build is well under 1 us */
  hb_agg_free(&a);
}

int main(void)
{
  RUN(test_overdue_rules);
  RUN(test_period_sums);
  RUN(test_symmetry);
  RUN(test_pack_and_old_bytes);
  RUN(test_add_cost);
  return test_summary();
}
