#include <unistd.h>
#include <stdlib.h>

#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_err.h"
#include "test.h"

static const char good[] = "; campaigns of the county\n"
                           "[jiefang-2022]\n"
                           "name = 解放思想、振兴发展研讨\n"
                           "start = 2022-06-01\n"
                           "end = 2022-12-31\n"
                           "category.county = 深化县情认识\n"
                           "  category.philosophy = 贯彻新发展理念\n"
                           "\n"
                           "[nengli-2023]\n"
                           "name = 能力作风建设年\n"
                           "start = 2023-01-01\n"
                           "end = 2023-12-31\n";

static void test_good(void)
{
  hb_campaigns c = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("campaigns.ini", good, strlen(good), &c, &d));
  CHECK_EQ_INT(0, d.count);
  CHECK_EQ_INT(2, c.count);
  CHECK_EQ_STR("jiefang-2022", c.items[0].id);
  CHECK_EQ_STR("解放思想、振兴发展研讨", c.items[0].name);
  CHECK_EQ_INT(hb_date_from_ymd(2022, 6, 1), c.items[0].start);
  CHECK_EQ_INT(hb_date_from_ymd(2022, 12, 31), c.items[0].end);
  CHECK_EQ_INT(2, c.items[0].ncategories);
  CHECK_EQ_STR("philosophy", c.items[0].categories[1].code);
  CHECK_EQ_STR("贯彻新发展理念", c.items[0].categories[1].name);
  CHECK_EQ_INT(0, c.items[1].ncategories);
  CHECK(hb_campaigns_find(&c, " 能力作风建设年 ") == &c.items[1]);
  CHECK(hb_campaigns_find(&c, "jiefang-2022") == &c.items[0]);
  CHECK(hb_campaigns_find(&c, "x") == NULL);
  /* a prefix, a longer cell, blanks inside, only blanks, over 1024 bytes */
  CHECK(hb_campaigns_find(&c, "jiefang") == NULL);
  CHECK(hb_campaigns_find(&c, "jiefang-20222") == NULL);
  CHECK(hb_campaigns_find(&c, "\xE3\x80\x80\tjiefang-2022\xE3\x80\x80\r\n") == &c.items[0]);
  CHECK(hb_campaigns_find(&c, "jiefang -2022") == NULL);
  CHECK(hb_campaigns_find(&c, " \xE3\x80\x80 ") == NULL);
  CHECK(hb_campaigns_find(&c, "") == NULL);
  char big[1100];
  memset(big, ' ', sizeof big);
  memcpy(big + 1100 - 1 - 12, "jiefang-2022", 13); /* 1099 bytes: equals nothing */
  CHECK(hb_campaigns_find(&c, big) == NULL);
  CHECK(hb_campaigns_find(&c, big + 1099 - 1024) == &c.items[0]); /* 1024 bytes */
  CHECK_EQ_INT(1, hb_campaign_category(&c.items[0], "贯彻新发展理念"));
  CHECK_EQ_INT(0, hb_campaign_category(&c.items[0], "county"));
  CHECK_EQ_INT(-1, hb_campaign_category(&c.items[0], "other"));
  hb_campaigns_free(&c);
  hb_diags_free(&d);
}

