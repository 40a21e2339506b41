/* period_test: reporting periods (hb_period.c), store-time facts and the
 * state rules (hb_period_facts.c), the campaigns file's cycle key. Local
 * time is Asia/Shanghai (UTC+8, no daylight saving), set by main(). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_period.h"
#include "hb_period_facts.h"
#include "huibao/v1/huibao.pb-c.h"
#include "test.h"

static int32_t D(int y, int m, int d)
{
  return hb_date_from_ymd(y, m, d);
}

/* Unix seconds of y-m-d h:mi:s in Asia/Shanghai (UTC+8). */
static int64_t T(int y, int m, int d, int h, int mi, int s)
{
  return (int64_t)D(y, m, d) * 86400 + (h - 8) * 3600 + mi * 60 + s;
}

static hb_campaign campaign(int32_t start, int32_t end, hb_cycle_kind kind, int day, int minute)
{
  hb_campaign c;
  memset(&c, 0, sizeof c);
  c.id = "c";
  c.name = "专项";
  c.start = start;
  c.end = end;
  c.cycle.kind = kind;
  c.cycle.day = day;
  c.cycle.minute = minute;
  return c;
}

static void test_local_time(void)
{
  CHECK_EQ_INT(T(2022, 6, 10, 18, 0, 0), hb_local_unix(D(2022, 6, 10), 18 * 60));
  CHECK_EQ_INT(T(2022, 6, 10, 0, 0, 0), hb_local_unix(D(2022, 6, 10), 0));
  CHECK_EQ_INT(T(2022, 6, 10, 23, 59, 0), hb_local_unix(D(2022, 6, 10), 1439));
  CHECK_EQ_INT(D(2022, 6, 10), hb_local_day(T(2022, 6, 10, 0, 0, 0)));
  CHECK_EQ_INT(D(2022, 6, 9), hb_local_day(T(2022, 6, 10, 0, 0, 0) - 1));
  CHECK_EQ_INT(D(2022, 6, 10), hb_local_day(T(2022, 6, 10, 23, 59, 59)));
  CHECK_EQ_INT(D(2022, 6, 11), hb_local_day(T(2022, 6, 11, 0, 0, 0)));
}

static void test_cycle_parse(void)
{
  hb_cycle c;
  char why[200], buf[32];
  CHECK_EQ_INT(0, hb_cycle_parse("weekly, 5, 18:00", &c, why, sizeof why));
  CHECK_EQ_INT(HB_CYCLE_WEEKLY, c.kind);
  CHECK_EQ_INT(5, c.day);
  CHECK_EQ_INT(18 * 60, c.minute);
  hb_cycle_format(&c, buf, sizeof buf);
  CHECK_EQ_STR("weekly,5,18:00", buf);
  CHECK_EQ_INT(0, hb_cycle_parse(" Monthly，25，  9:05 ", &c, why, sizeof why));
  CHECK_EQ_INT(HB_CYCLE_MONTHLY, c.kind);
  CHECK_EQ_INT(25, c.day);
  CHECK_EQ_INT(9 * 60 + 5, c.minute);
  hb_cycle_format(&c, buf, sizeof buf);
  CHECK_EQ_STR("monthly,25,09:05", buf);
  CHECK_EQ_INT(0, hb_cycle_parse("monthly,31,23:59", &c, why, sizeof why));
  CHECK_EQ_INT(0, hb_cycle_parse("weekly,7,00:00", &c, why, sizeof why));
  CHECK_EQ_INT(0, hb_cycle_parse("weekly，1，08：30", &c, why, sizeof why));
  CHECK_EQ_INT(8 * 60 + 30, c.minute);
  hb_cycle none = {HB_CYCLE_NONE, 0, 0};
  hb_cycle_format(&none, buf, sizeof buf);
  CHECK_EQ_STR("", buf);

  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly, 8, 18:00", &c, why, sizeof why));
  CHECK_CONTAINS(why, "weekday must be 1..7");
  CHECK_EQ_INT(HB_CYCLE_NONE, c.kind);
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly, 0, 18:00", &c, why, sizeof why));
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("monthly, 32, 18:00", &c, why, sizeof why));
  CHECK_CONTAINS(why, "1..31");
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly, 5, 24:00", &c, why, sizeof why));
  CHECK_CONTAINS(why, "HH:MM");
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly, 5, 18:60", &c, why, sizeof why));
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly, 5, 18", &c, why, sizeof why));
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly, 5, 18:00 x", &c, why, sizeof why));
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly, 5", &c, why, sizeof why));
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("daily, 5, 18:00", &c, why, sizeof why));
  CHECK_CONTAINS(why, "expected weekly");
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("", &c, why, sizeof why));
  CHECK_EQ_INT(HB_EPARSE, hb_cycle_parse("weekly 5 18:00", &c, why, sizeof why));
}

