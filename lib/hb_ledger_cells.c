/* hb_ledger_cells.c: the ledger tables' columns and the reading of one
 * row's cells (dates, counts, decimals, vocabulary words), see
 * hb_ledger_cells.h. */
#include "hb_ledger_cells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "hb_xlsx.h"

const hb_ledger_field hb_ledger_fields[F_COUNT] = {
    [F_ID] = {"id", "编号", 1},
    [F_CAMPAIGN] = {"campaign", "专项", 1},
    [F_DATE] = {"date", "日期", 1},
    [F_KIND] = {"kind", "类型", 1},
    [F_LEVEL] = {"level", "层级", 0},
    [F_SESSIONS] = {"sessions", "次数", 0},
    [F_PARTICIPANTS] = {"participants", "参加人次", 0},
    [F_OUTPUTS] = {"outputs", "成果数", 0},
    [F_TITLE] = {"title", "主题", 0},
    [F_IDENTIFIED_ON] = {"identified_on", "查摆日期", 1},
    [F_SCOPE] = {"scope", "范围", 1},
    [F_CATEGORY] = {"category", "类别", 1},
    [F_STATUS] = {"status", "状态", 1},
    [F_MEASURES] = {"measures", "整改措施数", 0},
    [F_DEADLINE] = {"deadline", "整改时限", 0},
    [F_RESOLVED_ON] = {"resolved_on", "销号日期", 0},
    [F_DESCRIPTION] = {"description", "问题描述", 0},
    [F_SUBCATEGORY] = {"subcategory", "子类别", 0},
    [F_OWNER] = {"owner", "责任人", 0},
    [F_MEASURES_TEXT] = {"measures_text", "整改措施", 0},
    [F_SOURCE] = {"source", "来源", 0},
    [F_TERM] = {"term", "整改类型", 0},
    [F_INDICATOR] = {"indicator", "指标", 1},
    [F_VALUE] = {"value", "数量", 1},
    [F_NOTE] = {"note", "说明", 0},
    [F_CASE_TYPE] = {"type", "类型", 1},
    [F_CASE_TITLE] = {"title", "标题", 1},
    [F_SUMMARY] = {"summary", "摘要", 0},
    [F_PERIOD] = {"period", "报送期", 1},
    [F_FILLED_BY] = {"filled_by", "填报人", 0},
    [F_APPROVED_BY] = {"approved_by", "审核人", 0},
    [F_NOTHING_NEW] = {"nothing_new", "无新增", 0},
    [F_REPORT_CAMPAIGN] = {"campaign", "专项", 0},
};

static const int activity_fields[] = {F_ID,       F_CAMPAIGN,     F_DATE,    F_KIND,  F_LEVEL,
                                      F_SESSIONS, F_PARTICIPANTS, F_OUTPUTS, F_TITLE, -1};
/* The columns of issue 12 come after the old ones, so that a template's
 * old columns keep their places. */
static const int problem_fields[] = {F_ID,
                                     F_CAMPAIGN,
                                     F_IDENTIFIED_ON,
                                     F_SCOPE,
                                     F_CATEGORY,
                                     F_STATUS,
                                     F_MEASURES,
                                     F_DEADLINE,
                                     F_RESOLVED_ON,
                                     F_DESCRIPTION,
                                     F_SUBCATEGORY,
                                     F_OWNER,
                                     F_MEASURES_TEXT,
                                     F_SOURCE,
                                     F_TERM,
                                     -1};
static const int indicator_fields[] = {F_ID, F_CAMPAIGN, F_DATE, F_INDICATOR, F_VALUE, F_NOTE, -1};
static const int case_fields[] = {F_ID,         F_CAMPAIGN, F_DATE, F_CASE_TYPE,
                                  F_CASE_TITLE, F_SUMMARY,  -1};
/* 报送 (issue 13): no id column (the period is the key); 专项 optional. */
static const int report_fields[] = {
    F_PERIOD, F_FILLED_BY, F_APPROVED_BY, F_NOTHING_NEW, F_NOTE, F_REPORT_CAMPAIGN, -1};

const int *hb_ledger_table_fields(int table)
{
  switch (table) {
  case HB_TABLE_ACTIVITIES: return activity_fields;
  case HB_TABLE_PROBLEMS: return problem_fields;
  case HB_TABLE_INDICATORS: return indicator_fields;
  case HB_TABLE_CASES: return case_fields;
  case HB_TABLE_REPORTS: return report_fields;
  default: return NULL;
  }
}

