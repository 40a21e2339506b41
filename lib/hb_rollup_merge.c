/* hb_rollup_merge.c: the city's Rollup of one campaign, merged from its
 * counties' (a province's from its cities', the same way). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_pbcopy.h"
#include "hb_rollup.h"
#include "hb_rollup_merge_periods.h"
#include "hb_vocab.h"

static bool str_empty(const char *s)
{
  return !s || !*s;
}

/* Rank of a unit type in every ordered output: county, township,
 * department, then anything else. */
static int unit_type_rank(const char *t)
{
  int v = t ? hb_vocab_unit_type(t) : 0;
  return v >= 1 && v <= HB_UNIT_TYPE_MAX ? v - 1 : HB_UNIT_TYPE_MAX;
}

typedef struct cell_ref {
  const Huibao__V1__CubeCell *c;
  int rank; /* unit_type_rank(c->unit_type), looked up once per cell, not per compare */
} cell_ref;

static int cell_cmp(const void *x, const void *y)
{
  const Huibao__V1__CubeCell *a = ((const cell_ref *)x)->c, *b = ((const cell_ref *)y)->c;
  int ra = ((const cell_ref *)x)->rank, rb = ((const cell_ref *)y)->rank;
  if (ra != rb)
    return ra < rb ? -1 : 1;
  int c = strcmp(a->unit_type ? a->unit_type : "", b->unit_type ? b->unit_type : "");
  if (c)
    return c;
  if (a->level != b->level)
    return a->level < b->level ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  return strcmp(a->kind_code ? a->kind_code : "", b->kind_code ? b->kind_code : "");
}

typedef struct cat_ref {
  const Huibao__V1__CategoryCount *c;
  size_t order; /* position of first appearance across the inputs */
} cat_ref;

static int cat_code_cmp(const void *x, const void *y)
{
  const cat_ref *a = x, *b = y;
  int c = strcmp(a->c->code, b->c->code);
  if (c)
    return c;
  return a->order < b->order ? -1 : a->order > b->order;
}

typedef struct cat_out {
  Huibao__V1__CategoryCount pb;
  size_t order;
} cat_out;

static int cat_order_cmp(const void *x, const void *y)
{
  const cat_out *a = x, *b = y;
  return a->order < b->order ? -1 : a->order > b->order;
}

typedef struct merge_mem {
  Huibao__V1__Source *src;
  Huibao__V1__Source **srcp;
  cell_ref *cref;
  Huibao__V1__CubeCell *cells;
  Huibao__V1__CubeCell **cellp;
  Huibao__V1__Totals *cell_tots;
  cat_ref *kref;
  cat_out *cats;
  Huibao__V1__CategoryCount **catp;
  Huibao__V1__CategoryCount *subs; /* every category's merged subcategories, one slice each */
  Huibao__V1__CategoryCount **subp;
  Huibao__V1__KindName **kindp;
  Huibao__V1__IndicatorSum *inds;
  Huibao__V1__IndicatorSum **indp;
  Huibao__V1__UnitRow *rows;
  Huibao__V1__UnitRow **rowp;
} merge_mem;

static void merge_mem_free(merge_mem *m)
{
  free(m->src);
  free(m->srcp);
  free(m->cref);
  free(m->cells);
  free(m->cellp);
  free(m->cell_tots);
  free(m->kref);
  free(m->cats);
  free(m->catp);
  free(m->subs);
  free(m->subp);
  free(m->kindp);
  free(m->inds);
  free(m->indp);
  free(m->rows);
  free(m->rowp);
}

static void *calloc1(size_t n, size_t size)
{
  return calloc(n ? n : 1, size);
}

