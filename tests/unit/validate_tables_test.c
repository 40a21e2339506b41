/* validate_tables_test: the rules of issue 12: Indicator and Case records,
 * declared kinds, sub-categories, the problems' new fields, campaign date
 * windows, and the form of the new record bodies; and of issue 13: a 报送
 * row (hb_validate_report; its period ids need hb_period, TZ set in main). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_validate.h"
#include "test.h"

static int32_t today;
static hb_campaigns camps;

#define EXPECT_BAD(call, fld, why)                                                                 \
  do {                                                                                             \
    hb_violation v_ = {0};                                                                         \
    CHECK_EQ_INT(HB_EINVAL, call);                                                                 \
    CHECK_EQ_STR(fld, v_.field);                                                                   \
    CHECK_EQ_STR(why, v_.reason);                                                                  \
  } while (0)

static Huibao__V1__Indicator ind(void)
{
  Huibao__V1__Indicator r = HUIBAO__V1__INDICATOR__INIT;
  r.unit = "xq-dlz";
  r.id = "I1";
  r.campaign = "zhuti-2023";
  r.has_date = 1;
  r.date = hb_date_from_ymd(2023, 5, 1);
  r.indicator = "捐助物资";
  r.has_value = 1;
  r.value = 12500;
  return r;
}

static Huibao__V1__Case case_row(void)
{
  Huibao__V1__Case r = HUIBAO__V1__CASE__INIT;
  r.unit = "xq-dlz";
  r.id = "C1";
  r.campaign = "zhuti-2023";
  r.has_date = 1;
  r.date = hb_date_from_ymd(2023, 5, 1);
  r.has_type = 1;
  r.type = HUIBAO__V1__CASE_TYPE__CASE_PRACTICE;
  r.title = "经验";
  return r;
}

static void test_indicator(void)
{
  hb_violation v;
  hb_canon canon;
  Huibao__V1__Indicator r = ind();
  CHECK_EQ_INT(0, hb_validate_indicator(&r, &camps, today, &v, &canon));
  CHECK(canon.campaign && strcmp(canon.campaign->id, "zhuti-2023") == 0);
  CHECK_EQ_INT(1, canon.indicator);
  CHECK_EQ_INT(-1, canon.kind);
  CHECK_EQ_INT(0, hb_validate_indicator(&r, NULL, today, &v, &canon)); /* form only */
  CHECK_EQ_INT(-1, canon.indicator);
  r.value = 12340; /* 1.234 */
  EXPECT_BAD(hb_validate_indicator(&r, &camps, today, &v_, NULL), "value",
             "小数位数多于指标捐助物资规定的 2 位 (more decimal places than the 2 of indicator "
             "juanzhu): 1.234");
  CHECK_EQ_INT(0, hb_validate_indicator(&r, NULL, today, &v, NULL)); /* places unknown */
  r.value = -HB_INDICATOR_VALUE_MAX;
  CHECK_EQ_INT(0, hb_validate_indicator(&r, &camps, today, &v, NULL));
  r.value = HB_INDICATOR_VALUE_MAX + 1;
  EXPECT_BAD(hb_validate_indicator(&r, NULL, today, &v_, NULL), "value",
             "数量超出范围 (value out of range -10000000000..10000000000): 10000000000.0001");
  r.value = INT64_MIN;
  CHECK_EQ_INT(HB_EINVAL, hb_validate_indicator(&r, NULL, today, &v, NULL));
  r = ind();
  r.has_value = 0;
  EXPECT_BAD(hb_validate_indicator(&r, &camps, today, &v_, NULL), "value",
             "缺少数量 (value is missing)");
  r = ind();
  r.indicator = "";
  EXPECT_BAD(hb_validate_indicator(&r, &camps, today, &v_, NULL), "indicator",
             "缺少指标 (indicator is missing)");
  r.indicator = "nosuch";
  EXPECT_BAD(hb_validate_indicator(&r, &camps, today, &v_, NULL), "indicator",
             "指标不是专项 zhuti-2023 规定的指标 (indicator not declared by campaign "
             "zhuti-2023): nosuch");
  r = ind();
  r.date = hb_date_from_ymd(2024, 2, 1);
  EXPECT_BAD(hb_validate_indicator(&r, &camps, hb_date_from_ymd(2024, 3, 1), &v_, NULL), "date",
             "日期不在专项期间 2023-04-01..2024-01-31 内 (date outside the campaign "
             "2023-04-01..2024-01-31): 2024-02-01");
  r.date = hb_date_from_ymd(2024, 1, 31); /* the last day is inside */
  CHECK_EQ_INT(0, hb_validate_indicator(&r, &camps, hb_date_from_ymd(2024, 3, 1), &v, NULL));
  r = ind();
  r.has_date = 0;
  EXPECT_BAD(hb_validate_indicator(&r, &camps, today, &v_, NULL), "date",
             "缺少日期 (date is missing)");
  r = ind();
  char note[HB_NOTE_MAX + 2];
  memset(note, 'x', sizeof note - 1);
  note[sizeof note - 1] = '\0';
  r.note = note;
  EXPECT_BAD(hb_validate_indicator(&r, &camps, today, &v_, NULL), "note",
             "说明过长 (note longer than 1024 bytes)");
  /* a tombstone needs only unit, id and version */
  Huibao__V1__Indicator t = HUIBAO__V1__INDICATOR__INIT;
  t.unit = "xq-dlz";
  t.id = "I9";
  t.has_deleted = 1;
  t.deleted = 1;
  EXPECT_BAD(hb_validate_indicator(&t, &camps, today, &v_, NULL), "version",
             "删除记录缺少版本号 (tombstone without version)");
  t.version = 3;
  CHECK_EQ_INT(0, hb_validate_indicator(&t, &camps, today, &v, NULL));
}