static void test_weekly(void)
{
  /* June 2022: Wednesday 1st; Fridays 3, 10, 17, 24; July 1st a Friday */
  hb_campaign c = campaign(D(2022, 6, 1), D(2022, 6, 30), HB_CYCLE_WEEKLY, 5, 18 * 60);
  hb_period *p;
  size_t n;
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(5, n);
  if (n != 5)
    return;
  static const char *ids[] = {"2022-06-03", "2022-06-10", "2022-06-17", "2022-06-24", "2022-07-01"};
  for (size_t i = 0; i < n; i++) {
    CHECK_EQ_STR(ids[i], p[i].id);
    CHECK_EQ_INT(18 * 60, p[i].due_minute);
    CHECK_EQ_INT(hb_local_unix(p[i].due_day, 18 * 60), p[i].due_s);
    if (i) {
      CHECK_EQ_INT(p[i - 1].due_day + 1, p[i].start_day);
      CHECK_EQ_INT(p[i - 1].due_s + 1, p[i].start_s);
    }
  }
  /* the first starts at the campaign's start, 00:00 */
  CHECK_EQ_INT(D(2022, 6, 1), p[0].start_day);
  CHECK_EQ_INT(D(2022, 6, 3), p[0].end_day);
  CHECK_EQ_INT(T(2022, 6, 1, 0, 0, 0), p[0].start_s);
  CHECK_EQ_INT(T(2022, 6, 3, 18, 0, 0), p[0].due_s);
  CHECK_EQ_INT(D(2022, 6, 4), p[1].start_day);
  CHECK_EQ_INT(D(2022, 6, 10), p[1].end_day);
  CHECK_EQ_INT(T(2022, 6, 3, 18, 0, 1), p[1].start_s);
  CHECK_EQ_INT(T(2022, 6, 10, 18, 0, 0), p[1].due_s);
  /* the last: due the first Friday on or after the end, days end at it */
  CHECK_EQ_INT(D(2022, 6, 25), p[4].start_day);
  CHECK_EQ_INT(D(2022, 6, 30), p[4].end_day);
  CHECK_EQ_INT(D(2022, 7, 1), p[4].due_day);
  CHECK_EQ_INT(T(2022, 7, 1, 18, 0, 0), p[4].due_s);

  /* days */
  CHECK_EQ_INT(-1, hb_period_index_of_day(p, n, D(2022, 5, 31)));
  CHECK_EQ_INT(0, hb_period_index_of_day(p, n, D(2022, 6, 1)));
  CHECK_EQ_INT(0, hb_period_index_of_day(p, n, D(2022, 6, 3)));
  CHECK_EQ_INT(1, hb_period_index_of_day(p, n, D(2022, 6, 4)));
  CHECK_EQ_INT(1, hb_period_index_of_day(p, n, D(2022, 6, 10)));
  CHECK_EQ_INT(2, hb_period_index_of_day(p, n, D(2022, 6, 11)));
  CHECK_EQ_INT(4, hb_period_index_of_day(p, n, D(2022, 6, 30)));
  CHECK_EQ_INT(-1, hb_period_index_of_day(p, n, D(2022, 7, 1)));
  /* store times */
  CHECK_EQ_INT(-1, hb_period_index_at(p, n, p[0].start_s - 1));
  CHECK_EQ_INT(0, hb_period_index_at(p, n, p[0].start_s));
  CHECK_EQ_INT(1, hb_period_index_at(p, n, T(2022, 6, 10, 18, 0, 0)));
  CHECK_EQ_INT(2, hb_period_index_at(p, n, T(2022, 6, 10, 18, 0, 1)));
  CHECK_EQ_INT(1, hb_period_index_at(p, n, T(2022, 6, 3, 18, 0, 1)));
  CHECK_EQ_INT(0, hb_period_index_at(p, n, T(2022, 6, 3, 18, 0, 0)));
  CHECK_EQ_INT(4, hb_period_index_at(p, n, T(2022, 7, 1, 18, 0, 0)));
  CHECK_EQ_INT(-1, hb_period_index_at(p, n, T(2022, 7, 1, 18, 0, 1)));
  /* ids */
  CHECK_EQ_INT(2, hb_period_find(p, n, "2022-06-17"));
  CHECK_EQ_INT(-1, hb_period_find(p, n, "2022-06-18"));
  CHECK_EQ_INT(-1, hb_period_find(p, n, "本期"));
  free(p);
}