uint64_t hb_rollup_epoch(const Huibao__V1__Rollup *const *in, size_t n)
{
  uint64_t e = 0;
  int any = 0;
  for (size_t i = 0; i < n; i++) {
    if (!in[i] || !in[i]->has_epoch)
      continue;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a of the source code, 0, the epoch */
    for (const char *c = in[i]->source ? in[i]->source : ""; *c; c++)
      h = (h ^ (uint8_t)*c) * 0x100000001b3ull;
    h *= 0x100000001b3ull;
    for (int b = 0; b < 8; b++)
      h = (h ^ (uint8_t)(in[i]->epoch >> (8 * b))) * 0x100000001b3ull;
    h ^= h >> 33; /* splitmix64 finaliser: FNV's low bits mix poorly */
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    e ^= h;
    any = 1;
  }
  return any && e == 0 ? 1 : e; /* 0 means none */
}

/* The fields of the merged rollup that come from every input: the first
 * campaign name, the sum of the seqs, the largest heartbeat and today. */
static void merge_header(const Huibao__V1__Rollup *const *in, size_t n, Huibao__V1__Rollup *r)
{
  uint32_t hb_max = 0;
  int32_t today = 0;
  for (size_t i = 0; i < n; i++) {
    if (!r->campaign_name && !str_empty(in[i]->campaign_name))
      r->campaign_name = in[i]->campaign_name;
    r->seq = hb_rollup_add_sat(r->seq, in[i]->seq);
    if (in[i]->has_heartbeat_ms && in[i]->heartbeat_ms > hb_max)
      hb_max = in[i]->heartbeat_ms;
    if (in[i]->has_today && in[i]->today > today)
      today = in[i]->today;
  }
  if (hb_max) {
    r->has_heartbeat_ms = 1;
    r->heartbeat_ms = hb_max;
  }
  if (today) {
    r->has_today = 1;
    r->today = today;
  }
}

/* Sources: an input without sources stands for itself; the sources of an
 * input marked stale are all stale. */
static int merge_sources(const Huibao__V1__Rollup *const *in, size_t n, const bool *stale,
                         size_t nsrc, merge_mem *m, Huibao__V1__Rollup *r)
{
  m->src = calloc1(nsrc, sizeof *m->src);
  m->srcp = calloc1(nsrc, sizeof *m->srcp);
  if (!m->src || !m->srcp)
    return HB_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    bool st = stale && stale[i];
    if (in[i]->n_sources == 0) {
      Huibao__V1__Source *s = &m->src[k];
      huibao__v1__source__init(s);
      s->code = in[i]->source;
      s->name = in[i]->source_name;
      s->has_seq = s->has_as_of_ms = 1;
      s->seq = in[i]->seq;
      s->as_of_ms = in[i]->as_of_ms;
      s->has_epoch = in[i]->has_epoch;
      s->epoch = in[i]->epoch;
      s->has_stale = 1;
      s->stale = st;
      s->log = in[i]->log;
      m->srcp[k] = s;
      k++;
      continue;
    }
    for (size_t j = 0; j < in[i]->n_sources; j++) {
      Huibao__V1__Source *s = &m->src[k];
      *s = *in[i]->sources[j];
      s->has_stale = 1;
      s->stale = s->stale || st;
      if (!s->log && in[i]->log && in[i]->n_sources == 1)
        s->log = in[i]->log; /* a county's one source is the county itself */
      m->srcp[k] = s;
      k++;
    }
  }
  r->n_sources = nsrc;
  r->sources = m->srcp;
  return 0;
}

/* Activities and problems: the inputs' totals summed into act and pc, and
 * into r the activities returned; the review counts (issue 14) are set
 * when any input carries them (hb_rollup_review.h: an input without them
 * adds its resolved problems as claimed). */
