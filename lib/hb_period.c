/* hb_period.c: a campaign's reporting periods (hb_period.h, docs/periods.md).
 *
 * Due dates are computed on calendar days (hb_date.h, proleptic Gregorian,
 * days since 1970-01-01); only the conversion of a (day, minute) to unix
 * seconds and back uses the process's time zone (mktime / localtime_r; on
 * Windows mingw-w64's localtime_r maps to localtime_s). */
#include "hb_period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "hb_date.h"
#include "hb_err.h"

/* ------------------------------------------------------------ local time */

int64_t hb_local_unix(int32_t day, int minute)
{
  int y, m, d;
  hb_date_to_ymd(day, &y, &m, &d);
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  tm.tm_hour = minute / 60;
  tm.tm_min = minute % 60;
  tm.tm_isdst = -1;
  time_t t = mktime(&tm);
  if (t == (time_t)-1)
    return (int64_t)day * 86400 + (int64_t)minute * 60; /* no zone data: UTC */
  return (int64_t)t;
}

int32_t hb_local_day(int64_t t_s)
{
  time_t t = (time_t)t_s;
  struct tm tm;
  if (!localtime_r(&t, &tm)) {
    int64_t day = t_s >= 0 ? t_s / 86400 : (t_s - 86399) / 86400;
    return (int32_t)day;
  }
  return hb_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* ------------------------------------------------------------- due dates */

static int month_days(int y, int m)
{
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return dm[m - 1];
}

/* Weekday of day: Monday = 1 .. Sunday = 7 (1970-01-01 was a Thursday). */
static int weekday_of(int32_t day)
{
  int r = (int)(((int64_t)day + 3) % 7);
  if (r < 0)
    r += 7;
  return r + 1;
}

/* The monthly due of (y, m): day c->day, or the month's last day. */
static int32_t monthly_due(const hb_cycle *c, int y, int m)
{
  int md = month_days(y, m);
  return hb_date_from_ymd(y, m, c->day < md ? c->day : md);
}

/* The first due date on or after day. */
static int32_t due_on_or_after(const hb_cycle *c, int32_t day)
{
  if (c->kind == HB_CYCLE_WEEKLY)
    return day + (c->day - weekday_of(day) + 7) % 7;
  int y, m, d;
  hb_date_to_ymd(day, &y, &m, &d);
  int32_t due = monthly_due(c, y, m);
  if (due >= day)
    return due;
  if (++m > 12) {
    m = 1;
    y++;
  }
  return monthly_due(c, y, m);
}

int hb_periods_of(const hb_campaign *c, hb_period **out, size_t *n)
{
  *out = NULL;
  *n = 0;
  if (c->cycle.kind == HB_CYCLE_NONE || c->end < c->start)
    return 0;
  int32_t last_due = due_on_or_after(&c->cycle, c->end);
  size_t cap = 0;
  for (int32_t due = due_on_or_after(&c->cycle, c->start);;
       due = due_on_or_after(&c->cycle, due + 1)) {
    cap++;
    if (due >= last_due)
      break;
  }
  hb_period *p = malloc(cap * sizeof *p);
  if (!p)
    return HB_ENOMEM;
  int32_t due = due_on_or_after(&c->cycle, c->start);
  for (size_t i = 0; i < cap; i++) {
    hb_period *q = &p[i];
    memset(q, 0, sizeof *q);
    hb_date_format(due, q->id, sizeof q->id);
    q->start_day = i ? p[i - 1].due_day + 1 : c->start;
    q->end_day = due < c->end ? due : c->end;
    q->due_day = due;
    q->due_minute = c->cycle.minute;
    q->start_s = i ? p[i - 1].due_s + 1 : hb_local_unix(c->start, 0);
    q->due_s = hb_local_unix(due, c->cycle.minute);
    due = due_on_or_after(&c->cycle, due + 1);
  }
  *out = p;
  *n = cap;
  return 0;
}

/* ---------------------------------------------------------------- lookups */

int hb_period_index_of_day(const hb_period *p, size_t n, int32_t day)
{
  size_t lo = 0, hi = n; /* first period whose end_day >= day */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p[mid].end_day < day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && p[lo].start_day <= day ? (int)lo : -1;
}

int hb_period_index_at(const hb_period *p, size_t n, int64_t t_s)
{
  size_t lo = 0, hi = n; /* first period whose due_s >= t_s */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (p[mid].due_s < t_s)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && p[lo].start_s <= t_s ? (int)lo : -1;
}

int hb_period_find(const hb_period *p, size_t n, const char *id)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(p[i].id, id) == 0)
      return (int)i;
  return -1;
}

