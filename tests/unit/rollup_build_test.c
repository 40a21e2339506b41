/* rollup_build_test.c: hb_rollup_build of a campaign that declares kinds,
 * sub-categories, indicators and stages (issue 12), from hand-made
 * aggregates. */
#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_err.h"
#include "hb_rollup_build.h"
#include "hb_wire.h"
#include "test.h"

static hb_subcategory theory_subs[] = {{"t1", "学习不系统"}, {"t2", "学用脱节"}};
static hb_category cats[] = {{"theory", "理论学习不到位", theory_subs, 2},
                             {"work", "工作", NULL, 0}};
static hb_kind kinds[] = {{"dangke", "讲党课"}, {"zouliucheng", "走流程"}};
static hb_indicator inds[] = {{"shishi", "为民办实事", "件", 0},
                              {"juanzhu", "捐助物资", "万元", 2}};
static hb_stage stages[] = {{1, "学习研讨", 19448, 19492}, {2, "问题查摆", 19493, 19538}};
static hb_campaign camp = {"zhuti", "主题教育", 19448, 19753,  cats, 2,   kinds,
                           2,       inds,       2,     stages, 2,    {0}, false};
static hb_unit unit_items[] = {{"xq-a", "甲镇", HB_UNIT_TOWNSHIP},
                               {"xq-b", "县委", HB_UNIT_COUNTY},
                               {"xq-c", "乙镇", HB_UNIT_TOWNSHIP}};
static hb_units units = {unit_items, 3};

static void add_act(hb_agg *a, const char *code, int kind, int level, uint32_t participants)
{
  Huibao__V1__Activity r = HUIBAO__V1__ACTIVITY__INIT;
  r.unit = a->unit;
  r.id = "A";
  r.campaign = a->campaign;
  r.has_level = r.has_sessions = r.has_participants = 1;
  r.level = (Huibao__V1__ActivityLevel)level;
  r.has_kind = kind != 0;
  r.kind = (Huibao__V1__ActivityKind)kind;
  r.kind_code = (char *)code;
  r.sessions = 1;
  r.participants = participants;
  CHECK_EQ_INT(0, hb_agg_add_activity(a, &r, +1));
}

static void add_prob(hb_agg *a, const char *cat, const char *sub, int status, int source, int term)
{
  Huibao__V1__Problem r = HUIBAO__V1__PROBLEM__INIT;
  r.unit = a->unit;
  r.id = "P";
  r.campaign = a->campaign;
  r.category = (char *)cat;
  r.subcategory = (char *)sub;
  r.has_status = 1;
  r.status = (Huibao__V1__ProblemStatus)status;
  r.has_source = source != 0;
  r.source = (Huibao__V1__ProblemSource)source;
  r.has_term = term != 0;
  r.term = (Huibao__V1__ProblemTerm)term;
  CHECK_EQ_INT(0, hb_agg_add_problem(a, &r, +1));
}

static void add_ind(hb_agg *a, const char *code, int64_t value)
{
  Huibao__V1__Indicator r = HUIBAO__V1__INDICATOR__INIT;
  r.unit = a->unit;
  r.id = "I";
  r.campaign = a->campaign;
  r.indicator = (char *)code;
  r.has_value = 1;
  r.value = value;
  CHECK_EQ_INT(0, hb_agg_add_indicator(a, &r, +1));
}

static void add_case(hb_agg *a, int type)
{
  Huibao__V1__Case r = HUIBAO__V1__CASE__INIT;
  r.unit = a->unit;
  r.id = "C";
  r.campaign = a->campaign;
  r.has_type = 1;
  r.type = (Huibao__V1__CaseType)type;
  CHECK_EQ_INT(0, hb_agg_add_case(a, &r, +1));
}

static Huibao__V1__Rollup *build(const hb_agg *const *aggs, size_t n)
{
  hb_rollup_input in = {
      .source = "xq",
      .source_name = "某县",
      .campaign = &camp,
      .units = &units,
      .aggs = aggs,
      .naggs = n,
      .seq = 7,
      .as_of_ms = 1,
      .heartbeat_ms = 1000,
      .campaign_count = 1,
      .today = 19500,
  };
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
  Huibao__V1__Rollup *r = NULL;
  CHECK_EQ_INT(0, hb_rollup_unpack(buf, len, &r)); /* as a city decodes it */
  free(buf);
  return r;
}

static const Huibao__V1__UnitRow *row_of(const Huibao__V1__Rollup *r, const char *code)
{
  for (size_t i = 0; i < r->n_units; i++)
    if (strcmp(r->units[i]->code, code) == 0)
      return r->units[i];
  return NULL;
}

