/* hb_rollup_table.c: a Rollup as a Chinese table (with English codes) for
 * terminals. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_table.h"
#include "hb_text.h"
#include "hb_vocab.h"

/* A table of text cells whose columns are aligned by display width (CJK
 * characters take two columns) and separated by two spaces: no '|' is drawn,
 * so a '|' in a name is one character of its cell. Cells are sanitised
 * copies: control characters from the network never reach the terminal, and
 * characters whose width a terminal does not agree on with hb_utf8_width
 * (C1 controls, U+FFFE/U+FFFF, zero-width and bidi controls, which could
 * also reorder the columns on screen) print as '?', so names cannot shift
 * the columns. */
#define TBL_MAXCOL 14
#define TBL_CELL 96

/* The table is hb_table (hb_table.h); these names are this file's. */
typedef hb_table tbl;
_Static_assert(TBL_MAXCOL <= HB_TABLE_MAXCOL && TBL_CELL == HB_TABLE_CELL, "hb_table's sizes");
#define tbl_init hb_table_init
#define tbl_free hb_table_free
#define tbl_row hb_table_row
#define tbl_print hb_table_print

static const char *u64s(char *buf, uint64_t v)
{
  snprintf(buf, 24, "%" PRIu64, v);
  return buf;
}

static const char *pct(char *buf, uint64_t a, uint64_t b)
{
  snprintf(buf, 24, "%.2f%%", hb_rollup_share(a, b) * 100.0);
  return buf;
}

static const char *type_zh(const char *type)
{
  switch (type ? hb_vocab_unit_type(type) : 0) {
  case HB_UNIT_COUNTY: return "县级";
  case HB_UNIT_TOWNSHIP: return "乡级";
  case HB_UNIT_DEPARTMENT: return "部门";
  default: return "其他";
  }
}

static const char *safe(const char *s, char *buf, size_t len)
{
  hb_table_printable(s ? s : "", 80, buf, len);
  return buf;
}

static void write_header(const Huibao__V1__Rollup *r, FILE *f)
{
  char a[128], b[128], iso[40];
  hb_time_format_iso(r->as_of_ms, iso, sizeof iso);
  fprintf(f, "专项 %s  %s\n", safe(r->campaign_name, a, sizeof a), safe(r->campaign, b, sizeof b));
  fprintf(f, "截至 %s  (seq %" PRIu64 ")\n", iso, r->seq);
  fputs("县区", f);
  if (r->n_sources == 0)
    fprintf(f, " %s %s", safe(r->source_name, a, sizeof a), safe(r->source, b, sizeof b));
  for (size_t i = 0; i < r->n_sources; i++) {
    const Huibao__V1__Source *s = r->sources[i];
    fprintf(f, "%s%s%s%s%s", i ? "；" : " ", s->name ? safe(s->name, a, sizeof a) : "",
            s->name ? " " : "", safe(s->code, b, sizeof b), s->stale ? " [失联 stale]" : "");
  }
  fputc('\n', f);
  uint64_t expected = 0, reported = 0, missing = 0;
  for (size_t i = 0; i < r->n_units; i++) {
    if (r->units[i]->records > 0)
      reported++;
    if (r->units[i]->expected) {
      expected++;
      missing += r->units[i]->records == 0;
    }
  }
  fprintf(f, "覆盖 已报 %" PRIu64 " / 应报 %" PRIu64 " 家单位", reported, expected);
  if (missing) {
    fputs("；未报：", f);
    size_t shown = 0;
    for (size_t i = 0; i < r->n_units; i++) {
      const Huibao__V1__UnitRow *u = r->units[i];
      if (!u->expected || u->records != 0)
        continue;
      if (shown == 30) {
        fprintf(f, " 等 %" PRIu64 " 家", missing);
        break;
      }
      fprintf(f, "%s%s", shown ? "、" : "", safe(u->name ? u->name : u->code, a, sizeof a));
      shown++;
    }
  }
  fputc('\n', f);
}