static void test_errors(void)
{
  static const char bad[] = "[a]\n"                /* 1 */
                            "nmae = x\n"           /* 2 unknown key */
                            "name = A\n"           /* 3 */
                            "start = 2022-13-01\n" /* 4 bad date */
                            "end = 2022-12-31\n"   /* 5 */
                            "category.x = X\n"     /* 6 */
                            "category.x = Y\n"     /* 7 duplicate code */
                            "[b]\n"                /* 8 missing name, start */
                            "end = 2022-01-01\n"   /* 9 */
                            "[a]\n"                /* 10 duplicate section */
                            "name = again\n"       /* 11 ignored */
                            "this line is wrong\n" /* 12 syntax */
                            "[bad id]\n";          /* 13 */
  hb_campaigns c = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_campaigns_parse("c.ini", bad, strlen(bad), &c, &d));
  char buf[512];
  const char *want[] = {
      "c.ini:2: 未知的键 (unknown key; use name, start, end, kind.CODE, indicator.CODE, "
      "category.CODE, category.CODE.SUB, stage.N, cycle): nmae",
      "c.ini:4: start: 不是有效日期 (not a date): 2022-13-01",
      "c.ini:7: 类别代码重复 (duplicate category code): x",
      "c.ini:10: 专项重复，首次在第 1 行 (duplicate campaign, first on line 1): a",
      "c.ini:13: 专项编号无效 (invalid campaign id, use 1..50 of A-Z a-z 0-9 _ . -): bad id",
      "c.ini:12: 语法错误，应为 [专项] 或 键 = 值 (syntax error: expected [section] or key = "
      "value)",
      "c.ini:1: start: 缺少开始日期 (missing key start): a",
      "c.ini:8: name: 缺少专项名称 (missing key name): b",
      "c.ini:8: start: 缺少开始日期 (missing key start): b",
  };
  size_t n = sizeof(want) / sizeof(want[0]);
  CHECK_EQ_INT(n, d.count);
  for (size_t i = 0; i < n && i < d.count; i++) {
    hb_diag_format(&d.items[i], buf, sizeof(buf));
    CHECK_EQ_STR(want[i], buf);
  }
  hb_campaigns_free(&c);
  hb_diags_free(&d);
}

/* The example of issue 12, as county staff would write it. */
static const char example[] =
    "[zhuti-2023]\n"
    "name = 学习贯彻习近平新时代中国特色社会主义思想主题教育\n"
    "start = 2023-04-01\n"
    "end = 2024-01-31\n"
    "kind.dangke = 讲党课                       ; an activity kind of this campaign (code = "
    "dangke)\n"
    "kind.zouliucheng = 走流程\n"
    "indicator.shishi = 为民办实事, 件           ; an outcome indicator: name, unit\n"
    "indicator.juanzhu = 捐助物资, 万元, 2       ; third field: decimal places (default 0)\n"
    "indicator.zhidu = 建章立制, 项\n"
    "category.theory = 理论学习不到位\n"
    "category.theory.t1 = 学习不系统               ; a sub-category of `theory` (code t1)\n"
    "category.theory.t2 = 学用脱节\n"
    "stage.1 = 学习研讨, 2023-04-01, 2023-05-15   ; stages: name, start, end (inside start..end)\n"
    "stage.2 = 问题查摆, 2023-05-16, 2023-06-30\n";

static int32_t day(int y, int m, int d)
{
  return hb_date_from_ymd(y, m, d);
}

static void test_example(void)
{
  hb_campaigns cs = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("campaigns.ini", example, strlen(example), &cs, &d));
  CHECK_EQ_INT(0, d.count);
  CHECK_EQ_INT(1, cs.count);
  if (cs.count != 1)
    goto done;
  const hb_campaign *c = &cs.items[0];
  CHECK_EQ_STR("zhuti-2023", c->id);
  CHECK_EQ_STR("学习贯彻习近平新时代中国特色社会主义思想主题教育", c->name);
  CHECK_EQ_INT(day(2023, 4, 1), c->start);
  CHECK_EQ_INT(day(2024, 1, 31), c->end);
  CHECK_EQ_INT(2, c->nkinds);
  CHECK_EQ_STR("dangke", c->kinds[0].code);
  CHECK_EQ_STR("讲党课", c->kinds[0].name);
  CHECK_EQ_STR("zouliucheng", c->kinds[1].code);
  CHECK_EQ_STR("走流程", c->kinds[1].name);
  CHECK_EQ_INT(3, c->nindicators);
  const char *icode[] = {"shishi", "juanzhu", "zhidu"};
  const char *iname[] = {"为民办实事", "捐助物资", "建章立制"};
  const char *iunit[] = {"件", "万元", "项"};
  const int iplaces[] = {0, 2, 0};
  for (size_t i = 0; i < 3 && i < c->nindicators; i++) {
    CHECK_EQ_STR(icode[i], c->indicators[i].code);
    CHECK_EQ_STR(iname[i], c->indicators[i].name);
    CHECK_EQ_STR(iunit[i], c->indicators[i].unit);
    CHECK_EQ_INT(iplaces[i], c->indicators[i].places);
  }
  CHECK_EQ_INT(1, c->ncategories);
  CHECK_EQ_STR("theory", c->categories[0].code);
  CHECK_EQ_STR("理论学习不到位", c->categories[0].name);
  CHECK_EQ_INT(2, c->categories[0].nsubs);
  if (c->categories[0].nsubs == 2) {
    CHECK_EQ_STR("t1", c->categories[0].subs[0].code);
    CHECK_EQ_STR("学习不系统", c->categories[0].subs[0].name);
    CHECK_EQ_STR("t2", c->categories[0].subs[1].code);
    CHECK_EQ_STR("学用脱节", c->categories[0].subs[1].name);
  }
  CHECK_EQ_INT(2, c->nstages);
  if (c->nstages == 2) {
    CHECK_EQ_INT(1, c->stages[0].n);
    CHECK_EQ_STR("学习研讨", c->stages[0].name);
    CHECK_EQ_INT(day(2023, 4, 1), c->stages[0].start);
    CHECK_EQ_INT(day(2023, 5, 15), c->stages[0].end);
    CHECK_EQ_INT(2, c->stages[1].n);
    CHECK_EQ_STR("问题查摆", c->stages[1].name);
    CHECK_EQ_INT(day(2023, 5, 16), c->stages[1].start);
    CHECK_EQ_INT(day(2023, 6, 30), c->stages[1].end);
  }