static void test_declared_figures(void)
{
  hb_agg a, b, z;
  hb_agg_init(&a, "zhuti", "xq-a");
  hb_agg_init(&b, "zhuti", "xq-b");
  hb_agg_init(&z, "zhuti", "zz"); /* not in units.csv */
  add_act(&a, "dangke", 0, 1, 30);
  add_act(&a, "dangke", 0, 1, 20);
  add_act(&a, NULL, 1, 1, 7);  /* built-in study */
  add_act(&a, "old", 0, 2, 3); /* a kind the file no longer declares */
  add_act(&b, "dangke", 0, 1, 5);
  add_prob(&a, "theory", "t1", 3, 1, 1);
  add_prob(&a, "theory", "t1", 1, 1, 2);
  add_prob(&b, "theory", "t2", 1, 2, 1);
  add_prob(&b, "theory", "t9", 1, 0, 0); /* an undeclared sub-category */
  add_prob(&b, "work", NULL, 2, 0, 0);
  add_ind(&a, "juanzhu", 1000);
  add_ind(&a, "juanzhu", 2000);
  add_ind(&b, "shishi", 30000);
  add_ind(&z, "juanzhu", 5000);
  add_case(&a, 1);
  add_case(&a, 4);
  add_case(&b, 1);
  const hb_agg *aggs[] = {&b, &z, &a};
  Huibao__V1__Rollup *r = build(aggs, 3);
  if (!r)
    return;
  /* kinds: declared in file order, then what only the aggregates know */
  CHECK_EQ_INT(3, r->n_kinds);
  CHECK_EQ_STR("dangke", r->kinds[0]->code);
  CHECK_EQ_STR("讲党课", r->kinds[0]->name);
  CHECK_EQ_STR("zouliucheng", r->kinds[1]->code);
  CHECK_EQ_STR("old", r->kinds[2]->name);
  /* cube: county/unit/dangke, township/unit/study, township/unit/dangke, township/branch/old */
  CHECK_EQ_INT(4, r->n_cube);
  CHECK_EQ_STR("county", r->cube[0]->unit_type);
  CHECK_EQ_STR("dangke", r->cube[0]->kind_code);
  CHECK_EQ_INT(0, r->cube[0]->kind);
  CHECK_EQ_INT(5, r->cube[0]->totals->participants);
  CHECK_EQ_INT(1, r->cube[1]->kind);
  CHECK(r->cube[1]->kind_code == NULL);
  CHECK_EQ_STR("dangke", r->cube[2]->kind_code);
  CHECK_EQ_INT(2, r->cube[2]->totals->records);
  CHECK_EQ_INT(50, r->cube[2]->totals->participants);
  CHECK_EQ_STR("old", r->cube[3]->kind_code);
  CHECK_EQ_INT(2, r->cube[3]->level);
  CHECK_EQ_INT(5, r->activities->records); /* declared kinds count in the totals */
  CHECK_EQ_INT(65, r->activities->participants);
  /* problems by source and term */
  CHECK_EQ_INT(5, r->problems->total);
  CHECK_EQ_INT(2, r->problems->source_new);
  CHECK_EQ_INT(1, r->problems->source_existing);
  CHECK_EQ_INT(2, r->problems->term_immediate);
  CHECK_EQ_INT(1, r->problems->term_long);
  /* sub-categories in file order, then the undeclared one */
  CHECK_EQ_INT(2, r->n_categories);
  const Huibao__V1__CategoryCount *th = r->categories[0];
  CHECK_EQ_STR("theory", th->code);
  CHECK_EQ_INT(4, th->count);
  CHECK_EQ_INT(3, th->n_subcategories);
  CHECK_EQ_STR("t1", th->subcategories[0]->code);
  CHECK_EQ_STR("学习不系统", th->subcategories[0]->name);
  CHECK_EQ_INT(2, th->subcategories[0]->count);
  CHECK_EQ_INT(1, th->subcategories[0]->resolved);
  CHECK_EQ_INT(1, th->subcategories[0]->units);
  CHECK_EQ_STR("t2", th->subcategories[1]->code);
  CHECK_EQ_INT(1, th->subcategories[1]->count);
  CHECK_EQ_INT(1, th->subcategories[1]->units);
  CHECK_EQ_STR("t9", th->subcategories[2]->code);
  CHECK_EQ_INT(0, r->categories[1]->n_subcategories);
  /* indicators: every declared one in file order, summed exactly */
  CHECK_EQ_INT(2, r->n_indicators);
  CHECK_EQ_STR("shishi", r->indicators[0]->code);
  CHECK_EQ_STR("件", r->indicators[0]->unit);
  CHECK_EQ_INT(0, r->indicators[0]->places);
  CHECK_EQ_INT(30000, r->indicators[0]->value);
  CHECK_EQ_INT(1, r->indicators[0]->records);
  CHECK_EQ_STR("juanzhu", r->indicators[1]->code);
  CHECK_EQ_STR("捐助物资", r->indicators[1]->name);
  CHECK_EQ_INT(2, r->indicators[1]->places);
  CHECK_EQ_INT(8000, r->indicators[1]->value); /* 0.1 + 0.2 + 0.5 */
  CHECK_EQ_INT(3, r->indicators[1]->records);
  /* cases */
  CHECK_EQ_INT(3, r->cases->total);
  CHECK_EQ_INT(2, r->cases->typical);
  CHECK_EQ_INT(1, r->cases->person);
  /* stages from the campaign */
  CHECK_EQ_INT(2, r->n_stages);
  CHECK_EQ_INT(1, r->stages[0]->n);
  CHECK_EQ_STR("学习研讨", r->stages[0]->name);
  CHECK_EQ_INT(19448, r->stages[0]->start);
  CHECK_EQ_INT(19538, r->stages[1]->end);
  /* per unit: all declared indicators (zero when none) and the cases */
  CHECK_EQ_INT(4, r->n_units);
  const Huibao__V1__UnitRow *ra = row_of(r, "xq-a"), *rc = row_of(r, "xq-c"), *rz = row_of(r, "zz");
  CHECK(ra && rc && rz);
  if (ra && rc && rz) {
    CHECK_EQ_INT(2, ra->n_indicators);
    CHECK_EQ_INT(0, ra->indicators[0]->value);
    CHECK_EQ_INT(3000, ra->indicators[1]->value);
    CHECK_EQ_INT(2, ra->indicators[1]->records);
    CHECK_EQ_INT(2, ra->cases->total);
    CHECK_EQ_INT(1, ra->cases->person);
    CHECK_EQ_INT(2, rc->n_indicators);
    CHECK_EQ_INT(0, rc->indicators[1]->records);
    CHECK_EQ_INT(0, rc->cases->total);
    CHECK(!rz->expected);
    CHECK_EQ_INT(5000, rz->indicators[1]->value);
  }
  protobuf_c_message_free_unpacked(&r->base, NULL);
  hb_agg_free(&a);
  hb_agg_free(&b);
  hb_agg_free(&z);
}

