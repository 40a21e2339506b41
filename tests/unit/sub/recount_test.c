/* recount_test.c: the city's recount (sub/recount.c) of synthetic records
 * against a Rollup built from the same records the county's way
 * (hb_agg_add_* and hb_agg_add_review, then hb_rollup_build): equal, and
 * each change of a record, a figure or a review state found, naming the
 * county, the unit and the figure or the record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_review.h"
#include "hb_rollup_build.h"
#include "hb_wire.h"
#include "recount.h"
#include "test.h"

static hb_category cats[] = {{"theory", "理论学习不到位", NULL, 0}, {"work", "工作", NULL, 0}};
static hb_kind kinds[] = {{"dangke", "讲党课"}};
static hb_indicator inds[] = {{"shishi", "为民办实事", "件", 0}};
static hb_campaign camp = {"zhuti", "主题教育", 19448, 19753, cats, 2,   kinds,
                           1,       inds,       1,     NULL,  0,    {0}, false};
static hb_unit unit_items[] = {{"xq-dlz", "大林镇", HB_UNIT_TOWNSHIP},
                               {"xq-wb", "县委办", HB_UNIT_COUNTY}};
static hb_units units = {unit_items, 2};

/* The county's side: one aggregate per unit, as store_rec_add moves it. */
typedef struct county {
  hb_agg a[2];
} county;

static hb_agg *agg_of(county *k, const char *unit)
{
  return strcmp(unit, "xq-dlz") == 0 ? &k->a[0] : &k->a[1];
}

/* One record to both sides (review: a ReviewStatus or 0). */
static void feed(county *k, sub_recount *rc, Huibao__V1__Record *rec, char kind, int review)
{
  Huibao__V1__ReviewState st = HUIBAO__V1__REVIEW_STATE__INIT;
  st.status = (Huibao__V1__ReviewStatus)review;
  hb_list_rec lr = {"xq", kind, rec, review ? &st : NULL, 0, 1, HB_LIST_SIG_NONE};
  if (rc)
    CHECK_EQ_INT(0, sub_recount_add(rc, &lr));
  if (!k)
    return;
  const char *unit = kind == 'A'   ? rec->activity->unit
                     : kind == 'P' ? rec->problem->unit
                     : kind == 'I' ? rec->indicator->unit
                                   : rec->case_row->unit;
  hb_agg *g = agg_of(k, unit);
  switch (kind) {
  case 'A': CHECK_EQ_INT(0, hb_agg_add_activity(g, rec->activity, +1)); break;
  case 'P': CHECK_EQ_INT(0, hb_agg_add_problem(g, rec->problem, +1)); break;
  case 'I': CHECK_EQ_INT(0, hb_agg_add_indicator(g, rec->indicator, +1)); break;
  default: CHECK_EQ_INT(0, hb_agg_add_case(g, rec->case_row, +1)); break;
  }
  if (review)
    CHECK_EQ_INT(0, hb_agg_add_review(g, kind == 'A' ? rec->activity : NULL,
                                      kind == 'P' ? rec->problem : NULL, review, +1));
}

static void act(county *k, sub_recount *rc, const char *unit, const char *id, int kind,
                const char *code, uint32_t participants, int review)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = (char *)unit;
  a.id = (char *)id;
  a.campaign = "zhuti";
  a.has_date = a.has_level = a.has_sessions = a.has_participants = 1;
  a.date = 19460;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.has_kind = kind != 0;
  a.kind = (Huibao__V1__ActivityKind)kind;
  a.kind_code = (char *)code;
  a.sessions = 1;
  a.participants = participants;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  r.activity = &a;
  feed(k, rc, &r, 'A', review);
}

