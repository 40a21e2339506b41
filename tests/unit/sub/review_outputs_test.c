/* review_outputs_test.c: issue 14's review counts in the city's outputs,
 * from a hand-built county rollup that carries them: the report model's
 * variables (and a template line "已整改X个，其中已销号Y个"), the CSV and
 * .xlsx export columns, and the dashboard's county rows; a rollup of the
 * previous version (no counts) reads as 0 with 待销号 = 已整改. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "collect.h"
#include "dashboard.h"
#include "export.h"
#include "hb_rollup.h"
#include "hb_xlsx.h"
#include "report_model.h"
#include "test.h"
#include "test_json.h"
#include "test_rollup.h"
#include "tmpl.h"

/* A county "xq" of campaign jf: 5 problems, 3 resolved, 2 confirmed (1
 * claimed), 1 returned, 1 deletion request, 1 reopened, 2 activities
 * returned; one category "theory" and one unit "a" holding all of them.
 * reviewed false: a county of the previous version (no counts). */
static Huibao__V1__Rollup *county(bool reviewed)
{
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  pc.has_total = pc.has_resolved = pc.has_rectifying = 1;
  pc.total = 5;
  pc.resolved = 3;
  pc.rectifying = 2;
  hb_rollup_review v = {2, 1, 1, 1, 1};
  if (reviewed)
    hb_rollup_review_set_pc(&pc, &v);
  Huibao__V1__CategoryCount cat = HUIBAO__V1__CATEGORY_COUNT__INIT, *catp = &cat;
  cat.code = "theory";
  cat.name = "理论学习";
  cat.has_count = cat.has_resolved = cat.has_units = 1;
  cat.count = 5;
  cat.resolved = 3;
  cat.units = 1;
  if (reviewed)
    hb_rollup_review_set_cat(&cat, &v);
  Huibao__V1__Totals act = HUIBAO__V1__TOTALS__INIT;
  act.has_records = 1;
  act.records = 4;
  Huibao__V1__UnitRow u = HUIBAO__V1__UNIT_ROW__INIT, *up = &u;
  u.code = "a";
  u.name = "甲镇";
  u.type = "township";
  u.county = "xq";
  u.has_records = u.has_expected = 1;
  u.records = 9;
  u.expected = 1;
  u.problems = &pc;
  u.activities = &act;
  u.n_categories = 1;
  u.categories = &catp;
  u.has_activities_returned = reviewed;
  u.activities_returned = reviewed ? 2 : 0;
  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = "xq";
  r.source_name = "某县";
  r.campaign = "jf";
  r.campaign_name = "解放思想";
  r.seq = 4;
  r.as_of_ms = 1703980800000;
  r.problems = &pc;
  r.activities = &act;
  r.n_categories = 1;
  r.categories = &catp;
  r.n_units = 1;
  r.units = &up;
  r.has_activities_returned = reviewed;
  r.activities_returned = reviewed ? 2 : 0;
  return test_rollup_copy(&r);
}

static char *render(json_t *model, const char *text)
{
  sub_tmpl *t = NULL;
  char err[256], *out = NULL;
  size_t len = 0;
  CHECK_EQ_INT(0, sub_tmpl_parse("t", text, strlen(text), &t, err, sizeof err));
  if (t)
    CHECK_EQ_INT(0, sub_tmpl_render(t, model, &out, &len, err, sizeof err));
  sub_tmpl_free(t);
  return out;
}

static void test_model(void)
{
  Huibao__V1__Rollup *r = county(true);
  json_t *m = r ? sub_report_model(r) : NULL;
  CHECK(m != NULL);
  if (!m)
    return;
  CHECK_EQ_INT(2, jint_at(m, "problems.confirmed"));
  CHECK_EQ_INT(1, jint_at(m, "problems.claimed"));
  CHECK_EQ_INT(1, jint_at(m, "problems.returned"));
  CHECK_EQ_INT(1, jint_at(m, "problems.deletion_pending"));
  CHECK_EQ_INT(1, jint_at(m, "problems.reopened"));
  CHECK_EQ_INT(2, jint_at(m, "activities.returned"));
  CHECK_EQ_INT(2, jint_at(m, "problems.by_category.theory.confirmed"));
  CHECK_EQ_INT(1, jint_at(m, "problems.categories.0.claimed"));
  CHECK_EQ_INT(2, jint_at(m, "problems.categories.0.unit_list.0.confirmed"));
  CHECK_EQ_INT(1, jint_at(m, "problems.categories.0.unit_list.0.returned"));
  CHECK_EQ_INT(2, jint_at(m, "unit.a.problems.confirmed"));
  CHECK_EQ_INT(1, jint_at(m, "unit.a.problems.claimed"));
  CHECK_EQ_INT(2, jint_at(m, "unit.a.categories.theory.confirmed"));
  CHECK_EQ_INT(1, jint_at(m, "unit.a.categories.theory.deletion_pending"));
  CHECK_EQ_INT(2, jint_at(m, "unit.a.activities.returned"));
  CHECK_EQ_INT(2, jint_at(m, "unit_types.1.problems.confirmed")); /* township */
  CHECK_EQ_INT(1, jint_at(m, "unit_types.1.problems.returned"));
  CHECK_EQ_INT(0, jint_at(m, "unit_types.0.problems.confirmed"));
  char *out = render(m, "已整改{{ problems.resolved }}个，其中已销号{{ problems.confirmed }}个\n");
  CHECK_EQ_STR("已整改3个，其中已销号2个\n", out);
  free(out);
  json_decref(m);
  protobuf_c_message_free_unpacked(&r->base, NULL);

  /* a county of the previous version: nothing confirmed, every resolved problem claimed */
  r = county(false);
  m = r ? sub_report_model(r) : NULL;
  if (m) {
    CHECK_EQ_INT(0, jint_at(m, "problems.confirmed"));
    CHECK_EQ_INT(3, jint_at(m, "problems.claimed"));
    CHECK_EQ_INT(3, jint_at(m, "unit.a.categories.theory.claimed"));
    CHECK_EQ_INT(0, jint_at(m, "activities.returned"));
    out = render(m, "已整改{{ problems.resolved }}个，其中已销号{{ problems.confirmed }}个");
    CHECK_EQ_STR("已整改3个，其中已销号0个", out);
    free(out);
    json_decref(m);
  }
  protobuf_c_message_free_unpacked(&r->base, NULL);
}

