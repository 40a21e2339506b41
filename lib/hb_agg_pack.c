/* hb_agg_pack.c: an hb_agg as the stored UnitAggregate message, and back. */
#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_agg_internal.h"
#include "hb_err.h"

/* What the packed message points to, besides a's own strings. */
typedef struct pack_mem {
  Huibao__V1__ActivityCell *cells, **cellp;
  Huibao__V1__Totals *tots;
  Huibao__V1__CategoryCount *cats, **catp, *subs, **subp;
  Huibao__V1__DeadlineCount *dls, **dlp;
  Huibao__V1__IndicatorSum *inds, **indp;
} pack_mem;

static void pack_mem_free(pack_mem *m)
{
  free(m->cells);
  free(m->cellp);
  free(m->tots);
  free(m->cats);
  free(m->catp);
  free(m->subs);
  free(m->subp);
  free(m->dls);
  free(m->dlp);
  free(m->inds);
  free(m->indp);
}

static void cell_set(Huibao__V1__ActivityCell *c, Huibao__V1__Totals *t, int level, int kind,
                     char *code, const hb_totals *tot)
{
  huibao__v1__activity_cell__init(c);
  c->level = (Huibao__V1__ActivityLevel)level;
  c->kind = (Huibao__V1__ActivityKind)kind;
  c->kind_code = code;
  hb_totals_to_pb(tot, t);
  c->totals = t;
}

static int pack_cells(const hb_agg *a, pack_mem *m, Huibao__V1__UnitAggregate *u)
{
  size_t cap = (size_t)HB_LEVEL_MAX * HB_KIND_MAX + a->nkcells;
  m->cells = calloc(cap, sizeof *m->cells);
  m->cellp = calloc(cap, sizeof *m->cellp);
  m->tots = calloc(cap, sizeof *m->tots);
  if (!m->cells || !m->cellp || !m->tots)
    return HB_ENOMEM;
  size_t n = 0;
  for (int l = 1; l <= HB_LEVEL_MAX; l++)
    for (int k = 1; k <= HB_KIND_MAX; k++) {
      if (a->act[l][k].records == 0)
        continue;
      cell_set(&m->cells[n], &m->tots[n], l, k, NULL, &a->act[l][k]);
      m->cellp[n] = &m->cells[n];
      n++;
    }
  for (size_t i = 0; i < a->nkcells; i++) {
    const hb_kind_cell *kc = &a->kcells[i];
    cell_set(&m->cells[n], &m->tots[n], kc->level, 0, kc->code, &kc->t);
    m->cellp[n] = &m->cells[n];
    n++;
  }
  u->n_activities = n;
  u->activities = m->cellp;
  return 0;
}

static void count_set(Huibao__V1__CategoryCount *c, char *code, uint64_t count, uint64_t resolved)
{
  huibao__v1__category_count__init(c);
  c->code = code;
  c->has_count = c->has_resolved = 1;
  c->count = count;
  c->resolved = resolved;
}

/* Issue 14: the review counts, each only when not zero (an aggregate
 * without them packs as the previous version packed it). */
static void pack_review_cat(const hb_review_counts *rv, Huibao__V1__CategoryCount *c)
{
  c->confirmed = rv->confirmed;
  c->returned = rv->returned;
  c->deletion_pending = rv->deletion_pending;
  c->reopened = rv->reopened;
  c->has_confirmed = c->confirmed != 0;
  c->has_returned = c->returned != 0;
  c->has_deletion_pending = c->deletion_pending != 0;
  c->has_reopened = c->reopened != 0;
}

static void pack_review(const hb_review_counts *rv, Huibao__V1__ProblemCounts *pc)
{
  pc->confirmed = rv->confirmed;
  pc->returned = rv->returned;
  pc->deletion_pending = rv->deletion_pending;
  pc->reopened = rv->reopened;
  pc->has_confirmed = pc->confirmed != 0;
  pc->has_returned = pc->returned != 0;
  pc->has_deletion_pending = pc->deletion_pending != 0;
  pc->has_reopened = pc->reopened != 0;
}