static void test_weekly_edges(void)
{
  hb_period *p;
  size_t n;
  /* starts on the due weekday: the first period is that one day */
  hb_campaign c = campaign(D(2022, 6, 3), D(2022, 6, 12), HB_CYCLE_WEEKLY, 5, 18 * 60);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(3, n);
  CHECK_EQ_STR("2022-06-03", p[0].id);
  CHECK_EQ_INT(D(2022, 6, 3), p[0].start_day);
  CHECK_EQ_INT(D(2022, 6, 3), p[0].end_day);
  CHECK_EQ_INT(T(2022, 6, 3, 0, 0, 0), p[0].start_s);
  CHECK_EQ_STR("2022-06-17", p[2].id);
  CHECK_EQ_INT(D(2022, 6, 11), p[2].start_day);
  CHECK_EQ_INT(D(2022, 6, 12), p[2].end_day);
  free(p);
  /* ends on the due weekday: the last period is the one due that day */
  c = campaign(D(2022, 6, 4), D(2022, 6, 17), HB_CYCLE_WEEKLY, 5, 18 * 60);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(2, n);
  CHECK_EQ_STR("2022-06-17", p[1].id);
  CHECK_EQ_INT(D(2022, 6, 17), p[1].end_day);
  free(p);
  /* the first due after the end: one period */
  c = campaign(D(2022, 6, 6), D(2022, 6, 8), HB_CYCLE_WEEKLY, 5, 18 * 60);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(1, n);
  CHECK_EQ_STR("2022-06-10", p[0].id);
  CHECK_EQ_INT(D(2022, 6, 6), p[0].start_day);
  CHECK_EQ_INT(D(2022, 6, 8), p[0].end_day);
  CHECK_EQ_INT(D(2022, 6, 10), p[0].due_day);
  free(p);
  /* Sunday (7) at 00:00 */
  c = campaign(D(2022, 6, 1), D(2022, 6, 14), HB_CYCLE_WEEKLY, 7, 0);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(3, n);
  CHECK_EQ_STR("2022-06-05", p[0].id);
  CHECK_EQ_STR("2022-06-12", p[1].id);
  CHECK_EQ_STR("2022-06-19", p[2].id);
  CHECK_EQ_INT(T(2022, 6, 5, 0, 0, 0), p[0].due_s);
  free(p);
  /* no cycle: no periods */
  c = campaign(D(2022, 6, 1), D(2022, 6, 30), HB_CYCLE_NONE, 0, 0);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(0, n);
  CHECK(p == NULL);
}

