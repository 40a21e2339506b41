/* hb_rollup_merge_periods.c: the reporting periods of a merged Rollup (see
 * hb_rollup_merge_periods.h and docs/periods.md). */
#include "hb_rollup_merge_periods.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_rollup.h"

void hb_periods_mem_free(hb_periods_mem *m)
{
  free(m->ref);
  free(m->periods);
  free(m->periodp);
  free(m->counts);
  free(m->acts);
  free(m->probs);
  free(m->unitp);
  free(m->kinds);
  free(m->kindp);
  free(m->kind_tots);
  free(m->contrap);
  free(m->mismatch);
  memset(m, 0, sizeof *m);
}

static void *calloc1(size_t n, size_t size)
{
  return calloc(n ? n : 1, size);
}

static bool has_cycle(const Huibao__V1__Rollup *r)
{
  return r->cycle && *r->cycle;
}

/* The later of two period ids (YYYY-MM-DD compare as text); NULL and ""
 * lose. */
static char *id_later(char *a, char *b)
{
  if (!b || !*b)
    return a;
  if (!a || !*a)
    return b;
  return strcmp(b, a) > 0 ? b : a;
}

static int ref_cmp(const void *x, const void *y)
{
  const hb_period_ref *a = x, *b = y;
  int c = strcmp(a->p->id, b->p->id);
  if (c)
    return c;
  return a->order < b->order ? -1 : a->order > b->order;
}

/* Appends code to the k codes of list unless it is empty or there. */
static size_t code_add(char **list, size_t k, char *code)
{
  if (!code || !*code)
    return k;
  for (size_t x = 0; x < k; x++)
    if (strcmp(list[x], code) == 0)
      return k;
  list[k] = code;
  return k + 1;
}

/* cycle_mismatch, in input order: each input's own list, then the input
 * itself when it is not merged; each code once. */
static int merge_mismatch(const Huibao__V1__Rollup *const *in, size_t n, const bool *merged,
                          hb_periods_mem *m, Huibao__V1__Rollup *r)
{
  size_t cap = n, k = 0;
  for (size_t i = 0; i < n; i++)
    cap += in[i]->n_cycle_mismatch;
  if (!(m->mismatch = calloc1(cap, sizeof *m->mismatch)))
    return HB_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < in[i]->n_cycle_mismatch; j++)
      k = code_add(m->mismatch, k, in[i]->cycle_mismatch[j]);
    if (!merged[i])
      k = code_add(m->mismatch, k, in[i]->source);
  }
  r->n_cycle_mismatch = k;
  r->cycle_mismatch = k ? m->mismatch : NULL;
  return 0;
}

/* by_kind of one merged period from the group's periods: summed by
 * kind_code (a declared kind) or kind, in order of first appearance, into
 * the slice of m->kinds that starts at used. Returns the new used. */
static size_t merge_by_kind(const hb_period_ref *g, size_t k, hb_periods_mem *m, size_t used,
                            Huibao__V1__Period *out)
{
  Huibao__V1__KindTotals *s = m->kinds + used;
  hb_totals sum;
  size_t ns = 0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < g[i].p->n_by_kind; j++) {
      const Huibao__V1__KindTotals *kt = g[i].p->by_kind[j];
      bool declared = kt->kind_code && *kt->kind_code;
      size_t x = 0;
      for (; x < ns; x++) {
        bool xd = s[x].kind_code && *s[x].kind_code;
        if (declared ? xd && strcmp(s[x].kind_code, kt->kind_code) == 0
                     : !xd && s[x].kind == kt->kind)
          break;
      }
      if (x == ns) {
        huibao__v1__kind_totals__init(&s[x]);
        s[x].kind_code = declared ? kt->kind_code : NULL;
        s[x].has_kind = !declared;
        s[x].kind = declared ? 0 : kt->kind;
        hb_totals_to_pb(&(hb_totals){0, 0, 0, 0}, &m->kind_tots[used + x]);
        s[x].totals = &m->kind_tots[used + x];
        m->kindp[used + x] = &s[x];
        ns++;
      }
      hb_totals_from_pb(s[x].totals, &sum);
      hb_totals_add_pb(&sum, kt->totals);
      hb_totals_to_pb(&sum, s[x].totals);
    }
  out->n_by_kind = ns;
  out->by_kind = ns ? m->kindp + used : NULL;
  return used + ns;
}

