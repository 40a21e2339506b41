/* history.c: weekly key figures per campaign, in memory (stored by store.c). */
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_totals.h"

void sub_history_init(sub_history *h)
{
  memset(h, 0, sizeof *h);
}

void sub_history_free(sub_history *h)
{
  for (size_t i = 0; i < h->count; i++)
    free(h->items[i].campaign);
  free(h->items);
  memset(h, 0, sizeof *h);
}

/* Monday = 0 ... Sunday = 6; day 0 (1970-01-01) was a Thursday. */
static int32_t weekday(int32_t day)
{
  return ((day + 3) % 7 + 7) % 7;
}

int32_t sub_history_iso_week(int32_t day, int32_t *monday)
{
  int32_t mon = day - weekday(day);
  int32_t thu = mon + 3; /* the ISO year is the year of the week's Thursday */
  int y, m, d;
  hb_date_to_ymd(thu, &y, &m, &d);
  int32_t week = (thu - hb_date_from_ymd(y, 1, 1)) / 7 + 1;
  if (monday)
    *monday = mon;
  return y * 100 + week;
}

int32_t sub_history_week_monday(int32_t week)
{
  int32_t y = week / 100, w = week % 100;
  if (week <= 0 || w < 1 || w > 53)
    return 0;
  int32_t j4 = hb_date_from_ymd(y, 1, 4); /* always in week 1 */
  int32_t mon = j4 - weekday(j4) + (w - 1) * 7;
  return sub_history_iso_week(mon, NULL) == week ? mon : 0;
}

void sub_history_figures(const Huibao__V1__Rollup *r, sub_week_figures *f)
{
  memset(f, 0, sizeof *f);
  const Huibao__V1__ProblemCounts *p = r->problems;
  if (p) {
    f->problems = p->total;
    f->identified = p->identified;
    f->rectifying = p->rectifying;
    f->resolved = p->resolved;
    f->overdue = p->overdue;
    f->measures = p->measures;
  }
  hb_totals a;
  hb_totals_from_pb(r->activities, &a);
  f->activities = a.records;
  f->sessions = a.sessions;
  f->participants = a.participants;
  f->outputs = a.outputs;
  f->cases = r->cases ? r->cases->total : 0;
  size_t k = 0;
  for (size_t i = 0; i < r->n_indicators && k < SUB_HISTORY_INDICATORS; i++) {
    const Huibao__V1__IndicatorSum *s = r->indicators[i];
    if (strlen(s->code) >= SUB_HISTORY_CODE)
      continue;
    sub_week_indicator *w = &f->indicators[k++];
    memcpy(w->code, s->code, strlen(s->code) + 1);
    w->value = s->value;
    w->places = s->places;
    w->records = s->records;
  }
  /* coverage as docs/protocol.md's JSON counts it (hb_rollup_to_json) */
  for (size_t i = 0; i < r->n_units; i++) {
    if (r->units[i]->expected)
      f->units_expected++;
    if (r->units[i]->records > 0)
      f->units_reported++;
  }
}

static int entry_cmp(const char *campaign, int32_t week, const sub_week *e)
{
  int c = strcmp(campaign, e->campaign);
  if (c)
    return c;
  return week < e->week ? -1 : week > e->week ? 1 : 0;
}

/* Index of (campaign, week), or where it would be inserted (*found false). */
static size_t locate(const sub_history *h, const char *campaign, int32_t week, bool *found)
{
  size_t lo = 0, hi = h->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = entry_cmp(campaign, week, &h->items[mid]);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  *found = false;
  return lo;
}

const sub_week *sub_history_find(const sub_history *h, const char *campaign, int32_t week)
{
  bool found;
  size_t i = locate(h, campaign, week, &found);
  return found ? &h->items[i] : NULL;
}

/* The entry of (campaign, week), inserted zeroed when new (*is_new). */
static int slot(sub_history *h, const char *campaign, int32_t week, sub_week **out, bool *is_new)
{
  bool found;
  size_t i = locate(h, campaign, week, &found);
  *is_new = !found;
  if (found) {
    *out = &h->items[i];
    return 0;
  }
  if (h->count >= SUB_HISTORY_MAX)
    return HB_EFULL;
  if (h->count == h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 32;
    sub_week *n = realloc(h->items, cap * sizeof *n);
    if (!n)
      return HB_ENOMEM;
    h->items = n;
    h->cap = cap;
  }
  char *id = strdup(campaign);
  if (!id)
    return HB_ENOMEM;
  memmove(&h->items[i + 1], &h->items[i], (h->count - i) * sizeof *h->items);
  memset(&h->items[i], 0, sizeof h->items[i]);
  h->items[i].campaign = id;
  h->items[i].week = week;
  h->count++;
  *out = &h->items[i];
  return 0;
}