static void test_monthly(void)
{
  hb_period *p;
  size_t n;
  /* day 31: the month's last day in shorter months */
  hb_campaign c = campaign(D(2022, 1, 15), D(2022, 5, 10), HB_CYCLE_MONTHLY, 31, 18 * 60);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(5, n);
  if (n != 5)
    return;
  CHECK_EQ_STR("2022-01-31", p[0].id);
  CHECK_EQ_STR("2022-02-28", p[1].id);
  CHECK_EQ_STR("2022-03-31", p[2].id);
  CHECK_EQ_STR("2022-04-30", p[3].id);
  CHECK_EQ_STR("2022-05-31", p[4].id);
  CHECK_EQ_INT(D(2022, 1, 15), p[0].start_day);
  CHECK_EQ_INT(D(2022, 2, 1), p[1].start_day);
  CHECK_EQ_INT(D(2022, 2, 28), p[1].end_day);
  CHECK_EQ_INT(D(2022, 3, 1), p[2].start_day);
  CHECK_EQ_INT(D(2022, 5, 1), p[4].start_day);
  CHECK_EQ_INT(D(2022, 5, 10), p[4].end_day);
  CHECK_EQ_INT(T(2022, 2, 28, 18, 0, 0), p[1].due_s);
  CHECK_EQ_INT(1, hb_period_index_of_day(p, n, D(2022, 2, 28)));
  CHECK_EQ_INT(2, hb_period_index_of_day(p, n, D(2022, 3, 1)));
  CHECK_EQ_INT(1, hb_period_index_at(p, n, T(2022, 2, 28, 18, 0, 0)));
  CHECK_EQ_INT(2, hb_period_index_at(p, n, T(2022, 2, 28, 18, 0, 1)));
  free(p);
  /* a leap year */
  c = campaign(D(2024, 2, 1), D(2024, 3, 1), HB_CYCLE_MONTHLY, 30, 17 * 60 + 30);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(2, n);
  CHECK_EQ_STR("2024-02-29", p[0].id);
  CHECK_EQ_STR("2024-03-30", p[1].id);
  CHECK_EQ_INT(T(2024, 2, 29, 17, 30, 0), p[0].due_s);
  free(p);
  /* starts on the due day; the 25th after the start in the month */
  c = campaign(D(2022, 6, 25), D(2022, 8, 26), HB_CYCLE_MONTHLY, 25, 18 * 60);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(4, n);
  CHECK_EQ_STR("2022-06-25", p[0].id);
  CHECK_EQ_INT(D(2022, 6, 25), p[0].end_day);
  CHECK_EQ_STR("2022-07-25", p[1].id);
  CHECK_EQ_STR("2022-08-25", p[2].id);
  CHECK_EQ_STR("2022-09-25", p[3].id);
  CHECK_EQ_INT(D(2022, 8, 26), p[3].start_day);
  CHECK_EQ_INT(D(2022, 8, 26), p[3].end_day);
  free(p);
  /* across a year */
  c = campaign(D(2022, 12, 26), D(2023, 1, 2), HB_CYCLE_MONTHLY, 25, 18 * 60);
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(1, n);
  CHECK_EQ_STR("2023-01-25", p[0].id);
  free(p);
}

/* The week due 2022-06-10 18:00 of the weekly campaign. */
static hb_period week(void)
{
  hb_campaign c = campaign(D(2022, 6, 1), D(2022, 6, 30), HB_CYCLE_WEEKLY, 5, 18 * 60);
  hb_period *p, w;
  size_t n;
  memset(&w, 0, sizeof w);
  if (hb_periods_of(&c, &p, &n) == 0 && n == 5) {
    w = p[1];
    free(p);
  }
  return w;
}

