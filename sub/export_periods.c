/* export_periods.c: the 报送情况 and 分期统计 sheets of a campaign with a
 * cycle (see export_periods.h). Unit codes and names, period ids and kind
 * names come from the counties: every text cell goes through
 * sub_export_xlsx_string. */
#include "export_periods.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "export_xlsx.h"
#include "hb_date.h"
#include "hb_totals.h"
#include "hb_vocab.h"

#define NSTATES 5

/* Fill colours of the states: green, blue, yellow, red, grey. */
static const lxw_color_t state_colour[NSTATES + 1] = {0,        0xC6EFCE, 0xDDEBF7,
                                                      0xFFEB9C, 0xFFC7CE, 0xEDEDED};

const char *sub_export_period_state_zh(int state)
{
  switch (state) {
  case HUIBAO__V1__PERIOD_STATE__PERIOD_REPORTED: return "已报送";
  case HUIBAO__V1__PERIOD_STATE__PERIOD_NIL: return "无新增";
  case HUIBAO__V1__PERIOD_STATE__PERIOD_LATE: return "迟报";
  case HUIBAO__V1__PERIOD_STATE__PERIOD_MISSING: return "未报";
  default: return "未到期";
  }
}

/* The units of the grid, indexed: a 61-unit county over a year of weeks
 * is 3,000 cells, a province's many times that, so every lookup is a
 * binary search. */
typedef struct grid {
  const char **codes; /* the distinct unit codes of the periods, sorted */
  size_t ncodes;
  size_t *row_of;                   /* parallel to codes: the code's row in the grid */
  const char **order;               /* the grid's rows: codes, the rollup's unit rows' order
                                       (county after county, units.csv order) then the rest */
  const Huibao__V1__UnitRow **rows; /* the rollup's unit rows, sorted by code */
} grid;

