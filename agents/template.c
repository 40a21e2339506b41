/* template.c: huibao-agent template: an empty ledger workbook.
 *
 * Five sheets, 活动, 问题, 成效, 典型 and 报送 (the tables of kinds.h), with the
 * Chinese headers of docs/ledger-format.md (from hb_ledger_column, so they
 * cannot drift from what the reader accepts), the header row frozen, and
 * data validation on every column a clerk could get wrong: drop-down lists
 * for 类型 (the built-in kinds, plus the campaigns' declared kinds), 层级,
 * 范围, 状态, 来源, 整改类型, the case 类型, 无新增 是/否 (and 专项, 类别, 子类别,
 * 指标 and 报送期 -- 本期 and the due dates of the campaigns with a cycle --
 * when a campaigns file is given), dates between 2000-01-01 and 9999-12-31 in the
 * date columns (shown as yyyy-mm-dd), whole numbers in their ranges in the
 * count columns, a number in 数量. The lists live in a hidden
 * sheet "lists" and are referenced as ranges: inline lists are limited to
 * 255 characters, cannot hold a name with a comma, and libxlsxwriter before
 * 1.1.6 may overflow a buffer on long UTF-8 inline lists (upstream issue 394).
 * (Debian's 1.1.4 leaks the formula of each list validation, a few bytes;
 * the sanitizer run of tests/integration/test_xlsx.py suppresses that.) The file is written
 * next to --out and renamed over it, so a half-written template never
 * replaces a good one. */
#include "template.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "hb_campaigns.h"
#include "hb_cli.h"
#include "hb_diag.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_ledger.h"
#include "hb_period.h"
#include "hb_validate.h"
#include "hb_vocab.h"
#include "kinds.h"

#define PROGRAM "huibao-agent"
#define LIST_SHEET "lists"
#define DATA_ROWS 1048575 /* validation down to Excel's last row */

static const char usage[] =
    "Usage: huibao-agent template --out FILE.xlsx [--campaigns FILE [--campaign ID]]\n"
    "\n"
    "Writes an empty ledger workbook (sheets 活动, 问题, 成效, 典型 and 报送) with the headers of\n"
    "docs/ledger-format.md and drop-down lists, to be filled in Excel or WPS and\n"
    "read with `huibao-agent sync --ledger FILE.xlsx`.\n"
    "\n"
    "  --out FILE.xlsx    the workbook to write (replaced if it exists)\n"
    "  --campaigns FILE   the county's campaigns file: adds lists of 专项, 类别, 子类别,\n"
    "                     指标, the campaigns' own activity kinds (类型) and 报送期 (本期\n"
    "                     and the due dates of the campaigns with a cycle)\n"
    "  --campaign ID      only this campaign (default: every campaign of the file)\n"
    "\n"
    "Exit: 0 written; 64 bad command line; 65 campaigns file invalid; 66 campaigns\n"
    "file missing; 73 the workbook cannot be written.\n";

typedef struct tpl_opts {
  const char *out, *campaigns, *campaign;
} tpl_opts;

/* A drop-down list: its values and where they sit in the lists sheet. */
typedef struct tpl_list {
  const char *values[1024];
  size_t n;
  int col; /* column in the lists sheet, -1 when empty */
} tpl_list;

enum {
  L_KIND,
  L_LEVEL,
  L_SCOPE,
  L_STATUS,
  L_CAMPAIGN,
  L_CATEGORY,
  L_SUBCATEGORY,
  L_SOURCE,
  L_TERM,
  L_INDICATOR,
  L_CASE_TYPE,
  L_YES_NO,
  L_PERIOD,
  L_COUNT /* at most 26: the lists sheet's columns are A..Z */
};

static const char *const list_titles[L_COUNT] = {"类型",     "层级",   "范围",  "状态",     "专项",
                                                 "类别",     "子类别", "来源",  "整改类型", "指标",
                                                 "典型类型", "无新增", "报送期"};

static void list_add(tpl_list *l, const char *v)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->values[i], v) == 0)
      return;
  if (l->n < sizeof l->values / sizeof l->values[0])
    l->values[l->n++] = v;
}