static void merge_totals(const Huibao__V1__Rollup *const *in, size_t n, Huibao__V1__Totals *act,
                         Huibao__V1__ProblemCounts *pc, Huibao__V1__Rollup *r)
{
  hb_totals sum = {0, 0, 0, 0};
  uint64_t v[12] = {0};
  hb_rollup_review rv = {0, 0, 0, 0, 0};
  bool reviewed = false;
  for (size_t i = 0; i < n; i++) {
    hb_totals_add_pb(&sum, in[i]->activities);
    if (in[i]->has_activities_returned) {
      r->has_activities_returned = 1;
      r->activities_returned =
          hb_rollup_add_sat(r->activities_returned, in[i]->activities_returned);
    }
    const Huibao__V1__ProblemCounts *p = in[i]->problems;
    if (!p)
      continue;
    hb_rollup_review pr;
    hb_rollup_review_of_pc(p, &pr);
    hb_rollup_review_add(&rv, &pr);
    reviewed = reviewed || hb_rollup_review_present(p);
    const uint64_t x[12] = {p->total,      p->identified,      p->rectifying,     p->resolved,
                            p->measures,   p->overdue,         p->individual,     p->team,
                            p->source_new, p->source_existing, p->term_immediate, p->term_long};
    for (int j = 0; j < 12; j++)
      v[j] = hb_rollup_add_sat(v[j], x[j]);
  }
  hb_totals_to_pb(&sum, act);
  huibao__v1__problem_counts__init(pc);
  pc->has_total = pc->has_identified = pc->has_rectifying = pc->has_resolved = 1;
  pc->has_measures = pc->has_overdue = pc->has_individual = pc->has_team = 1;
  pc->total = v[0];
  pc->identified = v[1];
  pc->rectifying = v[2];
  pc->resolved = v[3];
  pc->measures = v[4];
  pc->overdue = v[5];
  pc->individual = v[6];
  pc->team = v[7];
  pc->has_source_new = pc->has_source_existing = pc->has_term_immediate = pc->has_term_long = 1;
  pc->source_new = v[8];
  pc->source_existing = v[9];
  pc->term_immediate = v[10];
  pc->term_long = v[11];
  if (reviewed)
    hb_rollup_review_set_pc(pc, &rv);
}

/* Cube: sort every input cell by (type, level, kind, kind_code), sum runs. */
static int merge_cube(const Huibao__V1__Rollup *const *in, size_t n, size_t ncell_in, merge_mem *m,
                      Huibao__V1__Rollup *r)
{
  m->cref = calloc1(ncell_in, sizeof *m->cref);
  m->cells = calloc1(ncell_in, sizeof *m->cells);
  m->cellp = calloc1(ncell_in, sizeof *m->cellp);
  m->cell_tots = calloc1(ncell_in, sizeof *m->cell_tots);
  if (!m->cref || !m->cells || !m->cellp || !m->cell_tots)
    return HB_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_cube; j++, k++) {
      m->cref[k].c = in[i]->cube[j];
      m->cref[k].rank = unit_type_rank(in[i]->cube[j]->unit_type);
    }
  if (ncell_in > 1) /* qsort's array may be NULL when empty */
    qsort(m->cref, ncell_in, sizeof *m->cref, cell_cmp);
  size_t ncell = 0;
  for (size_t i = 0; i < ncell_in;) {
    hb_totals s = {0, 0, 0, 0};
    size_t j = i;
    while (j < ncell_in && cell_cmp(&m->cref[i], &m->cref[j]) == 0)
      hb_totals_add_pb(&s, m->cref[j++].c->totals);
    Huibao__V1__CubeCell *c = &m->cells[ncell];
    huibao__v1__cube_cell__init(c);
    c->unit_type = m->cref[i].c->unit_type;
    c->level = m->cref[i].c->level;
    c->kind = m->cref[i].c->kind;
    c->kind_code = m->cref[i].c->kind_code;
    hb_totals_to_pb(&s, &m->cell_tots[ncell]);
    c->totals = &m->cell_tots[ncell];
    m->cellp[ncell] = c;
    ncell++;
    i = j;
  }
  r->n_cube = ncell;
  r->cube = ncell ? m->cellp : NULL;
  return 0;
}

/* The subcategories of one merged category, from the k input categories
 * of its code (in input order): merged by code in order of first
 * appearance into the slice of m->subs/m->subp that starts at used (the
 * slice holds at most the inputs' subcategories). Returns the new used. */
