/* hb_agg.c: running totals of one (campaign, unit), changed by deltas. */
#include "hb_agg.h"

#include <stdlib.h>
#include <string.h>
#include "hb_agg_internal.h"
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

static void cat_free(hb_cat_count *c)
{
  for (size_t j = 0; j < c->nsubs; j++)
    free(c->subs[j].code);
  free(c->subs);
  free(c->code);
}

void hb_agg_free(hb_agg *a)
{
  if (!a)
    return;
  for (size_t i = 0; i < a->ncats; i++)
    cat_free(&a->cats[i]);
  free(a->cats);
  free(a->deadlines);
  for (size_t i = 0; i < a->nkcells; i++)
    free(a->kcells[i].code);
  free(a->kcells);
  for (size_t i = 0; i < a->ninds; i++)
    free(a->inds[i].code);
  free(a->inds);
  hb_agg_days_drop(a);
  free(a->campaign);
  free(a->unit);
  memset(a, 0, sizeof *a);
}

/* Copies n items of elem bytes (each starting with its char *code, which
 * is duplicated) into *dst; *dn counts the items whose code was copied, so
 * that hb_agg_free frees exactly those. */
static int copy_coded(void **dst, size_t *dn, size_t *dcap, const void *src, size_t n, size_t elem)
{
  *dst = NULL;
  *dn = *dcap = 0;
  if (n == 0)
    return 0;
  char *d = calloc(n, elem);
  if (!d)
    return HB_ENOMEM;
  *dst = d;
  *dcap = n;
  for (size_t i = 0; i < n; i++) {
    memcpy(d + i * elem, (const char *)src + i * elem, elem);
    char **code = (char **)(void *)(d + i * elem);
    *code = strdup(*code);
    if (!*code)
      return HB_ENOMEM;
    *dn = i + 1;
  }
  return 0;
}

int hb_agg_copy(hb_agg *dst, const hb_agg *src)
{
  *dst = *src;
  dst->campaign = dst->unit = NULL;
  dst->cats = NULL;
  dst->deadlines = NULL;
  dst->kcells = NULL;
  dst->inds = NULL;
  dst->ncats = dst->capcats = dst->ndeadlines = dst->capdeadlines = 0;
  dst->nkcells = dst->capkcells = dst->ninds = dst->capinds = 0;
  dst->dacts = NULL;
  dst->dprobs = NULL;
  dst->ndacts = dst->capdacts = dst->ndprobs = dst->capdprobs = 0;
  dst->campaign = strdup(src->campaign);
  dst->unit = strdup(src->unit);
  if (!dst->campaign || !dst->unit)
    goto nomem;
  int crc = copy_coded((void **)&dst->cats, &dst->ncats, &dst->capcats, src->cats, src->ncats,
                       sizeof *src->cats);
  for (size_t i = 0; i < dst->ncats; i++) { /* the copied subs are still src's */
    dst->cats[i].subs = NULL;
    dst->cats[i].nsubs = dst->cats[i].capsubs = 0;
  }
  if (crc != 0)
    goto nomem;
  for (size_t i = 0; i < src->ncats; i++)
    if (copy_coded((void **)&dst->cats[i].subs, &dst->cats[i].nsubs, &dst->cats[i].capsubs,
                   src->cats[i].subs, src->cats[i].nsubs, sizeof *src->cats[i].subs) != 0)
      goto nomem;
  if (copy_coded((void **)&dst->kcells, &dst->nkcells, &dst->capkcells, src->kcells, src->nkcells,
                 sizeof *src->kcells) != 0 ||
      copy_coded((void **)&dst->inds, &dst->ninds, &dst->capinds, src->inds, src->ninds,
                 sizeof *src->inds) != 0)
    goto nomem;
  if (src->ndeadlines) {
    dst->deadlines = malloc(src->ndeadlines * sizeof *dst->deadlines);
    if (!dst->deadlines)
      goto nomem;
    memcpy(dst->deadlines, src->deadlines, src->ndeadlines * sizeof *dst->deadlines);
    dst->ndeadlines = dst->capdeadlines = src->ndeadlines;
  }
  if (hb_agg_days_copy(dst, src) != 0)
    goto nomem;
  return 0;
nomem:
  hb_agg_free(dst);
  return HB_ENOMEM;
}

/* ---------------------------------------------------------------- sorted arrays */

