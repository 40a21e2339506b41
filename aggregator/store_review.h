/* store_review.h: the county store's review of records (issue 14,
 * docs/review.md), beyond what store.h declares (store_batch_decide,
 * store_review_get): the campaigns' problem_delete, and a walk over the
 * review entries for verify and the history's replay. Implemented in
 * store_review.c. */
#ifndef AGG_STORE_REVIEW_H
#define AGG_STORE_REVIEW_H

#include "hb_campaigns.h"
#include "store.h"

/* The campaigns whose problem_delete the store follows when a unit
 * deletes a problem (borrowed: c must stay valid, and may change in
 * place, while s is open; the service passes its own, reloaded in place
 * on SIGHUP). A campaign not in c: review (the default). Never called
 * (c NULL: a store opened by a tool or a test of the store alone):
 * deletions take effect at once, as before issue 14. */
void store_campaigns_set(store *s, const hb_campaigns *c);

/* One review entry as store_review_foreach gives it (all borrowed for the
 * call). effective: the record's effective version (the held version for
 * DELETION_PENDING / DELETION_REFUSED, else the stored one), NULL when
 * the records db holds no such record or it does not decode. */
typedef struct store_review_item {
  const char *unit, *id;
  char kind;
  const Huibao__V1__ReviewState *state;
  const Huibao__V1__Record *effective;
} store_review_item;

/* Calls fn for every review entry in txn, in key order; stops and returns
 * fn's value if not 0. An entry whose key or value does not decode:
 * HB_EDB. Nothing for a store without review db (d->has_review false). */
typedef int (*store_review_fn)(void *ctx, const store_review_item *it);
int store_review_foreach(MDB_txn *txn, const store_dbs *d, store_review_fn fn, void *ctx);

/* Whether the status holds the unit's last live version (a deletion
 * request: DELETION_PENDING or DELETION_REFUSED). */
bool store_review_holds(int status);

#endif
