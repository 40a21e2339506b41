/* rollup_test.c: hb_rollup_merge, hb_rollup_unpack, hb_rollup_to_json and
 * hb_rollup_write_table on two hand-built county rollups. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_wire.h"
#include "test.h"
#include "test_json.h"
#include "test_rollup.h"

#define TOT(r, s, p, o)                                                                            \
  {                                                                                                \
    PROTOBUF_C_MESSAGE_INIT(&huibao__v1__totals__descriptor), 1, r, 1, s, 1, p, 1, o               \
  }

/* Packs r and decodes it with hb_rollup_unpack, as a subscriber would. */
static Huibao__V1__Rollup *roundtrip(const Huibao__V1__Rollup *r)
{
  size_t len;
  uint8_t *buf = test_rollup_pack(r, &len);
  Huibao__V1__Rollup *out = NULL;
  int rc = hb_rollup_unpack(buf, len, &out);
  CHECK_EQ_INT(0, rc);
  free(buf);
  return out;
}

static void cell(Huibao__V1__CubeCell *c, const char *type, int level, int kind,
                 Huibao__V1__Totals *t)
{
  huibao__v1__cube_cell__init(c);
  c->unit_type = (char *)type;
  c->level = (Huibao__V1__ActivityLevel)level;
  c->kind = (Huibao__V1__ActivityKind)kind;
  c->totals = t;
}

static void cat(Huibao__V1__CategoryCount *c, const char *code, const char *name, uint64_t count,
                uint64_t resolved, uint64_t units)
{
  huibao__v1__category_count__init(c);
  c->code = (char *)code;
  c->name = (char *)name;
  c->has_count = c->has_resolved = c->has_units = 1;
  c->count = count;
  c->resolved = resolved;
  c->units = units;
}

static void row(Huibao__V1__UnitRow *u, const char *code, const char *name, const char *type,
                uint64_t records, bool expected, Huibao__V1__Totals *act,
                Huibao__V1__ProblemCounts *pc)
{
  huibao__v1__unit_row__init(u);
  u->code = (char *)code;
  u->name = (char *)name;
  u->type = (char *)type;
  u->has_records = 1;
  u->records = records;
  u->has_expected = 1;
  u->expected = expected;
  u->activities = act;
  u->problems = pc;
}

static void pcounts(Huibao__V1__ProblemCounts *p, uint64_t total, uint64_t ident, uint64_t rect,
                    uint64_t res, uint64_t measures, uint64_t overdue, uint64_t indiv,
                    uint64_t team)
{
  huibao__v1__problem_counts__init(p);
  p->has_total = p->has_identified = p->has_rectifying = p->has_resolved = 1;
  p->has_measures = p->has_overdue = p->has_individual = p->has_team = 1;
  p->total = total;
  p->identified = ident;
  p->rectifying = rect;
  p->resolved = res;
  p->measures = measures;
  p->overdue = overdue;
  p->individual = indiv;
  p->team = team;
}

/* County A ("xq"): a bare county rollup (no sources), three units. */
static Huibao__V1__Rollup *county_a(void)
{
  static Huibao__V1__Totals act = TOT(3, 4, 50, 2), t1 = TOT(2, 3, 40, 1), t2 = TOT(1, 1, 10, 1);
  static Huibao__V1__Totals ua1 = TOT(2, 3, 40, 1), ua2 = TOT(0, 0, 0, 0), ua3 = TOT(1, 1, 10, 1);
  static Huibao__V1__CubeCell c1, c2;
  static Huibao__V1__CubeCell *cube[2];
  static Huibao__V1__CategoryCount k1, k2;
  static Huibao__V1__CategoryCount *cats[2];
  static Huibao__V1__ProblemCounts pc, p1, p2, p3;
  static Huibao__V1__UnitRow u1, u2, u3;
  static Huibao__V1__UnitRow *units[3];
  cell(&c1, "township", 1, 1, &t1);
  cell(&c2, "county", 1, 1, &t2);
  cube[0] = &c1;
  cube[1] = &c2;
  cat(&k1, "thought", "思想", 3, 2, 2);
  cat(&k2, "style", "作风", 1, 0, 1);
  cats[0] = &k1;
  cats[1] = &k2;
  pcounts(&pc, 4, 1, 1, 2, 6, 1, 3, 1);
  pcounts(&p1, 3, 1, 0, 2, 5, 0, 2, 1);
  pcounts(&p2, 0, 0, 0, 0, 0, 0, 0, 0);
  pcounts(&p3, 1, 0, 1, 0, 1, 1, 1, 0);
  row(&u1, "a1", "东镇", "township", 5, true, &ua1, &p1);
  u1.has_last_sync = 1;
  u1.last_sync = 1700000000;
  row(&u2, "a2", "西镇", "township", 0, true, &ua2, &p2);
  row(&u3, "a3", "县委", "county", 2, true, &ua3, &p3);
  units[0] = &u1;
  units[1] = &u2;
  units[2] = &u3;

  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = "xq";
  r.source_name = "西区";
  r.campaign = "jf";
  r.campaign_name = "解放思想";
  r.seq = 5;
  r.as_of_ms = 1000;
  r.has_heartbeat_ms = 1;
  r.heartbeat_ms = 1000;
  r.activities = &act;
  r.n_cube = 2;
  r.cube = cube;
  r.problems = &pc;
  r.n_categories = 2;
  r.categories = cats;
  r.n_units = 3;
  r.units = units;
  return roundtrip(&r);
}

