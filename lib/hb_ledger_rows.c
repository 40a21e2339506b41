/* hb_ledger_rows.c: one row of a ledger table -> its record (Activity,
 * Problem, Indicator, Case, Report).
 *
 * The cells are read (hb_ledger_cells.c), the record goes through
 * hb_validate, whose first violation is reported under the column the clerk
 * wrote; campaign, category, sub-category, kind and indicator are then
 * stored by their codes. A valid record is copied into ONE malloc block
 * (message + its strings), so hb_ledger_free frees each with one free().
 * Optional text the row leaves empty stays NULL (absent on the wire), so a
 * row written before these columns existed packs to the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_date.h"
#include "hb_ledger_cells.h"
#include "hb_period.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "hb_vocab.h"

/* The text of an optional cell, NULL when empty. */
static char *opt_cell(const hb_csv_row *row, const hb_ledger_ctx *t, int f)
{
  const char *s = hb_ledger_cell(row, t, f);
  return *s ? (char *)s : NULL;
}

/* Copies the row message m (scalars and non-repeated strings only, as every
 * ledger row is) with its strings into ONE malloc block, read through its
 * descriptor; NULL strings stay NULL. Returns the copy or NULL (no memory). */
static void *row_copy_flat(const ProtobufCMessage *m)
{
  const ProtobufCMessageDescriptor *d = m->descriptor;
  size_t size = d->sizeof_message;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
      continue;
    const char *s = *(const char *const *)((const char *)m + f->offset);
    if (s)
      size += strlen(s) + 1;
  }
  char *block = malloc(size);
  if (!block)
    return NULL;
  memcpy(block, m, d->sizeof_message);
  char *p = block + d->sizeof_message;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
      continue;
    char **s = (char **)(block + f->offset);
    if (*s)
      *s = hb_ledger_place(&p, *s);
  }
  return block;
}

/* Reports a violation found by hb_validate_* under its column; returns 1
 * when rc says the record is invalid, else 0. */
static int row_violation(hb_ledger_ctx *t, const hb_csv_row *row, int rc, const hb_violation *v)
{
  if (rc == 0)
    return 0;
  hb_ledger_report(t, row->line, v->field, v->reason);
  return 1;
}

/* The end of every row: a bad one is remembered by id (so that the agent
 * never takes it for a deletion); a good one is copied (row_copy_flat) and
 * appended, with its line, to its table's arrays. */
static void row_keep(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad,
                     const ProtobufCMessage *m, void ***rows, unsigned **lines, size_t *n)
{
  if (bad) {
    if (id)
      hb_ledger_add_invalid(t, id);
    return;
  }
  void *copy = row_copy_flat(m);
  if (!copy || hb_ledger_grow((void **)rows, &t->cap_rows, *n + 1, sizeof(void *)) ||
      hb_ledger_grow((void **)lines, &t->cap_lines, *n + 1, sizeof(unsigned))) {
    free(copy);
    t->nomem = 1;
    return;
  }
  (*rows)[*n] = copy;
  (*lines)[(*n)++] = row->line;
}

/* ---------------------------------------------------------------- activity */

/* The 类型 cell: a built-in kind (a->kind) or one the row's campaign
 * declares (a->kind_code, its code). Returns 0 or 1 (reported). */
static int activity_kind(hb_ledger_ctx *t, const hb_csv_row *row, Huibao__V1__Activity *a)
{
  const char *s = hb_ledger_cell(row, t, F_KIND);
  if (!*s)
    return 0; /* the validator says it is missing */
  int kind = hb_vocab_kind(s);
  if (kind) {
    a->has_kind = 1;
    a->kind = (Huibao__V1__ActivityKind)kind;
    return 0;
  }
  const hb_campaign *c = t->campaigns ? hb_campaigns_find(t->campaigns, a->campaign) : NULL;
  if (t->campaigns && !c)
    return 0; /* the validator names the unknown campaign, which may declare the kind */
  int k = c ? hb_campaign_kind(c, s) : -1;
  if (k >= 0) {
    a->kind_code = c->kinds[k].code;
    return 0;
  }
  char ex[128], more[512] = "";
  hb_text_excerpt(s, 80, ex, sizeof ex);
  for (size_t i = 0, n = 0; c && i < c->nkinds && n < sizeof more; i++) {
    int w = snprintf(more + n, sizeof more - n, "%s %s %s",
                     i ? "," : "; 本专项另有 (declared):", c->kinds[i].code, c->kinds[i].name);
    if (w < 0)
      break;
    n += (size_t)w;
  }
  hb_ledger_error(t, row->line, F_KIND, "未知类型 (unknown kind): %s; 可选 (allowed): %s%s", ex,
                  hb_vocab_kind_list(), more);
  return 1;
}