/* The name of declared kind code (Rollup.kinds), NULL when not declared. */
static const char *kind_name(const Huibao__V1__Rollup *r, const char *code)
{
  for (size_t i = 0; i < r->n_kinds; i++)
    if (strcmp(r->kinds[i]->code, code) == 0)
      return r->kinds[i]->name;
  return NULL;
}

/* One row per declared kind with records: the kinds of Rollup.kinds in
 * their order, then codes only the cube has. */
static void write_declared_kinds(const Huibao__V1__Rollup *r, tbl *t)
{
  char n[4][24];
  for (size_t o = 0; o < r->n_kinds + r->n_cube; o++) {
    const char *code = o < r->n_kinds ? r->kinds[o]->code : r->cube[o - r->n_kinds]->kind_code;
    if (!code || !*code)
      continue;
    bool seen = false;
    for (size_t p = 0; p < o && !seen; p++) {
      const char *c2 = p < r->n_kinds ? r->kinds[p]->code : r->cube[p - r->n_kinds]->kind_code;
      seen = c2 && strcmp(c2, code) == 0;
    }
    hb_totals s = {0, 0, 0, 0};
    for (size_t i = 0; i < r->n_cube; i++)
      if (r->cube[i]->kind_code && strcmp(r->cube[i]->kind_code, code) == 0)
        hb_totals_add_pb(&s, r->cube[i]->totals);
    const char *name = kind_name(r, code);
    if (!seen && s.records)
      tbl_row(t, (const char *[]){name ? name : code, code, u64s(n[0], s.records),
                                  u64s(n[1], s.sessions), u64s(n[2], s.participants),
                                  u64s(n[3], s.outputs)});
  }
}

static void write_activities(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  char n[4][24];
  hb_totals by_kind[HB_KIND_MAX + 1], all;
  memset(by_kind, 0, sizeof by_kind);
  hb_totals_from_pb(r->activities, &all);
  for (size_t i = 0; i < r->n_cube; i++)
    if (r->cube[i]->kind >= 1 && r->cube[i]->kind <= HB_KIND_MAX)
      hb_totals_add_pb(&by_kind[r->cube[i]->kind], r->cube[i]->totals);
  fputs("\n活动 activities\n", f);
  tbl_init(t, "llrrrr");
  tbl_row(t, (const char *[]){"类型", "kind", "记录", "次数", "参加人次", "成果"});
  tbl_row(t, (const char *[]){"合计", "total", u64s(n[0], all.records), u64s(n[1], all.sessions),
                              u64s(n[2], all.participants), u64s(n[3], all.outputs)});
  for (int k = 1; k <= HB_KIND_MAX; k++)
    if (by_kind[k].records)
      tbl_row(t, (const char *[]){hb_vocab_kind_zh(k), hb_vocab_kind_code(k),
                                  u64s(n[0], by_kind[k].records), u64s(n[1], by_kind[k].sessions),
                                  u64s(n[2], by_kind[k].participants),
                                  u64s(n[3], by_kind[k].outputs)});
  write_declared_kinds(r, t);
  if (r->n_cube)
    tbl_row(t, (const char *[]){"分层", "cube", "", "", "", ""});
  for (size_t i = 0; i < r->n_cube; i++) {
    const Huibao__V1__CubeCell *c = r->cube[i];
    hb_totals s;
    hb_totals_from_pb(c->totals, &s);
    char label[96], code[96];
    const char *kc = c->kind_code && *c->kind_code ? c->kind_code : NULL;
    const char *kn = kc ? kind_name(r, kc) : NULL;
    snprintf(label, sizeof label, "%s%s%s", type_zh(c->unit_type), hb_vocab_level_zh(c->level),
             kc ? (kn ? kn : kc) : hb_vocab_kind_zh(c->kind));
    snprintf(code, sizeof code, "%s/%s/%s", c->unit_type ? c->unit_type : "?",
             hb_vocab_level_code(c->level), kc ? kc : hb_vocab_kind_code(c->kind));
    tbl_row(t, (const char *[]){label, code, u64s(n[0], s.records), u64s(n[1], s.sessions),
                                u64s(n[2], s.participants), u64s(n[3], s.outputs)});
  }
  tbl_print(t, f, "  ");
  tbl_free(t);
}