static void prob(county *k, sub_recount *rc, const char *unit, const char *id, const char *cat,
                 int status, int32_t deadline, int review)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = (char *)unit;
  p.id = (char *)id;
  p.campaign = "zhuti";
  p.category = (char *)cat;
  p.has_status = p.has_identified_on = p.has_deadline = p.has_scope = p.has_measures = 1;
  p.status = (Huibao__V1__ProblemStatus)status;
  p.identified_on = 19460;
  p.deadline = deadline;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  p.measures = 2;
  if (status == 3)
    p.has_resolved_on = 1, p.resolved_on = 19470;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r.problem = &p;
  feed(k, rc, &r, 'P', review);
}

static void ind(county *k, sub_recount *rc, const char *unit, int64_t value)
{
  Huibao__V1__Indicator i = HUIBAO__V1__INDICATOR__INIT;
  i.unit = (char *)unit;
  i.id = "I1";
  i.campaign = "zhuti";
  i.indicator = "shishi";
  i.has_value = 1;
  i.value = value;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_INDICATOR;
  r.indicator = &i;
  feed(k, rc, &r, 'I', 0);
}

static void case_row(county *k, sub_recount *rc, const char *unit)
{
  Huibao__V1__Case c = HUIBAO__V1__CASE__INIT;
  c.unit = (char *)unit;
  c.id = "C1";
  c.campaign = "zhuti";
  c.has_type = 1;
  c.type = HUIBAO__V1__CASE_TYPE__CASE_TYPICAL;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW;
  r.case_row = &c;
  feed(k, rc, &r, 'C', 0);
}

/* The county's records: the same on both sides unless told. */
static void records(county *k, sub_recount *rc)
{
  act(k, rc, "xq-dlz", "A1", 1, NULL, 100, 0);
  act(k, rc, "xq-dlz", "A2", 0, "dangke", 30, HB_REVIEW_RETURNED);
  act(k, rc, "xq-wb", "A1", 3, NULL, 12, 0);
  prob(k, rc, "xq-dlz", "P1", "theory", 3, 19480, HB_REVIEW_CONFIRMED);
  prob(k, rc, "xq-dlz", "P2", "theory", 2, 19490, 0); /* overdue at today 19500 */
  prob(k, rc, "xq-wb", "P1", "work", 1, 0, HB_REVIEW_DELETION_PENDING);
  ind(k, rc, "xq-wb", 12500);
  case_row(k, rc, "xq-dlz");
}

static Huibao__V1__Rollup *publish(county *k)
{
  const hb_agg *aggs[] = {&k->a[0], &k->a[1]};
  uint8_t hash[HB_CHAIN_HASH_LEN] = {1};
  hb_rollup_input in = {.source = "xq",
                        .source_name = "某县",
                        .campaign = &camp,
                        .units = &units,
                        .aggs = aggs,
                        .naggs = 2,
                        .seq = 7,
                        .as_of_ms = 1,
                        .heartbeat_ms = 1000,
                        .campaign_count = 1,
                        .today = 19500,
                        .log_n = 9,
                        .log_hash = hash};
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
  Huibao__V1__Rollup *r = NULL;
  CHECK_EQ_INT(0, hb_rollup_unpack(buf, len, &r));
  free(buf);
  return r;
}

/* The findings' texts, one per line. */
typedef struct seen {
  char text[8192];
  int n;
  char last_record[64], last_unit[64];
} seen;

static void on_finding(void *ctx, const sub_finding *f)
{
  seen *s = ctx;
  s->n++;
  strncat(s->text, f->text, sizeof s->text - strlen(s->text) - 2);
  strcat(s->text, "\n");
  if (f->record[0])
    snprintf(s->last_record, sizeof s->last_record, "%s", f->record);
  snprintf(s->last_unit, sizeof s->last_unit, "%s", f->unit);
}

static void county_init(county *k)
{
  hb_agg_init(&k->a[0], "zhuti", "xq-dlz");
  hb_agg_init(&k->a[1], "zhuti", "xq-wb");
}

static void county_free(county *k)
{
  hb_agg_free(&k->a[0]);
  hb_agg_free(&k->a[1]);
}

