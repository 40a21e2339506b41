/* hb_ledger.c: a ledger's tables (activities.csv, problems.csv,
 * indicators.csv, cases.csv, reports.csv, or a workbook's sheets) -> records.
 *
 * Per table: the header row is mapped (hb_header; columns the table does not
 * know are named in a note); per row: cells are trimmed; a blank row is
 * skipped; the id is checked for form and uniqueness in the table; the rest
 * of the row becomes its record in hb_ledger_rows.c. */
#include "hb_ledger.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hb_csv.h"
#include "hb_err.h"
#include "hb_header.h"
#include "hb_ledger_cells.h"
#include "hb_text.h"
#include "hb_units.h"
#include "hb_validate.h"
#include "hb_xlsx.h"

int hb_ledger_column(int table, size_t i, const char **zh, const char **en)
{
  const int *list = hb_ledger_table_fields(table);
  if (!list)
    return -1;
  for (size_t k = 0; k <= i; k++)
    if (list[k] < 0)
      return -1;
  *zh = hb_ledger_fields[list[i]].zh;
  *en = hb_ledger_fields[list[i]].field;
  return 0;
}

typedef struct id_slot {
  char *id;
  unsigned line;
} id_slot;

typedef struct id_set {
  id_slot *slots;
  size_t cap, count;
} id_set;