static void test_case(void)
{
  hb_violation v;
  hb_canon canon;
  Huibao__V1__Case r = case_row();
  CHECK_EQ_INT(0, hb_validate_case(&r, &camps, today, &v, &canon));
  CHECK(canon.campaign != NULL);
  r.has_type = 0;
  EXPECT_BAD(hb_validate_case(&r, &camps, today, &v_, NULL), "type", "缺少类型 (type is missing)");
  r.has_type = 1;
  r.type = 9;
  EXPECT_BAD(hb_validate_case(&r, &camps, today, &v_, NULL), "type",
             "类型取值无效 (unknown type value): 9");
  r = case_row();
  r.title = NULL;
  EXPECT_BAD(hb_validate_case(&r, &camps, today, &v_, NULL), "title",
             "缺少标题 (title is missing)");
  r = case_row();
  r.date = hb_date_from_ymd(2023, 3, 31);
  EXPECT_BAD(hb_validate_case(&r, &camps, today, &v_, NULL), "date",
             "日期不在专项期间 2023-04-01..2024-01-31 内 (date outside the campaign "
             "2023-04-01..2024-01-31): 2023-03-31");
  CHECK_EQ_INT(0, hb_validate_case(&r, NULL, today, &v, NULL)); /* no campaigns: no window */
  r = case_row();
  static char summary[HB_SUMMARY_MAX + 2];
  memset(summary, 'x', sizeof summary - 1);
  r.summary = summary;
  EXPECT_BAD(hb_validate_case(&r, &camps, today, &v_, NULL), "summary",
             "摘要过长 (summary longer than 4096 bytes)");
  r.campaign = "other";
  EXPECT_BAD(hb_validate_case(&r, &camps, today, &v_, NULL), "campaign",
             "未知专项 (unknown campaign): other");
}

