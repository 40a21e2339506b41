/* recount.c: a county's figures from its records, compared with its
 * Rollup (recount.h, docs/verify.md). The counting is the county's own
 * (hb_agg_add_*, hb_agg_add_review); this file only routes each record to
 * the aggregate of its (campaign, unit) and reads the Rollup's fields the
 * way lib/hb_rollup_build.c writes them. */
#include "recount.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_err.h"
#include "hb_vocab.h"

/* A record the county would not have counted (it cannot be counted here). */
typedef struct bad_rec {
  char *campaign, *unit, *record, *why;
} bad_rec;

struct sub_recount {
  char *county;
  hb_agg **aggs; /* sorted by campaign, then unit */
  size_t n, cap;
  bad_rec *bad;
  size_t nbad, capbad;
  uint64_t records;
};

int sub_recount_new(sub_recount **out, const char *county)
{
  *out = calloc(1, sizeof **out);
  if (!*out || !((*out)->county = strdup(county ? county : ""))) {
    free(*out);
    *out = NULL;
    return HB_ENOMEM;
  }
  return 0;
}

void sub_recount_free(sub_recount *rc)
{
  if (!rc)
    return;
  for (size_t i = 0; i < rc->n; i++) {
    hb_agg_free(rc->aggs[i]);
    free(rc->aggs[i]);
  }
  for (size_t i = 0; i < rc->nbad; i++) {
    free(rc->bad[i].campaign);
    free(rc->bad[i].unit);
    free(rc->bad[i].record);
    free(rc->bad[i].why);
  }
  free(rc->bad);
  free(rc->aggs);
  free(rc->county);
  free(rc);
}

uint64_t sub_recount_records(const sub_recount *rc)
{
  return rc->records;
}

/* What the recount reads of a record, whatever its kind. */
typedef struct rec_view {
  const char *campaign, *unit, *id;
  bool deleted;
  const Huibao__V1__Activity *act;
  const Huibao__V1__Problem *prob;
} rec_view;

/* The fields of rec's body; false for a body counted in no aggregate. */
static bool rec_view_of(const Huibao__V1__Record *rec, rec_view *v)
{
  memset(v, 0, sizeof *v);
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY:
    *v = (rec_view){rec->activity->campaign, rec->activity->unit, rec->activity->id,
                    rec->activity->deleted,  rec->activity,       NULL};
    return true;
  case HUIBAO__V1__RECORD__BODY_PROBLEM:
    *v = (rec_view){rec->problem->campaign,
                    rec->problem->unit,
                    rec->problem->id,
                    rec->problem->deleted,
                    NULL,
                    rec->problem};
    return true;
  case HUIBAO__V1__RECORD__BODY_INDICATOR:
    *v = (rec_view){rec->indicator->campaign,
                    rec->indicator->unit,
                    rec->indicator->id,
                    rec->indicator->deleted,
                    NULL,
                    NULL};
    return true;
  case HUIBAO__V1__RECORD__BODY_CASE_ROW:
    *v = (rec_view){rec->case_row->campaign,
                    rec->case_row->unit,
                    rec->case_row->id,
                    rec->case_row->deleted,
                    NULL,
                    NULL};
    return true;
  default: return false;
  }
}

/* The county's store_rec_add (aggregator/store.c), on the same functions. */
static int rec_add(hb_agg *g, const Huibao__V1__Record *rec)
{
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY: return hb_agg_add_activity(g, rec->activity, +1);
  case HUIBAO__V1__RECORD__BODY_PROBLEM: return hb_agg_add_problem(g, rec->problem, +1);
  case HUIBAO__V1__RECORD__BODY_INDICATOR: return hb_agg_add_indicator(g, rec->indicator, +1);
  case HUIBAO__V1__RECORD__BODY_CASE_ROW: return hb_agg_add_case(g, rec->case_row, +1);
  default: return HB_EINVAL;
  }
}

static int key_cmp(const hb_agg *a, const char *campaign, const char *unit)
{
  int c = strcmp(a->campaign, campaign);
  return c ? c : strcmp(a->unit, unit);
}

