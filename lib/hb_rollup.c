/* hb_rollup.c: merging Rollups (county -> city), decoding them from the
 * network, and their two views: JSON (a contract with the tests, see
 * docs/protocol.md) and a Chinese table for terminals.
 *
 * hb_rollup_build (a county's Rollup from its aggregates) is in
 * hb_rollup_build.c. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_text.h"
#include "hb_vocab.h"
#include "hb_wire.h"

/* ------------------------------------------------------------------ small helpers */

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

typedef struct tot {
  uint64_t records, sessions, participants, outputs;
} tot;

static void tot_add(tot *s, const Huibao__V1__Totals *t)
{
  if (!t)
    return;
  s->records = add_sat(s->records, t->records);
  s->sessions = add_sat(s->sessions, t->sessions);
  s->participants = add_sat(s->participants, t->participants);
  s->outputs = add_sat(s->outputs, t->outputs);
}

static void tot_set(Huibao__V1__Totals *pb, const tot *s)
{
  huibao__v1__totals__init(pb);
  pb->has_records = pb->has_sessions = pb->has_participants = pb->has_outputs = 1;
  pb->records = s->records;
  pb->sessions = s->sessions;
  pb->participants = s->participants;
  pb->outputs = s->outputs;
}

/* ------------------------------------------------------------------ merge */

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