long hb_agg_vec_find(const void *base, size_t n, size_t elem, const void *key,
                     int (*cmp)(const void *key, const void *item))
{
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = cmp(key, (const char *)base + mid * elem);
    if (c == 0)
      return (long)mid;
    if (c > 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -(long)lo - 1;
}

int hb_agg_vec_insert(void **base, size_t *n, size_t *cap, size_t elem, size_t pos)
{
  if (*n == *cap) {
    size_t ncap = *cap ? 2 * *cap : 8;
    void *nb = realloc(*base, ncap * elem);
    if (!nb)
      return HB_ENOMEM;
    *base = nb;
    *cap = ncap;
  }
  char *b = *base;
  memmove(b + (pos + 1) * elem, b + pos * elem, (*n - pos) * elem);
  memset(b + pos * elem, 0, elem);
  (*n)++;
  return 0;
}

void hb_agg_vec_erase(void *base, size_t *n, size_t elem, size_t pos)
{
  char *b = base;
  memmove(b + pos * elem, b + (pos + 1) * elem, (*n - pos - 1) * elem);
  (*n)--;
}

int hb_agg_code_cmp(const void *key, const void *item)
{
  return strcmp((const char *)key, *(char *const *)item);
}

int hb_agg_kind_cmp(const void *key, const void *item)
{
  const hb_kind_cell *k = key, *c = item;
  int r = strcmp(k->code, c->code);
  return r ? r : (k->level > c->level) - (k->level < c->level);
}

/* Finds key in the coded array, or inserts a zeroed item there whose code
 * is a copy of code. */
static int coded_get(void **base, size_t *n, size_t *cap, size_t elem, const void *key,
                     int (*cmp)(const void *, const void *), const char *code, size_t *at,
                     int *created)
{
  long i = hb_agg_vec_find(*base, *n, elem, key, cmp);
  *created = 0;
  if (i >= 0) {
    *at = (size_t)i;
    return 0;
  }
  size_t pos = (size_t)(-i - 1);
  char *dup = strdup(code);
  if (!dup || hb_agg_vec_insert(base, n, cap, elem, pos) != 0) {
    free(dup);
    return HB_ENOMEM;
  }
  *(char **)(void *)((char *)*base + pos * elem) = dup;
  *at = pos;
  *created = 1;
  return 0;
}

/* Index of code in a->cats, or -(insertion point) - 1 (the hot path: no
 * indirect call). */
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
  return hb_agg_day_find(a->deadlines, a->ndeadlines, sizeof *a->deadlines, day);
}

int hb_agg_cat_get(hb_agg *a, const char *code, size_t *at, int *created)
{
  long i = agg_cat_find(a, code);
  *created = 0;
  if (i >= 0) {
    *at = (size_t)i;
    return 0;
  }
  return coded_get((void **)&a->cats, &a->ncats, &a->capcats, sizeof *a->cats, code,
                   hb_agg_code_cmp, code, at, created);
}

int hb_agg_sub_get(hb_cat_count *c, const char *code, size_t *at, int *created)
{
  return coded_get((void **)&c->subs, &c->nsubs, &c->capsubs, sizeof *c->subs, code,
                   hb_agg_code_cmp, code, at, created);
}

int hb_agg_ind_get(hb_agg *a, const char *code, size_t *at, int *created)
{
  return coded_get((void **)&a->inds, &a->ninds, &a->capinds, sizeof *a->inds, code,
                   hb_agg_code_cmp, code, at, created);
}

int hb_agg_kcell_get(hb_agg *a, const char *code, int level, size_t *at, int *created)
{
  hb_kind_cell key = {(char *)code, level, {0, 0, 0, 0}};
  int rc = coded_get((void **)&a->kcells, &a->nkcells, &a->capkcells, sizeof *a->kcells, &key,
                     hb_agg_kind_cmp, code, at, created);
  if (rc == 0 && *created)
    a->kcells[*at].level = level;
  return rc;
}

int hb_agg_deadline_get(hb_agg *a, int32_t day, size_t *at, int *created)
{
  long i = agg_deadline_find(a, day);
  *created = 0;
  if (i >= 0) {
    *at = (size_t)i;
    return 0;
  }
  size_t pos = (size_t)(-i - 1);
  if (hb_agg_vec_insert((void **)&a->deadlines, &a->ndeadlines, &a->capdeadlines,
                        sizeof *a->deadlines, pos) != 0)
    return HB_ENOMEM;
  a->deadlines[pos].day = day;
  *at = pos;
  *created = 1;
  return 0;
}

static void cat_erase(hb_agg *a, size_t ci)
{
  cat_free(&a->cats[ci]);
  hb_agg_vec_erase(a->cats, &a->ncats, sizeof *a->cats, ci);
}

static void sub_erase(hb_cat_count *c, size_t si)
{
  free(c->subs[si].code);
  hb_agg_vec_erase(c->subs, &c->nsubs, sizeof *c->subs, si);
}

