/* rollup_merge_periods_test.c: the reporting periods of a Rollup (issue 13,
 * fields 21..26) through hb_rollup_to_json, hb_rollup_merge (counties of
 * one cycle merged by id, a county of another cycle in cycle_mismatch, a
 * province of cities) and hb_rollup_write_table, on hand-built rollups. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_wire.h"
#include "test.h"
#include "test_rollup.h"
#include "test_rollup_periods.h"

#define WEEKLY "weekly,5,18:00"

static const char *const units_a[] = {"a1", "a2", "a3", "a4"};
static const char *const units_b[] = {"b1", "b2"};
static const char *const units_c[] = {"c1"};
static const char *const units_d[] = {"d1"};

/* County A: four units, the week of 2022-06-10 closed (reported, nil, late,
 * missing), the next one current. */
static Huibao__V1__Rollup *county_a(void)
{
  static const test_period ps[] = {
      {"2022-06-10", 19147, 19153, "RNLM", 3, 1, 2, 1, 1},
      {"2022-06-17", 19154, 19160, "RPPP", 1, 0, 0, 0, 1},
  };
  return test_rollup_periods(&(test_period_rollup){.source = "xq",
                                                   .campaign = "jf",
                                                   .cycle = WEEKLY,
                                                   .seq = 5,
                                                   .units = units_a,
                                                   .nunits = 4,
                                                   .kind_code = "dangke",
                                                   .kind_name = "党课",
                                                   .periods = ps,
                                                   .nperiods = 2,
                                                   .current = "2022-06-17",
                                                   .last_closed = "2022-06-10",
                                                   .contra_unit = "a2",
                                                   .contra_period = "2022-06-10",
                                                   .contra_records = 2});
}

/* County B: same cycle, a period more at the start (its campaign began a
 * week earlier). */
static Huibao__V1__Rollup *county_b(void)
{
  static const test_period ps[] = {
      {"2022-06-03", 19144, 19146, "RM", 1, 0, 0, 0, 0},
      {"2022-06-10", 19147, 19153, "NM", 2, 2, 1, 0, 0},
      {"2022-06-17", 19154, 19160, "PP", 0, 0, 0, 0, 0},
  };
  return test_rollup_periods(&(test_period_rollup){.source = "xb",
                                                   .campaign = "jf",
                                                   .cycle = WEEKLY,
                                                   .seq = 7,
                                                   .units = units_b,
                                                   .nunits = 2,
                                                   .kind_code = "dangke",
                                                   .kind_name = "党课",
                                                   .periods = ps,
                                                   .nperiods = 3,
                                                   .current = "2022-06-17",
                                                   .last_closed = "2022-06-10",
                                                   .contra_unit = "b1",
                                                   .contra_period = "2022-06-10",
                                                   .contra_records = 1});
}

/* County C: a monthly cycle (its campaigns.ini differs). */
static Huibao__V1__Rollup *county_c(const char *source)
{
  static const test_period ps[] = {{"2022-06-25", 19144, 19168, "M", 4, 0, 0, 0, 0}};
  return test_rollup_periods(&(test_period_rollup){.source = source,
                                                   .campaign = "jf",
                                                   .cycle = "monthly,25,18:00",
                                                   .seq = 2,
                                                   .units = units_c,
                                                   .nunits = 1,
                                                   .periods = ps,
                                                   .nperiods = 1,
                                                   .current = "2022-06-25",
                                                   .contra_unit = "c1",
                                                   .contra_period = "2022-06-25",
                                                   .contra_records = 3});
}

/* County D: an aggregator from before issue 13 (no cycle). */
static Huibao__V1__Rollup *county_d(void)
{
  static const test_period ps[] = {{"2022-06-10", 19147, 19153, "R", 5, 0, 0, 0, 0}};
  return test_rollup_periods(&(test_period_rollup){.source = "xd",
                                                   .campaign = "jf",
                                                   .seq = 1,
                                                   .units = units_d,
                                                   .nunits = 1,
                                                   .periods = ps,
                                                   .nperiods = 1});
}

