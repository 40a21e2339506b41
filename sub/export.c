/* export.c: huibao-sub export: the per-unit table and the totals of each
 * campaign, as an .xlsx workbook (libxlsxwriter) or CSV.
 *
 * The rollups come from sub_gather and are merged per campaign with
 * sub_view_merge, exactly as `snapshot` and `show` do, so the file holds
 * the numbers of `snapshot --format json`. Both formats share one column
 * model (export_row): the xlsx has one sheet per campaign (units, a 合计
 * row of the rollup's own totals, then the categories and a few facts about
 * the rollup); the CSV is one file, UTF-8 with a BOM (Excel then reads the
 * Chinese right), with the campaign in the first column and the same unit
 * and 合计 rows, without the per-category columns, which differ between
 * campaigns. A campaign with a cycle (issue 13) adds two sheets after the
 * campaigns' (export_periods.c): 报送情况, its units x periods, and 分期统计,
 * its per-period figures. The county's review (issue 14: 已销号, 待销号,
 * 退回, 重新打开, 待审批撤销, 活动退回) is export_review.c's: a block of the
 * sheet below the categories, five more columns of the categories block,
 * six more columns of the CSV (when a rollup carries them). Files are written beside --out and
 * renamed over it.
 *
 * Names come from units.csv and campaigns.ini at the counties, so every text
 * cell is written defensively (docs/security.md, "Outputs carry what names
 * carry"): in the CSV, a text cell that starts with = + - @ tab or CR gets a
 * leading ' (a spreadsheet then shows it as text, not as a formula); numbers
 * (counts, percentages) are never text cells and never get one. In the
 * .xlsx, text is always a shared string (worksheet_write_string never writes
 * a formula), without the characters XML 1.0 forbids, and with Excel's
 * _xHHHH_ escape itself escaped so a name reads back as typed. */
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_totals.h"
#include "hb_text.h"
#include "hb_vocab.h"
#include "hb_xlsx_out.h"
#include "gather.h"
#include "net.h"
#include "view.h"
#include "export_xlsx.h"
#include "export_periods.h"
#include "export_review.h"

#define SHEET_NAME_MAX 31 /* Excel's limit, in UTF-16 units */

typedef enum xkind { X_TEXT, X_INT, X_PCT, X_DEC } xkind;

typedef struct xcell {
  xkind kind;
  const char *text; /* X_TEXT */
  double num;       /* X_INT, X_PCT (a fraction: 0.2047 shows as 20.47%), X_DEC */
  int places;       /* X_DEC: an indicator's declared decimal places */
} xcell;

/* The fixed columns, then one per category of the rollup (xlsx only). */
static const char *const fixed_headers[] = {
    "县区",     "单位编码", "单位名称", "单位类型", "应报单位", "最近报送", "记录数",
    "活动记录", "活动次数", "参加人次", "成果数",   "问题总数", "已查摆",   "整改中",
    "已整改",   "整改率",   "逾期",     "整改措施", "个人问题", "班子问题",
};
#define NFIXED (sizeof fixed_headers / sizeof fixed_headers[0])

typedef struct row_text {
  char last_sync[40];
} row_text;

static double ratio(uint64_t a, uint64_t b)
{
  return b ? (double)a / (double)b : 0.0;
}

static const char *unit_type_zh(const char *type)
{
  int t = type ? hb_vocab_unit_type(type) : 0;
  return t ? hb_vocab_unit_type_zh(t) : (type ? type : "");
}

