/* ledger_tables_test: the ledger work of issue 12: indicators.csv and
 * cases.csv, the problems' new columns, declared kinds, campaign date
 * windows, exact decimals, unknown columns named in a note; and of issue
 * 13: reports.csv (报送), whose period ids need hb_period (TZ set in main). */
#include <stdlib.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_ledger.h"
#include "hb_ledger_cells.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "test.h"

static int32_t today;
static hb_campaigns camps;

static const char ini[] = "[zhuti-2023]\n"
                          "name = 主题教育\n"
                          "start = 2023-04-01\n"
                          "end = 2024-01-31\n"
                          "kind.dangke = 讲党课\n"
                          "indicator.shishi = 为民办实事, 件, 0\n"
                          "indicator.juanzhu = 捐助物资, 万元, 2\n"
                          "category.theory = 理论学习不到位\n"
                          "category.theory.t1 = 学习不系统\n"
                          "category.people = 为民造福不到位\n"
                          "category.people.p1 = 办实事不实\n";

static void expect_diags(const hb_diags *d, const char *const *want, size_t n)
{
  char buf[1024];
  CHECK_EQ_INT(n, d->count);
  for (size_t i = 0; i < n && i < d->count; i++) {
    hb_diag_format(&d->items[i], buf, sizeof(buf));
    CHECK_EQ_STR(want[i], buf);
  }
}

static int parse(const char *name, const char *csv, int table, hb_ledger *l, hb_diags *d)
{
  return hb_ledger_parse(name, csv, strlen(csv), table, "xq-dlz", &camps, today, l, d);
}

