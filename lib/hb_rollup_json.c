/* hb_rollup_json.c: the JSON view of a Rollup, a contract with the tests
 * and with other programs (docs/protocol.md). */
#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
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
    v[i] = (cube_view){c, c->unit_type ? c->unit_type : "", hb_vocab_level_code(c->level),
                       hb_vocab_kind_code(c->kind)};
  }
  for (int k = 1; k <= HB_KIND_MAX; k++)
    if (by_kind[k].records)
      json_object_set_new(bk, hb_vocab_kind_code(k), jtot(&by_kind[k]));
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
                                  jint(c->count), "share", hb_rollup_share(c->count, p->total),
                                  "units", jint(c->units), "resolved", jint(c->resolved)));
  }
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:f, s:{s:o, s:o}, s:o}", "total",
                   jint(p->total), "identified", jint(p->identified), "rectifying",
                   jint(p->rectifying), "resolved", jint(p->resolved), "measures",
                   jint(p->measures), "overdue", jint(p->overdue), "resolution_rate",
                   hb_rollup_share(p->resolved, p->total), "by_scope", "individual",
                   jint(p->individual), "team", jint(p->team), "by_category", cats);
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