static void fill_counts(xcell *c, uint64_t records, const Huibao__V1__Totals *pa,
                        const Huibao__V1__ProblemCounts *p)
{
  static const Huibao__V1__ProblemCounts p0 = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  hb_totals a;
  hb_totals_from_pb(pa, &a);
  if (!p)
    p = &p0;
  const double v[] = {(double)records,        (double)a.records,     (double)a.sessions,
                      (double)a.participants, (double)a.outputs,     (double)p->total,
                      (double)p->identified,  (double)p->rectifying, (double)p->resolved};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
    c[6 + i] = (xcell){X_INT, NULL, v[i], 0};
  c[15] = (xcell){X_PCT, NULL, ratio(p->resolved, p->total), 0};
  c[16] = (xcell){X_INT, NULL, (double)p->overdue, 0};
  c[17] = (xcell){X_INT, NULL, (double)p->measures, 0};
  c[18] = (xcell){X_INT, NULL, (double)p->individual, 0};
  c[19] = (xcell){X_INT, NULL, (double)p->team, 0};
}

/* An indicator's value as a cell: the exact sum rounded to its declared
 * places (hb_rollup_value_scaled), converted to a number once. */
static xcell indicator_cell(const Huibao__V1__IndicatorSum *decl, const Huibao__V1__IndicatorSum *s)
{
  uint32_t places = decl->places > 4 ? 4 : decl->places;
  double div = 1;
  for (uint32_t i = 0; i < places; i++)
    div *= 10;
  double v = s ? (double)hb_rollup_value_scaled(s->value, places) / div : 0.0;
  return (xcell){X_DEC, NULL, v, (int)places};
}

/* The columns of a campaign's sheet: NFIXED, one per category, one per
 * indicator, then 典型数 when the rollup has cases (the CSV has the
 * NFIXED only). */
static bool has_cases(const Huibao__V1__Rollup *r)
{
  return r->cases && r->cases->total;
}

static size_t ncols_of(const Huibao__V1__Rollup *r)
{
  return NFIXED + r->n_categories + r->n_indicators + (has_cases(r) ? 1 : 0);
}

/* The cells of one unit: ncols_of(r) of them. */
static void export_row(const Huibao__V1__Rollup *r, const Huibao__V1__UnitRow *u, xcell *c,
                       row_text *t)
{
  t->last_sync[0] = '\0';
  if (u->last_sync)
    hb_time_format_iso(u->last_sync * 1000, t->last_sync, sizeof t->last_sync);
  c[0] = (xcell){X_TEXT, u->county ? u->county : "", 0, 0};
  c[1] = (xcell){X_TEXT, u->code, 0, 0};
  c[2] = (xcell){X_TEXT, u->name ? u->name : "", 0, 0};
  c[3] = (xcell){X_TEXT, unit_type_zh(u->type), 0, 0};
  c[4] = (xcell){X_TEXT, u->expected ? "是" : "否", 0, 0};
  c[5] = (xcell){X_TEXT, t->last_sync, 0, 0};
  fill_counts(c, u->records, u->activities, u->problems);
  for (size_t k = 0; k < r->n_categories; k++) {
    uint64_t n = 0;
    for (size_t j = 0; j < u->n_categories; j++)
      if (strcmp(u->categories[j]->code, r->categories[k]->code) == 0)
        n = u->categories[j]->count;
    c[NFIXED + k] = (xcell){X_INT, NULL, (double)n, 0};
  }
  if (has_cases(r))
    c[ncols_of(r) - 1] = (xcell){X_INT, NULL, u->cases ? (double)u->cases->total : 0.0, 0};
  for (size_t k = 0; k < r->n_indicators; k++) {
    const Huibao__V1__IndicatorSum *s = NULL;
    for (size_t j = 0; j < u->n_indicators; j++)
      if (strcmp(u->indicators[j]->code, r->indicators[k]->code) == 0)
        s = u->indicators[j];
    c[NFIXED + r->n_categories + k] = indicator_cell(r->indicators[k], s);
  }
}

/* The 合计 row: the rollup's own totals (records: the units' sum, the
 * rollup has no such field). */
