/* hb_agg_internal.h: the sorted arrays of an hb_agg, shared by hb_agg.c
 * (add, remove, copy) and hb_agg_pack.c (unpack). Private to those two. */
#ifndef HB_AGG_INTERNAL_H
#define HB_AGG_INTERNAL_H

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

#endif