void hb_ledger_row_activity(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = (char *)t->unit;
  a.id = (char *)id;
  a.campaign = (char *)hb_ledger_cell(row, t, F_CAMPAIGN);
  a.title = (char *)hb_ledger_cell(row, t, F_TITLE);
  int level;
  bad |= hb_ledger_cell_date(t, row, F_DATE, &a.has_date, &a.date);
  bad |= activity_kind(t, row, &a);
  bad |=
      hb_ledger_cell_word(t, row, F_LEVEL, hb_vocab_level, HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT,
                          "unit 本级, branch 基层组织", &a.has_level, &level);
  a.level = (Huibao__V1__ActivityLevel)level;
  bad |= hb_ledger_cell_count(t, row, F_SESSIONS, 1, HB_SESSIONS_MAX, &a.has_sessions, &a.sessions);
  bad |= hb_ledger_cell_count(t, row, F_PARTICIPANTS, 0, HB_PARTICIPANTS_MAX, &a.has_participants,
                              &a.participants);
  bad |= hb_ledger_cell_count(t, row, F_OUTPUTS, 0, HB_OUTPUTS_MAX, &a.has_outputs, &a.outputs);
  if (!bad) {
    hb_violation v;
    hb_canon canon;
    bad = row_violation(t, row, hb_validate_activity(&a, t->campaigns, t->today, &v, &canon), &v);
    if (!bad && canon.campaign) {
      a.campaign = canon.campaign->id;
      if (canon.kind >= 0)
        a.kind_code = canon.campaign->kinds[canon.kind].code;
    }
  }
  hb_ledger *l = t->out;
  row_keep(t, row, id, bad, &a.base, (void ***)&l->activities, &l->activity_lines, &l->nactivities);
}

/* ---------------------------------------------------------------- problem */

/* The vocabulary cells of a problem. Returns 0 or 1 (reported). */
static int problem_words(hb_ledger_ctx *t, const hb_csv_row *row, Huibao__V1__Problem *p)
{
  int scope, status, source, term, bad = 0;
  bad |= hb_ledger_cell_word(t, row, F_SCOPE, hb_vocab_scope, 0, "individual 个人, team 班子",
                             &p->has_scope, &scope);
  bad |= hb_ledger_cell_word(t, row, F_STATUS, hb_vocab_status, 0,
                             "identified 已查摆, rectifying 整改中, resolved 已整改",
                             &p->has_status, &status);
  bad |= hb_ledger_cell_word(t, row, F_SOURCE, hb_vocab_source, 0, "new 增量, existing 存量",
                             &p->has_source, &source);
  bad |= hb_ledger_cell_word(t, row, F_TERM, hb_vocab_term, 0,
                             "immediate 立行立改, long_term 长期整改", &p->has_term, &term);
  p->scope = (Huibao__V1__ProblemScope)scope;
  p->status = (Huibao__V1__ProblemStatus)status;
  p->source = (Huibao__V1__ProblemSource)source;
  p->term = (Huibao__V1__ProblemTerm)term;
  return bad;
}