/* Index of (campaign, unit) in rc->aggs, or -(insertion point) - 1. */
static long agg_find(const sub_recount *rc, const char *campaign, const char *unit)
{
  size_t lo = 0, hi = rc->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = key_cmp(rc->aggs[mid], campaign, unit);
    if (c == 0)
      return (long)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -(long)lo - 1;
}

/* The aggregate of (campaign, unit), made empty when absent. */
static int agg_get(sub_recount *rc, const char *campaign, const char *unit, hb_agg **out)
{
  long at = agg_find(rc, campaign, unit);
  if (at >= 0) {
    *out = rc->aggs[at];
    return 0;
  }
  size_t pos = (size_t)(-at - 1);
  if (rc->n == rc->cap) {
    size_t cap = rc->cap ? rc->cap * 2 : 16;
    hb_agg **v = realloc(rc->aggs, cap * sizeof *v);
    if (!v)
      return HB_ENOMEM;
    rc->aggs = v;
    rc->cap = cap;
  }
  hb_agg *g = malloc(sizeof *g);
  if (!g || hb_agg_init(g, campaign, unit) != 0) {
    free(g);
    return HB_ENOMEM;
  }
  memmove(&rc->aggs[pos + 1], &rc->aggs[pos], (rc->n - pos) * sizeof *rc->aggs);
  rc->aggs[pos] = g;
  rc->n++;
  *out = g;
  return 0;
}

static int bad_add(sub_recount *rc, char kind, const rec_view *v, const char *why)
{
  if (rc->nbad == rc->capbad) {
    size_t cap = rc->capbad ? rc->capbad * 2 : 8;
    bad_rec *b = realloc(rc->bad, cap * sizeof *b);
    if (!b)
      return HB_ENOMEM;
    rc->bad = b;
    rc->capbad = cap;
  }
  char record[512];
  snprintf(record, sizeof record, "%c%s", kind, v->id ? v->id : "");
  bad_rec *b = &rc->bad[rc->nbad];
  b->campaign = strdup(v->campaign ? v->campaign : "");
  b->unit = strdup(v->unit ? v->unit : "");
  b->record = strdup(record);
  b->why = strdup(why);
  if (!b->campaign || !b->unit || !b->record || !b->why) {
    free(b->campaign), free(b->unit), free(b->record), free(b->why);
    return HB_ENOMEM;
  }
  rc->nbad++;
  return 0;
}

int sub_recount_add(void *ctx, const hb_list_rec *r)
{
  sub_recount *rc = ctx;
  rec_view v;
  if (!r->rec || !rec_view_of(r->rec, &v) || v.deleted)
    return 0; /* 报送 rows and tombstones count in no aggregate */
  rc->records++;
  if (!v.campaign || !v.campaign[0] || !v.unit)
    return bad_add(rc, r->kind, &v, "无专项编号，无法计入 (no campaign: cannot be counted)");
  hb_agg *g;
  int e = agg_get(rc, v.campaign, v.unit, &g);
  if (e != 0)
    return e;
  e = rec_add(g, r->rec);
  if (e == HB_ENOMEM)
    return e;
  if (e != 0)
    return bad_add(rc, r->kind, &v, "记录无法计入 (the record cannot be counted)");
  if (r->review && (v.act || v.prob)) {
    e = hb_agg_add_review(g, v.act, v.prob, (int)r->review->status, +1);
    if (e == HB_ENOMEM)
      return e;
    if (e != 0)
      return bad_add(rc, r->kind, &v, "审核状态无法计入 (its review state cannot be counted)");
  }
  return 0;
}

/* ------------------------------------------------------------ comparing */

typedef struct cmp {
  const sub_recount *rc;
  const Huibao__V1__Rollup *r;
  sub_finding_fn fn;
  void *ctx;
  long n;
} cmp;

