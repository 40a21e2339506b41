/* review_queue.c: the review queue (see review_queue.h). STUB of the
 * groundwork: H6 fills it. */
#include "review_queue.h"

int review_queue_foreach(MDB_txn *txn, const store_dbs *d, const review_filter *f,
                         review_queue_fn fn, void *ctx)
{
  (void)txn, (void)d, (void)f, (void)fn, (void)ctx;
  return 0;
}
