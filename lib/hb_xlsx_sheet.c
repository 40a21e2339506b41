/* hb_xlsx_sheet.c: one worksheet streamed row by row (hb_xlsx_sheet_each),
 * each row holding only its non-empty cells, with cell values rendered as
 * Excel shows them (shared strings, numbers, dates by cell format); and the
 * whole-sheet table built on it (hb_xlsx_sheet_read). */
#include "hb_xlsx.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_xlsx_xml.h"

/* ---------------------------------------------------------------- cell values */

/* "B7" -> column 1 (0-based), row 7. Returns 0 or -1. */
static int parse_ref(const char *s, unsigned *col, unsigned *row)
{
  unsigned c = 0;
  int letters = 0;
  for (; (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'); s++) {
    if (++letters > 3)
      return -1;
    c = c * 26 + (unsigned)((*s | 0x20) - 'a' + 1);
  }
  unsigned long r;
  if (!letters || c > 16384 || xlsx_parse_uint(s, HB_XLSX_MAX_ROWS, &r) != 0 || r == 0)
    return -1;
  *col = c - 1;
  *row = (unsigned)r;
  return 0;
}

/* An Excel serial day (1900 or 1904 system) as YYYY-MM-DD; 0, or -1 when
 * it is no day (negative, 1900-02-29 that never was, past 9999). */
static int serial_to_date(double v, int date1904, char *out, size_t len)
{
  double d = floor(v + 1e-7); /* 44713.99999999 is 44714 stored inexactly */
  if (!(d >= 0 && d < 2958466))
    return -1;
  int32_t day;
  if (date1904)
    day = hb_date_from_ymd(1904, 1, 1) + (int32_t)d;
  else if (d >= 61)
    day = hb_date_from_ymd(1899, 12, 30) + (int32_t)d;
  else if (d >= 1 && d < 60)
    day = hb_date_from_ymd(1899, 12, 31) + (int32_t)d; /* before Excel's phantom 1900-02-29 */
  else
    return -1;
  hb_date_format(day, out, len);
  return 0;
}

/* Writes the text a number cell shows. v is the <v> text. */
static void render_number(const char *v, int is_date, int date1904, char *out, size_t len)
{
  char *end;
  double d = strtod(v, &end);
  int numeric = end != v && *end == '\0' && isfinite(d);
  if (numeric && is_date && serial_to_date(d, date1904, out, len) == 0)
    return;
  if (numeric && d == floor(d) && fabs(d) < 1e15) {
    snprintf(out, len, "%.0f", d == 0 ? 0.0 : d);
    return;
  }
  snprintf(out, len, "%s", v);
}

/* ---------------------------------------------------------------- sheet */

typedef struct cell_val {
  unsigned col;
  size_t off; /* of its text in the row buffer */
} cell_val;

typedef struct sheet_ctx {
  xml_base b;
  hb_xlsx *x;
  hb_xlsx_row_fn fn; /* gets each non-empty row */
  void *arg;
  int fn_rc; /* what fn returned when it stopped the parse */
  size_t text_bytes;
  int in_data; /* inside <sheetData> */
  int in_row;
  unsigned row, last_row;
  cell_val *cells; /* non-empty cells of the current row */
  size_t ncells;
  char *rowbuf; /* their texts, NUL-terminated, one after another */
  size_t rowlen, rowcap;
  unsigned *cols; /* what fn gets: HB_XLSX_MAX_COLS each */
  char **texts;
  /* the current cell */
  int in_cell, in_is, rph;
  unsigned col;
  long last_col; /* -1 at row start */
  char type[16];
  unsigned long style;
} sheet_ctx;

__attribute__((format(printf, 3, 4))) static void cell_fail(sheet_ctx *s, int rc, const char *fmt,
                                                            ...)
{
  char ref[16], msg[240];
  hb_xlsx_cell_name(s->col, s->row, ref, sizeof ref);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  xlsx_xml_fail(&s->b, rc, "%s: %s", ref, msg);
}

static void row_begin(sheet_ctx *s, const char **atts)
{
  const char *r = xlsx_attr(atts, "r");
  unsigned long n;
  if (r) {
    if (xlsx_parse_uint(r, HB_XLSX_MAX_ROWS, &n) != 0 || n == 0) {
      xlsx_xml_fail(&s->b, HB_EPARSE, "行号无效 (bad row number '%.20s')", r);
      return;
    }
  } else {
    n = s->last_row + 1ul;
    if (n > HB_XLSX_MAX_ROWS) {
      xlsx_xml_fail(&s->b, HB_ETOOBIG, "行数过多 (more than %d rows)", HB_XLSX_MAX_ROWS);
      return;
    }
  }
  if (n <= s->last_row) {
    xlsx_xml_fail(&s->b, HB_EPARSE, "行 %lu 顺序错乱 (row %lu out of order)", n, n);
    return;
  }
  s->row = (unsigned)n;
  s->in_row = 1;
  s->ncells = 0;
  s->rowlen = 0;
  s->last_col = -1;
}

static void row_end(sheet_ctx *s)
{
  s->in_row = 0;
  s->last_row = s->row;
  size_t n = s->ncells;
  if (!n)
    return;
  for (size_t i = 0; i < n; i++) {
    s->cols[i] = s->cells[i].col;
    s->texts[i] = s->rowbuf + s->cells[i].off;
  }
  hb_xlsx_row r = {s->row, s->cols[n - 1] + 1u, n, s->cols, s->texts};
  int rc = s->fn(s->arg, &r);
  if (rc) {
    s->fn_rc = rc;
    xlsx_xml_fail(&s->b, rc, "%s", "");
  }
}

static void cell_begin(sheet_ctx *s, const char **atts)
{
  const char *r = xlsx_attr(atts, "r");
  unsigned col, row;
  if (r) {
    if (parse_ref(r, &col, &row) != 0) {
      xlsx_xml_fail(&s->b, HB_EPARSE, "单元格引用无效 (bad cell reference '%.20s')", r);
      return;
    }
    if (row != s->row) {
      xlsx_xml_fail(&s->b, HB_EPARSE, "单元格 %.20s 不在第 %u 行 (cell outside its row)", r,
                    s->row);
      return;
    }
  } else {
    col = (unsigned)(s->last_col + 1);
  }
  s->col = col;
  if ((long)col <= s->last_col) {
    cell_fail(s, HB_EPARSE, "单元格重复或顺序错乱 (cell repeated or out of order)");
    return;
  }
  s->last_col = col;
  const char *t = xlsx_attr(atts, "t");
  snprintf(s->type, sizeof s->type, "%s", t ? t : "n");
  unsigned long st = 0;
  if (xlsx_parse_uint(xlsx_attr(atts, "s"), 0xFFFFFFFFul, &st) != 0)
    st = 0;
  s->style = st;
  s->in_cell = 1;
  s->in_is = 0;
  s->rph = 0;
  xlsx_text_reset(&s->b);
}

static void cell_end(sheet_ctx *s)
{
  s->in_cell = 0;
  s->b.collecting = 0;
  const char *v = s->b.text ? s->b.text : "";
  char buf[64];
  const char *out = v;
  if (strcmp(s->type, "s") == 0) {
    unsigned long i;
    if (!*v)
      return;
    if (xlsx_parse_uint(v, 0xFFFFFFFFul, &i) != 0 || i >= s->x->nsst) {
      cell_fail(s, HB_EPARSE, "共享字符串编号无效 (shared string index '%.20s' out of range)", v);
      return;
    }
    out = s->x->sst[i];
  } else if (strcmp(s->type, "b") == 0) {
    out = strcmp(v, "1") == 0 ? "TRUE" : strcmp(v, "0") == 0 ? "FALSE" : v;
  } else if (strcmp(s->type, "d") == 0) {
    /* ISO 8601 date (strict files): keep the date part */
    int32_t day;
    if (strlen(v) >= 10 && (v[10] == '\0' || v[10] == 'T')) {
      snprintf(buf, sizeof buf, "%.10s", v);
      if (hb_date_parse(buf, &day) == 0)
        out = buf;
    }
  } else if (strcmp(s->type, "n") == 0) {
    if (*v) {
      int is_date = s->style < s->x->nxf && s->x->xf_date[s->style];
      render_number(v, is_date, s->x->date1904, buf, sizeof buf);
      out = buf;
    }
  }
  /* inlineStr, str (formula text), e (error): the text as it is */
  size_t n = strlen(out);
  if (!n)
    return;
  if (s->col >= HB_XLSX_MAX_COLS) {
    cell_fail(s, HB_ETOOBIG, "列数过多 (more than %d columns)", HB_XLSX_MAX_COLS);
    return;
  }
  if (n > HB_XLSX_MAX_CELL) {
    cell_fail(s, HB_ETOOBIG, "单元格文字过长 (cell text longer than %u bytes)", HB_XLSX_MAX_CELL);
    return;
  }
  s->text_bytes += n + 1;
  if (s->text_bytes > HB_XLSX_MAX_TEXT) {
    cell_fail(s, HB_ETOOBIG, "工作表过大 (more than %u bytes of text)", HB_XLSX_MAX_TEXT);
    return;
  }
  /* a shared string is not copied: the table points into the workbook's
   * string table (trimming it in place is the same for every cell using it) */
  if (s->rowlen + n + 1 > s->rowcap) {
    size_t cap = s->rowcap ? s->rowcap : 4096;
    while (cap < s->rowlen + n + 1)
      cap *= 2;
    char *nb = realloc(s->rowbuf, cap);
    if (!nb) {
      xlsx_xml_fail(&s->b, HB_ENOMEM, "out of memory");
      return;
    }
    s->rowbuf = nb;
    s->rowcap = cap;
  }
  memcpy(s->rowbuf + s->rowlen, out, n + 1);
  s->cells[s->ncells++] = (cell_val){s->col, s->rowlen};
  s->rowlen += n + 1;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  sheet_ctx *s = ud;
  const char *n = xlsx_local(name);
  if (!s->in_data) {
    if (strcmp(n, "sheetData") == 0)
      s->in_data = 1;
    return;
  }
  if (!s->in_row) {
    if (strcmp(n, "row") == 0)
      row_begin(s, atts);
    return;
  }
  if (!s->in_cell) {
    if (strcmp(n, "c") == 0)
      cell_begin(s, atts);
    return;
  }
  if (strcmp(n, "v") == 0 && !s->in_is) {
    s->b.collecting = 1;
  } else if (strcmp(n, "is") == 0) {
    s->in_is = 1;
  } else if (strcmp(n, "rPh") == 0) {
    s->rph++;
  } else if (strcmp(n, "t") == 0 && s->in_is && !s->rph) {
    s->b.collecting = 1;
  }
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
  sheet_ctx *s = ud;
  const char *n = xlsx_local(name);
  if (s->in_cell) {
    if (strcmp(n, "c") == 0)
      cell_end(s);
    else if (strcmp(n, "v") == 0 || strcmp(n, "t") == 0)
      s->b.collecting = 0;
    else if (strcmp(n, "rPh") == 0 && s->rph)
      s->rph--;
    else if (strcmp(n, "is") == 0)
      s->in_is = 0;
    return;
  }
  if (s->in_row && strcmp(n, "row") == 0)
    row_end(s);
  else if (s->in_data && strcmp(n, "sheetData") == 0)
    s->in_data = 0;
}

int hb_xlsx_sheet_each(hb_xlsx *x, size_t i, hb_xlsx_row_fn fn, void *arg, char *err, size_t errlen)
{
  char dummy[1];
  if (!err || !errlen) {
    err = dummy;
    errlen = sizeof dummy;
  }
  err[0] = '\0';
  if (i >= x->nsheets)
    return HB_ENOTFOUND;
  if (!x->sheets[i].path) {
    snprintf(err, errlen, "不是普通工作表 (not a worksheet)");
    return HB_EPARSE;
  }
  sheet_ctx s;
  memset(&s, 0, sizeof s);
  s.x = x;
  s.fn = fn;
  s.arg = arg;
  s.cells = malloc(HB_XLSX_MAX_COLS * sizeof *s.cells);
  s.cols = malloc(HB_XLSX_MAX_COLS * sizeof *s.cols);
  s.texts = malloc(HB_XLSX_MAX_COLS * sizeof *s.texts);
  int rc = HB_ENOMEM;
  if (!s.cells || !s.cols || !s.texts)
    goto out;
  /* cells beyond HB_XLSX_MAX_COLS fail in cell_end before being stored */
  rc = xlsx_part_parse(x, x->sheets[i].path, &s.b, sheet_start, sheet_end, err, errlen);
  if (s.fn_rc) {
    rc = s.fn_rc;
    err[0] = '\0';
  } else if (rc == HB_ENOTFOUND) {
    snprintf(err, errlen, "工作表文件缺失 (sheet part %s missing)", x->sheets[i].path);
    rc = HB_EPARSE;
  }
out:
  free(s.cells);
  free(s.cols);
  free(s.texts);
  free(s.rowbuf);
  return rc;
}

/* hb_xlsx_sheet_read's row callback: keeps a copy of the row in the table. */
typedef struct table_fill {
  hb_xlsx_table *t;
  size_t cap;
} table_fill;

static int table_keep(void *arg, const hb_xlsx_row *r)
{
  table_fill *f = arg;
  hb_xlsx_table *t = f->t;
  if (t->nrows == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 64;
    hb_xlsx_row *rows = realloc(t->rows, cap * sizeof *rows);
    if (!rows)
      return HB_ENOMEM;
    t->rows = rows;
    f->cap = cap;
  }
  unsigned *cols = xlsx_arena_alloc(&t->arena, r->ncells * sizeof *cols);
  char **texts = xlsx_arena_alloc(&t->arena, r->ncells * sizeof *texts);
  if (!cols || !texts)
    return HB_ENOMEM;
  for (size_t k = 0; k < r->ncells; k++) {
    cols[k] = r->cols[k];
    if (!(texts[k] = xlsx_arena_strdup(&t->arena, r->texts[k], strlen(r->texts[k]))))
      return HB_ENOMEM;
  }
  t->rows[t->nrows++] = (hb_xlsx_row){r->line, r->nfields, r->ncells, cols, texts};
  return 0;
}

int hb_xlsx_sheet_read(hb_xlsx *x, size_t i, hb_xlsx_table *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  table_fill f = {out, 0};
  int rc = hb_xlsx_sheet_each(x, i, table_keep, &f, err, errlen);
  if (rc == HB_ENOMEM && err && errlen)
    snprintf(err, errlen, "out of memory");
  return rc;
}

hb_csv_row *hb_xlsx_row_expand(const hb_xlsx_row *r, hb_csv_row *out, char **fields)
{
  static char empty[1];
  for (size_t c = 0; c < r->nfields; c++)
    fields[c] = empty;
  for (size_t k = 0; k < r->ncells; k++)
    fields[r->cols[k]] = r->texts[k];
  *out = (hb_csv_row){r->line, r->nfields, fields};
  return out;
}

void hb_xlsx_table_free(hb_xlsx_table *t)
{
  if (!t)
    return;
  free(t->rows);
  xlsx_arena_free(t->arena);
  memset(t, 0, sizeof *t);
}
