#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_ledger.h"
#include "test.h"

static int32_t today;

static void expect_diags(const hb_diags *d, const char *const *want, size_t n)
{
  char buf[1024];
  CHECK_EQ_INT(n, d->count);
  for (size_t i = 0; i < n && i < d->count; i++) {
    hb_diag_format(&d->items[i], buf, sizeof(buf));
    CHECK_EQ_STR(want[i], buf);
  }
}

static void test_activities(void)
{
  static const char csv[] =
      "\xEF\xBB\xBF 编号 ,专项,日期,类型,层级,次数,参加人次,成果数,主题,备注\r\n"   /* 1 */
      "A1,jiefang-2022,2022-07-01,集中学习,本级,2,\"1,200\",0,\"学习, 研讨\",x\r\n" /* 2 */
      "A2,jiefang-2022,2022/7/2,seminar,,,,,\r\n"                                   /* 3 */
      ",,,,,,,,,\r\n"                                                               /* 4 blank */
      "A3,jiefang-2022,2022-13-01,学习会,基层,-1,abc,１２,t\r\n"                    /* 5 */
      "A2,jiefang-2022,2022-07-03,study,,,,,\r\n"                                   /* 6 dup */
      "A4,jiefang-2022,2023-01-01,study,,0,,,\r\n"                                  /* 7 future */
      "A5,jiefang-2022,2022-07-05,study,,,,,,,,\r\n"                                /* 8 too many */
      ",jiefang-2022,2022-07-05,study,,,,,\r\n"                                     /* 9 no id */
      "A6,jiefang-2022,2022-07-05,study,branch,1,,,\"多行\n主题\"\r\n"              /* 10-11 */
      "A7,jiefang-2022,2022-07-06,study,,,１２３,,\r\n";                            /* 12 */
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_ledger_parse("activities.csv", csv, sizeof(csv) - 1, 0, "xq-dlz", NULL,
                                          today, &l, &d));
  static const char *const want[] = {
      "activities.csv:5: 日期: 不是有效日期 (not a date): 2022-13-01",
      "activities.csv:5: 类型: 未知类型 (unknown kind): 学习会; 可选 (allowed): study 集中学习, "
      "seminar 专题研讨, lecture 宣讲, tutorial 专题辅导, reading_class 读书班, research "
      "调查研究, party_day 主题党日, training 培训, publicity 宣传报道, essay 心得体会, talk "
      "谈心谈话, inspection 督导检查",
      "activities.csv:5: 次数: 不能为负数 (must not be negative): -1",
      "activities.csv:5: 参加人次: 不是整数 (not a whole number): abc",
      "activities.csv:6: 编号: 编号 A2 与第 3 行重复 (duplicate id, first on line 3)",
      "activities.csv:7: 日期: 日期晚于今天 (date is in the future): 2023-01-01",
      "activities.csv:8: 字段数多于表头 (more fields than the header: 12 > 10)",
      "activities.csv:9: 编号: 缺少编号 (id is missing)",
  };
  expect_diags(&d, want, sizeof(want) / sizeof(want[0]));
  CHECK_EQ_INT(4, l.nactivities);
  CHECK_EQ_INT(9, l.rows_read);
  CHECK_EQ_INT(0, l.activities_incomplete);
  if (l.nactivities == 4) {
    Huibao__V1__Activity *a = l.activities[0];
    CHECK_EQ_STR("xq-dlz", a->unit);
    CHECK_EQ_STR("A1", a->id);
    CHECK_EQ_INT(0, a->version);
    CHECK_EQ_STR("jiefang-2022", a->campaign);
    CHECK_EQ_INT(hb_date_from_ymd(2022, 7, 1), a->date);
    CHECK(a->has_date && a->has_kind && a->has_level && a->has_sessions && a->has_participants &&
          a->has_outputs);
    CHECK_EQ_INT(1, a->kind);
    CHECK_EQ_INT(1, a->level);
    CHECK_EQ_INT(2, a->sessions);
    CHECK_EQ_INT(1200, a->participants);
    CHECK_EQ_INT(0, a->outputs);
    CHECK_EQ_STR("学习, 研讨", a->title);
    CHECK_EQ_INT(2, l.activity_lines[0]);
    a = l.activities[1];
    CHECK_EQ_STR("A2", a->id);
    CHECK_EQ_INT(2, a->kind);
    CHECK_EQ_INT(1, a->level);
    CHECK_EQ_INT(1, a->sessions);
    CHECK_EQ_INT(0, a->participants);
    CHECK_EQ_STR("A6", l.activities[2]->id);
    CHECK_EQ_INT(2, l.activities[2]->level);
    CHECK_EQ_STR("多行\n主题", l.activities[2]->title);
    CHECK_EQ_INT(10, l.activity_lines[2]);
    CHECK_EQ_INT(123, l.activities[3]->participants);
    CHECK_EQ_INT(12, l.activity_lines[3]);
  }
  CHECK_EQ_INT(4, l.ninvalid);
  if (l.ninvalid == 4) {
    CHECK_EQ_STR("A:A3", l.invalid_ids[0]);
    CHECK_EQ_STR("A:A2", l.invalid_ids[1]);
    CHECK_EQ_STR("A:A4", l.invalid_ids[2]);
    CHECK_EQ_STR("A:A5", l.invalid_ids[3]);
  }
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