/* The merged rollup is assembled from borrowed pointers into the inputs and
 * arrays of this function, packed, and unpacked again: the result is one
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

  merge_mem m;
  memset(&m, 0, sizeof m);
  int rc = HB_ENOMEM;
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
  uint32_t hb_max = 0;
  int32_t today = 0;
  for (size_t i = 0; i < n; i++) {
    if (!r.campaign_name && !str_empty(in[i]->campaign_name))
      r.campaign_name = in[i]->campaign_name;
    r.seq = add_sat(r.seq, in[i]->seq);
    if (in[i]->has_heartbeat_ms && in[i]->heartbeat_ms > hb_max)
      hb_max = in[i]->heartbeat_ms;
    if (in[i]->has_today && in[i]->today > today)
      today = in[i]->today;
  }
  if (hb_max) {
    r.has_heartbeat_ms = 1;
    r.heartbeat_ms = hb_max;
  }
  if (today) {
    r.has_today = 1;
    r.today = today;
  }

  /* sources */
  m.src = calloc1(nsrc, sizeof *m.src);
  m.srcp = calloc1(nsrc, sizeof *m.srcp);
  if (!m.src || !m.srcp)
    goto out;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    bool st = stale && stale[i];
    if (in[i]->n_sources == 0) {
      Huibao__V1__Source *s = &m.src[k];
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
      m.srcp[k] = s;
      k++;
      continue;
    }
    for (size_t j = 0; j < in[i]->n_sources; j++) {
      Huibao__V1__Source *s = &m.src[k];
      *s = *in[i]->sources[j];
      s->has_stale = 1;
      s->stale = s->stale || st;
      m.srcp[k] = s;
      k++;
    }
  }
  r.n_sources = nsrc;
  r.sources = m.srcp;

  /* activities and problems */
  tot act = {0, 0, 0, 0};
  uint64_t pc[8] = {0};
  for (size_t i = 0; i < n; i++) {
    tot_add(&act, in[i]->activities);
    const Huibao__V1__ProblemCounts *p = in[i]->problems;
    if (!p)
      continue;
    const uint64_t v[8] = {p->total,    p->identified, p->rectifying, p->resolved,
                           p->measures, p->overdue,    p->individual, p->team};
    for (int j = 0; j < 8; j++)
      pc[j] = add_sat(pc[j], v[j]);
  }
  Huibao__V1__Totals act_pb;
  tot_set(&act_pb, &act);
  r.activities = &act_pb;
  Huibao__V1__ProblemCounts pc_pb = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  pc_pb.has_total = pc_pb.has_identified = pc_pb.has_rectifying = pc_pb.has_resolved = 1;
  pc_pb.has_measures = pc_pb.has_overdue = pc_pb.has_individual = pc_pb.has_team = 1;
  pc_pb.total = pc[0];
  pc_pb.identified = pc[1];
  pc_pb.rectifying = pc[2];
  pc_pb.resolved = pc[3];
  pc_pb.measures = pc[4];
  pc_pb.overdue = pc[5];
  pc_pb.individual = pc[6];
  pc_pb.team = pc[7];
  r.problems = &pc_pb;

  /* cube: sort every input cell by (type, level, kind), sum runs */
  m.cref = calloc1(ncell_in, sizeof *m.cref);
  m.cells = calloc1(ncell_in, sizeof *m.cells);
  m.cellp = calloc1(ncell_in, sizeof *m.cellp);
  m.cell_tots = calloc1(ncell_in, sizeof *m.cell_tots);
  if (!m.cref || !m.cells || !m.cellp || !m.cell_tots)
    goto out;
  k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_cube; j++)
      m.cref[k++].c = in[i]->cube[j];
  qsort(m.cref, ncell_in, sizeof *m.cref, cell_cmp);
  size_t ncell = 0;
  for (size_t i = 0; i < ncell_in;) {
    tot s = {0, 0, 0, 0};
    size_t j = i;
    while (j < ncell_in && cell_cmp(&m.cref[i], &m.cref[j]) == 0)
      tot_add(&s, m.cref[j++].c->totals);
    Huibao__V1__CubeCell *c = &m.cells[ncell];
    huibao__v1__cube_cell__init(c);
    c->unit_type = m.cref[i].c->unit_type;
    c->level = m.cref[i].c->level;
    c->kind = m.cref[i].c->kind;
    tot_set(&m.cell_tots[ncell], &s);
    c->totals = &m.cell_tots[ncell];
    m.cellp[ncell] = c;
    ncell++;
    i = j;
  }
  r.n_cube = ncell;
  r.cube = ncell ? m.cellp : NULL;

  /* categories: merged by code, in order of first appearance */
  m.kref = calloc1(ncat_in, sizeof *m.kref);
  m.cats = calloc1(ncat_in, sizeof *m.cats);
  m.catp = calloc1(ncat_in, sizeof *m.catp);
  if (!m.kref || !m.cats || !m.catp)
    goto out;
  k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_categories; j++, k++)
      m.kref[k] = (cat_ref){in[i]->categories[j], k};
  qsort(m.kref, ncat_in, sizeof *m.kref, cat_code_cmp);
  size_t ncat = 0;
  for (size_t i = 0; i < ncat_in;) {
    cat_out *o = &m.cats[ncat++];
    huibao__v1__category_count__init(&o->pb);
    o->pb.code = m.kref[i].c->code;
    o->pb.has_count = o->pb.has_resolved = o->pb.has_units = 1;
    o->order = m.kref[i].order;
    size_t j = i;
    for (; j < ncat_in && strcmp(m.kref[j].c->code, o->pb.code) == 0; j++) {
      const Huibao__V1__CategoryCount *c = m.kref[j].c;
      if (!o->pb.name && !str_empty(c->name))
        o->pb.name = c->name;
      o->pb.count = add_sat(o->pb.count, c->count);
      o->pb.resolved = add_sat(o->pb.resolved, c->resolved);
      o->pb.units = add_sat(o->pb.units, c->units);
    }
    i = j;
  }
  qsort(m.cats, ncat, sizeof *m.cats, cat_order_cmp);
  for (size_t i = 0; i < ncat; i++)
    m.catp[i] = &m.cats[i].pb;
  r.n_categories = ncat;
  r.categories = ncat ? m.catp : NULL;

  /* units: concatenated, each keeping (or given) its county */
  m.rows = calloc1(nunit, sizeof *m.rows);
  m.rowp = calloc1(nunit, sizeof *m.rowp);
  if (!m.rows || !m.rowp)
    goto out;
  k = 0;
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < in[i]->n_units; j++, k++) {
      m.rows[k] = *in[i]->units[j];
      if (str_empty(m.rows[k].county))
        m.rows[k].county = in[i]->source;
      m.rowp[k] = &m.rows[k];
    }
  r.n_units = nunit;
  r.units = nunit ? m.rowp : NULL;

  size_t sz = huibao__v1__rollup__get_packed_size(&r);
  m.buf = malloc(sz ? sz : 1);
  if (!m.buf)
    goto out;
  size_t len = huibao__v1__rollup__pack(&r, m.buf);
  *out = huibao__v1__rollup__unpack(NULL, len, m.buf);
  rc = *out ? 0 : HB_ENOMEM;