/* Issue 14: the county's review of the problems, when the rollup carries
 * it (hb_rollup_review_present: a rollup of an earlier county has none,
 * and its table keeps its earlier shape). */
static void write_review(const Huibao__V1__Rollup *r, const Huibao__V1__ProblemCounts *p, FILE *f)
{
  hb_rollup_review v;
  hb_rollup_review_of_pc(p, &v);
  fprintf(f,
          "  县级审核 已销号 %" PRIu64 "，待销号 %" PRIu64 "，退回 %" PRIu64 "，重新打开 %" PRIu64
          "，待审批撤销 %" PRIu64 "；活动退回 %" PRIu64 "\n",
          v.confirmed, v.claimed, v.returned, v.reopened, v.deletion_pending,
          r->activities_returned);
}

/* A category's row: 类别 code 问题数 占比 已整改, then (reviewed) 已销号
 * 待销号 退回, then 涉及单位; a sub-category carries no review counts and
 * leaves those cells empty. */
static void category_row(tbl *t, const char *label, const char *code,
                         const Huibao__V1__CategoryCount *c, uint64_t total, bool reviewed,
                         bool sub)
{
  char n[7][24];
  hb_rollup_review v;
  hb_rollup_review_of_cat(c, &v);
  const char *cells[TBL_MAXCOL] = {label, code, u64s(n[0], c->count), pct(n[1], c->count, total),
                                   u64s(n[2], c->resolved)};
  size_t k = 5;
  if (reviewed) {
    cells[k++] = sub ? "" : u64s(n[4], v.confirmed);
    cells[k++] = sub ? "" : u64s(n[5], v.claimed);
    cells[k++] = sub ? "" : u64s(n[6], v.returned);
  }
  cells[k] = u64s(n[3], c->units);
  tbl_row(t, cells);
}

static void write_problems(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  static const Huibao__V1__ProblemCounts zero = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  const Huibao__V1__ProblemCounts *p = r->problems ? r->problems : &zero;
  bool reviewed = hb_rollup_review_present(r->problems);
  char n[1][24];
  fputs("\n问题 problems\n", f);
  fprintf(f,
          "  查摆问题 %" PRIu64 " 个：已查摆 %" PRIu64 "，整改中 %" PRIu64 "，已整改 %" PRIu64
          "；整改措施 %" PRIu64 " 条\n",
          p->total, p->identified, p->rectifying, p->resolved, p->measures);
  fprintf(f, "  整改率 %s；逾期 %" PRIu64 " 个；个人 %" PRIu64 "，班子 %" PRIu64 "\n",
          pct(n[0], p->resolved, p->total), p->overdue, p->individual, p->team);
  if (p->source_new || p->source_existing || p->term_immediate || p->term_long)
    fprintf(f, "  增量 %" PRIu64 "，存量 %" PRIu64 "；立行立改 %" PRIu64 "，长期整改 %" PRIu64 "\n",
            p->source_new, p->source_existing, p->term_immediate, p->term_long);
  if (reviewed)
    write_review(r, p, f);
  if (r->n_categories == 0)
    return;
  tbl_init(t, reviewed ? "llrrrrrrr" : "llrrrr");
  if (reviewed)
    tbl_row(t, (const char *[]){"类别", "code", "问题数", "占比", "已整改", "已销号", "待销号",
                                "退回", "涉及单位"});
  else
    tbl_row(t, (const char *[]){"类别", "code", "问题数", "占比", "已整改", "涉及单位"});
  for (size_t i = 0; i < r->n_categories; i++) {
    const Huibao__V1__CategoryCount *c = r->categories[i];
    category_row(t, c->name ? c->name : c->code, c->code, c, p->total, reviewed, false);
    for (size_t j = 0; j < c->n_subcategories; j++) {
      const Huibao__V1__CategoryCount *sc = c->subcategories[j];
      char label[TBL_CELL], code[TBL_CELL];
      snprintf(label, sizeof label, "  %s", sc->name ? sc->name : sc->code);
      snprintf(code, sizeof code, "%s.%s", c->code, sc->code);
      category_row(t, label, code, sc, p->total, reviewed, true);
    }
  }
  tbl_print(t, f, "  ");
  tbl_free(t);
}