static int pack_cats(const hb_agg *a, pack_mem *m, Huibao__V1__UnitAggregate *u)
{
  size_t nsubs = 0;
  for (size_t i = 0; i < a->ncats; i++)
    nsubs += a->cats[i].nsubs;
  m->cats = calloc(a->ncats + 1, sizeof *m->cats);
  m->catp = calloc(a->ncats + 1, sizeof *m->catp);
  m->subs = calloc(nsubs + 1, sizeof *m->subs);
  m->subp = calloc(nsubs + 1, sizeof *m->subp);
  if (!m->cats || !m->catp || !m->subs || !m->subp)
    return HB_ENOMEM;
  size_t s = 0;
  for (size_t i = 0; i < a->ncats; i++) {
    const hb_cat_count *cc = &a->cats[i];
    count_set(&m->cats[i], cc->code, cc->count, cc->resolved);
    pack_review_cat(&cc->rv, &m->cats[i]);
    m->cats[i].n_subcategories = cc->nsubs;
    m->cats[i].subcategories = cc->nsubs ? &m->subp[s] : NULL;
    for (size_t j = 0; j < cc->nsubs; j++, s++) {
      count_set(&m->subs[s], cc->subs[j].code, cc->subs[j].count, cc->subs[j].resolved);
      m->subp[s] = &m->subs[s];
    }
    m->catp[i] = &m->cats[i];
  }
  u->n_categories = a->ncats;
  u->categories = a->ncats ? m->catp : NULL;
  m->dls = calloc(a->ndeadlines + 1, sizeof *m->dls);
  m->dlp = calloc(a->ndeadlines + 1, sizeof *m->dlp);
  if (!m->dls || !m->dlp)
    return HB_ENOMEM;
  for (size_t i = 0; i < a->ndeadlines; i++) {
    huibao__v1__deadline_count__init(&m->dls[i]);
    m->dls[i].day = a->deadlines[i].day;
    m->dls[i].count = a->deadlines[i].count;
    m->dlp[i] = &m->dls[i];
  }
  u->n_open_deadlines = a->ndeadlines;
  u->open_deadlines = a->ndeadlines ? m->dlp : NULL;
  return 0;
}

static int pack_inds(const hb_agg *a, pack_mem *m, Huibao__V1__UnitAggregate *u)
{
  m->inds = calloc(a->ninds + 1, sizeof *m->inds);
  m->indp = calloc(a->ninds + 1, sizeof *m->indp);
  if (!m->inds || !m->indp)
    return HB_ENOMEM;
  for (size_t i = 0; i < a->ninds; i++) {
    Huibao__V1__IndicatorSum *s = &m->inds[i];
    huibao__v1__indicator_sum__init(s);
    s->code = a->inds[i].code;
    s->has_value = s->has_records = 1;
    s->value = a->inds[i].value;
    s->records = a->inds[i].records;
    m->indp[i] = s;
  }
  u->n_indicators = a->ninds;
  u->indicators = a->ninds ? m->indp : NULL;
  return 0;
}

/* The problem counts; the figures of issue 12 only when not zero, so that
 * an aggregate without them packs as the previous version packed it. */
static void pack_problems(const hb_agg *a, Huibao__V1__ProblemCounts *pc)
{
  pc->has_total = pc->has_identified = pc->has_rectifying = pc->has_resolved = 1;
  pc->has_measures = pc->has_individual = pc->has_team = 1;
  pc->total = a->problems;
  pc->identified = a->by_status[HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED];
  pc->rectifying = a->by_status[HUIBAO__V1__PROBLEM_STATUS__RECTIFYING];
  pc->resolved = a->by_status[HUIBAO__V1__PROBLEM_STATUS__RESOLVED];
  pc->measures = a->measures;
  pc->individual = a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__INDIVIDUAL];
  pc->team = a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__TEAM];
  pc->source_new = a->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_NEW];
  pc->source_existing = a->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_EXISTING];
  pc->term_immediate = a->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_IMMEDIATE];
  pc->term_long = a->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_LONG];
  pc->has_source_new = pc->source_new != 0;
  pc->has_source_existing = pc->source_existing != 0;
  pc->has_term_immediate = pc->term_immediate != 0;
  pc->has_term_long = pc->term_long != 0;
  pack_review(&a->rv, pc);
}

int hb_agg_pack(const hb_agg *a, uint8_t **buf, size_t *len)
{
  Huibao__V1__UnitAggregate u = HUIBAO__V1__UNIT_AGGREGATE__INIT;
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  Huibao__V1__CaseCounts cc = HUIBAO__V1__CASE_COUNTS__INIT;
  pack_mem m;
  memset(&m, 0, sizeof m);
  u.campaign = a->campaign;
  u.unit = a->unit;
  u.has_records = 1;
  u.records = a->records;
  u.has_activities_returned = a->act_returned != 0;
  u.activities_returned = a->act_returned;
  pack_problems(a, &pc);
  u.problems = &pc;
  if (a->cases) {
    cc.has_total = cc.has_typical = cc.has_practice = cc.has_group = cc.has_person = 1;
    cc.total = a->cases;
    cc.typical = a->by_case[HUIBAO__V1__CASE_TYPE__CASE_TYPICAL];
    cc.practice = a->by_case[HUIBAO__V1__CASE_TYPE__CASE_PRACTICE];
    cc.group = a->by_case[HUIBAO__V1__CASE_TYPE__CASE_GROUP];
    cc.person = a->by_case[HUIBAO__V1__CASE_TYPE__CASE_PERSON];
    u.cases = &cc;
  }
  int rc = pack_cells(a, &m, &u);
  if (rc == 0)
    rc = pack_cats(a, &m, &u);
  if (rc == 0)
    rc = pack_inds(a, &m, &u);
  if (rc == 0) { /* the day cells (fields 10, 11: the last) appended by hand */
    size_t sz = huibao__v1__unit_aggregate__get_packed_size(&u);
    size_t days = hb_agg_days_packed_size(a);
    *buf = malloc(sz + days ? sz + days : 1);
    if (*buf) {
      *len = huibao__v1__unit_aggregate__pack(&u, *buf);
      *len += hb_agg_days_pack(a, *buf + *len);
    } else {
      rc = HB_ENOMEM;
    }
  }
  pack_mem_free(&m);
  return rc;
}

