/* hb_list.c: the list (issue 15; hb_list.h, docs/lists.md): the names
 * from the rollups, the filters, the rows sorted by county, unit and id.
 * A row object is made by hb_list_row.c, the outputs by hb_list_out.c
 * and hb_list_xlsx.c.
 *
 * The names are one sorted array of keys (type letter, then the county,
 * campaign and code parts separated by LIST_SEP), looked up by binary
 * search: a city's list of a million records over a thousand units costs
 * a few comparisons per row. */
#include "hb_list.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_list_internal.h"
#include "hb_vocab.h"

static char *dup_or_null(const char *s, bool *failed)
{
  if (!s)
    return NULL;
  char *d = strdup(s);
  if (!d)
    *failed = true;
  return d;
}

int hb_list_new(hb_list **out, hb_list_what what, const hb_list_filter *f)
{
  *out = NULL;
  hb_list *l = calloc(1, sizeof *l);
  if (!l)
    return HB_ENOMEM;
  l->what = what;
  bool failed = false;
  if (f) {
    l->f.campaign = dup_or_null(f->campaign, &failed);
    l->f.unit = dup_or_null(f->unit, &failed);
    l->f.category = dup_or_null(f->category, &failed);
    l->f.status = dup_or_null(f->status, &failed);
    l->f.period = dup_or_null(f->period, &failed);
    l->f.overdue = f->overdue;
    l->f.today = f->today;
  }
  if (!l->f.today)
    l->f.today = hb_date_today();
  if (failed) {
    hb_list_free(l);
    return HB_ENOMEM;
  }
  *out = l;
  return 0;
}

void hb_list_free(hb_list *l)
{
  if (!l)
    return;
  free((char *)l->f.campaign);
  free((char *)l->f.unit);
  free((char *)l->f.category);
  free((char *)l->f.status);
  free((char *)l->f.period);
  for (size_t i = 0; i < l->nnames; i++) {
    free(l->names[i].key);
    free(l->names[i].val);
  }
  free(l->names);
  for (size_t i = 0; i < l->nrows; i++)
    json_decref(l->rows[i].o);
  free(l->rows);
  json_decref(l->arr);
  free(l);
}

/* ---------------------------------------------------------------- names */

size_t list_key(char *buf, size_t cap, char type, const char *a, const char *b, const char *c,
                const char *d)
{
  const char *parts[] = {a, b, c, d};
  size_t n = 0;
  if (cap < 2)
    return 0;
  buf[n++] = type;
  for (size_t i = 0; i < 4 && parts[i]; i++) {
    size_t pl = strlen(parts[i]);
    if (n + 1 + pl + 1 > cap)
      return 0;
    buf[n++] = LIST_SEP;
    memcpy(buf + n, parts[i], pl);
    n += pl;
  }
  buf[n] = '\0';
  return n;
}

static int name_put(hb_list *l, const char *key, const char *val)
{
  if (!key || !val || !*val)
    return 0;
  if (l->nnames == l->capnames) {
    size_t cap = l->capnames ? l->capnames * 2 : 64;
    list_name *v = realloc(l->names, cap * sizeof *v);
    if (!v)
      return HB_ENOMEM;
    l->names = v;
    l->capnames = cap;
  }
  list_name *n = &l->names[l->nnames];
  n->key = strdup(key);
  n->val = strdup(val);
  n->seq = l->nnames;
  if (!n->key || !n->val) {
    free(n->key);
    free(n->val);
    return HB_ENOMEM;
  }
  l->nnames++;
  l->names_sorted = false;
  return 0;
}