static void report(cmp *c, const char *unit, const char *record, const char *figure,
                   const char *text)
{
  sub_finding f = {c->rc->county,        c->r->campaign ? c->r->campaign : "",
                   unit ? unit : "",     record ? record : "",
                   figure ? figure : "", text};
  c->n++;
  if (c->fn)
    c->fn(c->ctx, &f);
}

/* Where a figure belongs, for its message: "单位 U" or "全县" and the same
 * in English. */
static void where_of(const char *unit, const char *detail, char *zh, size_t zl, char *en, size_t el)
{
  const char *d = detail ? detail : "";
  static const char *const words[][2] = {
      {"category ", "类别 "}, {"indicator ", "指标 "}, {"cube ", "活动分布 "}};
  char dz[400];
  snprintf(dz, sizeof dz, "%s", d);
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strncmp(d, words[i][0], strlen(words[i][0])) == 0)
      snprintf(dz, sizeof dz, "%s%s", words[i][1], d + strlen(words[i][0]));
  if (unit) {
    snprintf(zh, zl, "单位 %s%s%s", unit, dz[0] ? " " : "", dz);
    snprintf(en, el, "unit %s%s%s", unit, d[0] ? " " : "", d);
  } else {
    snprintf(zh, zl, "全县%s%s", dz[0] ? " " : "", dz);
    snprintf(en, el, "county-wide%s%s", d[0] ? " " : "", d);
  }
}

/* A figure (detail: a category, indicator or cube cell, or NULL) that
 * must be equal; reported when it is not. */
static void fig_i(cmp *c, const char *unit, const char *detail, const char *figure, const char *zh,
                  int64_t published, int64_t got)
{
  if (published == got)
    return;
  char wz[600], we[600], text[2048];
  where_of(unit, detail, wz, sizeof wz, we, sizeof we);
  snprintf(text, sizeof text,
           "县 %s %s 专项 %s：%s 上报 %" PRId64 "，按记录重算 %" PRId64
           " (county %s %s campaign %s: %s published %" PRId64 ", from records %" PRId64 ")",
           c->rc->county, wz, c->r->campaign, zh, published, got, c->rc->county, we, c->r->campaign,
           figure, published, got);
  report(c, unit, NULL, figure, text);
}

static void fig_u(cmp *c, const char *unit, const char *detail, const char *figure, const char *zh,
                  uint64_t published, uint64_t got)
{
  if (published == got)
    return;
  char wz[600], we[600], text[2048];
  where_of(unit, detail, wz, sizeof wz, we, sizeof we);
  snprintf(text, sizeof text,
           "县 %s %s 专项 %s：%s 上报 %" PRIu64 "，按记录重算 %" PRIu64
           " (county %s %s campaign %s: %s published %" PRIu64 ", from records %" PRIu64 ")",
           c->rc->county, wz, c->r->campaign, zh, published, got, c->rc->county, we, c->r->campaign,
           figure, published, got);
  report(c, unit, NULL, figure, text);
}

static void cmp_totals(cmp *c, const char *unit, const char *detail, const Huibao__V1__Totals *pb,
                       const hb_totals *t)
{
  hb_totals p;
  hb_totals_from_pb(pb, &p);
  fig_u(c, unit, detail, "activities", "活动记录", p.records, t->records);
  fig_u(c, unit, detail, "sessions", "场次", p.sessions, t->sessions);
  fig_u(c, unit, detail, "participants", "参与人次", p.participants, t->participants);
  fig_u(c, unit, detail, "outputs", "成果", p.outputs, t->outputs);
}

/* The problem counts, in the order of pc_figs. */
enum { NPC = 17 };
typedef struct pc_fig {
  const char *figure, *zh;
  size_t has, val;
} pc_fig;
#define PCF(f, zh)                                                                                 \
  {                                                                                                \
    "problems." #f, zh, offsetof(Huibao__V1__ProblemCounts, has_##f),                              \
        offsetof(Huibao__V1__ProblemCounts, f)                                                     \
  }
