/* view_store.h: the city view kept in LMDB across restarts.
 *
 * One named database "view": key = origin (county source code) '\0'
 * campaign; value = one flag byte (1 = stale) followed by the packed
 * Rollup last kept for that pair. Written in one transaction per flush. */
#ifndef SUB_VIEW_STORE_H
#define SUB_VIEW_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "collect.h"
#include "hb_lmdb.h"

typedef struct sub_store {
  hb_lmdb l;
  MDB_dbi dbi;
} sub_store;

/* Opens (creating) the store in dir. err says why on failure. */
int sub_store_open(sub_store *s, const char *dir, char *err, size_t errlen);
void sub_store_close(sub_store *s);

/* Loads every stored pair into c (sub_collect_load with now_ms). Entries
 * that no longer decode are skipped and counted in *skipped (may be NULL). */
int sub_store_load(sub_store *s, sub_collect *c, int64_t now_ms, size_t *skipped);

/* Writes every dirty entry of c in one transaction and clears their dirty
 * flags once it committed; grows the map on MDB_MAP_FULL and retries.
 * *written (may be NULL) gets how many were written. */
int sub_store_flush(sub_store *s, sub_collect *c, size_t *written);

#endif
