/* hb_rollup_declared.c: a county Rollup's declared kinds, sub-categories,
 * indicators, stages and cases (see hb_rollup_declared.h).
 *
 * Cost: units x (declared kinds + sub-categories + indicators); records
 * are never read. Indicator values are summed as integers (1/10000). */
#include "hb_rollup_declared.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_vocab.h"

static long named_find(const hb_rollup_named *list, size_t n, const char *code)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i].code, code) == 0)
      return (long)i;
  return -1;
}

/* Appends code to list[0..*n) unless it is there; the entries from known
 * on (those the campaign file does not declare) stay sorted by code. */
static hb_rollup_named *named_add_extra(hb_rollup_named *list, size_t known, size_t *n,
                                        const char *code)
{
  long i = named_find(list, *n, code);
  if (i >= 0)
    return &list[i];
  size_t at = *n;
  while (at > known && strcmp(list[at - 1].code, code) > 0) {
    list[at] = list[at - 1];
    at--;
  }
  memset(&list[at], 0, sizeof list[at]);
  list[at].code = list[at].name = code;
  (*n)++;
  return &list[at];
}

static size_t kcube_at(const hb_rollup_decl *d, int t, int l, size_t k)
{
  return ((size_t)t * HB_LEVEL_MAX + (size_t)(l - 1)) * d->nk + k;
}

static int decl_kinds(hb_rollup_decl *d, const hb_campaign *c, const hb_agg *const *aggs,
                      const int *agg_type, size_t naggs)
{
  size_t cap = c->nkinds;
  for (size_t i = 0; i < naggs; i++)
    cap += aggs[i]->nkcells;
  d->kinds = calloc(cap + 1, sizeof *d->kinds);
  if (!d->kinds)
    return HB_ENOMEM;
  for (size_t k = 0; k < c->nkinds; k++) {
    d->kinds[d->nk].code = c->kinds[k].code;
    d->kinds[d->nk++].name = c->kinds[k].name;
  }
  size_t known = d->nk;
  for (size_t i = 0; i < naggs; i++)
    for (size_t j = 0; j < aggs[i]->nkcells; j++)
      named_add_extra(d->kinds, known, &d->nk, aggs[i]->kcells[j].code);
  size_t ncube = (size_t)HB_ROLLUP_NTYPES * HB_LEVEL_MAX * d->nk + 1;
  d->kcube = calloc(ncube, sizeof *d->kcube);
  d->ktots = calloc(ncube, sizeof *d->ktots);
  d->kn = calloc(d->nk + 1, sizeof *d->kn);
  d->knp = calloc(d->nk + 1, sizeof *d->knp);
  if (!d->kcube || !d->ktots || !d->kn || !d->knp)
    return HB_ENOMEM;
  for (size_t i = 0; i < naggs; i++) {
    int t = agg_type[i] >= 0 && agg_type[i] <= HB_UNIT_TYPE_MAX ? agg_type[i] : 0;
    for (size_t j = 0; j < aggs[i]->nkcells; j++) {
      const hb_kind_cell *kc = &aggs[i]->kcells[j];
      long k = named_find(d->kinds, d->nk, kc->code);
      if (k >= 0 && kc->level >= 1 && kc->level <= HB_LEVEL_MAX)
        hb_totals_add(&d->kcube[kcube_at(d, t, kc->level, (size_t)k)], &kc->t);
    }
  }
  for (size_t k = 0; k < d->nk; k++) {
    huibao__v1__kind_name__init(&d->kn[k]);
    d->kn[k].code = (char *)d->kinds[k].code;
    d->kn[k].name = (char *)d->kinds[k].name;
    d->knp[k] = &d->kn[k];
  }
  return 0;
}

static const hb_category *campaign_category(const hb_campaign *c, const char *code)
{
  for (size_t i = 0; i < c->ncategories; i++)
    if (strcmp(c->categories[i].code, code) == 0)
      return &c->categories[i];
  return NULL;
}