static void test_rule_change(void)
{
  hb_period w = week();
  int64_t due = w.due_s;
  hb_period_facts f = {0};
  /* rule 5 without facts */
  CHECK_EQ_INT(HB_PERIOD_PENDING, hb_period_facts_state(NULL, &w, due));
  CHECK_EQ_INT(HB_PERIOD_MISSING, hb_period_facts_state(NULL, &w, due + 1));
  CHECK_EQ_INT(HB_PERIOD_PENDING, hb_period_facts_state(&f, &w, due));
  CHECK_EQ_INT(HB_PERIOD_MISSING, hb_period_facts_state(&f, &w, due + 1));
  /* a change before the period: not in it */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, w.start_s - 1));
  CHECK_EQ_INT(HB_PERIOD_MISSING, hb_period_facts_state(&f, &w, due + 1));
  /* after the due: the next period's, never late */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, due + 1));
  CHECK_EQ_INT(HB_PERIOD_MISSING, hb_period_facts_state(&f, &w, due + 1));
  CHECK_EQ_INT(2, f.ndays);
  /* exactly at the due: rule 1 */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, due));
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 1));
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due));
  CHECK_EQ_INT(2, f.ndays); /* the due's day already had one (due + 1) */
  CHECK_EQ_INT(due, f.days[1].first_s);
  CHECK_EQ_INT(due + 1, f.days[1].last_s);
  hb_period_facts_free(&f);
  /* exactly at the start */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, w.start_s));
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 1));
  hb_period_facts_free(&f);
  /* in the middle of the week, with stores around it on the same days */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 7, 9, 0, 0)));
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 1, 9, 0, 0)));
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 7, 8, 0, 0)));
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 7, 20, 0, 0)));
  CHECK_EQ_INT(2, f.ndays);
  CHECK_EQ_INT(D(2022, 6, 1), f.days[0].day);
  CHECK_EQ_INT(D(2022, 6, 7), f.days[1].day);
  CHECK_EQ_INT(T(2022, 6, 7, 8, 0, 0), f.days[1].first_s);
  CHECK_EQ_INT(T(2022, 6, 7, 20, 0, 0), f.days[1].last_s);
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 1));
  /* a change takes precedence over a 报送 row saying 无新增 */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, true, due - 60));
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 1));
  hb_period_facts_free(&f);
  /* a day stamped on both sides of the due: first before it decides */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 10, 9, 0, 0)));
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 10, 20, 0, 0)));
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 1));
  hb_period_facts_free(&f);
  /* the previous due's day, stamped on both sides of it: its last decides */
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 3, 9, 0, 0)));
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 3, 18, 0, 1)));
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 1));
  hb_period_facts_free(&f);
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 3, 9, 0, 0)));
  CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 3, 18, 0, 0)));
  CHECK_EQ_INT(HB_PERIOD_MISSING, hb_period_facts_state(&f, &w, due + 1));
  hb_period_facts_free(&f);
}

static void test_rule_reports(void)
{
  hb_period w = week();
  int64_t due = w.due_s;
  hb_period_facts f = {0};
  /* rule 2: 无新增 exactly at the due */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, "本期", true, due));
  CHECK_EQ_INT(HB_PERIOD_NIL, hb_period_facts_state(&f, &w, due));
  CHECK_EQ_INT(HB_PERIOD_NIL, hb_period_facts_state(&f, &w, due + 1));
  CHECK(hb_period_facts_nil_now(&f, w.id));
  CHECK(!hb_period_facts_nil_now(&f, "2022-06-17"));
  hb_period_facts_free(&f);
  /* rule 4: 无新增 one second late */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, true, due + 1));
  CHECK_EQ_INT(HB_PERIOD_LATE, hb_period_facts_state(&f, &w, due + 1));
  hb_period_facts_free(&f);
  /* rule 4: a row saying something new, late */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, false, due + 86400));
  CHECK_EQ_INT(HB_PERIOD_LATE, hb_period_facts_state(&f, &w, due + 86400));
  hb_period_facts_free(&f);
  /* rule 3: a row by the due saying 否 (something new) */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, false, due - 10));
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 1));
  CHECK(!hb_period_facts_nil_now(&f, w.id));
  /* ... changed to 是 after the due: still reported (its 是 is late) */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, true, due + 10));
  CHECK_EQ_INT(1, f.nreports);
  CHECK_EQ_INT(due - 10, f.reports[0].first_s);
  CHECK_EQ_INT(due + 10, f.reports[0].first_nil_s);
  CHECK(f.reports[0].nil_now);
  CHECK_EQ_INT(HB_PERIOD_REPORTED, hb_period_facts_state(&f, &w, due + 11));
  hb_period_facts_free(&f);
  /* 是 by the due, then 否: nil stays (first_nil_s by the due), nil_now off */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, true, due - 10));
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, false, due - 5));
  CHECK_EQ_INT(HB_PERIOD_NIL, hb_period_facts_state(&f, &w, due + 1));
  CHECK(!hb_period_facts_nil_now(&f, w.id));
  hb_period_facts_free(&f);
  /* one row late, another by the due: the one by the due decides */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, "本期", false, due + 100));
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, w.id, w.id, true, due - 100));
  CHECK_EQ_INT(HB_PERIOD_NIL, hb_period_facts_state(&f, &w, due + 101));
  hb_period_facts_free(&f);
  /* a future period's row stored early counts as by its due */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, "2022-06-17", "2022-06-17", true,
                                              T(2022, 6, 5, 10, 0, 0)));
  hb_campaign c = campaign(D(2022, 6, 1), D(2022, 6, 30), HB_CYCLE_WEEKLY, 5, 18 * 60);
  hb_period *p;
  size_t n;
  CHECK_EQ_INT(0, hb_periods_of(&c, &p, &n));
  CHECK_EQ_INT(HB_PERIOD_NIL, hb_period_facts_state(&f, &p[2], p[2].due_s + 1));
  CHECK_EQ_INT(HB_PERIOD_MISSING, hb_period_facts_state(&f, &p[1], p[1].due_s + 1));
  free(p);
  hb_period_facts_free(&f);
}

