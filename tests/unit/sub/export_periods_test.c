/* export_periods_test.c: the 报送情况 and 分期统计 sheets of `huibao-sub
 * export --format xlsx` (export_periods.c) on a hand-built city rollup of
 * two counties of one cycle, read back with hb_xlsx. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "export.h"
#include "export_periods.h"
#include "hb_rollup.h"
#include "hb_xlsx.h"
#include "test.h"
#include "test_rollup.h"
#include "test_rollup_periods.h"

static const char *const units_a[] = {"a1", "a2", "a3", "a4"};
static const char *const units_b[] = {"b1", "b2"};

static Huibao__V1__Rollup *city(const char *campaign, const char *cycle)
{
  static const test_period pa[] = {
      {"2022-06-10", 19147, 19153, "RNLM", 3, 1, 2, 1, 1},
      {"2022-06-17", 19154, 19160, "RPPP", 1, 0, 0, 0, 1},
  };
  static const test_period pb[] = {
      {"2022-06-03", 19144, 19146, "RM", 1, 0, 0, 0, 0},
      {"2022-06-10", 19147, 19153, "NM", 2, 2, 1, 0, 0},
      {"2022-06-17", 19154, 19160, "PP", 0, 0, 0, 0, 0},
  };
  Huibao__V1__Rollup *a = test_rollup_periods(&(test_period_rollup){.source = "xq",
                                                                    .campaign = campaign,
                                                                    .cycle = cycle,
                                                                    .units = units_a,
                                                                    .nunits = 4,
                                                                    .kind_code = "dangke",
                                                                    .kind_name = "党课",
                                                                    .periods = pa,
                                                                    .nperiods = 2,
                                                                    .current = "2022-06-17",
                                                                    .last_closed = "2022-06-10",
                                                                    .contra_unit = "a2",
                                                                    .contra_period = "2022-06-10",
                                                                    .contra_records = 2});
  Huibao__V1__Rollup *b = test_rollup_periods(&(test_period_rollup){.source = "xb",
                                                                    .campaign = campaign,
                                                                    .cycle = cycle,
                                                                    .units = units_b,
                                                                    .nunits = 2,
                                                                    .kind_code = "dangke",
                                                                    .kind_name = "党课",
                                                                    .periods = pb,
                                                                    .nperiods = 3,
                                                                    .current = "2022-06-17",
                                                                    .last_closed = "2022-06-10"});
  const Huibao__V1__Rollup *in[] = {a, b};
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge(in, 2, NULL, "city", NULL, 1654851600000, &m));
  protobuf_c_message_free_unpacked(&a->base, NULL);
  protobuf_c_message_free_unpacked(&b->base, NULL);
  return m;
}

/* A sheet read back: the text of every cell by (line, column). */
typedef struct sheet {
  hb_xlsx_table t;
  char *fields[HB_XLSX_MAX_COLS];
} sheet;

static const char *cell(sheet *s, unsigned line, size_t col)
{
  for (size_t i = 0; i < s->t.nrows; i++)
    if (s->t.rows[i].line == line) {
      hb_csv_row row;
      hb_xlsx_row_expand(&s->t.rows[i], &row, s->fields);
      return col < row.nfields ? row.fields[col] : "";
    }
  return "";
}