out:
  merge_mem_free(&m);
  return rc;
}

/* ------------------------------------------------------------------ unpack */

static bool str_ok(const char *s)
{
  return hb_utf8_valid(s, strlen(s));
}

/* Walks a message by its descriptor: every enum value must be one the
 * descriptor knows, every string valid UTF-8, recursively. */
static bool message_ok(const ProtobufCMessage *m, int depth)
{
  if (depth > 16)
    return false;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const char *base = (const char *)m;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_ENUM && f->type != PROTOBUF_C_TYPE_STRING &&
        f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    size_t cnt = 1;
    const char *p = base + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      cnt = *(const size_t *)(base + f->quantifier_offset);
      p = *(const char *const *)p;
      if (cnt && !p)
        return false;
    } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
        continue;
    } else if (f->type == PROTOBUF_C_TYPE_ENUM && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
               f->quantifier_offset) {
      if (!*(const protobuf_c_boolean *)(base + f->quantifier_offset))
        continue;
    }
    for (size_t j = 0; j < cnt; j++) {
      if (f->type == PROTOBUF_C_TYPE_ENUM) {
        int v = ((const int *)p)[j];
        if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
          return false;
      } else if (f->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = ((const char *const *)p)[j];
        if (s && !str_ok(s))
          return false;
      } else {
        const ProtobufCMessage *sub = ((const ProtobufCMessage *const *)p)[j];
        if (sub && !message_ok(sub, depth + 1))
          return false;
      }
    }
  }
  return true;
}

int hb_rollup_unpack(const uint8_t *buf, size_t len, Huibao__V1__Rollup **out)
{
  *out = NULL;
  if (len > HB_WIRE_MAX_ROLLUP)
    return HB_ETOOBIG;
  Huibao__V1__Rollup *r = huibao__v1__rollup__unpack(NULL, len, buf);
  if (!r)
    return HB_EPROTO;
  if (!protobuf_c_message_check(&r->base) || !message_ok(&r->base, 0) || !*r->source ||
      !*r->campaign) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return HB_EPROTO;
  }
  *out = r;
  return 0;
}

/* ------------------------------------------------------------------ JSON */

static json_t *jint(uint64_t v)
{
  return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *jstr(const char *s)
{
  return s ? json_string(s) : json_null();
}

static json_t *jiso(int64_t ms)
{
  char buf[40];
  hb_time_format_iso(ms, buf, sizeof buf);
  return json_string(buf);
}

static json_t *jtot(const tot *t)
{
  return json_pack("{s:o, s:o, s:o, s:o}", "records", jint(t->records), "sessions",
                   jint(t->sessions), "participants", jint(t->participants), "outputs",
                   jint(t->outputs));
}

static json_t *jtot_pb(const Huibao__V1__Totals *pb)
{
  tot t = {0, 0, 0, 0};
  tot_add(&t, pb);
  return jtot(&t);
}

static double ratio(uint64_t a, uint64_t b)
{
  return b ? (double)a / (double)b : 0.0;
}

static json_t *json_counties(const Huibao__V1__Rollup *r)
{
  json_t *a = json_array();
  if (!a)
    return NULL;
  if (r->n_sources == 0) {
    json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:b}", "code", r->source, "name",
                                       jstr(r->source_name), "seq", jint(r->seq), "as_of",
                                       jiso(r->as_of_ms), "stale", 0));
    return a;
  }
  for (size_t i = 0; i < r->n_sources; i++) {
    const Huibao__V1__Source *s = r->sources[i];
    json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:b}", "code", s->code, "name",
                                       jstr(s->name), "seq", jint(s->seq), "as_of",
                                       jiso(s->as_of_ms), "stale", s->stale ? 1 : 0));
  }
  return a;
}