/* County B ("dq"): lists itself as its source; one unexpected unit. */
static Huibao__V1__Rollup *county_b(void)
{
  static Huibao__V1__Totals act = TOT(2, 3, 25, 3), t1 = TOT(1, 2, 20, 0), t2 = TOT(1, 1, 5, 3);
  static Huibao__V1__Totals ub1 = TOT(1, 1, 5, 3), ub2 = TOT(1, 2, 20, 0);
  static Huibao__V1__CubeCell c1, c2;
  static Huibao__V1__CubeCell *cube[2];
  static Huibao__V1__CategoryCount k1, k2;
  static Huibao__V1__CategoryCount *cats[2];
  static Huibao__V1__ProblemCounts pc, p1, p2;
  static Huibao__V1__UnitRow u1, u2;
  static Huibao__V1__UnitRow *units[2];
  static Huibao__V1__Source s = HUIBAO__V1__SOURCE__INIT;
  static Huibao__V1__Source *srcs[1] = {&s};
  cell(&c1, "department", 2, 2, &t2);
  cell(&c2, "township", 1, 1, &t1);
  cube[0] = &c1;
  cube[1] = &c2;
  cat(&k1, "style", NULL, 1, 1, 1);
  cat(&k2, "discipline", "纪律", 0, 0, 0);
  cats[0] = &k1;
  cats[1] = &k2;
  pcounts(&pc, 1, 0, 0, 1, 2, 0, 0, 1);
  pcounts(&p1, 1, 0, 0, 1, 2, 0, 0, 1);
  pcounts(&p2, 0, 0, 0, 0, 0, 0, 0, 0);
  row(&u1, "b1", "组织部", "department", 2, true, &ub1, &p1);
  row(&u2, "b9", NULL, "unknown", 1, false, &ub2, &p2);
  units[0] = &u1;
  units[1] = &u2;
  s.code = "dq";
  s.name = "东区";
  s.has_seq = s.has_as_of_ms = 1;
  s.seq = 7;
  s.as_of_ms = 1500;

  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = "dq";
  r.source_name = "东区";
  r.campaign = "jf";
  r.seq = 7;
  r.as_of_ms = 1500;
  r.n_sources = 1;
  r.sources = srcs;
  r.activities = &act;
  r.n_cube = 2;
  r.cube = cube;
  r.problems = &pc;
  r.n_categories = 2;
  r.categories = cats;
  r.n_units = 2;
  r.units = units;
  return roundtrip(&r);
}

static Huibao__V1__Rollup *merged(void)
{
  const Huibao__V1__Rollup *in[2] = {county_a(), county_b()};
  const bool stale[2] = {false, true};
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in, 2, stale, "city", "市", 2000, &m));
  protobuf_c_message_free_unpacked((ProtobufCMessage *)in[0], NULL);
  protobuf_c_message_free_unpacked((ProtobufCMessage *)in[1], NULL);
  return m;
}

static void test_merge_sums(void)
{
  Huibao__V1__Rollup *m = merged();
  if (!m)
    return;
  CHECK_EQ_STR("city", m->source);
  CHECK_EQ_STR("jf", m->campaign);
  CHECK_EQ_STR("解放思想", m->campaign_name);
  CHECK_EQ_INT(12, m->seq);
  CHECK_EQ_INT(2000, m->as_of_ms);
  CHECK_EQ_INT(1000, m->heartbeat_ms);
  CHECK_EQ_INT(2, m->n_sources);
  CHECK_EQ_STR("xq", m->sources[0]->code);
  CHECK_EQ_INT(5, m->sources[0]->seq);
  CHECK_EQ_INT(1000, m->sources[0]->as_of_ms);
  CHECK_EQ_INT(0, m->sources[0]->stale);
  CHECK_EQ_STR("dq", m->sources[1]->code);
  CHECK_EQ_INT(7, m->sources[1]->seq);
  CHECK_EQ_INT(1, m->sources[1]->stale);

  CHECK_EQ_INT(5, m->activities->records);
  CHECK_EQ_INT(7, m->activities->sessions);
  CHECK_EQ_INT(75, m->activities->participants);
  CHECK_EQ_INT(5, m->activities->outputs);

  /* township/unit/study occurs in both and is summed; order county, township, department */
  CHECK_EQ_INT(3, m->n_cube);
  if (m->n_cube == 3) {
    CHECK_EQ_STR("county", m->cube[0]->unit_type);
    CHECK_EQ_INT(1, m->cube[0]->totals->records);
    CHECK_EQ_STR("township", m->cube[1]->unit_type);
    CHECK_EQ_INT(1, m->cube[1]->level);
    CHECK_EQ_INT(1, m->cube[1]->kind);
    CHECK_EQ_INT(3, m->cube[1]->totals->records);
    CHECK_EQ_INT(5, m->cube[1]->totals->sessions);
    CHECK_EQ_INT(60, m->cube[1]->totals->participants);
    CHECK_EQ_INT(1, m->cube[1]->totals->outputs);
    CHECK_EQ_STR("department", m->cube[2]->unit_type);
    CHECK_EQ_INT(2, m->cube[2]->level);
    CHECK_EQ_INT(2, m->cube[2]->kind);
  }

  CHECK_EQ_INT(5, m->problems->total);
  CHECK_EQ_INT(1, m->problems->identified);
  CHECK_EQ_INT(1, m->problems->rectifying);
  CHECK_EQ_INT(3, m->problems->resolved);
  CHECK_EQ_INT(8, m->problems->measures);
  CHECK_EQ_INT(1, m->problems->overdue);
  CHECK_EQ_INT(3, m->problems->individual);
  CHECK_EQ_INT(2, m->problems->team);

  CHECK_EQ_INT(3, m->n_categories);
  if (m->n_categories == 3) {
    CHECK_EQ_STR("thought", m->categories[0]->code);
    CHECK_EQ_STR("style", m->categories[1]->code);
    CHECK_EQ_STR("作风", m->categories[1]->name);
    CHECK_EQ_INT(2, m->categories[1]->count);
    CHECK_EQ_INT(1, m->categories[1]->resolved);
    CHECK_EQ_INT(2, m->categories[1]->units);
    CHECK_EQ_STR("discipline", m->categories[2]->code);
    CHECK_EQ_INT(0, m->categories[2]->count);
  }

  CHECK_EQ_INT(5, m->n_units);
  if (m->n_units == 5) {
    CHECK_EQ_STR("a1", m->units[0]->code);
    CHECK_EQ_STR("xq", m->units[0]->county);
    CHECK_EQ_STR("b1", m->units[3]->code);
    CHECK_EQ_STR("dq", m->units[3]->county);
    CHECK_EQ_INT(0, m->units[4]->expected);
  }
  protobuf_c_message_free_unpacked(&m->base, NULL);
}

