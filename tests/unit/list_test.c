/* list_test.c: the lists (lib/hb_list*.c, issue 15): names from a rollup,
 * the filters (campaign, unit, category, status in English and Chinese
 * with the review states, overdue, period), the sort, days overdue, the
 * CSV and JSON bytes, the table, the xlsx written. The records are handed
 * over as the city's replica hands them (county = the county's code) and
 * as the county's store does (county ""). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_list.h"
#include "test.h"

#define D(s) day_of(s)

static int32_t day_of(const char *s)
{
  int32_t d = 0;
  hb_date_parse(s, &d);
  return d;
}

/* A county's rollup of campaign c1: units u1 u2, category g1 with
 * sub-category s1, a declared kind k1, one period 2022-06-10. */
typedef struct fx_rollup {
  Huibao__V1__Rollup r;
  Huibao__V1__UnitRow u[2], *up[2];
  Huibao__V1__CategoryCount g, s, *gp[1], *sp[1];
  Huibao__V1__KindName k, *kp[1];
  Huibao__V1__Period p, *pp[1];
} fx_rollup;

static void fx_rollup_init(fx_rollup *f)
{
  huibao__v1__rollup__init(&f->r);
  f->r.source = "xq";
  f->r.source_name = "西县";
  f->r.campaign = "c1";
  f->r.campaign_name = "解放思想大讨论";
  const char *codes[] = {"u1", "u2"}, *names[] = {"发改局", "大罗镇"};
  for (int i = 0; i < 2; i++) {
    huibao__v1__unit_row__init(&f->u[i]);
    f->u[i].code = (char *)codes[i];
    f->u[i].name = (char *)names[i];
    f->up[i] = &f->u[i];
  }
  f->r.units = f->up;
  f->r.n_units = 2;
  huibao__v1__category_count__init(&f->g);
  huibao__v1__category_count__init(&f->s);
  f->g.code = "g1";
  f->g.name = "思想";
  f->s.code = "s1";
  f->s.name = "学习不深";
  f->sp[0] = &f->s;
  f->g.subcategories = f->sp;
  f->g.n_subcategories = 1;
  f->gp[0] = &f->g;
  f->r.categories = f->gp;
  f->r.n_categories = 1;
  huibao__v1__kind_name__init(&f->k);
  f->k.code = "k1";
  f->k.name = "结对走访";
  f->kp[0] = &f->k;
  f->r.kinds = f->kp;
  f->r.n_kinds = 1;
  huibao__v1__period__init(&f->p);
  f->p.id = "2022-06-10";
  f->p.has_start = f->p.has_end = 1;
  f->p.start = D("2022-06-04");
  f->p.end = D("2022-06-10");
  f->pp[0] = &f->p;
  f->r.periods = f->pp;
  f->r.n_periods = 1;
}

static Huibao__V1__Problem prob(const char *unit, const char *id, int status, const char *deadline,
                                const char *resolved)
{
  Huibao__V1__Problem p;
  huibao__v1__problem__init(&p);
  p.unit = (char *)unit;
  p.id = (char *)id;
  p.version = 7;
  p.campaign = "c1";
  p.identified_on = D("2022-06-05");
  p.has_scope = p.has_status = p.has_measures = 1;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  p.category = "g1";
  p.subcategory = "s1";
  p.status = (Huibao__V1__ProblemStatus)status;
  p.measures = 2;
  p.deadline = deadline ? D(deadline) : 0;
  p.resolved_on = resolved ? D(resolved) : 0;
  p.description = "学习不够深入";
  return p;
}

/* Adds problem p with review status rs (0: none) of county to l. */
static void add_p(hb_list *l, const char *county, Huibao__V1__Problem *p, int rs)
{
  Huibao__V1__Record rec;
  huibao__v1__record__init(&rec);
  rec.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  rec.problem = p;
  Huibao__V1__ReviewState st;
  huibao__v1__review_state__init(&st);
  st.status = (Huibao__V1__ReviewStatus)rs;
  st.reason = rs == 2 ? "措施不具体" : NULL;
  hb_list_rec r = {county, 'P', &rec, rs ? &st : NULL, 1654736400, 42, HB_LIST_SIG_OK};
  CHECK_EQ_INT(0, hb_list_add(l, &r));
}