/* The column of the current table that a violation's field names, or -1. */
static int field_of(const hb_ledger_ctx *t, const char *proto_field)
{
  if (strcmp(proto_field, "kind_code") == 0)
    proto_field = "kind"; /* a declared kind is written in the 类型 column */
  const int *list = hb_ledger_table_fields(t->table);
  for (size_t i = 0; list && list[i] >= 0; i++)
    if (strcmp(hb_ledger_fields[list[i]].field, proto_field) == 0)
      return list[i];
  return -1;
}

void hb_ledger_verror(hb_ledger_ctx *t, unsigned line, int col, int field, const char *fmt,
                      va_list ap)
{
  char msg[512];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  const char *column = NULL;
  if (field >= 0)
    column = t->hdr[field] ? t->hdr[field] : hb_ledger_fields[field].zh;
  const char *file = t->name;
  char where[512];
  if (t->sheet) {
    char ref[16];
    if (col < 0 && field >= 0)
      col = t->col[field];
    hb_xlsx_cell_name(col < 0 ? 0u : (unsigned)col, line, ref, sizeof ref);
    snprintf(where, sizeof where, "%s:%s!%s", t->name, t->sheet, ref);
    file = where;
    line = 0;
  }
  if (hb_diags_add(t->diags, file, line, column, "%s", msg) != 0)
    t->nomem = 1;
  t->errors++;
}

void hb_ledger_error(hb_ledger_ctx *t, unsigned line, int field, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  hb_ledger_verror(t, line, -1, field, fmt, ap);
  va_end(ap);
}

void hb_ledger_error_at(hb_ledger_ctx *t, unsigned line, int col, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  hb_ledger_verror(t, line, col, -1, fmt, ap);
  va_end(ap);
}

void hb_ledger_report(hb_ledger_ctx *t, unsigned line, const char *field, const char *reason)
{
  hb_ledger_error(t, line, field_of(t, field), "%s", reason);
}

const char *hb_ledger_cell(const hb_csv_row *row, const hb_ledger_ctx *t, int f)
{
  int c = t->col[f];
  if (c < 0 || (size_t)c >= row->nfields)
    return "";
  return row->fields[c];
}

static void excerpt(const char *s, char *buf, size_t len)
{
  hb_text_excerpt(s, 80, buf, len);
}

/* ---------------------------------------------------------------- numbers */

/* The digit at *p (ASCII or full-width U+FF10..U+FF19) and its length in
 * bytes, or 0. */
static int digit_at(const unsigned char *p, int *d)
{
  if (*p >= '0' && *p <= '9') {
    *d = *p - '0';
    return 1;
  }
  if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
    *d = p[2] - 0x90;
    return 3;
  }
  return 0;
}

/* The length of a minus sign at p ("-" or U+FF0D), or 0. */
static int minus_at(const unsigned char *p)
{
  if (*p == '-')
    return 1;
  return p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8D ? 3 : 0;
}

/* Reads digits with optional "," thousands separators in groups of three
 * (the first group 1..3 digits). Each digit goes to put(arg, d). Returns the
 * bytes read, 0 when there is no digit, -1 when the separators are wrong. */
static int read_digits(const unsigned char *p, void (*put)(void *, int), void *arg)
{
  const unsigned char *s = p;
  int digits = 0, group = 0, commas = 0;
  for (;;) {
    int d, n = digit_at(p, &d);
    if (n) {
      put(arg, d);
      p += n;
      digits++;
      group++;
    } else if (*p == ',' && digits > 0) {
      if ((commas == 0 && group > 3) || (commas > 0 && group != 3))
        return -1;
      commas++;
      group = 0;
      p++;
    } else {
      break;
    }
  }
  if (!digits)
    return 0;
  if (commas && group != 3)
    return -1;
  return (int)(p - s);
}

typedef struct count_acc {
  uint64_t v;
  int big;
} count_acc;

static void count_put(void *arg, int d)
{
  count_acc *a = arg;
  if (a->v > (UINT64_MAX - 9) / 10)
    a->big = 1;
  else
    a->v = a->v * 10 + (uint64_t)d;
}

enum { COUNT_OK, COUNT_NEGATIVE, COUNT_NOT_NUMBER, COUNT_TOO_BIG };

/* Parses a count: ASCII or full-width digits, optional "," thousands
 * separators in groups of three; s is already trimmed and non-empty. */