/* 阶段: the stage the rollup's today lies in, when the campaign has stages. */
static void write_stage(const Huibao__V1__Rollup *r, FILE *f)
{
  char a[128], d0[16], d1[16];
  if (r->n_stages == 0 || !r->has_today || !r->today)
    return;
  for (size_t i = 0; i < r->n_stages; i++) {
    const Huibao__V1__Stage *s = r->stages[i];
    if (r->today >= s->start && r->today <= s->end) {
      hb_date_format(s->start, d0, sizeof d0);
      hb_date_format(s->end, d1, sizeof d1);
      fprintf(f, "阶段 第%u阶段 %s %s..%s（共 %zu 个阶段）\n", s->n, safe(s->name, a, sizeof a), d0,
              d1, r->n_stages);
      return;
    }
  }
  fprintf(f, "阶段 不在任何阶段内 (outside every stage)（共 %zu 个阶段）\n", r->n_stages);
}

/* 成效: one row per indicator, the value with its declared places. */
static void write_indicators(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  char n[24], v[HB_ROLLUP_VALUE_TEXT];
  if (r->n_indicators == 0)
    return;
  fputs("\n成效 indicators\n", f);
  tbl_init(t, "llrlr");
  tbl_row(t, (const char *[]){"指标", "code", "数量", "单位", "记录"});
  for (size_t i = 0; i < r->n_indicators; i++) {
    const Huibao__V1__IndicatorSum *s = r->indicators[i];
    tbl_row(t, (const char *[]){s->name ? s->name : s->code, s->code,
                                hb_rollup_value_text(s->value, s->places, v), s->unit,
                                u64s(n, s->records)});
  }
  tbl_print(t, f, "  ");
  tbl_free(t);
}

/* 典型: the case counts by type, when there are any. */
static void write_cases(const Huibao__V1__Rollup *r, FILE *f)
{
  const Huibao__V1__CaseCounts *c = r->cases;
  if (!c || !c->total)
    return;
  fprintf(f,
          "\n典型 cases\n  共 %" PRIu64 "：典型案例 %" PRIu64 "，经验做法 %" PRIu64
          "，先进集体 %" PRIu64 "，先进个人 %" PRIu64 "\n",
          c->total, c->typical, c->practice, c->group, c->person);
}

/* ---------------------------------------------------------------- 报送情况 (issue 13) */

static const Huibao__V1__Period *period_find(const Huibao__V1__Rollup *r, const char *id)
{
  for (size_t i = 0; id && i < r->n_periods; i++)
    if (strcmp(r->periods[i]->id, id) == 0)
      return r->periods[i];
  return NULL;
}

/* The name of unit code (its code when the rollup has no name for it),
 * printable. */
static const char *unit_label(const Huibao__V1__Rollup *r, const char *code, char *buf, size_t len)
{
  const char *name = NULL;
  for (size_t i = 0; i < r->n_units && !name; i++)
    if (strcmp(r->units[i]->code, code) == 0)
      name = r->units[i]->name;
  return safe(name && *name ? name : code, buf, len);
}

/* "迟报 late：A、B" with the units of p in state st (at most 30 named). */
static void write_state_units(const Huibao__V1__Rollup *r, const Huibao__V1__Period *p, int st,
                              const char *label, FILE *f)
{
  char a[128];
  size_t n = 0;
  for (size_t i = 0; i < p->n_units; i++) {
    if ((int)p->units[i]->state != st)
      continue;
    if (n == 30) {
      size_t all = n;
      for (size_t j = i; j < p->n_units; j++)
        all += (int)p->units[j]->state == st;
      fprintf(f, " 等 %zu 家", all);
      break;
    }
    fprintf(f, "%s%s", n ? "、" : label, unit_label(r, p->units[i]->code, a, sizeof a));
    n++;
  }
  if (n)
    fputc('\n', f);
}

