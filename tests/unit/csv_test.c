#include "hb_csv.h"
#include "hb_err.h"
#include "test.h"

static void test_basic(void)
{
  const char *s = "a,b,c\r\n\"x,1\",\"he said \"\"hi\"\"\",\"two\nlines\"\n\nlast,,\n";
  hb_csv *c;
  CHECK_EQ_INT(0, hb_csv_open(&c, s, strlen(s)));
  const hb_csv_row *r;
  char err[128];
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_INT(1, r->line);
  CHECK_EQ_INT(3, r->nfields);
  CHECK_EQ_STR("c", r->fields[2]);
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_INT(2, r->line);
  CHECK_EQ_STR("x,1", r->fields[0]);
  CHECK_EQ_STR("he said \"hi\"", r->fields[1]);
  CHECK_EQ_STR("two\nlines", r->fields[2]);
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_INT(5, r->line);
  CHECK_EQ_INT(3, r->nfields);
  CHECK_EQ_STR("last", r->fields[0]);
  CHECK_EQ_STR("", r->fields[2]);
  CHECK_EQ_INT(0, hb_csv_next(c, &r, err, sizeof(err)));
  hb_csv_close(c);
}

static void test_errors(void)
{
  const char *s = "a,b\n\"x\"y,1\nok,2\n\"open,3\nz";
  hb_csv *c;
  CHECK_EQ_INT(0, hb_csv_open(&c, s, strlen(s)));
  const hb_csv_row *r;
  char err[128];
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_INT(HB_EPARSE, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_STR("line 2: 右引号后有多余文字 (text after a closing quote)", err);
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_INT(3, r->line);
  CHECK_EQ_STR("ok", r->fields[0]);
  CHECK_EQ_INT(HB_EPARSE, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_STR("line 4: 引号未闭合 (unterminated quoted field)", err);
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_INT(5, r->line);
  CHECK_EQ_STR("z", r->fields[0]);
  CHECK_EQ_INT(0, hb_csv_next(c, &r, err, sizeof(err)));
  hb_csv_close(c);
}

static void test_limits(void)
{
  size_t n = 300 * 2 + 10;
  char *s = malloc(n);
  size_t j = 0;
  for (int i = 0; i < 300; i++) {
    s[j++] = 'x';
    s[j++] = ',';
  }
  s[j++] = '\n';
  memcpy(s + j, "a,b\n", 4);
  j += 4;
  hb_csv *c;
  CHECK_EQ_INT(0, hb_csv_open(&c, s, j));
  const hb_csv_row *r;
  char err[128];
  CHECK_EQ_INT(HB_EPARSE, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_STR("line 1: 字段过多 (more than 256 fields)", err);
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_INT(2, r->line);
  hb_csv_close(c);
  free(s);
  size_t big = HB_CSV_MAX_FIELD + 10;
  s = malloc(big + 8);
  memset(s, 'y', big);
  memcpy(s + big, "\nq\n", 3);
  CHECK_EQ_INT(0, hb_csv_open(&c, s, big + 3));
  CHECK_EQ_INT(HB_EPARSE, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_STR("line 1: 字段过长 (field longer than 65536 bytes)", err);
  CHECK_EQ_INT(1, hb_csv_next(c, &r, err, sizeof(err)));
  CHECK_EQ_STR("q", r->fields[0]);
  hb_csv_close(c);
  free(s);
}

int main(void)
{
  RUN(test_basic);
  RUN(test_errors);
  RUN(test_limits);
  return test_summary();
}