static int str_cmp(const void *x, const void *y)
{
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int row_cmp(const void *x, const void *y)
{
  const Huibao__V1__UnitRow *a = *(const Huibao__V1__UnitRow *const *)x;
  const Huibao__V1__UnitRow *b = *(const Huibao__V1__UnitRow *const *)y;
  return strcmp(a->code, b->code);
}

static void grid_free(grid *g)
{
  free(g->codes);
  free(g->row_of);
  free(g->order);
  free(g->rows);
}

/* Index of code in g->codes, or -1. */
static ptrdiff_t grid_find(const grid *g, const char *code)
{
  const char **hit = bsearch(&code, g->codes, g->ncodes, sizeof *g->codes, str_cmp);
  return hit ? hit - g->codes : -1;
}

static const Huibao__V1__UnitRow *grid_row(const grid *g, const Huibao__V1__Rollup *r,
                                           const char *code)
{
  Huibao__V1__UnitRow key = HUIBAO__V1__UNIT_ROW__INIT;
  const Huibao__V1__UnitRow *kp = &key, **hit;
  key.code = (char *)code;
  hit = bsearch(&kp, g->rows, r->n_units, sizeof *g->rows, row_cmp);
  return hit ? *hit : NULL;
}

/* Places code (index x of g->codes) on the next row unless it has one. */
static void grid_place(grid *g, ptrdiff_t x, size_t *n)
{
  if (x >= 0 && g->row_of[x] == SIZE_MAX) {
    g->row_of[x] = *n;
    g->order[(*n)++] = g->codes[x];
  }
}

/* Builds g for r; returns 0 or -1 (out of memory: free g anyway). */
static int grid_build(grid *g, const Huibao__V1__Rollup *r)
{
  size_t cap = 0, k = 0;
  memset(g, 0, sizeof *g);
  for (size_t i = 0; i < r->n_periods; i++)
    cap += r->periods[i]->n_units;
  g->codes = calloc(cap ? cap : 1, sizeof *g->codes);
  g->row_of = calloc(cap ? cap : 1, sizeof *g->row_of);
  g->order = calloc(cap ? cap : 1, sizeof *g->order);
  g->rows = calloc(r->n_units ? r->n_units : 1, sizeof *g->rows);
  if (!g->codes || !g->row_of || !g->order || !g->rows)
    return -1;
  for (size_t i = 0; i < r->n_periods; i++)
    for (size_t j = 0; j < r->periods[i]->n_units; j++)
      g->codes[k++] = r->periods[i]->units[j]->code;
  if (k > 1) /* qsort's array may be NULL when empty */
    qsort(g->codes, k, sizeof *g->codes, str_cmp);
  for (size_t i = 0; i < k; i++)
    if (g->ncodes == 0 || strcmp(g->codes[g->ncodes - 1], g->codes[i]) != 0)
      g->codes[g->ncodes++] = g->codes[i];
  for (size_t i = 0; i < g->ncodes; i++)
    g->row_of[i] = SIZE_MAX;
  for (size_t i = 0; i < r->n_units; i++)
    g->rows[i] = r->units[i];
  qsort(g->rows, r->n_units, sizeof *g->rows, row_cmp);
  size_t n = 0;
  for (size_t i = 0; i < r->n_units; i++)
    grid_place(g, grid_find(g, r->units[i]->code), &n);
  for (size_t i = 0; i < r->n_periods; i++)
    for (size_t j = 0; j < r->periods[i]->n_units; j++)
      grid_place(g, grid_find(g, r->periods[i]->units[j]->code), &n);
  return 0;
}

static uint64_t count_of(const Huibao__V1__Period *p, int state)
{
  const Huibao__V1__PeriodCounts *c = p->counts;
  if (!c)
    return 0;
  const uint64_t v[NSTATES + 1] = {0, c->reported, c->nil, c->late, c->missing, c->pending};
  return state >= 1 && state <= NSTATES ? v[state] : 0;
}

static void due_text(const Huibao__V1__Period *p, char *buf, size_t len)
{
  char day[16];
  hb_date_format(p->due_day, day, sizeof day);
  uint32_t m = p->due_minute % (24 * 60);
  snprintf(buf, len, "%s %02u:%02u", day, m / 60, m % 60);
}

/* Below the grid: one row per state with the counts of each period. */
static lxw_error grid_counts(lxw_worksheet *ws, const Huibao__V1__Rollup *r, lxw_row_t row,
                             lxw_format *head)
{
  lxw_error err = LXW_NO_ERROR;
  for (int s = 1; s <= NSTATES && !err; s++, row++) {
    err = worksheet_write_string(ws, row, 0, "合计", head);
    if (!err)
      err = worksheet_write_string(ws, row, 2, sub_export_period_state_zh(s), head);
    for (size_t i = 0; i < r->n_periods && !err; i++)
      err = worksheet_write_number(ws, row, (lxw_col_t)(3 + i), (double)count_of(r->periods[i], s),
                                   NULL);
  }
  return err;
}

/* The contradictions and the facts of the sheet, from row on. */
static lxw_error grid_notes(lxw_worksheet *ws, const Huibao__V1__Rollup *r, const grid *g,
                            lxw_row_t row, lxw_format *head)
{
  static const char *const ch[] = {"报无新增但有记录：单位编码", "单位名称", "报送期", "记录数"};
  lxw_error err = LXW_NO_ERROR;
  if (r->n_contradictions) {
    for (lxw_col_t c = 0; c < 4 && !err; c++)
      err = worksheet_write_string(ws, row, c, ch[c], head);
    for (size_t i = 0; i < r->n_contradictions && !err; i++) {
      const Huibao__V1__Contradiction *c = r->contradictions[i];
      const Huibao__V1__UnitRow *u = grid_row(g, r, c->unit);
      row++;
      err = sub_export_xlsx_string(ws, row, 0, c->unit, NULL);
      if (!err)
        err = sub_export_xlsx_string(ws, row, 1, u && u->name ? u->name : "", NULL);
      if (!err)
        err = sub_export_xlsx_string(ws, row, 2, c->period, NULL);
      if (!err)
        err = worksheet_write_number(ws, row, 3, (double)c->records, NULL);
    }
    row += 2;
  }
  size_t mlen = 1;
  for (size_t i = 0; i < r->n_cycle_mismatch; i++)
    mlen += strlen(r->cycle_mismatch[i]) + 4;
  char *mm = calloc(mlen, 1);
  if (!mm)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  for (size_t i = 0; i < r->n_cycle_mismatch; i++) {
    if (i)
      strcat(mm, "、");
    strcat(mm, r->cycle_mismatch[i]);
  }
  const char *facts[][2] = {
      {"专项", r->campaign},
      {"周期", r->cycle},
      {"本期", r->period_current ? r->period_current : ""},
      {"上期（最近截止）", r->period_last_closed ? r->period_last_closed : ""},
      {"周期不一致未合并", mm}};
  for (size_t i = 0; i < 5 && !err; i++, row++) {
    if (i == 4 && !*mm)
      break;
    err = worksheet_write_string(ws, row, 0, facts[i][0], head);
    if (!err)
      err = sub_export_xlsx_string(ws, row, 1, facts[i][1], NULL);
  }
  free(mm);
  return err;
}

/* 报送情况: a row per unit, a column per period, the state in Chinese on
 * its colour; then the counts, contradictions and facts. */
static lxw_error sheet_grid(lxw_workbook *wb, const Huibao__V1__Rollup *r, const char *name,
                            lxw_format *head)
{
  lxw_worksheet *ws = workbook_add_worksheet(wb, name);
  if (!ws)
    return LXW_ERROR_SHEETNAME_ALREADY_USED;
  lxw_format *fmt[NSTATES + 1] = {NULL};
  for (int s = 1; s <= NSTATES; s++) {
    fmt[s] = workbook_add_format(wb);
    format_set_bg_color(fmt[s], state_colour[s]);
    format_set_align(fmt[s], LXW_ALIGN_CENTER);
  }
  grid g;
  if (grid_build(&g, r) != 0) {
    grid_free(&g);
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  }
  size_t nu = g.ncodes;
  static const char *const fixed[] = {"县区", "单位编码", "单位名称"};
  worksheet_freeze_panes(ws, 1, 3);
  lxw_error err = LXW_NO_ERROR;
  for (lxw_col_t c = 0; c < 3 && !err; c++)
    err = worksheet_write_string(ws, 0, c, fixed[c], head);
  if (!err)
    err = worksheet_set_column(ws, 2, 2, 22, NULL);
  if (!err && r->n_periods)
    err = worksheet_set_column(ws, 3, (lxw_col_t)(2 + r->n_periods), 11, NULL);
  for (size_t i = 0; i < r->n_periods && !err; i++)
    err = sub_export_xlsx_string(ws, 0, (lxw_col_t)(3 + i), r->periods[i]->id, head);
  for (size_t u = 0; u < nu && !err; u++) {
    lxw_row_t row = (lxw_row_t)(1 + u);
    const Huibao__V1__UnitRow *ur = grid_row(&g, r, g.order[u]);
    err = sub_export_xlsx_string(ws, row, 0, ur && ur->county ? ur->county : "", NULL);
    if (!err)
      err = sub_export_xlsx_string(ws, row, 1, g.order[u], NULL);
    if (!err)
      err = sub_export_xlsx_string(ws, row, 2, ur && ur->name ? ur->name : "", NULL);
  }
  for (size_t i = 0; i < r->n_periods && !err; i++)
    for (size_t j = 0; j < r->periods[i]->n_units && !err; j++) {
      const Huibao__V1__UnitPeriodState *us = r->periods[i]->units[j];
      int st = us->state >= 1 && us->state <= NSTATES ? (int)us->state : NSTATES;
      ptrdiff_t x = grid_find(&g, us->code);
      if (x >= 0)
        err = worksheet_write_string(ws, (lxw_row_t)(1 + g.row_of[x]), (lxw_col_t)(3 + i),
                                     sub_export_period_state_zh(st), fmt[st]);
    }
  if (!err)
    err = grid_counts(ws, r, (lxw_row_t)(2 + nu), head);
  if (!err)
    err = grid_notes(ws, r, &g, (lxw_row_t)(2 + nu + NSTATES + 1), head);
  grid_free(&g);
  return err;
}

/* The kinds of r's periods, each once: built-in kinds (enum order) first,
 * then declared codes in order of first appearance. */
typedef struct kind_col {
  int kind;         /* built-in, or 0 */
  const char *code; /* declared, or NULL */
} kind_col;

static size_t kind_cols(const Huibao__V1__Rollup *r, kind_col *out, size_t cap)
{
  size_t k = 0;
  for (int kind = 1; kind <= HB_KIND_MAX; kind++) {
    bool any = false;
    for (size_t i = 0; i < r->n_periods && !any; i++)
      for (size_t j = 0; j < r->periods[i]->n_by_kind && !any; j++) {
        const Huibao__V1__KindTotals *t = r->periods[i]->by_kind[j];
        any = !(t->kind_code && *t->kind_code) && (int)t->kind == kind;
      }
    if (any && k < cap)
      out[k++] = (kind_col){kind, NULL};
  }
  for (size_t i = 0; i < r->n_periods; i++)
    for (size_t j = 0; j < r->periods[i]->n_by_kind; j++) {
      const char *c = r->periods[i]->by_kind[j]->kind_code;
      bool seen = !c || !*c;
      for (size_t x = 0; x < k && !seen; x++)
        seen = out[x].code && strcmp(out[x].code, c) == 0;
      if (!seen && k < cap)
        out[k++] = (kind_col){0, c};
    }
  return k;
}

static uint64_t kind_records(const Huibao__V1__Period *p, const kind_col *kc)
{
  hb_totals sum = {0, 0, 0, 0};
  for (size_t j = 0; j < p->n_by_kind; j++) {
    const Huibao__V1__KindTotals *t = p->by_kind[j];
    bool declared = t->kind_code && *t->kind_code;
    if (kc->code ? declared && strcmp(t->kind_code, kc->code) == 0
                 : !declared && (int)t->kind == kc->kind)
      hb_totals_add_pb(&sum, t->totals);
  }
  return sum.records;
}

static const char *kind_label(const Huibao__V1__Rollup *r, const kind_col *kc, char *buf,
                              size_t len)
{
  const char *name = kc->code;
  if (!kc->code)
    name = hb_vocab_kind_zh(kc->kind);
  for (size_t i = 0; kc->code && i < r->n_kinds; i++)
    if (strcmp(r->kinds[i]->code, kc->code) == 0 && r->kinds[i]->name && *r->kinds[i]->name)
      name = r->kinds[i]->name;
  snprintf(buf, len, "%s（记录）", name);
  return buf;
}

#define NFIG 16
#define MAX_KIND_COLS 64

/* One row of 分期统计. */
static lxw_error figures_row(lxw_worksheet *ws, lxw_row_t row, const Huibao__V1__Period *p,
                             const kind_col *kc, size_t nk)
{
  static const Huibao__V1__PeriodProblems p0 = HUIBAO__V1__PERIOD_PROBLEMS__INIT;
  const Huibao__V1__PeriodProblems *pr = p->problems ? p->problems : &p0;
  char d0[16], d1[16], due[32];
  hb_date_format(p->start, d0, sizeof d0);
  hb_date_format(p->end, d1, sizeof d1);
  due_text(p, due, sizeof due);
  hb_totals a;
  hb_totals_from_pb(p->activities, &a);
  const char *text[4] = {p->id, d0, d1, due};
  const uint64_t v[NFIG - 4] = {count_of(p, 1), count_of(p, 2), count_of(p, 3), count_of(p, 4),
                                count_of(p, 5), a.records,      a.sessions,     a.participants,
                                a.outputs,      pr->identified, pr->resolved,   pr->overdue_at_end};
  lxw_error err = LXW_NO_ERROR;
  for (lxw_col_t c = 0; c < 4 && !err; c++)
    err = sub_export_xlsx_string(ws, row, c, text[c], NULL);
  for (lxw_col_t c = 4; c < NFIG && !err; c++)
    err = worksheet_write_number(ws, row, c, (double)v[c - 4], NULL);
  for (size_t k = 0; k < nk && !err; k++)
    err = worksheet_write_number(ws, row, (lxw_col_t)(NFIG + k), (double)kind_records(p, &kc[k]),
                                 NULL);
  return err;
}

/* 分期统计: a row per period: its days and due, the counts of the states,
 * the activities dated in it (and their records by kind), the problems. */
static lxw_error sheet_figures(lxw_workbook *wb, const Huibao__V1__Rollup *r, const char *name,
                               lxw_format *head)
{
  static const char *const headers[NFIG] = {
      "报送期", "开始",     "结束",     "截止",     "已报送", "无新增",   "迟报",     "未报",
      "未到期", "活动记录", "活动次数", "参加人次", "成果数", "查摆问题", "销号问题", "期末逾期"};
  lxw_worksheet *ws = workbook_add_worksheet(wb, name);
  if (!ws)
    return LXW_ERROR_SHEETNAME_ALREADY_USED;
  kind_col kc[MAX_KIND_COLS];
  size_t nk = kind_cols(r, kc, MAX_KIND_COLS);
  worksheet_freeze_panes(ws, 1, 1);
  lxw_error err = worksheet_set_column(ws, 0, 2, 11, NULL);
  if (!err)
    err = worksheet_set_column(ws, 3, 3, 17, NULL);
  for (lxw_col_t c = 0; c < NFIG && !err; c++)
    err = worksheet_write_string(ws, 0, c, headers[c], head);
  for (size_t k = 0; k < nk && !err; k++) {
    char label[256];
    err = sub_export_xlsx_string(ws, 0, (lxw_col_t)(NFIG + k),
                                 kind_label(r, &kc[k], label, sizeof label), head);
  }
  for (size_t i = 0; i < r->n_periods && !err; i++)
    err = figures_row(ws, (lxw_row_t)(1 + i), r->periods[i], kc, nk);
  return err;
}

lxw_error sub_export_periods_sheets(lxw_workbook *wb, const Huibao__V1__Rollup *r, int alone,
                                    char used[][128], size_t *nused, lxw_format *head)
{
  if (!r->cycle || !*r->cycle)
    return LXW_NO_ERROR;
  const char *cname = r->campaign_name && *r->campaign_name ? r->campaign_name : r->campaign;
  const char *base[2] = {"报送情况", "分期统计"};
  lxw_error err = LXW_NO_ERROR;
  for (int s = 0; s < 2 && !err; s++) {
    char want[256];
    snprintf(want, sizeof want, alone ? "%s" : "%s-%s", base[s], cname);
    sub_export_sheet_name(want, used, *nused, used[*nused], sizeof used[*nused]);
    const char *name = used[(*nused)++];
    err = s == 0 ? sheet_grid(wb, r, name, head) : sheet_figures(wb, r, name, head);
  }
  return err;
}