static void test_merge_of_merged(void)
{
  Huibao__V1__Rollup *a = merged();
  Huibao__V1__Rollup *b = merged();
  if (!a || !b)
    return;
  const Huibao__V1__Rollup *in[2] = {a, b};
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in, 2, (const bool[]){true, false}, "prov", NULL, 3000, &m));
  CHECK_EQ_INT(24, m->seq);
  CHECK_EQ_INT(4, m->n_sources);
  CHECK_EQ_INT(1, m->sources[0]->stale); /* marked by this merge */
  CHECK_EQ_INT(1, m->sources[3]->stale); /* kept from the first merge */
  CHECK_EQ_INT(0, m->sources[2]->stale);
  CHECK_EQ_INT(10, m->problems->total);
  CHECK_EQ_INT(10, m->n_units);
  CHECK_EQ_STR("dq", m->units[8]->county);
  protobuf_c_message_free_unpacked(&m->base, NULL);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  protobuf_c_message_free_unpacked(&b->base, NULL);
}

static void test_merge_refuses(void)
{
  Huibao__V1__Rollup *a = county_a(), *b = county_b();
  Huibao__V1__Rollup *m = NULL;
  free(b->campaign);
  b->campaign = strdup("other");
  const Huibao__V1__Rollup *in[2] = {a, b};
  CHECK_EQ_INT(HB_EINVAL, hb_rollup_merge(in, 2, NULL, "city", NULL, 0, &m));
  CHECK(m == NULL);
  CHECK_EQ_INT(HB_EINVAL, hb_rollup_merge(in, 0, NULL, "city", NULL, 0, &m));
  protobuf_c_message_free_unpacked(&a->base, NULL);
  protobuf_c_message_free_unpacked(&b->base, NULL);
}

static void test_json(void)
{
  Huibao__V1__Rollup *m = merged();
  if (!m)
    return;
  json_t *j = hb_rollup_to_json(m);
  CHECK(j != NULL);
  CHECK_EQ_STR("jf", jstr_at(j, "campaign"));
  CHECK_EQ_STR("解放思想", jstr_at(j, "campaign_name"));
  CHECK_EQ_STR("1970-01-01T00:00:02.000Z", jstr_at(j, "as_of"));
  CHECK_EQ_INT(12, jint_at(j, "seq"));
  CHECK_EQ_INT(2, json_array_size(path(j, "counties")));
  CHECK_EQ_STR("xq", jstr_at(j, "counties.0.code"));
  CHECK_EQ_STR("西区", jstr_at(j, "counties.0.name"));
  CHECK_EQ_INT(5, jint_at(j, "counties.0.seq"));
  CHECK_EQ_STR("1970-01-01T00:00:01.000Z", jstr_at(j, "counties.0.as_of"));
  CHECK(json_is_false(path(j, "counties.0.stale")));
  CHECK(json_is_true(path(j, "counties.1.stale")));

  CHECK_EQ_INT(4, jint_at(j, "coverage.expected"));
  CHECK_EQ_INT(4, jint_at(j, "coverage.reported"));
  CHECK_EQ_INT(1, json_array_size(path(j, "coverage.missing")));
  CHECK_EQ_STR("a2", jstr_at(j, "coverage.missing.0"));

  CHECK_EQ_INT(5, jint_at(j, "activities.total.records"));
  CHECK_EQ_INT(75, jint_at(j, "activities.total.participants"));
  CHECK_EQ_INT(2, json_object_size(path(j, "activities.by_kind")));
  CHECK_EQ_INT(4, jint_at(j, "activities.by_kind.study.records"));
  CHECK_EQ_INT(6, jint_at(j, "activities.by_kind.study.sessions"));
  CHECK_EQ_INT(70, jint_at(j, "activities.by_kind.study.participants"));
  CHECK_EQ_INT(2, jint_at(j, "activities.by_kind.study.outputs"));
  CHECK_EQ_INT(3, jint_at(j, "activities.by_kind.seminar.outputs"));
  CHECK(path(j, "activities.by_kind.lecture") == NULL);
  CHECK_EQ_INT(3, json_array_size(path(j, "activities.cube")));
  CHECK_EQ_STR("county", jstr_at(j, "activities.cube.0.unit_type"));
  CHECK_EQ_STR("department", jstr_at(j, "activities.cube.1.unit_type"));
  CHECK_EQ_STR("branch", jstr_at(j, "activities.cube.1.level"));
  CHECK_EQ_STR("seminar", jstr_at(j, "activities.cube.1.kind"));
  CHECK_EQ_STR("township", jstr_at(j, "activities.cube.2.unit_type"));
  CHECK_EQ_STR("unit", jstr_at(j, "activities.cube.2.level"));
  CHECK_EQ_STR("study", jstr_at(j, "activities.cube.2.kind"));
  CHECK_EQ_INT(3, jint_at(j, "activities.cube.2.records"));
  CHECK_EQ_INT(5, jint_at(j, "activities.cube.2.sessions"));
  CHECK_EQ_INT(60, jint_at(j, "activities.cube.2.participants"));
  CHECK_EQ_INT(1, jint_at(j, "activities.cube.2.outputs"));

  CHECK_EQ_INT(5, jint_at(j, "problems.total"));
  CHECK_EQ_INT(1, jint_at(j, "problems.identified"));
  CHECK_EQ_INT(1, jint_at(j, "problems.rectifying"));
  CHECK_EQ_INT(3, jint_at(j, "problems.resolved"));
  CHECK_EQ_INT(8, jint_at(j, "problems.measures"));
  CHECK_EQ_INT(1, jint_at(j, "problems.overdue"));
  CHECK(json_real_value(path(j, "problems.resolution_rate")) == 0.6);
  CHECK_EQ_INT(3, jint_at(j, "problems.by_scope.individual"));
  CHECK_EQ_INT(2, jint_at(j, "problems.by_scope.team"));
  CHECK_EQ_INT(3, json_object_size(path(j, "problems.by_category")));
  CHECK_EQ_STR("作风", jstr_at(j, "problems.by_category.style.name"));
  CHECK_EQ_INT(2, jint_at(j, "problems.by_category.style.count"));
  CHECK(json_real_value(path(j, "problems.by_category.style.share")) == 0.4);
  CHECK_EQ_INT(2, jint_at(j, "problems.by_category.style.units"));
  CHECK_EQ_INT(1, jint_at(j, "problems.by_category.style.resolved"));
  CHECK(json_is_real(path(j, "problems.by_category.discipline.share")));
  CHECK(json_real_value(path(j, "problems.by_category.discipline.share")) == 0.0);

  CHECK_EQ_INT(5, json_array_size(path(j, "units")));
  CHECK_EQ_STR("a1", jstr_at(j, "units.0.code"));
  CHECK_EQ_STR("东镇", jstr_at(j, "units.0.name"));
  CHECK_EQ_STR("township", jstr_at(j, "units.0.type"));
  CHECK_EQ_STR("xq", jstr_at(j, "units.0.county"));
  CHECK_EQ_STR("2023-11-14T22:13:20.000Z", jstr_at(j, "units.0.last_sync"));
  CHECK(json_is_null(path(j, "units.1.last_sync")));
  CHECK(json_is_true(path(j, "units.0.expected")));
  CHECK_EQ_INT(5, jint_at(j, "units.0.records"));
  CHECK_EQ_INT(40, jint_at(j, "units.0.activities.participants"));
  CHECK_EQ_INT(3, jint_at(j, "units.0.problems.total"));
  CHECK_EQ_INT(2, jint_at(j, "units.0.problems.resolved"));
  CHECK_EQ_INT(0, jint_at(j, "units.0.problems.rectifying"));
  CHECK_EQ_INT(1, jint_at(j, "units.0.problems.identified"));
  CHECK_EQ_INT(0, jint_at(j, "units.0.problems.overdue"));
  CHECK_EQ_STR("dq", jstr_at(j, "units.3.county"));
  CHECK(json_is_null(path(j, "units.4.name")));
  CHECK(json_is_false(path(j, "units.4.expected")));
  json_decref(j);
  protobuf_c_message_free_unpacked(&m->base, NULL);
}

