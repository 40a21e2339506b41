/* kvlist.h: a small list of (string key, uint64 value), looked up by a
 * linear scan: the county store's per-batch sets (campaigns changed, units
 * synced, usage per unit), which hold tens of entries, not thousands. */
#ifndef AGG_KVLIST_H
#define AGG_KVLIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct kv {
  char *key;
  uint64_t v;
} kv;

typedef struct kvlist {
  kv *items;
  size_t n, cap;
} kvlist;

/* The entry of key, or NULL. Valid until the list changes. */
kv *kvlist_find(const kvlist *l, const char *key);
/* kvlist_find that looks at entry *hint first and sets *hint to the
 * entry found (issue 17: a batch's records come in runs of one unit, and
 * a scan of tens of units per record was most of the county's strcmp). */
kv *kvlist_find_hint(const kvlist *l, const char *key, size_t *hint);
/* Sets key's value (adding a copy of key). 0 or HB_ENOMEM. */
int kvlist_set(kvlist *l, const char *key, uint64_t v);
/* Empties the list (keeps its capacity). */
void kvlist_clear(kvlist *l);
/* Frees everything; the list is empty and reusable. */
void kvlist_free(kvlist *l);

#endif