static int parse_count(const char *s, uint64_t *out)
{
  const unsigned char *p = (const unsigned char *)s;
  int m = minus_at(p);
  if (m) {
    int d;
    return digit_at(p + m, &d) ? COUNT_NEGATIVE : COUNT_NOT_NUMBER;
  }
  count_acc a = {0, 0};
  int n = read_digits(p, count_put, &a);
  if (n <= 0 || p[n] != '\0')
    return COUNT_NOT_NUMBER;
  if (a.big || a.v > UINT32_MAX)
    return COUNT_TOO_BIG;
  *out = a.v;
  return COUNT_OK;
}

/* The significant digits of a decimal: leading zeros dropped, at most 40
 * kept (more is out of range anyway); n counts every digit put. */
typedef struct dec_acc {
  char d[40];
  size_t kept;
  int over; /* a nonzero digit did not fit */
  long n;
} dec_acc;

static void dec_put(void *arg, int d)
{
  dec_acc *a = arg;
  a->n++;
  if (a->kept == 0 && d == 0)
    return;
  if (a->kept < sizeof a->d)
    a->d[a->kept++] = (char)d;
  else
    a->over = 1;
}

int hb_ledger_decimal_parse(const char *s, int64_t *out)
{
  const unsigned char *p = (const unsigned char *)s;
  int neg = 0, m = minus_at(p);
  if (m) {
    neg = 1;
    p += m;
  } else if (*p == '+') {
    p++;
  }
  dec_acc a;
  memset(&a, 0, sizeof a);
  int n = read_digits(p, dec_put, &a);
  if (n <= 0)
    return HB_DECIMAL_NOT_NUMBER;
  p += n;
  long frac = 0; /* digits after the point */
  if (*p == '.' || (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8E)) {
    p += *p == '.' ? 1 : 3;
    for (int d, k; (k = digit_at(p, &d)) != 0; p += k) {
      dec_put(&a, d);
      frac++;
    }
  }
  long exp = 0;
  if (*p == 'e' || *p == 'E') {
    p++;
    int eneg = *p == '-';
    if (*p == '-' || *p == '+')
      p++;
    if (*p < '0' || *p > '9')
      return HB_DECIMAL_NOT_NUMBER;
    for (; *p >= '0' && *p <= '9'; p++)
      if ((exp = exp * 10 + (*p - '0')) > 100)
        return eneg ? HB_DECIMAL_PLACES : HB_DECIMAL_TOO_BIG;
    if (eneg)
      exp = -exp;
  }
  if (*p != '\0')
    return HB_DECIMAL_NOT_NUMBER;
  /* value = D * 10^(exp - frac), D the significant digits; in
   * ten-thousandths D * 10^scale. Zeros at the end of D may absorb a
   * negative scale ("1.250000"); any other digit past the fourth place
   * makes the value inexact. */
  long scale = 4 + exp - frac; /* power of ten applied to the kept digits */
  size_t k = a.kept;
  while (k > 0 && scale < 0 && a.d[k - 1] == 0) {
    k--;
    scale++;
  }
  if (a.over)
    return HB_DECIMAL_TOO_BIG;
  if (k > 0 && scale < 0)
    return HB_DECIMAL_PLACES;
  int64_t v = 0;
  for (size_t i = 0; i < k; i++) {
    if (v > HB_INDICATOR_VALUE_MAX)
      return HB_DECIMAL_TOO_BIG;
    v = v * 10 + a.d[i];
  }
  for (long i = 0; k > 0 && i < scale; i++) {
    if (v > HB_INDICATOR_VALUE_MAX)
      return HB_DECIMAL_TOO_BIG;
    v *= 10;
  }
  if (v > HB_INDICATOR_VALUE_MAX)
    return HB_DECIMAL_TOO_BIG;
  *out = neg ? -v : v;
  return HB_DECIMAL_OK;
}

/* ---------------------------------------------------------------- cells */

int hb_ledger_cell_date(hb_ledger_ctx *t, const hb_csv_row *row, int f, protobuf_c_boolean *has,
                        int32_t *day)
{
  const char *s = hb_ledger_cell(row, t, f);
  *has = 0;
  if (!*s)
    return 0;
  if (hb_date_parse(s, day) != 0) {
    char ex[128];
    excerpt(s, ex, sizeof(ex));
    hb_ledger_error(t, row->line, f, "不是有效日期 (not a date): %s", ex);
    return 1;
  }
  *has = 1;
  return 0;
}

