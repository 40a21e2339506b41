/* hb_ledger_xlsx.c: a ledger kept as one .xlsx workbook.
 *
 * The workbook's sheets 活动/activities, 问题/problems, 成效/indicators,
 * 典型/cases and 报送/reports (optional: its absence is not noted) are
 * streamed by
 * hb_xlsx, one row at a time, into the rows a CSV file gives, and checked by
 * the same code as the CSV folder (hb_ledger_table_row), so both say the
 * same things; only
 * the place differs: "台账.xlsx:问题!E7" instead of "problems.csv:7". */
#include "hb_ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_err.h"
#include "hb_text.h"
#include "hb_xlsx.h"

int hb_ledger_is_xlsx(const char *path)
{
  size_t n = strlen(path);
  return n >= 5 && strcasecmp(path + n - 5, ".xlsx") == 0;
}

/* The names a sheet of each table may have: Chinese, or English in any case. */
static const char *const sheet_zh[HB_TABLE_COUNT] = {"活动", "问题", "成效", "典型", "报送"};
static const char *const sheet_en[HB_TABLE_COUNT] = {"activities", "problems", "indicators",
                                                     "cases", "reports"};

static int sheet_matches(const char *name, int table)
{
  char buf[256];
  snprintf(buf, sizeof buf, "%s", name);
  const char *s = hb_text_trim(buf);
  return strcmp(s, sheet_zh[table]) == 0 || strcasecmp(s, sheet_en[table]) == 0;
}

/* Streams one sheet into the ledger table: each row expanded to a CSV-like
 * row in a buffer of the table's own (memory: one row). */
typedef struct sheet_feed {
  hb_ledger_table *tb;
  hb_csv_row row;
  char *fields[HB_XLSX_MAX_COLS];
} sheet_feed;

static int feed_row(void *arg, const hb_xlsx_row *r)
{
  sheet_feed *f = arg;
  return hb_ledger_table_row(f->tb, hb_xlsx_row_expand(r, &f->row, f->fields));
}

static int skip_row(void *arg, const hb_xlsx_row *r)
{
  (void)arg, (void)r;
  return 0;
}

int hb_ledger_parse_sheet(const char *name, const char *sheet, hb_xlsx *x, size_t i, int table,
                          const char *unit, const hb_campaigns *campaigns, int32_t today,
                          hb_ledger *out, hb_diags *diags, char *err, size_t errlen)
{
  /* First pass: the sheet reads to its end (else no row of it is used, as
   * when a whole table is unreadable); second pass: into the ledger. */
  int rc = hb_xlsx_sheet_each(x, i, skip_row, NULL, err, errlen);
  if (rc)
    return rc;
  sheet_feed *f = malloc(sizeof *f);
  if (!f)
    return HB_ENOMEM;
  rc = hb_ledger_table_begin(name, sheet, table, unit, campaigns, today, out, diags, &f->tb);
  if (rc == 0) {
    rc = hb_xlsx_sheet_each(x, i, feed_row, f, err, errlen);
    int end = hb_ledger_table_end(f->tb);
    rc = rc == HB_ENOMEM || rc < 0 ? rc : end;
  }
  free(f);
  return rc;
}

/* Adds err of hb_ledger_parse_sheet: "E7: reason" is put at the cell. */
static int add_sheet_error(hb_diags *d, const char *base, const char *sheet, const char *err)
{
  size_t i = 0;
  while (err[i] >= 'A' && err[i] <= 'Z')
    i++;
  size_t j = i;
  while (err[j] >= '0' && err[j] <= '9')
    j++;
  char where[512];
  if (i > 0 && j > i && err[j] == ':' && err[j + 1] == ' ') {
    snprintf(where, sizeof where, "%s:%s!%.*s", base, sheet, (int)j, err);
    return hb_diags_add(d, where, 0, NULL, "%s", err + j + 2);
  }
  snprintf(where, sizeof where, "%s:%s", base, sheet);
  return hb_diags_add(d, where, 0, NULL, "%s", err);
}

static void list_sheets(const hb_xlsx *x, char *buf, size_t len)
{
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < hb_xlsx_sheet_count(x) && n < len; i++) {
    char ex[80];
    hb_text_excerpt(hb_xlsx_sheet_name(x, i), 40, ex, sizeof ex);
    int w = snprintf(buf + n, len - n, "%s%s", i ? ", " : "", ex);
    if (w < 0)
      break;
    n += (size_t)w;
  }
}