static char *csv_of(Huibao__V1__Rollup *r)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  sub_export_write_csv(f, &r, 1);
  fclose(f);
  return buf;
}

static void test_csv(void)
{
  Huibao__V1__Rollup *r = county(true), *o = county(false);
  if (!r || !o)
    return;
  char *csv = csv_of(r);
  CHECK_CONTAINS(csv, ",班子问题,已销号,待销号,退回,重新打开,待审批撤销,活动退回\r\n");
  CHECK_CONTAINS(csv, ",2,1,1,1,1,2\r\n"); /* unit a and the 合计 row alike */
  free(csv);
  csv = csv_of(o); /* no review counts carried: the CSV of before */
  CHECK(strstr(csv, "已销号") == NULL);
  CHECK_CONTAINS(csv, ",班子问题\r\n");
  free(csv);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  protobuf_c_message_free_unpacked(&o->base, NULL);
}

/* The cells of the first row of the sheet whose column 0 is first, and of
 * the row below it, into head[] and next[] (at most 12 each). */
static void xlsx_rows(hb_xlsx_table *t, const char *first, char head[12][64], char next[12][64])
{
  static char *fields[HB_XLSX_MAX_COLS];
  unsigned line = 0;
  memset(head, 0, 12 * 64);
  memset(next, 0, 12 * 64);
  for (size_t i = 0; i < t->nrows; i++) {
    hb_csv_row row;
    hb_xlsx_row_expand(&t->rows[i], &row, fields);
    char(*dst)[64] = NULL;
    if (!line && row.nfields && strcmp(row.fields[0], first) == 0) {
      line = t->rows[i].line;
      dst = head;
    } else if (line && t->rows[i].line == line + 1) {
      dst = next;
    }
    for (size_t c = 0; dst && c < row.nfields && c < 12; c++)
      snprintf(dst[c], 64, "%s", row.fields[c]);
  }
}

static void test_xlsx(void)
{
  Huibao__V1__Rollup *r = county(true);
  if (!r)
    return;
  char path_[] = "/tmp/hb-review-outputs-XXXXXX";
  int fd = mkstemp(path_);
  CHECK(fd >= 0);
  close(fd);
  CHECK_EQ_INT(0, sub_export_write_xlsx(path_, &r, 1));
  hb_xlsx *x = NULL;
  char err[512];
  CHECK_EQ_INT(0, hb_xlsx_open_file(path_, &x, err, sizeof err));
  hb_xlsx_table t;
  if (x && hb_xlsx_sheet_read(x, 0, &t, err, sizeof err) == 0) {
    char head[12][64], next[12][64];
    /* the categories block: five more columns */
    xlsx_rows(&t, "类别编码", head, next);
    CHECK_EQ_STR("已销号", head[6]);
    CHECK_EQ_STR("待审批撤销", head[10]);
    CHECK_EQ_STR("theory", next[0]);
    CHECK_EQ_STR("2", next[6]);
    CHECK_EQ_STR("1", next[7]);
    /* the review block: one row per unit */
    xlsx_rows(&t, "单位编码", head, next);
    CHECK_EQ_STR("已整改", head[3]);
    CHECK_EQ_STR("已销号", head[4]);
    CHECK_EQ_STR("活动退回", head[9]);
    CHECK_EQ_STR("a", next[0]);
    CHECK_EQ_STR("甲镇", next[1]);
    const char *want[] = {"3", "2", "1", "1", "1", "1", "2"};
    for (size_t c = 0; c < 7; c++)
      CHECK_EQ_STR(want[c], next[3 + c]);
    hb_xlsx_table_free(&t);
  }
  hb_xlsx_close(x);
  unlink(path_);
  protobuf_c_message_free_unpacked(&r->base, NULL);
}

static void test_dashboard(void)
{
  sub_collect c;
  sub_collect_init(&c);
  sub_collect_offer(&c, "xq", county(true), 0, NULL);
  json_t *j = sub_dash_counties_json(&c, NULL);
  json_t *k = path(j, "campaigns.0.counties.0");
  CHECK_EQ_INT(2, jint_at(k, "problems.confirmed"));
  CHECK_EQ_INT(1, jint_at(k, "problems.claimed"));
  CHECK_EQ_INT(1, jint_at(k, "problems.returned"));
  CHECK_EQ_INT(1, jint_at(k, "problems.deletion_pending"));
  CHECK_EQ_INT(1, jint_at(k, "problems.reopened"));
  CHECK_EQ_INT(2, jint_at(k, "activities.returned"));
  json_decref(j);
  sub_collect_free(&c);
}

int main(void)
{
  RUN(test_model);
  RUN(test_csv);
  RUN(test_xlsx);
  RUN(test_dashboard);
  return test_summary();
}