static const hb_cli_opt opt_table[] = {
    {.name = "out", .kind = HB_CLI_STR, .offset = offsetof(tpl_opts, out)},
    {.name = "campaigns", .kind = HB_CLI_STR, .offset = offsetof(tpl_opts, campaigns)},
    {.name = "campaign", .kind = HB_CLI_STR, .offset = offsetof(tpl_opts, campaign)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

/* Parses the flags of template. Returns 0, or an exit code (EX_USAGE after
 * printing why, or -1 for --help: exit 0). */
static int opts_parse(int argc, char **argv, tpl_opts *o)
{
  memset(o, 0, sizeof *o);
  char err[512];
  int rc = hb_cli_parse(opt_table, 0, o, argc, argv, NULL, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    fputs(usage, stdout);
    return -1;
  }
  const char *why = NULL;
  if (rc != HB_CLI_RUN)
    why = err;
  else if (!o->out)
    why = "--out FILE.xlsx is required";
  else if (!hb_ledger_is_xlsx(o->out))
    why = "--out: the file name must end in .xlsx";
  else if (o->campaign && !o->campaigns)
    why = "--campaign needs --campaigns FILE";
  if (why) {
    fprintf(stderr, "%s: template: %s\nTry '%s template --help'.\n", PROGRAM, why, PROGRAM);
    return EX_USAGE;
  }
  return 0;
}

/* The period ids of the campaigns with a cycle (in file order, each once),
 * kept for the 报送期 list: *ids malloc'd (the caller frees it). */
static int period_ids(const tpl_opts *o, const hb_campaigns *camps, tpl_list *list,
                      char (**ids)[HB_PERIOD_ID_LEN])
{
  size_t k = 0, cap = 0;
  *ids = NULL;
  for (size_t i = 0; i < camps->count; i++) {
    const hb_campaign *c = &camps->items[i];
    if (o->campaign && strcmp(c->id, o->campaign) != 0)
      continue;
    hb_period *p;
    size_t n;
    if (hb_periods_of(c, &p, &n) != 0)
      return HB_ENOMEM;
    if (k + n > cap) {
      cap = (k + n) * 2;
      char(*grown)[HB_PERIOD_ID_LEN] = realloc(*ids, cap * sizeof **ids);
      if (!grown) {
        free(p);
        return HB_ENOMEM;
      }
      *ids = grown;
    }
    for (size_t j = 0; j < n; j++)
      snprintf((*ids)[k++], HB_PERIOD_ID_LEN, "%s", p[j].id);
    free(p);
  }
  for (size_t j = 0; j < k; j++) /* after the last realloc: the pointers stay valid */
    list_add(list, (*ids)[j]);
  return 0;
}

/* Fills the lists: the vocabularies (Chinese names, as clerks write them)
 * and, with a campaigns file, the campaigns' names, declared kinds (after
 * the built-in ones), indicators, categories, sub-categories and period
 * ids (*ids: their text, the caller frees it). */
static int lists_fill(const tpl_opts *o, const hb_campaigns *camps, tpl_list *lists,
                      char (**ids)[HB_PERIOD_ID_LEN])
{
  static const struct {
    int list, max;
    const char *(*zh)(int);
  } vocabs[] = {
      {L_KIND, HB_KIND_MAX, hb_vocab_kind_zh},
      {L_LEVEL, HB_LEVEL_MAX, hb_vocab_level_zh},
      {L_SCOPE, HB_SCOPE_MAX, hb_vocab_scope_zh},
      {L_STATUS, HB_STATUS_MAX, hb_vocab_status_zh},
      {L_SOURCE, HB_SOURCE_MAX, hb_vocab_source_zh},
      {L_TERM, HB_TERM_MAX, hb_vocab_term_zh},
      {L_CASE_TYPE, HB_CASE_MAX, hb_vocab_case_type_zh},
  };
  for (size_t i = 0; i < sizeof vocabs / sizeof vocabs[0]; i++)
    for (int v = 1; v <= vocabs[i].max; v++)
      list_add(&lists[vocabs[i].list], vocabs[i].zh(v));
  list_add(&lists[L_YES_NO], "是");
  list_add(&lists[L_YES_NO], "否");
  if (camps->count) {
    list_add(&lists[L_PERIOD], HB_PERIOD_CURRENT);
    if (period_ids(o, camps, &lists[L_PERIOD], ids) != 0)
      return EX_SOFTWARE;
  }
  for (size_t i = 0; i < camps->count; i++) {
    const hb_campaign *c = &camps->items[i];
    if (o->campaign && strcmp(c->id, o->campaign) != 0)
      continue;
    list_add(&lists[L_CAMPAIGN], c->name);
    for (size_t k = 0; k < c->nkinds; k++)
      list_add(&lists[L_KIND], c->kinds[k].name);
    for (size_t k = 0; k < c->nindicators; k++)
      list_add(&lists[L_INDICATOR], c->indicators[k].name);
    for (size_t k = 0; k < c->ncategories; k++) {
      const hb_category *cat = &c->categories[k];
      list_add(&lists[L_CATEGORY], cat->name);
      for (size_t j = 0; j < cat->nsubs; j++)
        list_add(&lists[L_SUBCATEGORY], cat->subs[j].name);
    }
  }
  int col = 0;
  for (int l = 0; l < L_COUNT; l++)
    lists[l].col = lists[l].n ? col++ : -1;
  if (o->campaign && lists[L_CAMPAIGN].n == 0) {
    fprintf(stderr, "%s: template: --campaign %s is not in %s\n", PROGRAM, o->campaign,
            o->campaigns);
    return EX_USAGE;
  }
  return 0;
}

/* Writes the hidden sheet of lists, each in its column. */
static lxw_error lists_write(lxw_workbook *wb, const tpl_list *lists)
{
  lxw_worksheet *ws = workbook_add_worksheet(wb, LIST_SHEET);
  if (!ws)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  lxw_error err = LXW_NO_ERROR;
  for (int l = 0; l < L_COUNT && !err; l++) {
    if (lists[l].col < 0)
      continue;
    lxw_col_t col = (lxw_col_t)lists[l].col;
    err = worksheet_write_string(ws, 0, col, list_titles[l], NULL);
    for (size_t i = 0; i < lists[l].n && !err; i++)
      err = worksheet_write_string(ws, (lxw_row_t)(i + 1), col, lists[l].values[i], NULL);
  }
  if (!err)
    worksheet_hide(ws);
  return err;
}

static lxw_error validate_list(lxw_worksheet *ws, int col, const tpl_list *l, const char *what)
{
  if (l->col < 0)
    return LXW_NO_ERROR;
  char formula[64], msg[128];
  char letter = (char)('A' + l->col); /* at most L_COUNT columns */
  snprintf(formula, sizeof formula, "=" LIST_SHEET "!$%c$2:$%c$%zu", letter, letter, l->n + 1);
  snprintf(msg, sizeof msg, "请从下拉列表中选择%s (choose from the list)", what);
  lxw_data_validation v = {
      .validate = LXW_VALIDATION_TYPE_LIST_FORMULA,
      .value_formula = formula,
      .ignore_blank = LXW_VALIDATION_ON,
      .dropdown = LXW_VALIDATION_ON,
      .show_error = LXW_VALIDATION_ON,
      .error_type = LXW_VALIDATION_ERROR_TYPE_STOP,
      .error_title = (char *)what,
      .error_message = msg,
  };
  return worksheet_data_validation_range(ws, 1, (lxw_col_t)col, DATA_ROWS, (lxw_col_t)col, &v);
}

static lxw_error validate_date(lxw_worksheet *ws, int col, const char *what)
{
  lxw_data_validation v = {
      .validate = LXW_VALIDATION_TYPE_DATE,
      .criteria = LXW_VALIDATION_CRITERIA_BETWEEN,
      .minimum_datetime = {2000, 1, 1, 0, 0, 0},
      .maximum_datetime = {9999, 12, 31, 0, 0, 0},
      .ignore_blank = LXW_VALIDATION_ON,
      .show_error = LXW_VALIDATION_ON,
      .error_type = LXW_VALIDATION_ERROR_TYPE_STOP,
      .error_title = (char *)what,
      .error_message = "请填写 2000-01-01 以后的日期，如 2022-06-15 (a date, e.g. 2022-06-15)",
  };
  return worksheet_data_validation_range(ws, 1, (lxw_col_t)col, DATA_ROWS, (lxw_col_t)col, &v);
}

/* Numbers between min and max in column col: whole numbers (a count) or
 * any (decimal set: an indicator's 数量, whose places the reader checks). */
static lxw_error validate_number(lxw_worksheet *ws, int col, const char *what, int decimal,
                                 double min, double max)
{
  char msg[160];
  if (decimal)
    snprintf(msg, sizeof msg, "请填写数字，如 3 或 1.25 (a number, e.g. 3 or 1.25)");
  else
    snprintf(msg, sizeof msg, "请填写 %.0f～%.0f 的整数 (a whole number, %.0f..%.0f)", min, max,
             min, max);
  lxw_data_validation v = {
      .validate = decimal ? LXW_VALIDATION_TYPE_DECIMAL : LXW_VALIDATION_TYPE_INTEGER,
      .criteria = LXW_VALIDATION_CRITERIA_BETWEEN,
      .minimum_number = min,
      .maximum_number = max,
      .ignore_blank = LXW_VALIDATION_ON,
      .show_error = LXW_VALIDATION_ON,
      .error_type = LXW_VALIDATION_ERROR_TYPE_STOP,
      .error_title = (char *)what,
      .error_message = msg,
  };
  return worksheet_data_validation_range(ws, 1, (lxw_col_t)col, DATA_ROWS, (lxw_col_t)col, &v);
}

/* How a column of any sheet is written, by its English header (the proto
 * field): width, cell format, and what is checked in it. */
enum { FMT_NONE, FMT_DATE, FMT_TEXT };
enum { CHECK_NONE, CHECK_LIST, CHECK_DATE, CHECK_COUNT, CHECK_NUMBER };
typedef struct tpl_column {
  const char *en;
  double width;
  int format;   /* FMT_* */
  int check;    /* CHECK_* */
  int list;     /* L_* for CHECK_LIST */
  int min, max; /* for CHECK_COUNT */
} tpl_column;

static const tpl_column columns[] = {
    {"id", 10, FMT_TEXT, CHECK_NONE, 0, 0, 0}, /* "001" stays "001" */
    {"campaign", 26, FMT_TEXT, CHECK_LIST, L_CAMPAIGN, 0, 0},
    {"date", 12, FMT_DATE, CHECK_DATE, 0, 0, 0},
    {"identified_on", 12, FMT_DATE, CHECK_DATE, 0, 0, 0},
    {"deadline", 12, FMT_DATE, CHECK_DATE, 0, 0, 0},
    {"resolved_on", 12, FMT_DATE, CHECK_DATE, 0, 0, 0},
    {"kind", 12, FMT_NONE, CHECK_LIST, L_KIND, 0, 0},
    {"level", 10, FMT_NONE, CHECK_LIST, L_LEVEL, 0, 0},
    {"scope", 8, FMT_NONE, CHECK_LIST, L_SCOPE, 0, 0},
    {"status", 10, FMT_NONE, CHECK_LIST, L_STATUS, 0, 0},
    {"category", 18, FMT_TEXT, CHECK_LIST, L_CATEGORY, 0, 0},
    {"subcategory", 18, FMT_TEXT, CHECK_LIST, L_SUBCATEGORY, 0, 0},
    {"source", 8, FMT_NONE, CHECK_LIST, L_SOURCE, 0, 0},
    {"term", 10, FMT_NONE, CHECK_LIST, L_TERM, 0, 0},
    {"indicator", 18, FMT_TEXT, CHECK_LIST, L_INDICATOR, 0, 0},
    {"type", 10, FMT_NONE, CHECK_LIST, L_CASE_TYPE, 0, 0},
    {"period", 12, FMT_TEXT, CHECK_LIST, L_PERIOD, 0, 0}, /* 本期 or a due date, as text */
    {"nothing_new", 8, FMT_NONE, CHECK_LIST, L_YES_NO, 0, 0},
    {"filled_by", 12, FMT_TEXT, CHECK_NONE, 0, 0, 0},
    {"approved_by", 12, FMT_TEXT, CHECK_NONE, 0, 0, 0},
    {"sessions", 8, FMT_NONE, CHECK_COUNT, 0, 1, HB_SESSIONS_MAX},
    {"participants", 10, FMT_NONE, CHECK_COUNT, 0, 0, HB_PARTICIPANTS_MAX},
    {"outputs", 8, FMT_NONE, CHECK_COUNT, 0, 0, HB_OUTPUTS_MAX},
    {"measures", 12, FMT_NONE, CHECK_COUNT, 0, 0, HB_MEASURES_MAX},
    {"value", 12, FMT_NONE, CHECK_NUMBER, 0, 0, 0},
    {"owner", 12, FMT_TEXT, CHECK_NONE, 0, 0, 0},
    {"note", 32, FMT_TEXT, CHECK_NONE, 0, 0, 0},
    {"title", 48, FMT_TEXT, CHECK_NONE, 0, 0, 0},
    {"description", 48, FMT_TEXT, CHECK_NONE, 0, 0, 0},
    {"measures_text", 48, FMT_TEXT, CHECK_NONE, 0, 0, 0},
    {"summary", 48, FMT_TEXT, CHECK_NONE, 0, 0, 0},
};

static const tpl_column *column_find(const char *en)
{
  for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
    if (strcmp(columns[i].en, en) == 0)
      return &columns[i];
  return NULL;
}

/* One ledger sheet (table k): headers, widths, formats, validations.
 * fmt[FMT_*] are the workbook's formats (NULL for FMT_NONE). */
static lxw_error sheet_write(lxw_workbook *wb, const agent_kind *k, const tpl_list *lists,
                             lxw_format *head, lxw_format *const *fmt)
{
  lxw_worksheet *ws = workbook_add_worksheet(wb, k->sheet);
  if (!ws)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  worksheet_freeze_panes(ws, 1, 0);
  lxw_error err = LXW_NO_ERROR;
  const char *zh, *en;
  for (int c = 0; !err && hb_ledger_column((int)k->table, (size_t)c, &zh, &en) == 0; c++) {
    lxw_col_t col = (lxw_col_t)c;
    const tpl_column *tc = column_find(en);
    err = worksheet_write_string(ws, 0, col, zh, head);
    if (err || !tc)
      continue;
    switch (tc->check) {
    case CHECK_LIST: err = validate_list(ws, c, &lists[tc->list], zh); break;
    case CHECK_DATE: err = validate_date(ws, c, zh); break;
    case CHECK_COUNT: err = validate_number(ws, c, zh, 0, tc->min, tc->max); break;
    case CHECK_NUMBER:
      err = validate_number(ws, c, zh, 1, -(double)(HB_INDICATOR_VALUE_MAX / HB_INDICATOR_SCALE),
                            (double)(HB_INDICATOR_VALUE_MAX / HB_INDICATOR_SCALE));
      break;
    default: break;
    }
    if (!err)
      err = worksheet_set_column(ws, col, col, tc->width, fmt[tc->format]);
  }
  return err;
}

/* Writes the workbook to path. Returns LXW_NO_ERROR or the first error. */
static lxw_error workbook_write(const char *path, tpl_list *lists)
{
  lxw_workbook *wb = workbook_new(path);
  if (!wb)
    return LXW_ERROR_CREATING_XLSX_FILE;
  lxw_format *head = workbook_add_format(wb);
  lxw_format *date = workbook_add_format(wb);
  lxw_format *text = workbook_add_format(wb);
  format_set_bold(head);
  format_set_bg_color(head, 0xDDEBF7);
  format_set_border(head, LXW_BORDER_THIN);
  format_set_num_format(date, "yyyy-mm-dd");
  format_set_num_format(text, "@");
  lxw_format *const fmt[] = {[FMT_NONE] = NULL, [FMT_DATE] = date, [FMT_TEXT] = text};
  lxw_error err = LXW_NO_ERROR;
  for (size_t k = 0; k < HB_TABLE_COUNT && !err; k++)
    err = sheet_write(wb, &agent_kinds[k], lists, head, fmt);
  if (!err)
    err = lists_write(wb, lists);
  lxw_error cerr = workbook_close(wb);
  return err ? err : cerr;
}

int agent_template_main(int argc, char **argv)
{
  tpl_opts o;
  int ex = opts_parse(argc, argv, &o);
  if (ex)
    return ex < 0 ? EX_OK : ex;

  /* 1. The campaigns file, when given. */
  hb_campaigns camps = {0};
  if (o.campaigns) {
    hb_diags d;
    hb_diags_init(&d);
    int rc = hb_campaigns_load(o.campaigns, &camps, &d);
    hb_diags_write(&d, stderr);
    hb_diags_free(&d);
    if (rc) {
      fprintf(stderr, "%s: campaigns file %s: %s\n", PROGRAM, o.campaigns, hb_strerror(rc));
      hb_campaigns_free(&camps);
      return hb_exit_for_input(rc);
    }
  }

  /* 2. The lists. */
  tpl_list lists[L_COUNT];
  memset(lists, 0, sizeof lists);
  char(*ids)[HB_PERIOD_ID_LEN] = NULL;
  ex = lists_fill(&o, &camps, lists, &ids);

  /* 3. Write beside the target, then rename over it. */
  if (!ex) {
    size_t n = strlen(o.out) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
      free(ids);
      hb_campaigns_free(&camps);
      return EX_SOFTWARE;
    }
    snprintf(tmp, n, "%s.%ld.new.xlsx", o.out, (long)getpid());
    lxw_error err = workbook_write(tmp, lists);
    if (err) {
      fprintf(stderr, "%s: template: cannot write %s: %s\n", PROGRAM, o.out, lxw_strerror(err));
      unlink(tmp);
      ex = EX_CANTCREAT;
    } else if (rename(tmp, o.out) != 0) {
      fprintf(stderr, "%s: template: cannot write %s: %s\n", PROGRAM, o.out, strerror(errno));
      unlink(tmp);
      ex = EX_CANTCREAT;
    }
    free(tmp);
  }
  free(ids);
  hb_campaigns_free(&camps);
  return ex;
}