static const pc_fig pc_figs[NPC] = {
    PCF(total, "问题数"),
    PCF(identified, "已查摆"),
    PCF(rectifying, "整改中"),
    PCF(resolved, "已整改"),
    PCF(measures, "整改措施"),
    PCF(overdue, "逾期问题"),
    PCF(individual, "个人问题"),
    PCF(team, "班子问题"),
    PCF(source_new, "增量问题"),
    PCF(source_existing, "存量问题"),
    PCF(term_immediate, "立行立改"),
    PCF(term_long, "长期整改"),
    PCF(confirmed, "已销号"),
    PCF(claimed, "待销号"),
    PCF(returned, "已退回"),
    PCF(deletion_pending, "待审批撤销"),
    PCF(reopened, "重新打开"),
};
#undef PCF

/* The problem counts of a, as lib/hb_rollup_build.c's pc_from_agg and
 * rv_view put them in a Rollup (claimed = resolved - confirmed). */
static void pc_of(const hb_agg *a, int32_t today, uint64_t *v)
{
  memset(v, 0, NPC * sizeof *v);
  if (!a)
    return;
  uint64_t resolved = a->by_status[HUIBAO__V1__PROBLEM_STATUS__RESOLVED];
  uint64_t w[NPC] = {
      a->problems,
      a->by_status[HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED],
      a->by_status[HUIBAO__V1__PROBLEM_STATUS__RECTIFYING],
      resolved,
      a->measures,
      hb_agg_overdue(a, today),
      a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__INDIVIDUAL],
      a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__TEAM],
      a->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_NEW],
      a->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_EXISTING],
      a->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_IMMEDIATE],
      a->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_LONG],
      a->rv.confirmed,
      resolved >= a->rv.confirmed ? resolved - a->rv.confirmed : 0,
      a->rv.returned,
      a->rv.deletion_pending,
      a->rv.reopened,
  };
  memcpy(v, w, sizeof w);
}

/* The published problem counts pb (a field left out is not compared: a
 * county of an earlier version) against want. */
static void cmp_problems(cmp *c, const char *unit, const Huibao__V1__ProblemCounts *pb,
                         const uint64_t *want)
{
  if (!pb)
    return;
  for (size_t i = 0; i < NPC; i++) {
    const char *base = (const char *)pb;
    if (!*(const protobuf_c_boolean *)(base + pc_figs[i].has))
      continue;
    fig_u(c, unit, NULL, pc_figs[i].figure, pc_figs[i].zh,
          *(const uint64_t *)(base + pc_figs[i].val), want[i]);
  }
}

/* One category's counts of a unit (count, resolved and the review counts). */
static void cmp_cat(cmp *c, const char *unit, const Huibao__V1__CategoryCount *pb,
                    const hb_cat_count *cc)
{
  char detail[300];
  snprintf(detail, sizeof detail, "category %s", pb->code);
  uint64_t count = cc ? cc->count : 0, resolved = cc ? cc->resolved : 0;
  hb_review_counts rv = cc ? cc->rv : (hb_review_counts){0, 0, 0, 0};
  fig_u(c, unit, detail, "categories.count", "类别问题数", pb->count, count);
  fig_u(c, unit, detail, "categories.resolved", "类别已整改", pb->resolved, resolved);
  if (pb->has_confirmed)
    fig_u(c, unit, detail, "categories.confirmed", "类别已销号", pb->confirmed, rv.confirmed);
  if (pb->has_claimed)
    fig_u(c, unit, detail, "categories.claimed", "类别待销号", pb->claimed,
          resolved >= rv.confirmed ? resolved - rv.confirmed : 0);
  if (pb->has_returned)
    fig_u(c, unit, detail, "categories.returned", "类别已退回", pb->returned, rv.returned);
  if (pb->has_deletion_pending)
    fig_u(c, unit, detail, "categories.deletion_pending", "类别待审批撤销", pb->deletion_pending,
          rv.deletion_pending);
  if (pb->has_reopened)
    fig_u(c, unit, detail, "categories.reopened", "类别重新打开", pb->reopened, rv.reopened);
}

