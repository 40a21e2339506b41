/* hb_rollup_periods.c: the reporting periods of a county's Rollup
 * (hb_rollup_periods.h, docs/periods.md). */
#include "hb_rollup_periods.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_period_facts.h"
#include "hb_totals.h"

void hb_rollup_periods_free(hb_rollup_periods *m)
{
  for (size_t i = 0; m->sums && i < m->np; i++)
    hb_period_sum_free(&m->sums[i]);
  free(m->sums);
  free(m->p);
  free(m->periods);
  free(m->periodp);
  free(m->counts);
  free(m->problems);
  free(m->acts);
  free(m->states);
  free(m->statep);
  free(m->kinds);
  free(m->kindp);
  free(m->kind_tots);
  free(m->contras);
  free(m->contrap);
  free(m->agg_of);
  memset(m, 0, sizeof *m);
}

/* The figures of every period: the campaign's aggregates of all units
 * (unexpected ones included) over each period's days. */
static int periods_sum(const hb_rollup_input *in, hb_rollup_periods *m)
{
  m->sums = calloc(m->np, sizeof *m->sums);
  hb_day_range *r = calloc(m->np, sizeof *r);
  int rc = m->sums && r ? 0 : HB_ENOMEM;
  for (size_t i = 0; rc == 0 && i < m->np; i++)
    r[i] = (hb_day_range){m->p[i].start_day, m->p[i].end_day};
  for (size_t a = 0; rc == 0 && a < in->naggs; a++)
    rc = hb_agg_periods_add(in->aggs[a], r, m->np, m->sums);
  free(r);
  return rc;
}

/* Each expected unit's state in period i, in units.csv order, and the
 * counts. */
static void period_states(const hb_rollup_input *in, hb_rollup_periods *m, size_t i)
{
  size_t nu = in->units ? in->units->count : 0;
  Huibao__V1__PeriodCounts *c = &m->counts[i];
  huibao__v1__period_counts__init(c);
  c->has_reported = c->has_nil = c->has_late = c->has_missing = c->has_pending = 1;
  for (size_t u = 0; u < nu; u++) {
    const hb_period_facts *f = in->facts ? in->facts[u] : NULL;
    hb_period_state st = hb_period_facts_state(f, &m->p[i], in->now_s);
    Huibao__V1__UnitPeriodState *s = &m->states[i * nu + u];
    huibao__v1__unit_period_state__init(s);
    s->code = in->units->items[u].code;
    s->has_state = 1;
    s->state = (Huibao__V1__PeriodState)st;
    m->statep[i * nu + u] = s;
    switch (st) {
    case HB_PERIOD_REPORTED: c->reported++; break;
    case HB_PERIOD_NIL: c->nil++; break;
    case HB_PERIOD_LATE: c->late++; break;
    case HB_PERIOD_MISSING: c->missing++; break;
    default: c->pending++; break;
    }
  }
}

/* Period i's message: days, due, states, figures (kinds from *nk on). */
static void period_fill(const hb_rollup_input *in, hb_rollup_periods *m, size_t i, size_t *nk)
{
  size_t nu = in->units ? in->units->count : 0;
  const hb_period *p = &m->p[i];
  const hb_period_sum *s = &m->sums[i];
  Huibao__V1__Period *pb = &m->periods[i];
  huibao__v1__period__init(pb);
  pb->id = (char *)p->id;
  pb->has_start = pb->has_end = pb->has_due_day = pb->has_due_minute = 1;
  pb->start = p->start_day;
  pb->end = p->end_day;
  pb->due_day = p->due_day;
  pb->due_minute = (uint32_t)p->due_minute;
  period_states(in, m, i);
  pb->counts = &m->counts[i];
  pb->n_units = nu;
  pb->units = nu ? &m->statep[i * nu] : NULL;
  hb_totals_to_pb(&s->act, &m->acts[i]);
  pb->activities = &m->acts[i];
  pb->n_by_kind = s->nkinds;
  pb->by_kind = s->nkinds ? &m->kindp[*nk] : NULL;
  for (size_t k = 0; k < s->nkinds; k++, (*nk)++) {
    Huibao__V1__KindTotals *kt = &m->kinds[*nk];
    huibao__v1__kind_totals__init(kt);
    if (s->kinds[k].code) {
      kt->kind_code = s->kinds[k].code;
    } else {
      kt->has_kind = 1;
      kt->kind = (Huibao__V1__ActivityKind)s->kinds[k].kind;
    }
    hb_totals_to_pb(&s->kinds[k].t, &m->kind_tots[*nk]);
    kt->totals = &m->kind_tots[*nk];
    m->kindp[*nk] = kt;
  }
  Huibao__V1__PeriodProblems *pp = &m->problems[i];
  huibao__v1__period_problems__init(pp);
  pp->has_identified = pp->has_resolved = pp->has_overdue_at_end = 1;
  pp->identified = s->identified;
  pp->resolved = s->resolved;
  pp->overdue_at_end = s->overdue_at_end > 0 ? (uint64_t)s->overdue_at_end : 0;
  pb->problems = pp;
  m->periodp[i] = pb;
}

