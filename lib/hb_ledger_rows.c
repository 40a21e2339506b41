/* hb_ledger_rows.c: one row of a ledger table -> its record (Activity,
 * Problem, Indicator, Case).
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

#include "hb_ledger_cells.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "hb_vocab.h"

static size_t len0(const char *s)
{
  return s ? strlen(s) + 1 : 0;
}

static char *place_opt(char **p, const char *s)
{
  return s ? hb_ledger_place(p, s) : NULL;
}

/* The text of an optional cell, NULL when empty. */
static char *opt_cell(const hb_csv_row *row, const hb_ledger_ctx *t, int f)
{
  const char *s = hb_ledger_cell(row, t, f);
  return *s ? (char *)s : NULL;
}

/* Appends m (line) to a table's arrays; frees m when they cannot grow. */
static void store(hb_ledger_ctx *t, void ***rows, unsigned **lines, size_t *n, void *m,
                  unsigned line)
{
  if (hb_ledger_grow((void **)rows, &t->cap_rows, *n + 1, sizeof(void *)) ||
      hb_ledger_grow((void **)lines, &t->cap_lines, *n + 1, sizeof(unsigned))) {
    free(m);
    t->nomem = 1;
    return;
  }
  (*rows)[*n] = m;
  (*lines)[(*n)++] = line;
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
    if (hb_validate_activity(&a, t->campaigns, t->today, &v, &canon) != 0) {
      hb_ledger_report(t, row->line, v.field, v.reason);
      bad = 1;
    } else if (canon.campaign) {
      a.campaign = canon.campaign->id;
      if (canon.kind >= 0)
        a.kind_code = canon.campaign->kinds[canon.kind].code;
    }
  }
  if (bad) {
    if (id)
      hb_ledger_add_invalid(t, id);
    return;
  }
  size_t size =
      sizeof(a) + len0(a.unit) + len0(a.id) + len0(a.campaign) + len0(a.title) + len0(a.kind_code);
  Huibao__V1__Activity *m = malloc(size);
  if (!m) {
    t->nomem = 1;
    return;
  }
  *m = a;
  char *p = (char *)(m + 1);
  m->unit = hb_ledger_place(&p, a.unit);
  m->id = hb_ledger_place(&p, a.id);
  m->campaign = hb_ledger_place(&p, a.campaign);
  m->title = hb_ledger_place(&p, a.title);
  m->kind_code = place_opt(&p, a.kind_code);
  hb_ledger *l = t->out;
  store(t, (void ***)&l->activities, &l->activity_lines, &l->nactivities, m, row->line);
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
    if (hb_validate_problem(&p, t->campaigns, t->today, &v, &canon) != 0) {
      hb_ledger_report(t, row->line, v.field, v.reason);
      bad = 1;
    } else if (canon.campaign) {
      p.campaign = canon.campaign->id;
      if (canon.category >= 0) {
        const hb_category *cat = &canon.campaign->categories[canon.category];
        p.category = cat->code;
        if (canon.subcategory >= 0)
          p.subcategory = cat->subs[canon.subcategory].code;
      }
    }
  }
  if (bad) {
    if (id)
      hb_ledger_add_invalid(t, id);
    return;
  }
  size_t size = sizeof(p) + len0(p.unit) + len0(p.id) + len0(p.campaign) + len0(p.category) +
                len0(p.description) + len0(p.subcategory) + len0(p.owner) + len0(p.measures_text);
  Huibao__V1__Problem *m = malloc(size);
  if (!m) {
    t->nomem = 1;
    return;
  }
  *m = p;
  char *q = (char *)(m + 1);
  m->unit = hb_ledger_place(&q, p.unit);
  m->id = hb_ledger_place(&q, p.id);
  m->campaign = hb_ledger_place(&q, p.campaign);
  m->category = hb_ledger_place(&q, p.category);
  m->description = hb_ledger_place(&q, p.description);
  m->subcategory = place_opt(&q, p.subcategory);
  m->owner = place_opt(&q, p.owner);
  m->measures_text = place_opt(&q, p.measures_text);
  hb_ledger *l = t->out;
  store(t, (void ***)&l->problems, &l->problem_lines, &l->nproblems, m, row->line);
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
    if (hb_validate_indicator(&r, t->campaigns, t->today, &v, &canon) != 0) {
      hb_ledger_report(t, row->line, v.field, v.reason);
      bad = 1;
    } else if (canon.campaign) {
      r.campaign = canon.campaign->id;
      if (canon.indicator >= 0)
        r.indicator = canon.campaign->indicators[canon.indicator].code;
    }
  }
  if (bad) {
    if (id)
      hb_ledger_add_invalid(t, id);
    return;
  }
  size_t size =
      sizeof(r) + len0(r.unit) + len0(r.id) + len0(r.campaign) + len0(r.indicator) + len0(r.note);
  Huibao__V1__Indicator *m = malloc(size);
  if (!m) {
    t->nomem = 1;
    return;
  }
  *m = r;
  char *q = (char *)(m + 1);
  m->unit = hb_ledger_place(&q, r.unit);
  m->id = hb_ledger_place(&q, r.id);
  m->campaign = hb_ledger_place(&q, r.campaign);
  m->indicator = hb_ledger_place(&q, r.indicator);
  m->note = place_opt(&q, r.note);
  hb_ledger *l = t->out;
  store(t, (void ***)&l->indicators, &l->indicator_lines, &l->nindicators, m, row->line);
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
    if (hb_validate_case(&r, t->campaigns, t->today, &v, &canon) != 0) {
      hb_ledger_report(t, row->line, v.field, v.reason);
      bad = 1;
    } else if (canon.campaign) {
      r.campaign = canon.campaign->id;
    }
  }
  if (bad) {
    if (id)
      hb_ledger_add_invalid(t, id);
    return;
  }
  size_t size =
      sizeof(r) + len0(r.unit) + len0(r.id) + len0(r.campaign) + len0(r.title) + len0(r.summary);
  Huibao__V1__Case *m = malloc(size);
  if (!m) {
    t->nomem = 1;
    return;
  }
  *m = r;
  char *q = (char *)(m + 1);
  m->unit = hb_ledger_place(&q, r.unit);
  m->id = hb_ledger_place(&q, r.id);
  m->campaign = hb_ledger_place(&q, r.campaign);
  m->title = hb_ledger_place(&q, r.title);
  m->summary = place_opt(&q, r.summary);
  hb_ledger *l = t->out;
  store(t, (void ***)&l->cases, &l->case_lines, &l->ncases, m, row->line);
}