static hb_campaigns camps;

static void test_problems(void)
{
  /* English header, GBK is tested below; campaign by display name. */
  static const char csv[] =
      "ID,Campaign,Identified_On,Scope,Category,Status,Measures,Deadline,Resolved_On,"
      "Description\n" /* 1 */
      "P1,解放思想、振兴发展研讨,2022-07-01,班子,贯彻新发展理念,已整改,3,2022-09-30,"
      "2022-08-01,思想不够解放\n"                                                /* 2 */
      "P2,jiefang-2022,2022-07-01,individual,county,rectifying,,,,x\n"           /* 3 */
      "P3,jiefang-2022,2022-07-01,individual,county,resolved,,,,x\n"             /* 4 */
      "P4,jiefang-2022,2022-07-01,individual,county,identified,,,2022-08-01,x\n" /* 5 */
      "P5,jiefang-2022,2022-07-01,individual,nope,identified,,,,x\n"             /* 6 */
      "P6,other,2022-07-01,individual,county,identified,,,,x\n"                  /* 7 */
      "P7,jiefang-2022,2022-07-01,individual,county,resolved,,,2022-06-30,x\n"   /* 8 */
      "P8,jiefang-2022,2022-07-01,个人,county,已查摆,\"1,001\",,,x\n";           /* 9 */
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_ledger_parse("problems.csv", csv, sizeof(csv) - 1, 1, "xq-dlz", &camps,
                                          today, &l, &d));
  static const char *const want[] = {
      "problems.csv:4: Resolved_On: 已整改的问题须填销号日期 (resolved_on is required when "
      "status is resolved)",
      "problems.csv:5: Resolved_On: 未整改完成的问题不能填销号日期 (resolved_on is only allowed "
      "when status is resolved)",
      "problems.csv:6: Category: 类别不属于专项 jiefang-2022 (category not in campaign "
      "jiefang-2022): nope",
      "problems.csv:7: Campaign: 未知专项 (unknown campaign): other",
      "problems.csv:8: Resolved_On: 销号日期早于查摆日期 (resolved_on before identified_on): "
      "2022-06-30 < 2022-07-01",
      "problems.csv:9: Measures: 整改措施数超出范围 (measures out of range 0..1000): 1001",
  };
  expect_diags(&d, want, sizeof(want) / sizeof(want[0]));
  CHECK_EQ_INT(2, l.nproblems);
  if (l.nproblems == 2) {
    Huibao__V1__Problem *p = l.problems[0];
    CHECK_EQ_STR("jiefang-2022", p->campaign); /* canonical id */
    CHECK_EQ_STR("philosophy", p->category);   /* canonical code */
    CHECK_EQ_INT(2, p->scope);
    CHECK_EQ_INT(3, p->status);
    CHECK_EQ_INT(3, p->measures);
    CHECK(p->has_deadline && p->has_resolved_on && p->has_measures);
    CHECK_EQ_INT(hb_date_from_ymd(2022, 9, 30), p->deadline);
    CHECK_EQ_INT(hb_date_from_ymd(2022, 8, 1), p->resolved_on);
    CHECK_EQ_STR("思想不够解放", p->description);
    p = l.problems[1];
    CHECK_EQ_STR("P2", p->id);
    CHECK(!p->has_deadline && !p->has_resolved_on);
    CHECK_EQ_INT(0, p->measures);
  }
  CHECK_EQ_INT(6, l.ninvalid);
  CHECK_EQ_STR("P:P3", l.ninvalid ? l.invalid_ids[0] : NULL);
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