static Huibao__V1__Rollup *merge(const Huibao__V1__Rollup *const *in, size_t n, const char *src)
{
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in, n, NULL, src, NULL, 1654851600000, &m));
  return m;
}

/* r packed and decoded by hb_rollup_unpack, as a subscriber does. */
static Huibao__V1__Rollup *roundtrip(const Huibao__V1__Rollup *r)
{
  size_t len;
  uint8_t *buf = test_rollup_pack(r, &len);
  Huibao__V1__Rollup *out = NULL;
  CHECK_EQ_INT(0, hb_rollup_unpack(buf, len, &out));
  free(buf);
  return out;
}

static void drop(Huibao__V1__Rollup *r)
{
  if (r)
    protobuf_c_message_free_unpacked(&r->base, NULL);
}

/* The value at a path of keys and array indices ("periods", "0", "id"). */
static json_t *at(json_t *j, const char *const *path)
{
  for (; j && *path; path++)
    j = json_is_array(j) ? json_array_get(j, (size_t)atoi(*path)) : json_object_get(j, *path);
  return j;
}
#define AT(j, ...) at((j), (const char *const[]){__VA_ARGS__, NULL})
#define STR(j, ...) json_string_value(AT(j, __VA_ARGS__))
#define INT(j, ...) json_integer_value(AT(j, __VA_ARGS__))

static void test_json_county(void)
{
  Huibao__V1__Rollup *a = county_a();
  json_t *j = hb_rollup_to_json(a);
  CHECK(j != NULL);
  CHECK_EQ_STR(WEEKLY, STR(j, "cycle"));
  CHECK_EQ_INT(2, json_array_size(AT(j, "periods")));
  CHECK_EQ_STR("2022-06-10", STR(j, "periods", "0", "id"));
  CHECK_EQ_STR("2022-06-04", STR(j, "periods", "0", "start"));
  CHECK_EQ_STR("2022-06-10", STR(j, "periods", "0", "end"));
  CHECK_EQ_STR("2022-06-10 18:00", STR(j, "periods", "0", "due"));
  const char *counts[] = {"reported", "nil", "late", "missing", "pending"};
  const int want[] = {1, 1, 1, 1, 0};
  for (int i = 0; i < 5; i++)
    CHECK_EQ_INT(want[i], INT(j, "periods", "0", "counts", counts[i]));
  CHECK_EQ_INT(4, json_object_size(AT(j, "periods", "0", "units")));
  CHECK_EQ_STR("reported", STR(j, "periods", "0", "units", "a1"));
  CHECK_EQ_STR("nil", STR(j, "periods", "0", "units", "a2"));
  CHECK_EQ_STR("late", STR(j, "periods", "0", "units", "a3"));
  CHECK_EQ_STR("missing", STR(j, "periods", "0", "units", "a4"));
  CHECK_EQ_STR("pending", STR(j, "periods", "1", "units", "a4"));
  CHECK_EQ_INT(4, INT(j, "periods", "0", "activities", "total", "records"));
  CHECK_EQ_INT(4, INT(j, "periods", "0", "activities", "total", "sessions"));
  CHECK_EQ_INT(40, INT(j, "periods", "0", "activities", "total", "participants"));
  CHECK_EQ_INT(0, INT(j, "periods", "0", "activities", "total", "outputs"));
  CHECK_EQ_STR("集中学习", STR(j, "periods", "0", "activities", "by_kind", "study", "name"));
  CHECK_EQ_INT(3, INT(j, "periods", "0", "activities", "by_kind", "study", "records"));
  CHECK_EQ_STR("党课", STR(j, "periods", "0", "activities", "by_kind", "dangke", "name"));
  CHECK_EQ_INT(10, INT(j, "periods", "0", "activities", "by_kind", "dangke", "participants"));
  CHECK_EQ_INT(1, json_object_size(AT(j, "periods", "1", "activities", "by_kind")));
  CHECK_EQ_INT(2, INT(j, "periods", "0", "problems", "identified"));
  CHECK_EQ_INT(1, INT(j, "periods", "0", "problems", "resolved"));
  CHECK_EQ_INT(1, INT(j, "periods", "0", "problems", "overdue_at_end"));
  CHECK_EQ_STR("2022-06-17", STR(j, "period_current"));
  CHECK_EQ_STR("2022-06-10", STR(j, "period_last_closed"));
  CHECK_EQ_INT(1, json_array_size(AT(j, "contradictions")));
  CHECK_EQ_STR("a2", STR(j, "contradictions", "0", "unit"));
  CHECK_EQ_STR("2022-06-10", STR(j, "contradictions", "0", "period"));
  CHECK_EQ_INT(2, INT(j, "contradictions", "0", "records"));
  CHECK(!json_object_get(j, "cycle_mismatch"));
  json_decref(j);
  drop(a);
}

