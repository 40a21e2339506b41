/* history.c: a record's history (see history.h). STUB of the
 * groundwork: H1 fills it. */
#include "history.h"

#include "hb_err.h"

int history_foreach(MDB_txn *txn, const store_dbs *d, const char *unit, char kind, const char *id,
                    history_fn fn, void *ctx)
{
  (void)txn, (void)d, (void)unit, (void)kind, (void)id, (void)fn, (void)ctx;
  return HB_ENOTFOUND;
}

int history_diff(const Huibao__V1__Record *old, const Huibao__V1__Record *new_, history_diff_fn fn,
                 void *ctx)
{
  (void)old, (void)new_, (void)fn, (void)ctx;
  return 0;
}