int sub_history_record(sub_history *h, const char *campaign, int32_t day, int64_t as_of_ms,
                       const sub_week_figures *f)
{
  sub_week *e;
  bool is_new;
  int rc = slot(h, campaign, sub_history_iso_week(day, NULL), &e, &is_new);
  if (rc)
    return rc;
  if (!is_new && memcmp(&e->f, f, sizeof *f) == 0)
    return 0;
  e->as_of_ms = as_of_ms;
  e->f = *f;
  e->dirty = true;
  return 1;
}

int sub_history_put(sub_history *h, const char *campaign, int32_t week, int64_t as_of_ms,
                    const sub_week_figures *f)
{
  sub_week *e;
  bool is_new;
  int rc = slot(h, campaign, week, &e, &is_new);
  if (rc)
    return rc;
  e->as_of_ms = as_of_ms;
  e->f = *f;
  e->dirty = false;
  return 0;
}

void sub_history_clear_dirty(sub_history *h)
{
  for (size_t i = 0; i < h->count; i++)
    h->items[i].dirty = false;
}

/* ------------------------------------------------------------------ JSON */

static json_int_t jclamp(uint64_t v)
{
  return v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v;
}

static json_t *week_json(const sub_week *e)
{
  char wk[16], mon[16], iso[40];
  snprintf(wk, sizeof wk, "%04d-W%02d", (int)(e->week / 100), (int)(e->week % 100));
  hb_date_format(sub_history_week_monday(e->week), mon, sizeof mon);
  hb_time_format_iso(e->as_of_ms, iso, sizeof iso);
  const sub_week_figures *f = &e->f;
  double rate = f->problems ? (double)f->resolved / (double)f->problems : 0.0;
  json_t *o = json_pack(
      "{s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:f, s:{s:I, s:I, s:I, s:I},"
      " s:{s:I, s:I}}",
      "week", wk, "monday", mon, "as_of", iso, "problems", "total", jclamp(f->problems),
      "identified", jclamp(f->identified), "rectifying", jclamp(f->rectifying), "resolved",
      jclamp(f->resolved), "overdue", jclamp(f->overdue), "measures", jclamp(f->measures),
      "resolution_rate", rate, "activities", "records", jclamp(f->activities), "sessions",
      jclamp(f->sessions), "participants", jclamp(f->participants), "outputs", jclamp(f->outputs),
      "coverage", "expected", jclamp(f->units_expected), "reported", jclamp(f->units_reported));
  json_t *inds = json_object();
  for (size_t i = 0; inds && i < SUB_HISTORY_INDICATORS && f->indicators[i].code[0]; i++) {
    const sub_week_indicator *w = &f->indicators[i];
    uint32_t places = w->places < 0 || w->places > 4 ? 4 : (uint32_t)w->places;
    char text[HB_ROLLUP_VALUE_TEXT];
    int64_t q = hb_rollup_value_scaled(w->value, places);
    double div = 1;
    for (uint32_t d = 0; d < places; d++)
      div *= 10;
    json_object_set_new(inds, w->code,
                        json_pack("{s:o, s:s, s:I}", "value",
                                  places ? json_real((double)q / div) : json_integer(q), "text",
                                  hb_rollup_value_text(w->value, places, text), "records",
                                  jclamp(w->records)));
  }
  if (!o || !inds) {
    json_decref(o);
    json_decref(inds);
    return NULL;
  }
  if (json_object_set_new(o, "cases", json_integer(jclamp(f->cases))) != 0 ||
      json_object_set_new(o, "indicators", inds) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

json_t *sub_history_json(const sub_history *h, const char *campaign)
{
  json_t *arr = json_array();
  json_t *weeks = NULL;
  const char *cur = NULL;
  for (size_t i = 0; arr && i < h->count; i++) {
    const sub_week *e = &h->items[i];
    if (campaign && strcmp(campaign, e->campaign) != 0)
      continue;
    if (!cur || strcmp(cur, e->campaign) != 0) {
      weeks = json_array();
      json_t *obj = weeks ? json_pack("{s:s, s:o}", "campaign", e->campaign, "weeks", weeks) : NULL;
      if (!obj || json_array_append_new(arr, obj) != 0) {
        json_decref(arr);
        return NULL;
      }
      cur = e->campaign;
    }
    json_t *w = week_json(e);
    if (!w || json_array_append_new(weeks, w) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr ? json_pack("{s:o}", "campaigns", arr) : NULL;
}