static json_t *json_coverage(const Huibao__V1__Rollup *r)
{
  uint64_t expected = 0, reported = 0;
  json_t *missing = json_array();
  if (!missing)
    return NULL;
  for (size_t i = 0; i < r->n_units; i++) {
    const Huibao__V1__UnitRow *u = r->units[i];
    if (u->records > 0)
      reported++;
    if (u->expected) {
      expected++;
      if (u->records == 0)
        json_array_append_new(missing, json_string(u->code));
    }
  }
  return json_pack("{s:o, s:o, s:o}", "expected", jint(expected), "reported", jint(reported),
                   "missing", missing);
}

typedef struct cube_view {
  const Huibao__V1__CubeCell *c;
  const char *type, *level, *kind;
} cube_view;

static int cube_view_cmp(const void *x, const void *y)
{
  const cube_view *a = x, *b = y;
  int c = strcmp(a->type, b->type);
  if (!c)
    c = strcmp(a->level, b->level);
  if (!c)
    c = strcmp(a->kind, b->kind);
  return c;
}

static json_t *json_activities(const Huibao__V1__Rollup *r)
{
  tot by_kind[HB_KIND_MAX + 1];
  memset(by_kind, 0, sizeof by_kind);
  cube_view *v = calloc1(r->n_cube, sizeof *v);
  json_t *bk = json_object(), *cube = json_array();
  if (!v || !bk || !cube) {
    free(v);
    json_decref(bk);
    json_decref(cube);
    return NULL;
  }
  for (size_t i = 0; i < r->n_cube; i++) {
    const Huibao__V1__CubeCell *c = r->cube[i];
    if (c->kind >= 1 && c->kind <= HB_KIND_MAX)
      tot_add(&by_kind[c->kind], c->totals);
    v[i] = (cube_view){c, c->unit_type ? c->unit_type : "", hb_vocab_level_code(c->level),
                       hb_vocab_kind_code(c->kind)};
  }
  for (int k = 1; k <= HB_KIND_MAX; k++)
    if (by_kind[k].records)
      json_object_set_new(bk, hb_vocab_kind_code(k), jtot(&by_kind[k]));
  qsort(v, r->n_cube, sizeof *v, cube_view_cmp);
  for (size_t i = 0; i < r->n_cube; i++) {
    tot t = {0, 0, 0, 0};
    tot_add(&t, v[i].c->totals);
    json_array_append_new(cube,
                          json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "unit_type", v[i].type,
                                    "level", v[i].level, "kind", v[i].kind, "records",
                                    jint(t.records), "sessions", jint(t.sessions), "participants",
                                    jint(t.participants), "outputs", jint(t.outputs)));
  }
  free(v);
  return json_pack("{s:o, s:o, s:o}", "total", jtot_pb(r->activities), "by_kind", bk, "cube", cube);
}

static json_t *json_problems(const Huibao__V1__Rollup *r)
{
  static const Huibao__V1__ProblemCounts zero = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  const Huibao__V1__ProblemCounts *p = r->problems ? r->problems : &zero;
  json_t *cats = json_object();
  if (!cats)
    return NULL;
  for (size_t i = 0; i < r->n_categories; i++) {
    const Huibao__V1__CategoryCount *c = r->categories[i];
    json_object_set_new(cats, c->code,
                        json_pack("{s:o, s:o, s:f, s:o, s:o}", "name", jstr(c->name), "count",
                                  jint(c->count), "share", ratio(c->count, p->total), "units",
                                  jint(c->units), "resolved", jint(c->resolved)));
  }
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:{s:o, s:o}, s:o}", "total",
                   jint(p->total), "identified", jint(p->identified), "rectifying",
                   jint(p->rectifying), "resolved", jint(p->resolved), "measures",
                   jint(p->measures), "overdue", jint(p->overdue), "resolution_rate",
                   ratio(p->resolved, p->total), "by_scope", "individual", jint(p->individual),
                   "team", jint(p->team), "by_category", cats);
}

