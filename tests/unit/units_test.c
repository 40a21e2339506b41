#include <stdlib.h>
#include <unistd.h>

#include "hb_err.h"
#include "hb_units.h"
#include "test.h"

static char dir[] = "/tmp/hbunitsXXXXXX";

static const char *write_file(const char *name, const char *text)
{
  static char path[128];
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  fwrite(text, 1, strlen(text), f);
  fclose(f);
  return path;
}

static void test_good(void)
{
  const char *p = write_file("u1.csv", "\xEF\xBB\xBF"
                                       "编码,名称,类型,备注\n"
                                       "xq,西乡县,县,\n"
                                       "xq-dlz,大龙镇,乡镇,x\n"
                                       ",,,\n"
                                       "xq-zzb,组织部,department,\n");
  hb_units u;
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_units_load(p, &u, &d));
  CHECK_EQ_INT(0, d.count);
  CHECK_EQ_INT(3, u.count);
  CHECK_EQ_STR("xq-dlz", u.items[1].code);
  CHECK_EQ_STR("大龙镇", u.items[1].name);
  CHECK_EQ_INT(HB_UNIT_TOWNSHIP, u.items[1].type);
  CHECK_EQ_INT(HB_UNIT_DEPARTMENT, hb_units_find(&u, "xq-zzb")->type);
  CHECK(hb_units_find(&u, "nope") == NULL);
  hb_units_free(&u);
  hb_diags_free(&d);
}

static void test_bad(void)
{
  const char *p = write_file("u2.csv", "code,name,type\n"
                                       "xq,县,county\n"
                                       "xq,again,county\n"
                                       "bad code,x,county\n"
                                       "t1,x,city\n");
  hb_units u;
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_units_load(p, &u, &d));
  CHECK_EQ_INT(3, d.count);
  char buf[512];
  hb_diag_format(&d.items[0], buf, sizeof(buf));
  CHECK_CONTAINS(buf, "u2.csv:3: code: 单位编码重复 (duplicate unit code): xq");
  hb_diag_format(&d.items[1], buf, sizeof(buf));
  CHECK_CONTAINS(buf, "u2.csv:4: code: 单位编码无效");
  hb_diag_format(&d.items[2], buf, sizeof(buf));
  CHECK_CONTAINS(buf, "u2.csv:5: type: 未知单位类型");
  CHECK_CONTAINS(buf, "): city");
  CHECK_EQ_INT(1, u.count);
  hb_units_free(&u);
  hb_diags_free(&d);

  p = write_file("u3.csv", "name,type\nx,county\n");
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_units_load(p, &u, &d));
  CHECK_EQ_INT(1, d.count);
  CHECK_EQ_INT(1, d.items[0].line);
  CHECK_EQ_STR("缺少必需的列 (missing required column): code/编码", d.items[0].message);
  hb_units_free(&u);
  hb_diags_free(&d);

  hb_diags_init(&d);
  char nf[160];
  snprintf(nf, sizeof(nf), "%s/missing.csv", dir);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_units_load(nf, &u, &d));
  CHECK_EQ_INT(1, d.count);
  hb_units_free(&u);
  hb_diags_free(&d);
}

static void test_code_valid(void)
{
  CHECK(hb_unit_code_valid("a.b-c_D9"));
  CHECK(!hb_unit_code_valid(""));
  CHECK(!hb_unit_code_valid("中"));
  char long_code[70];
  memset(long_code, 'a', 65);
  long_code[65] = '\0';
  CHECK(!hb_unit_code_valid(long_code));
  long_code[64] = '\0';
  CHECK(hb_unit_code_valid(long_code));
}

int main(void)
{
  if (!mkdtemp(dir))
    return 1;
  RUN(test_good);
  RUN(test_bad);
  RUN(test_code_valid);
  char cmd[160];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 1;
  return test_summary();
}
