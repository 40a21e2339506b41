/* review_queue.h: what waits for a reviewer (issue 14, H6): problems the
 * unit marked 已整改 and no one confirmed (claimed), returned and
 * reopened records, deletion requests. Read in a read transaction, so the
 * console's HTTP threads and `huibao-aggregator review list` share it. */
#ifndef AGG_REVIEW_QUEUE_H
#define AGG_REVIEW_QUEUE_H

#include <stdbool.h>
#include <lmdb.h>
#include "huibao/v1/huibao.pb-c.h"
#include "store.h"

/* Which entries: unit NULL = every unit; state: "claimed", "returned"
 * (returned and reopened), "deletion" (pending deletion requests), NULL =
 * all three. */
typedef struct review_filter {
  const char *unit;
  const char *state;
} review_filter;

/* One entry: the record (its effective version: for a deletion request
 * the held live one), its review entry (NULL for a claimed problem never
 * decided on), and the queue it is in ("claimed", "returned", "reopened",
 * "deletion"). Borrowed for the call. */
typedef struct review_item {
  const Huibao__V1__Record *rec;
  const Huibao__V1__ReviewState *review;
  const char *queue;
} review_item;

/* Calls fn for each entry matching f, in records key order (unit, kind,
 * id). Stops at fn's non-zero value and returns it. */
typedef int (*review_queue_fn)(void *ctx, const review_item *it);
int review_queue_foreach(MDB_txn *txn, const store_dbs *d, const review_filter *f,
                         review_queue_fn fn, void *ctx);

#endif