static void test_activity_kind(void)
{
  hb_violation v;
  hb_canon canon;
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-dlz";
  a.id = "A1";
  a.campaign = "zhuti-2023";
  a.has_date = 1;
  a.date = hb_date_from_ymd(2023, 5, 1);
  a.kind_code = "讲党课";
  a.has_level = 1;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.has_sessions = 1;
  a.sessions = 1;
  CHECK_EQ_INT(0, hb_validate_activity(&a, &camps, today, &v, &canon));
  CHECK_EQ_INT(0, canon.kind);
  a.kind_code = "dangke";
  CHECK_EQ_INT(0, hb_validate_activity(&a, &camps, today, &v, &canon));
  CHECK_EQ_INT(0, canon.kind);
  a.kind_code = "nosuch";
  EXPECT_BAD(hb_validate_activity(&a, &camps, today, &v_, NULL), "kind_code",
             "类型不是专项 zhuti-2023 规定的类型 (kind not declared by campaign zhuti-2023): "
             "nosuch");
  CHECK_EQ_INT(0, hb_validate_activity(&a, NULL, today, &v, &canon)); /* form only */
  CHECK_EQ_INT(-1, canon.kind);
  a.kind_code = "dangke";
  a.has_kind = 1;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  EXPECT_BAD(hb_validate_activity(&a, &camps, today, &v_, NULL), "kind",
             "类型只能填一个 (kind and kind_code are exclusive): dangke");
  a.kind_code = NULL;
  CHECK_EQ_INT(0, hb_validate_activity(&a, &camps, today, &v, &canon));
  CHECK_EQ_INT(-1, canon.kind);
  a.has_kind = 0;
  EXPECT_BAD(hb_validate_activity(&a, &camps, today, &v_, NULL), "kind",
             "缺少类型 (kind is missing)");
  a.has_kind = 1;
  a.date = hb_date_from_ymd(2023, 3, 31);
  EXPECT_BAD(hb_validate_activity(&a, &camps, today, &v_, NULL), "date",
             "日期不在专项期间 2023-04-01..2024-01-31 内 (date outside the campaign "
             "2023-04-01..2024-01-31): 2023-03-31");
}

static void test_problem_fields(void)
{
  hb_violation v;
  hb_canon canon;
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-dlz";
  p.id = "P1";
  p.campaign = "zhuti-2023";
  p.has_identified_on = 1;
  p.identified_on = hb_date_from_ymd(2023, 5, 1);
  p.has_scope = 1;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  p.category = "people";
  p.has_status = 1;
  p.status = HUIBAO__V1__PROBLEM_STATUS__RECTIFYING;
  p.subcategory = "办实事不实";
  p.has_deadline = 1;
  p.deadline = hb_date_from_ymd(2025, 1, 1); /* not limited by the campaign */
  CHECK_EQ_INT(0, hb_validate_problem(&p, &camps, today, &v, &canon));
  CHECK_EQ_INT(1, canon.category);
  CHECK_EQ_INT(0, canon.subcategory);
  p.subcategory = "t1";
  EXPECT_BAD(hb_validate_problem(&p, &camps, today, &v_, NULL), "subcategory",
             "子类别不属于类别 people (subcategory not in category people): t1");
  CHECK_EQ_INT(0, hb_validate_problem(&p, NULL, today, &v, NULL));
  p.subcategory = NULL;
  p.has_source = 1;
  p.source = 3;
  EXPECT_BAD(hb_validate_problem(&p, &camps, today, &v_, NULL), "source",
             "来源取值无效 (unknown source value): 3");
  p.source = HUIBAO__V1__PROBLEM_SOURCE__SOURCE_EXISTING;
  p.has_term = 1;
  p.term = 7;
  EXPECT_BAD(hb_validate_problem(&p, &camps, today, &v_, NULL), "term",
             "整改类型取值无效 (unknown term value): 7");
  p.term = HUIBAO__V1__PROBLEM_TERM__TERM_LONG;
  char owner[HB_OWNER_MAX + 2];
  memset(owner, 'x', sizeof owner - 1);
  owner[sizeof owner - 1] = '\0';
  p.owner = owner;
  EXPECT_BAD(hb_validate_problem(&p, &camps, today, &v_, NULL), "owner",
             "责任人过长 (owner longer than 256 bytes)");
  p.owner = "张\t三";
  EXPECT_BAD(hb_validate_problem(&p, &camps, today, &v_, NULL), "owner",
             "责任人含控制字符 (owner contains control characters)");
  p.owner = "张三";
  p.measures_text = "1. 学\n2. 改";
  CHECK_EQ_INT(0, hb_validate_problem(&p, &camps, today, &v, NULL));
  p.identified_on = hb_date_from_ymd(2023, 3, 1);
  EXPECT_BAD(hb_validate_problem(&p, &camps, today, &v_, NULL), "identified_on",
             "查摆日期不在专项期间 2023-04-01..2024-01-31 内 (identified_on outside the campaign "
             "2023-04-01..2024-01-31): 2023-03-01");
}

