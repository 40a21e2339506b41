/* store_list.c: the county's records as a list sees them (issue 15;
 * store.h store_list_foreach, lib/hb_list.h). Groundwork stub: none. */
#include "hb_be.h"
#include "hb_err.h"
#include "hb_list.h"
#include "store.h"
#include "store_log.h"
#include "hb_lmdb.h"
#include "hb_wire.h"

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
  *n = 0;
  *stored_s = 0;
  if (!d->records_format) { /* a store not yet upgraded: the value is the body */
    *body = *v;
    return 0;
  }
  store_recval rv; /* issue 15: the value points at the version's history entry */
  if (store_recval_get(v, &rv) != 0)
    return HB_EDB;
  uint8_t nk[8];
  hb_be64_put(nk, rv.n);
  MDB_val k = {8, nk}, lv;
  int r = mdb_get(txn, d->log, &k, &lv);
  if (r != 0)
    return r == MDB_NOTFOUND ? HB_EDB : hb_lmdb_err(r);
  hb_wire_log_rec lr;
  if (hb_wire_log_record(lv.mv_data, lv.mv_size, &lr) != 0) /* rv.blen: verify checks it */
    return HB_EDB;
  *body = (MDB_val){lr.blen, (void *)lr.body};
  *n = rv.n;
  *stored_s = lr.at_s;
  return 0;
}