static void export_totals(const Huibao__V1__Rollup *r, xcell *c)
{
  uint64_t records = 0;
  for (size_t i = 0; i < r->n_units; i++)
    records += r->units[i]->records;
  for (size_t i = 0; i < 6; i++)
    c[i] = (xcell){X_TEXT, "", 0, 0};
  c[1].text = "合计";
  fill_counts(c, records, r->activities, r->problems);
  for (size_t k = 0; k < r->n_categories; k++)
    c[NFIXED + k] = (xcell){X_INT, NULL, (double)r->categories[k]->count, 0};
  if (has_cases(r))
    c[ncols_of(r) - 1] = (xcell){X_INT, NULL, (double)r->cases->total, 0};
  for (size_t k = 0; k < r->n_indicators; k++)
    c[NFIXED + r->n_categories + k] = indicator_cell(r->indicators[k], r->indicators[k]);
}

/* ---------------------------------------------------------------- xlsx */

typedef struct xlsx_fmts {
  lxw_format *head, *integer, *pct, *total_text, *total_int, *total_pct;
  lxw_format *dec[5], *total_dec[5]; /* "0", "0.0" ... "0.0000" */
} xlsx_fmts;

/* The one sanitiser of .xlsx text (lib/hb_xlsx_out.h). */
char *sub_export_xlsx_text(const char *s)
{
  return hb_xlsx_out_text(s);
}

lxw_error sub_export_xlsx_string(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                                 lxw_format *fmt)
{
  return hb_xlsx_out_string(ws, row, col, s, fmt);
}

static lxw_error xlsx_cell(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const xcell *c,
                           const xlsx_fmts *f, int total)
{
  switch (c->kind) {
  case X_INT:
    return worksheet_write_number(ws, row, col, c->num, total ? f->total_int : f->integer);
  case X_PCT: return worksheet_write_number(ws, row, col, c->num, total ? f->total_pct : f->pct);
  case X_DEC:
    return worksheet_write_number(ws, row, col, c->num,
                                  total ? f->total_dec[c->places] : f->dec[c->places]);
  default: return sub_export_xlsx_string(ws, row, col, c->text, total ? f->total_text : NULL);
  }
}

void sub_export_sheet_name(const char *name, char used[][128], size_t nused, char *out, size_t len)
{
  char *clean = hb_text_xml_dup(name); /* workbook.xml carries it */
  const char *src = clean ? clean : "";
  char base[128];
  size_t n = 0, units = 0;
  for (const unsigned char *p = (const unsigned char *)src; *p && n + 5 < sizeof base;) {
    size_t clen = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
    size_t u16 = clen == 4 ? 2 : 1;
    if (units + u16 > SHEET_NAME_MAX - 3) /* room for "~NN" */
      break;
    if (clen == 1 && (strchr("[]:*?/\\", *p) || *p < 0x20))
      base[n++] = '_';
    else
      for (size_t i = 0; i < clen && p[i]; i++)
        base[n++] = (char)p[i];
    units += u16;
    for (size_t i = 0; i < clen && *p; i++)
      p++;
  }
  base[n] = '\0';
  free(clean);
  while (n && base[n - 1] == '\'')
    base[--n] = '\0';
  char *b = base;
  while (*b == '\'')
    b++;
  if (!*b)
    b = "sheet";
  snprintf(out, len, "%s", b);
  for (int k = 2;; k++) {
    int clash = 0;
    for (size_t i = 0; i < nused; i++)
      if (strcasecmp(used[i], out) == 0)
        clash = 1;
    if (!clash || k > 99)
      break;
    snprintf(out, len, "%s~%d", b, k);
  }
}

/* The header of column c (NFIXED, categories, indicators "名称（单位）"),
 * cleaned for the xlsx: malloc'd, NULL when out of memory. */