done:
  hb_campaigns_free(&cs);
  hb_diags_free(&d);
}

static void test_lookups(void)
{
  hb_campaigns cs = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("campaigns.ini", example, strlen(example), &cs, &d));
  const hb_campaign *c = cs.count ? &cs.items[0] : NULL;
  CHECK_EQ_INT(0, hb_campaign_kind(c, "dangke"));
  CHECK_EQ_INT(0, hb_campaign_kind(c, " 讲党课 "));
  CHECK_EQ_INT(1, hb_campaign_kind(c, "走流程"));
  CHECK_EQ_INT(-1, hb_campaign_kind(c, "study")); /* built-in: hb_vocab_kind's */
  CHECK_EQ_INT(-1, hb_campaign_kind(c, "DANGKE"));
  CHECK_EQ_INT(-1, hb_campaign_kind(c, NULL));
  CHECK_EQ_INT(1, hb_campaign_indicator(c, "juanzhu"));
  CHECK_EQ_INT(1, hb_campaign_indicator(c, "捐助物资\u3000"));
  CHECK_EQ_INT(2, hb_campaign_indicator(c, "建章立制"));
  CHECK_EQ_INT(-1, hb_campaign_indicator(c, "万元"));
  CHECK_EQ_INT(0, hb_campaign_category(c, "理论学习不到位"));
  CHECK_EQ_INT(0, hb_campaign_subcategory(c, 0, "t1"));
  CHECK_EQ_INT(1, hb_campaign_subcategory(c, 0, "学用脱节"));
  CHECK_EQ_INT(-1, hb_campaign_subcategory(c, 0, "t3"));
  CHECK_EQ_INT(-1, hb_campaign_subcategory(c, 1, "t1"));
  CHECK_EQ_INT(-1, hb_campaign_subcategory(c, -1, "t1"));
  CHECK_EQ_INT(-1, hb_campaign_stage_at(c, day(2023, 3, 31)));
  CHECK_EQ_INT(0, hb_campaign_stage_at(c, day(2023, 4, 1)));
  CHECK_EQ_INT(0, hb_campaign_stage_at(c, day(2023, 5, 15)));
  CHECK_EQ_INT(1, hb_campaign_stage_at(c, day(2023, 5, 16)));
  CHECK_EQ_INT(1, hb_campaign_stage_at(c, day(2023, 6, 30)));
  CHECK_EQ_INT(-1, hb_campaign_stage_at(c, day(2023, 7, 1)));
  CHECK_EQ_INT(-1, hb_campaign_stage_at(NULL, day(2023, 4, 1)));
  hb_campaigns_free(&cs);
  hb_diags_free(&d);
}

/* Stages kept sorted by start whatever the key order; a gap between
 * stages is no stage; full-width commas; N need not be contiguous. */