/* A county rollup without sources is its own one county. */
static void test_json_single_county(void)
{
  Huibao__V1__Rollup *a = county_a();
  json_t *j = hb_rollup_to_json(a);
  CHECK_EQ_INT(1, json_array_size(path(j, "counties")));
  CHECK_EQ_STR("xq", jstr_at(j, "counties.0.code"));
  CHECK_EQ_INT(5, jint_at(j, "counties.0.seq"));
  CHECK(json_is_false(path(j, "counties.0.stale")));
  CHECK_EQ_INT(3, jint_at(j, "coverage.expected"));
  CHECK_EQ_INT(2, jint_at(j, "coverage.reported"));
  CHECK(json_real_value(path(j, "problems.by_category.thought.share")) == 0.75);
  json_decref(j);
  protobuf_c_message_free_unpacked(&a->base, NULL);
}

static int unpack_of(Huibao__V1__Rollup *r)
{
  size_t len;
  uint8_t *buf = test_rollup_pack(r, &len);
  Huibao__V1__Rollup *out = NULL;
  int rc = hb_rollup_unpack(buf, len, &out);
  if (out)
    protobuf_c_message_free_unpacked(&out->base, NULL);
  free(buf);
  return rc;
}

static void test_unpack_refuses(void)
{
  Huibao__V1__Rollup *a = county_a();
  CHECK_EQ_INT(0, unpack_of(a));
  a->cube[0]->kind = (Huibao__V1__ActivityKind)99;
  CHECK_EQ_INT(HB_EPROTO, unpack_of(a));
  a->cube[0]->kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  a->cube[0]->level = (Huibao__V1__ActivityLevel)3;
  CHECK_EQ_INT(HB_EPROTO, unpack_of(a));
  a->cube[0]->level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  CHECK_EQ_INT(0, unpack_of(a));
  char *name = a->units[1]->name;
  a->units[1]->name = "bad \xff\xfe";
  CHECK_EQ_INT(HB_EPROTO, unpack_of(a));
  a->units[1]->name = "overlong \xc0\xaf";
  CHECK_EQ_INT(HB_EPROTO, unpack_of(a));
  a->units[1]->name = name;
  char *cname = a->categories[0]->name;
  a->categories[0]->name = "\xed\xa0\x80"; /* a surrogate */
  CHECK_EQ_INT(HB_EPROTO, unpack_of(a));
  a->categories[0]->name = cname;
  CHECK_EQ_INT(0, unpack_of(a));
  protobuf_c_message_free_unpacked(&a->base, NULL);

  Huibao__V1__Rollup *out = NULL;
  static const uint8_t junk[] = {0xff, 0xff, 0xff, 0x01, 0x02};
  CHECK_EQ_INT(HB_EPROTO, hb_rollup_unpack(junk, sizeof junk, &out));
  CHECK_EQ_INT(HB_EPROTO, hb_rollup_unpack(junk, 0, &out)); /* required fields missing */
  CHECK_EQ_INT(HB_ETOOBIG, hb_rollup_unpack(junk, (size_t)HB_WIRE_MAX_ROLLUP + 1, &out));
  CHECK(out == NULL);
}

