/* report_model.c: the rollup as a report template sees it (report_model.h). */
#include "report_model.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_rollup.h"
#include "hb_vocab.h"
#include "numfmt.h"

static json_t *jint(uint64_t v)
{
  return json_integer(v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *zero_tot(void)
{
  return json_pack("{s:i, s:i, s:i, s:i}", "records", 0, "sessions", 0, "participants", 0,
                   "outputs", 0);
}

/* Adds t into the totals object o. */
static void tot_add(json_t *o, const Huibao__V1__Totals *t)
{
  if (!t)
    return;
  const char *k[] = {"records", "sessions", "participants", "outputs"};
  uint64_t v[] = {t->records, t->sessions, t->participants, t->outputs};
  for (int i = 0; i < 4; i++) {
    json_t *x = json_object_get(o, k[i]);
    json_int_t cur = x ? json_integer_value(x) : 0;
    json_int_t add = v[i] > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v[i];
    json_object_set_new(o, k[i], json_integer(cur > INT64_MAX - add ? INT64_MAX : cur + add));
  }
}

/* The object at o[key], created empty if missing. Borrowed. */
static json_t *obj_at(json_t *o, const char *key)
{
  json_t *x = json_object_get(o, key);
  if (!json_is_object(x)) {
    x = json_object();
    json_object_set_new(o, key, x);
  }
  return x;
}

static int type_index(const char *t)
{
  int v = t ? hb_vocab_unit_type(t) : 0;
  return v >= 1 && v <= HB_UNIT_TYPE_MAX ? v : 0;
}

static void add_activities(json_t *m, const Huibao__V1__Rollup *r)
{
  json_t *a = obj_at(m, "activities");
  json_t *by_kind = obj_at(a, "by_kind");
  json_t *kinds = json_array(), *by_level = json_object(), *by_type = json_object(),
         *cell = json_object();
  json_object_set_new(a, "kinds", kinds);
  json_object_set_new(a, "by_level", by_level);
  json_object_set_new(a, "by_type", by_type);
  json_object_set_new(a, "cell", cell);
  for (int k = 1; k <= HB_KIND_MAX; k++) {
    json_t *o = json_object_get(by_kind, hb_vocab_kind_code(k));
    if (!o) {
      o = zero_tot();
      json_object_set_new(by_kind, hb_vocab_kind_code(k), o);
    }
    json_object_set_new(o, "code", json_string(hb_vocab_kind_code(k)));
    json_object_set_new(o, "name", json_string(hb_vocab_kind_zh(k)));
    json_array_append(kinds, o);
  }
  for (int l = 1; l <= HB_LEVEL_MAX; l++) {
    json_t *o = zero_tot();
    json_object_set_new(o, "name", json_string(hb_vocab_level_zh(l)));
    json_object_set_new(by_level, hb_vocab_level_code(l), o);
  }
  for (int t = 1; t <= HB_UNIT_TYPE_MAX; t++) {
    json_t *o = zero_tot();
    json_object_set_new(o, "name", json_string(hb_vocab_unit_type_zh(t)));
    json_object_set_new(by_type, hb_vocab_unit_type_code(t), o);
    json_t *ct = obj_at(cell, hb_vocab_unit_type_code(t));
    for (int l = 1; l <= HB_LEVEL_MAX; l++) {
      json_t *cl = obj_at(ct, hb_vocab_level_code(l));
      for (int k = 1; k <= HB_KIND_MAX; k++)
        json_object_set_new(cl, hb_vocab_kind_code(k), zero_tot());
    }
  }
  for (size_t i = 0; i < r->n_cube; i++) {
    const Huibao__V1__CubeCell *c = r->cube[i];
    int t = type_index(c->unit_type);
    bool lv = c->level >= 1 && c->level <= HB_LEVEL_MAX;
    bool kd = c->kind >= 1 && c->kind <= HB_KIND_MAX;
    if (lv)
      tot_add(json_object_get(by_level, hb_vocab_level_code((int)c->level)), c->totals);
    if (t)
      tot_add(json_object_get(by_type, hb_vocab_unit_type_code(t)), c->totals);
    if (t && lv && kd)
      tot_add(json_object_get(json_object_get(json_object_get(cell, hb_vocab_unit_type_code(t)),
                                              hb_vocab_level_code((int)c->level)),
                              hb_vocab_kind_code((int)c->kind)),
              c->totals);
  }
}

/* u's count of category code (NULL when u has no problem of it). */
static const Huibao__V1__CategoryCount *unit_cat(const Huibao__V1__UnitRow *u, const char *code)
{
  for (size_t i = 0; i < u->n_categories; i++)
    if (strcmp(u->categories[i]->code, code) == 0)
      return u->categories[i];
  return NULL;
}

static uint64_t unit_cat_count(const Huibao__V1__UnitRow *u, const char *code, uint64_t *resolved)
{
  const Huibao__V1__CategoryCount *c = unit_cat(u, code);
  *resolved = c ? c->resolved : 0;
  return c ? c->count : 0;
}

/* Issue 14: the five review counts (hb_rollup_review.h) into o. */
static void review_set(json_t *o, const hb_rollup_review *v)
{
  json_object_set_new(o, "confirmed", jint(v->confirmed));
  json_object_set_new(o, "claimed", jint(v->claimed));
  json_object_set_new(o, "returned", jint(v->returned));
  json_object_set_new(o, "deletion_pending", jint(v->deletion_pending));
  json_object_set_new(o, "reopened", jint(v->reopened));
}

typedef struct rank {
  size_t unit;
  uint64_t count, resolved;
  hb_rollup_review rv; /* issue 14 */
} rank;

static int rank_cmp(const void *x, const void *y)
{
  const rank *a = x, *b = y;
  if (a->count != b->count)
    return a->count > b->count ? -1 : 1;
  return a->unit < b->unit ? -1 : a->unit > b->unit;
}

/* units: names, type names, problem details and category counts. */
static void add_units(json_t *m, const Huibao__V1__Rollup *r)
{
  json_t *units = json_object_get(m, "units");
  json_t *by_code = json_object(), *by_type = json_object();
  json_object_set_new(m, "unit", by_code);
  json_object_set_new(m, "units_by_type", by_type);
  for (int t = 1; t <= HB_UNIT_TYPE_MAX; t++)
    json_object_set_new(by_type, hb_vocab_unit_type_code(t), json_array());
  for (size_t i = 0; i < r->n_units && i < json_array_size(units); i++) {
    const Huibao__V1__UnitRow *u = r->units[i];
    json_t *o = json_array_get(units, i);
    if (!u->name || !*u->name)
      json_object_set_new(o, "name", json_string(u->code));
    int t = type_index(u->type);
    json_object_set_new(o, "type_name", json_string(t ? hb_vocab_unit_type_zh(t) : ""));
    json_t *p = obj_at(o, "problems");
    const Huibao__V1__ProblemCounts *pc = u->problems;
    json_object_set_new(p, "measures", jint(pc ? pc->measures : 0));
    json_object_set_new(p, "individual", jint(pc ? pc->individual : 0));
    json_object_set_new(p, "team", jint(pc ? pc->team : 0));
    uint64_t total = pc ? pc->total : 0, resolved = pc ? pc->resolved : 0;
    json_object_set_new(p, "open", jint(total >= resolved ? total - resolved : 0));
    json_t *cats = json_object();
    json_object_set_new(o, "categories", cats);
    for (size_t k = 0; k < r->n_categories; k++) {
      const Huibao__V1__CategoryCount *uc = unit_cat(u, r->categories[k]->code);
      json_t *co = json_pack("{s:s?, s:o, s:o}", "name", r->categories[k]->name, "count",
                             jint(uc ? uc->count : 0), "resolved", jint(uc ? uc->resolved : 0));
      hb_rollup_review v;
      hb_rollup_review_of_cat(uc, &v);
      if (co)
        review_set(co, &v);
      json_object_set_new(cats, r->categories[k]->code, co);
    }
    json_object_set(by_code, u->code, o);
    if (t)
      json_array_append(json_object_get(by_type, hb_vocab_unit_type_code(t)), o);
  }
}

/* shares of counts[0..n) by largest remainder, as ratios (0.2047). */
static void lr_ratios(const uint64_t *counts, size_t n, double *out)
{
  uint64_t *hund = calloc(n ? n : 1, sizeof *hund);
  if (!hund || sub_numfmt_largest_remainder(counts, n, 2, hund) != 0) {
    for (size_t i = 0; i < n; i++)
      out[i] = 0;
  } else {
    for (size_t i = 0; i < n; i++)
      out[i] = (double)hund[i] / 10000.0;
  }
  free(hund);
}

static void add_problems(json_t *m, const Huibao__V1__Rollup *r)
{
  json_t *p = obj_at(m, "problems");
  const Huibao__V1__ProblemCounts *pc = r->problems;
  uint64_t total = pc ? pc->total : 0, resolved = pc ? pc->resolved : 0;
  json_object_set_new(p, "open", jint(total >= resolved ? total - resolved : 0));
  uint64_t st[3] = {pc ? pc->identified : 0, pc ? pc->rectifying : 0, resolved};
  double sr[3];
  lr_ratios(st, 3, sr);
  json_object_set_new(
      p, "status_share",
      json_pack("{s:f, s:f, s:f}", "identified", sr[0], "rectifying", sr[1], "resolved", sr[2]));
  size_t n = r->n_categories;
  uint64_t *counts = calloc(n ? n : 1, sizeof *counts);
  double *shares = calloc(n ? n : 1, sizeof *shares);
  rank *rk = calloc(r->n_units ? r->n_units : 1, sizeof *rk);
  json_t *list = json_array();
  json_object_set_new(p, "categories", list);
  json_t *by_cat = obj_at(p, "by_category");
  json_t *units = json_object_get(m, "units");
  if (!counts || !shares || !rk)
    goto out;
  for (size_t k = 0; k < n; k++)
    counts[k] = r->categories[k]->count;
  lr_ratios(counts, n, shares);
  for (size_t k = 0; k < n; k++) {
    const Huibao__V1__CategoryCount *cc = r->categories[k];
    json_t *o = json_object_get(by_cat, cc->code);
    if (!o) {
      o = json_object();
      json_object_set_new(by_cat, cc->code, o);
    }
    json_object_set_new(o, "code", json_string(cc->code));
    if (!cc->name || !*cc->name)
      json_object_set_new(o, "name", json_string(cc->code));
    json_object_set_new(o, "share_lr", json_real(shares[k]));
    json_object_set_new(o, "open", jint(cc->count >= cc->resolved ? cc->count - cc->resolved : 0));
    json_object_set_new(o, "resolution_rate",
                        json_real(cc->count ? (double)cc->resolved / (double)cc->count : 0.0));
    size_t nr = 0;
    for (size_t i = 0; i < r->n_units; i++) {
      uint64_t res, c = unit_cat_count(r->units[i], cc->code, &res);
      if (c) {
        rk[nr] = (rank){i, c, res, {0, 0, 0, 0, 0}};
        hb_rollup_review_of_cat(unit_cat(r->units[i], cc->code), &rk[nr].rv);
        nr++;
      }
    }
    if (nr > 1) /* qsort's array may be NULL when empty */
      qsort(rk, nr, sizeof *rk, rank_cmp);
    json_t *ul = json_array();
    for (size_t i = 0; i < nr; i++) {
      json_t *u = json_array_get(units, rk[i].unit);
      json_t *e =
          json_pack("{s:O?, s:O?, s:O?, s:O?, s:o, s:o}", "code", json_object_get(u, "code"),
                    "name", json_object_get(u, "name"), "type", json_object_get(u, "type"),
                    "type_name", json_object_get(u, "type_name"), "count", jint(rk[i].count),
                    "resolved", jint(rk[i].resolved));
      if (e)
        review_set(e, &rk[i].rv);
      json_array_append_new(ul, e);
    }
    json_object_set_new(o, "unit_list", ul);
    json_array_append(list, o);
  }
out:
  free(counts);
  free(shares);
  free(rk);
}

static void add_coverage(json_t *m)
{
  json_t *cov = obj_at(m, "coverage");
  json_t *missing = json_object_get(cov, "missing");
  json_t *by_code = json_object_get(m, "unit");
  json_t *mu = json_array();
  size_t i;
  json_t *code;
  json_array_foreach(missing, i, code)
  {
    json_t *u = json_object_get(by_code, json_string_value(code));
    if (u)
      json_array_append(mu, u);
  }
  json_object_set_new(cov, "missing_units", mu);
  json_int_t expected = json_integer_value(json_object_get(cov, "expected"));
  json_int_t nmiss = (json_int_t)json_array_size(missing);
  json_object_set_new(cov, "expected_reported", json_integer(expected - nmiss));
  json_object_set_new(cov, "rate",
                      json_real(expected ? (double)(expected - nmiss) / (double)expected : 0.0));
}

/* unit_types: one entry per unit type with its units, their number, their
 * activities and their problems summed, for a table by type. */
static void add_unit_types(json_t *m)
{
  json_t *list = json_array();
  json_object_set_new(m, "unit_types", list);
  json_t *by_type = json_object_get(m, "units_by_type");
  json_t *acts = json_object_get(json_object_get(m, "activities"), "by_type");
  static const char *const pk[] = {
      "total", "resolved",  "rectifying", "identified", "overdue",          "measures",
      "open",  "confirmed", "claimed",    "returned",   "deletion_pending", "reopened"};
  for (int t = 1; t <= HB_UNIT_TYPE_MAX; t++) {
    const char *code = hb_vocab_unit_type_code(t);
    json_t *units = json_object_get(by_type, code);
    json_t *probs = json_object();
    for (size_t k = 0; k < sizeof pk / sizeof pk[0]; k++) {
      json_int_t sum = 0;
      size_t i;
      json_t *u;
      json_array_foreach(units, i, u)
      {
        sum += json_integer_value(json_object_get(json_object_get(u, "problems"), pk[k]));
      }
      json_object_set_new(probs, pk[k], json_integer(sum));
    }
    json_array_append_new(list, json_pack("{s:s, s:s, s:O, s:I, s:O, s:o}", "code", code, "name",
                                          hb_vocab_unit_type_zh(t), "units", units, "count",
                                          (json_int_t)json_array_size(units), "activities",
                                          json_object_get(acts, code), "problems", probs));
  }
}

/* The names of issue 12 present in every model, empty for a campaign that
 * declares none and for a rollup of a county of the previous version:
 * indicators (each with its code), cases, stages (each with state_name:
 * 已完成, 进行中, 未开始), stage_current. */
static void add_outcomes(json_t *m)
{
  json_t *ind = obj_at(m, "indicators");
  const char *code;
  json_t *v;
  json_object_foreach(ind, code, v)
  {
    if (json_is_object(v))
      json_object_set_new(v, "code", json_string(code));
  }
  json_t *cases = obj_at(m, "cases");
  if (!json_object_get(cases, "total"))
    json_object_set_new(cases, "total", json_integer(0));
  json_t *by_type = obj_at(cases, "by_type");
  for (int t = 1; t <= HB_CASE_MAX; t++)
    if (!json_object_get(by_type, hb_vocab_case_type_code(t)))
      json_object_set_new(by_type, hb_vocab_case_type_code(t), json_integer(0));
  if (!json_is_array(json_object_get(m, "stages")))
    json_object_set_new(m, "stages", json_array());
  size_t i;
  json_array_foreach(json_object_get(m, "stages"), i, v)
  {
    const char *st = json_string_value(json_object_get(v, "state"));
    json_object_set_new(v, "state_name",
                        json_string(!st                          ? ""
                                    : strcmp(st, "done") == 0    ? "已完成"
                                    : strcmp(st, "current") == 0 ? "进行中"
                                                                 : "未开始"));
  }
  if (!json_object_get(m, "stage_current"))
    json_object_set_new(m, "stage_current", json_null());
}

json_t *sub_report_model(const Huibao__V1__Rollup *r)
{
  json_t *m = hb_rollup_to_json(r);
  if (!m)
    return NULL;
  if (json_is_null(json_object_get(m, "campaign_name")))
    json_object_set_new(m, "campaign_name", json_string(r->campaign));
  add_activities(m, r);
  add_units(m, r);
  add_problems(m, r);
  add_coverage(m);
  add_unit_types(m);
  add_outcomes(m);
  return m;
}