/* Five problems of county xq, added out of order. */
static hb_list *five(const hb_list_filter *f, const char *county)
{
  hb_list *l;
  CHECK_EQ_INT(0, hb_list_new(&l, HB_LIST_PROBLEMS, f));
  fx_rollup fx;
  fx_rollup_init(&fx);
  CHECK_EQ_INT(0, hb_list_names_from_rollup(l, county, &fx.r));
  Huibao__V1__Problem p[] = {
      prob("u2", "P2", 2, "2022-06-01", NULL),         /* rectifying, overdue 8 days */
      prob("u1", "P3", 3, "2022-06-01", "2022-06-06"), /* resolved: confirmed */
      prob("u1", "P1", 1, "2022-06-20", NULL),         /* identified, returned */
      prob("u1", "P10", 3, NULL, "2022-05-01"),        /* resolved, claimed (not in period) */
      prob("u2", "P1", 2, "2022-06-08", NULL),         /* deletion request, overdue 1 day */
  };
  p[3].identified_on = D("2022-04-01");
  int rs[] = {0, 1, 2, 0, 4};
  for (size_t i = 0; i < 5; i++)
    add_p(l, county, &p[i], rs[i]);
  return l;
}

/* The ids of l's rows, "unit/id" joined by spaces. */
static void ids(hb_list *l, char *buf, size_t len)
{
  json_t *rows = hb_list_rows(l);
  buf[0] = '\0';
  for (size_t i = 0; i < json_array_size(rows); i++) {
    json_t *o = json_array_get(rows, i);
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s/%s", i ? " " : "",
             json_string_value(json_object_get(o, "unit")),
             json_string_value(json_object_get(o, "id")));
  }
}

static void check_filter(const hb_list_filter *f, const char *want)
{
  hb_list *l = five(f, "xq");
  char got[256];
  ids(l, got, sizeof got);
  CHECK_EQ_STR(want, got);
  hb_list_free(l);
}

static void test_filters_and_sort(void)
{
  int32_t today = D("2022-06-09");
  check_filter(&(hb_list_filter){.today = today}, "u1/P1 u1/P10 u1/P3 u2/P1 u2/P2");
  check_filter(&(hb_list_filter){.unit = "u2", .today = today}, "u2/P1 u2/P2");
  check_filter(&(hb_list_filter){.campaign = "c2", .today = today}, "");
  check_filter(&(hb_list_filter){.category = "思想", .today = today},
               "u1/P1 u1/P10 u1/P3 u2/P1 u2/P2");
  check_filter(&(hb_list_filter){.category = "g2", .today = today}, "");
  check_filter(&(hb_list_filter){.overdue = true, .today = today}, "u2/P1 u2/P2");
  check_filter(&(hb_list_filter){.status = "整改中", .today = today}, "u2/P1 u2/P2");
  check_filter(&(hb_list_filter){.status = "resolved", .today = today}, "u1/P10 u1/P3");
  check_filter(&(hb_list_filter){.status = "待销号", .today = today}, "u1/P10");
  check_filter(&(hb_list_filter){.status = "Claimed", .today = today}, "u1/P10");
  check_filter(&(hb_list_filter){.status = "已销号", .today = today}, "u1/P3");
  check_filter(&(hb_list_filter){.status = "退回", .today = today}, "u1/P1");
  check_filter(&(hb_list_filter){.status = "deletion", .today = today}, "u2/P1");
  check_filter(&(hb_list_filter){.status = "未审核", .today = today}, "u2/P2");
  check_filter(&(hb_list_filter){.status = "reopened", .today = today}, "");
  /* the period 2022-06-04 .. 2022-06-10: identified in it, or resolved in it */
  check_filter(&(hb_list_filter){.period = "2022-06-10", .today = today},
               "u1/P1 u1/P3 u2/P1 u2/P2");
  check_filter(&(hb_list_filter){.period = "2022-06-17", .today = today}, "");
  CHECK(hb_list_status_known("待审批撤销"));
  CHECK(hb_list_status_known("deletion_refused"));
  CHECK(hb_list_status_known("已查摆"));
  CHECK(!hb_list_status_known("逾期"));
  hb_list_what w;
  CHECK_EQ_INT(0, hb_list_what_parse("cases", &w));
  CHECK_EQ_INT(HB_LIST_CASES, w);
  CHECK_EQ_INT(HB_EINVAL, hb_list_what_parse("case", &w));
  CHECK_EQ_INT(HB_LIST_XLSX, hb_list_format_parse("xlsx"));
  CHECK_EQ_INT(0, hb_list_format_parse("xls"));
}