static void test_decimal(void)
{
  static const struct {
    const char *s;
    int rc;
    int64_t v;
  } cases[] = {
      {"0.1", HB_DECIMAL_OK, 1000},
      {"0.2", HB_DECIMAL_OK, 2000},
      {"1.25", HB_DECIMAL_OK, 12500},
      {"3", HB_DECIMAL_OK, 30000},
      {"-3", HB_DECIMAL_OK, -30000},
      {"1,234.5", HB_DECIMAL_OK, 12345000},
      {"１２．５", HB_DECIMAL_OK, 125000},
      {"－０．０００１", HB_DECIMAL_OK, -1},
      {"1.250000", HB_DECIMAL_OK, 12500},
      {"1E-4", HB_DECIMAL_OK, 1},
      {"1.5e3", HB_DECIMAL_OK, 15000000},
      {"0", HB_DECIMAL_OK, 0},
      {"0.00000", HB_DECIMAL_OK, 0},
      {"10000000000", HB_DECIMAL_OK, 100000000000000LL},
      {"10000000000.0001", HB_DECIMAL_TOO_BIG, 0},
      {"99999999999999999999999999999999999999999999", HB_DECIMAL_TOO_BIG, 0},
      {"1.23456", HB_DECIMAL_PLACES, 0},
      {"0.30000000000000004", HB_DECIMAL_PLACES, 0},
      {"1E-5", HB_DECIMAL_PLACES, 0},
      {"abc", HB_DECIMAL_NOT_NUMBER, 0},
      {".5", HB_DECIMAL_NOT_NUMBER, 0},
      {"1,23", HB_DECIMAL_NOT_NUMBER, 0},
      {"1.2.3", HB_DECIMAL_NOT_NUMBER, 0},
      {"1.5万", HB_DECIMAL_NOT_NUMBER, 0},
      {"1e", HB_DECIMAL_NOT_NUMBER, 0},
      {"-", HB_DECIMAL_NOT_NUMBER, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t v = 0;
    int rc = hb_ledger_decimal_parse(cases[i].s, &v);
    if (rc != cases[i].rc || (rc == HB_DECIMAL_OK && v != cases[i].v)) {
      fprintf(stderr, "decimal %s: rc %d value %lld\n", cases[i].s, rc, (long long)v);
      CHECK(0);
    }
  }
}

static void test_indicators(void)
{
  static const char csv[] = "编号,专项,日期,指标,数量,说明\n"                /* 1 */
                            "I1,zhuti-2023,2023-05-01,juanzhu,0.1,第一次\n"  /* 2 */
                            "I2,主题教育,2023-05-02,捐助物资,0.2,\n"         /* 3 */
                            "I3,zhuti-2023,2023-05-03,juanzhu,1.234,\n"      /* 4 */
                            "I4,zhuti-2023,2023-05-04,shishi,\"1,200\",\n"   /* 5 */
                            "I5,zhuti-2023,2020-05-01,shishi,1,\n"           /* 6 */
                            "I6,zhuti-2023,2023-05-06,nosuch,1,\n"           /* 7 */
                            "I7,zhuti-2023,2023-05-07,shishi,abc,\n"         /* 8 */
                            "I8,zhuti-2023,2023-05-08,shishi,,\n"            /* 9 */
                            "I9,zhuti-2023,2023-05-09,shishi,1.5,\n"         /* 10 */
                            "I10,zhuti-2023,2023-05-10,juanzhu,1.23456,\n"   /* 11 */
                            "I11,zhuti-2023,2023-12-31,juanzhu,-2.5,退回\n"; /* 12 */
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, parse("indicators.csv", csv, HB_TABLE_INDICATORS, &l, &d));
  static const char *const want[] = {
      "indicators.csv:4: 数量: 小数位数多于指标捐助物资规定的 2 位 (more decimal places than the 2 "
      "of indicator juanzhu): 1.234",
      "indicators.csv:6: 日期: 日期不在专项期间 2023-04-01..2024-01-31 内 (date outside the "
      "campaign 2023-04-01..2024-01-31): 2020-05-01",
      "indicators.csv:7: 指标: 指标不是专项 zhuti-2023 规定的指标 (indicator not declared by "
      "campaign zhuti-2023): nosuch",
      "indicators.csv:8: 数量: 不是数字 (not a number): abc",
      "indicators.csv:9: 数量: 缺少数量 (value is missing)",
      "indicators.csv:10: 数量: 小数位数多于指标为民办实事规定的 0 位 (more decimal places than "
      "the 0 of indicator shishi): 1.5",
      "indicators.csv:11: 数量: 小数位数过多，最多 4 位 (more than 4 decimal places): 1.23456",
  };
  expect_diags(&d, want, sizeof want / sizeof want[0]);
  CHECK_EQ_INT(4, l.nindicators);
  CHECK_EQ_INT(0, l.indicators_incomplete);
  if (l.nindicators == 4) {
    const Huibao__V1__Indicator *r = l.indicators[0];
    CHECK_EQ_STR("xq-dlz", r->unit);
    CHECK_EQ_STR("I1", r->id);
    CHECK_EQ_STR("juanzhu", r->indicator);
    CHECK(r->has_value && r->has_date);
    CHECK_EQ_INT(1000, r->value);
    CHECK_EQ_STR("第一次", r->note);
    CHECK_EQ_INT(hb_date_from_ymd(2023, 5, 1), r->date);
    r = l.indicators[1];
    CHECK_EQ_STR("zhuti-2023", r->campaign); /* by name -> id */
    CHECK_EQ_STR("juanzhu", r->indicator);   /* by name -> code */
    CHECK_EQ_INT(2000, r->value);            /* 0.1 + 0.2 = 3000, exactly */
    CHECK_EQ_INT(3000, l.indicators[0]->value + r->value);
    CHECK(r->note == NULL);
    CHECK_EQ_INT(12000000, l.indicators[2]->value);
    CHECK_EQ_INT(-25000, l.indicators[3]->value);
    CHECK_EQ_INT(12, l.indicator_lines[3]);
  }
  CHECK_EQ_INT(7, l.ninvalid);
  CHECK_EQ_STR("I:I3", l.ninvalid ? l.invalid_ids[0] : NULL);
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

static void test_cases(void)
{
  static const char csv[] = "id,campaign,date,type,title,summary\n"                       /* 1 */
                            "C1,zhuti-2023,2023-06-01,典型案例,村里修路,\"多行\n摘要\"\n" /* 2-3 */
                            "C2,zhuti-2023,2023-06-02,person,张三,\n"                     /* 4 */
                            "C3,zhuti-2023,2023-06-03,先进集体,,\n"                       /* 5 */
                            "C4,zhuti-2023,2023-06-04,榜样,x,\n"                          /* 6 */
                            "C5,zhuti-2023,2024-02-01,practice,x,\n";                     /* 7 */
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  today = hb_date_from_ymd(2024, 3, 1);
  CHECK_EQ_INT(HB_EINVAL, parse("cases.csv", csv, HB_TABLE_CASES, &l, &d));
  today = hb_date_from_ymd(2023, 12, 31);
  static const char *const want[] = {
      "cases.csv:5: title: 缺少标题 (title is missing)",
      "cases.csv:6: type: 未知类型 (unknown type): 榜样; 可选 (allowed): case 典型案例, practice "
      "经验做法, group 先进集体, person 先进个人",
      "cases.csv:7: date: 日期不在专项期间 2023-04-01..2024-01-31 内 (date outside the campaign "
      "2023-04-01..2024-01-31): 2024-02-01",
  };
  expect_diags(&d, want, sizeof want / sizeof want[0]);
  CHECK_EQ_INT(2, l.ncases);
  if (l.ncases == 2) {
    CHECK_EQ_INT(HUIBAO__V1__CASE_TYPE__CASE_TYPICAL, l.cases[0]->type);
    CHECK_EQ_STR("村里修路", l.cases[0]->title);
    CHECK_EQ_STR("多行\n摘要", l.cases[0]->summary);
    CHECK_EQ_INT(HUIBAO__V1__CASE_TYPE__CASE_PERSON, l.cases[1]->type);
    CHECK(l.cases[1]->summary == NULL);
    CHECK_EQ_INT(4, l.case_lines[1]);
  }
  CHECK_EQ_INT(3, l.ninvalid);
  CHECK_EQ_STR("C:C3", l.ninvalid ? l.invalid_ids[0] : NULL);
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

static void test_activity_kinds(void)
{
  static const char csv[] = "编号,专项,日期,类型,负责人,备注,,foo\n"  /* 1 */
                            "A1,zhuti-2023,2023-05-01,讲党课,,,,\n"   /* 2 */
                            "A2,zhuti-2023,2023-05-02,dangke,,,,\n"   /* 3 */
                            "A3,zhuti-2023,2023-05-03,集中学习,,,,\n" /* 4 */
                            "A4,zhuti-2023,2023-03-31,study,,,,\n"    /* 5 */
                            "A5,zhuti-2023,2023-05-05,跳舞,,,,\n"     /* 6 */
                            "A6,nosuch,2023-05-05,讲党课,,,,\n";      /* 7 */
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, parse("activities.csv", csv, HB_TABLE_ACTIVITIES, &l, &d));
  static const char *const want[] = {
      "activities.csv:1: 未知的列，程序不读 (unknown columns, not read): 负责人, foo",
      "activities.csv:5: 日期: 日期不在专项期间 2023-04-01..2024-01-31 内 (date outside the "
      "campaign 2023-04-01..2024-01-31): 2023-03-31",
      "activities.csv:6: 类型: 未知类型 (unknown kind): 跳舞; 可选 (allowed): study 集中学习, "
      "seminar 专题研讨, lecture 宣讲, tutorial 专题辅导, reading_class 读书班, research "
      "调查研究, party_day 主题党日, training 培训, publicity 宣传报道, essay 心得体会, talk "
      "谈心谈话, inspection 督导检查; 本专项另有 (declared): dangke 讲党课",
      "activities.csv:7: 专项: 未知专项 (unknown campaign): nosuch",
  };
  expect_diags(&d, want, sizeof want / sizeof want[0]);
  CHECK_EQ_INT(1, d.notes);
  CHECK(d.count && d.items[0].is_note);
  CHECK_EQ_INT(3, hb_diags_errors(&d));
  CHECK_EQ_INT(3, l.nactivities);
  if (l.nactivities == 3) {
    const Huibao__V1__Activity *a = l.activities[0];
    CHECK_EQ_STR("dangke", a->kind_code); /* by name -> code */
    CHECK(!a->has_kind);
    CHECK_EQ_STR("dangke", l.activities[1]->kind_code);
    CHECK(!l.activities[1]->has_kind);
    CHECK(l.activities[2]->has_kind && l.activities[2]->kind == HUIBAO__V1__ACTIVITY_KIND__STUDY);
    CHECK(l.activities[2]->kind_code == NULL);
  }
  hb_ledger_free(&l);
  hb_diags_free(&d);

  /* unknown columns alone: a note, the rows load, the table is valid */
  static const char ok[] = "编号,专项,日期,类型,责任人员\nA1,zhuti-2023,2023-05-01,study,张三\n";
  memset(&l, 0, sizeof l);
  hb_diags_init(&d);
  CHECK_EQ_INT(0, parse("activities.csv", ok, HB_TABLE_ACTIVITIES, &l, &d));
  static const char *const want2[] = {
      "activities.csv:1: 未知的列，程序不读 (unknown columns, not read): 责任人员"};
  expect_diags(&d, want2, 1);
  CHECK_EQ_INT(1, l.nactivities);
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

static void test_problems(void)
{
  static const char csv[] =
      "编号,专项,查摆日期,范围,类别,状态,整改时限,子类别,责任人,整改措施,来源,整改类型\n" /* 1 */
      "P1,zhuti-2023,2023-05-01,个人,理论学习不到位,整改中,2024-06-30,学习不系统,张三,"
      "\"1. 每周学习\n2. 写心得\",增量,长期整改\n"                             /* 2-3 */
      "P2,zhuti-2023,2023-05-02,班子,theory,已查摆,,办实事不实,,,,\n"          /* 4 */
      "P3,zhuti-2023,2023-03-02,班子,theory,已查摆,,,,,,\n"                    /* 5 */
      "P4,zhuti-2023,2023-05-04,班子,people,已查摆,,p1,,,existing,immediate\n" /* 6 */
      "P5,zhuti-2023,2023-05-05,班子,people,已查摆,,,,,其他,\n"                /* 7 */
      "P6,zhuti-2023,2023-05-06,班子,people,已查摆,,,,,,\n";                   /* 8 */
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, parse("problems.csv", csv, HB_TABLE_PROBLEMS, &l, &d));
  static const char *const want[] = {
      "problems.csv:4: 子类别: 子类别不属于类别 theory (subcategory not in category theory): "
      "办实事不实",
      "problems.csv:5: 查摆日期: 查摆日期不在专项期间 2023-04-01..2024-01-31 内 (identified_on "
      "outside the campaign 2023-04-01..2024-01-31): 2023-03-02",
      "problems.csv:7: 来源: 未知来源 (unknown source): 其他; 可选 (allowed): new 增量, existing "
      "存量",
  };
  expect_diags(&d, want, sizeof want / sizeof want[0]);
  CHECK_EQ_INT(3, l.nproblems);
  if (l.nproblems == 3) {
    const Huibao__V1__Problem *p = l.problems[0];
    CHECK_EQ_STR("theory", p->category);
    CHECK_EQ_STR("t1", p->subcategory); /* by name -> code */
    CHECK_EQ_STR("张三", p->owner);
    CHECK_EQ_STR("1. 每周学习\n2. 写心得", p->measures_text);
    CHECK(p->has_source && p->source == HUIBAO__V1__PROBLEM_SOURCE__SOURCE_NEW);
    CHECK(p->has_term && p->term == HUIBAO__V1__PROBLEM_TERM__TERM_LONG);
    CHECK_EQ_INT(hb_date_from_ymd(2024, 6, 30), p->deadline); /* past the campaign: fine */
    p = l.problems[1];
    CHECK_EQ_STR("p1", p->subcategory);
    CHECK(p->source == HUIBAO__V1__PROBLEM_SOURCE__SOURCE_EXISTING);
    CHECK(p->term == HUIBAO__V1__PROBLEM_TERM__TERM_IMMEDIATE);
    p = l.problems[2]; /* no new cells: absent, as a row of the old columns */
    CHECK(!p->subcategory && !p->owner && !p->measures_text && !p->has_source && !p->has_term);
  }
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

/* A workbook sheet names cells: 台账.xlsx:成效!E3. */
static void test_sheet(void)
{
  char h[6][16] = {"编号", "专项", "日期", "指标", "数量", "说明"};
  char r1[6][16] = {"I1", "zhuti-2023", "2023-05-01", "juanzhu", "0.125", ""};
  char *f0[6], *f1[6];
  for (int i = 0; i < 6; i++) {
    f0[i] = h[i];
    f1[i] = r1[i];
  }
  hb_csv_row rows[2] = {{1, 6, f0}, {3, 6, f1}};
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_ledger_parse_rows("台账.xlsx", "成效", rows, 2, HB_TABLE_INDICATORS,
                                               "xq-dlz", &camps, today, &l, &d));
  static const char *const want[] = {
      "台账.xlsx:成效!E3: 数量: 小数位数多于指标捐助物资规定的 2 位 (more decimal places than "
      "the 2 of indicator juanzhu): 0.125"};
  expect_diags(&d, want, 1);
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

static void test_columns(void)
{
  const char *zh, *en;
  static const char *const ind[][2] = {{"编号", "id"},    {"专项", "campaign"},
                                       {"日期", "date"},  {"指标", "indicator"},
                                       {"数量", "value"}, {"说明", "note"}};
  for (size_t i = 0; i < 6; i++) {
    CHECK_EQ_INT(0, hb_ledger_column(HB_TABLE_INDICATORS, i, &zh, &en));
    CHECK_EQ_STR(ind[i][0], zh);
    CHECK_EQ_STR(ind[i][1], en);
  }
  CHECK_EQ_INT(-1, hb_ledger_column(HB_TABLE_INDICATORS, 6, &zh, &en));
  static const char *const cas[][2] = {{"编号", "id"},   {"专项", "campaign"}, {"日期", "date"},
                                       {"类型", "type"}, {"标题", "title"},    {"摘要", "summary"}};
  for (size_t i = 0; i < 6; i++) {
    CHECK_EQ_INT(0, hb_ledger_column(HB_TABLE_CASES, i, &zh, &en));
    CHECK_EQ_STR(cas[i][0], zh);
    CHECK_EQ_STR(cas[i][1], en);
  }
  CHECK_EQ_INT(-1, hb_ledger_column(HB_TABLE_CASES, 6, &zh, &en));
  /* the old columns keep their places; the new ones follow */
  CHECK_EQ_INT(0, hb_ledger_column(1, 9, &zh, &en));
  CHECK_EQ_STR("问题描述", zh);
  static const char *const prob[] = {"子类别", "责任人", "整改措施", "来源", "整改类型"};
  for (size_t i = 0; i < 5; i++) {
    CHECK_EQ_INT(0, hb_ledger_column(1, 10 + i, &zh, &en));
    CHECK_EQ_STR(prob[i], zh);
  }
  CHECK_EQ_INT(-1, hb_ledger_column(1, 15, &zh, &en));
  CHECK_EQ_INT(0, hb_ledger_column(0, 8, &zh, &en));
  CHECK_EQ_STR("title", en);
  CHECK_EQ_INT(-1, hb_ledger_column(0, 9, &zh, &en));
  CHECK_EQ_INT(-1, hb_ledger_column(5, 0, &zh, &en)); /* issue 13: table 4 is 报送 */
  static const char *const rep[] = {"报送期", "填报人", "审核人", "无新增", "说明", "专项"};
  static const char *const rep_en[] = {"period",      "filled_by", "approved_by",
                                       "nothing_new", "note",      "campaign"};
  for (size_t i = 0; i < 6; i++) {
    CHECK_EQ_INT(0, hb_ledger_column(HB_TABLE_REPORTS, i, &zh, &en));
    CHECK_EQ_STR(rep[i], zh);
    CHECK_EQ_STR(rep_en[i], en);
  }
  CHECK_EQ_INT(-1, hb_ledger_column(HB_TABLE_REPORTS, 6, &zh, &en));
  CHECK_EQ_INT(-1, hb_ledger_column(-1, 0, &zh, &en));
}

/* reports.csv: periods normalised, ids, duplicates naming both lines, the
 * 无新增 words, period ids of the campaign's cycle (a weekly one, Fridays
 * 18:00, set on the parsed campaign). */
static void test_reports(void)
{
  camps.items[0].cycle = (hb_cycle){HB_CYCLE_WEEKLY, 5, 18 * 60};
  static const char csv[] = "报送期,填报人,审核人,无新增,说明,专项,备注\n"
                            "2023/6/9,张三,李四,是,本周无新增,,x\n" /* 2 */
                            "本期,张三,,否,,主题教育,\n"            /* 3 */
                            "2023-06-09,王五,,,,,\n"                /* 4 dup of 2 */
                            "2023-06-08,张三,,,,zhuti-2023,\n"      /* 5 not a due */
                            "下周,张三,,,,,\n"                      /* 6 not a date */
                            "2023-06-16,张三,,也许,,,\n"            /* 7 */
                            "2023-06-23,,,N,,,\n"                   /* 8 */
                            ",张三,,,,,\n";                         /* 9 */
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, parse("reports.csv", csv, HB_TABLE_REPORTS, &l, &d));
  static const char *const want[] = {
      "reports.csv:4: 报送期: 报送 2023-06-09 与第 2 行重复 (duplicate 报送 row 2023-06-09, first "
      "on line 2)",
      "reports.csv:5: 报送期: 报送期 2023-06-08 不是报送截止日（本专项每周五 18:00 截止，如 "
      "2023-06-09） (period 2023-06-08 is not a due date: weekly, Friday 18:00, e.g. 2023-06-09)",
      "reports.csv:6: 报送期: 报送期应为日期（如 2022-06-10）或“本期” (period must be a date such "
      "as 2022-06-10, or 本期): 下周",
      "reports.csv:7: 无新增: 未知无新增 (unknown nothing_new): 也许; 可选 (allowed): 是 yes, 否 "
      "no "
      "(空 = 否)",
      "reports.csv:9: 报送期: 缺少报送期 (period is missing)",
  };
  expect_diags(&d, want, sizeof want / sizeof want[0]);
  CHECK_EQ_INT(3, l.nreports);
  if (l.nreports == 3) {
    const Huibao__V1__Report *r = l.reports[0];
    CHECK_EQ_STR("2023-06-09", r->id);
    CHECK_EQ_STR("2023-06-09", r->period);
    CHECK(r->has_nothing_new && r->nothing_new);
    CHECK_EQ_STR("张三", r->filled_by);
    CHECK_EQ_STR("李四", r->approved_by);
    CHECK_EQ_STR("本周无新增", r->note);
    CHECK(r->campaign == NULL);
    CHECK_EQ_INT(2, l.report_lines[0]);
    r = l.reports[1];
    CHECK_EQ_STR("本期@主题教育", r->id); /* the campaign as written */
    CHECK_EQ_STR("本期", r->period);
    CHECK_EQ_STR("zhuti-2023", r->campaign); /* stored by its id */
    CHECK(!r->has_nothing_new && r->approved_by == NULL && r->note == NULL);
    r = l.reports[2];
    CHECK_EQ_STR("2023-06-23", r->id);
    CHECK(!r->has_nothing_new && r->filled_by == NULL);
    CHECK_EQ_INT(8, l.report_lines[2]);
  }
  /* rows 6 and 9 have no id that could be told: no row may look deleted */
  CHECK_EQ_INT(1, l.reports_incomplete);
  CHECK_EQ_INT(3, l.ninvalid);
  if (l.ninvalid == 3) {
    CHECK_EQ_STR("R:2023-06-09", l.invalid_ids[0]);
    CHECK_EQ_STR("R:2023-06-08@zhuti-2023", l.invalid_ids[1]);
    CHECK_EQ_STR("R:2023-06-16", l.invalid_ids[2]);
  }
  hb_ledger_free(&l);
  hb_diags_free(&d);

  /* a good table is complete; English headers and words */
  hb_diags_init(&d);
  CHECK_EQ_INT(0, parse("reports.csv",
                        "period,filled_by,nothing_new,campaign\n2023-06-09,Zhang,yes,zhuti-2023\n",
                        HB_TABLE_REPORTS, &l, &d));
  CHECK_EQ_INT(0, d.count);
  CHECK_EQ_INT(0, l.reports_incomplete);
  CHECK_EQ_STR("2023-06-09@zhuti-2023", l.nreports ? l.reports[0]->id : "");
  CHECK(l.nreports && l.reports[0]->nothing_new);
  hb_ledger_free(&l);
  hb_diags_free(&d);
  camps.items[0].cycle = (hb_cycle){HB_CYCLE_NONE, 0, 0};

  /* ids: short as written; too long: a prefix of whole characters, ~hash */
  char id[HB_ID_MAX + 1], id2[HB_ID_MAX + 1];
  hb_ledger_report_id("2023-06-09", NULL, id, sizeof id);
  CHECK_EQ_STR("2023-06-09", id);
  hb_ledger_report_id("本期", "", id, sizeof id);
  CHECK_EQ_STR("本期", id);
  const char *name = "学习贯彻习近平新时代中国特色社会主义思想主题教育";
  hb_ledger_report_id("2023-06-09", name, id, sizeof id);
  hb_ledger_report_id("2023-06-16", name, id2, sizeof id2);
  CHECK(strlen(id) <= HB_ID_MAX && strlen(id) > 50);
  CHECK(strncmp(id, "2023-06-09@学习", strlen("2023-06-09@学习")) == 0);
  CHECK(strchr(id, '~') != NULL && strlen(strchr(id, '~')) == 9);
  CHECK(hb_utf8_valid(id, strlen(id)));
  CHECK(strcmp(id, id2) != 0);
  char period[16];
  CHECK_EQ_INT(0, hb_ledger_report_period("Current", period, sizeof period));
  CHECK_EQ_STR("本期", period);
  CHECK_EQ_INT(0, hb_ledger_report_period("2023年6月9日", period, sizeof period));
  CHECK_EQ_STR("2023-06-09", period);
  CHECK_EQ_INT(-1, hb_ledger_report_period("6月", period, sizeof period));
}

static void write_file(const char *dir, const char *name, const char *data)
{
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  fputs(data, f);
  fclose(f);
}

/* A folder with only the new tables is a ledger; the absent ones are notes. */
static void test_load_dir(void)
{
  char dir[] = "/tmp/hbledger12XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  write_file(dir, "indicators.csv",
             "编号,专项,日期,指标,数量\nI1,zhuti-2023,2023-05-01,shishi,3\n");
  write_file(dir, "cases.csv", "编号,专项,日期,类型,标题\nC1,zhuti-2023,2023-05-01,case,修路\n");
  hb_ledger l;
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_ledger_load(dir, "xq-dlz", &camps, today, &l, &d));
  static const char *const want[] = {
      "activities.csv: 文件不存在，本次不报送该表 (file not found: this table is not sent)",
      "problems.csv: 文件不存在，本次不报送该表 (file not found: this table is not sent)"};
  expect_diags(&d, want, 2);
  CHECK_EQ_INT(2, d.notes);
  CHECK_EQ_INT(1, l.nindicators);
  CHECK_EQ_INT(30000, l.nindicators ? l.indicators[0]->value : 0);
  CHECK_EQ_INT(1, l.ncases);
  CHECK(l.activities_incomplete && l.problems_incomplete);
  CHECK(!l.indicators_incomplete && !l.cases_incomplete);
  CHECK_EQ_INT(2, l.rows_read);
  hb_ledger_free(&l);
  hb_diags_free(&d);

  /* issue 13: a folder with only reports.csv is a ledger; without it, no note */
  char dir2[] = "/tmp/hbledger13XXXXXX";
  CHECK(mkdtemp(dir2) != NULL);
  write_file(dir2, "reports.csv", "报送期,填报人,无新增\n本期,张三,是\n");
  hb_diags_init(&d);
  camps.items[0].cycle = (hb_cycle){HB_CYCLE_WEEKLY, 5, 18 * 60};
  CHECK_EQ_INT(0, hb_ledger_load(dir2, "xq-dlz", &camps, today, &l, &d));
  camps.items[0].cycle = (hb_cycle){HB_CYCLE_NONE, 0, 0};
  CHECK_EQ_INT(4, d.notes); /* the four other files */
  CHECK_EQ_INT(1, l.nreports);
  CHECK(!l.reports_incomplete && l.activities_incomplete);
  hb_ledger_free(&l);
  hb_diags_free(&d);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir2);
  CHECK_EQ_INT(0, system(cmd));
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

int main(void)
{
  today = hb_date_from_ymd(2023, 12, 31);
  setenv("TZ", "Asia/Shanghai", 1); /* periods are due in local time */
  tzset();
  hb_diags d;
  hb_diags_init(&d);
  if (hb_campaigns_parse("c.ini", ini, strlen(ini), &camps, &d) != 0) {
    hb_diags_write(&d, stderr);
    return 1;
  }
  hb_diags_free(&d);
  RUN(test_decimal);
  RUN(test_indicators);
  RUN(test_cases);
  RUN(test_activity_kinds);
  RUN(test_problems);
  RUN(test_sheet);
  RUN(test_columns);
  RUN(test_load_dir);
  RUN(test_reports);
  hb_campaigns_free(&camps);
  return test_summary();
}
