/* hb_agg_days.c: per-date figures of an aggregate (the day cells of
 * hb_agg.h) and their sums over a period (issue 13, docs/periods.md).
 *
 * The cells of an aggregate are exactly the days with a non-zero figure,
 * so an aggregate changed by adds and removals equals the one rebuilt from
 * the records (what `huibao-aggregator verify` checks). */
#include <stdlib.h>
#include <string.h>

#include "hb_agg.h"
#include "hb_agg_internal.h"
#include "hb_err.h"

/* ---------------------------------------------------------------- activities */

/* Orders (kind, code): a declared kind (kind 0) by its code, before the
 * built-in kinds. */
static int kind_cmp(int k1, const char *c1, int k2, const char *c2)
{
  if (k1 != k2)
    return (k1 > k2) - (k1 < k2);
  if (!c1 || !c2)
    return (c1 != NULL) - (c2 != NULL);
  return strcmp(c1, c2);
}

static int dact_cmp(const hb_day_act *x, int32_t day, int kind, const char *code)
{
  if (x->day != day)
    return (x->day > day) - (x->day < day);
  return kind_cmp(x->kind, x->code, kind, code);
}

long hb_agg_dact_find(const hb_agg *a, int32_t day, int kind, const char *code)
{
  size_t lo = 0, hi = a->ndacts;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = dact_cmp(&a->dacts[mid], day, kind, code);
    if (c == 0)
      return (long)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -(long)lo - 1;
}

int hb_agg_dact_get(hb_agg *a, int32_t day, int kind, const char *code, size_t *at, int *created)
{
  long i = hb_agg_dact_find(a, day, kind, code);
  *created = 0;
  if (i >= 0) {
    *at = (size_t)i;
    return 0;
  }
  size_t pos = (size_t)(-i - 1);
  char *dup = NULL;
  if (code && !(dup = strdup(code)))
    return HB_ENOMEM;
  if (hb_agg_vec_insert((void **)&a->dacts, &a->ndacts, &a->capdacts, sizeof *a->dacts, pos) != 0) {
    free(dup);
    return HB_ENOMEM;
  }
  a->dacts[pos].day = day;
  a->dacts[pos].kind = kind;
  a->dacts[pos].code = dup;
  *at = pos;
  *created = 1;
  return 0;
}

void hb_agg_dact_erase(hb_agg *a, size_t at)
{
  free(a->dacts[at].code);
  hb_agg_vec_erase(a->dacts, &a->ndacts, sizeof *a->dacts, at);
}

/* ---------------------------------------------------------------- problems */