static void write_period_counts(const Huibao__V1__Period *p, FILE *f)
{
  static const Huibao__V1__PeriodCounts c0 = HUIBAO__V1__PERIOD_COUNTS__INIT;
  const Huibao__V1__PeriodCounts *c = p->counts ? p->counts : &c0;
  fprintf(f,
          "已报送 %" PRIu64 "，无新增 %" PRIu64 "，迟报 %" PRIu64 "，未报 %" PRIu64
          "，未到期 %" PRIu64 "（应报 %zu 家）\n",
          c->reported, c->nil, c->late, c->missing, c->pending, p->n_units);
}

static void period_due(const Huibao__V1__Period *p, char *buf, size_t len)
{
  char day[16];
  hb_date_format(p->due_day, day, sizeof day);
  uint32_t m = p->due_minute % (24 * 60);
  snprintf(buf, len, "%s %02u:%02u", day, m / 60, m % 60);
}

/* 报送情况: the last closed period (counts, the late and missing units,
 * its figures), the current one's counts, contradictions, cycle_mismatch;
 * nothing for a campaign without a cycle. */
static void write_periods(const Huibao__V1__Rollup *r, FILE *f)
{
  char a[128], d0[16], d1[16], due[32];
  if (!r->cycle || !*r->cycle)
    return;
  fprintf(f, "\n报送情况 reporting  周期 %s\n", safe(r->cycle, a, sizeof a));
  const Huibao__V1__Period *p = period_find(r, r->period_last_closed);
  if (p) {
    static const Huibao__V1__PeriodProblems p0 = HUIBAO__V1__PERIOD_PROBLEMS__INIT;
    const Huibao__V1__PeriodProblems *pr = p->problems ? p->problems : &p0;
    hb_totals act;
    hb_totals_from_pb(p->activities, &act);
    hb_date_format(p->start, d0, sizeof d0);
    hb_date_format(p->end, d1, sizeof d1);
    period_due(p, due, sizeof due);
    fprintf(f, "  上期 %s（%s..%s，截止 %s）：", safe(p->id, a, sizeof a), d0, d1, due);
    write_period_counts(p, f);
    write_state_units(r, p, HUIBAO__V1__PERIOD_STATE__PERIOD_LATE, "  迟报 late：", f);
    write_state_units(r, p, HUIBAO__V1__PERIOD_STATE__PERIOD_MISSING, "  未报 missing：", f);
    fprintf(f,
            "  上期活动 %" PRIu64 " 条（%" PRIu64 " 次，%" PRIu64 " 人次）；问题 查摆 %" PRIu64
            "，销号 %" PRIu64 "，期末逾期 %" PRIu64 "\n",
            act.records, act.sessions, act.participants, pr->identified, pr->resolved,
            pr->overdue_at_end);
  } else {
    fputs("  尚无已截止的报送期 (no period closed yet)\n", f);
  }
  if ((p = period_find(r, r->period_current)) != NULL) {
    period_due(p, due, sizeof due);
    fprintf(f, "  本期 %s（截止 %s）：", safe(p->id, a, sizeof a), due);
    write_period_counts(p, f);
  }
  for (size_t i = 0; i < r->n_contradictions; i++) {
    const Huibao__V1__Contradiction *c = r->contradictions[i];
    char b[128];
    fprintf(f, "%s%s %s 期有记录 %" PRIu64 " 条", i ? "；" : "  报无新增但有记录 contradictions：",
            unit_label(r, c->unit, a, sizeof a), safe(c->period, b, sizeof b), c->records);
  }
  if (r->n_contradictions)
    fputc('\n', f);
  for (size_t i = 0; i < r->n_cycle_mismatch; i++)
    fprintf(f, "%s%s", i ? "、" : "  周期不一致未合并 cycle mismatch：",
            safe(r->cycle_mismatch[i], a, sizeof a));
  if (r->n_cycle_mismatch)
    fputc('\n', f);
}

