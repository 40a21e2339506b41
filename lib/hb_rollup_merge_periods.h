/* hb_rollup_merge_periods.h: the reporting periods of a merged Rollup
 * (issue 13, Rollup fields 21..26): a part of hb_rollup_merge, private to
 * lib/hb_rollup_merge*.c. */
#ifndef HB_ROLLUP_MERGE_PERIODS_H
#define HB_ROLLUP_MERGE_PERIODS_H

#include <stddef.h>
#include "huibao/v1/huibao.pb-c.h"

/* What the merged periods point into; freed once the merged rollup has been
 * packed. Zero it before hb_rollup_merge_periods. */
typedef struct hb_period_ref {
  const Huibao__V1__Period *p;
  size_t order; /* input then period order */
} hb_period_ref;

typedef struct hb_periods_mem {
  hb_period_ref *ref; /* the merged inputs' periods, sorted by (id, order) */
  Huibao__V1__Period *periods;
  Huibao__V1__Period **periodp;
  Huibao__V1__PeriodCounts *counts;
  Huibao__V1__Totals *acts;
  Huibao__V1__PeriodProblems *probs;
  Huibao__V1__UnitPeriodState **unitp; /* every merged period's units, one slice each */
  Huibao__V1__KindTotals *kinds;       /* every merged period's by_kind, one slice each */
  Huibao__V1__KindTotals **kindp;
  Huibao__V1__Totals *kind_tots;
  Huibao__V1__Contradiction **contrap;
  char **mismatch;
} hb_periods_mem;

/* Fields 21..26 of the merge r of in[0..n): the cycle most inputs have
 * (ties: that of the input with the smallest source code; never the order
 * of arrival); every input whose cycle differs from it (an input without
 * a cycle included) is named (its source code) in cycle_mismatch with the
 * inputs' own cycle_mismatch, and its periods and contradictions are left
 * out. The periods of the others are merged by id (chronological): counts,
 * activities, by_kind (by kind or kind_code, in order of first appearance)
 * and problems summed, units concatenated in input then units order, start
 * the earliest and end the latest of the inputs'; contradictions
 * concatenated; period_current and period_last_closed the latest of the
 * merged inputs'. No input with a cycle: r is left without them. r points
 * into the inputs (borrowed) and into *m afterwards. Returns 0 or
 * HB_ENOMEM (free *m either way with hb_periods_mem_free). */
int hb_rollup_merge_periods(const Huibao__V1__Rollup *const *in, size_t n, hb_periods_mem *m,
                            Huibao__V1__Rollup *r);

void hb_periods_mem_free(hb_periods_mem *m);

#endif
