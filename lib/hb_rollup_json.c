/* hb_rollup_json.c: the JSON view of a Rollup, a contract with the tests
 * and with other programs (docs/protocol.md). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_chain.h"
#include "hb_date.h"
#include "hb_period_facts.h"
#include "hb_rollup.h"
#include "hb_vocab.h"

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

static json_t *jtot(const hb_totals *t)
{
  return json_pack("{s:o, s:o, s:o, s:o}", "records", jint(t->records), "sessions",
                   jint(t->sessions), "participants", jint(t->participants), "outputs",
                   jint(t->outputs));
}

static json_t *jtot_pb(const Huibao__V1__Totals *pb)
{
  hb_totals t;
  hb_totals_from_pb(pb, &t);
  return jtot(&t);
}

/* Issue 14: a county's history head {"n", "hash": 64 hex digits}; null
 * when there is none (a merged rollup's own, an old county's) or its hash
 * is not HB_CHAIN_HASH_LEN bytes. */
static json_t *json_log(const Huibao__V1__LogHead *h)
{
  if (!h || h->hash.len != HB_CHAIN_HASH_LEN)
    return json_null();
  char hex[HB_CHAIN_HEX_LEN];
  hb_chain_hex(h->hash.data, hex);
  return json_pack("{s:o, s:s}", "n", jint(h->n), "hash", hex);
}

static json_t *json_counties(const Huibao__V1__Rollup *r)
{
  json_t *a = json_array();
  if (!a)
    return NULL;
  if (r->n_sources == 0) {
    json_array_append_new(a, json_pack("{s:s, s:o, s:o, s:o, s:b, s:o}", "code", r->source, "name",
                                       jstr(r->source_name), "seq", jint(r->seq), "as_of",
                                       jiso(r->as_of_ms), "stale", 0, "log", json_log(r->log)));
    return a;
  }
  for (size_t i = 0; i < r->n_sources; i++) {
    const Huibao__V1__Source *s = r->sources[i];
    json_array_append_new(a,
                          json_pack("{s:s, s:o, s:o, s:o, s:b, s:o}", "code", s->code, "name",
                                    jstr(s->name), "seq", jint(s->seq), "as_of", jiso(s->as_of_ms),
                                    "stale", s->stale ? 1 : 0, "log", json_log(s->log)));
  }
  return a;
}