static void test_equal(void)
{
  county k;
  county_init(&k);
  sub_recount *rc;
  CHECK_EQ_INT(0, sub_recount_new(&rc, "xq"));
  records(&k, rc);
  Huibao__V1__Rollup *r = publish(&k);
  seen s = {0};
  CHECK_EQ_INT(0, sub_recount_compare(rc, r, on_finding, &s));
  CHECK_EQ_STR("", s.text);
  CHECK(sub_recount_records(rc) == 8);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  sub_recount_free(rc);
  county_free(&k);
}

/* A participant count changed in a stored record: the unit's figure, the
 * county-wide one and the cube cell of its kind. */
static void test_record_changed(void)
{
  county k;
  county_init(&k);
  sub_recount *rc;
  CHECK_EQ_INT(0, sub_recount_new(&rc, "xq"));
  records(&k, NULL);                             /* the county counted 100 participants ... */
  act(NULL, rc, "xq-dlz", "A1", 1, NULL, 90, 0); /* ... its records say 90 */
  act(NULL, rc, "xq-dlz", "A2", 0, "dangke", 30, HB_REVIEW_RETURNED);
  act(NULL, rc, "xq-wb", "A1", 3, NULL, 12, 0);
  prob(NULL, rc, "xq-dlz", "P1", "theory", 3, 19480, HB_REVIEW_CONFIRMED);
  prob(NULL, rc, "xq-dlz", "P2", "theory", 2, 19490, 0);
  prob(NULL, rc, "xq-wb", "P1", "work", 1, 0, HB_REVIEW_DELETION_PENDING);
  ind(NULL, rc, "xq-wb", 12500);
  case_row(NULL, rc, "xq-dlz");
  Huibao__V1__Rollup *r = publish(&k);
  seen s = {0};
  CHECK_EQ_INT(3, sub_recount_compare(rc, r, on_finding, &s));
  CHECK_CONTAINS(s.text, "county xq unit xq-dlz campaign zhuti: participants published 130, "
                         "from records 120");
  CHECK_CONTAINS(s.text, "county xq county-wide campaign zhuti: participants published 142, "
                         "from records 132");
  CHECK_CONTAINS(s.text, "county xq county-wide cube township/1/study campaign zhuti: "
                         "participants published 100, from records 90");
  CHECK_CONTAINS(s.text, "县 xq 单位 xq-dlz 专项 zhuti：参与人次 上报 130，按记录重算 120");
  protobuf_c_message_free_unpacked(&r->base, NULL);
  sub_recount_free(rc);
  county_free(&k);
}

/* An aggregate changed at the county (its rollup then differs from the
 * records): one row figure and the county-wide sums. */
static void test_aggregate_changed(void)
{
  county k;
  county_init(&k);
  sub_recount *rc;
  CHECK_EQ_INT(0, sub_recount_new(&rc, "xq"));
  records(&k, rc);
  k.a[1].problems += 5; /* xq-wb */
  k.a[1].measures = 1;
  Huibao__V1__Rollup *r = publish(&k);
  seen s = {0};
  CHECK_EQ_INT(4, sub_recount_compare(rc, r, on_finding, &s));
  CHECK_CONTAINS(s.text, "county xq unit xq-wb campaign zhuti: problems.total published 6, from "
                         "records 1");
  CHECK_CONTAINS(s.text, "county xq unit xq-wb campaign zhuti: problems.measures published 1, "
                         "from records 2");
  CHECK_CONTAINS(s.text, "county xq county-wide campaign zhuti: problems.total published 8, "
                         "from records 3");
  protobuf_c_message_free_unpacked(&r->base, NULL);
  sub_recount_free(rc);
  county_free(&k);
}

/* A review state the county counts but the replica does not hold (and
 * the other way round), a missing record, an indicator, a case. */