static size_t merge_subcategories(const cat_ref *g, size_t k, merge_mem *m, size_t used,
                                  Huibao__V1__CategoryCount *out)
{
  Huibao__V1__CategoryCount *s = m->subs + used;
  size_t ns = 0;
  for (size_t i = 0; i < k; i++)
    for (size_t j = 0; j < g[i].c->n_subcategories; j++) {
      const Huibao__V1__CategoryCount *c = g[i].c->subcategories[j];
      size_t x = 0;
      while (x < ns && strcmp(s[x].code, c->code) != 0)
        x++;
      if (x == ns) {
        huibao__v1__category_count__init(&s[x]);
        s[x].code = c->code;
        s[x].has_count = s[x].has_resolved = s[x].has_units = 1;
        m->subp[used + x] = &s[x];
        ns++;
      }
      if (!s[x].name && !str_empty(c->name))
        s[x].name = c->name;
      s[x].count = hb_rollup_add_sat(s[x].count, c->count);
      s[x].resolved = hb_rollup_add_sat(s[x].resolved, c->resolved);
      s[x].units = hb_rollup_add_sat(s[x].units, c->units);
    }
  out->n_subcategories = ns;
  out->subcategories = ns ? m->subp + used : NULL;
  return used + ns;
}

/* Categories: merged by code, in order of first appearance. */
static int merge_categories(const Huibao__V1__Rollup *const *in, size_t n, size_t ncat_in,
                            merge_mem *m, Huibao__V1__Rollup *r)
{
  size_t nsub_in = 0, nsub = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_categories; j++)
      nsub_in += in[i]->categories[j]->n_subcategories;
  m->kref = calloc1(ncat_in, sizeof *m->kref);
  m->cats = calloc1(ncat_in, sizeof *m->cats);
  m->catp = calloc1(ncat_in, sizeof *m->catp);
  m->subs = calloc1(nsub_in, sizeof *m->subs);
  m->subp = calloc1(nsub_in, sizeof *m->subp);
  if (!m->kref || !m->cats || !m->catp || !m->subs || !m->subp)
    return HB_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_categories; j++, k++)
      m->kref[k] = (cat_ref){in[i]->categories[j], k};
  qsort(m->kref, ncat_in, sizeof *m->kref, cat_code_cmp);
  size_t ncat = 0;
  for (size_t i = 0; i < ncat_in;) {
    cat_out *o = &m->cats[ncat++];
    huibao__v1__category_count__init(&o->pb);
    o->pb.code = m->kref[i].c->code;
    o->pb.has_count = o->pb.has_resolved = o->pb.has_units = 1;
    o->order = m->kref[i].order;
    size_t j = i;
    hb_rollup_review rv = {0, 0, 0, 0, 0};
    bool reviewed = false;
    for (; j < ncat_in && strcmp(m->kref[j].c->code, o->pb.code) == 0; j++) {
      const Huibao__V1__CategoryCount *c = m->kref[j].c;
      if (!o->pb.name && !str_empty(c->name))
        o->pb.name = c->name;
      o->pb.count = hb_rollup_add_sat(o->pb.count, c->count);
      o->pb.resolved = hb_rollup_add_sat(o->pb.resolved, c->resolved);
      o->pb.units = hb_rollup_add_sat(o->pb.units, c->units);
      hb_rollup_review x;
      hb_rollup_review_of_cat(c, &x);
      hb_rollup_review_add(&rv, &x);
      reviewed = reviewed || c->has_confirmed;
    }
    if (reviewed)
      hb_rollup_review_set_cat(&o->pb, &rv);
    nsub = merge_subcategories(m->kref + i, j - i, m, nsub, &o->pb);
    i = j;
  }
  qsort(m->cats, ncat, sizeof *m->cats, cat_order_cmp);
  for (size_t i = 0; i < ncat; i++)
    m->catp[i] = &m->cats[i].pb;
  r->n_categories = ncat;
  r->categories = ncat ? m->catp : NULL;
  return 0;
}

/* Declared kinds: the union by code, in the first input's file order, then
 * each later input's new codes; the first name seen wins. */