static json_t *json_unit(const Huibao__V1__UnitRow *u)
{
  static const Huibao__V1__ProblemCounts zero = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  const Huibao__V1__ProblemCounts *p = u->problems ? u->problems : &zero;
  return json_pack("{s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o}}", "code",
                   u->code, "name", jstr(u->name), "type", jstr(u->type), "county", jstr(u->county),
                   "last_sync", u->last_sync ? jiso(u->last_sync * 1000) : json_null(), "expected",
                   u->expected ? 1 : 0, "records", jint(u->records), "activities",
                   jtot_pb(u->activities), "problems", "total", jint(p->total), "resolved",
                   jint(p->resolved), "rectifying", jint(p->rectifying), "identified",
                   jint(p->identified), "overdue", jint(p->overdue));
}

json_t *hb_rollup_to_json(const Huibao__V1__Rollup *r)
{
  json_t *units = json_array();
  if (!units)
    return NULL;
  for (size_t i = 0; i < r->n_units; i++) {
    json_t *u = json_unit(r->units[i]);
    if (!u || json_array_append_new(units, u) != 0) {
      json_decref(units);
      return NULL;
    }
  }
  char today[16] = "";
  if (r->has_today && r->today)
    hb_date_format(r->today, today, sizeof today);
  return json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "campaign",
                   r->campaign, "campaign_name", jstr(r->campaign_name), "source", r->source,
                   "as_of", jiso(r->as_of_ms), "seq", jint(r->seq), "today",
                   today[0] ? json_string(today) : json_null(), "counties", json_counties(r),
                   "coverage", json_coverage(r), "activities", json_activities(r), "problems",
                   json_problems(r), "units", units);
}

/* ------------------------------------------------------------------ table */

/* A table of text cells whose columns are aligned by display width (CJK
 * characters take two columns). Cells are sanitised copies: control
 * characters from the network never reach the terminal. */
#define TBL_MAXCOL 14
#define TBL_CELL 96

typedef struct tbl {
  size_t ncols, nrows, cap;
  char (*cells)[TBL_MAXCOL][TBL_CELL];
  bool right[TBL_MAXCOL];
  bool failed;
} tbl;

static void tbl_init(tbl *t, const char *align)
{
  memset(t, 0, sizeof *t);
  t->ncols = strlen(align) < TBL_MAXCOL ? strlen(align) : TBL_MAXCOL;
  for (size_t i = 0; i < t->ncols; i++)
    t->right[i] = align[i] == 'r';
}

static void tbl_free(tbl *t)
{
  free(t->cells);
  t->cells = NULL;
}

/* Adds a row of ncols cells; NULL cells print empty. */
static void tbl_row(tbl *t, const char *const *cells)
{
  if (t->failed)
    return;
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    void *p = realloc(t->cells, cap * sizeof *t->cells);
    if (!p) {
      t->failed = true;
      return;
    }
    t->cells = p;
    t->cap = cap;
  }
  for (size_t i = 0; i < t->ncols; i++)
    hb_text_excerpt(cells[i] ? cells[i] : "", TBL_CELL - 8, t->cells[t->nrows][i], TBL_CELL);
  t->nrows++;
}

static void pad(FILE *f, size_t n)
{
  while (n--)
    fputc(' ', f);
}

static void tbl_print(const tbl *t, FILE *f, const char *indent)
{
  size_t w[TBL_MAXCOL] = {0};
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++) {
      size_t cw = hb_utf8_width(t->cells[r][c]);
      if (cw > w[c])
        w[c] = cw;
    }
  for (size_t r = 0; r < t->nrows; r++) {
    size_t last = t->ncols;
    while (last > 1 && !t->cells[r][last - 1][0])
      last--;
    fputs(indent, f);
    for (size_t c = 0; c < last; c++) {
      const char *s = t->cells[r][c];
      size_t gap = w[c] - hb_utf8_width(s);
      if (c)
        fputs("  ", f);
      if (t->right[c])
        pad(f, gap);
      fputs(s, f);
      if (!t->right[c] && c + 1 < last)
        pad(f, gap);
    }
    fputc('\n', f);
  }
}

static const char *u64s(char *buf, uint64_t v)
{
  snprintf(buf, 24, "%" PRIu64, v);
  return buf;
}

static const char *pct(char *buf, uint64_t a, uint64_t b)
{
  snprintf(buf, 24, "%.2f%%", ratio(a, b) * 100.0);
  return buf;
}

