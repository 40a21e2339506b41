/* store_decisions.c: the decisions waiting for a unit's agent (issue 14,
 * Ack.decisions): db "decisions", key unit \0 n (uint64 big-endian), value
 * the packed Decision, written by store_batch_decide. */
#include <stdlib.h>
#include <string.h>
#include "hb_be.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_units.h"
#include "store_internal.h"

/* Unpacks the Decision of one value (the county's own bytes). */
static int decision_unpack(const MDB_val *v, Huibao__V1__Decision **out)
{
  *out = huibao__v1__decision__unpack(NULL, v->mv_size, v->mv_data);
  return *out ? 0 : HB_EDB;
}

int store_decisions_after(MDB_txn *txn, const store_dbs *d, const char *unit, uint64_t after,
                          size_t max, Huibao__V1__Decision ***out, size_t *count, bool *more)
{
  *out = NULL;
  *count = 0;
  *more = false;
  size_t ulen = strlen(unit);
  if (!d->has_review || after == UINT64_MAX || ulen > HB_UNIT_CODE_MAX || max == 0)
    return 0;
  uint8_t key[HB_UNIT_CODE_MAX + 1 + 8];
  memcpy(key, unit, ulen);
  key[ulen] = '\0';
  hb_be64_put(key + ulen + 1, after + 1);
  const size_t klen = ulen + 1 + 8;
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn, d->decisions, &cur);
  if (rc)
    return hb_lmdb_err(rc);
  MDB_val k = {klen, key}, v;
  Huibao__V1__Decision **vec = NULL;
  size_t n = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != klen || memcmp(k.mv_data, key, ulen + 1) != 0)
      break; /* past this unit's decisions */
    if (n == max) {
      *more = true;
      break;
    }
    if (!vec && !(vec = calloc(max, sizeof *vec))) {
      rc = HB_ENOMEM;
      break;
    }
    if ((rc = decision_unpack(&v, &vec[n])) != 0)
      break;
    n++;
  }
  mdb_cursor_close(cur);
  if (rc != 0 && rc != MDB_NOTFOUND) {
    store_decisions_free(vec, n);
    *more = false;
    return rc < 0 ? rc : hb_lmdb_err(rc);
  }
  *out = vec;
  *count = n;
  return 0;
}

void store_decisions_free(Huibao__V1__Decision **v, size_t count)
{
  for (size_t i = 0; i < count; i++)
    huibao__v1__decision__free_unpacked(v[i], NULL);
  free(v);
}