static void test_stage_order(void)
{
  static const char text[] = "[s]\n"
                             "name = S\n"
                             "stage.4 = 整改落实，2023-03-01，2023-12-31\n"
                             "stage.2 = 查摆 , 2023-02-01 ,2023-02-20\n"
                             "stage.10 = 学习, 2023-01-01, 2023-01-31\n"
                             "start = 2023-01-01\n"
                             "end = 2023-12-31\n"
                             "indicator.money = 资金，万元，4\n";
  hb_campaigns cs = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("c.ini", text, strlen(text), &cs, &d));
  CHECK_EQ_INT(0, d.count);
  const hb_campaign *c = cs.count ? &cs.items[0] : NULL;
  CHECK_EQ_INT(3, c ? c->nstages : 0);
  if (c && c->nstages == 3) {
    CHECK_EQ_INT(10, c->stages[0].n);
    CHECK_EQ_STR("学习", c->stages[0].name);
    CHECK_EQ_INT(2, c->stages[1].n);
    CHECK_EQ_STR("查摆", c->stages[1].name);
    CHECK_EQ_INT(day(2023, 2, 20), c->stages[1].end);
    CHECK_EQ_INT(4, c->stages[2].n);
    CHECK_EQ_STR("整改落实", c->stages[2].name);
    CHECK_EQ_INT(1, hb_campaign_stage_at(c, day(2023, 2, 1)));
    CHECK_EQ_INT(-1, hb_campaign_stage_at(c, day(2023, 2, 21)));
    CHECK_EQ_INT(2, hb_campaign_stage_at(c, day(2023, 12, 31)));
  }
  CHECK_EQ_INT(1, c ? c->nindicators : 0);
  if (c && c->nindicators == 1) {
    CHECK_EQ_STR("资金", c->indicators[0].name);
    CHECK_EQ_STR("万元", c->indicators[0].unit);
    CHECK_EQ_INT(4, c->indicators[0].places);
  }
  hb_campaigns_free(&cs);
  hb_diags_free(&d);
}