static void test_file_errors(void)
{
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  static const char missing[] = "id,campaign,date,title\nA1,c,2022-01-01,t\n";
  CHECK_EQ_INT(HB_EINVAL, hb_ledger_parse("activities.csv", missing, sizeof(missing) - 1, 0, "u1",
                                          NULL, today, &l, &d));
  static const char *const want1[] = {
      "activities.csv:1: 缺少必需的列 (missing required columns): 类型/kind"};
  expect_diags(&d, want1, 1);
  CHECK_EQ_INT(0, l.nactivities);
  CHECK_EQ_INT(1, l.activities_incomplete);
  hb_ledger_free(&l);
  hb_diags_free(&d);

  hb_diags_init(&d);
  static const char nul[] = "id,campaign,date,kind\nA1,c,2022-01-01,study\nA\0";
  CHECK_EQ_INT(HB_EINVAL, hb_ledger_parse("activities.csv", nul, sizeof(nul) - 1, 0, "u1", NULL,
                                          today, &l, &d));
  static const char *const want2[] = {
      "activities.csv:3: 文本中有 NUL 字节 (byte 0x00 (NUL) in text)"};
  expect_diags(&d, want2, 1);
  CHECK_EQ_INT(1, l.activities_incomplete);
  hb_ledger_free(&l);
  hb_diags_free(&d);

  hb_diags_init(&d);
  static const char quote[] = "id,campaign,date,kind\nA1,c,2022-01-01,study\nA2,\"c,2022\n";
  CHECK_EQ_INT(HB_EINVAL, hb_ledger_parse("activities.csv", quote, sizeof(quote) - 1, 0, "u1", NULL,
                                          today, &l, &d));
  static const char *const want3[] = {"activities.csv:3: 引号未闭合 (unterminated quoted field)"};
  expect_diags(&d, want3, 1);
  CHECK_EQ_INT(1, l.nactivities);
  CHECK_EQ_INT(1, l.activities_incomplete);
  hb_ledger_free(&l);
  hb_diags_free(&d);
}

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
  char path[256];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(data, 1, len, f);
  fclose(f);
}