static char *table_of(const Huibao__V1__Rollup *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  CHECK_EQ_INT(0, hb_rollup_write_table(r, f));
  fclose(f);
  return buf;
}

static void test_table(void)
{
  Huibao__V1__Rollup *m = merged();
  if (!m)
    return;
  char *t = table_of(m);
  CHECK_CONTAINS(t, "专项 解放思想  jf\n");
  CHECK_CONTAINS(t, "截至 1970-01-01T00:00:02.000Z  (seq 12)\n");
  CHECK_CONTAINS(t, "县区 西区 xq；东区 dq [失联 stale]\n");
  CHECK_CONTAINS(t, "覆盖 已报 4 / 应报 4 家单位；未报：西镇\n");
  CHECK_CONTAINS(t,
                 "  合计                  total                         5     7        75     5\n");
  CHECK_CONTAINS(t,
                 "  集中学习              study                         4     6        70     2\n");
  CHECK_CONTAINS(t, "  分层                  cube\n");
  CHECK_CONTAINS(t,
                 "  乡级本级集中学习      township/unit/study           3     5        60     1\n");
  CHECK_CONTAINS(t,
                 "  部门基层组织专题研讨  department/branch/seminar     1     1         5     3\n");
  CHECK_CONTAINS(t, "查摆问题 5 个：已查摆 1，整改中 1，已整改 3；整改措施 8 条\n");
  CHECK_CONTAINS(t, "整改率 60.00%；逾期 1 个；个人 3，班子 2\n");
  CHECK_CONTAINS(t, "  作风  style            2  40.00%       1         2\n");
  CHECK_CONTAINS(t, "  b1    组织部  部门  dq    是       2     1     1     1       1       0     "
                    "0  从未 never\n");
  CHECK_CONTAINS(t, "  b9            ?     dq    否       1");
  CHECK_CONTAINS(t, "2023-11-14 22:13:20");
  free(t);

  /* a hostile name cannot move the terminal's cursor */
  free(m->units[0]->name);
  m->units[0]->name = strdup("\x1b[2J东镇");
  t = table_of(m);
  CHECK(strchr(t, '\x1b') == NULL);
  CHECK_CONTAINS(t, "?[2J东镇");
  free(t);
  protobuf_c_message_free_unpacked(&m->base, NULL);
}

/* ---------------------------------------------------------------- issue 12 */

static void indsum(Huibao__V1__IndicatorSum *s, const char *code, const char *name,
                   const char *unit, int places, int64_t value, uint64_t records)
{
  huibao__v1__indicator_sum__init(s);
  s->code = (char *)code;
  s->name = (char *)name;
  s->unit = (char *)unit;
  s->has_places = places >= 0;
  s->places = places >= 0 ? (uint32_t)places : 0;
  s->has_value = s->has_records = 1;
  s->value = value;
  s->records = records;
}

static void casecounts(Huibao__V1__CaseCounts *c, uint64_t typical, uint64_t practice,
                       uint64_t group, uint64_t person)
{
  huibao__v1__case_counts__init(c);
  c->has_total = c->has_typical = c->has_practice = c->has_group = c->has_person = 1;
  c->typical = typical;
  c->practice = practice;
  c->group = group;
  c->person = person;
  c->total = typical + practice + group + person;
}

/* A county of campaign "zt" with declared kinds, sub-categories, problem
 * source/term, indicators, cases and stages. second: the other county, whose
 * figures differ (and which lists a kind and an indicator the first lacks). */
