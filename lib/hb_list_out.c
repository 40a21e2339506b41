/* hb_list_out.c: the columns of each list and the text outputs (issue 15;
 * docs/lists.md): the terminal table (hb_table: aligned by display width,
 * a subset of the columns), the CSV (every column, Chinese headers, UTF-8
 * with a BOM and CRLF line ends as Excel expects, each field through
 * hb_csv_field_put: quoted when needed, a formula-like text made text),
 * the JSON, and hb_list_save, which writes any of them (or the xlsx)
 * beside --out and renames it over. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_csv.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_list_internal.h"
#include "hb_table.h"

#define T LIST_COL_TEXT
#define I LIST_COL_INT
#define I0 LIST_COL_INT0
#define D LIST_COL_DATE

static const list_col problem_cols[] = {
    {"county_name", "县区", T, 10, true},
    {"unit", "单位编码", T, 12, false},
    {"unit_name", "单位名称", T, 18, true},
    {"id", "编号", T, 10, true},
    {"campaign_name", "专项", T, 16, false},
    {"category_name", "类别", T, 14, true},
    {"subcategory_name", "子类别", T, 14, false},
    {"scope_zh", "范围", T, 6, false},
    {"description", "问题描述", T, 40, true},
    {"owner", "责任人", T, 10, true},
    {"measures", "整改措施数", I, 8, false},
    {"measures_text", "整改措施", T, 40, false},
    {"source_zh", "来源", T, 6, false},
    {"term_zh", "整改类型", T, 10, false},
    {"identified_on", "查摆日期", D, 11, false},
    {"deadline", "整改时限", D, 11, true},
    {"status_zh", "状态", T, 8, true},
    {"review_zh", "审核状态", T, 10, true},
    {"review_reason", "审核意见", T, 20, false},
    {"resolved_on", "销号日期", D, 11, true},
    {"days_overdue", "逾期天数", I0, 8, true},
    {"stored", "最后修改", T, 19, false},
    {"signature_zh", "签名", T, 8, false},
};

static const list_col activity_cols[] = {
    {"county_name", "县区", T, 10, true},    {"unit", "单位编码", T, 12, false},
    {"unit_name", "单位名称", T, 18, true},  {"id", "编号", T, 10, true},
    {"campaign_name", "专项", T, 16, false}, {"date", "日期", D, 11, true},
    {"type_zh", "类型", T, 10, true},        {"level_zh", "层级", T, 8, true},
    {"sessions", "次数", I, 6, true},        {"participants", "参加人次", I, 8, true},
    {"outputs", "成果数", I, 6, true},       {"title", "主题", T, 40, true},
    {"review_zh", "审核状态", T, 10, true},  {"review_reason", "审核意见", T, 20, false},
    {"stored", "最后修改", T, 19, false},    {"signature_zh", "签名", T, 8, false},
};

static const list_col case_cols[] = {
    {"county_name", "县区", T, 10, true},    {"unit", "单位编码", T, 12, false},
    {"unit_name", "单位名称", T, 18, true},  {"id", "编号", T, 10, true},
    {"campaign_name", "专项", T, 16, false}, {"date", "日期", D, 11, true},
    {"type_zh", "类型", T, 10, true},        {"title", "标题", T, 30, true},
    {"summary", "摘要", T, 50, true},        {"stored", "最后修改", T, 19, false},
    {"signature_zh", "签名", T, 8, false},
};

#undef T
#undef I
#undef I0
#undef D

const list_col *list_cols(hb_list_what what, size_t *n)
{
  switch (what) {
  case HB_LIST_PROBLEMS: *n = sizeof problem_cols / sizeof *problem_cols; return problem_cols;
  case HB_LIST_ACTIVITIES: *n = sizeof activity_cols / sizeof *activity_cols; return activity_cols;
  default: *n = sizeof case_cols / sizeof *case_cols; return case_cols;
  }
}

const char *list_cell_text(json_t *row, const list_col *c, char *buf, size_t len)
{
  json_t *v = json_object_get(row, c->key);
  if (json_is_integer(v)) {
    json_int_t i = json_integer_value(v);
    if (c->type == LIST_COL_INT0 && i == 0)
      return "";
    snprintf(buf, len, "%lld", (long long)i);
    return buf;
  }
  const char *s = json_string_value(v);
  return s ? s : "";
}

static const char *what_word(hb_list_what w)
{
  return w == HB_LIST_PROBLEMS ? "problems" : w == HB_LIST_CASES ? "cases" : "activities";
}

static int write_table(hb_list *l, json_t *rows, FILE *f)
{
  size_t n, nt = 0;
  const list_col *cols = list_cols(l->what, &n);
  char align[HB_TABLE_MAXCOL + 1];
  const char *head[HB_TABLE_MAXCOL];
  size_t idx[HB_TABLE_MAXCOL];
  for (size_t c = 0; c < n && nt < HB_TABLE_MAXCOL; c++)
    if (cols[c].table) {
      align[nt] = cols[c].type == LIST_COL_TEXT || cols[c].type == LIST_COL_DATE ? 'l' : 'r';
      head[nt] = cols[c].zh;
      idx[nt++] = c;
    }
  align[nt] = '\0';
  hb_table t;
  hb_table_init(&t, align);
  hb_table_row(&t, head);
  char bufs[HB_TABLE_MAXCOL][32];
  const char *cells[HB_TABLE_MAXCOL];
  for (size_t i = 0; i < json_array_size(rows); i++) {
    json_t *row = json_array_get(rows, i);
    for (size_t c = 0; c < nt; c++)
      cells[c] = list_cell_text(row, &cols[idx[c]], bufs[c], sizeof bufs[c]);
    hb_table_row(&t, cells);
  }
  int rc = t.failed ? HB_ENOMEM : 0;
  if (rc == 0) {
    hb_table_print(&t, f, "");
    size_t nr = json_array_size(rows);
    if (l->what == HB_LIST_PROBLEMS)
      fprintf(f, "共 %zu 条，逾期 %zu 条 (%zu rows, %zu overdue)\n", nr, hb_list_overdue_count(l),
              nr, hb_list_overdue_count(l));
    else
      fprintf(f, "共 %zu 条 (%zu rows)\n", nr, nr);
  }
  hb_table_free(&t);
  return rc;
}

/* One CSV line of cells[0..n), CRLF-ended. */
static int csv_line(FILE *f, const char *const *cells, size_t n)
{
  for (size_t c = 0; c < n; c++) {
    size_t len = strlen(cells[c]);
    char *buf = malloc(HB_CSV_FIELD_ROOM(len) + 1);
    if (!buf)
      return HB_ENOMEM;
    size_t w = hb_csv_field_put(buf, cells[c]);
    if ((c && fputc(',', f) == EOF) || fwrite(buf, 1, w, f) != w) {
      free(buf);
      return HB_EIO;
    }
    free(buf);
  }
  return fputs("\r\n", f) == EOF ? HB_EIO : 0;
}