/* A unit's categories: the published ones, then those with problems the
 * Rollup leaves out. */
static void cmp_row_cats(cmp *c, const Huibao__V1__UnitRow *row, const hb_agg *a)
{
  for (size_t i = 0; i < row->n_categories; i++)
    cmp_cat(c, row->code, row->categories[i],
            a ? hb_agg_category(a, row->categories[i]->code) : NULL);
  for (size_t k = 0; a && k < a->ncats; k++) {
    if (a->cats[k].count == 0)
      continue;
    bool found = false;
    for (size_t i = 0; i < row->n_categories && !found; i++)
      found = strcmp(row->categories[i]->code, a->cats[k].code) == 0;
    if (!found) {
      Huibao__V1__CategoryCount zero = HUIBAO__V1__CATEGORY_COUNT__INIT;
      zero.code = a->cats[k].code;
      cmp_cat(c, row->code, &zero, &a->cats[k]);
    }
  }
}

static void cmp_row_inds(cmp *c, const Huibao__V1__UnitRow *row, const hb_agg *a)
{
  char detail[300];
  for (size_t i = 0; i < row->n_indicators; i++) {
    const Huibao__V1__IndicatorSum *pb = row->indicators[i];
    const hb_ind_sum *s = a ? hb_agg_indicator(a, pb->code) : NULL;
    snprintf(detail, sizeof detail, "indicator %s", pb->code);
    fig_i(c, row->code, detail, "indicators.value", "指标值(万分之一)", pb->value,
          s ? s->value : 0);
    fig_u(c, row->code, detail, "indicators.records", "指标记录", pb->records, s ? s->records : 0);
  }
  for (size_t k = 0; a && k < a->ninds; k++) {
    bool found = false;
    for (size_t i = 0; i < row->n_indicators && !found; i++)
      found = strcmp(row->indicators[i]->code, a->inds[k].code) == 0;
    if (!found && a->inds[k].records > 0) {
      snprintf(detail, sizeof detail, "indicator %s", a->inds[k].code);
      fig_u(c, row->code, detail, "indicators.records", "指标记录", 0, a->inds[k].records);
    }
  }
}

static void cmp_cases(cmp *c, const char *unit, const Huibao__V1__CaseCounts *pb, const hb_agg *a)
{
  static const uint64_t none[HB_CASE_MAX + 1] = {0};
  const uint64_t *by = a ? a->by_case : none;
  fig_u(c, unit, NULL, "cases.total", "典型案例等", pb->total, a ? a->cases : 0);
  fig_u(c, unit, NULL, "cases.typical", "典型案例", pb->typical,
        by[HUIBAO__V1__CASE_TYPE__CASE_TYPICAL]);
  fig_u(c, unit, NULL, "cases.practice", "经验做法", pb->practice,
        by[HUIBAO__V1__CASE_TYPE__CASE_PRACTICE]);
  fig_u(c, unit, NULL, "cases.group", "先进集体", pb->group, by[HUIBAO__V1__CASE_TYPE__CASE_GROUP]);
  fig_u(c, unit, NULL, "cases.person", "先进个人", pb->person,
        by[HUIBAO__V1__CASE_TYPE__CASE_PERSON]);
}

/* One unit row against the recount of its unit (a NULL: none counted). */
static void cmp_row(cmp *c, const Huibao__V1__UnitRow *row, const hb_agg *a)
{
  const char *u = row->code;
  if (row->has_records)
    fig_u(c, u, NULL, "records", "记录数", row->records, a ? a->records : 0);
  hb_totals t = {0, 0, 0, 0};
  if (a)
    t = hb_agg_activity_totals(a);
  if (row->activities)
    cmp_totals(c, u, NULL, row->activities, &t);
  if (row->has_activities_returned)
    fig_u(c, u, NULL, "activities_returned", "退回活动", row->activities_returned,
          a ? a->act_returned : 0);
  uint64_t want[NPC];
  pc_of(a, c->r->today, want);
  cmp_problems(c, u, row->problems, want);
  cmp_row_cats(c, row, a);
  cmp_row_inds(c, row, a);
  if (row->cases)
    cmp_cases(c, u, row->cases, a);
}

