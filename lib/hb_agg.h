/* hb_agg.h: the running totals of one (campaign, unit).
 *
 * The county keeps one hb_agg per (campaign, unit) and changes it by
 * subtracting a record's old version and adding its new one, so the cost of
 * a record never grows with the number stored. The same struct, rebuilt from
 * the stored records, is what `huibao-aggregator verify` compares against.
 * Stored in LMDB as the UnitAggregate message of huibao.proto. */
#ifndef HB_AGG_H
#define HB_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_totals.h"
#include "hb_vocab.h"

/* One sub-category's problems (Problem.subcategory, within its category). */
typedef struct hb_sub_count {
  char *code;        /* owned */
  uint64_t count;    /* problems of this sub-category (not deleted) */
  uint64_t resolved; /* of which status resolved */
} hb_sub_count;

/* Issue 14: the county's review of the problems counted (docs/review.md);
 * kept per aggregate and per category. claimed = resolved - confirmed is
 * not kept (the rollup computes it). */
typedef struct hb_review_counts {
  uint64_t confirmed;        /* REVIEW_CONFIRMED (always resolved) */
  uint64_t returned;         /* REVIEW_RETURNED */
  uint64_t reopened;         /* REVIEW_REOPENED */
  uint64_t deletion_pending; /* REVIEW_DELETION_PENDING (the held version is counted) */
} hb_review_counts;

typedef struct hb_cat_count {
  char *code;          /* owned */
  uint64_t count;      /* problems of this category (not deleted) */
  uint64_t resolved;   /* of which status resolved */
  hb_review_counts rv; /* issue 14: of which under review */
  hb_sub_count *subs;  /* owned, sorted by code, counts > 0 only */
  size_t nsubs, capsubs;
} hb_cat_count;

/* The activities of one declared kind (Activity.kind_code) at one level. */
typedef struct hb_kind_cell {
  char *code; /* owned: the campaign's kind code */
  int level;  /* 1..HB_LEVEL_MAX */
  hb_totals t;
} hb_kind_cell;

/* The sum of one outcome indicator (Indicator.indicator). */
typedef struct hb_ind_sum {
  char *code;       /* owned */
  int64_t value;    /* in 1/HB_INDICATOR_SCALE (hb_campaigns.h): exact */
  uint64_t records; /* live Indicator records */
} hb_ind_sum;

typedef struct hb_deadline_count {
  int32_t day;    /* deadline, days since epoch */
  uint64_t count; /* unresolved problems with this deadline */
} hb_deadline_count;

/* Issue 13: activities of one date and kind (a built-in kind, or a
 * declared kind's code), the base of per-period figures. */
typedef struct hb_day_act {
  int32_t day;
  int kind;   /* ActivityKind 1..HB_KIND_MAX, or 0 with code */
  char *code; /* owned: a declared kind's code, NULL for a built-in kind */
  hb_totals t;
} hb_day_act;

/* Issue 13: problems by date. overdue_delta: +1 on the first day a problem
 * is open past its deadline (max(identified_on, deadline + 1)), -1 on its
 * resolved_on when it was resolved after that; so the open-and-overdue
 * count at the end of day E is the sum of the deltas up to E. */
typedef struct hb_day_prob {
  int32_t day;
  uint64_t identified; /* identified_on = day */
  uint64_t resolved;   /* status resolved with resolved_on = day */
  int64_t overdue_delta;
} hb_day_prob;

typedef struct hb_agg {
  char *campaign;                                   /* owned */
  char *unit;                                       /* owned */
  uint64_t records;                                 /* live (not deleted) activities + problems */
  hb_totals act[HB_LEVEL_MAX + 1][HB_KIND_MAX + 1]; /* [level][kind], index 0 unused */
  uint64_t problems;                                /* live problems */
  uint64_t by_status[HB_STATUS_MAX + 1];
  uint64_t by_scope[HB_SCOPE_MAX + 1];
  uint64_t measures;
  hb_cat_count *cats; /* sorted by code */
  size_t ncats, capcats;
  hb_deadline_count *deadlines; /* sorted by day, counts > 0 only */
  size_t ndeadlines, capdeadlines;
  uint64_t by_source[HB_SOURCE_MAX + 1]; /* live problems by ProblemSource, [0] unspecified */
  uint64_t by_term[HB_TERM_MAX + 1];     /* live problems by ProblemTerm, [0] unspecified */
  /* declared kinds (the built-in ones are act[][]): sorted by code, then
   * level; cells with records only */
  hb_kind_cell *kcells;
  size_t nkcells, capkcells;
  hb_ind_sum *inds; /* sorted by code; entries with records only */
  size_t ninds, capinds;
  uint64_t cases;                    /* live Case records */
  uint64_t by_case[HB_CASE_MAX + 1]; /* by CaseType, [0] unspecified */
  hb_day_act *dacts;                 /* sorted by day, kind, code; cells with records only */
  size_t ndacts, capdacts;
  hb_day_prob *dprobs; /* sorted by day; days with a non-zero field only */
  size_t ndprobs, capdprobs;
  hb_review_counts rv;   /* issue 14: problems under review (hb_agg_add_review) */
  uint64_t act_returned; /* issue 14: activities in REVIEW_RETURNED */
} hb_agg;