static const char *type_zh(const char *type)
{
  switch (type ? hb_vocab_unit_type(type) : 0) {
  case HB_UNIT_COUNTY: return "县级";
  case HB_UNIT_TOWNSHIP: return "乡级";
  case HB_UNIT_DEPARTMENT: return "部门";
  default: return "其他";
  }
}

static const char *safe(const char *s, char *buf, size_t len)
{
  hb_text_excerpt(s ? s : "", 80, buf, len);
  return buf;
}

static void write_header(const Huibao__V1__Rollup *r, FILE *f)
{
  char a[128], b[128], iso[40];
  hb_time_format_iso(r->as_of_ms, iso, sizeof iso);
  fprintf(f, "专项 %s  %s\n", safe(r->campaign_name, a, sizeof a), safe(r->campaign, b, sizeof b));
  fprintf(f, "截至 %s  (seq %" PRIu64 ")\n", iso, r->seq);
  fputs("县区", f);
  if (r->n_sources == 0)
    fprintf(f, " %s %s", safe(r->source_name, a, sizeof a), safe(r->source, b, sizeof b));
  for (size_t i = 0; i < r->n_sources; i++) {
    const Huibao__V1__Source *s = r->sources[i];
    fprintf(f, "%s%s%s%s%s", i ? "；" : " ", s->name ? safe(s->name, a, sizeof a) : "",
            s->name ? " " : "", safe(s->code, b, sizeof b), s->stale ? " [失联 stale]" : "");
  }
  fputc('\n', f);
  uint64_t expected = 0, reported = 0, missing = 0;
  for (size_t i = 0; i < r->n_units; i++) {
    if (r->units[i]->records > 0)
      reported++;
    if (r->units[i]->expected) {
      expected++;
      missing += r->units[i]->records == 0;
    }
  }
  fprintf(f, "覆盖 已报 %" PRIu64 " / 应报 %" PRIu64 " 家单位", reported, expected);
  if (missing) {
    fputs("；未报：", f);
    size_t shown = 0;
    for (size_t i = 0; i < r->n_units; i++) {
      const Huibao__V1__UnitRow *u = r->units[i];
      if (!u->expected || u->records != 0)
        continue;
      if (shown == 30) {
        fprintf(f, " 等 %" PRIu64 " 家", missing);
        break;
      }
      fprintf(f, "%s%s", shown ? "、" : "", safe(u->name ? u->name : u->code, a, sizeof a));
      shown++;
    }
  }
  fputc('\n', f);
}

static void write_activities(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  char n[4][24];
  tot by_kind[HB_KIND_MAX + 1], all = {0, 0, 0, 0};
  memset(by_kind, 0, sizeof by_kind);
  tot_add(&all, r->activities);
  for (size_t i = 0; i < r->n_cube; i++)
    if (r->cube[i]->kind >= 1 && r->cube[i]->kind <= HB_KIND_MAX)
      tot_add(&by_kind[r->cube[i]->kind], r->cube[i]->totals);
  fputs("\n活动 activities\n", f);
  tbl_init(t, "llrrrr");
  tbl_row(t, (const char *[]){"类型", "kind", "记录", "次数", "参加人次", "成果"});
  tbl_row(t, (const char *[]){"合计", "total", u64s(n[0], all.records), u64s(n[1], all.sessions),
                              u64s(n[2], all.participants), u64s(n[3], all.outputs)});
  for (int k = 1; k <= HB_KIND_MAX; k++)
    if (by_kind[k].records)
      tbl_row(t, (const char *[]){hb_vocab_kind_zh(k), hb_vocab_kind_code(k),
                                  u64s(n[0], by_kind[k].records), u64s(n[1], by_kind[k].sessions),
                                  u64s(n[2], by_kind[k].participants),
                                  u64s(n[3], by_kind[k].outputs)});
  if (r->n_cube)
    tbl_row(t, (const char *[]){"分层", "cube", "", "", "", ""});
  for (size_t i = 0; i < r->n_cube; i++) {
    const Huibao__V1__CubeCell *c = r->cube[i];
    tot s = {0, 0, 0, 0};
    tot_add(&s, c->totals);
    char label[96], code[96];
    snprintf(label, sizeof label, "%s%s%s", type_zh(c->unit_type), hb_vocab_level_zh(c->level),
             hb_vocab_kind_zh(c->kind));
    snprintf(code, sizeof code, "%s/%s/%s", c->unit_type ? c->unit_type : "?",
             hb_vocab_level_code(c->level), hb_vocab_kind_code(c->kind));
    tbl_row(t, (const char *[]){label, code, u64s(n[0], s.records), u64s(n[1], s.sessions),
                                u64s(n[2], s.participants), u64s(n[3], s.outputs)});
  }
  tbl_print(t, f, "  ");
  tbl_free(t);
}

