/* store_migrate.h: the aggregates rebuilt from the stored records, the one
 * mechanism behind `huibao-aggregator verify` (rebuild and compare) and the
 * upgrade of a store written by an earlier version (rebuild and write, at
 * its first read-write open: store_migrate in store_internal.h).
 *
 * meta "agg-format" (uint64 BE): the format of the stored aggregates.
 * Absent or 1: written by a version before issue 13, without day cells
 * (UnitAggregate fields 10, 11); 2: with them. */
#ifndef AGG_STORE_MIGRATE_H
#define AGG_STORE_MIGRATE_H

#include <stdint.h>
#include "aggmap.h"
#include "store.h"

#define STORE_META_AGG_FORMAT "agg-format"
#define STORE_AGG_FORMAT 2

/* Adds one stored record (as store_records_foreach gives it) to its
 * (campaign, unit) aggregate in m, made (empty) on first use; m owns it.
 * A tombstone, or a row kind that counts in no aggregate (报送 'R'),
 * adds nothing and returns 0. Returns HB_EINVAL for a live record without
 * campaign or that hb_agg refuses (it cannot be counted: m unchanged),
 * HB_ENOMEM. */
int store_recount_add(aggmap *m, const Huibao__V1__Record *rec);

/* The stored aggregates' format (meta "agg-format"; 1 when absent) into
 * *format. Returns 0 or an hb_err (err says why). */
int store_agg_format(store *s, uint64_t *format, char *err, size_t errlen);

#endif