/* Issue 14: the five review counts (hb_rollup_review.h) into o. */
static void json_review(json_t *o, const hb_rollup_review *v)
{
  if (!o)
    return;
  json_object_set_new(o, "confirmed", jint(v->confirmed));
  json_object_set_new(o, "claimed", jint(v->claimed));
  json_object_set_new(o, "returned", jint(v->returned));
  json_object_set_new(o, "deletion_pending", jint(v->deletion_pending));
  json_object_set_new(o, "reopened", jint(v->reopened));
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

/* The name of declared kind code (Rollup.kinds), NULL when not declared. */
static const char *kind_name(const Huibao__V1__Rollup *r, const char *code)
{
  for (size_t i = 0; i < r->n_kinds; i++)
    if (strcmp(r->kinds[i]->code, code) == 0)
      return r->kinds[i]->name;
  return NULL;
}

static json_t *jtot_named(const hb_totals *t, const char *name)
{
  json_t *o = jtot(t);
  if (o)
    json_object_set_new(o, "name", jstr(name));
  return o;
}

/* by_kind entries of the declared kinds: the cube's kind_code cells summed,
 * in the order of Rollup.kinds, then codes the rollup does not declare in
 * order of appearance in the cube. */
static void json_declared_kinds(const Huibao__V1__Rollup *r, json_t *bk)
{
  size_t order_n = r->n_kinds + r->n_cube;
  for (size_t o = 0; o < order_n; o++) {
    const char *code = o < r->n_kinds ? r->kinds[o]->code : r->cube[o - r->n_kinds]->kind_code;
    if (!code || !*code || json_object_get(bk, code))
      continue;
    hb_totals t = {0, 0, 0, 0};
    for (size_t i = 0; i < r->n_cube; i++)
      if (r->cube[i]->kind_code && strcmp(r->cube[i]->kind_code, code) == 0)
        hb_totals_add_pb(&t, r->cube[i]->totals);
    if (t.records)
      json_object_set_new(bk, code, jtot_named(&t, kind_name(r, code)));
  }
}

static json_t *json_activities(const Huibao__V1__Rollup *r)
{
  hb_totals by_kind[HB_KIND_MAX + 1];
  memset(by_kind, 0, sizeof by_kind);
  cube_view *v = calloc(r->n_cube ? r->n_cube : 1, sizeof *v);
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
      hb_totals_add_pb(&by_kind[c->kind], c->totals);
    const char *kc = c->kind_code && *c->kind_code ? c->kind_code : hb_vocab_kind_code(c->kind);
    v[i] = (cube_view){c, c->unit_type ? c->unit_type : "", hb_vocab_level_code(c->level), kc};
  }
  for (int k = 1; k <= HB_KIND_MAX; k++)
    if (by_kind[k].records)
      json_object_set_new(bk, hb_vocab_kind_code(k), jtot_named(&by_kind[k], hb_vocab_kind_zh(k)));
  json_declared_kinds(r, bk);
  if (r->n_cube > 1) /* qsort's array may be NULL when empty */
    qsort(v, r->n_cube, sizeof *v, cube_view_cmp);
  for (size_t i = 0; i < r->n_cube; i++) {
    hb_totals t;
    hb_totals_from_pb(v[i].c->totals, &t);
    json_array_append_new(cube,
                          json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "unit_type", v[i].type,
                                    "level", v[i].level, "kind", v[i].kind, "records",
                                    jint(t.records), "sessions", jint(t.sessions), "participants",
                                    jint(t.participants), "outputs", jint(t.outputs)));
  }
  free(v);
  return json_pack("{s:o, s:o, s:o, s:o}", "total", jtot_pb(r->activities), "by_kind", bk, "cube",
                   cube, "returned", jint(r->activities_returned));
}

static json_t *json_category(const Huibao__V1__CategoryCount *c, uint64_t total)
{
  return json_pack("{s:o, s:o, s:f, s:o, s:o}", "name", jstr(c->name), "count", jint(c->count),
                   "share", hb_rollup_share(c->count, total), "units", jint(c->units), "resolved",
                   jint(c->resolved));
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
    json_t *o = json_category(c, p->total), *subs = json_object();
    hb_rollup_review cv;
    hb_rollup_review_of_cat(c, &cv);
    json_review(o, &cv);
    for (size_t j = 0; j < c->n_subcategories; j++)
      json_object_set_new(subs, c->subcategories[j]->code,
                          json_category(c->subcategories[j], p->total));
    json_object_set_new(o, "subcategories", subs);
    json_object_set_new(cats, c->code, o);
  }
  json_t *o = json_pack(
      "{s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:{s:o, s:o}, s:o, s:{s:o, s:o}, "
      "s:{s:o, s:o}}",
      "total", jint(p->total), "identified", jint(p->identified), "rectifying", jint(p->rectifying),
      "resolved", jint(p->resolved), "measures", jint(p->measures), "overdue", jint(p->overdue),
      "resolution_rate", hb_rollup_share(p->resolved, p->total), "by_scope", "individual",
      jint(p->individual), "team", jint(p->team), "by_category", cats, "by_source", "new",
      jint(p->source_new), "existing", jint(p->source_existing), "by_term", "immediate",
      jint(p->term_immediate), "long_term", jint(p->term_long));
  hb_rollup_review v;
  hb_rollup_review_of_pc(p, &v);
  json_review(o, &v);
  return o;
}

/* One indicator: {name, unit, places, value, text, records}; value is a
 * JSON integer when places is 0, else the real nearest the exact decimal. */