static void write_units(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  static const Huibao__V1__ProblemCounts zero = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  char n[9][24], sync[40];
  if (r->n_units == 0)
    return;
  fputs("\n单位 units\n", f);
  tbl_init(t, "lllllrrrrrrrl");
  tbl_row(t, (const char *[]){"代码", "名称", "类型", "县区", "应报", "记录", "活动", "次数",
                              "问题", "已整改", "整改中", "逾期", "最近同步"});
  for (size_t i = 0; i < r->n_units; i++) {
    const Huibao__V1__UnitRow *u = r->units[i];
    const Huibao__V1__ProblemCounts *p = u->problems ? u->problems : &zero;
    hb_totals a;
    hb_totals_from_pb(u->activities, &a);
    if (u->last_sync) {
      hb_time_format_iso(u->last_sync * 1000, sync, sizeof sync);
      sync[19] = '\0';
      sync[10] = ' ';
    } else {
      snprintf(sync, sizeof sync, "从未 never");
    }
    const char *ty = u->type ? hb_vocab_unit_type_zh(hb_vocab_unit_type(u->type)) : "?";
    tbl_row(t,
            (const char *[]){u->code, u->name, ty, u->county, u->expected ? "是" : "否",
                             u64s(n[0], u->records), u64s(n[1], a.records), u64s(n[2], a.sessions),
                             u64s(n[3], p->total), u64s(n[4], p->resolved),
                             u64s(n[5], p->rectifying), u64s(n[6], p->overdue), sync});
  }
  tbl_print(t, f, "  ");
  tbl_free(t);
}

/* Issue 14: the units with something under review (reviewed rollups
 * only), after the units table, which keeps its columns: 代码 名称 县区
 * 已整改 已销号 待销号 退回 重新打开 待审批撤销 活动退回. */
static void write_unit_review(const Huibao__V1__Rollup *r, FILE *f, tbl *t)
{
  char n[7][24];
  if (!hb_rollup_review_present(r->problems))
    return;
  bool head = false;
  for (size_t i = 0; i < r->n_units; i++) {
    const Huibao__V1__UnitRow *u = r->units[i];
    hb_rollup_review v;
    hb_rollup_review_of_pc(u->problems, &v);
    if (!v.confirmed && !v.claimed && !v.returned && !v.reopened && !v.deletion_pending &&
        !u->activities_returned)
      continue;
    if (!head) {
      fputs("\n单位审核 review\n", f);
      tbl_init(t, "lllrrrrrrr");
      tbl_row(t, (const char *[]){"代码", "名称", "县区", "已整改", "已销号", "待销号", "退回",
                                  "重新打开", "待审批撤销", "活动退回"});
      head = true;
    }
    tbl_row(t, (const char *[]){
                   u->code, u->name, u->county, u64s(n[0], u->problems ? u->problems->resolved : 0),
                   u64s(n[1], v.confirmed), u64s(n[2], v.claimed), u64s(n[3], v.returned),
                   u64s(n[4], v.reopened), u64s(n[5], v.deletion_pending),
                   u64s(n[6], u->activities_returned)});
  }
  if (!head)
    return;
  tbl_print(t, f, "  ");
  tbl_free(t);
}

int hb_rollup_write_table(const Huibao__V1__Rollup *r, FILE *f)
{
  tbl t;
  memset(&t, 0, sizeof t);
  bool failed = false;
  write_header(r, f);
  write_stage(r, f);
  write_activities(r, f, &t);
  failed |= t.failed;
  write_problems(r, f, &t);
  failed |= t.failed;
  write_indicators(r, f, &t);
  failed |= t.failed;
  write_cases(r, f);
  write_periods(r, f);
  write_units(r, f, &t);
  failed |= t.failed;
  write_unit_review(r, f, &t);
  failed |= t.failed;
  if (failed)
    return HB_ENOMEM;
  return ferror(f) ? HB_EIO : 0;
}
