/* history.h: the key figures of each campaign by ISO week, so the dashboard
 * can draw "over time" (resolution rate, activity counts) and the history
 * survives restarts.
 *
 * One entry per (campaign, ISO week): the figures of the campaign's merged
 * view as last seen in that week. The current week's entry is overwritten on
 * every change; earlier weeks stay as they were when their week ended.
 *
 * Kept across restarts in the --data store (store.h: sub_store_load_history,
 * sub_store_flush_history). */
#ifndef SUB_HISTORY_H
#define SUB_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "huibao/v1/huibao.pb-c.h"

#define SUB_HISTORY_MAX 65536 /* entries kept (over 1,000 campaign-years); more are refused */

/* The indicators a week keeps: the campaign's first SUB_HISTORY_INDICATORS
 * (in its file order) whose code is shorter than SUB_HISTORY_CODE; a fixed
 * array so that figures compare with memcmp and copy by assignment. */
#define SUB_HISTORY_INDICATORS 6
#define SUB_HISTORY_CODE 32

typedef struct sub_week_indicator {
  char code[SUB_HISTORY_CODE]; /* "" for an unused slot */
  int64_t value;               /* in 1/10000, as IndicatorSum.value */
  int64_t places;              /* declared decimal places */
  uint64_t records;
} sub_week_indicator;

typedef struct sub_week_figures {
  uint64_t problems, identified, rectifying, resolved, overdue, measures;
  uint64_t activities, sessions, participants, outputs; /* activity totals */
  uint64_t units_expected, units_reported;              /* coverage */
  uint64_t cases;                                       /* Case records (issue 12) */
  sub_week_indicator indicators[SUB_HISTORY_INDICATORS];
} sub_week_figures;

typedef struct sub_week {
  char *campaign;   /* owned */
  int32_t week;     /* ISO year * 100 + week number, e.g. 202352 */
  int64_t as_of_ms; /* unix ms when the figures last changed */
  sub_week_figures f;
  bool dirty; /* changed since it was last stored */
} sub_week;

typedef struct sub_history {
  sub_week *items; /* sorted by campaign (strcmp), then week */
  size_t count, cap;
} sub_history;

void sub_history_init(sub_history *h);
void sub_history_free(sub_history *h);

/* The ISO 8601 week of day (days since 1970-01-01): returns the week key
 * (ISO year * 100 + week, 1..53) and, when monday is not NULL, the day of
 * that week's Monday. 2023-12-31 (a Sunday) is 202352; 2024-12-30 is
 * 202501. */
int32_t sub_history_iso_week(int32_t day, int32_t *monday);

/* The Monday of a week key (inverse of sub_history_iso_week); 0 if the key
 * is not a week (week 0, week 54, week 53 of a 52-week year). */
int32_t sub_history_week_monday(int32_t week);

/* The figures of a (merged) rollup. */
void sub_history_figures(const Huibao__V1__Rollup *r, sub_week_figures *f);

/* Records f as campaign's figures of the week containing day. Returns 1 if
 * the entry is new or its figures changed (it is then dirty, with as_of_ms),
 * 0 if they were the same (nothing changes), HB_EFULL when SUB_HISTORY_MAX
 * entries are held, HB_ENOMEM. */
int sub_history_record(sub_history *h, const char *campaign, int32_t day, int64_t as_of_ms,
                       const sub_week_figures *f);

/* The entry of (campaign, week key), or NULL. */
const sub_week *sub_history_find(const sub_history *h, const char *campaign, int32_t week);

/* Sets the entry of (campaign, week key) as read from storage: inserted or
 * replaced, not dirty. Returns 0, HB_EFULL (SUB_HISTORY_MAX entries held),
 * HB_ENOMEM. */
int sub_history_put(sub_history *h, const char *campaign, int32_t week, int64_t as_of_ms,
                    const sub_week_figures *f);

/* Clears every entry's dirty flag (it was stored). */
void sub_history_clear_dirty(sub_history *h);

/* The JSON of the history: {"campaigns": [{"campaign": ID, "weeks": [...]}]}
 * in campaign order, or only campaign's when campaign is not NULL; each week
 * {"week": "2023-W52", "monday": "2023-12-25", "as_of": ISO, "problems":
 * {total, identified, rectifying, resolved, overdue, measures},
 * "resolution_rate", "activities": {records, sessions, participants,
 * outputs}, "coverage": {expected, reported}, "cases": N, "indicators":
 * {CODE: {value, text, records}}} (value and text as in the rollup JSON;
 * weeks stored before issue 12 have 0 cases and no indicators). NULL on
 * ENOMEM; the caller
 * owns the reference. */
json_t *sub_history_json(const sub_history *h, const char *campaign);

#endif