static void test_row(void)
{
  /* the county's own list: county "" named by the rollup's source */
  hb_list *l = five(&(hb_list_filter){.unit = "u2", .today = D("2022-06-09")}, "");
  json_t *rows = hb_list_rows(l);
  CHECK_EQ_INT(2, (int)json_array_size(rows));
  json_t *o = json_array_get(rows, 1); /* u2/P2 */
  const char *want[][2] = {{"county", "xq"},          {"county_name", "西县"},
                           {"unit_name", "大罗镇"},   {"campaign_name", "解放思想大讨论"},
                           {"category_name", "思想"}, {"subcategory_name", "学习不深"},
                           {"scope_zh", "班子"},      {"status", "rectifying"},
                           {"status_zh", "整改中"},   {"review", "none"},
                           {"review_zh", "未审核"},   {"deadline", "2022-06-01"},
                           {"resolved_on", ""},       {"stored", "2022-06-09 09:00:00"},
                           {"signature_zh", "已验证"}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    CHECK_EQ_STR(want[i][1], json_string_value(json_object_get(o, want[i][0])));
  CHECK_EQ_INT(8, (int)json_integer_value(json_object_get(o, "days_overdue")));
  CHECK(json_is_true(json_object_get(o, "overdue")));
  o = json_array_get(rows, 0); /* u2/P1: a deletion request, overdue 1 day */
  CHECK_EQ_STR("待审批撤销", json_string_value(json_object_get(o, "review_zh")));
  CHECK_EQ_INT(1, (int)json_integer_value(json_object_get(o, "days_overdue")));
  CHECK_EQ_INT(2, (int)hb_list_overdue_count(l));
  char title[256];
  hb_list_title(l, "西县", title, sizeof title);
  CHECK_EQ_STR("西县 全部专项 问题整改台账（截至 2022-06-09，共 2 条，逾期 2 条）", title);
  hb_list_free(l);
}

/* What fmt writes for l, malloc'd. */
static char *written(hb_list *l, hb_list_format fmt)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  CHECK_EQ_INT(0, hb_list_write(l, fmt, f));
  fclose(f);
  return buf;
}

static void test_csv_bytes(void)
{
  hb_list *l;
  CHECK_EQ_INT(0, hb_list_new(&l, HB_LIST_PROBLEMS, &(hb_list_filter){.today = D("2022-06-09")}));
  Huibao__V1__Problem p = prob("u1", "P1", 2, "2022-06-01", NULL);
  p.description = "学习不深,\"走过场\"";
  p.owner = "=王五";
  add_p(l, "xq", &p, 0);
  char *csv = written(l, HB_LIST_CSV);
  CHECK_EQ_STR("\xEF\xBB\xBF"
               "县区,单位编码,单位名称,编号,专项,类别,子类别,范围,问题描述,责任人,整改措施数,"
               "整改措施,来源,整改类型,查摆日期,整改时限,状态,审核状态,审核意见,销号日期,逾期天数,"
               "最后修改,签名\r\n"
               "xq,u1,u1,P1,c1,g1,s1,班子,\"学习不深,\"\"走过场\"\"\",'=王五,2,,,,2022-06-05,"
               "2022-06-01,整改中,未审核,,,8,2022-06-09 09:00:00,已验证\r\n",
               csv);
  free(csv);
  char *table = written(l, HB_LIST_TABLE);
  CHECK_CONTAINS(table, "共 1 条，逾期 1 条");
  free(table);
  hb_list_free(l);
}

