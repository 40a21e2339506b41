/* hb_ledger.c: activities.csv / problems.csv rows -> Activity / Problem.
 *
 * Per row: cells are trimmed; a blank row is skipped; each cell is parsed
 * (dates, counts, vocabulary words) and every unreadable cell is reported;
 * a row whose cells all parse goes through hb_validate, whose first
 * violation is reported under the column the clerk wrote. A valid row is
 * copied into ONE malloc block (message + its strings), so hb_ledger_free
 * frees each message with a single free(). */
#include "hb_ledger.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hb_csv.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_header.h"
#include "hb_text.h"
#include "hb_units.h"
#include "hb_validate.h"
#include "hb_vocab.h"
#include "hb_xlsx.h"

enum {
  F_ID,
  F_CAMPAIGN,
  F_DATE,
  F_KIND,
  F_LEVEL,
  F_SESSIONS,
  F_PARTICIPANTS,
  F_OUTPUTS,
  F_TITLE,
  F_IDENTIFIED_ON,
  F_SCOPE,
  F_CATEGORY,
  F_STATUS,
  F_MEASURES,
  F_DEADLINE,
  F_RESOLVED_ON,
  F_DESCRIPTION,
  F_COUNT
};

typedef struct field_spec {
  const char *field; /* proto field name, as hb_validate names it */
  const char *zh;
  int required; /* the header must have this column */
} field_spec;

static const field_spec specs[F_COUNT] = {
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
};

static const int activity_fields[] = {F_ID,       F_CAMPAIGN,     F_DATE,    F_KIND,  F_LEVEL,
                                      F_SESSIONS, F_PARTICIPANTS, F_OUTPUTS, F_TITLE, -1};
static const int problem_fields[] = {
    F_ID,       F_CAMPAIGN, F_IDENTIFIED_ON, F_SCOPE,       F_CATEGORY, F_STATUS,
    F_MEASURES, F_DEADLINE, F_RESOLVED_ON,   F_DESCRIPTION, -1};

int hb_ledger_column(int is_problems, size_t i, const char **zh, const char **en)
{
  const int *list = is_problems ? problem_fields : activity_fields;
  for (size_t k = 0; k <= i; k++)
    if (list[k] < 0)
      return -1;
  *zh = specs[list[i]].zh;
  *en = specs[list[i]].field;
  return 0;
}

/* ---------------------------------------------------------------- id set */

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

/* ---------------------------------------------------------------- cells */

enum { COUNT_OK, COUNT_NEGATIVE, COUNT_NOT_NUMBER, COUNT_TOO_BIG };

/* Parses a count: ASCII or full-width digits, optional "," thousands
 * separators in groups of three; s is already trimmed and non-empty. */
static int parse_count(const char *s, uint64_t *out)
{
  const unsigned char *p = (const unsigned char *)s;
  if (*p == '-' || (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x8D)) /* - or U+FF0D */ {
    const unsigned char *q = p + (*p == '-' ? 1 : 3);
    if (*q >= '0' && *q <= '9')
      return COUNT_NEGATIVE;
    if (q[0] == 0xEF && q[1] == 0xBC && q[2] >= 0x90 && q[2] <= 0x99)
      return COUNT_NEGATIVE;
    return COUNT_NOT_NUMBER;
  }
  uint64_t v = 0;
  int digits = 0, group = 0, commas = 0, big = 0;
  for (;;) {
    int d = -1;
    if (*p >= '0' && *p <= '9') {
      d = *p - '0';
      p++;
    } else if (p[0] == 0xEF && p[1] == 0xBC && p[2] >= 0x90 && p[2] <= 0x99) {
      d = p[2] - 0x90;
      p += 3;
    } else if (*p == ',' && digits > 0) {
      if ((commas == 0 && group > 3) || (commas > 0 && group != 3))
        return COUNT_NOT_NUMBER;
      commas++;
      group = 0;
      p++;
      continue;
    } else if (*p == '\0') {
      break;
    } else {
      return COUNT_NOT_NUMBER;
    }
    digits++;
    group++;
    if (v > (UINT64_MAX - 9) / 10)
      big = 1;
    else
      v = v * 10 + (uint64_t)d;
  }
  if (!digits || (commas && group != 3))
    return COUNT_NOT_NUMBER;
  if (big || v > UINT32_MAX)
    return COUNT_TOO_BIG;
  *out = v;
  return COUNT_OK;
}