static void test_record_form(void)
{
  hb_violation v;
  Huibao__V1__Record rec = HUIBAO__V1__RECORD__INIT;
  rec.seq = 1;
  Huibao__V1__Indicator r = ind();
  rec.body_case = HUIBAO__V1__RECORD__BODY_INDICATOR;
  rec.indicator = &r;
  CHECK_EQ_INT(0, hb_validate_record_form(&rec, &v));
  r.note = "\xff";
  EXPECT_BAD(hb_validate_record_form(&rec, &v_), "note",
             "说明不是有效的 UTF-8 文本 (note is not valid UTF-8)");
  Huibao__V1__Case c = case_row();
  rec.body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW;
  rec.case_row = &c;
  CHECK_EQ_INT(0, hb_validate_record_form(&rec, &v));
  c.type = 9;
  EXPECT_BAD(hb_validate_record_form(&rec, &v_), "type", "取值无效 (unknown type value): 9");
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-dlz";
  p.id = "P1";
  p.has_term = 1;
  p.term = 5;
  rec.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  rec.problem = &p;
  EXPECT_BAD(hb_validate_record_form(&rec, &v_), "term", "取值无效 (unknown term value): 5");
  p.has_term = 0;
  p.subcategory = "a\nb";
  EXPECT_BAD(hb_validate_record_form(&rec, &v_), "subcategory",
             "子类别含控制字符 (subcategory contains control characters)");
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-dlz";
  a.id = "A1";
  a.kind_code = "a\tb";
  rec.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  rec.activity = &a;
  EXPECT_BAD(hb_validate_record_form(&rec, &v_), "kind_code",
             "类型含控制字符 (kind_code contains control characters)");
}

static Huibao__V1__Report report(const char *period, const char *campaign)
{
  Huibao__V1__Report r = HUIBAO__V1__REPORT__INIT;
  r.unit = "xq-dlz";
  r.id = (char *)period;
  r.period = (char *)period;
  r.campaign = (char *)campaign;
  r.filled_by = "张三";
  return r;
}