static void test_review_and_outcomes(void)
{
  county k;
  county_init(&k);
  sub_recount *rc;
  CHECK_EQ_INT(0, sub_recount_new(&rc, "xq"));
  records(&k, NULL);
  act(NULL, rc, "xq-dlz", "A1", 1, NULL, 100, 0);
  act(NULL, rc, "xq-dlz", "A2", 0, "dangke", 30, HB_REVIEW_RETURNED);
  act(NULL, rc, "xq-wb", "A1", 3, NULL, 12, 0);
  prob(NULL, rc, "xq-dlz", "P1", "theory", 3, 19480, 0); /* not confirmed here */
  prob(NULL, rc, "xq-dlz", "P2", "theory", 2, 19490, 0);
  prob(NULL, rc, "xq-wb", "P1", "work", 1, 0, HB_REVIEW_DELETION_PENDING);
  ind(NULL, rc, "xq-wb", 12000);
  /* no case */
  Huibao__V1__Rollup *r = publish(&k);
  seen s = {0};
  long n = sub_recount_compare(rc, r, on_finding, &s);
  CHECK_CONTAINS(s.text, "unit xq-dlz campaign zhuti: problems.confirmed published 1, from "
                         "records 0");
  CHECK_CONTAINS(s.text, "unit xq-dlz campaign zhuti: problems.claimed published 0, from "
                         "records 1");
  CHECK_CONTAINS(s.text, "unit xq-dlz category theory campaign zhuti: categories.confirmed "
                         "published 1, from records 0");
  CHECK_CONTAINS(s.text, "unit xq-wb indicator shishi campaign zhuti: indicators.value "
                         "published 12500, from records 12000");
  CHECK_CONTAINS(s.text, "unit xq-dlz campaign zhuti: cases.total published 1, from records 0");
  if (n != 9)
    fprintf(stderr, "%ld findings:\n%s", n, s.text);
  CHECK(n == 9);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  sub_recount_free(rc);
  county_free(&k);
}

/* A record that cannot be counted is named; a unit the rollup lacks too. */
static void test_uncountable_and_missing_unit(void)
{
  county k;
  county_init(&k);
  sub_recount *rc;
  CHECK_EQ_INT(0, sub_recount_new(&rc, "xq"));
  records(&k, rc);
  act(NULL, rc, "xq-dlz", "9", 0, NULL, 5, 0);  /* neither kind nor kind_code */
  act(NULL, rc, "xq-new", "A1", 1, NULL, 5, 0); /* a unit the county never published */
  Huibao__V1__Rollup *r = publish(&k);
  seen s = {0};
  sub_recount_compare(rc, r, on_finding, &s);
  CHECK_CONTAINS(s.text, "(county xq unit xq-dlz record A9)");
  CHECK_CONTAINS(s.text, "county xq unit xq-new campaign zhuti: not in the published rollup, "
                         "from records 1 records");
  CHECK_EQ_STR("A9", s.last_record);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  sub_recount_free(rc);
  county_free(&k);
}

/* Overdue is compared against the rollup's own today. */
static void test_overdue_by_rollup_today(void)
{
  county k;
  county_init(&k);
  sub_recount *rc;
  CHECK_EQ_INT(0, sub_recount_new(&rc, "xq"));
  records(&k, rc);
  Huibao__V1__Rollup *r = publish(&k);
  r->today = 19485; /* P2 (deadline 19490) not yet overdue: the published 1 differs */
  seen s = {0};
  sub_recount_compare(rc, r, on_finding, &s);
  CHECK_CONTAINS(s.text, "unit xq-dlz campaign zhuti: problems.overdue published 1, from "
                         "records 0");
  protobuf_c_message_free_unpacked(&r->base, NULL);
  sub_recount_free(rc);
  county_free(&k);
}

int main(void)
{
  RUN(test_equal);
  RUN(test_record_changed);
  RUN(test_aggregate_changed);
  RUN(test_review_and_outcomes);
  RUN(test_uncountable_and_missing_unit);
  RUN(test_overdue_by_rollup_today);
  return test_summary();
}