static void test_nil_now(void)
{
  hb_period_facts f = {0};
  /* a 本期 row stored in two weeks: its first period's nil_now is cleared */
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, "2022-06-10", "本期", true, 1000));
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, "2022-06-10", "2022-06-10", true, 1001));
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, "2022-06-17", "本期", true, 2000));
  CHECK_EQ_INT(3, f.nreports);
  CHECK_EQ_STR("2022-06-10", f.reports[0].record_id); /* sorted by (period, id) */
  CHECK_EQ_STR("本期", f.reports[1].record_id);
  CHECK_EQ_STR("2022-06-17", f.reports[2].period);
  CHECK(!f.reports[1].nil_now);
  CHECK(f.reports[0].nil_now);
  CHECK(hb_period_facts_nil_now(&f, "2022-06-10"));
  CHECK(hb_period_facts_nil_now(&f, "2022-06-17"));
  hb_period_facts_note_report_deleted(&f, "2022-06-10");
  CHECK(!hb_period_facts_nil_now(&f, "2022-06-10"));
  CHECK(hb_period_facts_nil_now(&f, "2022-06-17"));
  hb_period_facts_note_report_deleted(&f, "本期");
  CHECK(!hb_period_facts_nil_now(&f, "2022-06-17"));
  CHECK_EQ_INT(1000, f.reports[1].first_nil_s); /* deleting keeps the stamps */
  CHECK(!hb_period_facts_nil_now(NULL, "2022-06-17"));
  CHECK_EQ_STR("reported", hb_period_state_name(HB_PERIOD_REPORTED));
  CHECK_EQ_STR("nil", hb_period_state_name(HB_PERIOD_NIL));
  CHECK_EQ_STR("late", hb_period_state_name(HB_PERIOD_LATE));
  CHECK_EQ_STR("missing", hb_period_state_name(HB_PERIOD_MISSING));
  CHECK_EQ_STR("pending", hb_period_state_name(HB_PERIOD_PENDING));
  hb_period_facts_free(&f);
}

static int facts_equal(const hb_period_facts *a, const hb_period_facts *b)
{
  if (a->ndays != b->ndays || a->nreports != b->nreports)
    return 0;
  for (size_t i = 0; i < a->ndays; i++)
    if (a->days[i].day != b->days[i].day || a->days[i].first_s != b->days[i].first_s ||
        a->days[i].last_s != b->days[i].last_s)
      return 0;
  for (size_t i = 0; i < a->nreports; i++) {
    const hb_report_fact *x = &a->reports[i], *y = &b->reports[i];
    if (strcmp(x->period, y->period) || strcmp(x->record_id, y->record_id) ||
        x->first_s != y->first_s || x->first_nil_s != y->first_nil_s || x->nil_now != y->nil_now)
      return 0;
  }
  return 1;
}