/* ---------------------------------------------------------------- unpack */

static int unpack_cells(const Huibao__V1__UnitAggregate *m, hb_agg *out)
{
  for (size_t i = 0; i < m->n_activities; i++) {
    const Huibao__V1__ActivityCell *c = m->activities[i];
    int l = (int)c->level, k = (int)c->kind;
    if (l < 1 || l > HB_LEVEL_MAX)
      return HB_EPARSE;
    if (c->kind_code && c->kind_code[0]) {
      size_t at;
      int created;
      if (k != 0)
        return HB_EPARSE;
      if (hb_agg_kcell_get(out, c->kind_code, l, &at, &created) != 0)
        return HB_ENOMEM;
      if (!created) /* a cell twice */
        return HB_EPARSE;
      hb_totals_from_pb(c->totals, &out->kcells[at].t);
      continue;
    }
    if (k < 1 || k > HB_KIND_MAX)
      return HB_EPARSE;
    hb_totals_from_pb(c->totals, &out->act[l][k]);
  }
  return 0;
}

/* by[0] = total - the rest; HB_EPARSE if the rest is more than total. */
static int unpack_rest(uint64_t *by, int max, uint64_t total)
{
  uint64_t sum = 0;
  for (int i = 1; i <= max; i++) {
    if (by[i] > total - sum)
      return HB_EPARSE;
    sum += by[i];
  }
  by[0] = total - sum;
  return 0;
}

static int unpack_problems(const Huibao__V1__ProblemCounts *pc, hb_agg *out)
{
  if (!pc)
    return 0;
  out->problems = pc->total;
  out->by_status[HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED] = pc->identified;
  out->by_status[HUIBAO__V1__PROBLEM_STATUS__RECTIFYING] = pc->rectifying;
  out->by_status[HUIBAO__V1__PROBLEM_STATUS__RESOLVED] = pc->resolved;
  out->by_scope[HUIBAO__V1__PROBLEM_SCOPE__INDIVIDUAL] = pc->individual;
  out->by_scope[HUIBAO__V1__PROBLEM_SCOPE__TEAM] = pc->team;
  out->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_NEW] = pc->source_new;
  out->by_source[HUIBAO__V1__PROBLEM_SOURCE__SOURCE_EXISTING] = pc->source_existing;
  out->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_IMMEDIATE] = pc->term_immediate;
  out->by_term[HUIBAO__V1__PROBLEM_TERM__TERM_LONG] = pc->term_long;
  out->measures = pc->measures;
  out->rv.confirmed = pc->confirmed; /* issue 14: absent (an older store) = 0 */
  out->rv.returned = pc->returned;
  out->rv.deletion_pending = pc->deletion_pending;
  out->rv.reopened = pc->reopened;
  if (unpack_rest(out->by_status, HB_STATUS_MAX, pc->total) != 0 ||
      unpack_rest(out->by_scope, HB_SCOPE_MAX, pc->total) != 0 ||
      unpack_rest(out->by_source, HB_SOURCE_MAX, pc->total) != 0 ||
      unpack_rest(out->by_term, HB_TERM_MAX, pc->total) != 0)
    return HB_EPARSE;
  return 0;
}

