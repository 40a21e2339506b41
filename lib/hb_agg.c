/* hb_agg.c: running totals of one (campaign, unit), changed by deltas. */
#include "hb_agg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

int hb_agg_init(hb_agg *a, const char *campaign, const char *unit)
{
  memset(a, 0, sizeof *a);
  a->campaign = strdup(campaign ? campaign : "");
  a->unit = strdup(unit ? unit : "");
  if (!a->campaign || !a->unit) {
    hb_agg_free(a);
    return HB_ENOMEM;
  }
  return 0;
}

void hb_agg_free(hb_agg *a)
{
  if (!a)
    return;
  for (size_t i = 0; i < a->ncats; i++)
    free(a->cats[i].code);
  free(a->cats);
  free(a->deadlines);
  free(a->campaign);
  free(a->unit);
  memset(a, 0, sizeof *a);
}

int hb_agg_copy(hb_agg *dst, const hb_agg *src)
{
  *dst = *src;
  dst->campaign = dst->unit = NULL;
  dst->cats = NULL;
  dst->deadlines = NULL;
  dst->ncats = dst->capcats = dst->ndeadlines = dst->capdeadlines = 0;
  dst->campaign = strdup(src->campaign);
  dst->unit = strdup(src->unit);
  if (!dst->campaign || !dst->unit)
    goto nomem;
  if (src->ncats) {
    dst->cats = calloc(src->ncats, sizeof *dst->cats);
    if (!dst->cats)
      goto nomem;
    dst->capcats = src->ncats;
    for (size_t i = 0; i < src->ncats; i++) {
      dst->cats[i] = src->cats[i];
      dst->cats[i].code = strdup(src->cats[i].code);
      if (!dst->cats[i].code)
        goto nomem;
      dst->ncats = i + 1;
    }
  }
  if (src->ndeadlines) {
    dst->deadlines = malloc(src->ndeadlines * sizeof *dst->deadlines);
    if (!dst->deadlines)
      goto nomem;
    memcpy(dst->deadlines, src->deadlines, src->ndeadlines * sizeof *dst->deadlines);
    dst->ndeadlines = dst->capdeadlines = src->ndeadlines;
  }
  return 0;
nomem:
  hb_agg_free(dst);
  return HB_ENOMEM;
}

/* Index of code in a->cats, or -(insertion point) - 1. */
static long agg_cat_find(const hb_agg *a, const char *code)
{
  size_t lo = 0, hi = a->ncats;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(a->cats[mid].code, code);
    if (c == 0)
      return (long)mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -(long)lo - 1;
}