static char *column_header(const Huibao__V1__Rollup *r, size_t c)
{
  if (c < NFIXED)
    return sub_export_xlsx_text(fixed_headers[c]);
  if (c < NFIXED + r->n_categories) {
    const Huibao__V1__CategoryCount *k = r->categories[c - NFIXED];
    char *ht = sub_export_xlsx_text(k->name);
    if (ht && !*ht) { /* no name, or none left once cleaned: the code */
      free(ht);
      ht = sub_export_xlsx_text(k->code);
    }
    return ht;
  }
  if (c >= NFIXED + r->n_categories + r->n_indicators)
    return sub_export_xlsx_text("典型数");
  const Huibao__V1__IndicatorSum *s = r->indicators[c - NFIXED - r->n_categories];
  char buf[512];
  const char *name = s->name && *s->name ? s->name : s->code;
  if (s->unit && *s->unit)
    snprintf(buf, sizeof buf, "%s（%s）", name, s->unit);
  else
    snprintf(buf, sizeof buf, "%s", name);
  return sub_export_xlsx_text(buf);
}

/* The blocks of issue 12 below the categories: 成效 (indicators: code,
 * name, value, unit, records) and 典型 (cases by type), each after a blank
 * row, when the rollup has them; *row is the last row written. */
static lxw_error xlsx_blocks12(lxw_worksheet *ws, const Huibao__V1__Rollup *r, const xlsx_fmts *f,
                               lxw_row_t *row)
{
  lxw_error err = LXW_NO_ERROR;
  static const char *const ind_headers[] = {"指标编码", "指标", "数量", "单位", "记录数"};
  if (r->n_indicators) {
    *row += 2;
    for (lxw_col_t c = 0; c < 5 && !err; c++)
      err = worksheet_write_string(ws, *row, c, ind_headers[c], f->head);
  }
  for (size_t k = 0; k < r->n_indicators && !err; k++) {
    const Huibao__V1__IndicatorSum *s = r->indicators[k];
    (*row)++;
    const xcell x[5] = {{X_TEXT, s->code, 0, 0},
                        {X_TEXT, s->name ? s->name : "", 0, 0},
                        indicator_cell(s, s),
                        {X_TEXT, s->unit ? s->unit : "", 0, 0},
                        {X_INT, NULL, (double)s->records, 0}};
    for (lxw_col_t c = 0; c < 5 && !err; c++)
      err = xlsx_cell(ws, *row, c, &x[c], f, 0);
  }
  const Huibao__V1__CaseCounts *cs = r->cases;
  if (!cs || !cs->total || err)
    return err;
  *row += 2;
  const char *names[] = {"典型案例", "经验做法", "先进集体", "先进个人", "典型合计"};
  const uint64_t v[] = {cs->typical, cs->practice, cs->group, cs->person, cs->total};
  err = worksheet_write_string(ws, *row, 0, "典型类型", f->head);
  if (!err)
    err = worksheet_write_string(ws, *row, 1, "数量", f->head);
  for (size_t i = 0; i < 5 && !err; i++) {
    (*row)++;
    err = worksheet_write_string(ws, *row, 0, names[i], NULL);
    if (!err)
      err = worksheet_write_number(ws, *row, 1, (double)v[i], f->integer);
  }
  return err;
}

/* A sub-category's row of the categories block: code "category.sub", the
 * name indented under its category's. */
static lxw_error xlsx_subcategory(lxw_worksheet *ws, lxw_row_t row,
                                  const Huibao__V1__CategoryCount *cat,
                                  const Huibao__V1__CategoryCount *sc, uint64_t total,
                                  const xlsx_fmts *f)
{
  char code[256], name[512];
  snprintf(code, sizeof code, "%s.%s", cat->code, sc->code);
  snprintf(name, sizeof name, "  %s", sc->name ? sc->name : sc->code);
  const xcell x[6] = {{X_TEXT, code, 0, 0},
                      {X_TEXT, name, 0, 0},
                      {X_INT, NULL, (double)sc->count, 0},
                      {X_PCT, NULL, ratio(sc->count, total), 0},
                      {X_INT, NULL, (double)sc->resolved, 0},
                      {X_INT, NULL, (double)sc->units, 0}};
  lxw_error err = LXW_NO_ERROR;
  for (lxw_col_t c = 0; c < 6 && !err; c++)
    err = xlsx_cell(ws, row, c, &x[c], f, 0);
  return err;
}