static int write_csv(hb_list *l, json_t *rows, FILE *f)
{
  size_t n;
  const list_col *cols = list_cols(l->what, &n);
  const char *cells[32];
  char bufs[32][32];
  for (size_t c = 0; c < n; c++)
    cells[c] = cols[c].zh;
  if (fputs("\xEF\xBB\xBF", f) == EOF)
    return HB_EIO;
  int rc = csv_line(f, cells, n);
  for (size_t i = 0; rc == 0 && i < json_array_size(rows); i++) {
    json_t *row = json_array_get(rows, i);
    for (size_t c = 0; c < n; c++)
      cells[c] = list_cell_text(row, &cols[c], bufs[c], sizeof bufs[c]);
    rc = csv_line(f, cells, n);
  }
  return rc;
}

static int write_json(hb_list *l, json_t *rows, FILE *f)
{
  char today[16];
  hb_date_format(l->f.today, today, sizeof today);
  json_t *doc = json_pack("{s:s, s:s, s:I, s:O}", "list", what_word(l->what), "today", today,
                          "count", (json_int_t)json_array_size(rows), "rows", rows);
  if (!doc)
    return HB_ENOMEM;
  int rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : HB_EIO;
  if (rc == 0 && fputc('\n', f) == EOF)
    rc = HB_EIO;
  json_decref(doc);
  return rc;
}

int hb_list_write(hb_list *l, hb_list_format fmt, FILE *f)
{
  json_t *rows = hb_list_rows(l);
  if (!rows)
    return HB_ENOMEM;
  switch (fmt) {
  case HB_LIST_TABLE: return write_table(l, rows, f);
  case HB_LIST_CSV: return write_csv(l, rows, f);
  case HB_LIST_JSON: return write_json(l, rows, f);
  default: return HB_EINVAL;
  }
}

void hb_list_title(hb_list *l, const char *place, char *buf, size_t len)
{
  static const char *const what_zh[] = {"问题整改台账", "典型案例清单", "活动清单"};
  const char *camp = l->f.campaign ? hb_list_campaign_name(l, l->f.campaign) : NULL;
  if (!camp)
    camp = l->f.campaign ? l->f.campaign : "全部专项";
  char today[16];
  hb_date_format(l->f.today, today, sizeof today);
  size_t nr = l->nrows;
  int w = snprintf(buf, len, "%s%s%s %s（截至 %s，共 %zu 条", place ? place : "",
                   place && *place ? " " : "", camp, what_zh[l->what], today, nr);
  if (w >= 0 && (size_t)w < len && l->what == HB_LIST_PROBLEMS)
    w += snprintf(buf + w, len - (size_t)w, "，逾期 %zu 条", hb_list_overdue_count(l));
  if (w >= 0 && (size_t)w < len)
    snprintf(buf + w, len - (size_t)w, "）");
}

int hb_list_save(hb_list *l, hb_list_format fmt, const char *out, const char *place, char *err,
                 size_t errlen)
{
  if (!out) {
    if (fmt == HB_LIST_XLSX) {
      snprintf(err, errlen, "--format xlsx needs --out FILE.xlsx");
      return HB_EINVAL;
    }
    int rc = hb_list_write(l, fmt, stdout);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout)))
      rc = HB_EIO;
    if (rc != 0)
      snprintf(err, errlen, "cannot write the list to stdout: %s", hb_strerror(rc));
    return rc;
  }
  size_t len = strlen(out) + 32;
  char *tmp = malloc(len);
  if (!tmp)
    return HB_ENOMEM;
  snprintf(tmp, len, "%s.%ld.new", out, (long)getpid());
  int rc;
  if (fmt == HB_LIST_XLSX) {
    rc = hb_list_xlsx_write(l, tmp, place, err, errlen);
  } else {
    FILE *f = fopen(tmp, "wb");
    rc = f ? hb_list_write(l, fmt, f) : HB_EIO;
    if (f && fclose(f) != 0 && rc == 0)
      rc = HB_EIO;
    if (rc != 0)
      snprintf(err, errlen, "cannot write %s: %s", out, f ? hb_strerror(rc) : strerror(errno));
  }
  if (rc == 0 && rename(tmp, out) != 0) {
    snprintf(err, errlen, "cannot write %s: %s", out, strerror(errno));
    rc = HB_EIO;
  }
  if (rc != 0)
    unlink(tmp);
  free(tmp);
  return rc;
}