static void test_report(void)
{
  /* zhuti-2023 (2023-04-01..2024-01-31) due Fridays 18:00; old has no cycle */
  hb_campaigns c = {0};
  hb_diags d;
  hb_diags_init(&d);
  static const char ini[] = "[zhuti-2023]\nname = 主题教育\nstart = 2023-04-01\nend = 2024-01-31\n"
                            "[old]\nname = 旧专项\nstart = 2023-01-01\nend = 2023-12-31\n";
  CHECK_EQ_INT(0, hb_campaigns_parse("c.ini", ini, strlen(ini), &c, &d));
  hb_diags_free(&d);
  if (c.count != 2)
    return;
  c.items[0].cycle = (hb_cycle){HB_CYCLE_WEEKLY, 5, 18 * 60};
  hb_canon canon;
  Huibao__V1__Report r = report("2023-06-09", NULL);
  CHECK_EQ_INT(0, hb_validate_report(&r, &c, today, NULL, &canon));
  CHECK(canon.campaign == NULL);
  r = report("2023-06-09", "主题教育");
  CHECK_EQ_INT(0, hb_validate_report(&r, &c, today, NULL, &canon));
  CHECK(canon.campaign == &c.items[0]);
  r = report("本期", NULL);
  CHECK_EQ_INT(0, hb_validate_report(&r, &c, today, NULL, NULL));
  r = report("2024-02-02", NULL); /* the last period: due on the first Friday after the end */
  CHECK_EQ_INT(0, hb_validate_report(&r, &c, today, NULL, NULL));
  r = report("2025-01-03", NULL); /* a future period would count (sent early): no today limit */
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "period",
             "报送期 2025-01-03 不是报送截止日（专项 zhuti-2023 每周五 18:00 截止，如 "
             "2024-02-02） (period 2025-01-03 is not a due date: weekly, Friday 18:00, e.g. "
             "2024-02-02)");
  r = report("2023-06-08", "zhuti-2023");
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "period",
             "报送期 2023-06-08 不是报送截止日（本专项每周五 18:00 截止，如 2023-06-09） (period "
             "2023-06-08 is not a due date: weekly, Friday 18:00, e.g. 2023-06-09)");
  r = report("2023-6-9", NULL);
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "period",
             "报送期应为日期 YYYY-MM-DD 或“本期” (period must be YYYY-MM-DD or 本期): 2023-6-9");
  r = report("", NULL);
  r.id = "x";
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "period",
             "缺少报送期 (period is missing)");
  r = report("2023-06-09", "nosuch");
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "campaign",
             "未知专项 (unknown campaign): nosuch");
  r = report("本期", "旧专项");
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "campaign",
             "专项 old 未设报送周期（cycle），不能报送 (campaign old has no reporting cycle)");
  char big[HB_NOTE_MAX + 2];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  r = report("2023-06-09", NULL);
  r.note = big;
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "note",
             "说明过长 (note longer than 1024 bytes)");
  big[HB_OWNER_MAX + 1] = '\0';
  r.note = NULL;
  r.filled_by = big;
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "filled_by",
             "填报人过长 (filled_by longer than 256 bytes)");
  r.filled_by = NULL;
  r.approved_by = "李\t四";
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "approved_by",
             "审核人含控制字符 (approved_by contains control characters)");
  /* a tombstone needs its key and version only */
  r = report(NULL, NULL);
  r.id = "2023-06-09";
  r.has_deleted = r.deleted = 1;
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "version",
             "删除记录缺少版本号 (tombstone without version)");
  r.version = 7;
  CHECK_EQ_INT(0, hb_validate_report(&r, &c, today, NULL, NULL));
  /* without campaigns: the form only */
  r = report("2023-06-08", "whatever");
  CHECK_EQ_INT(0, hb_validate_report(&r, NULL, today, NULL, &canon));
  CHECK(canon.campaign == NULL);
  /* no campaign with a cycle: nothing can be reported */
  c.items[0].cycle.kind = HB_CYCLE_NONE;
  r = report("本期", NULL);
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "period",
             "没有设报送周期（cycle）的专项，不能报送 (no campaign has a reporting cycle)");
  /* monthly: the 31st is the last day of a shorter month */
  c.items[0].cycle = (hb_cycle){HB_CYCLE_MONTHLY, 31, 17 * 60 + 30};
  r = report("2023-06-30", "zhuti-2023");
  CHECK_EQ_INT(0, hb_validate_report(&r, &c, today, NULL, NULL));
  r = report("2023-06-29", "zhuti-2023");
  EXPECT_BAD(hb_validate_report(&r, &c, today, &v_, NULL), "period",
             "报送期 2023-06-29 不是报送截止日（本专项每月 31 日 17:30 截止，如 2023-06-30） "
             "(period 2023-06-29 is not a due date: monthly, day 31, 17:30, e.g. 2023-06-30)");
  hb_campaigns_free(&c);
}

int main(void)
{
  today = hb_date_from_ymd(2023, 12, 31);
  static const char ini[] = "[zhuti-2023]\nname = 主题教育\nstart = 2023-04-01\nend = 2024-01-31\n"
                            "kind.dangke = 讲党课\nindicator.shishi = 为民办实事, 件, 0\n"
                            "indicator.juanzhu = 捐助物资, 万元, 2\n"
                            "category.theory = 理论学习不到位\ncategory.theory.t1 = 学习不系统\n"
                            "category.people = 为民造福不到位\ncategory.people.p1 = 办实事不实\n";
  hb_diags d;
  hb_diags_init(&d);
  if (hb_campaigns_parse("c.ini", ini, strlen(ini), &camps, &d) != 0) {
    hb_diags_write(&d, stderr);
    return 1;
  }
  hb_diags_free(&d);
  RUN(test_indicator);
  RUN(test_case);
  RUN(test_activity_kind);
  RUN(test_problem_fields);
  RUN(test_record_form);
  setenv("TZ", "Asia/Shanghai", 1); /* periods are due in local time */
  tzset();
  RUN(test_report);
  hb_campaigns_free(&camps);
  return test_summary();
}
