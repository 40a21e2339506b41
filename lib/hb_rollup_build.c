/* hb_rollup_build.c: a county's Rollup of one campaign, from its aggregates.
 *
 * Cost: units x (cells + categories), and for a campaign with a cycle
 * units x periods (hb_rollup_periods.c); records are never read. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_rollup_build.h"
#include "hb_rollup_declared.h"
#include "hb_rollup_periods.h"
#include "hb_rollup_review.h"
#include "hb_totals.h"
#include "hb_vocab.h"
#include "hb_wire.h"

#define NTYPES HB_ROLLUP_NTYPES
#define NCELLS (NTYPES * HB_LEVEL_MAX * HB_KIND_MAX)

typedef struct pc_sum {
  uint64_t total, identified, rectifying, resolved, measures, overdue, individual, team;
  uint64_t source_new, source_existing, term_immediate, term_long;
  hb_review_counts rv; /* issue 14 */
} pc_sum;

typedef struct cat_sum {
  const char *code, *name;
  uint64_t count, resolved, units;
  hb_review_counts rv; /* issue 14 */
} cat_sum;

/* Everything the packed message points to, freed in one place. */
typedef struct build_mem {
  Huibao__V1__UnitRow *rows;
  Huibao__V1__UnitRow **rowp;
  Huibao__V1__Totals *row_tots;
  Huibao__V1__ProblemCounts *row_pcs;
  Huibao__V1__CategoryCount *row_cats;
  Huibao__V1__CategoryCount **row_catp;
  Huibao__V1__CategoryCount *cats;
  Huibao__V1__CategoryCount **catp;
  cat_sum *csum;
  const char **cat_codes;
  const hb_agg **by_row;
  const hb_agg **extra;
  Huibao__V1__CubeCell *cells, **cellp;
  Huibao__V1__Totals *cell_tots;
  hb_rollup_decl decl;
} build_mem;

static void build_mem_free(build_mem *m)
{
  free(m->rows);
  free(m->rowp);
  free(m->row_tots);
  free(m->row_pcs);
  free(m->row_cats);
  free(m->row_catp);
  free(m->cats);
  free(m->catp);
  free(m->csum);
  free(m->cat_codes);
  free(m->by_row);
  free(m->extra);
  free(m->cells);
  free(m->cellp);
  free(m->cell_tots);
  hb_rollup_decl_free(&m->decl);
}

static void pc_from_agg(pc_sum *s, const hb_agg *a, int32_t today)
{
  memset(s, 0, sizeof *s);
  if (!a)
    return;
  s->total = a->problems;
  s->identified = a->by_status[HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED];
  s->rectifying = a->by_status[HUIBAO__V1__PROBLEM_STATUS__RECTIFYING];
  s->resolved = a->by_status[HUIBAO__V1__PROBLEM_STATUS__RESOLVED];
  s->measures = a->measures;
  s->overdue = hb_agg_overdue(a, today);
  s->individual = a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__INDIVIDUAL];
  s->team = a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__TEAM];
  s->source_new = a->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_NEW];
  s->source_existing = a->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_EXISTING];
  s->term_immediate = a->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_IMMEDIATE];
  s->term_long = a->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_LONG];
  s->rv = a->rv;
}

static void rv_add(hb_review_counts *sum, const hb_review_counts *v)
{
  sum->confirmed += v->confirmed;
  sum->returned += v->returned;
  sum->reopened += v->reopened;
  sum->deletion_pending += v->deletion_pending;
}

/* The Rollup's view of an aggregate's review counts: claimed = resolved -
 * confirmed (never kept, hb_agg.h). */
static hb_rollup_review rv_view(const hb_review_counts *rv, uint64_t resolved)
{
  hb_rollup_review v = {rv->confirmed, resolved >= rv->confirmed ? resolved - rv->confirmed : 0,
                        rv->returned, rv->deletion_pending, rv->reopened};
  return v;
}

static void pc_add(pc_sum *sum, const pc_sum *s)
{
  sum->total += s->total;
  sum->identified += s->identified;
  sum->rectifying += s->rectifying;
  sum->resolved += s->resolved;
  sum->measures += s->measures;
  sum->overdue += s->overdue;
  sum->individual += s->individual;
  sum->team += s->team;
  sum->source_new += s->source_new;
  sum->source_existing += s->source_existing;
  sum->term_immediate += s->term_immediate;
  sum->term_long += s->term_long;
  rv_add(&sum->rv, &s->rv);
}