/* Initialises an empty aggregate for (campaign, unit); copies both strings. */
int hb_agg_init(hb_agg *a, const char *campaign, const char *unit);
void hb_agg_free(hb_agg *a);

/* Makes dst an independent deep copy of src (dst is overwritten, not freed
 * first). On failure dst is left empty-initialised-free (safe to free). */
int hb_agg_copy(hb_agg *dst, const hb_agg *src);

/* Adds (sign = +1) or removes (sign = -1) one record's contribution.
 * Tombstones (deleted) contribute nothing. The record must be valid and of
 * this aggregate's campaign. Removing what was never added is a bug:
 * returns HB_EINVAL and leaves a unchanged; so does a record that cannot be
 * counted (an activity with neither a built-in kind nor a kind_code, an
 * indicator without its code or whose sum would leave int64). HB_ENOMEM
 * leaves a unchanged too. records counts activities and problems only. */
int hb_agg_add_activity(hb_agg *a, const Huibao__V1__Activity *r, int sign);
int hb_agg_add_problem(hb_agg *a, const Huibao__V1__Problem *r, int sign);
int hb_agg_add_indicator(hb_agg *a, const Huibao__V1__Indicator *r, int sign);
int hb_agg_add_case(hb_agg *a, const Huibao__V1__Case *r, int sign);

/* Issue 14 (hb_agg_review.c): adds (sign +1) or removes (-1) the review
 * status of a record counted in a (its effective version: for a deletion
 * request the held live version, aggregator/store_review.c) to the review
 * counts: a problem's status (hb_review_status, hb_review.h) to a->rv and
 * its category's rv, an activity's REVIEW_RETURNED to act_returned; every
 * other status or record adds nothing. Exactly one of act, prob is not
 * NULL. HB_EINVAL (a unchanged) for removing what is not there, a status
 * out of range, or a problem whose category a does not hold. */
int hb_agg_add_review(hb_agg *a, const Huibao__V1__Activity *act, const Huibao__V1__Problem *prob,
                      int status, int sign);

/* Lookups by code (NULL if a holds none): borrowed, valid until a changes. */
const hb_cat_count *hb_agg_category(const hb_agg *a, const char *code);
const hb_sub_count *hb_agg_subcategory(const hb_cat_count *c, const char *code);
const hb_ind_sum *hb_agg_indicator(const hb_agg *a, const char *code);

/* Unresolved problems whose deadline is before today. */
uint64_t hb_agg_overdue(const hb_agg *a, int32_t today);

/* Activity totals over all levels and kinds (declared kinds included). */
hb_totals hb_agg_activity_totals(const hb_agg *a);

bool hb_agg_is_empty(const hb_agg *a);

/* Issue 13: the figures of the days from..to (inclusive) of one or more
 * aggregates, added into by hb_agg_period_add (hb_agg_days.c). */
typedef struct hb_kind_sum {
  int kind;   /* as hb_day_act */
  char *code; /* owned, NULL for a built-in kind */
  hb_totals t;
} hb_kind_sum;

typedef struct hb_period_sum {
  hb_totals act;      /* activities dated in the days */
  hb_kind_sum *kinds; /* sorted by kind, code */
  size_t nkinds, capkinds;
  uint64_t identified;    /* problems identified in the days */
  uint64_t resolved;      /* resolved (by resolved_on) in the days */
  int64_t overdue_at_end; /* open and overdue at the end of day to */
  uint64_t dated;         /* activities + problems identified in the days */
} hb_period_sum;

/* Adds a's figures of the days from..to into out (zeroed by the caller
 * before the first call). Returns 0 or HB_ENOMEM. */
int hb_agg_period_add(const hb_agg *a, int32_t from, int32_t to, hb_period_sum *out);

/* Days from..to, inclusive. */
typedef struct hb_day_range {
  int32_t from, to;
} hb_day_range;

/* The same for n ranges in ascending order, not overlapping (a campaign's
 * periods), into out[0..n): one pass over a's cells, so a rollup's
 * periods cost cells + periods per aggregate, not their product. */
int hb_agg_periods_add(const hb_agg *a, const hb_day_range *r, size_t n, hb_period_sum *out);
void hb_period_sum_free(hb_period_sum *s);

/* Issue 13: frees a's day cells (a keeps none, as an aggregate of the
 * previous version unpacks): `huibao-aggregator verify` compares a store
 * not yet upgraded (aggregator/store_migrate.c) without them. */
void hb_agg_days_drop(hb_agg *a);

/* True if both hold the same figures (campaign and unit included). */
bool hb_agg_equal(const hb_agg *x, const hb_agg *y);

/* A one-line description of the first difference, for verify's report. */
void hb_agg_diff(const hb_agg *x, const hb_agg *y, char *buf, size_t len);

/* Serialises to a packed UnitAggregate (*buf malloc'd) and back
 * (hb_agg_pack.c). A UnitAggregate of the previous version (no declared
 * kinds, sub-categories, sources, terms, indicators or cases) unpacks to
 * the same figures with the new ones zero (unspecified source and term). */
int hb_agg_pack(const hb_agg *a, uint8_t **buf, size_t *len);
int hb_agg_unpack(const uint8_t *buf, size_t len, hb_agg *out);

#endif