void hb_agg_cat_drop_if_empty(hb_agg *a, size_t ci)
{
  if (a->cats[ci].count == 0 && hb_agg_rv_zero(&a->cats[ci].rv))
    cat_erase(a, ci);
}

const hb_cat_count *hb_agg_category(const hb_agg *a, const char *code)
{
  long i = agg_cat_find(a, code);
  return i >= 0 ? &a->cats[i] : NULL;
}

const hb_sub_count *hb_agg_subcategory(const hb_cat_count *c, const char *code)
{
  long i = hb_agg_vec_find(c->subs, c->nsubs, sizeof *c->subs, code, hb_agg_code_cmp);
  return i >= 0 ? &c->subs[i] : NULL;
}

const hb_ind_sum *hb_agg_indicator(const hb_agg *a, const char *code)
{
  long i = hb_agg_vec_find(a->inds, a->ninds, sizeof *a->inds, code, hb_agg_code_cmp);
  return i >= 0 ? &a->inds[i] : NULL;
}

/* ---------------------------------------------------------------- add, remove */

static bool agg_same_campaign(const hb_agg *a, const char *campaign)
{
  return campaign && strcmp(a->campaign, campaign) == 0;
}

static bool totals_cover(const hb_totals *t, const hb_totals *d)
{
  return t->records >= d->records && t->sessions >= d->sessions &&
         t->participants >= d->participants && t->outputs >= d->outputs;
}

static void totals_move(hb_totals *t, const hb_totals *d, int sign)
{
  if (sign < 0) {
    t->records -= d->records;
    t->sessions -= d->sessions;
    t->participants -= d->participants;
    t->outputs -= d->outputs;
  } else {
    t->records += d->records;
    t->sessions += d->sessions;
    t->participants += d->participants;
    t->outputs += d->outputs;
  }
}

static bool totals_zero(const hb_totals *t)
{
  return t->records == 0 && t->sessions == 0 && t->participants == 0 && t->outputs == 0;
}

/* Removes one activity d of (level, kind | code) dated day: every cell it
 * was counted in must hold it, else HB_EINVAL and nothing changes. */
static int agg_activity_remove(hb_agg *a, int level, int kind, const char *code, int32_t day,
                               const hb_totals *d)
{
  hb_totals *t;
  long ki = -1;
  if (code) {
    hb_kind_cell key = {(char *)code, level, {0, 0, 0, 0}};
    ki = hb_agg_vec_find(a->kcells, a->nkcells, sizeof *a->kcells, &key, hb_agg_kind_cmp);
    if (ki < 0)
      return HB_EINVAL;
    t = &a->kcells[ki].t;
  } else {
    t = &a->act[level][kind];
  }
  long di = hb_agg_dact_find(a, day, kind, code);
  if (a->records < 1 || !totals_cover(t, d) || di < 0 || !totals_cover(&a->dacts[di].t, d))
    return HB_EINVAL;
  totals_move(t, d, -1);
  totals_move(&a->dacts[di].t, d, -1);
  a->records--;
  if (ki >= 0 && totals_zero(t)) {
    free(a->kcells[ki].code);
    hb_agg_vec_erase(a->kcells, &a->nkcells, sizeof *a->kcells, (size_t)ki);
  }
  if (totals_zero(&a->dacts[di].t))
    hb_agg_dact_erase(a, (size_t)di);
  return 0;
}

/* Adds one activity: its (level, kind) cell and its day cell. */
static int agg_activity_add(hb_agg *a, int level, int kind, const char *code, int32_t day,
                            const hb_totals *d)
{
  size_t di, ki;
  int dnew, knew;
  if (hb_agg_dact_get(a, day, kind, code, &di, &dnew) != 0)
    return HB_ENOMEM;
  hb_totals *t = &a->act[level][kind];
  if (code) {
    if (hb_agg_kcell_get(a, code, level, &ki, &knew) != 0) {
      if (dnew)
        hb_agg_dact_erase(a, di);
      return HB_ENOMEM;
    }
    t = &a->kcells[ki].t;
  }
  totals_move(t, d, +1);
  totals_move(&a->dacts[di].t, d, +1);
  a->records++;
  return 0;
}