static void test_pack(void)
{
  hb_period_facts f = {0}, g = {0}, h = {0};
  uint8_t *buf;
  size_t len;
  /* empty */
  CHECK_EQ_INT(0, hb_period_facts_pack(&f, &buf, &len));
  CHECK_EQ_INT(0, hb_period_facts_unpack(buf, len, &g));
  CHECK(facts_equal(&f, &g));
  free(buf);
  hb_period_facts_free(&g);
  for (int i = 0; i < 40; i++)
    CHECK_EQ_INT(0, hb_period_facts_note_change(&f, T(2022, 6, 1, 9, 0, 0) + i * 40000));
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, "2022-06-10", "2022-06-10@zhuti-2023", true,
                                              T(2022, 6, 9, 9, 0, 0)));
  CHECK_EQ_INT(
      0, hb_period_facts_note_report(&f, "2022-06-10", "本期", false, T(2022, 6, 11, 9, 0, 0)));
  CHECK_EQ_INT(0, hb_period_facts_note_report(&f, "2022-06-03", "2022-06-03", false,
                                              T(2022, 6, 2, 9, 0, 0)));
  CHECK(f.ndays > 10);
  CHECK_EQ_INT(0, hb_period_facts_copy(&h, &f));
  CHECK(facts_equal(&f, &h));
  CHECK(h.reports != f.reports && h.reports[0].record_id != f.reports[0].record_id);
  CHECK_EQ_INT(0, hb_period_facts_pack(&f, &buf, &len));
  CHECK_EQ_INT(0, hb_period_facts_unpack(buf, len, &g));
  CHECK(facts_equal(&f, &g));
  /* the change days are written by hand: exactly protobuf-c's bytes */
  Huibao__V1__PeriodFacts *pf = huibao__v1__period_facts__unpack(NULL, len, buf);
  CHECK(pf != NULL && pf->n_days == f.ndays && pf->n_reports == f.nreports);
  if (pf) {
    uint8_t *again = malloc(huibao__v1__period_facts__get_packed_size(pf));
    CHECK_EQ_INT((long)len, (long)huibao__v1__period_facts__pack(pf, again));
    CHECK(memcmp(buf, again, len) == 0);
    free(again);
    huibao__v1__period_facts__free_unpacked(pf, NULL);
  }
  /* garbage and truncated bytes */
  hb_period_facts bad = {0};
  CHECK_EQ_INT(HB_EPARSE, hb_period_facts_unpack(buf, len - 1, &bad));
  CHECK_EQ_INT(0, bad.ndays);
  static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34};
  CHECK_EQ_INT(HB_EPARSE, hb_period_facts_unpack(junk, sizeof junk, &bad));
  static const uint8_t text[] = "not a PeriodFacts";
  CHECK_EQ_INT(HB_EPARSE, hb_period_facts_unpack(text, sizeof text - 1, &bad));
  free(buf);
  /* well-formed protobuf, wrong content: days out of order, a bad period id */
  hb_change_day tmp = h.days[0];
  h.days[0] = h.days[1];
  h.days[1] = tmp;
  CHECK_EQ_INT(0, hb_period_facts_pack(&h, &buf, &len));
  CHECK_EQ_INT(HB_EPARSE, hb_period_facts_unpack(buf, len, &bad));
  free(buf);
  h.days[1] = h.days[0];
  h.days[0] = tmp;
  memcpy(h.reports[0].period, "2022-6-3\0\0", HB_PERIOD_ID_LEN);
  CHECK_EQ_INT(0, hb_period_facts_pack(&h, &buf, &len));
  CHECK_EQ_INT(HB_EPARSE, hb_period_facts_unpack(buf, len, &bad));
  free(buf);
  memcpy(h.reports[0].period, "2022-06-03", HB_PERIOD_ID_LEN);
  CHECK_EQ_INT(0, hb_period_facts_pack(&h, &buf, &len));
  CHECK_EQ_INT(0, hb_period_facts_unpack(buf, len, &bad));
  hb_period_facts_free(&bad);
  free(buf);
  /* reports out of order */
  hb_report_fact rt = h.reports[0];
  h.reports[0] = h.reports[1];
  h.reports[1] = rt;
  CHECK_EQ_INT(0, hb_period_facts_pack(&h, &buf, &len));
  CHECK_EQ_INT(HB_EPARSE, hb_period_facts_unpack(buf, len, &bad));
  free(buf);
  /* another message's bytes (a UnitAggregate) */
  Huibao__V1__ChangeDay cd = HUIBAO__V1__CHANGE_DAY__INIT;
  cd.day = 5;
  uint8_t cdb[32];
  size_t cdn = huibao__v1__change_day__pack(&cd, cdb);
  CHECK_EQ_INT(HB_EPARSE, hb_period_facts_unpack(cdb, cdn, &bad));
  hb_period_facts_free(&f);
  hb_period_facts_free(&g);
  hb_period_facts_free(&h);
}