static int merge_kinds(const Huibao__V1__Rollup *const *in, size_t n, merge_mem *m,
                       Huibao__V1__Rollup *r)
{
  size_t total = 0, nk = 0;
  for (size_t i = 0; i < n; i++)
    total += in[i]->n_kinds;
  m->kindp = calloc1(total, sizeof *m->kindp);
  if (!m->kindp)
    return HB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_kinds; j++) {
      Huibao__V1__KindName *k = in[i]->kinds[j];
      size_t x = 0;
      while (x < nk && strcmp(m->kindp[x]->code, k->code) != 0)
        x++;
      if (x == nk)
        m->kindp[nk++] = k; /* borrowed: packed into the result as it is */
      else if (str_empty(m->kindp[x]->name) && !str_empty(k->name))
        m->kindp[x] = k;
    }
  r->n_kinds = nk;
  r->kinds = nk ? m->kindp : NULL;
  return 0;
}

/* Indicators: summed by code (value and records), in the first input's
 * order, then each later input's new codes; name, unit and places come from
 * the first input that has them. */
static int merge_indicators(const Huibao__V1__Rollup *const *in, size_t n, merge_mem *m,
                            Huibao__V1__Rollup *r)
{
  size_t total = 0, ni = 0;
  for (size_t i = 0; i < n; i++)
    total += in[i]->n_indicators;
  m->inds = calloc1(total, sizeof *m->inds);
  m->indp = calloc1(total, sizeof *m->indp);
  if (!m->inds || !m->indp)
    return HB_ENOMEM;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_indicators; j++) {
      const Huibao__V1__IndicatorSum *s = in[i]->indicators[j];
      Huibao__V1__IndicatorSum *o = m->inds;
      size_t x = 0;
      while (x < ni && strcmp(o[x].code, s->code) != 0)
        x++;
      if (x == ni) {
        huibao__v1__indicator_sum__init(&o[x]);
        o[x].code = s->code;
        o[x].has_value = o[x].has_records = 1;
        m->indp[ni++] = &o[x];
      }
      if (str_empty(o[x].name) && !str_empty(s->name))
        o[x].name = s->name;
      if (str_empty(o[x].unit) && !str_empty(s->unit))
        o[x].unit = s->unit;
      if (!o[x].has_places && s->has_places) {
        o[x].has_places = 1;
        o[x].places = s->places;
      }
      /* values are bounded per record (HB_INDICATOR_VALUE_MAX); saturate anyway */
      if (s->value > 0 && o[x].value > INT64_MAX - s->value)
        o[x].value = INT64_MAX;
      else if (s->value < 0 && o[x].value < INT64_MIN - s->value)
        o[x].value = INT64_MIN;
      else
        o[x].value += s->value;
      o[x].records = hb_rollup_add_sat(o[x].records, s->records);
    }
  r->n_indicators = ni;
  r->indicators = ni ? m->indp : NULL;
  return 0;
}

/* Cases: the inputs' counts summed into *c; absent when no input has any. */
static void merge_cases(const Huibao__V1__Rollup *const *in, size_t n, Huibao__V1__CaseCounts *c,
                        Huibao__V1__Rollup *r)
{
  huibao__v1__case_counts__init(c);
  c->has_total = c->has_typical = c->has_practice = c->has_group = c->has_person = 1;
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    const Huibao__V1__CaseCounts *x = in[i]->cases;
    if (!x)
      continue;
    any = true;
    c->total = hb_rollup_add_sat(c->total, x->total);
    c->typical = hb_rollup_add_sat(c->typical, x->typical);
    c->practice = hb_rollup_add_sat(c->practice, x->practice);
    c->group = hb_rollup_add_sat(c->group, x->group);
    c->person = hb_rollup_add_sat(c->person, x->person);
  }
  r->cases = any ? c : NULL;
}

/* Stages: a campaign's stages come from its campaigns.ini, the same file
 * in every county of a well-run city, so the first input that has stages
 * gives them. Counties whose files disagree are not reconciled: the first
 * input's stages are kept (its order is the city's configured order). */