static void test_load_dir(void)
{
  char dir[] = "/tmp/hbledgerXXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  hb_ledger l;
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_ledger_load(dir, "u1", NULL, today, &l, &d));
  hb_ledger_free(&l);
  hb_diags_free(&d);
  /* GBK: 编号,专项,日期,类型 / A1,c,2022-07-01,学习 */
  static const char gbk[] =
      "\xB1\xE0\xBA\xC5,\xD7\xA8\xCF\xEE,\xC8\xD5\xC6\xDA,\xC0\xE0\xD0\xCD\r\n"
      "A1,c,2022-07-01,\xD1\xA7\xCF\xB0\r\n";
  write_file(dir, "activities.csv", gbk, sizeof(gbk) - 1);
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_ledger_load(dir, "u1", NULL, today, &l, &d));
  /* issue 12: the absent indicators.csv and cases.csv are noted as well */
  CHECK_EQ_INT(3, d.count);
  CHECK_EQ_INT(3, d.notes);
  char buf[256];
  hb_diag_format(&d.items[0], buf, sizeof(buf));
  CHECK_EQ_STR("problems.csv: 文件不存在，本次不报送该表 (file not found: this table is not sent)",
               buf);
  hb_diag_format(&d.items[1], buf, sizeof(buf));
  CHECK_EQ_STR(
      "indicators.csv: 文件不存在，本次不报送该表 (file not found: this table is not sent)", buf);
  hb_diag_format(&d.items[2], buf, sizeof(buf));
  CHECK_EQ_STR("cases.csv: 文件不存在，本次不报送该表 (file not found: this table is not sent)",
               buf);
  CHECK(l.indicators_incomplete && l.cases_incomplete && !l.activities_incomplete);
  CHECK_EQ_INT(1, l.nactivities);
  CHECK_EQ_INT(1, l.nactivities ? l.activities[0]->kind : 0);
  CHECK_EQ_STR("c", l.nactivities ? l.activities[0]->campaign : NULL);
  hb_ledger_free(&l);
  hb_diags_free(&d);
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

/* 10,000 rows parse whole. Speed is the bench's to measure (bench/: agent
 * first sync), never a timed assertion here: a loaded machine made it flaky. */
static void test_rows_10k(void)
{
  size_t cap = 10000 * 120 + 200, n = 0;
  char *buf = malloc(cap);
  n += (size_t)snprintf(buf, cap, "编号,专项,日期,类型,层级,次数,参加人次,成果数,主题\n");
  for (int i = 0; i < 10000; i++)
    n += (size_t)snprintf(buf + n, cap - n,
                          "A%05d,jiefang-2022,2022-07-%02d,%s,本级,1,%d,0,学习会议第%d次\n", i,
                          i % 28 + 1, i % 2 ? "集中学习" : "seminar", i % 100, i);
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_ledger_parse("activities.csv", buf, n, 0, "u1", &camps, today, &l, &d));
  CHECK_EQ_INT(10000, l.nactivities);
  CHECK_EQ_INT(0, d.count);
  hb_ledger_free(&l);
  hb_diags_free(&d);
  free(buf);
}

static void test_garbage_100mb(void)
{
  /* 100 MB of bad rows: bounded diagnostics, no crash. */
  size_t n = 100u * 1024 * 1024;
  char *buf = malloc(n);
  static const char hdr[] = "id,campaign,date,kind\n";
  memcpy(buf, hdr, sizeof(hdr) - 1);
  static const char row[] = "X,c,notadate,study\n";
  size_t pos = sizeof(hdr) - 1;
  while (pos + sizeof(row) - 1 <= n) {
    memcpy(buf + pos, row, sizeof(row) - 1);
    pos += sizeof(row) - 1;
  }
  hb_ledger l = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL,
               hb_ledger_parse("activities.csv", buf, pos, 0, "u1", NULL, today, &l, &d));
  CHECK_EQ_INT(1000, d.count);
  CHECK(d.dropped > 1000000);
  CHECK_EQ_INT(0, l.nactivities);
  hb_ledger_free(&l);
  hb_diags_free(&d);
  free(buf);
}

int main(void)
{
  today = hb_date_from_ymd(2022, 12, 31);
  static const char ini[] = "[jiefang-2022]\nname = 解放思想、振兴发展研讨\nstart = 2022-06-01\n"
                            "end = 2022-12-31\ncategory.county = 深化县情认识\n"
                            "category.philosophy = 贯彻新发展理念\n";
  hb_diags d;
  hb_diags_init(&d);
  if (hb_campaigns_parse("c.ini", ini, strlen(ini), &camps, &d) != 0)
    return 1;
  hb_diags_free(&d);
  RUN(test_activities);
  RUN(test_problems);
  RUN(test_file_errors);
  RUN(test_load_dir);
  RUN(test_rows_10k);
  RUN(test_garbage_100mb);
  hb_campaigns_free(&camps);
  return test_summary();
}
