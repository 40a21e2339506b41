/* aggmap.c: hb_agg by (campaign, unit): a chained hash table. */
#include "aggmap.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

static uint64_t aggmap_hash(const char *campaign, const char *unit)
{
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)campaign; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  h = (h ^ 0xff) * 1099511628211ull;
  for (const unsigned char *p = (const unsigned char *)unit; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return h;
}

void aggmap_init(aggmap *m)
{
  memset(m, 0, sizeof *m);
}

static void node_free(aggmap_node *n)
{
  hb_agg_free(n->agg);
  free(n->agg);
  free(n);
}

void aggmap_clear(aggmap *m)
{
  for (size_t i = 0; i < m->nbuckets; i++) {
    aggmap_node *n = m->buckets[i];
    while (n) {
      aggmap_node *next = n->next;
      node_free(n);
      n = next;
    }
    m->buckets[i] = NULL;
  }
  m->count = 0;
}

void aggmap_free(aggmap *m)
{
  aggmap_clear(m);
  free(m->buckets);
  memset(m, 0, sizeof *m);
}

static aggmap_node **aggmap_slot(const aggmap *m, const char *campaign, const char *unit,
                                 uint64_t h)
{
  if (!m->nbuckets)
    return NULL;
  aggmap_node **p = &m->buckets[h & (m->nbuckets - 1)];
  for (; *p; p = &(*p)->next)
    if ((*p)->hash == h && strcmp((*p)->agg->campaign, campaign) == 0 &&
        strcmp((*p)->agg->unit, unit) == 0)
      return p;
  return p;
}

hb_agg *aggmap_get(const aggmap *m, const char *campaign, const char *unit)
{
  aggmap_node **p = aggmap_slot(m, campaign, unit, aggmap_hash(campaign, unit));
  return p && *p ? (*p)->agg : NULL;
}

static int aggmap_grow(aggmap *m)
{
  size_t nb = m->nbuckets ? 2 * m->nbuckets : 64;
  aggmap_node **b = calloc(nb, sizeof *b);
  if (!b)
    return HB_ENOMEM;
  for (size_t i = 0; i < m->nbuckets; i++) {
    aggmap_node *n = m->buckets[i];
    while (n) {
      aggmap_node *next = n->next;
      n->next = b[n->hash & (nb - 1)];
      b[n->hash & (nb - 1)] = n;
      n = next;
    }
  }
  free(m->buckets);
  m->buckets = b;
  m->nbuckets = nb;
  return 0;
}

int aggmap_put(aggmap *m, hb_agg *agg)
{
  if (m->count >= m->nbuckets && aggmap_grow(m) != 0)
    return HB_ENOMEM;
  uint64_t h = aggmap_hash(agg->campaign, agg->unit);
  aggmap_node **p = aggmap_slot(m, agg->campaign, agg->unit, h);
  if (*p) {
    if ((*p)->agg != agg) {
      hb_agg_free((*p)->agg);
      free((*p)->agg);
      (*p)->agg = agg;
    }
    return 0;
  }
  aggmap_node *n = malloc(sizeof *n);
  if (!n)
    return HB_ENOMEM;
  n->next = NULL;
  n->hash = h;
  n->agg = agg;
  *p = n;
  m->count++;
  return 0;
}

hb_agg *aggmap_take(aggmap *m, const char *campaign, const char *unit)
{
  aggmap_node **p = aggmap_slot(m, campaign, unit, aggmap_hash(campaign, unit));
  if (!p || !*p)
    return NULL;
  aggmap_node *n = *p;
  hb_agg *a = n->agg;
  *p = n->next;
  free(n);
  m->count--;
  return a;
}

void aggmap_remove(aggmap *m, const char *campaign, const char *unit)
{
  hb_agg *a = aggmap_take(m, campaign, unit);
  if (a) {
    hb_agg_free(a);
    free(a);
  }
}

aggmap_node *aggmap_first(const aggmap *m, size_t *bucket)
{
  for (*bucket = 0; *bucket < m->nbuckets; (*bucket)++)
    if (m->buckets[*bucket])
      return m->buckets[*bucket];
  return NULL;
}

aggmap_node *aggmap_next(const aggmap *m, aggmap_node *n, size_t *bucket)
{
  if (n->next)
    return n->next;
  for ((*bucket)++; *bucket < m->nbuckets; (*bucket)++)
    if (m->buckets[*bucket])
      return m->buckets[*bucket];
  return NULL;
}