/* ------------------------------------------------------------ the cube */

/* One cell of the recomputed cube: activities of units of one type at
 * one level, of a built-in kind or a declared kind's code. */
typedef struct cube_cell {
  const char *type, *code; /* borrowed; code NULL for a built-in kind */
  int level, kind;
  hb_totals t;
  bool seen;
} cube_cell;

typedef struct cube {
  cube_cell *v;
  size_t n, cap;
} cube;

static cube_cell *cube_get(cube *q, const char *type, int level, int kind, const char *code)
{
  for (size_t i = 0; i < q->n; i++) {
    cube_cell *e = &q->v[i];
    if (e->level == level && e->kind == kind && strcmp(e->type, type) == 0 &&
        (code ? e->code && strcmp(e->code, code) == 0 : !e->code))
      return e;
  }
  if (q->n == q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 32;
    cube_cell *v = realloc(q->v, cap * sizeof *v);
    if (!v)
      return NULL;
    q->v = v;
    q->cap = cap;
  }
  q->v[q->n] = (cube_cell){type, code, level, kind, {0, 0, 0, 0}, false};
  return &q->v[q->n++];
}

/* The Rollup's row of unit, or NULL. */
static const Huibao__V1__UnitRow *row_of(const Huibao__V1__Rollup *r, const char *unit)
{
  for (size_t i = 0; i < r->n_units; i++)
    if (r->units[i]->code && strcmp(r->units[i]->code, unit) == 0)
      return r->units[i];
  return NULL;
}

/* Adds a's activities into q under the unit type its row names. */
static int cube_add(cube *q, const Huibao__V1__Rollup *r, const hb_agg *a)
{
  const Huibao__V1__UnitRow *row = row_of(r, a->unit);
  const char *type = row && row->type ? row->type : "unknown";
  for (int l = 1; l <= HB_LEVEL_MAX; l++)
    for (int k = 1; k <= HB_KIND_MAX; k++) {
      if (a->act[l][k].records == 0)
        continue;
      cube_cell *e = cube_get(q, type, l, k, NULL);
      if (!e)
        return HB_ENOMEM;
      hb_totals_add(&e->t, &a->act[l][k]);
    }
  for (size_t i = 0; i < a->nkcells; i++) {
    cube_cell *e = cube_get(q, type, a->kcells[i].level, 0, a->kcells[i].code);
    if (!e)
      return HB_ENOMEM;
    hb_totals_add(&e->t, &a->kcells[i].t);
  }
  return 0;
}

static void cube_detail(const char *type, int level, int kind, const char *code, char *buf,
                        size_t len)
{
  const char *k = code && code[0] ? code : hb_vocab_kind_code(kind);
  snprintf(buf, len, "cube %s/%d/%s", type, level, k ? k : "?");
}

/* The published cube against the recomputed one (rc's aggregates of the
 * campaign, [from, to)). */
static int cmp_cube(cmp *c, size_t from, size_t to)
{
  cube q = {NULL, 0, 0};
  int e = 0;
  for (size_t i = from; i < to && e == 0; i++)
    e = cube_add(&q, c->r, c->rc->aggs[i]);
  char detail[300];
  for (size_t i = 0; i < c->r->n_cube && e == 0; i++) {
    const Huibao__V1__CubeCell *pc = c->r->cube[i];
    const char *code = pc->kind_code && pc->kind_code[0] ? pc->kind_code : NULL;
    cube_cell *m = cube_get(&q, pc->unit_type, (int)pc->level, code ? 0 : (int)pc->kind, code);
    if (!m) {
      e = HB_ENOMEM;
      break;
    }
    m->seen = true;
    cube_detail(pc->unit_type, (int)pc->level, (int)pc->kind, code, detail, sizeof detail);
    cmp_totals(c, NULL, detail, pc->totals, &m->t);
  }
  hb_totals zero = {0, 0, 0, 0};
  Huibao__V1__Totals zpb;
  hb_totals_to_pb(&zero, &zpb);
  for (size_t i = 0; i < q.n && e == 0; i++) {
    if (q.v[i].seen || q.v[i].t.records == 0)
      continue;
    cube_detail(q.v[i].type, q.v[i].level, q.v[i].kind, q.v[i].code, detail, sizeof detail);
    cmp_totals(c, NULL, detail, &zpb, &q.v[i].t);
  }
  free(q.v);
  return e;
}

