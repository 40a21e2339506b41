/* hb_period.h: a campaign's reporting periods (issue 13, docs/periods.md).
 *
 * A campaign with `cycle = weekly, 5, 18:00` has reports due every Friday
 * at 18:00 in the county's local time (the process's time zone: TZ, the
 * systemd unit sets Asia/Shanghai). Period P runs from just after the
 * previous due to due(P); its id is the due date ("2022-06-10"). The first
 * period starts at the campaign's start (00:00 local), the last one's days
 * end at the campaign's end, its due being the first due on or after it.
 *
 * Two ways a moment belongs to a period:
 *   - a record's date (a day): the period whose days start_day..end_day
 *     contain it (the due's own day belongs to the period it ends);
 *   - a store time (unix seconds, the county's clock): the period with
 *     start_s <= t <= due_s.
 * Pure functions; nothing here reads the clock. */
#ifndef HB_PERIOD_H
#define HB_PERIOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_campaigns.h"

#define HB_PERIOD_ID_LEN 11 /* "YYYY-MM-DD" and its NUL */
/* What a 报送 row writes for "the period containing now". */
#define HB_PERIOD_CURRENT "本期"

typedef struct hb_period {
  char id[HB_PERIOD_ID_LEN]; /* the due date */
  int32_t start_day;         /* first day, days since epoch */
  int32_t end_day;           /* last day: the due's day, or the campaign's end */
  int32_t due_day;           /* the due: this day ... */
  int due_minute;            /* ... at this minute, local time */
  int64_t start_s;           /* first second that belongs to it (unix, inclusive) */
  int64_t due_s;             /* the due (unix, inclusive) */
} hb_period;

/* The periods of c in order: *out malloc'd (the caller frees it), *n of
 * them; *out NULL and *n 0 for a campaign without a cycle. Returns 0 or
 * HB_ENOMEM. */
int hb_periods_of(const hb_campaign *c, hb_period **out, size_t *n);

/* Index of the period whose days contain day, or -1. */
int hb_period_index_of_day(const hb_period *p, size_t n, int32_t day);
/* Index of the period with start_s <= t_s <= due_s, or -1. */
int hb_period_index_at(const hb_period *p, size_t n, int64_t t_s);
/* Index of the period with this id, or -1. */
int hb_period_find(const hb_period *p, size_t n, const char *id);

/* "weekly,5,18:00" / "monthly,25,18:00" (buf >= 24 bytes); "" for none. */
void hb_cycle_format(const hb_cycle *c, char *buf, size_t len);
/* Parses the value of a cycle key ("weekly, 5, 18:00", blanks and a
 * full-width comma allowed). Returns 0, or HB_EPARSE with why[] saying
 * what is wrong ("weekday must be 1..7"). */
int hb_cycle_parse(const char *s, hb_cycle *out, char *why, size_t whylen);

/* Local time (the process's TZ): unix seconds of day at minute, and the
 * day a unix time falls on. */
int64_t hb_local_unix(int32_t day, int minute);
int32_t hb_local_day(int64_t t_s);

#endif