/* One merged period (index o) from the group g[0..k) of inputs' periods of
 * one id; its units go into m->unitp from *units_used, its kinds from
 * *kinds_used. */
static void merge_one(const hb_period_ref *g, size_t k, hb_periods_mem *m, size_t o,
                      size_t *units_used, size_t *kinds_used)
{
  Huibao__V1__Period *p = &m->periods[o];
  Huibao__V1__PeriodCounts *c = &m->counts[o];
  Huibao__V1__PeriodProblems *pr = &m->probs[o];
  huibao__v1__period__init(p);
  huibao__v1__period_counts__init(c);
  huibao__v1__period_problems__init(pr);
  c->has_reported = c->has_nil = c->has_late = c->has_missing = c->has_pending = 1;
  pr->has_identified = pr->has_resolved = pr->has_overdue_at_end = 1;
  p->id = g[0].p->id;
  hb_totals act = {0, 0, 0, 0};
  size_t nu = 0;
  for (size_t i = 0; i < k; i++) {
    const Huibao__V1__Period *q = g[i].p;
    if (q->has_start && (!p->has_start || q->start < p->start)) {
      p->has_start = 1;
      p->start = q->start;
    }
    if (q->has_end && (!p->has_end || q->end > p->end)) {
      p->has_end = 1;
      p->end = q->end;
    }
    if (!p->has_due_day && q->has_due_day) {
      p->has_due_day = p->has_due_minute = 1;
      p->due_day = q->due_day;
      p->due_minute = q->due_minute;
    }
    if (q->counts) {
      c->reported = hb_rollup_add_sat(c->reported, q->counts->reported);
      c->nil = hb_rollup_add_sat(c->nil, q->counts->nil);
      c->late = hb_rollup_add_sat(c->late, q->counts->late);
      c->missing = hb_rollup_add_sat(c->missing, q->counts->missing);
      c->pending = hb_rollup_add_sat(c->pending, q->counts->pending);
    }
    if (q->problems) {
      pr->identified = hb_rollup_add_sat(pr->identified, q->problems->identified);
      pr->resolved = hb_rollup_add_sat(pr->resolved, q->problems->resolved);
      pr->overdue_at_end = hb_rollup_add_sat(pr->overdue_at_end, q->problems->overdue_at_end);
    }
    hb_totals_add_pb(&act, q->activities);
    for (size_t j = 0; j < q->n_units; j++)
      m->unitp[*units_used + nu++] = q->units[j]; /* borrowed */
  }
  p->counts = c;
  p->problems = pr;
  hb_totals_to_pb(&act, &m->acts[o]);
  p->activities = &m->acts[o];
  p->n_units = nu;
  p->units = nu ? m->unitp + *units_used : NULL;
  *units_used += nu;
  *kinds_used = merge_by_kind(g, k, m, *kinds_used, p);
  m->periodp[o] = p;
}

