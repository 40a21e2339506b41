/* test_rollup_periods.h: county Rollups with reporting periods (issue 13,
 * Rollup fields 21..26) for unit tests, built by hand as test_rollup.h
 * builds the others (one unpacked tree each).
 *
 *   static const char *const units[] = {"a1", "a2"};
 *   static const test_period ps[] = {{"2022-06-10", 19147, 19153, "RN", 3, 1, 2, 1, 0}};
 *   Huibao__V1__Rollup *r = test_rollup_periods(&(test_period_rollup){
 *       .source = "xq", .campaign = "jf", .cycle = "weekly,5,18:00", .units = units,
 *       .nunits = 2, .periods = ps, .nperiods = 1, .last_closed = "2022-06-10"}); */
#ifndef HB_TEST_ROLLUP_PERIODS_H
#define HB_TEST_ROLLUP_PERIODS_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

typedef struct test_period {
  const char *id;     /* the due date; the due is at 18:00 on end */
  int32_t start, end; /* days since epoch */
  const char *states; /* one letter per unit of the rollup: R N L M P (reported nil late
                         missing pending), '-' leaves the unit out */
  uint64_t study;     /* records of kind study (sessions = records, participants 10 each) */
  uint64_t declared;  /* records of the rollup's declared kind (the same) */
  uint64_t identified, resolved, overdue_at_end;
} test_period;

typedef struct test_period_rollup {
  const char *source, *campaign, *cycle; /* cycle NULL: none of fields 21..26 */
  uint64_t seq;
  const char *const *units; /* codes; a unit row each, named "单位" + code */
  size_t nunits;
  const char *kind_code, *kind_name; /* the declared kind (Rollup.kinds), may be NULL */
  const test_period *periods;
  size_t nperiods;
  const char *current, *last_closed;
  const char *contra_unit, *contra_period; /* one contradiction when set */
  uint64_t contra_records;
} test_period_rollup;

/* The rollup t describes (activities: the periods' sums, also without a
 * cycle), as
 * test_rollup_copy returns it; NULL when out of memory. */
Huibao__V1__Rollup *test_rollup_periods(const test_period_rollup *t);

#endif