/* No cycle: none of the keys; a cycle with nothing closed or current:
 * the keys, null. */
static void test_json_without(void)
{
  Huibao__V1__Rollup *d = county_d();
  json_t *j = hb_rollup_to_json(d);
  const char *keys[] = {"cycle",          "periods",       "period_current", "period_last_closed",
                        "contradictions", "cycle_mismatch"};
  for (int i = 0; i < 6; i++)
    CHECK(!json_object_get(j, keys[i]));
  json_decref(j);
  drop(d);
  static const test_period ps[] = {{"2022-06-10", 19147, 19153, "P", 0, 0, 0, 0, 0}};
  Huibao__V1__Rollup *e = test_rollup_periods(&(test_period_rollup){.source = "xe",
                                                                    .campaign = "jf",
                                                                    .cycle = WEEKLY,
                                                                    .units = units_d,
                                                                    .nunits = 1,
                                                                    .periods = ps,
                                                                    .nperiods = 1});
  j = hb_rollup_to_json(e);
  CHECK(json_is_null(json_object_get(j, "period_current")));
  CHECK(json_is_null(json_object_get(j, "period_last_closed")));
  CHECK_EQ_INT(0, json_array_size(json_object_get(j, "contradictions")));
  CHECK_EQ_INT(0, json_object_size(AT(j, "periods", "0", "activities", "by_kind")));
  json_decref(j);
  drop(e);
}

/* Two counties of one cycle: periods merged by id, exactly. */
static void check_ab(json_t *j)
{
  CHECK_EQ_STR(WEEKLY, STR(j, "cycle"));
  CHECK_EQ_INT(3, json_array_size(AT(j, "periods")));
  CHECK_EQ_STR("2022-06-03", STR(j, "periods", "0", "id"));
  CHECK_EQ_STR("2022-06-10", STR(j, "periods", "1", "id"));
  CHECK_EQ_STR("2022-06-17", STR(j, "periods", "2", "id"));
  CHECK_EQ_STR("2022-06-01", STR(j, "periods", "0", "start"));
  CHECK_EQ_STR("2022-06-03 18:00", STR(j, "periods", "0", "due"));
  CHECK_EQ_INT(2, json_object_size(AT(j, "periods", "0", "units")));
  const char *counts[] = {"reported", "nil", "late", "missing", "pending"};
  const int want1[] = {1, 2, 1, 2, 0}, want2[] = {1, 0, 0, 0, 5};
  for (int i = 0; i < 5; i++) {
    CHECK_EQ_INT(want1[i], INT(j, "periods", "1", "counts", counts[i]));
    CHECK_EQ_INT(want2[i], INT(j, "periods", "2", "counts", counts[i]));
  }
  json_t *u = AT(j, "periods", "1", "units");
  const char *order[] = {"a1", "a2", "a3", "a4", "b1", "b2"};
  const char *state[] = {"reported", "nil", "late", "missing", "nil", "missing"};
  CHECK_EQ_INT(6, json_object_size(u));
  size_t i = 0;
  const char *k;
  json_t *v;
  json_object_foreach(u, k, v)
  {
    CHECK_EQ_STR(order[i], k);
    CHECK_EQ_STR(state[i], json_string_value(v));
    i++;
  }
  CHECK_EQ_INT(8, INT(j, "periods", "1", "activities", "total", "records"));
  CHECK_EQ_INT(80, INT(j, "periods", "1", "activities", "total", "participants"));
  CHECK_EQ_INT(5, INT(j, "periods", "1", "activities", "by_kind", "study", "records"));
  CHECK_EQ_INT(3, INT(j, "periods", "1", "activities", "by_kind", "dangke", "records"));
  CHECK_EQ_STR("党课", STR(j, "periods", "1", "activities", "by_kind", "dangke", "name"));
  CHECK_EQ_INT(3, INT(j, "periods", "1", "problems", "identified"));
  CHECK_EQ_INT(1, INT(j, "periods", "1", "problems", "resolved"));
  CHECK_EQ_INT(1, INT(j, "periods", "1", "problems", "overdue_at_end"));
  CHECK_EQ_INT(1, INT(j, "periods", "2", "problems", "overdue_at_end"));
  CHECK_EQ_STR("2022-06-17", STR(j, "period_current"));
  CHECK_EQ_STR("2022-06-10", STR(j, "period_last_closed"));
  CHECK_EQ_INT(2, json_array_size(AT(j, "contradictions")));
  CHECK_EQ_STR("a2", STR(j, "contradictions", "0", "unit"));
  CHECK_EQ_STR("b1", STR(j, "contradictions", "1", "unit"));
  CHECK(!json_object_get(j, "cycle_mismatch"));
}