static json_t *json_indicator(const Huibao__V1__IndicatorSum *decl,
                              const Huibao__V1__IndicatorSum *s)
{
  uint32_t places = decl->places > 4 ? 4 : decl->places;
  int64_t v = s ? s->value : 0, q = hb_rollup_value_scaled(v, places);
  char text[HB_ROLLUP_VALUE_TEXT];
  double div = 1;
  for (uint32_t i = 0; i < places; i++)
    div *= 10;
  return json_pack("{s:o, s:o, s:o, s:o, s:s, s:o}", "name", jstr(decl->name), "unit",
                   jstr(decl->unit), "places", json_integer(places), "value",
                   places ? json_real((double)q / div) : json_integer(q), "text",
                   hb_rollup_value_text(v, places, text), "records", jint(s ? s->records : 0));
}

static const Huibao__V1__IndicatorSum *indicator_find(Huibao__V1__IndicatorSum *const *a, size_t n,
                                                      const char *code)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(a[i]->code, code) == 0)
      return a[i];
  return NULL;
}

/* Indicators keyed by code: every indicator of the rollup (the campaign's
 * declared ones, in file order) with the sums of a (the rollup's own or a
 * unit's), then codes of a the rollup does not list. */
static json_t *json_indicators(const Huibao__V1__Rollup *r, Huibao__V1__IndicatorSum *const *a,
                               size_t n)
{
  json_t *o = json_object();
  if (!o)
    return NULL;
  for (size_t i = 0; i < r->n_indicators; i++) {
    const Huibao__V1__IndicatorSum *d = r->indicators[i];
    json_object_set_new(o, d->code, json_indicator(d, indicator_find(a, n, d->code)));
  }
  for (size_t i = 0; i < n; i++)
    if (!json_object_get(o, a[i]->code))
      json_object_set_new(o, a[i]->code, json_indicator(a[i], a[i]));
  return o;
}

static json_t *json_cases(const Huibao__V1__CaseCounts *c)
{
  static const Huibao__V1__CaseCounts zero = HUIBAO__V1__CASE_COUNTS__INIT;
  if (!c)
    c = &zero;
  return json_pack("{s:o, s:{s:o, s:o, s:o, s:o}}", "total", jint(c->total), "by_type", "case",
                   jint(c->typical), "practice", jint(c->practice), "group", jint(c->group),
                   "person", jint(c->person));
}

static json_t *jdate(int32_t days)
{
  char buf[16];
  hb_date_format(days, buf, sizeof buf);
  return json_string(buf);
}

static json_t *json_stage(const Huibao__V1__Stage *s)
{
  return json_pack("{s:o, s:o, s:o, s:o}", "n", json_integer(s->n), "name", jstr(s->name), "start",
                   jdate(s->start), "end", jdate(s->end));
}

/* stages (with their state against the rollup's today) and stage_current
 * (null outside every stage, or when the rollup has no today) into doc. */
static void json_stages(const Huibao__V1__Rollup *r, json_t *doc)
{
  json_t *a = json_array(), *cur = json_null();
  bool today = r->has_today && r->today;
  for (size_t i = 0; i < r->n_stages; i++) {
    const Huibao__V1__Stage *s = r->stages[i];
    const char *state = !today                ? NULL
                        : r->today < s->start ? "upcoming"
                        : r->today > s->end   ? "done"
                                              : "current";
    json_t *o = json_stage(s);
    json_object_set_new(o, "state", jstr(state));
    json_array_append_new(a, o);
    if (state && strcmp(state, "current") == 0 && json_is_null(cur))
      cur = json_stage(s);
  }
  json_object_set_new(doc, "stages", a);
  json_object_set_new(doc, "stage_current", cur);
}

/* ---------------------------------------------------------------- periods (issue 13) */

static json_t *jid(const char *id)
{
  return id && *id ? json_string(id) : json_null();
}