static void write_problems(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  static const Huibao__V1__ProblemCounts zero = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  const Huibao__V1__ProblemCounts *p = r->problems ? r->problems : &zero;
  char n[6][24];
  fputs("\n问题 problems\n", f);
  fprintf(f,
          "  查摆问题 %" PRIu64 " 个：已查摆 %" PRIu64 "，整改中 %" PRIu64 "，已整改 %" PRIu64
          "；整改措施 %" PRIu64 " 条\n",
          p->total, p->identified, p->rectifying, p->resolved, p->measures);
  fprintf(f, "  整改率 %s；逾期 %" PRIu64 " 个；个人 %" PRIu64 "，班子 %" PRIu64 "\n",
          pct(n[0], p->resolved, p->total), p->overdue, p->individual, p->team);
  if (r->n_categories == 0)
    return;
  tbl_init(t, "llrrrr");
  tbl_row(t, (const char *[]){"类别", "code", "问题数", "占比", "已整改", "涉及单位"});
  for (size_t i = 0; i < r->n_categories; i++) {
    const Huibao__V1__CategoryCount *c = r->categories[i];
    tbl_row(t, (const char *[]){c->name ? c->name : c->code, c->code, u64s(n[0], c->count),
                                pct(n[1], c->count, p->total), u64s(n[2], c->resolved),
                                u64s(n[3], c->units)});
  }
  tbl_print(t, f, "  ");
  tbl_free(t);
}

static void write_units(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  static const Huibao__V1__ProblemCounts zero = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  char n[9][24], sync[40];
  if (r->n_units == 0)
    return;
  fputs("\n单位 units\n", f);
  tbl_init(t, "lllllrrrrrrrl");
  tbl_row(t, (const char *[]){"代码", "名称", "类型", "县区", "应报", "记录", "活动", "次数",
                              "问题", "已整改", "整改中", "逾期", "最近同步"});
  for (size_t i = 0; i < r->n_units; i++) {
    const Huibao__V1__UnitRow *u = r->units[i];
    const Huibao__V1__ProblemCounts *p = u->problems ? u->problems : &zero;
    tot a = {0, 0, 0, 0};
    tot_add(&a, u->activities);
    if (u->last_sync) {
      hb_time_format_iso(u->last_sync * 1000, sync, sizeof sync);
      sync[19] = '\0';
      sync[10] = ' ';
    } else {
      snprintf(sync, sizeof sync, "从未 never");
    }
    const char *ty = u->type ? hb_vocab_unit_type_zh(hb_vocab_unit_type(u->type)) : "?";
    tbl_row(t,
            (const char *[]){u->code, u->name, ty, u->county, u->expected ? "是" : "否",
                             u64s(n[0], u->records), u64s(n[1], a.records), u64s(n[2], a.sessions),
                             u64s(n[3], p->total), u64s(n[4], p->resolved),
                             u64s(n[5], p->rectifying), u64s(n[6], p->overdue), sync});
  }
  tbl_print(t, f, "  ");
  tbl_free(t);
}

int hb_rollup_write_table(const Huibao__V1__Rollup *r, FILE *f)
{
  tbl t;
  memset(&t, 0, sizeof t);
  bool failed = false;
  write_header(r, f);
  write_activities(r, f, &t);
  failed |= t.failed;
  write_problems(r, f, &t);
  failed |= t.failed;
  write_units(r, f, &t);
  failed |= t.failed;
  if (failed)
    return HB_ENOMEM;
  return ferror(f) ? HB_EIO : 0;
}