static void test_merge_same_cycle(void)
{
  Huibao__V1__Rollup *a = county_a(), *b = county_b();
  const Huibao__V1__Rollup *in[] = {a, b};
  Huibao__V1__Rollup *m = merge(in, 2, "city");
  json_t *j = hb_rollup_to_json(m);
  check_ab(j);
  json_decref(j);
  /* as a province receives it */
  Huibao__V1__Rollup *rt = roundtrip(m);
  j = hb_rollup_to_json(rt);
  check_ab(j);
  json_decref(j);
  drop(rt);
  drop(m);
  /* period_current / period_last_closed: the latest of the inputs' */
  static const test_period ps[] = {{"2022-06-17", 19154, 19160, "R", 0, 0, 0, 0, 0},
                                   {"2022-06-24", 19161, 19167, "P", 0, 0, 0, 0, 0}};
  Huibao__V1__Rollup *late =
      test_rollup_periods(&(test_period_rollup){.source = "xl",
                                                .campaign = "jf",
                                                .cycle = WEEKLY,
                                                .units = units_d,
                                                .nunits = 1,
                                                .periods = ps,
                                                .nperiods = 2,
                                                .current = "2022-06-24",
                                                .last_closed = "2022-06-17"});
  const Huibao__V1__Rollup *in2[] = {a, late, b};
  m = merge(in2, 3, "city");
  CHECK_EQ_STR("2022-06-24", m->period_current);
  CHECK_EQ_STR("2022-06-17", m->period_last_closed);
  CHECK_EQ_INT(4, m->n_periods);
  CHECK_EQ_INT(7, m->periods[2]->n_units); /* 06-17: a1..a4, d1, b1, b2 in input order */
  CHECK_EQ_STR("d1", m->periods[2]->units[4]->code);
  CHECK_EQ_STR("b1", m->periods[2]->units[5]->code);
  drop(m);
  drop(late);
  drop(a);
  drop(b);
}

/* A county of another cycle (and one without a cycle): named in
 * cycle_mismatch, its periods not merged, its other figures merged. */