static Huibao__V1__Rollup *county12(bool second)
{
  static Huibao__V1__Totals act[2], tc[2][3], ua[2];
  static Huibao__V1__CubeCell c[2][3];
  static Huibao__V1__CubeCell *cube[2][3];
  static Huibao__V1__CategoryCount k[2], sub[2][2];
  static Huibao__V1__CategoryCount *cats[2][1], *subs[2][2];
  static Huibao__V1__ProblemCounts pc[2];
  static Huibao__V1__IndicatorSum ind[2][2], uind[2][1];
  static Huibao__V1__IndicatorSum *inds[2][2], *uinds[2][1];
  static Huibao__V1__CaseCounts cs[2], ucs[2];
  static Huibao__V1__KindName kn[2][2];
  static Huibao__V1__KindName *kns[2][2];
  static Huibao__V1__Stage st[2][2];
  static Huibao__V1__Stage *sts[2][2];
  static Huibao__V1__UnitRow u[2];
  static Huibao__V1__UnitRow *units[2][1];
  int i = second ? 1 : 0;
  act[i] = (Huibao__V1__Totals)TOT(3, 3, 30, 3);
  tc[i][0] = (Huibao__V1__Totals)TOT(1, 1, 10, 1);
  tc[i][1] = (Huibao__V1__Totals)TOT(1, 1, 10, 1);
  tc[i][2] = (Huibao__V1__Totals)TOT(1, 1, 10, 1);
  ua[i] = act[i];
  cell(&c[i][0], "township", 1, 0, &tc[i][0]);
  c[i][0].kind_code = "dangke";
  cell(&c[i][1], "township", 1, 0, &tc[i][1]);
  c[i][1].kind_code = second ? "bilian" : "zouliucheng";
  cell(&c[i][2], "township", 1, 1, &tc[i][2]);
  for (int j = 0; j < 3; j++)
    cube[i][j] = &c[i][j];
  huibao__v1__kind_name__init(&kn[i][0]);
  huibao__v1__kind_name__init(&kn[i][1]);
  kn[i][0].code = "dangke";
  kn[i][0].name = second ? "党课" : "讲党课";
  kn[i][1].code = second ? "bilian" : "zouliucheng";
  kn[i][1].name = second ? "比武练兵" : "走流程";
  kns[i][0] = &kn[i][0];
  kns[i][1] = &kn[i][1];
  pcounts(&pc[i], 4, 1, 1, 2, 4, 0, 2, 2);
  pc[i].has_source_new = pc[i].has_source_existing = 1;
  pc[i].has_term_immediate = pc[i].has_term_long = 1;
  pc[i].source_new = 3;
  pc[i].source_existing = 1;
  pc[i].term_immediate = second ? 2 : 1;
  pc[i].term_long = 2;
  cat(&k[i], "theory", "理论学习不到位", 4, 2, 1);
  cat(&sub[i][0], second ? "t2" : "t1", second ? "学用脱节" : "学习不系统", 2, 1, 1);
  cat(&sub[i][1], second ? "t1" : "t2", second ? NULL : "学用脱节", 1, 0, 1);
  subs[i][0] = &sub[i][0];
  subs[i][1] = &sub[i][1];
  k[i].n_subcategories = 2;
  k[i].subcategories = subs[i];
  cats[i][0] = &k[i];
  indsum(&ind[i][0], "juanzhu", "捐助物资", "万元", 2, second ? 2000 : 1000, 1);
  indsum(&ind[i][1], second ? "zhidu" : "shishi", second ? "建章立制" : "为民办实事",
         second ? "项" : "件", 0, 30000, 3);
  inds[i][0] = &ind[i][0];
  inds[i][1] = &ind[i][1];
  indsum(&uind[i][0], "juanzhu", NULL, NULL, -1, second ? 2000 : 1000, 1);
  uinds[i][0] = &uind[i][0];
  casecounts(&cs[i], 1, 0, second ? 4 : 0, second ? 13 : 1);
  ucs[i] = cs[i];
  for (int j = 0; j < 2; j++) {
    huibao__v1__stage__init(&st[i][j]);
    st[i][j].n = (uint32_t)j + 1;
    st[i][j].name = j ? "问题查摆" : "学习研讨";
    st[i][j].has_start = st[i][j].has_end = 1;
    st[i][j].start = 19448 + 50 * j; /* 2023-04-01, 2023-05-21 */
    st[i][j].end = 19448 + 50 * j + (second ? 40 : 49);
    sts[i][j] = &st[i][j];
  }
  row(&u[i], second ? "b1" : "a1", NULL, "township", 7, true, &ua[i], &pc[i]);
  u[i].n_indicators = 1;
  u[i].indicators = uinds[i];
  u[i].cases = &ucs[i];
  units[i][0] = &u[i];

  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = second ? "dq" : "xq";
  r.campaign = "zt";
  r.seq = 1;
  r.as_of_ms = 1000;
  r.has_today = 1;
  r.today = 19448 + 55; /* inside the second stage */
  r.activities = &act[i];
  r.n_cube = 3;
  r.cube = cube[i];
  r.problems = &pc[i];
  r.n_categories = 1;
  r.categories = cats[i];
  r.n_units = 1;
  r.units = units[i];
  r.n_kinds = 2;
  r.kinds = kns[i];
  r.n_indicators = 2;
  r.indicators = inds[i];
  r.cases = &cs[i];
  r.n_stages = 2;
  r.stages = sts[i];
  return roundtrip(&r);
}

static Huibao__V1__Rollup *merged12(void)
{
  const Huibao__V1__Rollup *in[2] = {county12(false), county12(true)};
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in, 2, NULL, "city", "市", 2000, &m));
  protobuf_c_message_free_unpacked((ProtobufCMessage *)in[0], NULL);
  protobuf_c_message_free_unpacked((ProtobufCMessage *)in[1], NULL);
  return m;
}

/* Checks the merged figures of two county12s (times mult: a province of
 * two such cities is the same figures doubled). */