static long agg_deadline_find(const hb_agg *a, int32_t day)
{
  size_t lo = 0, hi = a->ndeadlines;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (a->deadlines[mid].day == day)
      return (long)mid;
    if (a->deadlines[mid].day < day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -(long)lo - 1;
}

/* Inserts a zero category at position pos (taking ownership of nothing). */
static int agg_cat_insert(hb_agg *a, size_t pos, const char *code)
{
  if (a->ncats == a->capcats) {
    size_t cap = a->capcats ? 2 * a->capcats : 8;
    hb_cat_count *n = realloc(a->cats, cap * sizeof *n);
    if (!n)
      return HB_ENOMEM;
    a->cats = n;
    a->capcats = cap;
  }
  char *dup = strdup(code);
  if (!dup)
    return HB_ENOMEM;
  memmove(a->cats + pos + 1, a->cats + pos, (a->ncats - pos) * sizeof *a->cats);
  a->cats[pos] = (hb_cat_count){dup, 0, 0};
  a->ncats++;
  return 0;
}

static int agg_deadline_insert(hb_agg *a, size_t pos, int32_t day)
{
  if (a->ndeadlines == a->capdeadlines) {
    size_t cap = a->capdeadlines ? 2 * a->capdeadlines : 8;
    hb_deadline_count *n = realloc(a->deadlines, cap * sizeof *n);
    if (!n)
      return HB_ENOMEM;
    a->deadlines = n;
    a->capdeadlines = cap;
  }
  memmove(a->deadlines + pos + 1, a->deadlines + pos, (a->ndeadlines - pos) * sizeof *a->deadlines);
  a->deadlines[pos] = (hb_deadline_count){day, 0};
  a->ndeadlines++;
  return 0;
}

static bool agg_same_campaign(const hb_agg *a, const char *campaign)
{
  return campaign && strcmp(a->campaign, campaign) == 0;
}

int hb_agg_add_activity(hb_agg *a, const Huibao__V1__Activity *r, int sign)
{
  if (r->deleted)
    return 0;
  if (!agg_same_campaign(a, r->campaign) || (sign != 1 && sign != -1))
    return HB_EINVAL;
  int level = r->has_level ? (int)r->level : 0, kind = r->has_kind ? (int)r->kind : 0;
  if (level < 1 || level > HB_LEVEL_MAX || kind < 1 || kind > HB_KIND_MAX)
    return HB_EINVAL;
  uint64_t sessions = r->has_sessions ? r->sessions : 0;
  uint64_t participants = r->has_participants ? r->participants : 0;
  uint64_t outputs = r->has_outputs ? r->outputs : 0;
  hb_totals *t = &a->act[level][kind];
  if (sign < 0) {
    if (t->records < 1 || t->sessions < sessions || t->participants < participants ||
        t->outputs < outputs || a->records < 1)
      return HB_EINVAL;
    t->records--;
    t->sessions -= sessions;
    t->participants -= participants;
    t->outputs -= outputs;
    a->records--;
  } else {
    t->records++;
    t->sessions += sessions;
    t->participants += participants;
    t->outputs += outputs;
    a->records++;
  }
  return 0;
}

int hb_agg_add_problem(hb_agg *a, const Huibao__V1__Problem *r, int sign)
{
  if (r->deleted)
    return 0;
  if (!agg_same_campaign(a, r->campaign) || (sign != 1 && sign != -1))
    return HB_EINVAL;
  int status = r->has_status ? (int)r->status : 0, scope = r->has_scope ? (int)r->scope : 0;
  if (status < 0 || status > HB_STATUS_MAX || scope < 0 || scope > HB_SCOPE_MAX)
    return HB_EINVAL;
  uint64_t measures = r->has_measures ? r->measures : 0;
  bool resolved = status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  const char *cat = r->category && r->category[0] ? r->category : NULL;
  bool open_deadline = !resolved && r->has_deadline && r->deadline != 0;
  long ci = cat ? agg_cat_find(a, cat) : 0;
  long di = open_deadline ? agg_deadline_find(a, r->deadline) : 0;

  if (sign < 0) {
    if (a->records < 1 || a->problems < 1 || a->by_status[status] < 1 || a->by_scope[scope] < 1 ||
        a->measures < measures)
      return HB_EINVAL;
    if (cat && (ci < 0 || a->cats[ci].count < 1 || (resolved && a->cats[ci].resolved < 1)))
      return HB_EINVAL;
    if (open_deadline && (di < 0 || a->deadlines[di].count < 1))
      return HB_EINVAL;
    a->records--;
    a->problems--;
    a->by_status[status]--;
    a->by_scope[scope]--;
    a->measures -= measures;
    if (cat) {
      hb_cat_count *c = &a->cats[ci];
      c->count--;
      if (resolved)
        c->resolved--;
      if (c->count == 0) {
        free(c->code);
        memmove(a->cats + ci, a->cats + ci + 1, (a->ncats - (size_t)ci - 1) * sizeof *a->cats);
        a->ncats--;
      }
    }
    if (open_deadline && --a->deadlines[di].count == 0) {
      memmove(a->deadlines + di, a->deadlines + di + 1,
              (a->ndeadlines - (size_t)di - 1) * sizeof *a->deadlines);
      a->ndeadlines--;
    }
    return 0;
  }

  /* insertions first: they are the only steps that can fail */
  if (cat && ci < 0) {
    ci = -ci - 1;
    if (agg_cat_insert(a, (size_t)ci, cat) != 0)
      return HB_ENOMEM;
  }
  if (open_deadline && di < 0) {
    di = -di - 1;
    if (agg_deadline_insert(a, (size_t)di, r->deadline) != 0) {
      if (cat && a->cats[ci].count == 0) {
        free(a->cats[ci].code);
        memmove(a->cats + ci, a->cats + ci + 1, (a->ncats - (size_t)ci - 1) * sizeof *a->cats);
        a->ncats--;
      }
      return HB_ENOMEM;
    }
  }
  a->records++;
  a->problems++;
  a->by_status[status]++;
  a->by_scope[scope]++;
  a->measures += measures;
  if (cat) {
    a->cats[ci].count++;
    if (resolved)
      a->cats[ci].resolved++;
  }
  if (open_deadline)
    a->deadlines[di].count++;
  return 0;
}

uint64_t hb_agg_overdue(const hb_agg *a, int32_t today)
{
  uint64_t n = 0;
  for (size_t i = 0; i < a->ndeadlines && a->deadlines[i].day < today; i++)
    n += a->deadlines[i].count;
  return n;
}

hb_totals hb_agg_activity_totals(const hb_agg *a)
{
  hb_totals t = {0, 0, 0, 0};
  for (int l = 1; l <= HB_LEVEL_MAX; l++)
    for (int k = 1; k <= HB_KIND_MAX; k++) {
      t.records += a->act[l][k].records;
      t.sessions += a->act[l][k].sessions;
      t.participants += a->act[l][k].participants;
      t.outputs += a->act[l][k].outputs;
    }
  return t;
}

bool hb_agg_is_empty(const hb_agg *a)
{
  if (a->records || a->problems || a->measures || a->ncats || a->ndeadlines)
    return false;
  hb_totals t = hb_agg_activity_totals(a);
  return t.records == 0 && t.sessions == 0 && t.participants == 0 && t.outputs == 0;
}

static bool totals_equal(const hb_totals *x, const hb_totals *y)
{
  return x->records == y->records && x->sessions == y->sessions &&
         x->participants == y->participants && x->outputs == y->outputs;
}

bool hb_agg_equal(const hb_agg *x, const hb_agg *y)
{
  char buf[8];
  hb_agg_diff(x, y, buf, sizeof buf);
  return buf[0] == '\0';
}

#define DIFF_U64(what, a, b)                                                                       \
  if ((a) != (b)) {                                                                                \
    snprintf(buf, len, "%s/%s: %s %" PRIu64 " != %" PRIu64, x->campaign, x->unit, what,            \
             (uint64_t)(a), (uint64_t)(b));                                                        \
    return;                                                                                        \
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
  DIFF_U64("records", x->records, y->records);
  for (int l = 1; l <= HB_LEVEL_MAX; l++)
    for (int k = 1; k <= HB_KIND_MAX; k++) {
      const hb_totals *p = &x->act[l][k], *q = &y->act[l][k];
      if (!totals_equal(p, q)) {
        snprintf(buf, len,
                 "%s/%s: activities %s/%s records,sessions,participants,outputs "
                 "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 " != %" PRIu64 ",%" PRIu64
                 ",%" PRIu64 ",%" PRIu64,
                 x->campaign, x->unit, hb_vocab_level_code(l), hb_vocab_kind_code(k), p->records,
                 p->sessions, p->participants, p->outputs, q->records, q->sessions, q->participants,
                 q->outputs);
        return;
      }
    }
  DIFF_U64("problems", x->problems, y->problems);
  for (int s = 0; s <= HB_STATUS_MAX; s++)
    DIFF_U64(s ? hb_vocab_status_code(s) : "status unspecified", x->by_status[s], y->by_status[s]);
  for (int s = 0; s <= HB_SCOPE_MAX; s++)
    DIFF_U64(s ? hb_vocab_scope_code(s) : "scope unspecified", x->by_scope[s], y->by_scope[s]);
  DIFF_U64("measures", x->measures, y->measures);
  for (size_t i = 0; i < x->ncats || i < y->ncats; i++) {
    if (i >= x->ncats || i >= y->ncats || strcmp(x->cats[i].code, y->cats[i].code) != 0) {
      snprintf(buf, len, "%s/%s: category %s != %s", x->campaign, x->unit,
               i < x->ncats ? x->cats[i].code : "(none)",
               i < y->ncats ? y->cats[i].code : "(none)");
      return;
    }
    if (x->cats[i].count != y->cats[i].count || x->cats[i].resolved != y->cats[i].resolved) {
      snprintf(buf, len,
               "%s/%s: category %s count,resolved %" PRIu64 ",%" PRIu64 " != %" PRIu64 ",%" PRIu64,
               x->campaign, x->unit, x->cats[i].code, x->cats[i].count, x->cats[i].resolved,
               y->cats[i].count, y->cats[i].resolved);
      return;
    }
  }
  for (size_t i = 0; i < x->ndeadlines || i < y->ndeadlines; i++) {
    if (i >= x->ndeadlines || i >= y->ndeadlines || x->deadlines[i].day != y->deadlines[i].day ||
        x->deadlines[i].count != y->deadlines[i].count) {
      snprintf(buf, len, "%s/%s: open deadlines differ at entry %zu", x->campaign, x->unit, i);
      return;
    }
  }
}

/* ---------------------------------------------------------------- pack */

int hb_agg_pack(const hb_agg *a, uint8_t **buf, size_t *len)
{
  enum { NCELLS = HB_LEVEL_MAX * HB_KIND_MAX };
  Huibao__V1__ActivityCell cells[NCELLS], *cellp[NCELLS];
  Huibao__V1__Totals tots[NCELLS];
  Huibao__V1__UnitAggregate m = HUIBAO__V1__UNIT_AGGREGATE__INIT;
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  Huibao__V1__CategoryCount *cats = NULL, **catp = NULL;
  Huibao__V1__DeadlineCount *dls = NULL, **dlp = NULL;
  int rc = HB_ENOMEM;

  m.campaign = a->campaign;
  m.unit = a->unit;
  m.has_records = 1;
  m.records = a->records;
  size_t n = 0;
  for (int l = 1; l <= HB_LEVEL_MAX; l++)
    for (int k = 1; k <= HB_KIND_MAX; k++) {
      if (a->act[l][k].records == 0)
        continue;
      huibao__v1__activity_cell__init(&cells[n]);
      cells[n].level = (Huibao__V1__ActivityLevel)l;
      cells[n].kind = (Huibao__V1__ActivityKind)k;
      hb_totals_to_pb(&a->act[l][k], &tots[n]);
      cells[n].totals = &tots[n];
      cellp[n] = &cells[n];
      n++;
    }
  m.n_activities = n;
  m.activities = cellp;

  pc.has_total = pc.has_identified = pc.has_rectifying = pc.has_resolved = 1;
  pc.has_measures = pc.has_individual = pc.has_team = 1;
  pc.total = a->problems;
  pc.identified = a->by_status[HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED];
  pc.rectifying = a->by_status[HUIBAO__V1__PROBLEM_STATUS__RECTIFYING];
  pc.resolved = a->by_status[HUIBAO__V1__PROBLEM_STATUS__RESOLVED];
  pc.measures = a->measures;
  pc.individual = a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__INDIVIDUAL];
  pc.team = a->by_scope[HUIBAO__V1__PROBLEM_SCOPE__TEAM];
  m.problems = &pc;

  if (a->ncats) {
    cats = calloc(a->ncats, sizeof *cats);
    catp = calloc(a->ncats, sizeof *catp);
    if (!cats || !catp)
      goto out;
    for (size_t i = 0; i < a->ncats; i++) {
      huibao__v1__category_count__init(&cats[i]);
      cats[i].code = a->cats[i].code;
      cats[i].has_count = cats[i].has_resolved = 1;
      cats[i].count = a->cats[i].count;
      cats[i].resolved = a->cats[i].resolved;
      catp[i] = &cats[i];
    }
  }
  m.n_categories = a->ncats;
  m.categories = catp;
  if (a->ndeadlines) {
    dls = calloc(a->ndeadlines, sizeof *dls);
    dlp = calloc(a->ndeadlines, sizeof *dlp);
    if (!dls || !dlp)
      goto out;
    for (size_t i = 0; i < a->ndeadlines; i++) {
      huibao__v1__deadline_count__init(&dls[i]);
      dls[i].day = a->deadlines[i].day;
      dls[i].count = a->deadlines[i].count;
      dlp[i] = &dls[i];
    }
  }
  m.n_open_deadlines = a->ndeadlines;
  m.open_deadlines = dlp;

  size_t sz = huibao__v1__unit_aggregate__get_packed_size(&m);
  *buf = malloc(sz ? sz : 1);
  if (!*buf)
    goto out;
  *len = huibao__v1__unit_aggregate__pack(&m, *buf);
  rc = 0;
out:
  free(cats);
  free(catp);
  free(dls);
  free(dlp);
  return rc;
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
  rc = HB_EPARSE;
  out->records = m->has_records ? m->records : 0;
  for (size_t i = 0; i < m->n_activities; i++) {
    const Huibao__V1__ActivityCell *c = m->activities[i];
    int l = (int)c->level, k = (int)c->kind;
    if (l < 1 || l > HB_LEVEL_MAX || k < 1 || k > HB_KIND_MAX)
      goto fail;
    hb_totals_from_pb(c->totals, &out->act[l][k]);
  }
  const Huibao__V1__ProblemCounts *pc = m->problems;
  if (pc) {
    out->problems = pc->total;
    out->by_status[HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED] = pc->identified;
    out->by_status[HUIBAO__V1__PROBLEM_STATUS__RECTIFYING] = pc->rectifying;
    out->by_status[HUIBAO__V1__PROBLEM_STATUS__RESOLVED] = pc->resolved;
    out->by_scope[HUIBAO__V1__PROBLEM_SCOPE__INDIVIDUAL] = pc->individual;
    out->by_scope[HUIBAO__V1__PROBLEM_SCOPE__TEAM] = pc->team;
    out->measures = pc->measures;
    uint64_t st = pc->identified + pc->rectifying + pc->resolved;
    uint64_t sc = pc->individual + pc->team;
    if (st > pc->total || sc > pc->total)
      goto fail;
    out->by_status[0] = pc->total - st;
    out->by_scope[0] = pc->total - sc;
  }
  for (size_t i = 0; i < m->n_categories; i++) {
    const Huibao__V1__CategoryCount *c = m->categories[i];
    long at = agg_cat_find(out, c->code);
    if (at >= 0) /* duplicate code */
      goto fail;
    at = -at - 1;
    if (agg_cat_insert(out, (size_t)at, c->code) != 0) {
      rc = HB_ENOMEM;
      goto fail;
    }
    out->cats[at].count = c->count;
    out->cats[at].resolved = c->resolved;
  }
  for (size_t i = 0; i < m->n_open_deadlines; i++) {
    const Huibao__V1__DeadlineCount *d = m->open_deadlines[i];
    long at = agg_deadline_find(out, d->day);
    if (at >= 0)
      goto fail;
    at = -at - 1;
    if (agg_deadline_insert(out, (size_t)at, d->day) != 0) {
      rc = HB_ENOMEM;
      goto fail;
    }
    out->deadlines[at].count = d->count;
  }
  rc = 0;
  goto done;
fail:
  hb_agg_free(out);
done:
  huibao__v1__unit_aggregate__free_unpacked(m, NULL);
  return rc;
}