static int name_cmp(const void *a, const void *b)
{
  const list_name *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

const char *list_name_get(hb_list *l, const char *key)
{
  if (!l->names_sorted) {
    if (l->nnames > 1) /* qsort's array may be NULL when empty */
      qsort(l->names, l->nnames, sizeof *l->names, name_cmp);
    l->names_sorted = true;
  }
  size_t lo = 0, hi = l->nnames;
  while (lo < hi) { /* the first entry >= key: of equal keys the first given */
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(l->names[mid].key, key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < l->nnames && strcmp(l->names[lo].key, key) == 0 ? l->names[lo].val : NULL;
}

#define KEY_MAX 1024

static int put1(hb_list *l, char type, const char *a, const char *b, const char *c, const char *d,
                const char *val)
{
  char key[KEY_MAX];
  return list_key(key, sizeof key, type, a, b, c, d) ? name_put(l, key, val) : 0;
}

/* The campaign's categories, sub-categories, declared kinds and periods. */
static int names_campaign(hb_list *l, const char *county, const Huibao__V1__Rollup *r)
{
  const char *camp = r->campaign;
  int rc = put1(l, 'C', county, camp, NULL, NULL, r->campaign_name);
  if (rc == 0)
    rc = put1(l, 'c', camp, NULL, NULL, NULL, r->campaign_name);
  for (size_t i = 0; rc == 0 && i < r->n_categories; i++) {
    const Huibao__V1__CategoryCount *g = r->categories[i];
    rc = put1(l, 'G', county, camp, g->code, NULL, g->name);
    for (size_t j = 0; rc == 0 && j < g->n_subcategories; j++)
      rc =
          put1(l, 'S', county, camp, g->code, g->subcategories[j]->code, g->subcategories[j]->name);
  }
  for (size_t i = 0; rc == 0 && i < r->n_kinds; i++)
    rc = put1(l, 'K', county, camp, r->kinds[i]->code, NULL, r->kinds[i]->name);
  for (size_t i = 0; rc == 0 && i < r->n_periods; i++) {
    const Huibao__V1__Period *p = r->periods[i];
    char span[40];
    snprintf(span, sizeof span, "%ld %ld", (long)p->start, (long)p->end);
    if (p->has_start && p->has_end)
      rc = put1(l, 'P', county, camp, p->id, NULL, span);
  }
  return rc;
}

int hb_list_names_from_rollup(hb_list *l, const char *county, const Huibao__V1__Rollup *r)
{
  if (!r || !r->source || !r->campaign)
    return 0;
  county = county ? county : "";
  int rc = put1(l, 'O', county, NULL, NULL, NULL, r->source);
  if (rc == 0)
    rc = put1(l, 'N', county, NULL, NULL, NULL, r->source_name);
  for (size_t i = 0; rc == 0 && i < r->n_units; i++)
    rc = put1(l, 'U', county, r->units[i]->code, NULL, NULL, r->units[i]->name);
  return rc == 0 ? names_campaign(l, county, r) : rc;
}

const char *hb_list_county_name(hb_list *l, const char *county)
{
  char key[KEY_MAX];
  return list_key(key, sizeof key, 'N', county ? county : "", NULL, NULL, NULL)
             ? list_name_get(l, key)
             : NULL;
}

const char *hb_list_campaign_name(hb_list *l, const char *campaign)
{
  char key[KEY_MAX];
  return campaign && list_key(key, sizeof key, 'c', campaign, NULL, NULL, NULL)
             ? list_name_get(l, key)
             : NULL;
}

/* ---------------------------------------------------------------- words */

int hb_list_what_parse(const char *s, hb_list_what *out)
{
  static const struct {
    const char *en, *zh;
    hb_list_what w;
  } words[] = {{"problems", "问题", HB_LIST_PROBLEMS},
               {"cases", "典型", HB_LIST_CASES},
               {"activities", "活动", HB_LIST_ACTIVITIES}};
  for (size_t i = 0; s && i < sizeof words / sizeof *words; i++)
    if (strcasecmp(s, words[i].en) == 0 || strcmp(s, words[i].zh) == 0) {
      *out = words[i].w;
      return 0;
    }
  return HB_EINVAL;
}

/* The review words of the filter and their synonyms (code, Chinese). */
static const char *const review_words[][2] = {
    {"none", "未审核"},       {"claimed", "待销号"},
    {"confirmed", "已销号"},  {"returned", "已退回"},
    {"returned", "退回"},     {"reopened", "重新打开"},
    {"reopened", "反弹"},     {"deletion", "待审批撤销"},
    {"deletion", "撤销申请"}, {"deletion_refused", "撤销未同意"},
};
#define NREVIEW (sizeof review_words / sizeof *review_words)

/* The review code s names (English or Chinese), NULL if none. */
static const char *review_code_of(const char *s)
{
  for (size_t i = 0; i < NREVIEW; i++)
    if (strcasecmp(s, review_words[i][0]) == 0 || strcmp(s, review_words[i][1]) == 0)
      return review_words[i][0];
  return NULL;
}

bool hb_list_status_known(const char *s)
{
  return s && (hb_vocab_status(s) > 0 || review_code_of(s) != NULL);
}

hb_list_format hb_list_format_parse(const char *s)
{
  static const char *const names[] = {"table", "csv", "json", "xlsx"};
  for (size_t i = 0; s && i < sizeof names / sizeof *names; i++)
    if (strcmp(s, names[i]) == 0)
      return (hb_list_format)(HB_LIST_TABLE + (int)i);
  return (hb_list_format)0;
}

/* ---------------------------------------------------------------- filters */

/* What the filters look at, whatever the kind. */
typedef struct rec_view {
  const char *unit, *id, *campaign, *category, *type_code;
  int32_t date, resolved_on, deadline;
  int status, type;
  bool deleted;
} rec_view;

static bool rec_view_of(char kind, const Huibao__V1__Record *rec, rec_view *v)
{
  memset(v, 0, sizeof *v);
  if (kind == 'P' && rec->problem) {
    const Huibao__V1__Problem *p = rec->problem;
    *v = (rec_view){p->unit,          p->id,          p->campaign, p->category,    NULL,
                    p->identified_on, p->resolved_on, p->deadline, (int)p->status, 0,
                    p->deleted};
  } else if (kind == 'A' && rec->activity) {
    const Huibao__V1__Activity *a = rec->activity;
    *v = (rec_view){a->unit, a->id, a->campaign, NULL,         a->kind_code, a->date,
                    0,       0,     0,           (int)a->kind, a->deleted};
  } else if (kind == 'C' && rec->case_row) {
    const Huibao__V1__Case *c = rec->case_row;
    *v = (rec_view){c->unit, c->id, c->campaign, NULL,         NULL,      c->date,
                    0,       0,     0,           (int)c->type, c->deleted};
  } else {
    return false;
  }
  return v->unit && v->id;
}

static bool str_is(const char *a, const char *b)
{
  return a && b && strcmp(a, b) == 0;
}

/* --category: a problem's category (code or name), an activity's type (a
 * built-in kind in English or Chinese, or a declared kind's code or name),
 * a case's type. */
static bool category_matches(hb_list *l, const hb_list_rec *r, const rec_view *v)
{
  const char *want = l->f.category;
  char key[KEY_MAX];
  if (r->kind == 'P') {
    if (str_is(v->category, want))
      return true;
    return v->category &&
           list_key(key, sizeof key, 'G', r->county, v->campaign, v->category, NULL) &&
           str_is(list_name_get(l, key), want);
  }
  if (r->kind == 'C')
    return v->type && hb_vocab_case_type(want) == v->type;
  if (v->type_code) {
    if (str_is(v->type_code, want))
      return true;
    return list_key(key, sizeof key, 'K', r->county, v->campaign, v->type_code, NULL) &&
           str_is(list_name_get(l, key), want);
  }
  return v->type && hb_vocab_kind(want) == v->type;
}

static bool status_matches(hb_list *l, const hb_list_rec *r, const rec_view *v)
{
  const char *want = l->f.status;
  const char *w = review_code_of(want); /* first: 已销号 is also a synonym of 已整改 */
  if (w) {
    const char *code, *zh;
    list_review_words(r->kind, r->rec, r->review, &code, &zh);
    return str_is(code, w);
  }
  int st = hb_vocab_status(want);
  return st > 0 && r->kind == 'P' && v->status == st;
}

/* --period: the record dated in the period (a problem: identified or
 * resolved in it), from the period's first and last day as the rollup of
 * the record's county and campaign says. */
static bool period_matches(hb_list *l, const hb_list_rec *r, const rec_view *v)
{
  char key[KEY_MAX];
  if (!v->campaign || !list_key(key, sizeof key, 'P', r->county, v->campaign, l->f.period, NULL))
    return false;
  const char *span = list_name_get(l, key);
  long start, end;
  if (!span || sscanf(span, "%ld %ld", &start, &end) != 2)
    return false;
  bool in = v->date >= start && v->date <= end;
  return in || (v->resolved_on && v->resolved_on >= start && v->resolved_on <= end);
}

static bool passes(hb_list *l, const hb_list_rec *r, const rec_view *v)
{
  const hb_list_filter *f = &l->f;
  if (f->campaign && !str_is(v->campaign, f->campaign))
    return false;
  if (f->unit && !str_is(v->unit, f->unit))
    return false;
  if (f->category && !category_matches(l, r, v))
    return false;
  if (f->status && !status_matches(l, r, v))
    return false;
  if (f->overdue && !(r->kind == 'P' && v->status != HUIBAO__V1__PROBLEM_STATUS__RESOLVED &&
                      v->deadline && v->deadline < f->today))
    return false;
  return !f->period || period_matches(l, r, v);
}

/* ---------------------------------------------------------------- rows */

int hb_list_add(void *ctx, const hb_list_rec *r)
{
  hb_list *l = ctx;
  char want = l->what == HB_LIST_PROBLEMS ? 'P' : l->what == HB_LIST_CASES ? 'C' : 'A';
  rec_view v;
  if (!r || !r->rec || r->kind != want || !rec_view_of(r->kind, r->rec, &v) || v.deleted)
    return 0;
  if (!passes(l, r, &v))
    return 0;
  if (l->nrows == l->caprows) {
    size_t cap = l->caprows ? l->caprows * 2 : 256;
    list_row *rows = realloc(l->rows, cap * sizeof *rows);
    if (!rows)
      return HB_ENOMEM;
    l->rows = rows;
    l->caprows = cap;
  }
  list_row *row = &l->rows[l->nrows];
  row->o = list_row_make(l, r, &row->overdue);
  if (!row->o)
    return HB_ENOMEM;
  row->county = json_string_value(json_object_get(row->o, "county"));
  row->unit = json_string_value(json_object_get(row->o, "unit"));
  row->id = json_string_value(json_object_get(row->o, "id"));
  l->nrows++;
  json_decref(l->arr); /* made again, sorted, by hb_list_rows */
  l->arr = NULL;
  return 0;
}

static int row_cmp(const void *a, const void *b)
{
  const list_row *x = a, *y = b;
  int c = strcmp(x->county ? x->county : "", y->county ? y->county : "");
  if (!c)
    c = strcmp(x->unit ? x->unit : "", y->unit ? y->unit : "");
  return c ? c : strcmp(x->id ? x->id : "", y->id ? y->id : "");
}

json_t *hb_list_rows(hb_list *l)
{
  if (l->arr)
    return l->arr;
  if (l->nrows > 1) /* rows is NULL when there are none */
    qsort(l->rows, l->nrows, sizeof *l->rows, row_cmp);
  l->arr = json_array();
  for (size_t i = 0; l->arr && i < l->nrows; i++)
    if (json_array_append(l->arr, l->rows[i].o) != 0) {
      json_decref(l->arr);
      l->arr = NULL;
    }
  return l->arr;
}

size_t hb_list_overdue_count(hb_list *l)
{
  size_t n = 0;
  for (size_t i = 0; i < l->nrows; i++)
    n += l->rows[i].overdue;
  return n;
}
