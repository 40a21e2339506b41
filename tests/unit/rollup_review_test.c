/* rollup_review_test.c: issue 14's review counts and history head through
 * the rollup: hb_rollup_build from hand-filled aggregates (hb_agg rv and
 * act_returned), hb_rollup_merge (a city, a province, with a county of the
 * previous version that sends none), hb_rollup_to_json (the exact keys) and
 * hb_rollup_write_table (the columns). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "test.h"
#include "test_json.h"
#include "test_rollup.h"

static hb_category cats[] = {{"theory", "理论学习", NULL, 0}, {"work", "工作作风", NULL, 0}};
static hb_campaign camp = {"jf", "解放思想", 19000, 19800, cats, 2,   NULL,
                           0,    NULL,       0,     NULL,  0,    {0}, false};
static hb_unit unit_items[] = {{"a", "甲镇", HB_UNIT_TOWNSHIP},
                               {"b", "县委", HB_UNIT_COUNTY},
                               {"c", "乙镇", HB_UNIT_TOWNSHIP}};
static hb_units units = {unit_items, 3};

static void add_prob(hb_agg *a, const char *cat, int status)
{
  Huibao__V1__Problem r = HUIBAO__V1__PROBLEM__INIT;
  r.unit = a->unit;
  r.id = "P";
  r.campaign = a->campaign;
  r.category = (char *)cat;
  r.has_status = 1;
  r.status = (Huibao__V1__ProblemStatus)status;
  CHECK_EQ_INT(0, hb_agg_add_problem(a, &r, +1));
}

static hb_cat_count *cat_of(hb_agg *a, const char *code)
{
  for (size_t i = 0; i < a->ncats; i++)
    if (strcmp(a->cats[i].code, code) == 0)
      return &a->cats[i];
  return NULL;
}

/* Sets a's and its category's review counts by hand (what
 * hb_agg_add_review keeps, H2's part). */
static void review(hb_agg *a, const char *cat, uint64_t confirmed, uint64_t returned,
                   uint64_t reopened, uint64_t deletion_pending)
{
  hb_cat_count *c = cat_of(a, cat);
  CHECK(c != NULL);
  if (!c)
    return;
  hb_review_counts v = {confirmed, returned, reopened, deletion_pending};
  c->rv.confirmed += v.confirmed;
  c->rv.returned += v.returned;
  c->rv.reopened += v.reopened;
  c->rv.deletion_pending += v.deletion_pending;
  a->rv.confirmed += v.confirmed;
  a->rv.returned += v.returned;
  a->rv.reopened += v.reopened;
  a->rv.deletion_pending += v.deletion_pending;
}

/* County `source` of campaign jf: unit a with 3 theory problems (2
 * resolved, 1 confirmed, 1 returned) and 2 returned activities' worth of
 * act_returned; unit b with 2 work problems (1 resolved and confirmed, 1
 * reopened) and one deletion request; unit c without an aggregate. The
 * history head is (log_n, 32 bytes of fill); log_n 0: none. */
static Huibao__V1__Rollup *county(const char *source, uint64_t log_n, uint8_t fill)
{
  hb_agg a, b;
  hb_agg_init(&a, "jf", "a");
  hb_agg_init(&b, "jf", "b");
  add_prob(&a, "theory", 3);
  add_prob(&a, "theory", 3);
  add_prob(&a, "theory", 2);
  add_prob(&b, "work", 3);
  add_prob(&b, "work", 1);
  review(&a, "theory", 1, 1, 0, 0);
  review(&b, "work", 1, 0, 1, 1);
  a.act_returned = 2;
  uint8_t hash[HB_CHAIN_HASH_LEN];
  memset(hash, fill, sizeof hash);
  const hb_agg *aggs[] = {&b, &a};
  hb_rollup_input in = {
      .source = source,
      .source_name = source,
      .campaign = &camp,
      .units = &units,
      .aggs = aggs,
      .naggs = 2,
      .seq = 3,
      .as_of_ms = 1000,
      .today = 19500,
      .log_n = log_n,
      .log_hash = log_n ? hash : NULL,
  };
  uint8_t *buf = NULL;
  size_t len = 0;
  CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
  Huibao__V1__Rollup *r = NULL;
  CHECK_EQ_INT(0, hb_rollup_unpack(buf, len, &r)); /* as a city decodes it */
  free(buf);
  hb_agg_free(&a);
  hb_agg_free(&b);
  return r;
}