static void test_case_json_bytes(void)
{
  hb_list *l;
  CHECK_EQ_INT(0, hb_list_new(&l, HB_LIST_CASES, &(hb_list_filter){.today = D("2022-06-09")}));
  fx_rollup fx;
  fx_rollup_init(&fx);
  CHECK_EQ_INT(0, hb_list_names_from_rollup(l, "xq", &fx.r));
  Huibao__V1__Case c;
  huibao__v1__case__init(&c);
  c.unit = "u1";
  c.id = "C1";
  c.version = 3;
  c.campaign = "c1";
  c.date = D("2022-06-02");
  c.has_type = 1;
  c.type = HUIBAO__V1__CASE_TYPE__CASE_GROUP;
  c.title = "结对帮扶";
  Huibao__V1__Record rec;
  huibao__v1__record__init(&rec);
  rec.body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW;
  rec.case_row = &c;
  hb_list_rec r = {"xq", 'C', &rec, NULL, 0, 0, HB_LIST_SIG_NONE};
  CHECK_EQ_INT(0, hb_list_add(l, &r));
  r.kind = 'P'; /* not a case: not listed */
  CHECK_EQ_INT(0, hb_list_add(l, &r));
  c.deleted = 1; /* a tombstone: not listed */
  r.kind = 'C';
  CHECK_EQ_INT(0, hb_list_add(l, &r));
  char *js = written(l, HB_LIST_JSON);
  CHECK_EQ_STR("{\n"
               "  \"list\": \"cases\",\n"
               "  \"today\": \"2022-06-09\",\n"
               "  \"count\": 1,\n"
               "  \"rows\": [\n"
               "    {\n"
               "      \"record\": \"case\",\n"
               "      \"county\": \"xq\",\n"
               "      \"county_name\": \"西县\",\n"
               "      \"unit\": \"u1\",\n"
               "      \"unit_name\": \"发改局\",\n"
               "      \"id\": \"C1\",\n"
               "      \"campaign\": \"c1\",\n"
               "      \"campaign_name\": \"解放思想大讨论\",\n"
               "      \"review\": \"\",\n"
               "      \"review_zh\": \"\",\n"
               "      \"review_reason\": \"\",\n"
               "      \"reviewer\": \"\",\n"
               "      \"version\": 3,\n"
               "      \"n\": 0,\n"
               "      \"stored_s\": 0,\n"
               "      \"stored\": \"\",\n"
               "      \"signature\": \"none\",\n"
               "      \"signature_zh\": \"未签名\",\n"
               "      \"date\": \"2022-06-02\",\n"
               "      \"type\": \"group\",\n"
               "      \"type_zh\": \"先进集体\",\n"
               "      \"title\": \"结对帮扶\",\n"
               "      \"summary\": \"\"\n"
               "    }\n"
               "  ]\n"
               "}\n",
               js);
  free(js);
  hb_list_free(l);
}

static void test_activity_and_xlsx(void)
{
  hb_list *l;
  CHECK_EQ_INT(0, hb_list_new(&l, HB_LIST_ACTIVITIES,
                              &(hb_list_filter){.category = "结对走访", .today = D("2022-06-09")}));
  fx_rollup fx;
  fx_rollup_init(&fx);
  CHECK_EQ_INT(0, hb_list_names_from_rollup(l, "xq", &fx.r));
  Huibao__V1__Activity a;
  huibao__v1__activity__init(&a);
  a.unit = "u2";
  a.id = "A1";
  a.campaign = "c1";
  a.date = D("2022-06-03");
  a.kind_code = "k1";
  a.has_participants = 1;
  a.participants = 30;
  Huibao__V1__Record rec;
  huibao__v1__record__init(&rec);
  rec.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  rec.activity = &a;
  hb_list_rec r = {"xq", 'A', &rec, NULL, 0, 0, HB_LIST_SIG_UNKNOWN};
  CHECK_EQ_INT(0, hb_list_add(l, &r));
  json_t *o = json_array_get(hb_list_rows(l), 0);
  CHECK_EQ_STR("结对走访", json_string_value(json_object_get(o, "type_zh")));
  CHECK_EQ_INT(30, (int)json_integer_value(json_object_get(o, "participants")));
  char path[] = "/tmp/hb-list-test-XXXXXX", out[64], err[256] = "";
  int fd = mkstemp(path);
  close(fd);
  snprintf(out, sizeof out, "%s.xlsx", path);
  CHECK_EQ_INT(0, hb_list_save(l, HB_LIST_XLSX, out, "西县", err, sizeof err));
  FILE *f = fopen(out, "rb");
  CHECK(f != NULL);
  char magic[2] = "";
  if (f) {
    CHECK_EQ_INT(2, (int)fread(magic, 1, 2, f));
    fclose(f);
  }
  CHECK(magic[0] == 'P' && magic[1] == 'K'); /* a zip: the workbook */
  CHECK_EQ_INT(HB_EINVAL, hb_list_save(l, HB_LIST_XLSX, NULL, NULL, err, sizeof err));
  unlink(out);
  unlink(path);
  hb_list_free(l);
}

int main(void)
{
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  RUN(test_filters_and_sort);
  RUN(test_row);
  RUN(test_csv_bytes);
  RUN(test_case_json_bytes);
  RUN(test_activity_and_xlsx);
  return test_summary();
}
