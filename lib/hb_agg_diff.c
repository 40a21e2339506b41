/* hb_agg_diff.c: the first difference between two aggregates, in words
 * (what `huibao-aggregator verify` prints). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_date.h"

static bool totals_equal(const hb_totals *x, const hb_totals *y)
{
  return x->records == y->records && x->sessions == y->sessions &&
         x->participants == y->participants && x->outputs == y->outputs;
}

#define DIFF_U64(what, a, b)                                                                       \
  if ((a) != (b)) {                                                                                \
    snprintf(buf, len, "%s/%s: %s %" PRIu64 " != %" PRIu64, x->campaign, x->unit, what,            \
             (uint64_t)(a), (uint64_t)(b));                                                        \
    return true;                                                                                   \
  }

static void diff_totals(const hb_agg *x, const char *level, const char *kind, const hb_totals *p,
                        const hb_totals *q, char *buf, size_t len)
{
  snprintf(buf, len,
           "%s/%s: activities %s/%s records,sessions,participants,outputs "
           "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 " != %" PRIu64 ",%" PRIu64 ",%" PRIu64
           ",%" PRIu64,
           x->campaign, x->unit, level, kind, p->records, p->sessions, p->participants, p->outputs,
           q->records, q->sessions, q->participants, q->outputs);
}

/* The activities: built-in kinds, then declared ones. */
static bool diff_activities(const hb_agg *x, const hb_agg *y, char *buf, size_t len)
{
  for (int l = 1; l <= HB_LEVEL_MAX; l++)
    for (int k = 1; k <= HB_KIND_MAX; k++)
      if (!totals_equal(&x->act[l][k], &y->act[l][k])) {
        diff_totals(x, hb_vocab_level_code(l), hb_vocab_kind_code(k), &x->act[l][k], &y->act[l][k],
                    buf, len);
        return true;
      }
  for (size_t i = 0; i < x->nkcells || i < y->nkcells; i++) {
    const hb_kind_cell *p = i < x->nkcells ? &x->kcells[i] : NULL;
    const hb_kind_cell *q = i < y->nkcells ? &y->kcells[i] : NULL;
    if (!p || !q || strcmp(p->code, q->code) != 0 || p->level != q->level) {
      snprintf(buf, len, "%s/%s: activities of declared kinds %s/%s != %s/%s", x->campaign, x->unit,
               p ? hb_vocab_level_code(p->level) : "(none)", p ? p->code : "",
               q ? hb_vocab_level_code(q->level) : "(none)", q ? q->code : "");
      return true;
    }
    if (!totals_equal(&p->t, &q->t)) {
      diff_totals(x, hb_vocab_level_code(p->level), p->code, &p->t, &q->t, buf, len);
      return true;
    }
  }
  return false;
}

static bool diff_problems(const hb_agg *x, const hb_agg *y, char *buf, size_t len)
{
  DIFF_U64("problems", x->problems, y->problems);
  for (int s = 0; s <= HB_STATUS_MAX; s++)
    DIFF_U64(s ? hb_vocab_status_code(s) : "status unspecified", x->by_status[s], y->by_status[s]);
  for (int s = 0; s <= HB_SCOPE_MAX; s++)
    DIFF_U64(s ? hb_vocab_scope_code(s) : "scope unspecified", x->by_scope[s], y->by_scope[s]);
  for (int s = 0; s <= HB_SOURCE_MAX; s++)
    DIFF_U64(s ? hb_vocab_source_code(s) : "source unspecified", x->by_source[s], y->by_source[s]);
  for (int s = 0; s <= HB_TERM_MAX; s++)
    DIFF_U64(s ? hb_vocab_term_code(s) : "term unspecified", x->by_term[s], y->by_term[s]);
  DIFF_U64("measures", x->measures, y->measures);
  DIFF_U64("confirmed", x->rv.confirmed, y->rv.confirmed);
  DIFF_U64("returned", x->rv.returned, y->rv.returned);
  DIFF_U64("reopened", x->rv.reopened, y->rv.reopened);
  DIFF_U64("deletion_pending", x->rv.deletion_pending, y->rv.deletion_pending);
  DIFF_U64("activities returned", x->act_returned, y->act_returned);
  return false;
}