void hb_ledger_row_problem(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = (char *)t->unit;
  p.id = (char *)id;
  p.campaign = (char *)hb_ledger_cell(row, t, F_CAMPAIGN);
  p.category = (char *)hb_ledger_cell(row, t, F_CATEGORY);
  p.description = (char *)hb_ledger_cell(row, t, F_DESCRIPTION);
  p.subcategory = opt_cell(row, t, F_SUBCATEGORY);
  p.owner = opt_cell(row, t, F_OWNER);
  p.measures_text = opt_cell(row, t, F_MEASURES_TEXT);
  bad |= hb_ledger_cell_date(t, row, F_IDENTIFIED_ON, &p.has_identified_on, &p.identified_on);
  bad |= problem_words(t, row, &p);
  bad |= hb_ledger_cell_count(t, row, F_MEASURES, 0, HB_MEASURES_MAX, &p.has_measures, &p.measures);
  bad |= hb_ledger_cell_date(t, row, F_DEADLINE, &p.has_deadline, &p.deadline);
  bad |= hb_ledger_cell_date(t, row, F_RESOLVED_ON, &p.has_resolved_on, &p.resolved_on);
  if (!bad) {
    hb_violation v;
    hb_canon canon;
    bad = row_violation(t, row, hb_validate_problem(&p, t->campaigns, t->today, &v, &canon), &v);
    if (!bad && canon.campaign) {
      p.campaign = canon.campaign->id;
      if (canon.category >= 0) {
        const hb_category *cat = &canon.campaign->categories[canon.category];
        p.category = cat->code;
        if (canon.subcategory >= 0)
          p.subcategory = cat->subs[canon.subcategory].code;
      }
    }
  }
  hb_ledger *l = t->out;
  row_keep(t, row, id, bad, &p.base, (void ***)&l->problems, &l->problem_lines, &l->nproblems);
}

/* ---------------------------------------------------------------- indicator */

void hb_ledger_row_indicator(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad)
{
  Huibao__V1__Indicator r = HUIBAO__V1__INDICATOR__INIT;
  r.unit = (char *)t->unit;
  r.id = (char *)id;
  r.campaign = (char *)hb_ledger_cell(row, t, F_CAMPAIGN);
  r.indicator = (char *)hb_ledger_cell(row, t, F_INDICATOR);
  r.note = opt_cell(row, t, F_NOTE);
  bad |= hb_ledger_cell_date(t, row, F_DATE, &r.has_date, &r.date);
  bad |= hb_ledger_cell_decimal(t, row, F_VALUE, &r.has_value, &r.value);
  if (!bad) {
    hb_violation v;
    hb_canon canon;
    bad = row_violation(t, row, hb_validate_indicator(&r, t->campaigns, t->today, &v, &canon), &v);
    if (!bad && canon.campaign) {
      r.campaign = canon.campaign->id;
      if (canon.indicator >= 0)
        r.indicator = canon.campaign->indicators[canon.indicator].code;
    }
  }
  hb_ledger *l = t->out;
  row_keep(t, row, id, bad, &r.base, (void ***)&l->indicators, &l->indicator_lines,
           &l->nindicators);
}

/* ---------------------------------------------------------------- case */

void hb_ledger_row_case(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad)
{
  Huibao__V1__Case r = HUIBAO__V1__CASE__INIT;
  r.unit = (char *)t->unit;
  r.id = (char *)id;
  r.campaign = (char *)hb_ledger_cell(row, t, F_CAMPAIGN);
  r.title = (char *)hb_ledger_cell(row, t, F_CASE_TITLE);
  r.summary = opt_cell(row, t, F_SUMMARY);
  int type;
  bad |= hb_ledger_cell_date(t, row, F_DATE, &r.has_date, &r.date);
  bad |= hb_ledger_cell_word(t, row, F_CASE_TYPE, hb_vocab_case_type, 0,
                             "case 典型案例, practice 经验做法, group 先进集体, person 先进个人",
                             &r.has_type, &type);
  r.type = (Huibao__V1__CaseType)type;
  if (!bad) {
    hb_violation v;
    hb_canon canon;
    bad = row_violation(t, row, hb_validate_case(&r, t->campaigns, t->today, &v, &canon), &v);
    if (!bad && canon.campaign) {
      r.campaign = canon.campaign->id;
    }
  }
  hb_ledger *l = t->out;
  row_keep(t, row, id, bad, &r.base, (void ***)&l->cases, &l->case_lines, &l->ncases);
}

/* ---------------------------------------------------------------- report */

int hb_ledger_report_period(const char *cell, char *buf, size_t len)
{
  if (strcmp(cell, HB_PERIOD_CURRENT) == 0 || strcasecmp(cell, "current") == 0) {
    snprintf(buf, len, "%s", HB_PERIOD_CURRENT);
    return 0;
  }
  int32_t day;
  if (!*cell || hb_date_parse(cell, &day) != 0)
    return -1;
  hb_date_format(day, buf, len);
  return 0;
}

