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
      "category.CODE, category.CODE.SUB, stage.N): nmae",
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
  RUN(test_load_gbk);
  return test_summary();
}