static void test_merge_mismatch(void)
{
  Huibao__V1__Rollup *a = county_a(), *c = county_c("xz"), *d = county_d();
  const Huibao__V1__Rollup *in[] = {d, a, c};
  Huibao__V1__Rollup *m = merge(in, 3, "city");
  CHECK_EQ_STR(WEEKLY, m->cycle);
  CHECK_EQ_INT(2, m->n_cycle_mismatch);
  CHECK_EQ_STR("xd", m->cycle_mismatch[0]);
  CHECK_EQ_STR("xz", m->cycle_mismatch[1]);
  CHECK_EQ_INT(2, m->n_periods);
  CHECK_EQ_INT(4, m->periods[0]->n_units);
  CHECK_EQ_INT(1, m->n_contradictions);
  CHECK_EQ_INT(6, m->n_units);                     /* d1, a1..a4, c1 */
  CHECK_EQ_INT(5 + 5 + 4, m->activities->records); /* every county's */
  json_t *j = hb_rollup_to_json(m);
  CHECK_EQ_INT(2, json_array_size(AT(j, "cycle_mismatch")));
  CHECK_EQ_STR("xd", STR(j, "cycle_mismatch", "0"));
  CHECK_EQ_STR("xz", STR(j, "cycle_mismatch", "1"));
  CHECK_EQ_INT(4, INT(j, "periods", "0", "activities", "total", "records"));
  json_decref(j);
  drop(m);
  /* no input with a cycle: no periods at all */
  const Huibao__V1__Rollup *in2[] = {d};
  m = merge(in2, 1, "city");
  CHECK(!m->cycle);
  CHECK_EQ_INT(0, m->n_periods);
  CHECK_EQ_INT(0, m->n_cycle_mismatch);
  drop(m);
  drop(a);
  drop(c);
  drop(d);
}

/* The merged cycle never depends on the order of the inputs: the one most
 * inputs have, a tie broken by the smallest source code. */
static void test_merge_order(void)
{
  Huibao__V1__Rollup *a = county_a(), *c = county_c("xz");
  const Huibao__V1__Rollup *ac[] = {a, c}, *ca[] = {c, a};
  for (int k = 0; k < 2; k++) { /* a tie: xq (weekly) before xz */
    Huibao__V1__Rollup *m = merge(k ? ca : ac, 2, "city");
    CHECK_EQ_STR(WEEKLY, m->cycle);
    CHECK_EQ_INT(1, m->n_cycle_mismatch);
    CHECK_EQ_STR("xz", m->n_cycle_mismatch ? m->cycle_mismatch[0] : "");
    drop(m);
  }
  Huibao__V1__Rollup *c2 = county_c("xb"); /* two of the other cycle: theirs wins */
  const Huibao__V1__Rollup *in[] = {a, c, c2};
  Huibao__V1__Rollup *m = merge(in, 3, "city");
  CHECK(strcmp(WEEKLY, m->cycle) != 0);
  CHECK_EQ_INT(1, m->n_cycle_mismatch);
  CHECK_EQ_STR(a->source, m->n_cycle_mismatch ? m->cycle_mismatch[0] : "");
  drop(m);
  drop(a);
  drop(c);
  drop(c2);
}

static bool same_key(json_t *x, json_t *y, const char *key)
{
  json_t *a = json_object_get(x, key), *b = json_object_get(y, key);
  return (!a && !b) || (a && b && json_equal(a, b));
}

/* A province of two cities (each republished, decoded as received) holds
 * what one merge of all the counties holds; mismatches travel up. */