/* "2022-06-10 18:00": the due of p in the county's local time. */
static json_t *jdue(const Huibao__V1__Period *p)
{
  char day[16], buf[32];
  hb_date_format(p->due_day, day, sizeof day);
  uint32_t min = p->due_minute % (24 * 60);
  snprintf(buf, sizeof buf, "%s %02u:%02u", day, min / 60, min % 60);
  return json_string(buf);
}

/* by_kind of a period: built-in kinds by code (their Chinese name), then
 * declared kinds by code (the name of Rollup.kinds), as activities.by_kind. */
static json_t *json_period_kinds(const Huibao__V1__Rollup *r, const Huibao__V1__Period *p)
{
  json_t *bk = json_object();
  for (int pass = 0; bk && pass < 2; pass++)
    for (size_t i = 0; i < p->n_by_kind; i++) {
      const Huibao__V1__KindTotals *k = p->by_kind[i];
      bool declared = k->kind_code && *k->kind_code;
      if (declared != (pass == 1) || (!declared && (k->kind < 1 || k->kind > HB_KIND_MAX)))
        continue;
      const char *code = declared ? k->kind_code : hb_vocab_kind_code(k->kind);
      hb_totals t;
      hb_totals_from_pb(k->totals, &t);
      json_t *old = json_object_get(bk, code);
      if (old) { /* the same kind twice: a county would not, a merge does not */
        t.records += (uint64_t)json_integer_value(json_object_get(old, "records"));
        t.sessions += (uint64_t)json_integer_value(json_object_get(old, "sessions"));
        t.participants += (uint64_t)json_integer_value(json_object_get(old, "participants"));
        t.outputs += (uint64_t)json_integer_value(json_object_get(old, "outputs"));
      }
      json_object_set_new(
          bk, code, jtot_named(&t, declared ? kind_name(r, code) : hb_vocab_kind_zh(k->kind)));
    }
  return bk;
}

static json_t *json_period(const Huibao__V1__Rollup *r, const Huibao__V1__Period *p)
{
  static const Huibao__V1__PeriodCounts c0 = HUIBAO__V1__PERIOD_COUNTS__INIT;
  static const Huibao__V1__PeriodProblems p0 = HUIBAO__V1__PERIOD_PROBLEMS__INIT;
  const Huibao__V1__PeriodCounts *c = p->counts ? p->counts : &c0;
  const Huibao__V1__PeriodProblems *pr = p->problems ? p->problems : &p0;
  json_t *units = json_object();
  for (size_t i = 0; units && i < p->n_units; i++)
    json_object_set_new(units, p->units[i]->code,
                        json_string(hb_period_state_name((hb_period_state)p->units[i]->state)));
  return json_pack("{s:s, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o}, s:o, s:{s:o, s:o}, "
                   "s:{s:o, s:o, s:o}}",
                   "id", p->id, "start", jdate(p->start), "end", jdate(p->end), "due", jdue(p),
                   "counts", "reported", jint(c->reported), "nil", jint(c->nil), "late",
                   jint(c->late), "missing", jint(c->missing), "pending", jint(c->pending), "units",
                   units, "activities", "total", jtot_pb(p->activities), "by_kind",
                   json_period_kinds(r, p), "problems", "identified", jint(pr->identified),
                   "resolved", jint(pr->resolved), "overdue_at_end", jint(pr->overdue_at_end));
}

/* cycle, periods, period_current, period_last_closed, contradictions and
 * (a merged rollup, when not empty) cycle_mismatch into doc; nothing for a
 * campaign without a cycle. Returns 0 or -1 (out of memory). */