int hb_ledger_cell_count(hb_ledger_ctx *t, const hb_csv_row *row, int f, uint32_t dflt,
                         uint32_t max, protobuf_c_boolean *has, uint32_t *val)
{
  const char *s = hb_ledger_cell(row, t, f);
  *has = 1;
  if (!*s) {
    *val = dflt;
    return 0;
  }
  uint64_t v = 0;
  char ex[128];
  excerpt(s, ex, sizeof(ex));
  const hb_ledger_field *sp = &hb_ledger_fields[f];
  switch (parse_count(s, &v)) {
  case COUNT_OK: *val = (uint32_t)v; return 0;
  case COUNT_NEGATIVE:
    hb_ledger_error(t, row->line, f, "不能为负数 (must not be negative): %s", ex);
    return 1;
  case COUNT_TOO_BIG:
    hb_ledger_error(t, row->line, f, "%s超出范围 (%s out of range %u..%u): %s", sp->zh, sp->field,
                    f == F_SESSIONS ? 1u : 0u, max, ex);
    return 1;
  default: hb_ledger_error(t, row->line, f, "不是整数 (not a whole number): %s", ex); return 1;
  }
}

int hb_ledger_cell_decimal(hb_ledger_ctx *t, const hb_csv_row *row, int f, protobuf_c_boolean *has,
                           int64_t *val)
{
  const char *s = hb_ledger_cell(row, t, f);
  *has = 0;
  if (!*s)
    return 0;
  char ex[128];
  excerpt(s, ex, sizeof(ex));
  const hb_ledger_field *sp = &hb_ledger_fields[f];
  switch (hb_ledger_decimal_parse(s, val)) {
  case HB_DECIMAL_OK: *has = 1; return 0;
  case HB_DECIMAL_PLACES:
    hb_ledger_error(t, row->line, f, "小数位数过多，最多 %d 位 (more than %d decimal places): %s",
                    HB_INDICATOR_PLACES_MAX, HB_INDICATOR_PLACES_MAX, ex);
    return 1;
  case HB_DECIMAL_TOO_BIG:
    hb_ledger_error(t, row->line, f, "%s超出范围 (%s out of range -%lld..%lld): %s", sp->zh,
                    sp->field, HB_INDICATOR_VALUE_MAX / HB_INDICATOR_SCALE,
                    HB_INDICATOR_VALUE_MAX / HB_INDICATOR_SCALE, ex);
    return 1;
  default: hb_ledger_error(t, row->line, f, "不是数字 (not a number): %s", ex); return 1;
  }
}

int hb_ledger_cell_word(hb_ledger_ctx *t, const hb_csv_row *row, int f, int (*lookup)(const char *),
                        int dflt, const char *allowed, protobuf_c_boolean *has, int *val)
{
  const char *s = hb_ledger_cell(row, t, f);
  *has = 0;
  *val = 0;
  if (!*s) {
    if (dflt) {
      *has = 1;
      *val = dflt;
    }
    return 0;
  }
  int v = lookup(s);
  if (!v) {
    char ex[128];
    excerpt(s, ex, sizeof(ex));
    const hb_ledger_field *sp = &hb_ledger_fields[f];
    hb_ledger_error(t, row->line, f, "未知%s (unknown %s): %s; 可选 (allowed): %s", sp->zh,
                    sp->field, ex, allowed);
    return 1;
  }
  *has = 1;
  *val = v;
  return 0;
}

/* ---------------------------------------------------------------- storage */

char *hb_ledger_place(char **p, const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = *p;
  memcpy(d, s, n);
  *p += n;
  return d;
}

int hb_ledger_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return 0;
  size_t ncap = *cap ? *cap * 2 : 256;
  while (ncap < need)
    ncap *= 2;
  void *a = realloc(*arr, ncap * elem);
  if (!a)
    return HB_ENOMEM;
  *arr = a;
  *cap = ncap;
  return 0;
}

void hb_ledger_add_invalid(hb_ledger_ctx *t, const char *id)
{
  static const char prefix[HB_TABLE_COUNT] = {'A', 'P', 'I', 'C', 'R'};
  hb_ledger *l = t->out;
  if (hb_ledger_grow((void **)&l->invalid_ids, &t->cap_inv, l->ninvalid + 1, sizeof(char *))) {
    t->nomem = 1;
    return;
  }
  size_t n = strlen(id);
  char *s = malloc(n + 3);
  if (!s) {
    t->nomem = 1;
    return;
  }
  s[0] = prefix[t->table];
  s[1] = ':';
  memcpy(s + 2, id, n + 1);
  l->invalid_ids[l->ninvalid++] = s;
}