static lxw_error xlsx_sheet(lxw_workbook *wb, const Huibao__V1__Rollup *r, const char *name,
                            const xlsx_fmts *f)
{
  lxw_worksheet *ws = workbook_add_worksheet(wb, name);
  if (!ws)
    return LXW_ERROR_SHEETNAME_ALREADY_USED;
  size_t ncols = ncols_of(r);
  xcell *cells = calloc(ncols, sizeof *cells);
  if (!cells)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  lxw_error err = LXW_NO_ERROR;
  worksheet_freeze_panes(ws, 1, 3);
  worksheet_set_row(ws, 0, 30, NULL);
  for (size_t c = 0; c < ncols && !err; c++) {
    char *ht = column_header(r, c);
    err = !ht   ? LXW_ERROR_MEMORY_MALLOC_FAILED
          : *ht ? worksheet_write_string(ws, 0, (lxw_col_t)c, ht, f->head)
                : worksheet_write_blank(ws, 0, (lxw_col_t)c, f->head);
    free(ht);
    double width = c == 2 ? 22 : c == 5 ? 22 : c < NFIXED ? 10 : 14;
    if (!err)
      err = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, width, NULL);
  }
  lxw_row_t row = 1;
  row_text t;
  for (size_t i = 0; i < r->n_units && !err; i++, row++) {
    export_row(r, r->units[i], cells, &t);
    for (size_t c = 0; c < ncols && !err; c++)
      err = xlsx_cell(ws, row, (lxw_col_t)c, &cells[c], f, 0);
  }
  export_totals(r, cells);
  for (size_t c = 0; c < ncols && !err; c++)
    err = xlsx_cell(ws, row, (lxw_col_t)c, &cells[c], f, 1);
  free(cells);

  /* The categories: count, share, resolved, units, then the review's five. */
  row += 2;
  static const char *const cat_headers[] = {"类别编码", "类别",   "问题数",
                                            "占比",     "已整改", "涉及单位数"};
  for (lxw_col_t c = 0; c < 6 && !err; c++)
    err = worksheet_write_string(ws, row, c, cat_headers[c], f->head);
  for (lxw_col_t c = 0; c < SUB_EXPORT_REVIEW_NCAT && !err; c++)
    err = worksheet_write_string(ws, row, 6 + c, sub_export_review_cat_headers[c], f->head);
  uint64_t total = r->problems ? r->problems->total : 0;
  for (size_t k = 0; k < r->n_categories && !err; k++) {
    const Huibao__V1__CategoryCount *cc = r->categories[k];
    row++;
    const xcell cat[6] = {{X_TEXT, cc->code, 0, 0},
                          {X_TEXT, cc->name ? cc->name : "", 0, 0},
                          {X_INT, NULL, (double)cc->count, 0},
                          {X_PCT, NULL, ratio(cc->count, total), 0},
                          {X_INT, NULL, (double)cc->resolved, 0},
                          {X_INT, NULL, (double)cc->units, 0}};
    for (lxw_col_t c = 0; c < 6 && !err; c++)
      err = xlsx_cell(ws, row, c, &cat[c], f, 0);
    uint64_t rv[SUB_EXPORT_REVIEW_NCAT];
    sub_export_review_cat_values(cc, rv);
    for (lxw_col_t c = 0; c < SUB_EXPORT_REVIEW_NCAT && !err; c++)
      err = worksheet_write_number(ws, row, 6 + c, (double)rv[c], f->integer);
    for (size_t j = 0; j < cc->n_subcategories && !err; j++)
      err = xlsx_subcategory(ws, ++row, cc, cc->subcategories[j], total, f);
  }
  if (!err)
    err = sub_export_review_block(ws, r, &row, f->head, f->integer, f->total_text, f->total_int);

  if (!err)
    err = xlsx_blocks12(ws, r, f, &row);

  /* What this sheet is. */
  char as_of[40];
  hb_time_format_iso(r->as_of_ms, as_of, sizeof as_of);
  const char *facts[][2] = {{"专项代码", r->campaign},
                            {"专项名称", r->campaign_name ? r->campaign_name : ""},
                            {"截至", as_of}};
  row += 2;
  for (size_t i = 0; i < 3 && !err; i++, row++) {
    err = worksheet_write_string(ws, row, 0, facts[i][0], f->head);
    if (!err)
      err = sub_export_xlsx_string(ws, row, 1, facts[i][1], NULL);
  }
  return err;
}