/* The periods of the merged inputs, by id. */
static int merge_periods(const Huibao__V1__Rollup *const *in, size_t n, const bool *merged,
                         hb_periods_mem *m, Huibao__V1__Rollup *r)
{
  size_t nref = 0, nunits = 0, nkinds = 0;
  for (size_t i = 0; i < n; i++)
    if (merged[i])
      for (size_t j = 0; j < in[i]->n_periods; j++) {
        nref++;
        nunits += in[i]->periods[j]->n_units;
        nkinds += in[i]->periods[j]->n_by_kind;
      }
  m->ref = calloc1(nref, sizeof *m->ref);
  m->periods = calloc1(nref, sizeof *m->periods);
  m->periodp = calloc1(nref, sizeof *m->periodp);
  m->counts = calloc1(nref, sizeof *m->counts);
  m->acts = calloc1(nref, sizeof *m->acts);
  m->probs = calloc1(nref, sizeof *m->probs);
  m->unitp = calloc1(nunits, sizeof *m->unitp);
  m->kinds = calloc1(nkinds, sizeof *m->kinds);
  m->kindp = calloc1(nkinds, sizeof *m->kindp);
  m->kind_tots = calloc1(nkinds, sizeof *m->kind_tots);
  if (!m->ref || !m->periods || !m->periodp || !m->counts || !m->acts || !m->probs || !m->unitp ||
      !m->kinds || !m->kindp || !m->kind_tots)
    return HB_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (merged[i])
      for (size_t j = 0; j < in[i]->n_periods; j++, k++)
        m->ref[k] = (hb_period_ref){in[i]->periods[j], k};
  if (nref > 1) /* qsort's array may be NULL when empty */
    qsort(m->ref, nref, sizeof *m->ref, ref_cmp);
  size_t np = 0, units_used = 0, kinds_used = 0;
  for (size_t i = 0; i < nref;) {
    size_t j = i;
    while (j < nref && strcmp(m->ref[j].p->id, m->ref[i].p->id) == 0)
      j++;
    merge_one(m->ref + i, j - i, m, np++, &units_used, &kinds_used);
    i = j;
  }
  r->n_periods = np;
  r->periods = np ? m->periodp : NULL;
  return 0;
}

/* Contradictions of the merged inputs, concatenated. */
static int merge_contradictions(const Huibao__V1__Rollup *const *in, size_t n, const bool *merged,
                                hb_periods_mem *m, Huibao__V1__Rollup *r)
{
  size_t total = 0, k = 0;
  for (size_t i = 0; i < n; i++)
    if (merged[i])
      total += in[i]->n_contradictions;
  if (!(m->contrap = calloc1(total, sizeof *m->contrap)))
    return HB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; merged[i] && j < in[i]->n_contradictions; j++)
      m->contrap[k++] = in[i]->contradictions[j]; /* borrowed */
  r->n_contradictions = k;
  r->contradictions = k ? m->contrap : NULL;
  return 0;
}

/* The input whose cycle most inputs share (ties: the cycle of the input
 * with the smallest source code), so that the result does not depend on
 * the order in which the sources' rollups arrived; NULL if none has one. */
static const Huibao__V1__Rollup *cycle_input(const Huibao__V1__Rollup *const *in, size_t n)
{
  const Huibao__V1__Rollup *best = NULL;
  size_t best_n = 0;
  for (size_t i = 0; i < n; i++) {
    if (!has_cycle(in[i]))
      continue;
    size_t k = 0;
    for (size_t j = 0; j < n; j++)
      k += has_cycle(in[j]) && strcmp(in[j]->cycle, in[i]->cycle) == 0;
    if (!best || k > best_n || (k == best_n && strcmp(in[i]->source, best->source) < 0)) {
      best = in[i];
      best_n = k;
    }
  }
  return best;
}

int hb_rollup_merge_periods(const Huibao__V1__Rollup *const *in, size_t n, hb_periods_mem *m,
                            Huibao__V1__Rollup *r)
{
  const Huibao__V1__Rollup *first = cycle_input(in, n);
  if (!first)
    return 0;
  bool *merged = calloc1(n, sizeof *merged);
  if (!merged)
    return HB_ENOMEM;
  r->cycle = first->cycle;
  for (size_t i = 0; i < n; i++) {
    merged[i] = has_cycle(in[i]) && strcmp(in[i]->cycle, first->cycle) == 0;
    if (merged[i]) {
      r->period_current = id_later(r->period_current, in[i]->period_current);
      r->period_last_closed = id_later(r->period_last_closed, in[i]->period_last_closed);
    }
  }
  int rc = merge_mismatch(in, n, merged, m, r);
  if (rc == 0)
    rc = merge_periods(in, n, merged, m, r);
  if (rc == 0)
    rc = merge_contradictions(in, n, merged, m, r);
  free(merged);
  return rc;
}
