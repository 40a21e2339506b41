/* test_rollup_periods.c: Rollups with reporting periods for unit tests
 * (test_rollup_periods.h). */
#include "test_rollup_periods.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_rollup.h"

#define TP_MAX_UNITS 16
#define TP_MAX_PERIODS 8

static int state_of(char c)
{
  switch (c) {
  case 'R': return HUIBAO__V1__PERIOD_STATE__PERIOD_REPORTED;
  case 'N': return HUIBAO__V1__PERIOD_STATE__PERIOD_NIL;
  case 'L': return HUIBAO__V1__PERIOD_STATE__PERIOD_LATE;
  case 'M': return HUIBAO__V1__PERIOD_STATE__PERIOD_MISSING;
  default: return HUIBAO__V1__PERIOD_STATE__PERIOD_PENDING;
  }
}

static void totals(Huibao__V1__Totals *t, uint64_t records)
{
  huibao__v1__totals__init(t);
  t->has_records = t->has_sessions = t->has_participants = t->has_outputs = 1;
  t->records = t->sessions = records;
  t->participants = 10 * records;
  t->outputs = 0;
}

/* Everything one period points to. */
typedef struct tp_period {
  Huibao__V1__Period p;
  Huibao__V1__PeriodCounts c;
  Huibao__V1__PeriodProblems pr;
  Huibao__V1__Totals act, kt_tot[2];
  Huibao__V1__KindTotals kt[2];
  Huibao__V1__KindTotals *ktp[2];
  Huibao__V1__UnitPeriodState us[TP_MAX_UNITS];
  Huibao__V1__UnitPeriodState *usp[TP_MAX_UNITS];
} tp_period;

static void period_fill(const test_period_rollup *t, const test_period *s, tp_period *o)
{
  huibao__v1__period__init(&o->p);
  huibao__v1__period_counts__init(&o->c);
  huibao__v1__period_problems__init(&o->pr);
  o->p.id = (char *)s->id;
  o->p.has_start = o->p.has_end = o->p.has_due_day = o->p.has_due_minute = 1;
  o->p.start = s->start;
  o->p.end = o->p.due_day = s->end;
  o->p.due_minute = 18 * 60;
  o->c.has_reported = o->c.has_nil = o->c.has_late = o->c.has_missing = o->c.has_pending = 1;
  size_t nu = 0;
  for (size_t u = 0; u < t->nunits && s->states && s->states[u]; u++) {
    if (s->states[u] == '-')
      continue;
    int st = state_of(s->states[u]);
    huibao__v1__unit_period_state__init(&o->us[nu]);
    o->us[nu].code = (char *)t->units[u];
    o->us[nu].has_state = 1;
    o->us[nu].state = (Huibao__V1__PeriodState)st;
    o->usp[nu] = &o->us[nu];
    nu++;
    uint64_t *cnt[] = {NULL, &o->c.reported, &o->c.nil, &o->c.late, &o->c.missing, &o->c.pending};
    (*cnt[st])++;
  }
  o->p.n_units = nu;
  o->p.units = o->usp;
  o->p.counts = &o->c;
  totals(&o->act, s->study + s->declared);
  o->p.activities = &o->act;
  size_t nk = 0;
  if (s->study) {
    huibao__v1__kind_totals__init(&o->kt[nk]);
    o->kt[nk].has_kind = 1;
    o->kt[nk].kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
    totals(&o->kt_tot[nk], s->study);
    o->kt[nk].totals = &o->kt_tot[nk];
    o->ktp[nk] = &o->kt[nk];
    nk++;
  }
  if (s->declared && t->kind_code) {
    huibao__v1__kind_totals__init(&o->kt[nk]);
    o->kt[nk].kind_code = (char *)t->kind_code;
    totals(&o->kt_tot[nk], s->declared);
    o->kt[nk].totals = &o->kt_tot[nk];
    o->ktp[nk] = &o->kt[nk];
    nk++;
  }
  o->p.n_by_kind = nk;
  o->p.by_kind = o->ktp;
  o->pr.has_identified = o->pr.has_resolved = o->pr.has_overdue_at_end = 1;
  o->pr.identified = s->identified;
  o->pr.resolved = s->resolved;
  o->pr.overdue_at_end = s->overdue_at_end;
  o->p.problems = &o->pr;
}

Huibao__V1__Rollup *test_rollup_periods(const test_period_rollup *t)
{
  if (t->nunits > TP_MAX_UNITS || t->nperiods > TP_MAX_PERIODS)
    return NULL;
  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = (char *)t->source;
  r.campaign = (char *)t->campaign;
  r.seq = t->seq;
  r.as_of_ms = 1654851600000; /* 2022-06-10 09:00 UTC */
  Huibao__V1__UnitRow rows[TP_MAX_UNITS], *rowp[TP_MAX_UNITS];
  char names[TP_MAX_UNITS][64];
  for (size_t u = 0; u < t->nunits; u++) {
    huibao__v1__unit_row__init(&rows[u]);
    rows[u].code = (char *)t->units[u];
    snprintf(names[u], sizeof names[u], "单位%s", t->units[u]);
    rows[u].name = names[u];
    rows[u].type = "township";
    rowp[u] = &rows[u];
  }
  r.n_units = t->nunits;
  r.units = rowp;
  Huibao__V1__KindName kn = HUIBAO__V1__KIND_NAME__INIT, *knp = &kn;
  if (t->kind_code) {
    kn.code = (char *)t->kind_code;
    kn.name = (char *)t->kind_name;
    r.n_kinds = 1;
    r.kinds = &knp;
  }
  tp_period ps[TP_MAX_PERIODS];
  Huibao__V1__Period *pp[TP_MAX_PERIODS];
  uint64_t all = 0;
  for (size_t i = 0; i < t->nperiods; i++) {
    period_fill(t, &t->periods[i], &ps[i]);
    pp[i] = &ps[i].p;
    all += t->periods[i].study + t->periods[i].declared;
  }
  Huibao__V1__Totals act;
  totals(&act, all);
  r.activities = &act;
  Huibao__V1__Contradiction c = HUIBAO__V1__CONTRADICTION__INIT, *cp = &c;
  if (t->cycle) {
    r.cycle = (char *)t->cycle;
    r.n_periods = t->nperiods;
    r.periods = pp;
    r.period_current = (char *)t->current;
    r.period_last_closed = (char *)t->last_closed;
    if (t->contra_unit) {
      c.unit = (char *)t->contra_unit;
      c.period = (char *)t->contra_period;
      c.has_records = 1;
      c.records = t->contra_records;
      r.n_contradictions = 1;
      r.contradictions = &cp;
    }
  }
  return test_rollup_copy(&r);
}