/* The county-wide figures: activities, problems, activities_returned. */
static void cmp_county(cmp *c, size_t from, size_t to)
{
  hb_totals t = {0, 0, 0, 0};
  uint64_t want[NPC] = {0}, one[NPC], returned = 0;
  for (size_t i = from; i < to; i++) {
    const hb_agg *a = c->rc->aggs[i];
    hb_totals at = hb_agg_activity_totals(a);
    hb_totals_add(&t, &at);
    pc_of(a, c->r->today, one);
    for (size_t k = 0; k < NPC; k++)
      want[k] += one[k];
    returned += a->act_returned;
  }
  if (c->r->activities)
    cmp_totals(c, NULL, NULL, c->r->activities, &t);
  cmp_problems(c, NULL, c->r->problems, want);
  if (c->r->has_activities_returned)
    fig_u(c, NULL, NULL, "activities_returned", "退回活动", c->r->activities_returned, returned);
}

/* Units whose records count something the Rollup has no row for. */
static void cmp_missing_rows(cmp *c, size_t from, size_t to)
{
  for (size_t i = from; i < to; i++) {
    const hb_agg *a = c->rc->aggs[i];
    if (row_of(c->r, a->unit) || hb_agg_is_empty(a))
      continue;
    char text[1024];
    snprintf(
        text, sizeof text,
        "县 %s 单位 %s 专项 %s：上报中无此单位，按记录重算 %" PRIu64
        " 条 (county %s unit %s campaign %s: not in the published rollup, from records %" PRIu64
        " records)",
        c->rc->county, a->unit, c->r->campaign, a->records, c->rc->county, a->unit, c->r->campaign,
        a->records);
    report(c, a->unit, NULL, "records", text);
  }
}

/* The records of the campaign (or of none) that could not be counted. */
static void cmp_bad(cmp *c)
{
  for (size_t i = 0; i < c->rc->nbad; i++) {
    const bad_rec *b = &c->rc->bad[i];
    if (b->campaign[0] && strcmp(b->campaign, c->r->campaign) != 0)
      continue;
    char text[1536];
    snprintf(text, sizeof text, "县 %s 单位 %s 记录 %s：%s (county %s unit %s record %s)",
             c->rc->county, b->unit, b->record, b->why, c->rc->county, b->unit, b->record);
    report(c, b->unit, b->record, "", text);
  }
}

long sub_recount_compare(const sub_recount *rc, const Huibao__V1__Rollup *r, sub_finding_fn fn,
                         void *ctx)
{
  cmp c = {rc, r, fn, ctx, 0};
  if (!r->campaign)
    return 0;
  /* the campaign's aggregates: one run of the sorted array */
  size_t from = 0, to;
  while (from < rc->n && strcmp(rc->aggs[from]->campaign, r->campaign) < 0)
    from++;
  to = from;
  while (to < rc->n && strcmp(rc->aggs[to]->campaign, r->campaign) == 0)
    to++;
  for (size_t i = 0; i < r->n_units; i++) {
    const Huibao__V1__UnitRow *row = r->units[i];
    if (!row->code)
      continue;
    long at = agg_find(rc, r->campaign, row->code);
    cmp_row(&c, row, at >= 0 ? rc->aggs[at] : NULL);
  }
  cmp_missing_rows(&c, from, to);
  cmp_county(&c, from, to);
  if (cmp_cube(&c, from, to) != 0)
    return HB_ENOMEM;
  cmp_bad(&c);
  return c.n;
}
