/* hb_date.c: calendar days since 1970-01-01 and clocks. */
#include "hb_date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_err.h"

/* Howard Hinnant's days_from_civil / civil_from_days (public domain). */
int32_t hb_date_from_ymd(int y, int m, int d)
{
  y -= m <= 2;
  int era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + (int)doe - 719468);
}

void hb_date_to_ymd(int32_t days, int *y, int *m, int *d)
{
  int z = days + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int yy = (int)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yy + (*m <= 2);
}

static int days_in_month(int y, int m)
{
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
    return 29;
  return dm[m - 1];
}

static const char *skip_blanks(const char *s)
{
  for (;;) {
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
      s++;
    else if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 &&
             (unsigned char)s[2] == 0x80)
      s += 3; /* U+3000 ideographic space */
    else
      return s;
  }
}

/* Reads 1..maxd ASCII digits. */
static const char *read_num(const char *s, int maxd, int *v)
{
  int n = 0, val = 0;
  while (*s >= '0' && *s <= '9' && n < maxd) {
    val = val * 10 + (*s - '0');
    s++;
    n++;
  }
  if (n == 0 || (*s >= '0' && *s <= '9'))
    return NULL;
  *v = val;
  return s;
}

static const char *read_sep(const char *s, const char *zh)
{
  if (zh) {
    size_t l = strlen(zh);
    return strncmp(s, zh, l) == 0 ? s + l : NULL;
  }
  return NULL;
}

int hb_date_parse(const char *s, int32_t *days)
{
  if (!s)
    return HB_EPARSE;
  s = skip_blanks(s);
  int y, m, d;
  const char *p = read_num(s, 4, &y);
  if (!p || p - s != 4)
    return HB_EPARSE;
  char sep = *p;
  int zh = 0;
  if (sep == '-' || sep == '/' || sep == '.') {
    p++;
  } else if ((p = read_sep(p, "年")) != NULL) {
    zh = 1;
  } else {
    return HB_EPARSE;
  }
  p = read_num(p, 2, &m);
  if (!p)
    return HB_EPARSE;
  if (zh) {
    p = read_sep(p, "月");
  } else {
    p = *p == sep ? p + 1 : NULL;
  }
  if (!p)
    return HB_EPARSE;
  p = read_num(p, 2, &d);
  if (!p)
    return HB_EPARSE;
  if (zh) {
    const char *q = read_sep(p, "日");
    if (!q)
      q = read_sep(p, "号");
    if (q)
      p = q;
  }
  p = skip_blanks(p);
  if (*p)
    return HB_EPARSE;
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
    return HB_EPARSE;
  *days = hb_date_from_ymd(y, m, d);
  return 0;
}

void hb_date_format(int32_t days, char *buf, size_t len)
{
  int y, m, d;
  hb_date_to_ymd(days, &y, &m, &d);
  snprintf(buf, len, "%04d-%02d-%02d", y, m, d);
}

int32_t hb_date_today(void)
{
  const char *env = getenv("HUIBAO_TODAY");
  int32_t days;
  if (env && *env && hb_date_parse(env, &days) == 0)
    return days;
  time_t now = time(NULL);
  struct tm tm;
  if (!localtime_r(&now, &tm))
    return (int32_t)(now / 86400);
  return hb_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int64_t hb_time_now_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t hb_time_mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hb_time_format_iso(int64_t ms, char *buf, size_t len)
{
  int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int msec = (int)(ms - sec * 1000);
  int64_t day = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
  int rem = (int)(sec - day * 86400);
  int y, m, d;
  hb_date_to_ymd((int32_t)day, &y, &m, &d);
  snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, rem / 3600, rem / 60 % 60,
           rem % 60, msec);
}