static void test_campaigns_cycle(void)
{
  static const char ini[] = "[a]\n"                            /* 1 */
                            "name = A\n"                       /* 2 */
                            "start = 2022-06-06\n"             /* 3 */
                            "end = 2022-06-08\n"               /* 4 */
                            "cycle = weekly, 5, 18:00 ; Fri\n" /* 5 first due after the end */
                            "[b]\n"                            /* 6 */
                            "name = B\n"                       /* 7 */
                            "start = 2022-06-01\n"             /* 8 */
                            "end = 2022-12-31\n"               /* 9 */
                            "CYCLE = monthly，25，18:00\n"     /* 10 */
                            "[c]\n"                            /* 11 */
                            "name = C\n"                       /* 12 */
                            "start = 2022-06-01\n"             /* 13 */
                            "end = 2022-12-31\n";              /* 14 */
  hb_campaigns c = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("campaigns.ini", ini, strlen(ini), &c, &d));
  CHECK_EQ_INT(0, d.count);
  CHECK_EQ_INT(3, c.count);
  CHECK_EQ_INT(HB_CYCLE_WEEKLY, c.items[0].cycle.kind);
  CHECK_EQ_INT(5, c.items[0].cycle.day);
  CHECK_EQ_INT(1080, c.items[0].cycle.minute);
  CHECK_EQ_INT(HB_CYCLE_MONTHLY, c.items[1].cycle.kind);
  CHECK_EQ_INT(25, c.items[1].cycle.day);
  CHECK_EQ_INT(HB_CYCLE_NONE, c.items[2].cycle.kind);
  hb_campaigns_free(&c);
  hb_diags_free(&d);

  static const char bad[] = "[a]\n"                      /* 1 */
                            "name = A\n"                 /* 2 */
                            "start = 2022-06-01\n"       /* 3 */
                            "end = 2022-12-31\n"         /* 4 */
                            "cycle = weekly, 8, 18:00\n" /* 5 */
                            "[b]\n"                      /* 6 */
                            "name = B\n"                 /* 7 */
                            "start = 2022-06-01\n"       /* 8 */
                            "end = 2022-12-31\n"         /* 9 */
                            "cycle = weekly, 5, 18:00\n" /* 10 */
                            "cycle = weekly, 4, 18:00\n" /* 11 */
                            "[c]\n"                      /* 12 */
                            "name = C\n"                 /* 13 */
                            "start = 2022-06-01\n"       /* 14 */
                            "end = 2022-12-31\n"         /* 15 */
                            "cycle = daily\n";           /* 16 */
  hb_diags_init(&d);
  memset(&c, 0, sizeof c);
  CHECK_EQ_INT(HB_EINVAL, hb_campaigns_parse("campaigns.ini", bad, strlen(bad), &c, &d));
  static const char *want[] = {
      "campaigns.ini:5: cycle: 报送周期无效 (invalid cycle): 星期须为 1-7，星期一为 1 (weekday "
      "must be 1..7, Monday = 1): weekly, 8, 18:00",
      "campaigns.ini:11: cycle: 键重复 (duplicate key)",
      "campaigns.ini:16: cycle: 报送周期无效 (invalid cycle): 应为 weekly, 星期几(1-7), 时:分 或 "
      "monthly, 日(1-31), 时:分 (expected weekly, 1..7, HH:MM or monthly, 1..31, HH:MM): daily",
  };
  CHECK_EQ_INT(3, d.count);
  char buf[512];
  for (size_t i = 0; i < 3 && i < d.count; i++) {
    hb_diag_format(&d.items[i], buf, sizeof buf);
    CHECK_EQ_STR(want[i], buf);
  }
  hb_campaigns_free(&c);
  hb_diags_free(&d);
}

int main(void)
{
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  RUN(test_local_time);
  RUN(test_cycle_parse);
  RUN(test_weekly);
  RUN(test_weekly_edges);
  RUN(test_monthly);
  RUN(test_rule_change);
  RUN(test_rule_reports);
  RUN(test_nil_now);
  RUN(test_pack);
  RUN(test_campaigns_cycle);
  return test_summary();
}
