/* header_test.c: a table's header row (hb_header), one wording for every
 * table. */
#include "hb_err.h"
#include "hb_header.h"
#include "test.h"

static const hb_header_col cols[] = {
    {{"id", "编号"}, "编号/id", 1},
    {{"kind", "类型", "种类"}, "类型/kind", 1},
    {{"title", "主题"}, "主题/title", 0},
};

static int map(const char *const *fields, size_t n, int flags, hb_header *h, char *msg, int *at)
{
  char *copy[8];
  for (size_t i = 0; i < n; i++)
    copy[i] = strdup(fields[i]);
  hb_csv_row row = {1, n, copy};
  int rc = hb_header_map(cols, 3, &row, flags, h, msg, 256, at);
  for (size_t i = 0; i < n; i++)
    free(copy[i]);
  return rc;
}

static void test_map(void)
{
  hb_header h;
  char msg[256];
  int at;
  CHECK_EQ_INT(0, map((const char *[]){" 备注", "KIND ", "编号"}, 3, 0, &h, msg, &at));
  CHECK_EQ_INT(2, h.col[0]);
  CHECK_EQ_INT(1, h.col[1]);
  CHECK_EQ_INT(-1, h.col[2]);
  CHECK_EQ_STR("KIND", h.text[1]);
  CHECK(h.text[2] == NULL);
  CHECK_EQ_INT(3, h.nfields);
  hb_header_free(&h);
  CHECK_EQ_INT(0, map((const char *[]){"种类", "id"}, 2, 0, &h, msg, &at));
  CHECK_EQ_INT(0, h.col[1]);
  hb_header_free(&h);
}

static void test_errors(void)
{
  hb_header h;
  char msg[256];
  int at;
  CHECK_EQ_INT(HB_EINVAL, map((const char *[]){"id", "kind", "编号"}, 3, 0, &h, msg, &at));
  CHECK_EQ_STR("列重复 (duplicate column): 编号", msg);
  CHECK_EQ_INT(2, at);
  hb_header_free(&h);
  CHECK_EQ_INT(HB_EINVAL, map((const char *[]){"title"}, 1, 0, &h, msg, &at));
  CHECK_EQ_STR("缺少必需的列 (missing required columns): 编号/id, 类型/kind", msg);
  CHECK_EQ_INT(-1, at);
  hb_header_free(&h);
  CHECK_EQ_INT(HB_EINVAL, map((const char *[]){"title"}, 1, HB_HEADER_FIRST_MISSING, &h, msg, &at));
  CHECK_EQ_STR("缺少必需的列 (missing required column): 编号/id", msg);
  hb_header_free(&h);
}

int main(void)
{
  RUN(test_map);
  RUN(test_errors);
  return test_summary();
}
