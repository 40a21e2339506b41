#include "hb_diag.h"
#include "hb_err.h"
#include "test.h"

static void test_format(void)
{
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_diags_add(&d, "activities.csv", 12, "日期", "不是有效日期 (not a date): %s",
                               "2022-13-01"));
  CHECK_EQ_INT(0, hb_diags_add(&d, "units.csv", 0, NULL, "empty"));
  CHECK_EQ_INT(0,
               hb_diags_add_lined(&d, "a.csv", "line 7: 引号未闭合 (unterminated quoted field)"));
  CHECK_EQ_INT(0, hb_diags_note(&d, "problems.csv", 0, NULL, "note"));
  CHECK_EQ_INT(4, d.count);
  CHECK_EQ_INT(1, d.notes);
  CHECK_EQ_INT(3, hb_diags_errors(&d));
  char buf[256];
  hb_diag_format(&d.items[0], buf, sizeof(buf));
  CHECK_EQ_STR("activities.csv:12: 日期: 不是有效日期 (not a date): 2022-13-01", buf);
  hb_diag_format(&d.items[1], buf, sizeof(buf));
  CHECK_EQ_STR("units.csv: empty", buf);
  hb_diag_format(&d.items[2], buf, sizeof(buf));
  CHECK_EQ_STR("a.csv:7: 引号未闭合 (unterminated quoted field)", buf);
  CHECK_EQ_INT(7, d.items[2].line);
  int want = hb_diag_format(&d.items[0], buf, 10);
  CHECK_EQ_INT((int)strlen("activities.csv:12: 日期: 不是有效日期 (not a date): 2022-13-01"), want);
  CHECK_EQ_INT(9, strlen(buf));
  hb_diags_free(&d);
  CHECK_EQ_INT(0, d.count);
}

static void test_limit(void)
{
  hb_diags d;
  hb_diags_init(&d);
  d.limit = 3;
  for (int i = 0; i < 10; i++)
    hb_diags_add(&d, "f", (unsigned)i + 1, NULL, "x%d", i);
  CHECK_EQ_INT(3, d.count);
  CHECK_EQ_INT(7, d.dropped);
  CHECK_EQ_INT(10, hb_diags_errors(&d));
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  hb_diags_write(&d, f);
  fclose(f);
  CHECK_EQ_STR("f:1: x0\nf:2: x1\nf:3: x2\n... 另有 7 条未列出 (7 more not shown)\n", out);
  free(out);
  hb_diags_free(&d);
}

int main(void)
{
  RUN(test_format);
  RUN(test_limit);
  return test_summary();
}