/* ---------------------------------------------------------------- parse */

typedef struct table_ctx {
  const char *name;
  const char *sheet; /* sheet of a workbook (name is the file), NULL for CSV */
  int is_problems;
  const char *unit;
  const hb_campaigns *campaigns;
  int32_t today;
  hb_ledger *out;
  hb_diags *diags;
  int col[F_COUNT];   /* field -> column index, -1 absent */
  char *hdr[F_COUNT]; /* header text as the clerk wrote it */
  size_t ncols;
  id_set ids;
  size_t errors;
  int nomem;
  size_t cap_a, cap_al, cap_p, cap_pl, cap_inv;
} table_ctx;

/* Reports a problem of a row (field -1: of the row or the header). A sheet
 * of a workbook is named "台账.xlsx:问题!E7" (line 0): the cell of column
 * index col, or of the field's column, or column A when it has none. */
__attribute__((format(printf, 5, 0))) static void row_verror(table_ctx *t, unsigned line, int col,
                                                             int field, const char *fmt, va_list ap)
{
  char msg[512];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  const char *column = NULL;
  if (field >= 0)
    column = t->hdr[field] ? t->hdr[field] : specs[field].zh;
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

static void row_error(table_ctx *t, unsigned line, int field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void row_error(table_ctx *t, unsigned line, int field, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  row_verror(t, line, -1, field, fmt, ap);
  va_end(ap);
}

/* As row_error, at the cell of column index col (for workbooks). */
static void row_error_at(table_ctx *t, unsigned line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void row_error_at(table_ctx *t, unsigned line, int col, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  row_verror(t, line, col, -1, fmt, ap);
  va_end(ap);
}

static int field_of(const char *proto_field)
{
  for (int f = 0; f < F_COUNT; f++)
    if (strcmp(specs[f].field, proto_field) == 0)
      return f;
  return -1;
}

/* Reads the header row. Returns 0, or 1 when the table cannot be read
 * (diagnostic added). */
static int read_header(table_ctx *t, const hb_csv_row *row)
{
  const int *list = t->is_problems ? problem_fields : activity_fields;
  hb_header_col cols[F_COUNT];
  char labels[F_COUNT][64];
  size_t n = 0;
  for (; list[n] >= 0; n++) {
    const field_spec *sp = &specs[list[n]];
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
    row_error_at(t, row->line, at, "%s", msg);
  return rc ? 1 : 0;
}

static const char *cell(const hb_csv_row *row, const table_ctx *t, int f)
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

/* Parses a date cell; empty leaves *has 0. Returns 0 or 1 (error added). */
static int cell_date(table_ctx *t, const hb_csv_row *row, int f, protobuf_c_boolean *has,
                     int32_t *day)
{
  const char *s = cell(row, t, f);
  *has = 0;
  if (!*s)
    return 0;
  if (hb_date_parse(s, day) != 0) {
    char ex[128];
    excerpt(s, ex, sizeof(ex));
    row_error(t, row->line, f, "不是有效日期 (not a date): %s", ex);
    return 1;
  }
  *has = 1;
  return 0;
}

static int cell_count(table_ctx *t, const hb_csv_row *row, int f, uint32_t dflt, uint32_t max,
                      protobuf_c_boolean *has, uint32_t *val)
{
  const char *s = cell(row, t, f);
  *has = 1;
  if (!*s) {
    *val = dflt;
    return 0;
  }
  uint64_t v = 0;
  char ex[128];
  excerpt(s, ex, sizeof(ex));
  switch (parse_count(s, &v)) {
  case COUNT_OK: *val = (uint32_t)v; return 0;
  case COUNT_NEGATIVE:
    row_error(t, row->line, f, "不能为负数 (must not be negative): %s", ex);
    return 1;
  case COUNT_TOO_BIG:
    row_error(t, row->line, f, "%s超出范围 (%s out of range %u..%u): %s", specs[f].zh,
              specs[f].field, f == F_SESSIONS ? 1u : 0u, max, ex);
    return 1;
  default: row_error(t, row->line, f, "不是整数 (not a whole number): %s", ex); return 1;
  }
}

/* A vocabulary cell: empty gives dflt (0 = none, the validator reports a
 * missing value); an unknown word is reported with the allowed ones. */
static int cell_word(table_ctx *t, const hb_csv_row *row, int f, int (*lookup)(const char *),
                     int dflt, const char *allowed, protobuf_c_boolean *has, int *val)
{
  const char *s = cell(row, t, f);
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
    row_error(t, row->line, f, "未知%s (unknown %s): %s; 可选 (allowed): %s", specs[f].zh,
              specs[f].field, ex, allowed);
    return 1;
  }
  *has = 1;
  *val = v;
  return 0;
}

static char *place(char **p, const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = *p;
  memcpy(d, s, n);
  *p += n;
  return d;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
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

static void add_invalid_id(table_ctx *t, const char *id)
{
  hb_ledger *l = t->out;
  if (grow((void **)&l->invalid_ids, &t->cap_inv, l->ninvalid + 1, sizeof(char *))) {
    t->nomem = 1;
    return;
  }
  size_t n = strlen(id);
  char *s = malloc(n + 3);
  if (!s) {
    t->nomem = 1;
    return;
  }
  s[0] = t->is_problems ? 'P' : 'A';
  s[1] = ':';
  memcpy(s + 2, id, n + 1);
  l->invalid_ids[l->ninvalid++] = s;
}

static void report_violation(table_ctx *t, unsigned line, const hb_violation *v)
{
  int f = field_of(v->field);
  row_error(t, line, f, "%s", v->reason);
}

static void row_activity(table_ctx *t, const hb_csv_row *row, const char *id, int bad)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = (char *)t->unit;
  a.id = (char *)id;
  a.campaign = (char *)cell(row, t, F_CAMPAIGN);
  a.title = (char *)cell(row, t, F_TITLE);
  int kind, level;
  bad |= cell_date(t, row, F_DATE, &a.has_date, &a.date);
  bad |= cell_word(t, row, F_KIND, hb_vocab_kind, 0, hb_vocab_kind_list(), &a.has_kind, &kind);
  bad |= cell_word(t, row, F_LEVEL, hb_vocab_level, HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT,
                   "unit 本级, branch 基层组织", &a.has_level, &level);
  a.kind = (Huibao__V1__ActivityKind)kind;
  a.level = (Huibao__V1__ActivityLevel)level;
  bad |= cell_count(t, row, F_SESSIONS, 1, HB_SESSIONS_MAX, &a.has_sessions, &a.sessions);
  bad |= cell_count(t, row, F_PARTICIPANTS, 0, HB_PARTICIPANTS_MAX, &a.has_participants,
                    &a.participants);
  bad |= cell_count(t, row, F_OUTPUTS, 0, HB_OUTPUTS_MAX, &a.has_outputs, &a.outputs);
  if (!bad) {
    hb_violation v;
    hb_canon canon;
    if (hb_validate_activity(&a, t->campaigns, t->today, &v, &canon) != 0) {
      report_violation(t, row->line, &v);
      bad = 1;
    } else if (canon.campaign) {
      a.campaign = canon.campaign->id;
    }
  }
  if (bad) {
    if (id)
      add_invalid_id(t, id);
    return;
  }
  hb_ledger *l = t->out;
  if (grow((void **)&l->activities, &t->cap_a, l->nactivities + 1, sizeof(void *)) ||
      grow((void **)&l->activity_lines, &t->cap_al, l->nactivities + 1, sizeof(unsigned))) {
    t->nomem = 1;
    return;
  }
  size_t size =
      sizeof(a) + strlen(a.unit) + strlen(a.id) + strlen(a.campaign) + strlen(a.title) + 4;
  Huibao__V1__Activity *m = malloc(size);
  if (!m) {
    t->nomem = 1;
    return;
  }
  *m = a;
  char *p = (char *)(m + 1);
  m->unit = place(&p, a.unit);
  m->id = place(&p, a.id);
  m->campaign = place(&p, a.campaign);
  m->title = place(&p, a.title);
  l->activities[l->nactivities] = m;
  l->activity_lines[l->nactivities++] = row->line;
}

static void row_problem(table_ctx *t, const hb_csv_row *row, const char *id, int bad)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = (char *)t->unit;
  p.id = (char *)id;
  p.campaign = (char *)cell(row, t, F_CAMPAIGN);
  p.category = (char *)cell(row, t, F_CATEGORY);
  p.description = (char *)cell(row, t, F_DESCRIPTION);
  int scope, status;
  bad |= cell_date(t, row, F_IDENTIFIED_ON, &p.has_identified_on, &p.identified_on);
  bad |= cell_word(t, row, F_SCOPE, hb_vocab_scope, 0, "individual 个人, team 班子", &p.has_scope,
                   &scope);
  bad |= cell_word(t, row, F_STATUS, hb_vocab_status, 0,
                   "identified 已查摆, rectifying 整改中, resolved 已整改", &p.has_status, &status);
  p.scope = (Huibao__V1__ProblemScope)scope;
  p.status = (Huibao__V1__ProblemStatus)status;
  bad |= cell_count(t, row, F_MEASURES, 0, HB_MEASURES_MAX, &p.has_measures, &p.measures);
  bad |= cell_date(t, row, F_DEADLINE, &p.has_deadline, &p.deadline);
  bad |= cell_date(t, row, F_RESOLVED_ON, &p.has_resolved_on, &p.resolved_on);
  if (!bad) {
    hb_violation v;
    hb_canon canon;
    if (hb_validate_problem(&p, t->campaigns, t->today, &v, &canon) != 0) {
      report_violation(t, row->line, &v);
      bad = 1;
    } else if (canon.campaign) {
      p.campaign = canon.campaign->id;
      if (canon.category >= 0)
        p.category = canon.campaign->categories[canon.category].code;
    }
  }
  if (bad) {
    if (id)
      add_invalid_id(t, id);
    return;
  }
  hb_ledger *l = t->out;
  if (grow((void **)&l->problems, &t->cap_p, l->nproblems + 1, sizeof(void *)) ||
      grow((void **)&l->problem_lines, &t->cap_pl, l->nproblems + 1, sizeof(unsigned))) {
    t->nomem = 1;
    return;
  }
  size_t size = sizeof(p) + strlen(p.unit) + strlen(p.id) + strlen(p.campaign) +
                strlen(p.category) + strlen(p.description) + 5;
  Huibao__V1__Problem *m = malloc(size);
  if (!m) {
    t->nomem = 1;
    return;
  }
  *m = p;
  char *q = (char *)(m + 1);
  m->unit = place(&q, p.unit);
  m->id = place(&q, p.id);
  m->campaign = place(&q, p.campaign);
  m->category = place(&q, p.category);
  m->description = place(&q, p.description);
  l->problems[l->nproblems] = m;
  l->problem_lines[l->nproblems++] = row->line;
}

/* The id cell: returns it when readable (non-empty, <= HB_ID_MAX bytes, no
 * control characters), else reports why and returns NULL. */
static const char *row_id(table_ctx *t, const hb_csv_row *row)
{
  const char *id = cell(row, t, F_ID);
  if (!*id) {
    row_error(t, row->line, F_ID, "缺少编号 (id is missing)");
    return NULL;
  }
  if (strlen(id) > HB_ID_MAX) {
    row_error(t, row->line, F_ID, "编号过长 (id longer than %d bytes)", HB_ID_MAX);
    return NULL;
  }
  for (const unsigned char *p = (const unsigned char *)id; *p; p++)
    if (*p < 0x20 || *p == 0x7F) {
      row_error(t, row->line, F_ID, "编号含控制字符 (id contains control characters)");
      return NULL;
    }
  return id;
}

static void table_row(table_ctx *t, const hb_csv_row *row)
{
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
  const char *id = row_id(t, row);
  int bad = 0;
  if (row->nfields > t->ncols) {
    size_t extra = t->ncols; /* the first cell past the header that holds something */
    while (extra + 1 < row->nfields && !row->fields[extra][0])
      extra++;
    row_error_at(t, row->line, (int)extra,
                 "字段数多于表头 (more fields than the header: %zu > %zu)", row->nfields, t->ncols);
    bad = 1;
  }
  if (id) {
    int nomem = 0;
    unsigned first = id_set_put(&t->ids, id, row->line, &nomem);
    if (nomem) {
      t->nomem = 1;
      return;
    }
    if (first) {
      char ex[128];
      excerpt(id, ex, sizeof(ex));
      row_error(t, row->line, F_ID, "编号 %s 与第 %u 行重复 (duplicate id, first on line %u)", ex,
                first, first);
      bad = 1;
    }
  } else {
    bad = 1;
  }
  if (t->is_problems)
    row_problem(t, row, id, bad);
  else
    row_activity(t, row, id, bad);
}

static void table_init(table_ctx *t, const char *name, const char *sheet, int is_problems,
                       const char *unit, const hb_campaigns *campaigns, int32_t today,
                       hb_ledger *out, hb_diags *diags)
{
  memset(t, 0, sizeof(*t));
  t->name = name;
  t->sheet = sheet;
  t->is_problems = is_problems;
  t->unit = unit;
  t->campaigns = campaigns;
  t->today = today;
  t->out = out;
  t->diags = diags;
  /* The capacities of the arrays already in out (appending calls). */
  t->cap_a = t->cap_al = out->nactivities;
  t->cap_p = t->cap_pl = out->nproblems;
  t->cap_inv = out->ninvalid;
}

static int table_finish(table_ctx *t)
{
  id_set_free(&t->ids);
  for (int f = 0; f < F_COUNT; f++)
    free(t->hdr[f]);
  if (t->nomem)
    return HB_ENOMEM;
  return t->errors ? HB_EINVAL : 0;
}

int hb_ledger_parse(const char *name, const char *bytes, size_t len, int is_problems,
                    const char *unit, const hb_campaigns *campaigns, int32_t today, hb_ledger *out,
                    hb_diags *diags)
{
  int *incomplete = is_problems ? &out->problems_incomplete : &out->activities_incomplete;
  if (!hb_unit_code_valid(unit)) {
    char ex[100];
    hb_text_excerpt(unit, 64, ex, sizeof(ex));
    hb_diags_add(diags, name, 0, NULL, "单位编码无效 (invalid unit code): %s", ex);
    *incomplete = 1;
    return HB_EINVAL;
  }
  char err[256];
  char *text;
  size_t tlen;
  int rc = hb_text_to_utf8(bytes, len, &text, &tlen, NULL, err, sizeof(err));
  if (rc == HB_ENOMEM)
    return rc;
  if (rc) {
    hb_diags_add_lined(diags, name, err);
    *incomplete = 1;
    return HB_EINVAL;
  }
  table_ctx t;
  table_init(&t, name, NULL, is_problems, unit, campaigns, today, out, diags);
  hb_csv *csv;
  rc = hb_csv_open(&csv, text, tlen);
  if (rc) {
    free(text);
    return rc;
  }
  const hb_csv_row *row;
  int have_header = 0, r;
  while (!t.nomem && (r = hb_csv_next(csv, &row, err, sizeof(err))) != 0) {
    if (r == HB_ENOMEM) {
      t.nomem = 1;
      break;
    }
    if (r < 0) {
      hb_diags_add_lined(diags, name, err);
      t.errors++;
      *incomplete = 1;
      if (!have_header)
        break;
      continue;
    }
    if (!have_header) {
      have_header = 1;
      if (read_header(&t, row)) {
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

int hb_ledger_table_begin(const char *name, const char *sheet, int is_problems, const char *unit,
                          const hb_campaigns *campaigns, int32_t today, hb_ledger *out,
                          hb_diags *diags, hb_ledger_table **tp)
{
  *tp = NULL;
  int *incomplete = is_problems ? &out->problems_incomplete : &out->activities_incomplete;
  if (!hb_unit_code_valid(unit)) {
    char ex[100];
    hb_text_excerpt(unit, 64, ex, sizeof(ex));
    hb_diags_add(diags, name, 0, NULL, "单位编码无效 (invalid unit code): %s", ex);
    *incomplete = 1;
    return HB_EINVAL;
  }
  hb_ledger_table *tb = calloc(1, sizeof *tb);
  if (!tb)
    return HB_ENOMEM;
  table_init(&tb->t, name, sheet, is_problems, unit, campaigns, today, out, diags);
  tb->incomplete = incomplete;
  *tp = tb;
  return 0;
}

int hb_ledger_table_row(hb_ledger_table *tb, const hb_csv_row *row)
{
  table_ctx *t = &tb->t;
  if (tb->stopped || t->nomem)
    return t->nomem ? HB_ENOMEM : 1;
  for (size_t j = 0; j < row->nfields; j++)
    if (!hb_utf8_valid(row->fields[j], strlen(row->fields[j]))) {
      row_error_at(t, row->line, (int)j, "不是有效的 UTF-8 文字 (not valid UTF-8 text)");
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
  table_row(t, row);
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
                         int is_problems, const char *unit, const hb_campaigns *campaigns,
                         int32_t today, hb_ledger *out, hb_diags *diags)
{
  hb_ledger_table *tb;
  int rc = hb_ledger_table_begin(name, sheet, is_problems, unit, campaigns, today, out, diags, &tb);
  if (rc)
    return rc;
  for (size_t i = 0; i < nrows && hb_ledger_table_row(tb, &rows[i]) == 0; i++)
    ;
  return hb_ledger_table_end(tb);
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
  static const char *const files[2] = {HB_LEDGER_ACTIVITIES, HB_LEDGER_PROBLEMS};
  int result = 0, missing = 0;
  for (int i = 0; i < 2; i++) {
    size_t dl = strlen(dir);
    char *path = malloc(dl + strlen(files[i]) + 2);
    if (!path)
      return HB_ENOMEM;
    sprintf(path, "%s/%s", dir, files[i]);
    char *raw;
    size_t len;
    char err[512];
    int rc = hb_file_read(path, HB_LEDGER_MAX_FILE, &raw, &len, err, sizeof(err));
    free(path);
    if (rc == HB_ENOTFOUND) {
      /* Absent is not "emptied": a moved or renamed file must not delete
       * what was reported before. To delete every row, keep the header row. */
      hb_diags_note(diags, files[i], 0, NULL,
                    "文件不存在，本次不报送该表 (file not found: this table is not sent)");
      if (i)
        out->problems_incomplete = 1;
      else
        out->activities_incomplete = 1;
      missing++;
      continue;
    }
    if (rc) {
      hb_diags_add(diags, files[i], 0, NULL, "无法读取 (cannot read): %s", err);
      if (i)
        out->problems_incomplete = 1;
      else
        out->activities_incomplete = 1;
      if (rc == HB_ENOMEM)
        return rc;
      if (!result || result == HB_EINVAL)
        result = rc;
      continue;
    }
    rc = hb_ledger_parse(files[i], raw, len, i, unit, campaigns, today, out, diags);
    free(raw);
    if (rc == HB_ENOMEM)
      return rc;
    if (rc && !result)
      result = rc;
  }
  if (missing == 2) {
    hb_diags_add(diags, dir, 0, NULL,
                 "台账文件夹中没有 activities.csv 和 problems.csv (no ledger files in folder)");
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
  for (size_t i = 0; i < l->ninvalid; i++)
    free(l->invalid_ids[i]);
  free(l->activities);
  free(l->problems);
  free(l->invalid_ids);
  free(l->activity_lines);
  free(l->problem_lines);
  free(l->activity_sheet);
  free(l->problem_sheet);
  memset(l, 0, sizeof(*l));
}