static int unpack_cats(const Huibao__V1__UnitAggregate *m, hb_agg *out)
{
  for (size_t i = 0; i < m->n_categories; i++) {
    const Huibao__V1__CategoryCount *c = m->categories[i];
    size_t at;
    int created;
    if (!c->code || hb_agg_cat_get(out, c->code, &at, &created) != 0)
      return c->code ? HB_ENOMEM : HB_EPARSE;
    if (!created) /* duplicate code */
      return HB_EPARSE;
    out->cats[at].count = c->count;
    out->cats[at].resolved = c->resolved;
    out->cats[at].rv.confirmed = c->confirmed;
    out->cats[at].rv.returned = c->returned;
    out->cats[at].rv.deletion_pending = c->deletion_pending;
    out->cats[at].rv.reopened = c->reopened;
    for (size_t j = 0; j < c->n_subcategories; j++) {
      const Huibao__V1__CategoryCount *sc = c->subcategories[j];
      size_t sat;
      if (!sc->code || hb_agg_sub_get(&out->cats[at], sc->code, &sat, &created) != 0)
        return sc->code ? HB_ENOMEM : HB_EPARSE;
      if (!created)
        return HB_EPARSE;
      out->cats[at].subs[sat].count = sc->count;
      out->cats[at].subs[sat].resolved = sc->resolved;
    }
  }
  for (size_t i = 0; i < m->n_open_deadlines; i++) {
    const Huibao__V1__DeadlineCount *d = m->open_deadlines[i];
    size_t at;
    int created;
    if (hb_agg_deadline_get(out, d->day, &at, &created) != 0)
      return HB_ENOMEM;
    if (!created)
      return HB_EPARSE;
    out->deadlines[at].count = d->count;
  }
  return 0;
}

static int unpack_outcomes(const Huibao__V1__UnitAggregate *m, hb_agg *out)
{
  for (size_t i = 0; i < m->n_indicators; i++) {
    const Huibao__V1__IndicatorSum *s = m->indicators[i];
    size_t at;
    int created;
    if (hb_agg_ind_get(out, s->code, &at, &created) != 0)
      return HB_ENOMEM;
    if (!created)
      return HB_EPARSE;
    out->inds[at].value = s->value;
    out->inds[at].records = s->records;
  }
  const Huibao__V1__CaseCounts *cc = m->cases;
  if (cc) {
    out->cases = cc->total;
    out->by_case[HUIBAO__V1__CASE_TYPE__CASE_TYPICAL] = cc->typical;
    out->by_case[HUIBAO__V1__CASE_TYPE__CASE_PRACTICE] = cc->practice;
    out->by_case[HUIBAO__V1__CASE_TYPE__CASE_GROUP] = cc->group;
    out->by_case[HUIBAO__V1__CASE_TYPE__CASE_PERSON] = cc->person;
    if (unpack_rest(out->by_case, HB_CASE_MAX, cc->total) != 0)
      return HB_EPARSE;
  }
  return 0;
}

/* The day cells; a UnitAggregate of the previous version has none. A
 * cell twice, without a figure or of an unknown kind does not decode. */
static int unpack_days(const Huibao__V1__UnitAggregate *m, hb_agg *out)
{
  for (size_t i = 0; i < m->n_day_activities; i++) {
    const Huibao__V1__DayActivities *d = m->day_activities[i];
    const char *code = d->kind_code && d->kind_code[0] ? d->kind_code : NULL;
    int kind = d->has_kind ? (int)d->kind : 0;
    if (code ? kind != 0 : (kind < 1 || kind > HB_KIND_MAX))
      return HB_EPARSE;
    size_t at;
    int created;
    if (hb_agg_dact_get(out, d->day, kind, code, &at, &created) != 0)
      return HB_ENOMEM;
    hb_totals_from_pb(d->totals, &out->dacts[at].t);
    if (!created || out->dacts[at].t.records == 0)
      return HB_EPARSE;
  }
  for (size_t i = 0; i < m->n_day_problems; i++) {
    const Huibao__V1__DayProblems *d = m->day_problems[i];
    size_t at;
    int created;
    if (hb_agg_dprob_get(out, d->day, &at, &created) != 0)
      return HB_ENOMEM;
    hb_day_prob *c = &out->dprobs[at];
    c->identified = d->identified;
    c->resolved = d->resolved;
    c->overdue_delta = d->overdue_delta;
    if (!created || (c->identified == 0 && c->resolved == 0 && c->overdue_delta == 0))
      return HB_EPARSE;
  }
  return 0;
}

int hb_agg_unpack(const uint8_t *buf, size_t len, hb_agg *out)
{
  memset(out, 0, sizeof *out);
  Huibao__V1__UnitAggregate *m = huibao__v1__unit_aggregate__unpack(NULL, len, buf);
  if (!m)
    return HB_EPARSE;
  int rc = hb_agg_init(out, m->campaign, m->unit);
  if (rc != 0)
    goto done;
  out->records = m->has_records ? m->records : 0;
  out->act_returned = m->activities_returned;
  if ((rc = unpack_cells(m, out)) == 0 && (rc = unpack_problems(m->problems, out)) == 0 &&
      (rc = unpack_cats(m, out)) == 0 && (rc = unpack_outcomes(m, out)) == 0)
    rc = unpack_days(m, out);
  if (rc != 0)
    hb_agg_free(out);
done:
  huibao__v1__unit_aggregate__free_unpacked(m, NULL);
  return rc;
}