static int json_periods(const Huibao__V1__Rollup *r, json_t *doc)
{
  if (!r->cycle || !*r->cycle)
    return 0;
  json_t *ps = json_array(), *cs = json_array();
  for (size_t i = 0; ps && i < r->n_periods; i++)
    if (json_array_append_new(ps, json_period(r, r->periods[i])) != 0) {
      json_decref(ps);
      ps = NULL;
    }
  for (size_t i = 0; cs && i < r->n_contradictions; i++) {
    const Huibao__V1__Contradiction *c = r->contradictions[i];
    if (json_array_append_new(cs, json_pack("{s:s, s:s, s:o}", "unit", c->unit, "period", c->period,
                                            "records", jint(c->records))) != 0) {
      json_decref(cs);
      cs = NULL;
    }
  }
  int bad = json_object_set_new(doc, "cycle", json_string(r->cycle)) |
            json_object_set_new(doc, "periods", ps) |
            json_object_set_new(doc, "period_current", jid(r->period_current)) |
            json_object_set_new(doc, "period_last_closed", jid(r->period_last_closed)) |
            json_object_set_new(doc, "contradictions", cs);
  if (r->n_cycle_mismatch) {
    json_t *mm = json_array();
    for (size_t i = 0; mm && i < r->n_cycle_mismatch; i++)
      json_array_append_new(mm, json_string(r->cycle_mismatch[i]));
    bad |= json_object_set_new(doc, "cycle_mismatch", mm);
  }
  return bad ? -1 : 0;
}

static json_t *json_unit(const Huibao__V1__Rollup *r, const Huibao__V1__UnitRow *u)
{
  static const Huibao__V1__ProblemCounts zero = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  const Huibao__V1__ProblemCounts *p = u->problems ? u->problems : &zero;
  json_t *o = json_pack(
      "{s:s, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:{s:o, s:o, s:o, s:o, s:o}}", "code", u->code,
      "name", jstr(u->name), "type", jstr(u->type), "county", jstr(u->county), "last_sync",
      u->last_sync ? jiso(u->last_sync * 1000) : json_null(), "expected", u->expected ? 1 : 0,
      "records", jint(u->records), "activities", jtot_pb(u->activities), "problems", "total",
      jint(p->total), "resolved", jint(p->resolved), "rectifying", jint(p->rectifying),
      "identified", jint(p->identified), "overdue", jint(p->overdue));
  if (o) {
    json_object_set_new(o, "indicators", json_indicators(r, u->indicators, u->n_indicators));
    json_object_set_new(o, "cases", json_cases(u->cases));
    hb_rollup_review v;
    hb_rollup_review_of_pc(p, &v);
    json_review(json_object_get(o, "problems"), &v);
    json_object_set_new(json_object_get(o, "activities"), "returned", jint(u->activities_returned));
  }
  return o;
}

json_t *hb_rollup_to_json(const Huibao__V1__Rollup *r)
{
  json_t *units = json_array();
  if (!units)
    return NULL;
  for (size_t i = 0; i < r->n_units; i++) {
    json_t *u = json_unit(r, r->units[i]);
    if (!u || json_array_append_new(units, u) != 0) {
      json_decref(units);
      return NULL;
    }
  }
  char today[16] = "";
  if (r->has_today && r->today)
    hb_date_format(r->today, today, sizeof today);
  json_t *doc = json_pack("{s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "campaign",
                          r->campaign, "campaign_name", jstr(r->campaign_name), "source", r->source,
                          "as_of", jiso(r->as_of_ms), "seq", jint(r->seq), "today",
                          today[0] ? json_string(today) : json_null(), "counties", json_counties(r),
                          "coverage", json_coverage(r), "activities", json_activities(r),
                          "problems", json_problems(r), "units", units);
  if (!doc)
    return NULL;
  json_t *ind = json_indicators(r, r->indicators, r->n_indicators), *cases = json_cases(r->cases);
  if (!ind || !cases || json_object_set_new(doc, "indicators", ind) != 0 ||
      json_object_set_new(doc, "cases", cases) != 0 ||
      json_object_set_new(doc, "log", json_log(r->log)) != 0) {
    json_decref(doc);
    return NULL;
  }
  json_stages(r, doc);
  if (json_periods(r, doc) != 0) {
    json_decref(doc);
    return NULL;
  }
  return doc;
}