int hb_agg_add_activity(hb_agg *a, const Huibao__V1__Activity *r, int sign)
{
  if (r->deleted)
    return 0;
  if (!agg_same_campaign(a, r->campaign) || (sign != 1 && sign != -1))
    return HB_EINVAL;
  int level = r->has_level ? (int)r->level : 0, kind = r->has_kind ? (int)r->kind : 0;
  if (level < 1 || level > HB_LEVEL_MAX)
    return HB_EINVAL;
  const char *code = NULL;
  if (kind < 1 || kind > HB_KIND_MAX) {
    if (kind != 0 || !r->kind_code || !r->kind_code[0])
      return HB_EINVAL;
    code = r->kind_code;
  }
  hb_totals d = {1, r->has_sessions ? r->sessions : 0, r->has_participants ? r->participants : 0,
                 r->has_outputs ? r->outputs : 0};
  int32_t day = r->has_date ? r->date : 0;
  return sign < 0 ? agg_activity_remove(a, level, kind, code, day, &d)
                  : agg_activity_add(a, level, kind, code, day, &d);
}

/* What one live problem counts in. */
typedef struct prob_view {
  int status, scope, source, term;
  uint64_t measures;
  bool resolved;
  const char *cat, *sub; /* sub only with cat */
  bool open_deadline;
  int32_t deadline;
  hb_day_steps days; /* its day cells */
} prob_view;

static int agg_problem_remove(hb_agg *a, const prob_view *p)
{
  long ci = p->cat ? agg_cat_find(a, p->cat) : 0;
  long di = p->open_deadline ? agg_deadline_find(a, p->deadline) : 0;
  if (a->records < 1 || a->problems < 1 || a->by_status[p->status] < 1 ||
      a->by_scope[p->scope] < 1 || a->measures < p->measures || a->by_source[p->source] < 1 ||
      a->by_term[p->term] < 1)
    return HB_EINVAL;
  if (p->cat && (ci < 0 || a->cats[ci].count < 1 || (p->resolved && a->cats[ci].resolved < 1)))
    return HB_EINVAL;
  long si = 0;
  if (p->sub) {
    hb_cat_count *c = &a->cats[ci];
    si = hb_agg_vec_find(c->subs, c->nsubs, sizeof *c->subs, p->sub, hb_agg_code_cmp);
    if (si < 0 || c->subs[si].count < 1 || (p->resolved && c->subs[si].resolved < 1))
      return HB_EINVAL;
  }
  if (p->open_deadline && (di < 0 || a->deadlines[di].count < 1))
    return HB_EINVAL;
  if (!hb_agg_days_can_remove(a, &p->days))
    return HB_EINVAL;
  hb_agg_days_apply(a, &p->days, -1);
  a->records--;
  a->problems--;
  a->by_status[p->status]--;
  a->by_scope[p->scope]--;
  a->by_source[p->source]--;
  a->by_term[p->term]--;
  a->measures -= p->measures;
  if (p->cat) {
    hb_cat_count *c = &a->cats[ci];
    c->count--;
    if (p->resolved)
      c->resolved--;
    if (p->sub) {
      hb_sub_count *sc = &c->subs[si];
      sc->count--;
      if (p->resolved)
        sc->resolved--;
      if (sc->count == 0)
        sub_erase(c, (size_t)si);
    }
    hb_agg_cat_drop_if_empty(a, (size_t)ci);
  }
  if (p->open_deadline && --a->deadlines[di].count == 0)
    hb_agg_vec_erase(a->deadlines, &a->ndeadlines, sizeof *a->deadlines, (size_t)di);
  return 0;
}

static int agg_problem_add(hb_agg *a, const prob_view *p)
{
  /* insertions first: they are the only steps that can fail */
  size_t ci = 0, si = 0, di = 0;
  int cnew = 0, snew = 0, dnew = 0;
  if (p->cat && hb_agg_cat_get(a, p->cat, &ci, &cnew) != 0)
    return HB_ENOMEM;
  if (p->sub && hb_agg_sub_get(&a->cats[ci], p->sub, &si, &snew) != 0)
    goto undo;
  if (p->open_deadline && hb_agg_deadline_get(a, p->deadline, &di, &dnew) != 0)
    goto undo;
  if (hb_agg_days_reserve(a, &p->days) != 0)
    goto undo;
  hb_agg_days_apply(a, &p->days, +1);
  a->records++;
  a->problems++;
  a->by_status[p->status]++;
  a->by_scope[p->scope]++;
  a->by_source[p->source]++;
  a->by_term[p->term]++;
  a->measures += p->measures;
  if (p->cat) {
    a->cats[ci].count++;
    if (p->resolved)
      a->cats[ci].resolved++;
    if (p->sub) {
      a->cats[ci].subs[si].count++;
      if (p->resolved)
        a->cats[ci].subs[si].resolved++;
    }
  }
  if (p->open_deadline)
    a->deadlines[di].count++;
  return 0;
undo:
  if (dnew)
    hb_agg_vec_erase(a->deadlines, &a->ndeadlines, sizeof *a->deadlines, di);
  if (snew)
    sub_erase(&a->cats[ci], si);
  if (cnew)
    cat_erase(a, ci);
  return HB_ENOMEM;
}