/* ------------------------------------------------------------------ cycle */

void hb_cycle_format(const hb_cycle *c, char *buf, size_t len)
{
  if (!len)
    return;
  if (c->kind == HB_CYCLE_NONE) {
    buf[0] = '\0';
    return;
  }
  snprintf(buf, len, "%s,%d,%02d:%02d", c->kind == HB_CYCLE_WEEKLY ? "weekly" : "monthly", c->day,
           c->minute / 60, c->minute % 60);
}

static const char *skip_blanks(const char *s)
{
  for (;;) {
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
      s++;
    else if (strncmp(s, "\xE3\x80\x80", 3) == 0)
      s += 3; /* U+3000 ideographic space */
    else
      return s;
  }
}

/* A comma (ASCII or U+FF0C) between blanks; NULL if none. */
static const char *skip_comma(const char *s)
{
  s = skip_blanks(s);
  if (*s == ',')
    s++;
  else if (strncmp(s, "\xEF\xBC\x8C", 3) == 0)
    s += 3;
  else
    return NULL;
  return skip_blanks(s);
}

/* 1..maxd ASCII digits; NULL if none or more. */
static const char *read_digits(const char *s, int maxd, int *v, int *ndigits)
{
  int n = 0, val = 0;
  while (*s >= '0' && *s <= '9' && n < maxd) {
    val = val * 10 + (*s++ - '0');
    n++;
  }
  if (n == 0 || (*s >= '0' && *s <= '9'))
    return NULL;
  *v = val;
  *ndigits = n;
  return s;
}

/* "HH:MM" (ASCII or full-width colon) at s; the rest must be blanks. */
static int parse_time(const char *s, int *minute)
{
  int h, m, nh, nm;
  s = read_digits(s, 2, &h, &nh);
  if (!s)
    return -1;
  if (*s == ':')
    s++;
  else if (strncmp(s, "\xEF\xBC\x9A", 3) == 0)
    s += 3;
  else
    return -1;
  s = read_digits(s, 2, &m, &nm);
  if (!s || nm != 2 || *skip_blanks(s) || h > 23 || m > 59)
    return -1;
  *minute = h * 60 + m;
  return 0;
}

int hb_cycle_parse(const char *s, hb_cycle *out, char *why, size_t whylen)
{
  memset(out, 0, sizeof *out);
  static const char usage[] = "应为 weekly, 星期几(1-7), 时:分 或 monthly, 日(1-31), 时:分 "
                              "(expected weekly, 1..7, HH:MM or monthly, 1..31, HH:MM)";
  s = skip_blanks(s ? s : "");
  hb_cycle c = {HB_CYCLE_NONE, 0, 0};
  if (strncasecmp(s, "weekly", 6) == 0) {
    c.kind = HB_CYCLE_WEEKLY;
    s += 6;
  } else if (strncasecmp(s, "monthly", 7) == 0) {
    c.kind = HB_CYCLE_MONTHLY;
    s += 7;
  } else {
    snprintf(why, whylen, "%s", usage);
    return HB_EPARSE;
  }
  int nd;
  if (!(s = skip_comma(s)) || !(s = read_digits(s, 2, &c.day, &nd)) || !(s = skip_comma(s))) {
    snprintf(why, whylen, "%s", usage);
    return HB_EPARSE;
  }
  if (c.kind == HB_CYCLE_WEEKLY && (c.day < 1 || c.day > 7)) {
    snprintf(why, whylen, "星期须为 1-7，星期一为 1 (weekday must be 1..7, Monday = 1)");
    return HB_EPARSE;
  }
  if (c.kind == HB_CYCLE_MONTHLY && (c.day < 1 || c.day > 31)) {
    snprintf(why, whylen, "日期须为 1-31 (day of the month must be 1..31)");
    return HB_EPARSE;
  }
  if (parse_time(s, &c.minute) != 0) {
    snprintf(why, whylen, "截止时间须为 时:分，如 18:00 (time must be HH:MM, 00:00..23:59)");
    return HB_EPARSE;
  }
  *out = c;
  return 0;
}