static void pc_set(Huibao__V1__ProblemCounts *pb, const pc_sum *s)
{
  huibao__v1__problem_counts__init(pb);
  pb->has_total = pb->has_identified = pb->has_rectifying = pb->has_resolved = 1;
  pb->has_measures = pb->has_overdue = pb->has_individual = pb->has_team = 1;
  pb->total = s->total;
  pb->identified = s->identified;
  pb->rectifying = s->rectifying;
  pb->resolved = s->resolved;
  pb->measures = s->measures;
  pb->overdue = s->overdue;
  pb->individual = s->individual;
  pb->team = s->team;
  pb->has_source_new = pb->has_source_existing = pb->has_term_immediate = pb->has_term_long = 1;
  pb->source_new = s->source_new;
  pb->source_existing = s->source_existing;
  pb->term_immediate = s->term_immediate;
  pb->term_long = s->term_long;
  hb_rollup_review v = rv_view(&s->rv, s->resolved);
  hb_rollup_review_set_pc(pb, &v);
}

/* A category's counts (campaign-wide or one unit's) into pb. */
static void cat_set(Huibao__V1__CategoryCount *pb, const char *code, const char *name,
                    uint64_t count, uint64_t resolved, uint64_t units, const hb_review_counts *rv)
{
  huibao__v1__category_count__init(pb);
  pb->code = (char *)code;
  pb->name = (char *)name;
  pb->has_count = pb->has_resolved = pb->has_units = 1;
  pb->count = count;
  pb->resolved = resolved;
  pb->units = units;
  hb_rollup_review v = rv_view(rv, resolved);
  hb_rollup_review_set_cat(pb, &v);
}

