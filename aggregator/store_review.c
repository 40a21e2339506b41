/* store_review.c: the county's review of records in the store (issue 14,
 * docs/review.md): review entries, decisions, deletion requests.
 * STUB of the groundwork: H2 fills it. */
#include <stdlib.h>
#include "hb_err.h"
#include "store_internal.h"

int store_review_on_put(store *s, const store_row *r, const MDB_val *key, const MDB_val *old,
                        const MDB_val *packed, MDB_val *withdraw)
{
  (void)s, (void)r, (void)key, (void)packed;
  withdraw->mv_size = old ? old->mv_size : 0;
  withdraw->mv_data = old ? old->mv_data : NULL;
  return 0;
}

int store_review_on_remove(store *s, const MDB_val *key)
{
  (void)s, (void)key;
  return 0;
}

int store_batch_decide(store *s, const store_decision_req *req, uint64_t *out_n, const char **why)
{
  (void)s, (void)req;
  *out_n = 0;
  *why = "未实现 (not implemented)";
  return HB_EINVAL;
}

int store_review_get(MDB_txn *txn, const store_dbs *d, const char *unit, char kind, const char *id,
                     Huibao__V1__ReviewState **out)
{
  (void)txn, (void)d, (void)unit, (void)kind, (void)id;
  *out = NULL;
  return 0;
}