static const Huibao__V1__UnitRow *row_of(const Huibao__V1__Rollup *r, const char *county,
                                         const char *code)
{
  for (size_t i = 0; i < r->n_units; i++)
    if (strcmp(r->units[i]->code, code) == 0 &&
        (!county || (r->units[i]->county && strcmp(r->units[i]->county, county) == 0)))
      return r->units[i];
  return NULL;
}

static const Huibao__V1__CategoryCount *cat_in(Huibao__V1__CategoryCount *const *c, size_t n,
                                               const char *code)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(c[i]->code, code) == 0)
      return c[i];
  return NULL;
}

/* got (with every has_ flag set: has) equals the five wanted counts. */
static void check_rv(bool has, const hb_rollup_review *got, uint64_t confirmed, uint64_t claimed,
                     uint64_t returned, uint64_t deletion_pending, uint64_t reopened)
{
  CHECK(has);
  CHECK_EQ_INT(confirmed, got->confirmed);
  CHECK_EQ_INT(claimed, got->claimed);
  CHECK_EQ_INT(returned, got->returned);
  CHECK_EQ_INT(deletion_pending, got->deletion_pending);
  CHECK_EQ_INT(reopened, got->reopened);
}

static void check_pc(const Huibao__V1__ProblemCounts *p, uint64_t confirmed, uint64_t claimed,
                     uint64_t returned, uint64_t deletion_pending, uint64_t reopened)
{
  hb_rollup_review v;
  hb_rollup_review_of_pc(p, &v);
  check_rv(p && p->has_confirmed && p->has_claimed && p->has_returned && p->has_deletion_pending &&
               p->has_reopened,
           &v, confirmed, claimed, returned, deletion_pending, reopened);
}

static void check_cat(const Huibao__V1__CategoryCount *c, uint64_t confirmed, uint64_t claimed,
                      uint64_t returned, uint64_t deletion_pending, uint64_t reopened)
{
  hb_rollup_review v;
  hb_rollup_review_of_cat(c, &v);
  check_rv(c && c->has_confirmed && c->has_claimed && c->has_returned && c->has_deletion_pending &&
               c->has_reopened,
           &v, confirmed, claimed, returned, deletion_pending, reopened);
}

static void test_build(void)
{
  Huibao__V1__Rollup *r = county("xq", 7, 0xab);
  if (!r)
    return;
  /* campaign: resolved 3, confirmed 2, so claimed 1 */
  CHECK_EQ_INT(3, r->problems->resolved);
  check_pc(r->problems, 2, 1, 1, 1, 1);
  CHECK(r->has_activities_returned);
  CHECK_EQ_INT(2, r->activities_returned);
  check_cat(cat_in(r->categories, r->n_categories, "theory"), 1, 1, 1, 0, 0);
  check_cat(cat_in(r->categories, r->n_categories, "work"), 1, 0, 0, 1, 1);
  /* units, the one without an aggregate included (zeros, present) */
  const Huibao__V1__UnitRow *a = row_of(r, NULL, "a"), *b = row_of(r, NULL, "b"),
                            *c = row_of(r, NULL, "c");
  CHECK(a && b && c);
  if (a && b && c) {
    check_pc(a->problems, 1, 1, 1, 0, 0);
    check_pc(b->problems, 1, 0, 0, 1, 1);
    check_pc(c->problems, 0, 0, 0, 0, 0);
    CHECK(a->has_activities_returned && c->has_activities_returned);
    CHECK_EQ_INT(2, a->activities_returned);
    CHECK_EQ_INT(0, b->activities_returned);
    CHECK_EQ_INT(1, a->n_categories);
    check_cat(cat_in(a->categories, a->n_categories, "theory"), 1, 1, 1, 0, 0);
    check_cat(cat_in(b->categories, b->n_categories, "work"), 1, 0, 0, 1, 1);
  }
  /* the history head, on the rollup and on its one source */
  CHECK(r->log != NULL);
  if (r->log) {
    CHECK_EQ_INT(7, r->log->n);
    CHECK_EQ_INT(HB_CHAIN_HASH_LEN, r->log->hash.len);
    CHECK_EQ_INT(0xab, r->log->hash.data[31]);
  }
  CHECK_EQ_INT(1, r->n_sources);
  CHECK(r->sources[0]->log != NULL && r->sources[0]->log->n == 7);
  protobuf_c_message_free_unpacked(&r->base, NULL);

  /* no head given: none sent */
  r = county("xq", 0, 0);
  if (r) {
    CHECK(r->log == NULL && r->sources[0]->log == NULL);
    protobuf_c_message_free_unpacked(&r->base, NULL);
  }
}

