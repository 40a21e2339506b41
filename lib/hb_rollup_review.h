/* hb_rollup_review.h: the county's review counts as a Rollup carries them
 * (issue 14, docs/review.md): ProblemCounts 13-17 for the campaign and for
 * each unit, CategoryCount 7-11 for each category (of the campaign and of
 * a unit), Rollup.activities_returned and UnitRow.activities_returned.
 *
 * A county of this version sets every one of them (has_) for the campaign,
 * each category and each unit, zeros included, so that the JSON shows 0
 * rather than nothing; a county of an earlier version sends none. Read
 * through hb_rollup_review_of_*, a message without them has confirmed,
 * returned, deletion_pending and reopened 0 and claimed = resolved (every
 * resolved problem is the unit's own claim: nobody confirmed it), so that
 * confirmed + claimed = resolved holds for every count, merged or not.
 * Sub-categories carry none. Pure functions. */
#ifndef HB_ROLLUP_REVIEW_H
#define HB_ROLLUP_REVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

typedef struct hb_rollup_review {
  uint64_t confirmed;        /* 已销号: resolved and confirmed by a reviewer */
  uint64_t claimed;          /* 待销号: resolved, not confirmed (resolved - confirmed) */
  uint64_t returned;         /* 退回, waiting for the unit */
  uint64_t deletion_pending; /* 待审批撤销: deleted by the unit, still counted */
  uint64_t reopened;         /* 重新打开 (反弹), waiting for the unit */
} hb_rollup_review;

/* The counts p carries (p may be NULL: all 0). claimed is p->claimed when
 * present, else resolved - confirmed (0 if confirmed exceeds resolved). */
void hb_rollup_review_of_pc(const Huibao__V1__ProblemCounts *p, hb_rollup_review *out);

/* The same for a category (c may be NULL). */
void hb_rollup_review_of_cat(const Huibao__V1__CategoryCount *c, hb_rollup_review *out);

/* True when p carries the review counts (a county of issue 14 or later, or
 * a merge with at least one such input). */
bool hb_rollup_review_present(const Huibao__V1__ProblemCounts *p);

/* Sets the five fields of p (or c) from v, every has_ flag included. */
void hb_rollup_review_set_pc(Huibao__V1__ProblemCounts *p, const hb_rollup_review *v);
void hb_rollup_review_set_cat(Huibao__V1__CategoryCount *c, const hb_rollup_review *v);

/* sum += v, each count saturating at UINT64_MAX. */
void hb_rollup_review_add(hb_rollup_review *sum, const hb_rollup_review *v);

#endif