static uint64_t hash_str(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void id_set_free(id_set *s)
{
  for (size_t i = 0; i < s->cap; i++)
    free(s->slots[i].id);
  free(s->slots);
}

/* Returns the line of an earlier row with this id (0 if none) and records
 * it; *nomem is set when the set could not grow. */
static unsigned id_set_put(id_set *s, const char *id, unsigned line, int *nomem)
{
  if ((s->count + 1) * 2 > s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    id_slot *slots = calloc(cap, sizeof(*slots));
    if (!slots) {
      *nomem = 1;
      return 0;
    }
    for (size_t i = 0; i < s->cap; i++) {
      if (!s->slots[i].id)
        continue;
      size_t j = hash_str(s->slots[i].id) & (cap - 1);
      while (slots[j].id)
        j = (j + 1) & (cap - 1);
      slots[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
  }
  size_t j = hash_str(id) & (s->cap - 1);
  while (s->slots[j].id) {
    if (strcmp(s->slots[j].id, id) == 0)
      return s->slots[j].line;
    j = (j + 1) & (s->cap - 1);
  }
  s->slots[j].id = strdup(id);
  if (!s->slots[j].id) {
    *nomem = 1;
    return 0;
  }
  s->slots[j].line = line;
  s->count++;
  return 0;
}

/* ---------------------------------------------------------------- table */

typedef struct table_ctx {
  hb_ledger_ctx c;
  id_set ids;
} table_ctx;

/* The flag, rows, lines and sheet of a table in the ledger. */
static int *table_incomplete(hb_ledger *l, int table)
{
  switch (table) {
  case HB_TABLE_PROBLEMS: return &l->problems_incomplete;
  case HB_TABLE_INDICATORS: return &l->indicators_incomplete;
  case HB_TABLE_CASES: return &l->cases_incomplete;
  case HB_TABLE_REPORTS: return &l->reports_incomplete;
  default: return &l->activities_incomplete;
  }
}

static size_t table_count(const hb_ledger *l, int table)
{
  switch (table) {
  case HB_TABLE_PROBLEMS: return l->nproblems;
  case HB_TABLE_INDICATORS: return l->nindicators;
  case HB_TABLE_CASES: return l->ncases;
  case HB_TABLE_REPORTS: return l->nreports;
  default: return l->nactivities;
  }
}

/* Header texts a clerk commonly adds that are not worth a note: the row
 * number and a remark (docs/ledger-format.md 三、表头). */
static int column_known_extra(const char *h)
{
  static const char *const extra[] = {"序号", "备注", "remark", "remarks"};
  for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
    if (strcasecmp(h, extra[i]) == 0)
      return 1;
  return 0;
}

/* Names the header's columns that the table does not read in one note (a
 * misspelt "责任人员" must not be ignored silently; the rows still load). */
static void note_unknown_columns(hb_ledger_ctx *t, const hb_csv_row *row, const hb_header *h,
                                 size_t n)
{
  char list[512] = "";
  size_t len = 0;
  int first = -1;
  for (size_t f = 0; f < row->nfields; f++) {
    const char *s = hb_text_trim(row->fields[f]);
    int used = 0;
    for (size_t i = 0; i < n && !used; i++)
      used = h->col[i] == (int)f;
    if (used || !*s || column_known_extra(s))
      continue;
    char ex[100];
    hb_text_excerpt(s, 40, ex, sizeof ex);
    if (len < sizeof list) {
      int w = snprintf(list + len, sizeof list - len, "%s%s", first >= 0 ? ", " : "", ex);
      len += w > 0 ? (size_t)w : 0;
    }
    if (first < 0)
      first = (int)f;
  }
  if (first < 0)
    return;
  const char *file = t->name;
  unsigned line = row->line;
  char where[512];
  if (t->sheet) {
    char ref[16];
    hb_xlsx_cell_name((unsigned)first, line, ref, sizeof ref);
    snprintf(where, sizeof where, "%s:%s!%s", t->name, t->sheet, ref);
    file = where;
    line = 0;
  }
  if (hb_diags_note(t->diags, file, line, NULL,
                    "未知的列，程序不读 (unknown columns, not read): %s", list) != 0)
    t->nomem = 1;
}

/* Reads the header row. Returns 0, or 1 when the table cannot be read
 * (diagnostic added). */
static int read_header(hb_ledger_ctx *t, const hb_csv_row *row)
{
  const int *list = hb_ledger_table_fields(t->table);
  hb_header_col cols[F_COUNT];
  char labels[F_COUNT][64];
  size_t n = 0;
  for (; list[n] >= 0; n++) {
    const hb_ledger_field *sp = &hb_ledger_fields[list[n]];
    snprintf(labels[n], sizeof labels[n], "%s/%s", sp->zh, sp->field);
    cols[n] = (hb_header_col){{sp->field, sp->zh}, labels[n], sp->required};
  }
  hb_header h;
  char msg[512];
  int at;
  int rc = hb_header_map(cols, n, row, 0, &h, msg, sizeof msg, &at);
  for (int f = 0; f < F_COUNT; f++)
    t->col[f] = -1;
  t->ncols = h.nfields;
  for (size_t i = 0; i < n; i++) {
    t->col[list[i]] = h.col[i];
    t->hdr[list[i]] = h.text[i]; /* now the table's */
    h.text[i] = NULL;
  }
  if (rc == HB_ENOMEM)
    t->nomem = 1;
  else if (rc)
    hb_ledger_error_at(t, row->line, at, "%s", msg);
  else
    note_unknown_columns(t, row, &h, n);
  return rc ? 1 : 0;
}

/* The id cell: returns it when readable (non-empty, <= HB_ID_MAX bytes, no
 * control characters), else reports why and returns NULL. */
static const char *row_id(hb_ledger_ctx *t, const hb_csv_row *row)
{
  const char *id = hb_ledger_cell(row, t, F_ID);
  if (!*id) {
    hb_ledger_error(t, row->line, F_ID, "缺少编号 (id is missing)");
    return NULL;
  }
  if (strlen(id) > HB_ID_MAX) {
    hb_ledger_error(t, row->line, F_ID, "编号过长 (id longer than %d bytes)", HB_ID_MAX);
    return NULL;
  }
  for (const unsigned char *p = (const unsigned char *)id; *p; p++)
    if (*p < 0x20 || *p == 0x7F) {
      hb_ledger_error(t, row->line, F_ID, "编号含控制字符 (id contains control characters)");
      return NULL;
    }
  return id;
}

static void table_row(table_ctx *tc, const hb_csv_row *row)
{
  hb_ledger_ctx *t = &tc->c;
  int blank = 1;
  for (size_t i = 0; i < row->nfields; i++) {
    char *s = hb_text_trim(row->fields[i]);
    if (s != row->fields[i])
      row->fields[i] = s;
    if (*s)
      blank = 0;
  }
  if (blank)
    return;
  t->out->rows_read++;
  char rid[HB_ID_MAX + 1];
  int report = t->table == HB_TABLE_REPORTS;
  const char *id = report ? hb_ledger_report_row_id(t, row, rid, sizeof rid) : row_id(t, row);
  if (report && !id)
    *table_incomplete(t->out, t->table) = 1; /* its id unknown: it must not look deleted */
  int bad = 0;
  if (row->nfields > t->ncols) {
    size_t extra = t->ncols; /* the first cell past the header that holds something */
    while (extra + 1 < row->nfields && !row->fields[extra][0])
      extra++;
    hb_ledger_error_at(t, row->line, (int)extra,
                       "字段数多于表头 (more fields than the header: %zu > %zu)", row->nfields,
                       t->ncols);
    bad = 1;
  }
  if (id) {
    int nomem = 0;
    unsigned first = id_set_put(&tc->ids, id, row->line, &nomem);
    if (nomem) {
      t->nomem = 1;
      return;
    }
    if (first) {
      char ex[128];
      hb_text_excerpt(id, 80, ex, sizeof(ex));
      if (report)
        hb_ledger_error(t, row->line, F_PERIOD,
                        "报送 %s 与第 %u 行重复 (duplicate 报送 row %s, first on line %u)", ex,
                        first, ex, first);
      else
        hb_ledger_error(t, row->line, F_ID,
                        "编号 %s 与第 %u 行重复 (duplicate id, first on line %u)", ex, first,
                        first);
      bad = 1;
    }
  } else {
    bad = 1;
  }
  switch (t->table) {
  case HB_TABLE_PROBLEMS: hb_ledger_row_problem(t, row, id, bad); break;
  case HB_TABLE_INDICATORS: hb_ledger_row_indicator(t, row, id, bad); break;
  case HB_TABLE_CASES: hb_ledger_row_case(t, row, id, bad); break;
  case HB_TABLE_REPORTS: hb_ledger_row_report(t, row, id, bad); break;
  default: hb_ledger_row_activity(t, row, id, bad); break;
  }
}

static void table_init(table_ctx *tc, const char *name, const char *sheet, int table,
                       const char *unit, const hb_campaigns *campaigns, int32_t today,
                       hb_ledger *out, hb_diags *diags)
{
  memset(tc, 0, sizeof(*tc));
  hb_ledger_ctx *t = &tc->c;
  t->name = name;
  t->sheet = sheet;
  t->table = table;
  t->unit = unit;
  t->campaigns = campaigns;
  t->today = today;
  t->out = out;
  t->diags = diags;
  /* The capacities of the arrays already in out (appending calls). */
  t->cap_rows = t->cap_lines = table_count(out, table);
  t->cap_inv = out->ninvalid;
}

static int table_finish(table_ctx *tc)
{
  id_set_free(&tc->ids);
  for (int f = 0; f < F_COUNT; f++)
    free(tc->c.hdr[f]);
  if (tc->c.nomem)
    return HB_ENOMEM;
  return tc->c.errors ? HB_EINVAL : 0;
}

/* Checks the arguments every table parser takes: a known table (else
 * HB_EINVAL, nothing reported: a programming error) and a valid unit code
 * (else reported, the table incomplete). */
static int table_args(const char *name, int table, const char *unit, hb_ledger *out,
                      hb_diags *diags)
{
  if (!hb_ledger_table_fields(table))
    return HB_EINVAL;
  if (!hb_unit_code_valid(unit)) {
    char ex[100];
    hb_text_excerpt(unit, 64, ex, sizeof(ex));
    hb_diags_add(diags, name, 0, NULL, "单位编码无效 (invalid unit code): %s", ex);
    *table_incomplete(out, table) = 1;
    return HB_EINVAL;
  }
  return 0;
}

int hb_ledger_parse(const char *name, const char *bytes, size_t len, int table, const char *unit,
                    const hb_campaigns *campaigns, int32_t today, hb_ledger *out, hb_diags *diags)
{
  int rc = table_args(name, table, unit, out, diags);
  if (rc)
    return rc;
  int *incomplete = table_incomplete(out, table);
  char err[256];
  char *text;
  size_t tlen;
  rc = hb_text_to_utf8(bytes, len, &text, &tlen, NULL, err, sizeof(err));
  if (rc == HB_ENOMEM)
    return rc;
  if (rc) {
    hb_diags_add_lined(diags, name, err);
    *incomplete = 1;
    return HB_EINVAL;
  }
  table_ctx t;
  table_init(&t, name, NULL, table, unit, campaigns, today, out, diags);
  hb_csv *csv;
  rc = hb_csv_open(&csv, text, tlen);
  if (rc) {
    free(text);
    return rc;
  }
  const hb_csv_row *row;
  int have_header = 0, r;
  while (!t.c.nomem && (r = hb_csv_next(csv, &row, err, sizeof(err))) != 0) {
    if (r == HB_ENOMEM) {
      t.c.nomem = 1;
      break;
    }
    if (r < 0) {
      hb_diags_add_lined(diags, name, err);
      t.c.errors++;
      *incomplete = 1;
      if (!have_header)
        break;
      continue;
    }
    if (!have_header) {
      have_header = 1;
      if (read_header(&t.c, row)) {
        *incomplete = 1;
        break;
      }
      continue;
    }
    table_row(&t, row);
  }
  hb_csv_close(csv);
  free(text);
  return table_finish(&t);
}

struct hb_ledger_table {
  table_ctx t;
  size_t rows;     /* rows offered so far; the first is the header */
  int stopped;     /* the header or a row's text made the rest unreadable */
  int *incomplete; /* the out flag of this table */
};

int hb_ledger_table_begin(const char *name, const char *sheet, int table, const char *unit,
                          const hb_campaigns *campaigns, int32_t today, hb_ledger *out,
                          hb_diags *diags, hb_ledger_table **tp)
{
  *tp = NULL;
  int rc = table_args(name, table, unit, out, diags);
  if (rc)
    return rc;
  hb_ledger_table *tb = calloc(1, sizeof *tb);
  if (!tb)
    return HB_ENOMEM;
  table_init(&tb->t, name, sheet, table, unit, campaigns, today, out, diags);
  tb->incomplete = table_incomplete(out, table);
  *tp = tb;
  return 0;
}

int hb_ledger_table_row(hb_ledger_table *tb, const hb_csv_row *row)
{
  hb_ledger_ctx *t = &tb->t.c;
  if (tb->stopped || t->nomem)
    return t->nomem ? HB_ENOMEM : 1;
  for (size_t j = 0; j < row->nfields; j++)
    if (!hb_utf8_valid(row->fields[j], strlen(row->fields[j]))) {
      hb_ledger_error_at(t, row->line, (int)j, "不是有效的 UTF-8 文字 (not valid UTF-8 text)");
      *tb->incomplete = 1;
      tb->stopped = 1;
      return 1;
    }
  if (tb->rows++ == 0) {
    if (read_header(t, row)) {
      *tb->incomplete = 1;
      tb->stopped = 1;
      return 1;
    }
    return 0;
  }
  table_row(&tb->t, row);
  return t->nomem ? HB_ENOMEM : 0;
}

int hb_ledger_table_end(hb_ledger_table *tb)
{
  if (!tb)
    return 0;
  int rc = table_finish(&tb->t);
  free(tb);
  return rc;
}

int hb_ledger_parse_rows(const char *name, const char *sheet, hb_csv_row *rows, size_t nrows,
                         int table, const char *unit, const hb_campaigns *campaigns, int32_t today,
                         hb_ledger *out, hb_diags *diags)
{
  hb_ledger_table *tb;
  int rc = hb_ledger_table_begin(name, sheet, table, unit, campaigns, today, out, diags, &tb);
  if (rc)
    return rc;
  for (size_t i = 0; i < nrows && hb_ledger_table_row(tb, &rows[i]) == 0; i++)
    ;
  return hb_ledger_table_end(tb);
}

/* ---------------------------------------------------------------- folder */

/* Reads dir/file as table i. Returns 0, HB_ENOTFOUND (absent: noted),
 * hb_file_read's error with *unreadable set (reported), or what
 * hb_ledger_parse returns. */
static int load_file(const char *dir, const char *file, int table, const char *unit,
                     const hb_campaigns *campaigns, int32_t today, hb_ledger *out, hb_diags *diags,
                     int *unreadable)
{
  *unreadable = 0;
  size_t dl = strlen(dir);
  char *path = malloc(dl + strlen(file) + 2);
  if (!path)
    return HB_ENOMEM;
  sprintf(path, "%s/%s", dir, file);
  char *raw;
  size_t len;
  char err[512];
  int rc = hb_file_read(path, HB_LEDGER_MAX_FILE, &raw, &len, err, sizeof(err));
  free(path);
  if (rc == HB_ENOTFOUND) {
    /* Absent is not "emptied": a moved or renamed file must not delete
     * what was reported before. To delete every row, keep the header row.
     * reports.csv is optional (a ledger of before issue 13 has none): not
     * worth a note on every sync. */
    if (table != HB_TABLE_REPORTS)
      hb_diags_note(diags, file, 0, NULL,
                    "文件不存在，本次不报送该表 (file not found: this table is not sent)");
    *table_incomplete(out, table) = 1;
    return rc;
  }
  if (rc) {
    hb_diags_add(diags, file, 0, NULL, "无法读取 (cannot read): %s", err);
    *table_incomplete(out, table) = 1;
    *unreadable = 1;
    return rc;
  }
  rc = hb_ledger_parse(file, raw, len, table, unit, campaigns, today, out, diags);
  free(raw);
  return rc;
}

int hb_ledger_load(const char *dir, const char *unit, const hb_campaigns *campaigns, int32_t today,
                   hb_ledger *out, hb_diags *diags)
{
  memset(out, 0, sizeof(*out));
  if (hb_ledger_is_xlsx(dir))
    return hb_ledger_load_xlsx(dir, unit, campaigns, today, out, diags);
  struct stat st;
  int st_rc = stat(dir, &st);
  if (st_rc != 0 || !S_ISDIR(st.st_mode)) {
    hb_diags_add(diags, dir, 0, NULL, "台账文件夹无法打开 (cannot open ledger folder): %s",
                 st_rc != 0 ? strerror(errno) : "not a folder");
    return HB_ENOTFOUND;
  }
  static const char *const files[HB_TABLE_COUNT] = {HB_LEDGER_ACTIVITIES, HB_LEDGER_PROBLEMS,
                                                    HB_LEDGER_INDICATORS, HB_LEDGER_CASES,
                                                    HB_LEDGER_REPORTS};
  int result = 0, missing = 0;
  for (int i = 0; i < HB_TABLE_COUNT; i++) {
    int unreadable;
    int rc = load_file(dir, files[i], i, unit, campaigns, today, out, diags, &unreadable);
    if (rc == HB_ENOMEM)
      return rc;
    if (rc == HB_ENOTFOUND && !unreadable)
      missing++;
    else if (unreadable && (!result || result == HB_EINVAL))
      result = rc; /* the file's own error wins over bad rows */
    else if (rc && !result)
      result = rc;
  }
  if (missing == HB_TABLE_COUNT) {
    hb_diags_add(diags, dir, 0, NULL,
                 "台账文件夹中没有 activities.csv、problems.csv、indicators.csv、cases.csv、"
                 "reports.csv (no ledger files in folder)");
    return HB_ENOTFOUND;
  }
  return result;
}

void hb_ledger_free(hb_ledger *l)
{
  if (!l)
    return;
  for (size_t i = 0; i < l->nactivities; i++)
    free(l->activities[i]);
  for (size_t i = 0; i < l->nproblems; i++)
    free(l->problems[i]);
  for (size_t i = 0; i < l->nindicators; i++)
    free(l->indicators[i]);
  for (size_t i = 0; i < l->ncases; i++)
    free(l->cases[i]);
  for (size_t i = 0; i < l->nreports; i++)
    free(l->reports[i]);
  for (size_t i = 0; i < l->ninvalid; i++)
    free(l->invalid_ids[i]);
  free(l->activities);
  free(l->problems);
  free(l->indicators);
  free(l->cases);
  free(l->reports);
  free(l->report_lines);
  free(l->report_sheet);
  free(l->invalid_ids);
  free(l->activity_lines);
  free(l->problem_lines);
  free(l->indicator_lines);
  free(l->case_lines);
  free(l->activity_sheet);
  free(l->problem_sheet);
  free(l->indicator_sheet);
  free(l->case_sheet);
  memset(l, 0, sizeof(*l));
}