/* The incomplete flag and the sheet name of a table in the ledger. */
static int *table_flag(hb_ledger *l, int table)
{
  int *flags[HB_TABLE_COUNT] = {&l->activities_incomplete, &l->problems_incomplete,
                                &l->indicators_incomplete, &l->cases_incomplete,
                                &l->reports_incomplete};
  return flags[table];
}

static char **table_sheet(hb_ledger *l, int table)
{
  char **sheets[HB_TABLE_COUNT] = {&l->activity_sheet, &l->problem_sheet, &l->indicator_sheet,
                                   &l->case_sheet, &l->report_sheet};
  return sheets[table];
}

int hb_ledger_load_xlsx(const char *path, const char *unit, const hb_campaigns *campaigns,
                        int32_t today, hb_ledger *out, hb_diags *diags)
{
  memset(out, 0, sizeof(*out));
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  char err[512];
  hb_xlsx *x;
  int rc = hb_xlsx_open_file(path, &x, err, sizeof err);
  if (rc) {
    out->activities_incomplete = out->problems_incomplete = 1;
    out->indicators_incomplete = out->cases_incomplete = out->reports_incomplete = 1;
    if (rc == HB_ENOMEM)
      return rc;
    if (rc == HB_ENOTFOUND)
      hb_diags_add(diags, path, 0, NULL, "台账文件不存在 (ledger workbook not found)");
    else
      hb_diags_add(diags, base, 0, NULL, "无法读取工作簿 (cannot read workbook): %s", err);
    return rc;
  }
  int result = 0, missing = 0;
  for (int table = 0; table < HB_TABLE_COUNT; table++) {
    int *incomplete = table_flag(out, table);
    size_t found = 0, at = 0;
    for (size_t i = 0; i < hb_xlsx_sheet_count(x); i++)
      if (sheet_matches(hb_xlsx_sheet_name(x, i), table) && found++ == 0)
        at = i;
    if (found == 0) {
      if (table != HB_TABLE_REPORTS) /* optional, as reports.csv (hb_ledger.c) */
        hb_diags_note(diags, base, 0, NULL,
                      "没有工作表 %s/%s，本次不报送该表 (sheet not found: this table is not sent)",
                      sheet_zh[table], sheet_en[table]);
      *incomplete = 1;
      missing++;
      continue;
    }
    const char *sheet = hb_xlsx_sheet_name(x, at);
    char **where = table_sheet(out, table);
    free(*where);
    size_t wl = strlen(base) + 1 + strlen(sheet) + 1;
    if ((*where = malloc(wl)) != NULL)
      snprintf(*where, wl, "%s:%s", base, sheet); /* NULL on ENOMEM: messages name the CSV */
    if (found > 1) {
      hb_diags_add(diags, base, 0, NULL,
                   "有 %zu 个 %s/%s 工作表，无法确定读哪一个 (%zu sheets named %s/%s)", found,
                   sheet_zh[table], sheet_en[table], found, sheet_zh[table], sheet_en[table]);
      *incomplete = 1;
      result = HB_EINVAL;
      continue;
    }
    err[0] = '\0';
    rc = hb_ledger_parse_sheet(base, sheet, x, at, table, unit, campaigns, today, out, diags, err,
                               sizeof err);
    if (rc != 0 && rc != HB_ENOMEM && err[0]) {
      add_sheet_error(diags, base, sheet, err);
      *incomplete = 1;
      rc = HB_EINVAL;
    }
    if (rc == HB_ENOMEM) {
      hb_xlsx_close(x);
      return rc;
    }
    if (rc && !result)
      result = rc;
  }
  if (missing == HB_TABLE_COUNT) {
    char names[256];
    list_sheets(x, names, sizeof names);
    hb_diags_add(diags, base, 0, NULL,
                 "工作簿中没有 活动/activities、问题/problems、成效/indicators、典型/cases、"
                 "报送/reports 工作表 (no ledger sheets in workbook; its sheets: %s)",
                 names);
    result = HB_EINVAL;
  }
  hb_xlsx_close(x);
  return result;
}