void hb_ledger_report_id(const char *period, const char *campaign, char *buf, size_t len)
{
  int n = snprintf(buf, len, "%s%s%s", period, campaign && *campaign ? "@" : "",
                   campaign ? campaign : "");
  if (n >= 0 && (size_t)n <= HB_ID_MAX && (size_t)n < len)
    return;
  /* Too long: a prefix that ends on a whole UTF-8 character, "~" and the
   * FNV-1a hash of the whole text (period + "@" + campaign). */
  uint32_t h = 2166136261u;
  const char *parts[3] = {period, "@", campaign};
  for (int i = 0; i < 3; i++)
    for (const unsigned char *p = (const unsigned char *)parts[i]; *p; p++)
      h = (h ^ *p) * 16777619u;
  size_t keep = HB_ID_MAX - 9 < len - 10 ? HB_ID_MAX - 9 : len - 10;
  while (keep > 0 && ((unsigned char)buf[keep] & 0xC0) == 0x80)
    keep--; /* buf[keep] would be a continuation byte: cut before its lead */
  snprintf(buf + keep, len - keep, "~%08x", (unsigned)h);
}

const char *hb_ledger_report_row_id(hb_ledger_ctx *t, const hb_csv_row *row, char *buf, size_t len)
{
  const char *cell = hb_ledger_cell(row, t, F_PERIOD);
  char period[32];
  if (!*cell) {
    hb_ledger_error(t, row->line, F_PERIOD, "缺少报送期 (period is missing)");
    return NULL;
  }
  if (hb_ledger_report_period(cell, period, sizeof period) != 0) {
    char ex[128];
    hb_text_excerpt(cell, 80, ex, sizeof ex);
    hb_ledger_error(t, row->line, F_PERIOD,
                    "报送期应为日期（如 2022-06-10）或“本期” (period must be a date such as "
                    "2022-06-10, or 本期): %s",
                    ex);
    return NULL;
  }
  hb_ledger_report_id(period, hb_ledger_cell(row, t, F_REPORT_CAMPAIGN), buf, len);
  return buf;
}

/* 是/否 of 无新增: 1 yes, 2 no, 0 unknown. */
static int yes_no(const char *s)
{
  static const char *const yes[] = {"是", "yes", "y", "1", "true", "有"};
  static const char *const no[] = {"否", "no", "n", "0", "false", "无"};
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    if (strcasecmp(s, yes[i]) == 0)
      return 1;
    if (strcasecmp(s, no[i]) == 0)
      return 2;
  }
  return 0;
}

void hb_ledger_row_report(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad)
{
  Huibao__V1__Report r = HUIBAO__V1__REPORT__INIT;
  char period[32];
  r.unit = (char *)t->unit;
  r.id = (char *)id;
  r.campaign = opt_cell(row, t, F_REPORT_CAMPAIGN);
  if (hb_ledger_report_period(hb_ledger_cell(row, t, F_PERIOD), period, sizeof period) == 0)
    r.period = period;
  else
    bad = 1; /* reported with the id */
  r.filled_by = opt_cell(row, t, F_FILLED_BY);
  r.approved_by = opt_cell(row, t, F_APPROVED_BY);
  r.note = opt_cell(row, t, F_NOTE);
  protobuf_c_boolean has;
  int yn;
  bad |=
      hb_ledger_cell_word(t, row, F_NOTHING_NEW, yes_no, 0, "是 yes, 否 no (空 = 否)", &has, &yn);
  if (yn == 1) /* 否 and empty are the default: absent on the wire */
    r.has_nothing_new = r.nothing_new = 1;
  if (!bad) {
    hb_violation v;
    hb_canon canon;
    bad = row_violation(t, row, hb_validate_report(&r, t->campaigns, t->today, &v, &canon), &v);
    if (!bad && canon.campaign)
      r.campaign = canon.campaign->id;
  }
  hb_ledger *l = t->out;
  row_keep(t, row, id, bad, &r.base, (void ***)&l->reports, &l->report_lines, &l->nreports);
}