int hb_agg_add_problem(hb_agg *a, const Huibao__V1__Problem *r, int sign)
{
  if (r->deleted)
    return 0;
  if (!agg_same_campaign(a, r->campaign) || (sign != 1 && sign != -1))
    return HB_EINVAL;
  prob_view p;
  p.status = r->has_status ? (int)r->status : 0;
  p.scope = r->has_scope ? (int)r->scope : 0;
  p.source = r->has_source ? (int)r->source : 0;
  p.term = r->has_term ? (int)r->term : 0;
  if (p.status < 0 || p.status > HB_STATUS_MAX || p.scope < 0 || p.scope > HB_SCOPE_MAX ||
      p.source < 0 || p.source > HB_SOURCE_MAX || p.term < 0 || p.term > HB_TERM_MAX)
    return HB_EINVAL;
  p.measures = r->has_measures ? r->measures : 0;
  p.resolved = p.status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  p.cat = r->category && r->category[0] ? r->category : NULL;
  p.sub = p.cat && r->subcategory && r->subcategory[0] ? r->subcategory : NULL;
  p.open_deadline = !p.resolved && r->has_deadline && r->deadline != 0;
  p.deadline = r->deadline;
  hb_agg_days_of_problem(r, &p.days);
  return sign < 0 ? agg_problem_remove(a, &p) : agg_problem_add(a, &p);
}

int hb_agg_add_indicator(hb_agg *a, const Huibao__V1__Indicator *r, int sign)
{
  if (r->deleted)
    return 0;
  if (!agg_same_campaign(a, r->campaign) || (sign != 1 && sign != -1))
    return HB_EINVAL;
  if (!r->indicator || !r->indicator[0])
    return HB_EINVAL;
  int64_t v = r->has_value ? r->value : 0, sum;
  long i = hb_agg_vec_find(a->inds, a->ninds, sizeof *a->inds, r->indicator, hb_agg_code_cmp);
  if (sign < 0) {
    if (i < 0 || a->inds[i].records < 1 || __builtin_sub_overflow(a->inds[i].value, v, &sum))
      return HB_EINVAL;
    a->inds[i].value = sum;
    if (--a->inds[i].records == 0 && sum == 0) {
      free(a->inds[i].code);
      hb_agg_vec_erase(a->inds, &a->ninds, sizeof *a->inds, (size_t)i);
    }
    return 0;
  }
  if (i >= 0 && __builtin_add_overflow(a->inds[i].value, v, &sum))
    return HB_EINVAL;
  size_t at;
  int created;
  if (hb_agg_ind_get(a, r->indicator, &at, &created) != 0)
    return HB_ENOMEM;
  a->inds[at].value += v;
  a->inds[at].records++;
  return 0;
}

int hb_agg_add_case(hb_agg *a, const Huibao__V1__Case *r, int sign)
{
  if (r->deleted)
    return 0;
  if (!agg_same_campaign(a, r->campaign) || (sign != 1 && sign != -1))
    return HB_EINVAL;
  int type = r->has_type ? (int)r->type : 0;
  if (type < 0 || type > HB_CASE_MAX)
    return HB_EINVAL;
  if (sign < 0) {
    if (a->cases < 1 || a->by_case[type] < 1)
      return HB_EINVAL;
    a->cases--;
    a->by_case[type]--;
  } else {
    a->cases++;
    a->by_case[type]++;
  }
  return 0;
}

/* ---------------------------------------------------------------- reads */

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
  for (size_t i = 0; i < a->nkcells; i++) {
    t.records += a->kcells[i].t.records;
    t.sessions += a->kcells[i].t.sessions;
    t.participants += a->kcells[i].t.participants;
    t.outputs += a->kcells[i].t.outputs;
  }
  return t;
}

bool hb_agg_is_empty(const hb_agg *a)
{
  if (a->records || a->problems || a->measures || a->ncats || a->ndeadlines || a->nkcells ||
      a->ninds || a->cases || a->ndacts || a->ndprobs || a->act_returned || !hb_agg_rv_zero(&a->rv))
    return false;
  hb_totals t = hb_agg_activity_totals(a);
  return t.records == 0 && t.sessions == 0 && t.participants == 0 && t.outputs == 0;
}

bool hb_agg_equal(const hb_agg *x, const hb_agg *y)
{
  char buf[8];
  hb_agg_diff(x, y, buf, sizeof buf);
  return buf[0] == '\0';
}