static void test_three_levels(void)
{
  Huibao__V1__Rollup *a = county_a(), *b = county_b(), *c = county_c("xz");
  const Huibao__V1__Rollup *c1in[] = {a, c}, *c2in[] = {b};
  Huibao__V1__Rollup *city1 = merge(c1in, 2, "city1"), *city2 = merge(c2in, 1, "city2");
  Huibao__V1__Rollup *r1 = roundtrip(city1), *r2 = roundtrip(city2);
  const Huibao__V1__Rollup *pin[] = {r1, r2}, *din[] = {a, c, b};
  Huibao__V1__Rollup *prov = merge(pin, 2, "prov"), *direct = merge(din, 3, "prov");
  json_t *jp = hb_rollup_to_json(prov), *jd = hb_rollup_to_json(direct);
  const char *keys[] = {"cycle",          "periods",       "period_current", "period_last_closed",
                        "contradictions", "cycle_mismatch"};
  for (int i = 0; i < 6; i++)
    CHECK(same_key(jp, jd, keys[i]));
  CHECK_EQ_STR("xz", STR(jp, "cycle_mismatch", "0"));
  CHECK_EQ_INT(1, json_array_size(AT(jp, "cycle_mismatch")));
  CHECK_EQ_INT(6, json_object_size(AT(jp, "periods", "1", "units")));
  CHECK_EQ_INT(1, INT(jp, "periods", "1", "counts", "reported"));
  CHECK_EQ_INT(2, INT(jp, "periods", "1", "counts", "nil"));
  CHECK_EQ_INT(2, INT(jp, "periods", "1", "counts", "missing"));
  json_decref(jp);
  json_decref(jd);
  /* and once more (a fourth level): the same again */
  Huibao__V1__Rollup *rp = roundtrip(prov);
  const Huibao__V1__Rollup *top_in[] = {rp};
  Huibao__V1__Rollup *top = merge(top_in, 1, "top");
  jp = hb_rollup_to_json(top);
  jd = hb_rollup_to_json(direct);
  for (int i = 0; i < 6; i++)
    CHECK(same_key(jp, jd, keys[i]));
  json_decref(jp);
  json_decref(jd);
  /* a city whose counties run another cycle: the city is named */
  Huibao__V1__Rollup *e = county_c("xe");
  const Huibao__V1__Rollup *c3in[] = {e};
  Huibao__V1__Rollup *city3 = merge(c3in, 1, "city3");
  const Huibao__V1__Rollup *p2in[] = {r1, city3};
  Huibao__V1__Rollup *prov2 = merge(p2in, 2, "prov");
  CHECK_EQ_INT(2, prov2->n_cycle_mismatch);
  CHECK_EQ_STR("xz", prov2->cycle_mismatch[0]);
  CHECK_EQ_STR("city3", prov2->cycle_mismatch[1]);
  CHECK_EQ_INT(4, prov2->periods[0]->n_units);
  Huibao__V1__Rollup *all[] = {a,  b,  c,    e,      city1, city2, city3,
                               r1, r2, prov, direct, rp,    top,   prov2};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    drop(all[i]);
}

static char *table_of(const Huibao__V1__Rollup *r)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  CHECK_EQ_INT(0, hb_rollup_write_table(r, f));
  fclose(f);
  return text;
}

static void test_table(void)
{
  Huibao__V1__Rollup *a = county_a(), *b = county_b(), *d = county_d();
  const Huibao__V1__Rollup *in[] = {a, b};
  Huibao__V1__Rollup *m = merge(in, 2, "city");
  char *t = table_of(m);
  CHECK_CONTAINS(t, "报送情况 reporting  周期 weekly,5,18:00");
  CHECK_CONTAINS(t, "上期 2022-06-10（2022-06-04..2022-06-10，截止 2022-06-10 18:00）："
                    "已报送 1，无新增 2，迟报 1，未报 2，未到期 0（应报 6 家）");
  CHECK_CONTAINS(t, "迟报 late：单位a3\n");
  CHECK_CONTAINS(t, "未报 missing：单位a4、单位b2\n");
  CHECK_CONTAINS(t, "上期活动 8 条（8 次，80 人次）；问题 查摆 3，销号 1，期末逾期 1");
  CHECK_CONTAINS(t, "本期 2022-06-17（截止 2022-06-17 18:00）：已报送 1，无新增 0，迟报 0，"
                    "未报 0，未到期 5（应报 6 家）");
  CHECK_CONTAINS(t, "报无新增但有记录 contradictions：单位a2 2022-06-10 期有记录 2 条；单位b1");
  free(t);
  t = table_of(d);
  CHECK(!strstr(t, "报送情况"));
  free(t);
  drop(m);
  drop(a);
  drop(b);
  drop(d);
}

int main(void)
{
  RUN(test_json_county);
  RUN(test_json_without);
  RUN(test_merge_same_cycle);
  RUN(test_merge_mismatch);
  RUN(test_merge_order);
  RUN(test_three_levels);
  RUN(test_table);
  return test_summary();
}