static void test_sheets(void)
{
  char path[] = "/tmp/export_periods_XXXXXX.xlsx";
  int fd = mkstemps(path, 5);
  CHECK(fd >= 0);
  close(fd);
  Huibao__V1__Rollup *rs[] = {city("jf", "weekly,5,18:00")};
  CHECK_EQ_INT(0, sub_export_write_xlsx(path, rs, 1));
  hb_xlsx *x = NULL;
  char err[256];
  CHECK_EQ_INT(0, hb_xlsx_open_file(path, &x, err, sizeof err));
  if (!x)
    return;
  CHECK_EQ_INT(3, hb_xlsx_sheet_count(x));
  CHECK_EQ_STR("jf", hb_xlsx_sheet_name(x, 0));
  CHECK_EQ_STR("报送情况", hb_xlsx_sheet_name(x, 1));
  CHECK_EQ_STR("分期统计", hb_xlsx_sheet_name(x, 2));

  static sheet g;
  CHECK_EQ_INT(0, hb_xlsx_sheet_read(x, 1, &g.t, err, sizeof err));
  const char *hdr[] = {"县区", "单位编码", "单位名称", "2022-06-03", "2022-06-10", "2022-06-17"};
  for (size_t c = 0; c < 6; c++)
    CHECK_EQ_STR(hdr[c], cell(&g, 1, c));
  /* units x periods: a1..a4 then b1, b2 */
  const char *grid[6][6] = {
      {"xq", "a1", "单位a1", "", "已报送", "已报送"},
      {"xq", "a2", "单位a2", "", "无新增", "未到期"},
      {"xq", "a3", "单位a3", "", "迟报", "未到期"},
      {"xq", "a4", "单位a4", "", "未报", "未到期"},
      {"xb", "b1", "单位b1", "已报送", "无新增", "未到期"},
      {"xb", "b2", "单位b2", "未报", "未报", "未到期"},
  };
  for (unsigned r = 0; r < 6; r++)
    for (size_t c = 0; c < 6; c++)
      CHECK_EQ_STR(grid[r][c], cell(&g, 2 + r, c));
  /* the counts below the grid */
  const char *counts[5][4] = {{"已报送", "1", "1", "1"},
                              {"无新增", "0", "2", "0"},
                              {"迟报", "0", "1", "0"},
                              {"未报", "1", "2", "0"},
                              {"未到期", "0", "0", "5"}};
  for (unsigned r = 0; r < 5; r++)
    for (size_t c = 0; c < 4; c++)
      CHECK_EQ_STR(counts[r][c], cell(&g, 9 + r, 2 + c));
  CHECK_EQ_STR("a2", cell(&g, 16, 0));
  CHECK_EQ_STR("2022-06-10", cell(&g, 16, 2));
  CHECK_EQ_STR("2", cell(&g, 16, 3));
  CHECK_EQ_STR("周期", cell(&g, 19, 0));
  CHECK_EQ_STR("weekly,5,18:00", cell(&g, 19, 1));
  CHECK_EQ_STR("2022-06-17", cell(&g, 20, 1));
  CHECK_EQ_STR("2022-06-10", cell(&g, 21, 1));
  hb_xlsx_table_free(&g.t);

  static sheet f;
  CHECK_EQ_INT(0, hb_xlsx_sheet_read(x, 2, &f.t, err, sizeof err));
  const char *fh[] = {
      "报送期", "开始",     "结束",     "截止",     "已报送",           "无新增",
      "迟报",   "未报",     "未到期",   "活动记录", "活动次数",         "参加人次",
      "成果数", "查摆问题", "销号问题", "期末逾期", "集中学习（记录）", "党课（记录）"};
  for (size_t c = 0; c < 18; c++)
    CHECK_EQ_STR(fh[c], cell(&f, 1, c));
  const char *p2[] = {"2022-06-10", "2022-06-04", "2022-06-10", "2022-06-10 18:00",
                      "1",          "2",          "1",          "2",
                      "0",          "8",          "8",          "80",
                      "0",          "3",          "1",          "1",
                      "5",          "3"};
  for (size_t c = 0; c < 18; c++)
    CHECK_EQ_STR(p2[c], cell(&f, 3, c));
  CHECK_EQ_STR("2022-06-03", cell(&f, 2, 0));
  CHECK_EQ_STR("2022-06-17", cell(&f, 4, 0));
  hb_xlsx_table_free(&f.t);
  hb_xlsx_close(x);
  unlink(path);
  protobuf_c_message_free_unpacked(&rs[0]->base, NULL);
}

/* Two campaigns with a cycle: the sheets carry the campaign's name; one
 * without: no sheet of periods. */
static void test_names(void)
{
  char path[] = "/tmp/export_periods_XXXXXX.xlsx";
  int fd = mkstemps(path, 5);
  close(fd);
  Huibao__V1__Rollup *rs[] = {city("jf", "weekly,5,18:00"), city("zt", "monthly,25,18:00"),
                              city("old", NULL)};
  CHECK_EQ_INT(0, sub_export_write_xlsx(path, rs, 3));
  hb_xlsx *x = NULL;
  char err[256];
  CHECK_EQ_INT(0, hb_xlsx_open_file(path, &x, err, sizeof err));
  if (x) {
    const char *want[] = {"jf",          "zt",          "old",        "报送情况-jf",
                          "分期统计-jf", "报送情况-zt", "分期统计-zt"};
    CHECK_EQ_INT(7, hb_xlsx_sheet_count(x));
    for (size_t i = 0; i < 7; i++)
      CHECK_EQ_STR(want[i], hb_xlsx_sheet_name(x, i));
    hb_xlsx_close(x);
  }
  unlink(path);
  for (size_t i = 0; i < 3; i++)
    protobuf_c_message_free_unpacked(&rs[i]->base, NULL);
  CHECK_EQ_STR("迟报", sub_export_period_state_zh(HUIBAO__V1__PERIOD_STATE__PERIOD_LATE));
  CHECK_EQ_STR("未到期", sub_export_period_state_zh(0));
}

int main(void)
{
  RUN(test_sheets);
  RUN(test_names);
  return test_summary();
}