/* The sub-category list of every category, then their county sums. */
static int decl_subs(hb_rollup_decl *d, const hb_campaign *c, const hb_agg *const *aggs,
                     size_t naggs, const char *const *cat_codes, size_t ncat)
{
  size_t cap = 0;
  for (size_t i = 0; i < c->ncategories; i++)
    cap += c->categories[i].nsubs;
  for (size_t i = 0; i < naggs; i++)
    for (size_t j = 0; j < aggs[i]->ncats; j++)
      cap += aggs[i]->cats[j].nsubs;
  d->ncat = ncat;
  d->subs = calloc(cap + 1, sizeof *d->subs);
  d->sub_first = calloc(ncat + 1, sizeof *d->sub_first);
  if (!d->subs || !d->sub_first)
    return HB_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < ncat; i++) {
    d->sub_first[i] = n;
    hb_rollup_named *list = &d->subs[n];
    size_t cnt = 0;
    const hb_category *cd = campaign_category(c, cat_codes[i]);
    for (size_t k = 0; cd && k < cd->nsubs; k++) {
      list[cnt].code = cd->subs[k].code;
      list[cnt++].name = cd->subs[k].name;
    }
    size_t known = cnt;
    for (size_t a = 0; a < naggs; a++) {
      const hb_cat_count *cc = hb_agg_category(aggs[a], cat_codes[i]);
      for (size_t k = 0; cc && k < cc->nsubs; k++)
        named_add_extra(list, known, &cnt, cc->subs[k].code);
    }
    for (size_t a = 0; a < naggs; a++) {
      const hb_cat_count *cc = hb_agg_category(aggs[a], cat_codes[i]);
      for (size_t k = 0; cc && k < cc->nsubs; k++) {
        long at = named_find(list, cnt, cc->subs[k].code);
        if (at < 0 || cc->subs[k].count == 0)
          continue;
        list[at].count += cc->subs[k].count;
        list[at].resolved += cc->subs[k].resolved;
        list[at].units++;
      }
    }
    n += cnt;
  }
  d->sub_first[ncat] = n;
  d->subpb = calloc(n + 1, sizeof *d->subpb);
  d->subp = calloc(n + 1, sizeof *d->subp);
  return d->subpb && d->subp ? 0 : HB_ENOMEM;
}

static int64_t add_saturating(int64_t x, int64_t y)
{
  int64_t s;
  if (!__builtin_add_overflow(x, y, &s))
    return s;
  return y > 0 ? INT64_MAX : INT64_MIN;
}

static void cases_set(Huibao__V1__CaseCounts *pb, const uint64_t *by_case, uint64_t total)
{
  huibao__v1__case_counts__init(pb);
  pb->has_total = pb->has_typical = pb->has_practice = pb->has_group = pb->has_person = 1;
  pb->total = total;
  pb->typical = by_case[HUIBAO__V1__CASE_TYPE__CASE_TYPICAL];
  pb->practice = by_case[HUIBAO__V1__CASE_TYPE__CASE_PRACTICE];
  pb->group = by_case[HUIBAO__V1__CASE_TYPE__CASE_GROUP];
  pb->person = by_case[HUIBAO__V1__CASE_TYPE__CASE_PERSON];
}

/* Indicators (declared, then codes only the aggregates know: shown with
 * their code as name and 4 places, so that no value is cut), their county
 * sums, and the cases' county sums. */
static int decl_outcomes(hb_rollup_decl *d, const hb_campaign *c, const hb_agg *const *aggs,
                         size_t naggs, size_t nrows)
{
  size_t cap = c->nindicators;
  for (size_t i = 0; i < naggs; i++)
    cap += aggs[i]->ninds;
  d->inds = calloc(cap + 1, sizeof *d->inds);
  if (!d->inds)
    return HB_ENOMEM;
  for (size_t k = 0; k < c->nindicators; k++) {
    hb_rollup_named *e = &d->inds[d->ni++];
    e->code = c->indicators[k].code;
    e->name = c->indicators[k].name;
    e->unit = c->indicators[k].unit;
    e->places = c->indicators[k].places;
  }
  size_t known = d->ni;
  uint64_t by_case[HB_CASE_MAX + 1] = {0}, total = 0;
  for (size_t i = 0; i < naggs; i++) {
    for (size_t j = 0; j < aggs[i]->ninds; j++) {
      const hb_ind_sum *s = &aggs[i]->inds[j];
      bool extra = named_find(d->inds, d->ni, s->code) < 0;
      hb_rollup_named *e = named_add_extra(d->inds, known, &d->ni, s->code);
      if (extra)
        e->places = HB_INDICATOR_PLACES_MAX;
      e->value = add_saturating(e->value, s->value);
      e->count += s->records; /* records */
    }
    for (int t = 0; t <= HB_CASE_MAX; t++)
      by_case[t] += aggs[i]->by_case[t];
    total += aggs[i]->cases;
  }
  cases_set(&d->cases, by_case, total);
  d->indpb = calloc(d->ni + 1, sizeof *d->indpb);
  d->indp = calloc(d->ni + 1, sizeof *d->indp);
  d->rowind = calloc(nrows * d->ni + 1, sizeof *d->rowind);
  d->rowindp = calloc(nrows * d->ni + 1, sizeof *d->rowindp);
  d->rowcases = calloc(nrows + 1, sizeof *d->rowcases);
  d->stages = calloc(c->nstages + 1, sizeof *d->stages);
  d->stagep = calloc(c->nstages + 1, sizeof *d->stagep);
  if (!d->indpb || !d->indp || !d->rowind || !d->rowindp || !d->rowcases || !d->stages ||
      !d->stagep)
    return HB_ENOMEM;
  return 0;
}