long hb_agg_day_find(const void *cells, size_t n, size_t size, int32_t day)
{
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int32_t d;
    memcpy(&d, (const char *)cells + mid * size, sizeof d);
    if (d == day)
      return (long)mid;
    if (d < day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -(long)lo - 1;
}

long hb_agg_dprob_find(const hb_agg *a, int32_t day)
{
  return hb_agg_day_find(a->dprobs, a->ndprobs, sizeof *a->dprobs, day);
}

int hb_agg_dprob_get(hb_agg *a, int32_t day, size_t *at, int *created)
{
  long i = hb_agg_dprob_find(a, day);
  *created = 0;
  if (i >= 0) {
    *at = (size_t)i;
    return 0;
  }
  size_t pos = (size_t)(-i - 1);
  if (hb_agg_vec_insert((void **)&a->dprobs, &a->ndprobs, &a->capdprobs, sizeof *a->dprobs, pos) !=
      0)
    return HB_ENOMEM;
  a->dprobs[pos].day = day;
  *at = pos;
  *created = 1;
  return 0;
}

static bool dprob_zero(const hb_day_prob *c)
{
  return c->identified == 0 && c->resolved == 0 && c->overdue_delta == 0;
}

static void dprob_step_add(hb_day_steps *st, int32_t day, int field, int64_t v)
{
  st->s[st->n].day = day;
  st->s[st->n].field = field;
  st->s[st->n].v = v;
  st->n++;
}

void hb_agg_days_of_problem(const Huibao__V1__Problem *r, hb_day_steps *st)
{
  st->n = 0;
  bool resolved = r->has_status && r->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  int32_t ident = r->has_identified_on ? r->identified_on : 0;
  int32_t done = resolved && r->has_resolved_on ? r->resolved_on : 0;
  dprob_step_add(st, ident, HB_DAY_IDENTIFIED, 1);
  if (done != 0)
    dprob_step_add(st, done, HB_DAY_RESOLVED, 1);
  if (!r->has_deadline || r->deadline == 0 || r->deadline == INT32_MAX)
    return;
  /* overdue at the end of day E iff identified_on <= E, deadline < E and
   * not resolved by E; a resolved problem without resolved_on never is */
  int32_t from = ident > r->deadline + 1 ? ident : r->deadline + 1;
  if (resolved && (done == 0 || done <= from))
    return;
  dprob_step_add(st, from, HB_DAY_OVERDUE, 1);
  if (resolved)
    dprob_step_add(st, done, HB_DAY_OVERDUE, -1);
}

bool hb_agg_days_can_remove(const hb_agg *a, const hb_day_steps *st)
{
  for (size_t i = 0; i < st->n; i++) {
    long c = hb_agg_dprob_find(a, st->s[i].day);
    if (c < 0)
      return false;
    const hb_day_prob *p = &a->dprobs[c];
    if ((st->s[i].field == HB_DAY_IDENTIFIED && p->identified < 1) ||
        (st->s[i].field == HB_DAY_RESOLVED && p->resolved < 1))
      return false;
  }
  return true;
}

/* Erases the cells of the steps' days that are all zero. */
static void days_prune(hb_agg *a, const hb_day_steps *st)
{
  for (size_t i = 0; i < st->n; i++) {
    long c = hb_agg_dprob_find(a, st->s[i].day);
    if (c >= 0 && dprob_zero(&a->dprobs[c]))
      hb_agg_vec_erase(a->dprobs, &a->ndprobs, sizeof *a->dprobs, (size_t)c);
  }
}

int hb_agg_days_reserve(hb_agg *a, const hb_day_steps *st)
{
  for (size_t i = 0; i < st->n; i++) {
    size_t at;
    int created;
    if (hb_agg_dprob_get(a, st->s[i].day, &at, &created) != 0) {
      days_prune(a, st);
      return HB_ENOMEM;
    }
  }
  return 0;
}

void hb_agg_days_apply(hb_agg *a, const hb_day_steps *st, int sign)
{
  bool zero = false; /* a cell went all zero: prune (rare: no search otherwise) */
  for (size_t i = 0; i < st->n; i++) {
    long c = hb_agg_dprob_find(a, st->s[i].day);
    if (c < 0)
      continue; /* reserved or checked by the caller */
    hb_day_prob *p = &a->dprobs[c];
    int64_t v = sign < 0 ? -st->s[i].v : st->s[i].v;
    if (st->s[i].field == HB_DAY_IDENTIFIED)
      p->identified = (uint64_t)((int64_t)p->identified + v);
    else if (st->s[i].field == HB_DAY_RESOLVED)
      p->resolved = (uint64_t)((int64_t)p->resolved + v);
    else
      p->overdue_delta += v;
    zero |= dprob_zero(p);
  }
  if (zero)
    days_prune(a, st);
}

/* ---------------------------------------------------------------- copy, free */

void hb_agg_days_drop(hb_agg *a)
{
  for (size_t i = 0; i < a->ndacts; i++)
    free(a->dacts[i].code);
  free(a->dacts);
  free(a->dprobs);
  a->dacts = NULL;
  a->dprobs = NULL;
  a->ndacts = a->capdacts = a->ndprobs = a->capdprobs = 0;
}

int hb_agg_days_copy(hb_agg *dst, const hb_agg *src)
{
  dst->dacts = NULL;
  dst->dprobs = NULL;
  dst->ndacts = dst->capdacts = dst->ndprobs = dst->capdprobs = 0;
  if (src->ndacts) {
    dst->dacts = calloc(src->ndacts, sizeof *dst->dacts);
    if (!dst->dacts)
      return HB_ENOMEM;
    dst->capdacts = src->ndacts;
    for (size_t i = 0; i < src->ndacts; i++) {
      dst->dacts[i] = src->dacts[i];
      dst->dacts[i].code = NULL;
      if (src->dacts[i].code && !(dst->dacts[i].code = strdup(src->dacts[i].code)))
        return HB_ENOMEM;
      dst->ndacts = i + 1;
    }
  }
  if (src->ndprobs) {
    dst->dprobs = malloc(src->ndprobs * sizeof *dst->dprobs);
    if (!dst->dprobs)
      return HB_ENOMEM;
    memcpy(dst->dprobs, src->dprobs, src->ndprobs * sizeof *dst->dprobs);
    dst->ndprobs = dst->capdprobs = src->ndprobs;
  }
  return 0;
}

/* ---------------------------------------------------------------- period sums */

static int sum_kind_add(hb_period_sum *out, const hb_day_act *c)
{
  size_t lo = 0, hi = out->nkinds;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int r = kind_cmp(out->kinds[mid].kind, out->kinds[mid].code, c->kind, c->code);
    if (r == 0) {
      hb_totals_add(&out->kinds[mid].t, &c->t);
      return 0;
    }
    if (r < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  char *dup = NULL;
  if (c->code && !(dup = strdup(c->code)))
    return HB_ENOMEM;
  if (hb_agg_vec_insert((void **)&out->kinds, &out->nkinds, &out->capkinds, sizeof *out->kinds,
                        lo) != 0) {
    free(dup);
    return HB_ENOMEM;
  }
  out->kinds[lo].kind = c->kind;
  out->kinds[lo].code = dup;
  out->kinds[lo].t = c->t;
  return 0;
}

int hb_agg_periods_add(const hb_agg *a, const hb_day_range *r, size_t n, hb_period_sum *out)
{
  size_t ka = 0, kp = 0;
  int64_t overdue = 0; /* the deltas up to the end of the range so far */
  for (size_t i = 0; i < n; i++) {
    while (ka < a->ndacts && a->dacts[ka].day < r[i].from)
      ka++;
    for (; ka < a->ndacts && a->dacts[ka].day <= r[i].to; ka++) {
      const hb_day_act *c = &a->dacts[ka];
      hb_totals_add(&out[i].act, &c->t);
      out[i].dated += c->t.records;
      if (sum_kind_add(&out[i], c) != 0)
        return HB_ENOMEM;
    }
    for (; kp < a->ndprobs && a->dprobs[kp].day <= r[i].to; kp++) {
      const hb_day_prob *p = &a->dprobs[kp];
      overdue += p->overdue_delta;
      if (p->day < r[i].from)
        continue;
      out[i].identified += p->identified;
      out[i].resolved += p->resolved;
      out[i].dated += p->identified;
    }
    out[i].overdue_at_end += overdue;
  }
  return 0;
}

int hb_agg_period_add(const hb_agg *a, int32_t from, int32_t to, hb_period_sum *out)
{
  const hb_day_range r = {from, to};
  return hb_agg_periods_add(a, &r, 1, out);
}

void hb_period_sum_free(hb_period_sum *s)
{
  for (size_t i = 0; i < s->nkinds; i++)
    free(s->kinds[i].code);
  free(s->kinds);
  memset(s, 0, sizeof *s);
}
