#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_validate.h"
#include "test.h"

static int32_t today;

static Huibao__V1__Activity act(void)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-dlz";
  a.id = "A1";
  a.campaign = "jiefang-2022";
  a.has_date = 1;
  a.date = hb_date_from_ymd(2022, 7, 1);
  a.has_kind = 1;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  a.has_level = 1;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.has_sessions = 1;
  a.sessions = 1;
  a.has_participants = 1;
  a.participants = 30;
  a.title = "学习";
  return a;
}

static Huibao__V1__Problem prob(void)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-dlz";
  p.id = "P1";
  p.campaign = "解放思想、振兴发展研讨";
  p.has_identified_on = 1;
  p.identified_on = hb_date_from_ymd(2022, 7, 1);
  p.has_scope = 1;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  p.category = "贯彻新发展理念";
  p.has_status = 1;
  p.status = HUIBAO__V1__PROBLEM_STATUS__RECTIFYING;
  p.has_measures = 1;
  p.measures = 3;
  return p;
}

static hb_campaigns camps;

static void load_campaigns(void)
{
  static const char ini[] = "[jiefang-2022]\nname = 解放思想、振兴发展研讨\nstart = 2022-06-01\n"
                            "end = 2022-12-31\ncategory.county = 深化县情认识\n"
                            "category.philosophy = 贯彻新发展理念\n";
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("c.ini", ini, strlen(ini), &camps, &d));
  hb_diags_free(&d);
}

#define EXPECT_BAD(call, fld, why)                                                                 \
  do {                                                                                             \
    hb_violation v_ = {0};                                                                         \
    CHECK_EQ_INT(HB_EINVAL, call);                                                                 \
    CHECK_EQ_STR(fld, v_.field);                                                                   \
    CHECK_EQ_STR(why, v_.reason);                                                                  \
  } while (0)

static void test_activity(void)
{
  hb_violation v;
  hb_canon canon;
  Huibao__V1__Activity a = act();
  CHECK_EQ_INT(0, hb_validate_activity(&a, NULL, today, &v, &canon));
  CHECK(canon.campaign == NULL);
  CHECK_EQ_INT(0, hb_validate_activity(&a, &camps, today, &v, &canon));
  CHECK(canon.campaign == &camps.items[0]);
  a.date = hb_date_from_ymd(2023, 1, 2);
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "date",
             "日期晚于今天 (date is in the future): 2023-01-02");
  a.date = hb_date_from_ymd(1999, 12, 31);
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "date",
             "日期早于 2000-01-01 或无效 (date before 2000-01-01 or invalid): 1999-12-31");
  a = act();
  a.has_date = 0;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "date",
             "缺少日期 (date is missing)");
  a = act();
  a.sessions = 0;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "sessions",
             "次数超出范围 (sessions out of range 1..100000): 0");
  a = act();
  a.participants = HB_PARTICIPANTS_MAX + 1;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "participants",
             "参加人次超出范围 (participants out of range 0..10000000): 10000001");
  a = act();
  a.kind = 99;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "kind",
             "类型取值无效 (unknown kind value): 99");
  /* the edges of the range enum_known checks (1..12 after 0) */
  a.kind = HUIBAO__V1__ACTIVITY_KIND__INSPECTION;
  CHECK_EQ_INT(0, hb_validate_activity(&a, NULL, today, &v, NULL));
  a.kind = 13;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "kind",
             "类型取值无效 (unknown kind value): 13");
  a.kind = -1;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "kind",
             "类型取值无效 (unknown kind value): -1");
  a.kind = INT32_MIN;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "kind",
             "类型取值无效 (unknown kind value): -2147483648");
  a = act();
  a.campaign = "other";
  CHECK_EQ_INT(0, hb_validate_activity(&a, NULL, today, &v, NULL));
  EXPECT_BAD(hb_validate_activity(&a, &camps, today, &v_, NULL), "campaign",
             "未知专项 (unknown campaign): other");
  a = act();
  a.unit = "bad unit";
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "unit",
             "单位编码无效 (invalid unit code): bad unit");
  a = act();
  a.id = "A\n1";
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "id",
             "编号含控制字符 (id contains control characters)");
  /* every ASCII byte at every place of ids of 1..20 bytes (has_ctl looks
   * eight at a time): refused exactly for 01..1F and 7F */
  char id[24];
  size_t wrong = 0;
  for (size_t len = 1; len <= 20; len++)
    for (size_t at = 0; at < len; at++)
      for (int b = 1; b < 0x80; b++) {
        memset(id, b == 'x' ? 'y' : 'x', len);
        id[at] = (char)b;
        id[len] = '\0';
        a.id = id;
        hb_violation vc = {0};
        int rc = hb_validate_activity(&a, NULL, today, &vc, NULL);
        int ctl = b < 0x20 || b == 0x7F;
        if (ctl ? rc != HB_EINVAL || strcmp(vc.field, "id") != 0 : rc != 0)
          wrong++;
      }
  CHECK_EQ_INT(0, (long long)wrong);
  a.id = "编号中文编号中文~~"; /* bytes >= 0x80 and 0x7E beside them */
  CHECK_EQ_INT(0, hb_validate_activity(&a, NULL, today, &v, NULL));
  a = act();
  char title[600];
  memset(title, 'x', 513);
  title[513] = '\0';
  a.title = title;
  EXPECT_BAD(hb_validate_activity(&a, NULL, today, &v_, NULL), "title",
             "主题过长 (title longer than 512 bytes)");
  /* tombstone: only unit, id, version */
  Huibao__V1__Activity t = HUIBAO__V1__ACTIVITY__INIT;
  t.unit = "xq-dlz";
  t.id = "A1";
  t.version = 5;
  t.has_deleted = 1;
  t.deleted = 1;
  CHECK_EQ_INT(0, hb_validate_activity(&t, &camps, today, &v, NULL));
  t.version = 0;
  CHECK_EQ_INT(HB_EINVAL, hb_validate_activity(&t, &camps, today, &v, NULL));
}

