/* aggmap.h: hb_agg values keyed by (campaign, unit), in memory.
 *
 * A chained hash table. The map owns every hb_agg put into it (heap
 * allocated, freed with hb_agg_free + free on replace/remove/free). */
#ifndef AGG_AGGMAP_H
#define AGG_AGGMAP_H

#include <stddef.h>
#include <stdint.h>
#include "hb_agg.h"

typedef struct aggmap_node {
  struct aggmap_node *next;
  uint64_t hash;
  hb_agg *agg;
} aggmap_node;

typedef struct aggmap {
  aggmap_node **buckets;
  size_t nbuckets, count;
} aggmap;

void aggmap_init(aggmap *m);
/* Frees every aggregate and the table. */
void aggmap_free(aggmap *m);
/* Removes every entry (freeing the aggregates), keeps the table. */
void aggmap_clear(aggmap *m);

hb_agg *aggmap_get(const aggmap *m, const char *campaign, const char *unit);

/* Inserts agg (heap allocated), taking ownership; an entry with the same key
 * is freed and replaced. On failure the caller still owns agg. */
int aggmap_put(aggmap *m, hb_agg *agg);

/* Removes and frees the entry for (campaign, unit), if any. */
void aggmap_remove(aggmap *m, const char *campaign, const char *unit);

/* Detaches the entry and returns its aggregate (caller owns it), or NULL. */
hb_agg *aggmap_take(aggmap *m, const char *campaign, const char *unit);

/* Iteration: for (aggmap_node *n = aggmap_first(m, &i); n; n = aggmap_next(m, n, &i)) */
aggmap_node *aggmap_first(const aggmap *m, size_t *bucket);
aggmap_node *aggmap_next(const aggmap *m, aggmap_node *n, size_t *bucket);

#endif