static void test_json(void)
{
  Huibao__V1__Rollup *r = county("xq", 7, 0xab);
  if (!r)
    return;
  json_t *j = hb_rollup_to_json(r);
  CHECK(j != NULL);
  CHECK_EQ_INT(2, jint_at(j, "problems.confirmed"));
  CHECK_EQ_INT(1, jint_at(j, "problems.claimed"));
  CHECK_EQ_INT(1, jint_at(j, "problems.returned"));
  CHECK_EQ_INT(1, jint_at(j, "problems.deletion_pending"));
  CHECK_EQ_INT(1, jint_at(j, "problems.reopened"));
  CHECK_EQ_INT(2, jint_at(j, "activities.returned"));
  CHECK_EQ_INT(1, jint_at(j, "problems.by_category.theory.confirmed"));
  CHECK_EQ_INT(1, jint_at(j, "problems.by_category.theory.claimed"));
  CHECK_EQ_INT(1, jint_at(j, "problems.by_category.theory.returned"));
  CHECK_EQ_INT(0, jint_at(j, "problems.by_category.theory.deletion_pending"));
  CHECK_EQ_INT(1, jint_at(j, "problems.by_category.work.reopened"));
  /* units in units.csv order: a, b, c */
  CHECK_EQ_INT(1, jint_at(j, "units.0.problems.confirmed"));
  CHECK_EQ_INT(1, jint_at(j, "units.0.problems.claimed"));
  CHECK_EQ_INT(1, jint_at(j, "units.0.problems.returned"));
  CHECK_EQ_INT(1, jint_at(j, "units.1.problems.deletion_pending"));
  CHECK_EQ_INT(1, jint_at(j, "units.1.problems.reopened"));
  CHECK_EQ_INT(2, jint_at(j, "units.0.activities.returned"));
  CHECK_EQ_INT(0, jint_at(j, "units.2.activities.returned"));
  CHECK_EQ_INT(0, jint_at(j, "units.2.problems.claimed"));
  /* log: n and 64 lowercase hex digits; the county's own entry of counties too */
  CHECK_EQ_INT(7, jint_at(j, "log.n"));
  const char *hex = json_string_value(path(j, "log.hash"));
  CHECK(hex && strlen(hex) == 64 && strspn(hex, "ab") == 64);
  CHECK_EQ_INT(7, jint_at(j, "counties.0.log.n"));
  json_decref(j);
  protobuf_c_message_free_unpacked(&r->base, NULL);
}

/* A county of the previous version: no review counts, no log. */
static Huibao__V1__Rollup *old_county(void)
{
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT, upc = pc;
  pc.has_total = pc.has_resolved = 1;
  pc.total = 4;
  pc.resolved = 3;
  upc = pc;
  Huibao__V1__Totals act = HUIBAO__V1__TOTALS__INIT;
  return test_rollup_make(&(test_rollup){.source = "old",
                                         .campaign = "jf",
                                         .seq = 1,
                                         .as_of_ms = 1000,
                                         .problems = &pc,
                                         .activities = &act,
                                         .unit = "u1",
                                         .unit_problems = &upc,
                                         .unit_activities = &act});
}