int hb_rollup_decl_init(hb_rollup_decl *d, const hb_campaign *c, const hb_agg *const *aggs,
                        const int *agg_type, size_t naggs, const char *const *cat_codes,
                        size_t ncat, size_t nrows)
{
  memset(d, 0, sizeof *d);
  int rc = decl_kinds(d, c, aggs, agg_type, naggs);
  if (rc == 0)
    rc = decl_subs(d, c, aggs, naggs, cat_codes, ncat);
  if (rc == 0)
    rc = decl_outcomes(d, c, aggs, naggs, nrows);
  if (rc == 0)
    d->nstages = c->nstages;
  for (size_t i = 0; rc == 0 && i < c->nstages; i++) {
    Huibao__V1__Stage *s = &d->stages[i];
    huibao__v1__stage__init(s);
    s->n = c->stages[i].n;
    s->name = c->stages[i].name;
    s->has_start = s->has_end = 1;
    s->start = c->stages[i].start;
    s->end = c->stages[i].end;
    d->stagep[i] = s;
  }
  return rc;
}

size_t hb_rollup_decl_cells(hb_rollup_decl *d, int t, int l, const char *unit_type,
                            Huibao__V1__CubeCell *cells)
{
  size_t n = 0;
  for (size_t k = 0; k < d->nk; k++) {
    size_t at = kcube_at(d, t, l, k);
    if (d->kcube[at].records == 0)
      continue;
    Huibao__V1__CubeCell *c = &cells[n++];
    huibao__v1__cube_cell__init(c);
    c->unit_type = (char *)unit_type;
    c->level = (Huibao__V1__ActivityLevel)l;
    c->kind = HUIBAO__V1__ACTIVITY_KIND__KIND_UNSPECIFIED;
    c->kind_code = (char *)d->kinds[k].code;
    hb_totals_to_pb(&d->kcube[at], &d->ktots[at]);
    c->totals = &d->ktots[at];
  }
  return n;
}

static void ind_set(Huibao__V1__IndicatorSum *pb, const hb_rollup_named *e, int64_t value,
                    uint64_t records)
{
  huibao__v1__indicator_sum__init(pb);
  pb->code = (char *)e->code;
  pb->name = (char *)e->name;
  pb->unit = (char *)e->unit;
  pb->has_places = pb->has_value = pb->has_records = 1;
  pb->places = (uint32_t)e->places;
  pb->value = value;
  pb->records = records;
}

void hb_rollup_decl_fill(hb_rollup_decl *d, Huibao__V1__Rollup *r,
                         Huibao__V1__CategoryCount *const *cats)
{
  r->n_kinds = d->nk;
  r->kinds = d->nk ? d->knp : NULL;
  for (size_t i = 0; i < d->ncat; i++) {
    size_t first = d->sub_first[i], n = d->sub_first[i + 1] - first;
    for (size_t k = first; k < first + n; k++) {
      Huibao__V1__CategoryCount *s = &d->subpb[k];
      huibao__v1__category_count__init(s);
      s->code = (char *)d->subs[k].code;
      s->name = (char *)d->subs[k].name;
      s->has_count = s->has_resolved = s->has_units = 1;
      s->count = d->subs[k].count;
      s->resolved = d->subs[k].resolved;
      s->units = d->subs[k].units;
      d->subp[k] = s;
    }
    cats[i]->n_subcategories = n;
    cats[i]->subcategories = n ? &d->subp[first] : NULL;
  }
  for (size_t k = 0; k < d->ni; k++) {
    ind_set(&d->indpb[k], &d->inds[k], d->inds[k].value, d->inds[k].count);
    d->indp[k] = &d->indpb[k];
  }
  r->n_indicators = d->ni;
  r->indicators = d->ni ? d->indp : NULL;
  r->cases = &d->cases;
  r->n_stages = d->nstages;
  r->stages = d->nstages ? d->stagep : NULL;
}

void hb_rollup_decl_row(hb_rollup_decl *d, size_t r, const hb_agg *a, Huibao__V1__UnitRow *row)
{
  for (size_t k = 0; k < d->ni; k++) {
    const hb_ind_sum *s = a ? hb_agg_indicator(a, d->inds[k].code) : NULL;
    Huibao__V1__IndicatorSum *pb = &d->rowind[r * d->ni + k];
    ind_set(pb, &d->inds[k], s ? s->value : 0, s ? s->records : 0);
    d->rowindp[r * d->ni + k] = pb;
  }
  row->n_indicators = d->ni;
  row->indicators = d->ni ? &d->rowindp[r * d->ni] : NULL;
  static const uint64_t none[HB_CASE_MAX + 1] = {0};
  cases_set(&d->rowcases[r], a ? a->by_case : none, a ? a->cases : 0);
  row->cases = &d->rowcases[r];
}

void hb_rollup_decl_free(hb_rollup_decl *d)
{
  free(d->kinds);
  free(d->kcube);
  free(d->kn);
  free(d->knp);
  free(d->ktots);
  free(d->subs);
  free(d->sub_first);
  free(d->subpb);
  free(d->subp);
  free(d->inds);
  free(d->indpb);
  free(d->indp);
  free(d->rowind);
  free(d->rowindp);
  free(d->rowcases);
  free(d->stages);
  free(d->stagep);
  memset(d, 0, sizeof *d);
}
