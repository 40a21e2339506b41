/* hb_agg_internal.h: the sorted arrays of an hb_agg, shared by hb_agg.c
 * (add, remove, copy), hb_agg_days.c (day cells) and hb_agg_pack.c
 * (unpack). Private to those three. */
#ifndef HB_AGG_INTERNAL_H
#define HB_AGG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include "hb_agg.h"

/* Index of key in the sorted array base[0..n) of elem-byte items, or
 * -(insertion point) - 1. cmp(key, item) as strcmp. */
long hb_agg_vec_find(const void *base, size_t n, size_t elem, const void *key,
                     int (*cmp)(const void *key, const void *item));
/* Inserts a zeroed item at pos, growing *base; HB_ENOMEM leaves it as it was. */
int hb_agg_vec_insert(void **base, size_t *n, size_t *cap, size_t elem, size_t pos);
/* Removes the item at pos (freeing nothing it points to). */
void hb_agg_vec_erase(void *base, size_t *n, size_t elem, size_t pos);

/* Key comparisons for hb_agg_vec_find: key is a const char * code, or
 * for agg_kind_cmp a const hb_kind_cell * (code, level). */
int hb_agg_code_cmp(const void *key, const void *item);
int hb_agg_kind_cmp(const void *key, const void *item);

/* Finds code in the categories (or a category's subs, or the indicators),
 * inserting a zero entry with a copy of code if absent: *at gets its index,
 * *created whether it was inserted. Returns 0 or HB_ENOMEM. */
int hb_agg_cat_get(hb_agg *a, const char *code, size_t *at, int *created);
int hb_agg_sub_get(hb_cat_count *c, const char *code, size_t *at, int *created);
int hb_agg_ind_get(hb_agg *a, const char *code, size_t *at, int *created);
/* The same for a declared kind's cell at level. */
int hb_agg_kcell_get(hb_agg *a, const char *code, int level, size_t *at, int *created);
/* Inserts a zero count for day if absent (*at its index). */
int hb_agg_deadline_get(hb_agg *a, int32_t day, size_t *at, int *created);

/* Issue 14: whether all of rv is zero (hb_agg_review.c). */
bool hb_agg_rv_zero(const hb_review_counts *rv);
/* Erases category ci if it holds nothing any more: no problem and no
 * review count (a category whose last problem left before its review
 * count did is kept until the count leaves too). */
void hb_agg_cat_drop_if_empty(hb_agg *a, size_t ci);

/* ---------------------------------------------------------------- day cells
 * (hb_agg_days.c) */

/* Index of the activity cell (day, kind, code) (code NULL for a built-in
 * kind), or -(insertion point) - 1. */
long hb_agg_dact_find(const hb_agg *a, int32_t day, int kind, const char *code);
/* Finds the cell or inserts a zero one (with a copy of code). 0 or HB_ENOMEM. */
int hb_agg_dact_get(hb_agg *a, int32_t day, int kind, const char *code, size_t *at, int *created);
/* Removes the cell at (frees its code). */
void hb_agg_dact_erase(hb_agg *a, size_t at);
/* The same for the problem cells (by day). */
long hb_agg_dprob_find(const hb_agg *a, int32_t day);
/* Binary search of n cells of size bytes, sorted by their first member, an
 * int32_t day: the index of day, or -(insertion point) - 1. */
long hb_agg_day_find(const void *cells, size_t n, size_t size, int32_t day);
int hb_agg_dprob_get(hb_agg *a, int32_t day, size_t *at, int *created);

/* One problem's contribution to the problem cells: at most four steps
 * (identified, resolved, overdue +1 and -1). */
enum { HB_DAY_IDENTIFIED = 1, HB_DAY_RESOLVED = 2, HB_DAY_OVERDUE = 3 };
typedef struct hb_day_steps {
  size_t n;
  struct {
    int32_t day;
    int field; /* HB_DAY_* */
    int64_t v;
  } s[4];
} hb_day_steps;

/* The steps of a live problem (hb_agg.h: overdue_delta). */
void hb_agg_days_of_problem(const Huibao__V1__Problem *r, hb_day_steps *st);
/* True if the steps' cells hold what removing them takes. */
bool hb_agg_days_can_remove(const hb_agg *a, const hb_day_steps *st);
/* Inserts the missing cells of the steps (zero); on HB_ENOMEM none is left
 * inserted. Then hb_agg_days_apply cannot fail. */
int hb_agg_days_reserve(hb_agg *a, const hb_day_steps *st);
/* Adds (sign +1) or removes (-1) the steps (cells reserved or checked
 * before), and erases the cells left all zero. */
void hb_agg_days_apply(hb_agg *a, const hb_day_steps *st, int sign);

/* Deep-copies the day cells (dst's day fields overwritten; on HB_ENOMEM
 * dst holds what hb_agg_days_drop frees). */
int hb_agg_days_copy(hb_agg *dst, const hb_agg *src);

/* The day cells of a as the bytes of UnitAggregate fields 10 and 11
 * (hb_agg_days_pack.c): the size, and the bytes written to out (which
 * holds at least that size); returns what was written. */
size_t hb_agg_days_packed_size(const hb_agg *a);
size_t hb_agg_days_pack(const hb_agg *a, uint8_t *out);

#endif