/* The activities and problems of unit u dated in period i (its own
 * aggregate only). Returns 0 or HB_ENOMEM. */
static int unit_dated(const hb_rollup_input *in, hb_rollup_periods *m, size_t u, size_t i,
                      uint64_t *dated)
{
  *dated = 0;
  if (!m->agg_of) {
    m->agg_of = calloc(in->units->count, sizeof *m->agg_of);
    if (!m->agg_of)
      return HB_ENOMEM;
    for (size_t a = 0; a < in->naggs; a++) {
      const hb_unit *un = hb_units_find(in->units, in->aggs[a]->unit);
      if (un)
        m->agg_of[un - in->units->items] = in->aggs[a];
    }
  }
  if (!m->agg_of[u])
    return 0;
  hb_period_sum s;
  memset(&s, 0, sizeof s);
  int rc = hb_agg_period_add(m->agg_of[u], m->p[i].start_day, m->p[i].end_day, &s);
  *dated = s.dated;
  hb_period_sum_free(&s);
  return rc;
}

/* A live 报送 row of unit u says 无新增 for period i while the unit's own
 * records are dated in it: one more contradiction. */
static int period_contradictions(const hb_rollup_input *in, hb_rollup_periods *m, size_t i)
{
  size_t nu = in->units ? in->units->count : 0;
  for (size_t u = 0; in->facts && u < nu; u++) {
    uint64_t dated;
    int rc;
    if (!in->facts[u] || !hb_period_facts_nil_now(in->facts[u], m->p[i].id))
      continue;
    if ((rc = unit_dated(in, m, u, i, &dated)) != 0)
      return rc;
    if (dated == 0)
      continue;
    if (m->ncontras == m->capcontras) {
      size_t cap = m->capcontras ? 2 * m->capcontras : 16;
      Huibao__V1__Contradiction *c = realloc(m->contras, cap * sizeof *c);
      if (!c)
        return HB_ENOMEM;
      m->contras = c;
      m->capcontras = cap;
    }
    Huibao__V1__Contradiction *c = &m->contras[m->ncontras++];
    huibao__v1__contradiction__init(c);
    c->unit = in->units->items[u].code;
    c->period = m->p[i].id;
    c->has_records = 1;
    c->records = dated;
  }
  return 0;
}

/* The arrays every period's message needs, once the figures are known. */
static int periods_alloc(const hb_rollup_input *in, hb_rollup_periods *m)
{
  size_t nu = in->units ? in->units->count : 0, nk = 0;
  for (size_t i = 0; i < m->np; i++)
    nk += m->sums[i].nkinds;
  m->periods = calloc(m->np, sizeof *m->periods);
  m->periodp = calloc(m->np, sizeof *m->periodp);
  m->counts = calloc(m->np, sizeof *m->counts);
  m->problems = calloc(m->np, sizeof *m->problems);
  m->acts = calloc(m->np, sizeof *m->acts);
  m->states = calloc(m->np * nu + 1, sizeof *m->states);
  m->statep = calloc(m->np * nu + 1, sizeof *m->statep);
  m->kinds = calloc(nk + 1, sizeof *m->kinds);
  m->kindp = calloc(nk + 1, sizeof *m->kindp);
  m->kind_tots = calloc(nk + 1, sizeof *m->kind_tots);
  bool ok = m->periods && m->periodp && m->counts && m->problems && m->acts && m->states &&
            m->statep && m->kinds && m->kindp && m->kind_tots;
  return ok ? 0 : HB_ENOMEM;
}

int hb_rollup_periods_build(const hb_rollup_input *in, hb_rollup_periods *m, Huibao__V1__Rollup *r)
{
  const hb_campaign *cp = in->campaign;
  if (!cp || cp->cycle.kind == HB_CYCLE_NONE)
    return 0;
  hb_cycle_format(&cp->cycle, m->cycle, sizeof m->cycle);
  r->cycle = m->cycle;
  int rc = hb_periods_of(cp, &m->p, &m->np);
  if (rc != 0 || m->np == 0)
    return rc;
  if ((rc = periods_sum(in, m)) != 0 || (rc = periods_alloc(in, m)) != 0)
    return rc;
  size_t nk = 0;
  for (size_t i = 0; i < m->np && rc == 0; i++) {
    period_fill(in, m, i, &nk);
    rc = period_contradictions(in, m, i);
  }
  if (rc != 0)
    return rc;
  if (m->ncontras) {
    m->contrap = calloc(m->ncontras, sizeof *m->contrap);
    if (!m->contrap)
      return HB_ENOMEM;
    for (size_t i = 0; i < m->ncontras; i++)
      m->contrap[i] = &m->contras[i];
  }
  r->n_periods = m->np;
  r->periods = m->periodp;
  int cur = hb_period_index_at(m->p, m->np, in->now_s);
  r->period_current = cur >= 0 ? m->p[cur].id : NULL;
  for (size_t i = m->np; i-- > 0;)
    if (m->p[i].due_s < in->now_s) {
      r->period_last_closed = m->p[i].id;
      break;
    }
  r->n_contradictions = m->ncontras;
  r->contradictions = m->contrap;
  return 0;
}
