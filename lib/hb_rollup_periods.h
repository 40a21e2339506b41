/* hb_rollup_periods.h: the reporting periods of a county's Rollup (issue
 * 13, docs/periods.md): cycle, periods with each expected unit's state and
 * the figures dated in them, period_current, period_last_closed and the
 * contradictions. The build side of hb_rollup_build, for a campaign with a
 * cycle.
 *
 * Cost: units x periods (each unit's state) + aggregates x periods (each a
 * binary search into the aggregate's day cells); records are never read. */
#ifndef HB_ROLLUP_PERIODS_H
#define HB_ROLLUP_PERIODS_H

#include <stddef.h>
#include "hb_agg.h"
#include "hb_period.h"
#include "hb_rollup_build.h"
#include "huibao/v1/huibao.pb-c.h"

/* Everything the Rollup's period fields point to; zero it before use. */
typedef struct hb_rollup_periods {
  hb_period *p; /* the campaign's periods */
  size_t np;
  char cycle[32];
  hb_period_sum *sums; /* np */
  Huibao__V1__Period *periods, **periodp;
  Huibao__V1__PeriodCounts *counts;
  Huibao__V1__PeriodProblems *problems;
  Huibao__V1__Totals *acts;
  Huibao__V1__UnitPeriodState *states, **statep; /* np x units */
  Huibao__V1__KindTotals *kinds, **kindp;        /* every period's, one after another */
  Huibao__V1__Totals *kind_tots;
  Huibao__V1__Contradiction *contras, **contrap;
  size_t ncontras, capcontras;
  const hb_agg **agg_of; /* agg_of[i]: the aggregate of units->items[i], made when needed */
} hb_rollup_periods;

/* Fills r's cycle, periods, period_current, period_last_closed and
 * contradictions from in (campaign, units, aggs, facts, now_s) when the
 * campaign has a cycle; else leaves r as it is. r then points into m (and
 * into in's strings) until hb_rollup_periods_free(m). Returns 0 or
 * HB_ENOMEM. */
int hb_rollup_periods_build(const hb_rollup_input *in, hb_rollup_periods *m, Huibao__V1__Rollup *r);
void hb_rollup_periods_free(hb_rollup_periods *m);

#endif