static void check_merged12(const Huibao__V1__Rollup *m, int mult)
{
  CHECK_EQ_INT(4, m->n_cube); /* dangke summed, zouliucheng, bilian, study */
  for (size_t i = 0; i < m->n_cube; i++) {
    const char *kc = m->cube[i]->kind_code ? m->cube[i]->kind_code : "";
    CHECK_EQ_INT(strcmp(kc, "dangke") == 0 ? 2 * mult : (m->cube[i]->kind ? 2 : 1) * mult,
                 m->cube[i]->totals->records);
  }
  CHECK_EQ_INT(3, m->n_kinds);
  if (m->n_kinds == 3) {
    CHECK_EQ_STR("dangke", m->kinds[0]->code);
    CHECK_EQ_STR("讲党课", m->kinds[0]->name); /* the first name wins */
    CHECK_EQ_STR("zouliucheng", m->kinds[1]->code);
    CHECK_EQ_STR("bilian", m->kinds[2]->code);
  }
  CHECK_EQ_INT(6 * mult, m->problems->source_new);
  CHECK_EQ_INT(2 * mult, m->problems->source_existing);
  CHECK_EQ_INT(3 * mult, m->problems->term_immediate);
  CHECK_EQ_INT(4 * mult, m->problems->term_long);
  CHECK_EQ_INT(1, m->n_categories);
  if (m->n_categories == 1 && m->categories[0]->n_subcategories == 2) {
    const Huibao__V1__CategoryCount *c = m->categories[0];
    CHECK_EQ_STR("t1", c->subcategories[0]->code);
    CHECK_EQ_STR("学习不系统", c->subcategories[0]->name);
    CHECK_EQ_INT(3 * mult, c->subcategories[0]->count);
    CHECK_EQ_INT(1 * mult, c->subcategories[0]->resolved);
    CHECK_EQ_INT(2 * mult, c->subcategories[0]->units);
    CHECK_EQ_STR("t2", c->subcategories[1]->code);
    CHECK_EQ_INT(3 * mult, c->subcategories[1]->count);
  } else {
    CHECK(0);
  }
  CHECK_EQ_INT(3, m->n_indicators);
  if (m->n_indicators == 3) {
    CHECK_EQ_STR("juanzhu", m->indicators[0]->code);
    CHECK_EQ_INT(3000 * mult, m->indicators[0]->value);
    CHECK_EQ_INT(2 * mult, m->indicators[0]->records);
    CHECK_EQ_INT(2, m->indicators[0]->places);
    CHECK_EQ_STR("万元", m->indicators[0]->unit);
    CHECK_EQ_STR("shishi", m->indicators[1]->code);
    CHECK_EQ_INT(30000 * mult, m->indicators[1]->value);
    CHECK_EQ_STR("zhidu", m->indicators[2]->code);
    CHECK_EQ_STR("建章立制", m->indicators[2]->name);
  }
  CHECK(m->cases != NULL);
  if (m->cases) {
    CHECK_EQ_INT(20 * mult, m->cases->total);
    CHECK_EQ_INT(4 * mult, m->cases->group);
    CHECK_EQ_INT(14 * mult, m->cases->person);
  }
  CHECK_EQ_INT(2, m->n_stages);
  if (m->n_stages == 2)
    CHECK_EQ_INT(19448 + 50 + 49, m->stages[1]->end); /* the first input's */
  CHECK_EQ_INT(2 * mult, m->n_units);
  if (m->n_units >= 2) {
    CHECK_EQ_INT(1, m->units[1]->n_indicators);
    CHECK_EQ_INT(2000, m->units[1]->indicators[0]->value);
    CHECK_EQ_INT(17, m->units[1]->cases->person + m->units[1]->cases->group);
  }
}

static void test_merge12(void)
{
  Huibao__V1__Rollup *a = merged12(), *b = merged12();
  if (!a || !b)
    return;
  check_merged12(a, 1);
  const Huibao__V1__Rollup *in[2] = {a, b};
  Huibao__V1__Rollup *p = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in, 2, NULL, "prov", NULL, 3000, &p));
  if (p)
    check_merged12(p, 2);
  protobuf_c_message_free_unpacked(&p->base, NULL);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  protobuf_c_message_free_unpacked(&b->base, NULL);
}

static void test_value_text(void)
{
  char b[HB_ROLLUP_VALUE_TEXT];
  CHECK_EQ_STR("0.30", hb_rollup_value_text(3000, 2, b));
  CHECK_EQ_STR("-0.30", hb_rollup_value_text(-3000, 2, b));
  CHECK_EQ_STR("-1.25", hb_rollup_value_text(-12500, 2, b));
  CHECK_EQ_STR("7", hb_rollup_value_text(70000, 0, b));
  CHECK_EQ_STR("0", hb_rollup_value_text(0, 0, b));
  CHECK_EQ_STR("0.0000", hb_rollup_value_text(0, 4, b));
  CHECK_EQ_STR("1.2346", hb_rollup_value_text(12346, 4, b));
  CHECK_EQ_STR("1.24", hb_rollup_value_text(12350, 2, b)); /* half away from zero */
  CHECK_EQ_STR("-1.24", hb_rollup_value_text(-12350, 2, b));
  CHECK_EQ_STR("10000000000.00", hb_rollup_value_text(100000000000000LL, 2, b));
  CHECK_EQ_STR("-922337203685477.5808", hb_rollup_value_text(INT64_MIN, 4, b));
}

static double jreal_at(json_t *j, const char *p)
{
  json_t *v = path(j, p);
  return json_is_real(v) ? json_real_value(v) : -999.0;
}