static lxw_error xlsx_write(const char *path, Huibao__V1__Rollup *const *rs, size_t n)
{
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return LXW_ERROR_CREATING_XLSX_FILE;
  xlsx_fmts f;
  f.head = workbook_add_format(wb);
  format_set_bold(f.head);
  format_set_text_wrap(f.head);
  format_set_align(f.head, LXW_ALIGN_CENTER);
  format_set_align(f.head, LXW_ALIGN_VERTICAL_CENTER);
  format_set_bg_color(f.head, 0xDDEBF7);
  format_set_border(f.head, LXW_BORDER_THIN);
  f.integer = workbook_add_format(wb);
  format_set_num_format(f.integer, "0");
  f.pct = workbook_add_format(wb);
  format_set_num_format(f.pct, "0.00%");
  f.total_text = workbook_add_format(wb);
  format_set_bold(f.total_text);
  format_set_top(f.total_text, LXW_BORDER_THIN);
  f.total_int = workbook_add_format(wb);
  format_set_bold(f.total_int);
  format_set_top(f.total_int, LXW_BORDER_THIN);
  format_set_num_format(f.total_int, "0");
  f.total_pct = workbook_add_format(wb);
  format_set_bold(f.total_pct);
  format_set_top(f.total_pct, LXW_BORDER_THIN);
  format_set_num_format(f.total_pct, "0.00%");
  static const char *const dec_fmt[5] = {"0", "0.0", "0.00", "0.000", "0.0000"};
  for (int i = 0; i < 5; i++) {
    f.dec[i] = workbook_add_format(wb);
    format_set_num_format(f.dec[i], dec_fmt[i]);
    f.total_dec[i] = workbook_add_format(wb);
    format_set_bold(f.total_dec[i]);
    format_set_top(f.total_dec[i], LXW_BORDER_THIN);
    format_set_num_format(f.total_dec[i], dec_fmt[i]);
  }
  char(*used)[128] = calloc(3 * n + 1, sizeof *used); /* a sheet each, two more with a cycle */
  lxw_error err = used ? LXW_NO_ERROR : LXW_ERROR_MEMORY_MALLOC_FAILED;
  size_t nused = 0, ncycle = 0;
  for (size_t i = 0; i < n && !err; i++) {
    const char *name =
        rs[i]->campaign_name && *rs[i]->campaign_name ? rs[i]->campaign_name : rs[i]->campaign;
    sub_export_sheet_name(name, used, nused, used[nused], sizeof used[nused]);
    err = xlsx_sheet(wb, rs[i], used[nused++], &f);
    ncycle += rs[i]->cycle && *rs[i]->cycle;
  }
  /* issue 13: 报送情况 and 分期统计 after the campaigns' sheets */
  for (size_t i = 0; i < n && !err; i++)
    err = sub_export_periods_sheets(wb, rs[i], ncycle == 1, used, &nused, f.head);
  free(used);
  lxw_error cerr = workbook_close(wb);
  return err ? err : cerr;
}

int sub_export_write_xlsx(const char *path, Huibao__V1__Rollup *const *rs, size_t n)
{
  return (int)xlsx_write(path, rs, n);
}

/* ---------------------------------------------------------------- csv */

/* True for text a spreadsheet would take for a formula (OWASP "CSV
 * injection"): it starts with = + - @, a tab or a CR. */
static int csv_formula_like(const char *s)
{
  return *s && strchr("=+-@\t\r", *s) != NULL;
}