static void test_problem(void)
{
  hb_violation v;
  hb_canon canon;
  Huibao__V1__Problem p = prob();
  CHECK_EQ_INT(0, hb_validate_problem(&p, &camps, today, &v, &canon));
  CHECK(canon.campaign == &camps.items[0]);
  CHECK_EQ_INT(1, canon.category);
  p.category = "unknown";
  EXPECT_BAD(hb_validate_problem(&p, &camps, today, &v_, NULL), "category",
             "类别不属于专项 jiefang-2022 (category not in campaign jiefang-2022): unknown");
  CHECK_EQ_INT(0, hb_validate_problem(&p, NULL, today, &v, NULL));
  p = prob();
  p.status = HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  EXPECT_BAD(hb_validate_problem(&p, NULL, today, &v_, NULL), "resolved_on",
             "已整改的问题须填销号日期 (resolved_on is required when status is resolved)");
  p.has_resolved_on = 1;
  p.resolved_on = hb_date_from_ymd(2022, 6, 30);
  EXPECT_BAD(hb_validate_problem(&p, NULL, today, &v_, NULL), "resolved_on",
             "销号日期早于查摆日期 (resolved_on before identified_on): 2022-06-30 < 2022-07-01");
  p.resolved_on = hb_date_from_ymd(2023, 6, 30);
  EXPECT_BAD(hb_validate_problem(&p, NULL, today, &v_, NULL), "resolved_on",
             "销号日期晚于今天 (resolved_on is in the future): 2023-06-30");
  p.resolved_on = hb_date_from_ymd(2022, 8, 1);
  CHECK_EQ_INT(0, hb_validate_problem(&p, NULL, today, &v, NULL));
  p.status = HUIBAO__V1__PROBLEM_STATUS__RECTIFYING;
  EXPECT_BAD(hb_validate_problem(&p, NULL, today, &v_, NULL), "resolved_on",
             "未整改完成的问题不能填销号日期 (resolved_on is only allowed when status is "
             "resolved)");
  p = prob();
  p.has_deadline = 1;
  p.deadline = hb_date_from_ymd(2022, 6, 1);
  EXPECT_BAD(hb_validate_problem(&p, NULL, today, &v_, NULL), "deadline",
             "整改时限早于查摆日期 (deadline before identified_on): 2022-06-01 < 2022-07-01");
  p.deadline = hb_date_from_ymd(2030, 6, 1); /* future deadlines are fine */
  CHECK_EQ_INT(0, hb_validate_problem(&p, NULL, today, &v, NULL));
  p = prob();
  p.measures = 1001;
  EXPECT_BAD(hb_validate_problem(&p, NULL, today, &v_, NULL), "measures",
             "整改措施数超出范围 (measures out of range 0..1000): 1001");
  p = prob();
  p.has_scope = 0;
  EXPECT_BAD(hb_validate_problem(&p, NULL, today, &v_, NULL), "scope",
             "缺少范围 (scope is missing)");
}

static void test_form(void)
{
  hb_violation v;
  Huibao__V1__Activity a = act();
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  r.activity = &a;
  CHECK_EQ_INT(0, hb_validate_record_form(&r, &v));
  a.level = 7;
  EXPECT_BAD(hb_validate_record_form(&r, &v_), "level", "取值无效 (unknown level value): 7");
  a = act();
  a.title = "\xFF";
  EXPECT_BAD(hb_validate_record_form(&r, &v_), "title",
             "主题不是有效的 UTF-8 文本 (title is not valid UTF-8)");
  Huibao__V1__Problem p = prob();
  r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r.problem = &p;
  CHECK_EQ_INT(0, hb_validate_record_form(&r, &v));
  p.status = 9;
  EXPECT_BAD(hb_validate_record_form(&r, &v_), "status", "取值无效 (unknown status value): 9");
  r.body_case = HUIBAO__V1__RECORD__BODY__NOT_SET;
  CHECK_EQ_INT(HB_EINVAL, hb_validate_record_form(&r, &v));
}

int main(void)
{
  today = hb_date_from_ymd(2022, 12, 31);
  load_campaigns();
  RUN(test_activity);
  RUN(test_problem);
  RUN(test_form);
  hb_campaigns_free(&camps);
  return test_summary();
}