static void test_json12(void)
{
  Huibao__V1__Rollup *m = merged12();
  if (!m)
    return;
  json_t *j = hb_rollup_to_json(m);
  CHECK(j != NULL);
  CHECK_EQ_INT(2, jint_at(j, "activities.by_kind.dangke.records"));
  CHECK_EQ_STR("讲党课", jstr_at(j, "activities.by_kind.dangke.name"));
  CHECK_EQ_STR("比武练兵", jstr_at(j, "activities.by_kind.bilian.name"));
  CHECK_EQ_STR("集中学习", jstr_at(j, "activities.by_kind.study.name"));
  CHECK_EQ_INT(2, jint_at(j, "activities.by_kind.study.records"));
  int declared = 0;
  json_t *cube = path(j, "activities.cube"), *c;
  size_t i;
  json_array_foreach(cube, i, c) declared +=
      strcmp(json_string_value(json_object_get(c, "kind")), "dangke") == 0;
  CHECK_EQ_INT(1, declared);
  CHECK_EQ_STR("0.30", jstr_at(j, "indicators.juanzhu.text"));
  CHECK(jreal_at(j, "indicators.juanzhu.value") == 0.3);
  CHECK_EQ_INT(2, jint_at(j, "indicators.juanzhu.places"));
  CHECK_EQ_STR("万元", jstr_at(j, "indicators.juanzhu.unit"));
  CHECK_EQ_INT(3, jint_at(j, "indicators.shishi.value")); /* the first county only */
  CHECK_EQ_STR("3", jstr_at(j, "indicators.shishi.text"));
  CHECK_EQ_INT(3, jint_at(j, "indicators.shishi.records"));
  /* every indicator in every unit row, zero where the unit has none */
  CHECK_EQ_STR("0.10", jstr_at(j, "units.0.indicators.juanzhu.text"));
  CHECK_EQ_STR("捐助物资", jstr_at(j, "units.0.indicators.juanzhu.name"));
  CHECK_EQ_INT(0, jint_at(j, "units.0.indicators.shishi.value"));
  CHECK_EQ_INT(0, jint_at(j, "units.0.indicators.zhidu.records"));
  CHECK_EQ_INT(13, jint_at(j, "units.1.cases.by_type.person"));
  CHECK_EQ_INT(2, jint_at(j, "units.0.cases.total"));
  CHECK_EQ_INT(20, jint_at(j, "cases.total"));
  CHECK_EQ_INT(2, jint_at(j, "cases.by_type.case"));
  CHECK_EQ_INT(0, jint_at(j, "cases.by_type.practice"));
  CHECK_EQ_INT(4, jint_at(j, "cases.by_type.group"));
  CHECK_EQ_INT(14, jint_at(j, "cases.by_type.person"));
  CHECK_EQ_INT(6, jint_at(j, "problems.by_source.new"));
  CHECK_EQ_INT(2, jint_at(j, "problems.by_source.existing"));
  CHECK_EQ_INT(3, jint_at(j, "problems.by_term.immediate"));
  CHECK_EQ_INT(4, jint_at(j, "problems.by_term.long_term"));
  CHECK_EQ_INT(3, jint_at(j, "problems.by_category.theory.subcategories.t1.count"));
  CHECK_EQ_STR("学用脱节", jstr_at(j, "problems.by_category.theory.subcategories.t2.name"));
  CHECK_EQ_INT(2, jint_at(j, "problems.by_category.theory.subcategories.t2.units"));
  CHECK_EQ_INT(1, jint_at(j, "problems.by_category.theory.subcategories.t2.resolved"));
  CHECK(jreal_at(j, "problems.by_category.theory.subcategories.t1.share") == 3.0 / 8.0);
  CHECK_EQ_STR("done", jstr_at(j, "stages.0.state"));
  CHECK_EQ_STR("current", jstr_at(j, "stages.1.state"));
  CHECK_EQ_STR("2023-04-01", jstr_at(j, "stages.0.start"));
  CHECK_EQ_STR("2023-05-20", jstr_at(j, "stages.0.end"));
  CHECK_EQ_INT(2, jint_at(j, "stage_current.n"));
  CHECK_EQ_STR("问题查摆", jstr_at(j, "stage_current.name"));
  char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
  CHECK(text && strstr(text, "\"value\":0.3,") != NULL);
  free(text);
  json_decref(j);

  /* before every stage: all upcoming, stage_current null */
  m->today = 19000;
  j = hb_rollup_to_json(m);
  CHECK_EQ_STR("upcoming", jstr_at(j, "stages.0.state"));
  CHECK_EQ_STR("upcoming", jstr_at(j, "stages.1.state"));
  CHECK(json_is_null(json_object_get(j, "stage_current")));
  json_decref(j);
  protobuf_c_message_free_unpacked(&m->base, NULL);
}

/* A rollup without any issue-12 figure: the new keys are there, empty. */
static void test_json12_absent(void)
{
  Huibao__V1__Rollup *m = merged();
  if (!m)
    return;
  json_t *j = hb_rollup_to_json(m);
  CHECK_EQ_INT(0, json_object_size(json_object_get(j, "indicators")));
  CHECK_EQ_INT(0, jint_at(j, "cases.total"));
  CHECK_EQ_INT(0, json_array_size(json_object_get(j, "stages")));
  CHECK(json_is_null(json_object_get(j, "stage_current")));
  CHECK_EQ_INT(0, jint_at(j, "problems.by_source.new"));
  CHECK_EQ_INT(0, json_object_size(path(j, "problems.by_category.style.subcategories")));
  CHECK_EQ_INT(0, json_object_size(path(j, "units.0.indicators")));
  json_decref(j);
  protobuf_c_message_free_unpacked(&m->base, NULL);
}

static void test_table12(void)
{
  Huibao__V1__Rollup *m = merged12();
  if (!m)
    return;
  char *t = table_of(m);
  CHECK_CONTAINS(t, "阶段 第2阶段 问题查摆 2023-05-21..2023-07-09（共 2 个阶段）\n");
  CHECK_CONTAINS(t, "  讲党课            dangke                        2     2        20     2\n");
  CHECK_CONTAINS(t, "  乡级本级走流程    township/unit/zouliucheng     1     1        10     1\n");
  CHECK_CONTAINS(t, "  增量 6，存量 2；立行立改 3，长期整改 4\n");
  CHECK_CONTAINS(t, "    学习不系统    theory.t1       3   37.50%       1         2\n");
  CHECK_CONTAINS(t, "  捐助物资    juanzhu  0.30  万元     2\n");
  CHECK_CONTAINS(t, "  为民办实事  shishi      3  件       3\n");
  CHECK_CONTAINS(t, "  共 20：典型案例 2，经验做法 0，先进集体 4，先进个人 14\n");
  free(t);
  m->today = 19000;
  t = table_of(m);
  CHECK_CONTAINS(t, "阶段 不在任何阶段内 (outside every stage)（共 2 个阶段）\n");
  free(t);
  protobuf_c_message_free_unpacked(&m->base, NULL);
}

int main(void)
{
  RUN(test_merge_sums);
  RUN(test_merge_of_merged);
  RUN(test_merge_refuses);
  RUN(test_json);
  RUN(test_json_single_county);
  RUN(test_unpack_refuses);
  RUN(test_table);
  RUN(test_merge12);
  RUN(test_value_text);
  RUN(test_json12);
  RUN(test_json12_absent);
  RUN(test_table12);
  return test_summary();
}