/* An indicator the file no longer declares is still summed: by its code,
 * with 4 places so that no value is cut. */
static void test_undeclared_indicator(void)
{
  hb_agg a;
  hb_agg_init(&a, "zhuti", "xq-a");
  add_ind(&a, "gone", 12345);
  const hb_agg *aggs[] = {&a};
  Huibao__V1__Rollup *r = build(aggs, 1);
  if (!r)
    return;
  CHECK_EQ_INT(3, r->n_indicators);
  CHECK_EQ_STR("gone", r->indicators[2]->code);
  CHECK_EQ_INT(4, r->indicators[2]->places);
  CHECK_EQ_INT(12345, r->indicators[2]->value);
  CHECK_EQ_INT(3, row_of(r, "xq-a")->n_indicators);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  hb_agg_free(&a);
}

/* A campaign that declares nothing: no kinds, indicators or stages; zero
 * cases and source/term counts. */
static void test_plain_campaign(void)
{
  hb_campaign plain = {"jf", "解放思想", 19000, 19400, NULL, 0,   NULL,
                       0,    NULL,       0,     NULL,  0,    {0}, false};
  hb_agg a;
  hb_agg_init(&a, "jf", "xq-a");
  add_act(&a, NULL, 1, 1, 7);
  const hb_agg *aggs[] = {&a};
  hb_rollup_input in = {
      .source = "xq", .campaign = &plain, .units = &units, .aggs = aggs, .naggs = 1};
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
  Huibao__V1__Rollup *r = NULL;
  CHECK_EQ_INT(0, hb_rollup_unpack(buf, len, &r));
  free(buf);
  if (r) {
    CHECK_EQ_INT(0, r->n_kinds + r->n_indicators + r->n_stages);
    CHECK_EQ_INT(1, r->n_cube);
    CHECK_EQ_INT(0, r->cases->total);
    CHECK_EQ_INT(0, r->problems->source_new);
    protobuf_c_message_free_unpacked(&r->base, NULL);
  }
  hb_agg_free(&a);
}

int main(void)
{
  RUN(test_declared_figures);
  RUN(test_undeclared_indicator);
  RUN(test_plain_campaign);
  return test_summary();
}