/* One text cell, RFC 4180 quoted when needed; formula-like text gets a
 * leading ' (inside the quotes). Numbers never come here. */
static void csv_field(FILE *f, const char *s)
{
  const char *lead = csv_formula_like(s) ? "'" : "";
  if (!strpbrk(s, ",\"\r\n")) {
    fputs(lead, f);
    fputs(s, f);
    return;
  }
  fputc('"', f);
  fputs(lead, f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

/* One row: the campaign, n cells, then the review's figures (issue 14)
 * when review is not NULL. */
static void csv_row(FILE *f, const char *campaign, const xcell *c, size_t n, const uint64_t *review)
{
  csv_field(f, campaign);
  for (size_t i = 0; i < n; i++) {
    fputc(',', f);
    if (c[i].kind == X_TEXT)
      csv_field(f, c[i].text ? c[i].text : "");
    else if (c[i].kind == X_INT)
      fprintf(f, "%.0f", c[i].num);
    else
      fprintf(f, "%.2f%%", c[i].num * 100.0);
  }
  for (size_t i = 0; review && i < SUB_EXPORT_REVIEW_NCOLS; i++)
    fprintf(f, ",%" PRIu64, review[i]);
  fputs("\r\n", f);
}

void sub_export_write_csv(FILE *f, Huibao__V1__Rollup *const *rs, size_t n)
{
  bool reviewed = false; /* issue 14: the review's columns when any rollup carries them */
  for (size_t i = 0; i < n; i++)
    reviewed = reviewed || hb_rollup_review_present(rs[i]->problems);
  fputs("\xEF\xBB\xBF专项", f);
  for (size_t i = 0; i < NFIXED; i++) {
    fputc(',', f);
    fputs(fixed_headers[i], f);
  }
  for (size_t i = 0; reviewed && i < SUB_EXPORT_REVIEW_NCOLS; i++) {
    fputc(',', f);
    fputs(sub_export_review_headers[i], f);
  }
  fputs("\r\n", f);
  xcell *cells = NULL;
  row_text t;
  for (size_t i = 0; i < n; i++) {
    const Huibao__V1__Rollup *r = rs[i];
    xcell *c = realloc(cells, ncols_of(r) * sizeof *c);
    if (!c)
      break;
    cells = c;
    uint64_t rv[SUB_EXPORT_REVIEW_NCOLS];
    for (size_t u = 0; u < r->n_units; u++) {
      export_row(r, r->units[u], cells, &t);
      sub_export_review_values(r->units[u]->problems, r->units[u]->activities_returned, rv);
      csv_row(f, r->campaign, cells, NFIXED, reviewed ? rv : NULL);
    }
    export_totals(r, cells);
    sub_export_review_values(r->problems, r->activities_returned, rv);
    csv_row(f, r->campaign, cells, NFIXED, reviewed ? rv : NULL);
  }
  free(cells);
}

/* ---------------------------------------------------------------- command */

/* The merged rollup of each campaign wanted, in campaign id order. */
static int merge_all(const sub_cli *cli, const sub_collect *c, char **origins, size_t norigins,
                     Huibao__V1__Rollup ***out, size_t *nout)
{
  const char **ids = NULL;
  size_t n = 0;
  *out = NULL;
  *nout = 0;
  if (cli->campaign) {
    ids = malloc(sizeof *ids);
    if (!ids)
      return HB_ENOMEM;
    ids[0] = cli->campaign;
    n = 1;
  } else if (sub_collect_campaigns(c, &ids, &n) != 0) {
    return HB_ENOMEM;
  }
  sub_view_opts o;
  sub_view_opts_from_cli(cli, &o);
  o.origins = origins;
  o.norigins = norigins;
  Huibao__V1__Rollup **rs = calloc(n ? n : 1, sizeof *rs);
  int rc = rs ? 0 : HB_ENOMEM;
  for (size_t i = 0; i < n && rc == 0; i++) {
    Huibao__V1__Rollup *m = NULL;
    rc = sub_view_merge(c, ids[i], &o, &m);
    if (rc == 0 && m)
      rs[(*nout)++] = m;
    else if (rc == 0)
      fprintf(stderr, "%s: export: no rollup of campaign %s\n", SUB_PROGRAM, ids[i]);
  }
  free(ids);
  *out = rs;
  return rc;
}

static void free_all(Huibao__V1__Rollup **rs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    protobuf_c_message_free_unpacked(&rs[i]->base, NULL);
  free(rs);
}

/* Writes the file: into "OUT.PID.new" beside it, then renamed over OUT. */
static int write_out(const sub_cli *cli, int is_xlsx, Huibao__V1__Rollup *const *rs, size_t n)
{
  if (!cli->out) {
    sub_export_write_csv(stdout, rs, n);
    return fflush(stdout) != 0 || ferror(stdout) ? EX_IOERR : EX_OK;
  }
  size_t len = strlen(cli->out) + 32;
  char *tmp = malloc(len);
  if (!tmp)
    return EX_SOFTWARE;
  snprintf(tmp, len, "%s.%ld.new", cli->out, (long)getpid());
  const char *why = NULL;
  if (is_xlsx) {
    lxw_error err = xlsx_write(tmp, rs, n);
    if (err)
      why = lxw_strerror(err);
  } else {
    FILE *f = fopen(tmp, "wb");
    if (!f) {
      why = strerror(errno);
    } else {
      sub_export_write_csv(f, rs, n);
      int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
      if (fclose(f) != 0 || bad)
        why = strerror(errno ? errno : EIO);
    }
  }
  if (!why && rename(tmp, cli->out) != 0)
    why = strerror(errno);
  if (why) {
    fprintf(stderr, "%s: export: cannot write %s: %s\n", SUB_PROGRAM, cli->out, why);
    unlink(tmp);
  }
  free(tmp);
  return why ? EX_CANTCREAT : EX_OK;
}

int sub_export(const sub_cli *cli)
{
  /* 1. What to write. */
  const char *fmt = cli->format_name;
  int is_xlsx = fmt && strcmp(fmt, "xlsx") == 0;
  if (!fmt || (!is_xlsx && strcmp(fmt, "csv") != 0)) {
    fprintf(stderr, "%s: export: --format csv or --format xlsx is required\n", SUB_PROGRAM);
    return EX_USAGE;
  }
  if (is_xlsx && !cli->out) {
    fprintf(stderr, "%s: export: --format xlsx needs --out FILE.xlsx\n", SUB_PROGRAM);
    return EX_USAGE;
  }

  /* 2. The rollups, merged per campaign as `snapshot` and `show` do. */
  sub_collect c;
  sub_collect_init(&c);
  char **origins = NULL;
  size_t norigins = 0;
  int ex = sub_gather(cli, &c, &origins, &norigins);
  if (ex != EX_OK && ex != EX_TEMPFAIL) {
    sub_collect_free(&c);
    sub_net_free_list(origins, norigins);
    return ex;
  }
  Huibao__V1__Rollup **rs = NULL;
  size_t n = 0;
  int rc = merge_all(cli, &c, origins, norigins, &rs, &n);
  sub_collect_free(&c);
  sub_net_free_list(origins, norigins);
  if (rc != 0) {
    fprintf(stderr, "%s: export: %s\n", SUB_PROGRAM, hb_strerror(rc));
    free_all(rs, n);
    return EX_SOFTWARE;
  }
  if (n == 0) {
    fprintf(stderr, "%s: export: no rollup to export\n", SUB_PROGRAM);
    free_all(rs, n);
    return ex == EX_OK ? EX_NOINPUT : ex;
  }

  /* 3. The file. A partial gather (EX_TEMPFAIL) still writes what came. */
  int wex = write_out(cli, is_xlsx, rs, n);
  free_all(rs, n);
  return wex != EX_OK ? wex : ex;
}