static void test_merge(void)
{
  Huibao__V1__Rollup *x = county("xq", 7, 0xab), *y = county("yq", 9, 0xcd), *o = old_county();
  if (!x || !y || !o)
    return;
  const Huibao__V1__Rollup *in[3] = {x, y, o};
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in, 3, NULL, "city", "市", 2000, &m));
  if (!m)
    return;
  /* sums; the old county's resolved problems count as claimed */
  CHECK_EQ_INT(9, m->problems->resolved);
  check_pc(m->problems, 4, 2 + 3, 2, 2, 2);
  CHECK(m->has_activities_returned);
  CHECK_EQ_INT(4, m->activities_returned);
  check_cat(cat_in(m->categories, m->n_categories, "theory"), 2, 2, 2, 0, 0);
  check_cat(cat_in(m->categories, m->n_categories, "work"), 2, 0, 0, 2, 2);
  check_pc(row_of(m, "yq", "b")->problems, 1, 0, 0, 1, 1);
  CHECK(!row_of(m, "old", "u1")->problems->has_confirmed); /* kept as sent */
  /* each source its county's log; the merge itself has none */
  CHECK(m->log == NULL);
  CHECK_EQ_INT(3, m->n_sources);
  CHECK(m->sources[0]->log && m->sources[0]->log->n == 7);
  CHECK(m->sources[1]->log && m->sources[1]->log->n == 9 && m->sources[1]->log->hash.len == 32 &&
        m->sources[1]->log->hash.data[0] == 0xcd);
  CHECK(m->sources[2]->log == NULL);
  json_t *j = hb_rollup_to_json(m);
  CHECK(json_is_null(path(j, "log")));
  CHECK_EQ_INT(9, jint_at(j, "counties.1.log.n"));
  CHECK(json_is_null(path(j, "counties.2.log")));
  CHECK_EQ_INT(5, jint_at(j, "problems.claimed"));
  CHECK_EQ_INT(3, jint_at(j, "units.6.problems.claimed")); /* the old county's unit */
  CHECK_EQ_INT(0, jint_at(j, "units.6.problems.confirmed"));
  CHECK_EQ_INT(0, jint_at(j, "units.6.activities.returned"));
  json_decref(j);

  /* a province: the city merged again keeps every county's log and sums */
  Huibao__V1__Rollup *z = county("zq", 11, 0xef);
  const Huibao__V1__Rollup *in2[2] = {m, z};
  Huibao__V1__Rollup *p = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in2, 2, NULL, "prov", "省", 3000, &p));
  if (p) {
    CHECK_EQ_INT(4, p->n_sources);
    CHECK(p->sources[1]->log && p->sources[1]->log->n == 9);
    CHECK(p->sources[3]->log && p->sources[3]->log->n == 11);
    CHECK(p->log == NULL);
    check_pc(p->problems, 6, 6, 3, 3, 3);
    CHECK_EQ_INT(6, p->activities_returned);
    protobuf_c_message_free_unpacked(&p->base, NULL);
  }
  protobuf_c_message_free_unpacked(&z->base, NULL);
  protobuf_c_message_free_unpacked(&m->base, NULL);

  /* only old counties: no review counts set, the JSON still shows them */
  const Huibao__V1__Rollup *in3[1] = {o};
  CHECK_EQ_INT(0, hb_rollup_merge(in3, 1, NULL, "city", NULL, 2000, &m));
  if (m) {
    CHECK(!m->problems->has_confirmed && !m->has_activities_returned);
    j = hb_rollup_to_json(m);
    CHECK_EQ_INT(0, jint_at(j, "problems.confirmed"));
    CHECK_EQ_INT(3, jint_at(j, "problems.claimed"));
    CHECK_EQ_INT(0, jint_at(j, "activities.returned"));
    json_decref(j);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  }
  protobuf_c_message_free_unpacked(&x->base, NULL);
  protobuf_c_message_free_unpacked(&y->base, NULL);
  protobuf_c_message_free_unpacked(&o->base, NULL);
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
  Huibao__V1__Rollup *r = county("xq", 7, 0xab), *o = old_county();
  if (!r || !o)
    return;
  char *t = table_of(r);
  CHECK_CONTAINS(t,
                 "  县级审核 已销号 2，待销号 1，退回 1，重新打开 1，待审批撤销 1；活动退回 2\n");
  CHECK_CONTAINS(t, "已整改  已销号  待销号  退回  涉及单位\n");
  CHECK_CONTAINS(t, "  理论学习  theory       3  60.00%       2       1       1     1         1\n");
  /* the units table keeps its columns; the units under review follow it */
  CHECK_CONTAINS(t, "问题  已整改  整改中  逾期  最近同步\n");
  CHECK_CONTAINS(t, "\n单位审核 review\n");
  CHECK_CONTAINS(
      t, "  a     甲镇  xq         2       1       1     1         0           0         2\n");
  CHECK_CONTAINS(
      t, "  b     县委  xq         1       1       0     0         1           1         0\n");
  CHECK(strstr(t, "  c     乙镇  xq   ") == NULL); /* nothing under review */
  free(t);
  t = table_of(o); /* an old county's rollup: the table of before */
  CHECK(strstr(t, "已销号") == NULL);
  CHECK(strstr(t, "县级审核") == NULL);
  free(t);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  protobuf_c_message_free_unpacked(&o->base, NULL);
}

int main(void)
{
  RUN(test_build);
  RUN(test_json);
  RUN(test_merge);
  RUN(test_table);
  return test_summary();
}