static void merge_stages(const Huibao__V1__Rollup *const *in, size_t n, Huibao__V1__Rollup *r)
{
  for (size_t i = 0; i < n; i++)
    if (in[i]->n_stages) {
      r->n_stages = in[i]->n_stages;
      r->stages = in[i]->stages;
      return;
    }
}

/* Units: concatenated, each keeping (or given) its county. */
static int merge_units(const Huibao__V1__Rollup *const *in, size_t n, size_t nunit, merge_mem *m,
                       Huibao__V1__Rollup *r)
{
  m->rows = calloc1(nunit, sizeof *m->rows);
  m->rowp = calloc1(nunit, sizeof *m->rowp);
  if (!m->rows || !m->rowp)
    return HB_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_units; j++, k++) {
      m->rows[k] = *in[i]->units[j];
      if (str_empty(m->rows[k].county))
        m->rows[k].county = in[i]->source;
      m->rowp[k] = &m->rows[k];
    }
  r->n_units = nunit;
  r->units = nunit ? m->rowp : NULL;
  return 0;
}

/* The merged rollup is assembled from borrowed pointers into the inputs and
 * arrays of merge_mem, then copied (hb_pbcopy: the tree packing and
 * unpacking it gave, a third of the instructions): the result is one
 * protobuf-c tree that the caller frees with protobuf_c_message_free_unpacked. */
int hb_rollup_merge(const Huibao__V1__Rollup *const *in, size_t n, const bool *stale,
                    const char *source, const char *source_name, int64_t as_of_ms,
                    Huibao__V1__Rollup **out)
{
  *out = NULL;
  if (n == 0 || !in || str_empty(source))
    return HB_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!in[i] || !in[i]->campaign || strcmp(in[i]->campaign, in[0]->campaign) != 0)
      return HB_EINVAL;

  size_t nsrc = 0, ncell_in = 0, ncat_in = 0, nunit = 0;
  for (size_t i = 0; i < n; i++) {
    nsrc += in[i]->n_sources ? in[i]->n_sources : 1;
    ncell_in += in[i]->n_cube;
    ncat_in += in[i]->n_categories;
    nunit += in[i]->n_units;
  }

  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = (char *)source;
  r.source_name = (char *)source_name;
  r.campaign = in[0]->campaign;
  r.as_of_ms = as_of_ms;
  r.epoch = hb_rollup_epoch(in, n);
  r.has_epoch = r.epoch != 0;
  merge_header(in, n, &r);
  Huibao__V1__Totals act_pb;
  Huibao__V1__ProblemCounts pc_pb;
  merge_totals(in, n, &act_pb, &pc_pb, &r);
  r.activities = &act_pb;
  r.problems = &pc_pb;

  merge_mem m;
  memset(&m, 0, sizeof m);
  int rc = merge_sources(in, n, stale, nsrc, &m, &r);
  if (rc == 0)
    rc = merge_cube(in, n, ncell_in, &m, &r);
  if (rc == 0)
    rc = merge_categories(in, n, ncat_in, &m, &r);
  if (rc == 0)
    rc = merge_units(in, n, nunit, &m, &r);
  if (rc == 0)
    rc = merge_kinds(in, n, &m, &r);
  if (rc == 0)
    rc = merge_indicators(in, n, &m, &r);
  Huibao__V1__CaseCounts cases_pb;
  merge_cases(in, n, &cases_pb, &r);
  merge_stages(in, n, &r);
  hb_periods_mem pm;
  memset(&pm, 0, sizeof pm);
  if (rc == 0)
    rc = hb_rollup_merge_periods(in, n, &pm, &r);
  if (rc == 0) {
    *out = (Huibao__V1__Rollup *)hb_pbcopy(&r.base);
    rc = *out ? 0 : HB_ENOMEM;
  }
  merge_mem_free(&m);
  hb_periods_mem_free(&pm);
  return rc;
}
