/* hb_rollup_declared.h: the parts of a county's Rollup that the campaign
 * declares (campaigns.ini): activity kinds, sub-categories, outcome
 * indicators, stages, and the typical cases. Private to hb_rollup_build.c,
 * which builds the rest; every message here points into this struct, the
 * campaign or the aggregates, and lives until hb_rollup_decl_free. */
#ifndef HB_ROLLUP_DECLARED_H
#define HB_ROLLUP_DECLARED_H

#include <stddef.h>
#include <stdint.h>
#include "hb_agg.h"
#include "hb_campaigns.h"
#include "hb_totals.h"
#include "huibao/v1/huibao.pb-c.h"

#define HB_ROLLUP_NTYPES (HB_UNIT_TYPE_MAX + 1) /* index 0: unit not in units.csv */

typedef struct hb_rollup_named {
  const char *code, *name;
  const char *unit;                /* indicators: 件, 万元 */
  int places;                      /* indicators */
  uint64_t count, resolved, units; /* sub-categories; count: an indicator's records */
  int64_t value;                   /* indicators, in 1/HB_INDICATOR_SCALE */
} hb_rollup_named;

typedef struct hb_rollup_decl {
  /* declared kinds (file order, then kinds only the aggregates know, by
   * code) and their cube: kcube[(type * HB_LEVEL_MAX + level - 1) * nk + k] */
  hb_rollup_named *kinds;
  size_t nk;
  hb_totals *kcube;
  Huibao__V1__KindName *kn, **knp;
  Huibao__V1__Totals *ktots;
  /* sub-categories of category i: subs[sub_first[i] .. sub_first[i + 1]) */
  hb_rollup_named *subs;
  size_t *sub_first, ncat;
  Huibao__V1__CategoryCount *subpb, **subp;
  /* indicators (file order, then codes only the aggregates know) */
  hb_rollup_named *inds;
  size_t ni;
  Huibao__V1__IndicatorSum *indpb, **indp;
  Huibao__V1__IndicatorSum *rowind, **rowindp; /* rows x ni */
  Huibao__V1__CaseCounts cases, *rowcases;     /* county, per row */
  Huibao__V1__Stage *stages, **stagep;         /* the campaign's, sorted by start */
  size_t nstages;
} hb_rollup_decl;

/* Builds the lists and the county-wide sums. aggs[i] is of unit type
 * agg_type[i] (0..HB_UNIT_TYPE_MAX); cat_codes[0..ncat) are the rollup's
 * categories in order. nrows: the unit rows hb_rollup_decl_row will fill.
 * Returns 0 or HB_ENOMEM (free d either way). */
int hb_rollup_decl_init(hb_rollup_decl *d, const hb_campaign *c, const hb_agg *const *aggs,
                        const int *agg_type, size_t naggs, const char *const *cat_codes,
                        size_t ncat, size_t nrows);

/* The cube cells of declared kinds of unit type t at level l, with records,
 * into cells (room for nk); returns their number. */
size_t hb_rollup_decl_cells(hb_rollup_decl *d, int t, int l, const char *unit_type,
                            Huibao__V1__CubeCell *cells);

/* Sets r's kinds, indicators, cases and stages, and the sub-categories of
 * cats[0..ncat) (the categories in cat_codes' order). */
void hb_rollup_decl_fill(hb_rollup_decl *d, Huibao__V1__Rollup *r,
                         Huibao__V1__CategoryCount *const *cats);

/* Sets row r's indicators and cases from a (NULL: zero). */
void hb_rollup_decl_row(hb_rollup_decl *d, size_t r, const hb_agg *a, Huibao__V1__UnitRow *row);

void hb_rollup_decl_free(hb_rollup_decl *d);

#endif
