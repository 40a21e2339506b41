/* hb_date.h: calendar days.
 *
 * A date is an int32 count of days since 1970-01-01 (proleptic Gregorian),
 * as on the wire. */
#ifndef HB_DATE_H
#define HB_DATE_H

#include <stddef.h>
#include <stdint.h>

#define HB_DATE_MIN 10957 /* 2000-01-01: earlier dates are rejected */

/* Parses "2022-06-01", "2022/6/1", "2022.6.1" and "2022年6月1日"
 * (surrounding blanks allowed). Returns 0, or HB_EPARSE for text that is
 * not a real date (2022-02-30 included). */
int hb_date_parse(const char *s, int32_t *days);

/* Writes "YYYY-MM-DD" (buf of at least 11 bytes). */
void hb_date_format(int32_t days, char *buf, size_t len);

int32_t hb_date_from_ymd(int y, int m, int d);
void hb_date_to_ymd(int32_t days, int *y, int *m, int *d);

/* Today in local time. The environment variable HUIBAO_TODAY=YYYY-MM-DD
 * overrides it (tests use it to make "overdue" and "future" deterministic). */
int32_t hb_date_today(void);

/* Unix milliseconds now (CLOCK_REALTIME) and a monotonic clock in ms. */
int64_t hb_time_now_ms(void);
int64_t hb_time_mono_ms(void);

/* ISO-8601 UTC "2026-11-22T08:30:00.123Z" for unix ms (buf >= 25 bytes). */
void hb_time_format_iso(int64_t ms, char *buf, size_t len);

#endif