static bool diff_counts(const hb_agg *x, const char *what, const char *xc, uint64_t xn, uint64_t xr,
                        const char *yc, uint64_t yn, uint64_t yr, char *buf, size_t len)
{
  if (!xc || !yc || strcmp(xc, yc) != 0) {
    snprintf(buf, len, "%s/%s: %s %s != %s", x->campaign, x->unit, what, xc ? xc : "(none)",
             yc ? yc : "(none)");
    return true;
  }
  if (xn != yn || xr != yr) {
    snprintf(buf, len,
             "%s/%s: %s %s count,resolved %" PRIu64 ",%" PRIu64 " != %" PRIu64 ",%" PRIu64,
             x->campaign, x->unit, what, xc, xn, xr, yn, yr);
    return true;
  }
  return false;
}

/* Issue 14: a category's review counts (both categories of the same code). */
static bool diff_cat_review(const hb_agg *x, const hb_cat_count *p, const hb_cat_count *q,
                            char *buf, size_t len)
{
  const hb_review_counts *a = &p->rv, *b = &q->rv;
  if (a->confirmed == b->confirmed && a->returned == b->returned && a->reopened == b->reopened &&
      a->deletion_pending == b->deletion_pending)
    return false;
  snprintf(buf, len,
           "%s/%s: category %s confirmed,returned,reopened,deletion_pending %" PRIu64 ",%" PRIu64
           ",%" PRIu64 ",%" PRIu64 " != %" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
           x->campaign, x->unit, p->code, a->confirmed, a->returned, a->reopened,
           a->deletion_pending, b->confirmed, b->returned, b->reopened, b->deletion_pending);
  return true;
}

static bool diff_categories(const hb_agg *x, const hb_agg *y, char *buf, size_t len)
{
  for (size_t i = 0; i < x->ncats || i < y->ncats; i++) {
    const hb_cat_count *p = i < x->ncats ? &x->cats[i] : NULL;
    const hb_cat_count *q = i < y->ncats ? &y->cats[i] : NULL;
    if (diff_counts(x, "category", p ? p->code : NULL, p ? p->count : 0, p ? p->resolved : 0,
                    q ? q->code : NULL, q ? q->count : 0, q ? q->resolved : 0, buf, len) ||
        diff_cat_review(x, p, q, buf, len))
      return true;
    for (size_t j = 0; j < p->nsubs || j < q->nsubs; j++) {
      const hb_sub_count *a = j < p->nsubs ? &p->subs[j] : NULL;
      const hb_sub_count *b = j < q->nsubs ? &q->subs[j] : NULL;
      char what[300];
      snprintf(what, sizeof what, "category %s sub-category", p->code);
      if (diff_counts(x, what, a ? a->code : NULL, a ? a->count : 0, a ? a->resolved : 0,
                      b ? b->code : NULL, b ? b->count : 0, b ? b->resolved : 0, buf, len))
        return true;
    }
  }
  for (size_t i = 0; i < x->ndeadlines || i < y->ndeadlines; i++) {
    if (i >= x->ndeadlines || i >= y->ndeadlines || x->deadlines[i].day != y->deadlines[i].day ||
        x->deadlines[i].count != y->deadlines[i].count) {
      snprintf(buf, len, "%s/%s: open deadlines differ at entry %zu", x->campaign, x->unit, i);
      return true;
    }
  }
  return false;
}

