/* hb_rollup_merge.c: the city's Rollup of one campaign, merged from its
 * counties' (a province's from its cities', the same way). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_vocab.h"

static uint64_t add_sat(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

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
} cell_ref;

static int cell_cmp(const void *x, const void *y)
{
  const Huibao__V1__CubeCell *a = ((const cell_ref *)x)->c, *b = ((const cell_ref *)y)->c;
  int ra = unit_type_rank(a->unit_type), rb = unit_type_rank(b->unit_type);
  if (ra != rb)
    return ra < rb ? -1 : 1;
  int c = strcmp(a->unit_type ? a->unit_type : "", b->unit_type ? b->unit_type : "");
  if (c)
    return c;
  if (a->level != b->level)
    return a->level < b->level ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  return 0;
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
  Huibao__V1__UnitRow *rows;
  Huibao__V1__UnitRow **rowp;
  uint8_t *buf;
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
  free(m->rows);
  free(m->rowp);
  free(m->buf);
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
    r->seq = add_sat(r->seq, in[i]->seq);
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
      m->srcp[k] = s;
      k++;
      continue;
    }
    for (size_t j = 0; j < in[i]->n_sources; j++) {
      Huibao__V1__Source *s = &m->src[k];
      *s = *in[i]->sources[j];
      s->has_stale = 1;
      s->stale = s->stale || st;
      m->srcp[k] = s;
      k++;
    }
  }
  r->n_sources = nsrc;
  r->sources = m->srcp;
  return 0;
}

/* Activities and problems: the inputs' totals summed into act and pc. */
static void merge_totals(const Huibao__V1__Rollup *const *in, size_t n, Huibao__V1__Totals *act,
                         Huibao__V1__ProblemCounts *pc)
{
  hb_totals sum = {0, 0, 0, 0};
  uint64_t v[8] = {0};
  for (size_t i = 0; i < n; i++) {
    hb_totals_add_pb(&sum, in[i]->activities);
    const Huibao__V1__ProblemCounts *p = in[i]->problems;
    if (!p)
      continue;
    const uint64_t x[8] = {p->total,    p->identified, p->rectifying, p->resolved,
                           p->measures, p->overdue,    p->individual, p->team};
    for (int j = 0; j < 8; j++)
      v[j] = add_sat(v[j], x[j]);
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
}

/* Cube: sort every input cell by (type, level, kind), sum runs. */
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
    for (size_t j = 0; j < in[i]->n_cube; j++)
      m->cref[k++].c = in[i]->cube[j];
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

/* Categories: merged by code, in order of first appearance. */
static int merge_categories(const Huibao__V1__Rollup *const *in, size_t n, size_t ncat_in,
                            merge_mem *m, Huibao__V1__Rollup *r)
{
  m->kref = calloc1(ncat_in, sizeof *m->kref);
  m->cats = calloc1(ncat_in, sizeof *m->cats);
  m->catp = calloc1(ncat_in, sizeof *m->catp);
  if (!m->kref || !m->cats || !m->catp)
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
    for (; j < ncat_in && strcmp(m->kref[j].c->code, o->pb.code) == 0; j++) {
      const Huibao__V1__CategoryCount *c = m->kref[j].c;
      if (!o->pb.name && !str_empty(c->name))
        o->pb.name = c->name;
      o->pb.count = add_sat(o->pb.count, c->count);
      o->pb.resolved = add_sat(o->pb.resolved, c->resolved);
      o->pb.units = add_sat(o->pb.units, c->units);
    }
    i = j;
  }
  qsort(m->cats, ncat, sizeof *m->cats, cat_order_cmp);
  for (size_t i = 0; i < ncat; i++)
    m->catp[i] = &m->cats[i].pb;
  r->n_categories = ncat;
  r->categories = ncat ? m->catp : NULL;
  return 0;
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
 * arrays of merge_mem, packed, and unpacked again: the result is one
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
  merge_totals(in, n, &act_pb, &pc_pb);
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
  if (rc == 0) {
    size_t sz = huibao__v1__rollup__get_packed_size(&r);
    m.buf = malloc(sz ? sz : 1);
    if (m.buf) {
      size_t len = huibao__v1__rollup__pack(&r, m.buf);
      *out = huibao__v1__rollup__unpack(NULL, len, m.buf);
    }
    rc = *out ? 0 : HB_ENOMEM;
  }
  merge_mem_free(&m);
  return rc;
}
