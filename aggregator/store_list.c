/* store_list.c: the county's records as a list sees them (issue 15;
 * store.h store_list_foreach, lib/hb_list.h). Groundwork stub: none. */
#include "hb_err.h"
#include "hb_list.h"
#include "store.h"

int store_list_foreach(const store_dbs *d, const char *unit,
                       int (*fn)(void *ctx, const struct hb_list_rec *r), void *ctx, char *err,
                       size_t errlen)
{
  (void)d, (void)unit, (void)fn, (void)ctx, (void)err, (void)errlen;
  return 0;
}

int store_dbs_current(MDB_txn *txn, const store_dbs *d, const MDB_val *v, MDB_val *body,
                      uint64_t *n, int64_t *stored_s)
{
  (void)txn, (void)d;
  *body = *v; /* today the records db value is the packed body */
  *n = 0;
  *stored_s = 0;
  return 0;
}