/* Every error of the declared vocabularies, on its own line. */
static void test_vocab_errors(void)
{
  static const char bad[] =
      "[c]\n"                                                     /* 1 */
      "name = C\n"                                                /* 2 */
      "start = 2023-04-01\n"                                      /* 3 */
      "end = 2024-01-31\n"                                        /* 4 */
      "kind.dangke = 讲党课\n"                                    /* 5 */
      "kind.dangke = 再讲党课\n"                                  /* 6 dup code */
      "kind.dk2 = 讲党课\n"                                       /* 7 dup name */
      "kind.study = 学习活动\n"                                   /* 8 built-in code */
      "kind.xuexi = 集中学习\n"                                   /* 9 built-in name */
      "indicator.a = 甲, 件\n"                                    /* 10 */
      "indicator.a = 乙, 件\n"                                    /* 11 dup code */
      "indicator.b = 甲, 项\n"                                    /* 12 dup name */
      "indicator.c = 丙, 万元, 5\n"                               /* 13 places */
      "indicator.d = 丁\n"                                        /* 14 fields */
      "indicator.e = 戊, , 2\n"                                   /* 15 empty unit */
      "indicator.f = 己, 件, 1, 2\n"                              /* 16 fields */
      "category.t = 理论\n"                                       /* 17 */
      "category.t.t1 = 学习不系统\n"                              /* 18 */
      "category.t.t1 = 重复\n"                                    /* 19 dup sub code */
      "category.t.t2 = 学习不系统\n"                              /* 20 dup sub name */
      "category.u.u1 = 先子后类\n"                                /* 21 sub before */
      "category.u = 后声明\n"                                     /* 22 */
      "stage.1 = 学习研讨, 2023-04-01, 2023-05-15\n"              /* 23 */
      "stage.1 = 又一, 2023-06-01, 2023-06-02\n"                  /* 24 dup n */
      "stage.2 = 学习研讨, 2023-06-01, 2023-06-02\n"              /* 25 dup name */
      "stage.3 = 问题查摆, 2023-05-10, 2023-06-30\n"              /* 26 overlaps 1 */
      "stage.4 = 整改, 2024-01-01, 2024-02-10\n"                  /* 27 outside */
      "stage.0 = 零, 2023-07-01, 2023-07-02\n"                    /* 28 bad n */
      "stage.5 = 反, 2023-08-02, 2023-08-01\n"                    /* 29 end < start */
      "stage.6 = 缺, 2023-08-02\n"                                /* 30 fields */
      "kind.x =\n"                                                /* 31 empty name */
      "nmae.x = y\n"                                              /* 32 unknown key */
      "kind.bad.code = 名\n"                                      /* 33 bad code */
      "stage.7 = 日, 2023-09-31, 2023-10-01\n"                    /* 34 bad date */
      "indicator.g = 庚, 件, 0\n"                                 /* 35 fine */
      "category.t.s012345678901234567890123456789abcdefgx = x\n"  /* 36: 50 bytes */
      "category.t.s012345678901234567890123456789abcdefg = 长\n"; /* 37: 49 fit */
  hb_campaigns c = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_campaigns_parse("c.ini", bad, strlen(bad), &c, &d));
  const char *want[] = {
      "c.ini:6: 类型代码重复 (duplicate kind code): dangke",
      "c.ini:7: 类型名称重复 (duplicate kind name): 讲党课",
      "c.ini:8: 与内置类型“集中学习”(study)相同，内置类型无需声明 (same as the built-in kind "
      "study): study",
      "c.ini:9: 与内置类型“集中学习”(study)相同，内置类型无需声明 (same as the built-in kind "
      "study): 集中学习",
      "c.ini:11: 指标代码重复 (duplicate indicator code): a",
      "c.ini:12: 指标名称重复 (duplicate indicator name): 甲",
      "c.ini:13: 小数位数应为 0 到 4 (decimal places must be 0..4): 5",
      "c.ini:14: 应为 名称, 单位[, 小数位数] (expected: name, unit[, decimal places]): 丁",
      "c.ini:15: 指标单位为空 (indicator unit is empty): e",
      "c.ini:16: 应为 名称, 单位[, 小数位数] (expected: name, unit[, decimal places]): 己, 件, 1, "
      "2",
      "c.ini:19: 子类别代码重复 (duplicate sub-category code): t1",
      "c.ini:20: 子类别名称重复 (duplicate sub-category name): 学习不系统",
      "c.ini:24: 阶段编号重复 (duplicate stage number): 1",
      "c.ini:25: 阶段名称重复 (duplicate stage name): 学习研讨",
      "c.ini:28: 阶段编号应为 1 到 9999 的整数 (stage number must be 1..9999): 0",
      "c.ini:29: 阶段结束日期早于开始日期 (stage ends before it starts): 2023-08-01",
      "c.ini:30: 应为 名称, 开始日期, 结束日期 (expected: name, start date, end date): 缺, "
      "2023-08-02",
      "c.ini:31: 类型名称为空 (kind name is empty): x",
      "c.ini:32: 未知的键 (unknown key; use name, start, end, kind.CODE, indicator.CODE, "
      "category.CODE, category.CODE.SUB, stage.N, cycle): nmae.x",
      "c.ini:33: 类型代码无效 (invalid kind code, use 1..40 of A-Z a-z 0-9 _ -): bad.code",
      "c.ini:34: 阶段开始日期无效 (stage start is not a date): 2023-09-31",
      "c.ini:36: 键名过长 (key longer than 49 bytes)",
      "c.ini:21: 子类别写在其类别之前，类别在第 22 行 (sub-category before its category, declared "
      "on line 22): u.u1",
      "c.ini:27: 阶段不在专项期间 2023-04-01..2024-01-31 内 (stage outside the campaign "
      "2023-04-01..2024-01-31): stage.4",
      "c.ini:26: 阶段日期与第 1 阶段（第 23 行）重叠 (stage overlaps stage 1 on line 23): stage.3",
  };
  size_t n = sizeof(want) / sizeof(want[0]);
  CHECK_EQ_INT(n, d.count);
  CHECK_EQ_INT(2, c.count ? c.items[0].categories[0].nsubs : 0);
  CHECK_EQ_STR("长", c.count ? c.items[0].categories[0].subs[1].name : NULL);
  char buf[512];
  for (size_t i = 0; i < n && i < d.count; i++) {
    hb_diag_format(&d.items[i], buf, sizeof(buf));
    CHECK_EQ_STR(want[i], buf);
  }
  hb_campaigns_free(&c);
  hb_diags_free(&d);
}

/* deploy/sample/campaigns.ini as it was before issue 12 (a copy: the
 * sample itself grows declared vocabularies) parses as it always did; so
 * does a dotted category code whose prefix is no category. */