static bool diff_outcomes(const hb_agg *x, const hb_agg *y, char *buf, size_t len)
{
  for (size_t i = 0; i < x->ninds || i < y->ninds; i++) {
    const hb_ind_sum *p = i < x->ninds ? &x->inds[i] : NULL;
    const hb_ind_sum *q = i < y->ninds ? &y->inds[i] : NULL;
    if (p && q && strcmp(p->code, q->code) == 0 && p->value == q->value && p->records == q->records)
      continue;
    if (!p || !q || strcmp(p->code, q->code) != 0)
      snprintf(buf, len, "%s/%s: indicator %s != %s", x->campaign, x->unit, p ? p->code : "(none)",
               q ? q->code : "(none)");
    else
      snprintf(buf, len,
               "%s/%s: indicator %s value/10000,records %" PRId64 ",%" PRIu64 " != %" PRId64
               ",%" PRIu64,
               x->campaign, x->unit, p->code, p->value, p->records, q->value, q->records);
    return true;
  }
  DIFF_U64("cases", x->cases, y->cases);
  for (int t = 0; t <= HB_CASE_MAX; t++)
    DIFF_U64(t ? hb_vocab_case_type_code(t) : "case type unspecified", x->by_case[t],
             y->by_case[t]);
  return false;
}

/* The day cells (issue 13). */
static bool diff_days(const hb_agg *x, const hb_agg *y, char *buf, size_t len)
{
  for (size_t i = 0; i < x->ndacts || i < y->ndacts; i++) {
    const hb_day_act *p = i < x->ndacts ? &x->dacts[i] : NULL;
    const hb_day_act *q = i < y->ndacts ? &y->dacts[i] : NULL;
    if (p && q && p->day == q->day && p->kind == q->kind &&
        ((!p->code && !q->code) || (p->code && q->code && strcmp(p->code, q->code) == 0)) &&
        totals_equal(&p->t, &q->t))
      continue;
    char dp[16] = "(none)", dq[16] = "(none)";
    if (p)
      hb_date_format(p->day, dp, sizeof dp);
    if (q)
      hb_date_format(q->day, dq, sizeof dq);
    snprintf(buf, len,
             "%s/%s: activities by day %s %s records %" PRIu64 " != %s %s records %" PRIu64,
             x->campaign, x->unit, dp, p ? (p->code ? p->code : hb_vocab_kind_code(p->kind)) : "",
             p ? p->t.records : 0, dq, q ? (q->code ? q->code : hb_vocab_kind_code(q->kind)) : "",
             q ? q->t.records : 0);
    return true;
  }
  for (size_t i = 0; i < x->ndprobs || i < y->ndprobs; i++) {
    const hb_day_prob *p = i < x->ndprobs ? &x->dprobs[i] : NULL;
    const hb_day_prob *q = i < y->ndprobs ? &y->dprobs[i] : NULL;
    if (p && q && p->day == q->day && p->identified == q->identified &&
        p->resolved == q->resolved && p->overdue_delta == q->overdue_delta)
      continue;
    char dp[16] = "(none)", dq[16] = "(none)";
    if (p)
      hb_date_format(p->day, dp, sizeof dp);
    if (q)
      hb_date_format(q->day, dq, sizeof dq);
    snprintf(buf, len,
             "%s/%s: problems by day (identified,resolved,overdue_delta) %s %" PRIu64 ",%" PRIu64
             ",%" PRId64 " != %s %" PRIu64 ",%" PRIu64 ",%" PRId64,
             x->campaign, x->unit, dp, p ? p->identified : 0, p ? p->resolved : 0,
             p ? p->overdue_delta : 0, dq, q ? q->identified : 0, q ? q->resolved : 0,
             q ? q->overdue_delta : 0);
    return true;
  }
  return false;
}

/* Writes "" into buf if x and y are equal, else the first difference. */
void hb_agg_diff(const hb_agg *x, const hb_agg *y, char *buf, size_t len)
{
  if (len == 0)
    return;
  buf[0] = '\0';
  if (strcmp(x->campaign, y->campaign) != 0 || strcmp(x->unit, y->unit) != 0) {
    snprintf(buf, len, "key %s/%s != %s/%s", x->campaign, x->unit, y->campaign, y->unit);
    return;
  }
  if (x->records != y->records) {
    snprintf(buf, len, "%s/%s: records %" PRIu64 " != %" PRIu64, x->campaign, x->unit, x->records,
             y->records);
    return;
  }
  if (diff_activities(x, y, buf, len) || diff_problems(x, y, buf, len) ||
      diff_categories(x, y, buf, len) || diff_outcomes(x, y, buf, len) || diff_days(x, y, buf, len))
    return;
}