static const hb_cat_count *agg_cat(const hb_agg *a, const char *code)
{
  size_t lo = 0, hi = a->ncats;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(a->cats[mid].code, code);
    if (c == 0)
      return &a->cats[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static int cmp_agg_unit(const void *x, const void *y)
{
  const hb_agg *a = *(const hb_agg *const *)x, *b = *(const hb_agg *const *)y;
  return strcmp(a->unit, b->unit);
}

static const char *unit_type_name(int t)
{
  return t >= 1 && t <= HB_UNIT_TYPE_MAX ? hb_vocab_unit_type_code(t) : "unknown";
}

/* Category list: the campaign's categories in file order, then codes that
 * only the aggregates know (e.g. a category removed from the file), by code. */
static int build_cat_list(const hb_rollup_input *in, build_mem *m, size_t *ncat)
{
  const hb_campaign *c = in->campaign;
  size_t cap = c->ncategories;
  for (size_t i = 0; i < in->naggs; i++)
    cap += in->aggs[i]->ncats;
  m->csum = calloc(cap ? cap : 1, sizeof *m->csum);
  if (!m->csum)
    return HB_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < c->ncategories; i++)
    m->csum[n++] = (cat_sum){c->categories[i].code, c->categories[i].name, 0, 0, 0, {0, 0, 0, 0}};
  size_t known = n;
  for (size_t i = 0; i < in->naggs; i++)
    for (size_t j = 0; j < in->aggs[i]->ncats; j++) {
      const char *code = in->aggs[i]->cats[j].code;
      bool found = false;
      for (size_t k = 0; k < n && !found; k++)
        found = strcmp(m->csum[k].code, code) == 0;
      if (found)
        continue;
      size_t at = n;
      while (at > known && strcmp(m->csum[at - 1].code, code) > 0) {
        m->csum[at] = m->csum[at - 1];
        at--;
      }
      m->csum[at] = (cat_sum){code, code, 0, 0, 0, {0, 0, 0, 0}};
      n++;
    }
  *ncat = n;
  return 0;
}

/* Fills row from unit (may be NULL) and agg (may be NULL). */
static void build_row(const hb_rollup_input *in, build_mem *m, size_t r, const hb_unit *unit,
                      const hb_agg *a, int64_t last_sync, bool expected, size_t ncat,
                      size_t *cat_used)
{
  Huibao__V1__UnitRow *row = &m->rows[r];
  huibao__v1__unit_row__init(row);
  row->code = unit ? unit->code : a->unit;
  row->name = unit ? unit->name : NULL;
  row->type = (char *)unit_type_name(unit ? (int)unit->type : 0);
  row->county = (char *)in->source;
  row->has_last_sync = 1;
  row->last_sync = last_sync;
  row->has_expected = 1;
  row->expected = expected;
  row->has_records = 1;
  row->records = a ? a->records : 0;
  hb_totals t = {0, 0, 0, 0};
  if (a)
    t = hb_agg_activity_totals(a);
  hb_totals_to_pb(&t, &m->row_tots[r]);
  row->activities = &m->row_tots[r];
  row->has_activities_returned = 1;
  row->activities_returned = a ? a->act_returned : 0;
  pc_sum s;
  pc_from_agg(&s, a, in->today);
  pc_set(&m->row_pcs[r], &s);
  row->problems = &m->row_pcs[r];
  size_t first = *cat_used;
  for (size_t k = 0; a && k < ncat; k++) {
    const hb_cat_count *cc = agg_cat(a, m->csum[k].code);
    if (!cc || cc->count == 0)
      continue;
    Huibao__V1__CategoryCount *pc = &m->row_cats[*cat_used];
    cat_set(pc, m->csum[k].code, m->csum[k].name, cc->count, cc->resolved, 1, &cc->rv);
    m->row_catp[*cat_used] = pc;
    (*cat_used)++;
  }
  row->n_categories = *cat_used - first;
  row->categories = row->n_categories ? &m->row_catp[first] : NULL;
  hb_rollup_decl_row(&m->decl, r, a, row);
  m->rowp[r] = row;
}

/* The county-wide sums of build_sums. */
typedef struct county_sums {
  hb_totals cube[NTYPES][HB_LEVEL_MAX + 1][HB_KIND_MAX + 1];
  hb_totals act;
  pc_sum pc;
  uint64_t act_returned; /* issue 14 */
  size_t row_cat_cap;    /* category counts of all rows, at most */
} county_sums;

/* Matches aggregates to units.csv rows (m->by_row, agg_type[i]: the unit
 * type of in->aggs[i]); the rest are unexpected units (m->extra, by code,
 * empty ones left out). */
static int build_match(const hb_rollup_input *in, build_mem *m, int *agg_type, size_t *nextra)
{
  const hb_units *units = in->units;
  size_t nunits = units ? units->count : 0;
  m->by_row = calloc(nunits ? nunits : 1, sizeof *m->by_row);
  m->extra = calloc(in->naggs ? in->naggs : 1, sizeof *m->extra);
  if (!m->by_row || !m->extra)
    return HB_ENOMEM;
  *nextra = 0;
  for (size_t i = 0; i < in->naggs; i++) {
    const hb_agg *a = in->aggs[i];
    const hb_unit *u = units ? hb_units_find(units, a->unit) : NULL;
    if (u) {
      size_t idx = (size_t)(u - units->items);
      m->by_row[idx] = a;
      agg_type[i] = (int)u->type;
    } else if (!hb_agg_is_empty(a)) {
      m->extra[(*nextra)++] = a;
    }
  }
  if (*nextra > 1) /* qsort's array may be NULL when empty */
    qsort(m->extra, *nextra, sizeof *m->extra, cmp_agg_unit);
  return 0;
}

/* County-wide sums: the cube by unit type, level and kind, the activity and
 * problem totals, and the categories' counts (into m->csum). */
static void build_sums(const hb_rollup_input *in, build_mem *m, const int *agg_type, size_t ncat,
                       county_sums *cs)
{
  memset(cs, 0, sizeof *cs);
  for (size_t i = 0; i < in->naggs; i++) {
    const hb_agg *a = in->aggs[i];
    int t = agg_type[i] >= 0 && agg_type[i] <= HB_UNIT_TYPE_MAX ? agg_type[i] : 0;
    for (int l = 1; l <= HB_LEVEL_MAX; l++)
      for (int k = 1; k <= HB_KIND_MAX; k++)
        hb_totals_add(&cs->cube[t][l][k], &a->act[l][k]);
    hb_totals at = hb_agg_activity_totals(a);
    hb_totals_add(&cs->act, &at);
    pc_sum s;
    pc_from_agg(&s, a, in->today);
    pc_add(&cs->pc, &s);
    cs->act_returned += a->act_returned;
    for (size_t k = 0; k < ncat; k++) {
      const hb_cat_count *cc = agg_cat(a, m->csum[k].code);
      if (cc && cc->count > 0) {
        m->csum[k].count += cc->count;
        m->csum[k].resolved += cc->resolved;
        m->csum[k].units++;
        rv_add(&m->csum[k].rv, &cc->rv);
      }
    }
    cs->row_cat_cap += a->ncats;
  }
}

/* The rollup's own fields and its one source, the county itself; lh is
 * the history head (Rollup.log and the source's log) when in has one. */
static void build_header(const hb_rollup_input *in, Huibao__V1__Rollup *r, Huibao__V1__Source *src,
                         Huibao__V1__LogHead *lh)
{
  r->source = (char *)in->source;
  r->source_name = (char *)in->source_name;
  r->campaign = in->campaign->id;
  r->campaign_name = in->campaign->name;
  r->seq = in->seq;
  r->as_of_ms = in->as_of_ms;
  r->has_epoch = in->epoch != 0;
  r->epoch = in->epoch;
  r->has_heartbeat_ms = 1;
  r->heartbeat_ms = in->heartbeat_ms;
  r->has_campaign_count = 1;
  r->campaign_count = in->campaign_count;
  r->has_today = 1;
  r->today = in->today;

  huibao__v1__source__init(src);
  src->code = (char *)in->source;
  src->name = (char *)in->source_name;
  src->has_seq = src->has_as_of_ms = src->has_stale = 1;
  src->seq = in->seq;
  src->as_of_ms = in->as_of_ms;
  src->stale = 0;
  src->has_epoch = in->epoch != 0;
  src->epoch = in->epoch;
  if (in->log_hash) {
    huibao__v1__log_head__init(lh);
    lh->n = in->log_n;
    lh->hash.data = (uint8_t *)in->log_hash;
    lh->hash.len = HB_CHAIN_HASH_LEN;
    r->log = lh;
    src->log = lh;
  }
}

/* The cube's cells with records, by unit type (county, township,
 * department, unknown), level and kind (built-in kinds, then declared
 * ones), into m->cells; returns their number. */
static int build_cube(const county_sums *cs, build_mem *m, Huibao__V1__Rollup *r)
{
  size_t cap = NCELLS + (size_t)NTYPES * HB_LEVEL_MAX * m->decl.nk;
  m->cells = calloc(cap, sizeof *m->cells);
  m->cellp = calloc(cap, sizeof *m->cellp);
  m->cell_tots = calloc(cap, sizeof *m->cell_tots);
  if (!m->cells || !m->cellp || !m->cell_tots)
    return HB_ENOMEM;
  size_t nc = 0;
  static const int type_order[NTYPES] = {HB_UNIT_COUNTY, HB_UNIT_TOWNSHIP, HB_UNIT_DEPARTMENT, 0};
  for (int ti = 0; ti < NTYPES; ti++) {
    int t = type_order[ti];
    for (int l = 1; l <= HB_LEVEL_MAX; l++) {
      for (int k = 1; k <= HB_KIND_MAX; k++) {
        if (cs->cube[t][l][k].records == 0)
          continue;
        Huibao__V1__CubeCell *c = &m->cells[nc];
        huibao__v1__cube_cell__init(c);
        c->unit_type = (char *)unit_type_name(t);
        c->level = (Huibao__V1__ActivityLevel)l;
        c->kind = (Huibao__V1__ActivityKind)k;
        hb_totals_to_pb(&cs->cube[t][l][k], &m->cell_tots[nc]);
        c->totals = &m->cell_tots[nc];
        nc++;
      }
      nc += hb_rollup_decl_cells(&m->decl, t, l, unit_type_name(t), &m->cells[nc]);
    }
  }
  for (size_t i = 0; i < nc; i++)
    m->cellp[i] = &m->cells[i];
  r->n_cube = nc;
  r->cube = nc ? m->cellp : NULL;
  return 0;
}

/* The campaign's categories with their county-wide counts. */
static int build_cats(build_mem *m, size_t ncat, Huibao__V1__Rollup *r)
{
  m->cats = calloc(ncat ? ncat : 1, sizeof *m->cats);
  m->catp = calloc(ncat ? ncat : 1, sizeof *m->catp);
  if (!m->cats || !m->catp)
    return HB_ENOMEM;
  for (size_t k = 0; k < ncat; k++) {
    Huibao__V1__CategoryCount *c = &m->cats[k];
    const cat_sum *k_sum = &m->csum[k];
    cat_set(c, k_sum->code, k_sum->name, k_sum->count, k_sum->resolved, k_sum->units, &k_sum->rv);
    m->catp[k] = c;
  }
  r->n_categories = ncat;
  r->categories = ncat ? m->catp : NULL;
  hb_rollup_decl_fill(&m->decl, r, m->catp);
  return 0;
}

/* One row per units.csv unit (expected), then one per unexpected unit. */
static int build_rows(const hb_rollup_input *in, build_mem *m, size_t nextra, size_t ncat,
                      size_t row_cat_cap, Huibao__V1__Rollup *r)
{
  const hb_units *units = in->units;
  size_t nunits = units ? units->count : 0;
  size_t nrows = nunits + nextra;
  size_t nalloc = nrows ? nrows : 1;
  m->rows = calloc(nalloc, sizeof *m->rows);
  m->rowp = calloc(nalloc, sizeof *m->rowp);
  m->row_tots = calloc(nalloc, sizeof *m->row_tots);
  m->row_pcs = calloc(nalloc, sizeof *m->row_pcs);
  m->row_cats = calloc(row_cat_cap ? row_cat_cap : 1, sizeof *m->row_cats);
  m->row_catp = calloc(row_cat_cap ? row_cat_cap : 1, sizeof *m->row_catp);
  if (!m->rows || !m->rowp || !m->row_tots || !m->row_pcs || !m->row_cats || !m->row_catp)
    return HB_ENOMEM;
  size_t cat_used = 0;
  for (size_t i = 0; i < nunits; i++)
    build_row(in, m, i, &units->items[i], m->by_row[i], in->last_sync ? in->last_sync[i] : 0, true,
              ncat, &cat_used);
  for (size_t i = 0; i < nextra; i++)
    build_row(in, m, nunits + i, NULL, m->extra[i], 0, false, ncat, &cat_used);
  r->n_units = nrows;
  r->units = nrows ? m->rowp : NULL;
  return 0;
}

/* The campaign's declared kinds, sub-categories, indicators, stages and
 * cases (hb_rollup_declared.c), for the categories of m->csum and one row
 * per units.csv unit and unexpected unit. */
static int build_declared(const hb_rollup_input *in, build_mem *m, const int *agg_type, size_t ncat,
                          size_t nextra)
{
  m->cat_codes = calloc(ncat + 1, sizeof *m->cat_codes);
  if (!m->cat_codes)
    return HB_ENOMEM;
  for (size_t k = 0; k < ncat; k++)
    m->cat_codes[k] = m->csum[k].code;
  size_t nrows = (in->units ? in->units->count : 0) + nextra;
  return hb_rollup_decl_init(&m->decl, in->campaign, in->aggs, agg_type, in->naggs, m->cat_codes,
                             ncat, nrows);
}

/* Packs r into *out (malloc'd). */
static int build_pack(const Huibao__V1__Rollup *r, uint8_t **out, size_t *len)
{
  size_t sz = huibao__v1__rollup__get_packed_size(r);
  if (sz > HB_WIRE_MAX_ROLLUP)
    return HB_ETOOBIG;
  *out = malloc(sz ? sz : 1);
  if (!*out)
    return HB_ENOMEM;
  *len = huibao__v1__rollup__pack(r, *out);
  return 0;
}

/* The packed message points into build_mem and the locals of this
 * function; only *out outlives it. */
int hb_rollup_build(const hb_rollup_input *in, uint8_t **out, size_t *len)
{
  *out = NULL;
  *len = 0;
  if (!in->campaign || !in->source)
    return HB_EINVAL;
  build_mem m;
  memset(&m, 0, sizeof m);
  county_sums sums, *cs = &sums;
  int *agg_type = calloc(in->naggs ? in->naggs : 1, sizeof *agg_type);
  size_t nextra = 0, ncat = 0;
  int rc = agg_type ? build_match(in, &m, agg_type, &nextra) : HB_ENOMEM;
  if (rc == 0)
    rc = build_cat_list(in, &m, &ncat);
  if (rc == 0)
    build_sums(in, &m, agg_type, ncat, cs);
  if (rc == 0)
    rc = build_declared(in, &m, agg_type, ncat, nextra);

  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  Huibao__V1__Source src, *srcp = &src;
  Huibao__V1__Totals act_pb;
  Huibao__V1__ProblemCounts pc_pb;
  Huibao__V1__LogHead log_pb;
  if (rc == 0) {
    build_header(in, &r, &src, &log_pb);
    r.n_sources = 1;
    r.sources = &srcp;
    hb_totals_to_pb(&cs->act, &act_pb);
    r.activities = &act_pb;
    pc_set(&pc_pb, &cs->pc);
    r.problems = &pc_pb;
    r.has_activities_returned = 1;
    r.activities_returned = cs->act_returned;
    rc = build_cube(cs, &m, &r);
  }
  if (rc == 0)
    rc = build_cats(&m, ncat, &r);
  if (rc == 0)
    rc = build_rows(in, &m, nextra, ncat, cs->row_cat_cap, &r);
  hb_rollup_periods per;
  memset(&per, 0, sizeof per);
  if (rc == 0)
    rc = hb_rollup_periods_build(in, &per, &r);
  if (rc == 0)
    rc = build_pack(&r, out, len);
  hb_rollup_periods_free(&per);
  free(agg_type);
  build_mem_free(&m);
  return rc;
}