static const char old_sample[] =
    "; 示例县的专项 (campaigns of the sample county). One section per campaign id;\n"
    "; category.CODE = display name, in the order reports list them.\n"
    "[nengli-2022]\n"
    "name = 机关能力作风建设年\n"
    "start = 2022-03-01\n"
    "end = 2022-12-31\n"
    "category.thinking = 思想\n"
    "category.ability = 能力\n"
    "category.conduct = 作风\n"
    "category.work = 工作\n"
    "\n"
    "[jiefang-2022]\n"
    "name = 解放思想、振兴发展研讨\n"
    "start = 2022-06-01\n"
    "end = 2022-12-31\n"
    "category.county = 深化县情认识\n"
    "category.philosophy = 贯彻新发展理念\n"
    "category.linkage = 实现上下结合\n"
    "category.conduct = 能力作风优化\n"
    "category.institution = 制度机制创新\n"
    "\n"
    "[zhuti-2023]\n"
    "name = 学习贯彻习近平新时代中国特色社会主义思想主题教育\n"
    "start = 2023-04-01\n"
    "end = 2024-01-31\n"
    "category.theory = 理论学习不到位\n"
    "category.policy = 贯彻决策部署不到位\n"
    "category.development = 推动高质量发展不到位\n"
    "category.people = 为民造福不到位\n"
    "category.party_spirit = 党性修养不到位\n"
    "category.discipline = 从严治党责任不到位\n"
    "category.a.b = 带点的类别\n";

static void test_old_sample(void)
{
  hb_campaigns cs = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("campaigns.ini", old_sample, strlen(old_sample), &cs, &d));
  CHECK_EQ_INT(0, d.count);
  CHECK_EQ_INT(3, cs.count);
  const size_t ncat[] = {4, 5, 7};
  const char *last[] = {"work", "institution", "a.b"};
  for (size_t i = 0; i < 3 && i < cs.count; i++) {
    const hb_campaign *c = &cs.items[i];
    CHECK_EQ_INT(ncat[i], c->ncategories);
    CHECK_EQ_STR(last[i], c->categories[c->ncategories - 1].code);
    CHECK_EQ_INT(0, c->nkinds);
    CHECK_EQ_INT(0, c->nindicators);
    CHECK_EQ_INT(0, c->nstages);
    for (size_t j = 0; j < c->ncategories; j++)
      CHECK_EQ_INT(0, c->categories[j].nsubs);
  }
  if (cs.count == 3) {
    CHECK_EQ_STR("学习贯彻习近平新时代中国特色社会主义思想主题教育", cs.items[2].name);
    CHECK_EQ_INT(day(2023, 4, 1), cs.items[2].start);
    CHECK_EQ_STR("从严治党责任不到位", cs.items[2].categories[5].name);
    CHECK_EQ_INT(-1, hb_campaign_stage_at(&cs.items[2], day(2023, 5, 1)));
  }
  hb_campaigns_free(&cs);
  hb_diags_free(&d);
}

static void test_load_gbk(void)
{
  char path[] = "/tmp/hbcampXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  /* [c1] name = 编号学习 (GBK; "学习" alone would also be valid UTF-8) */
  const char gbk[] =
      "[c1]\nname = \xB1\xE0\xBA\xC5\xD1\xA7\xCF\xB0\nstart = 2022-01-01\nend = 2022-02-01\n";
  FILE *f = fdopen(fd, "wb");
  fwrite(gbk, 1, sizeof(gbk) - 1, f);
  fclose(f);
  hb_campaigns c;
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_load(path, &c, &d));
  CHECK_EQ_INT(1, c.count);
  CHECK_EQ_STR("编号学习", c.count ? c.items[0].name : NULL);
  hb_campaigns_free(&c);
  hb_diags_free(&d);
  unlink(path);
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_campaigns_load(path, &c, &d));
  CHECK_EQ_INT(1, d.count);
  hb_campaigns_free(&c);
  hb_diags_free(&d);
}

int main(void)
{
  RUN(test_good);
  RUN(test_errors);
  RUN(test_example);
  RUN(test_lookups);
  RUN(test_stage_order);
  RUN(test_vocab_errors);
  RUN(test_old_sample);
  RUN(test_load_gbk);
  return test_summary();
}
