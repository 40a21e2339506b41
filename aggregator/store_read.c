/* store_read.c: reading the county's stored records (store.h
 * store_records_foreach; store_internal.h store_current_get,
 * store_row_unpack): since issue 15 a records value points at the history
 * entry holding the current version (store_log.h), read through
 * store_dbs_current. */
#include <stdio.h>
#include <string.h>
#include "hb_be.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_wire.h"
#include "store.h"
#include "store_internal.h"
#include "store_log.h"

int store_row_unpack(char kind, const MDB_val *v, Huibao__V1__Record *rec)
{
  huibao__v1__record__init(rec);
  const uint8_t *d = v->mv_data;
  size_t n = v->mv_size;
  void *body = NULL;
  if (kind == 'A') {
    rec->body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    body = rec->activity = huibao__v1__activity__unpack(NULL, n, d);
  } else if (kind == 'P') {
    rec->body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
    body = rec->problem = huibao__v1__problem__unpack(NULL, n, d);
  } else if (kind == 'I') {
    rec->body_case = HUIBAO__V1__RECORD__BODY_INDICATOR;
    body = rec->indicator = huibao__v1__indicator__unpack(NULL, n, d);
  } else if (kind == 'C') {
    rec->body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW;
    body = rec->case_row = huibao__v1__case__unpack(NULL, n, d);
  } else if (kind == 'R') {
    rec->body_case = HUIBAO__V1__RECORD__BODY_REPORT;
    body = rec->report = huibao__v1__report__unpack(NULL, n, d);
  }
  if (!body) {
    rec->body_case = HUIBAO__V1__RECORD__BODY__NOT_SET;
    return HB_EPARSE;
  }
  return 0;
}

void store_row_unpacked_free(Huibao__V1__Record *rec)
{
  store_row r;
  if (store_row_of(rec, &r) == 0)
    protobuf_c_message_free_unpacked(r.msg, NULL);
  rec->body_case = HUIBAO__V1__RECORD__BODY__NOT_SET;
}

int store_current_of(store *s, const MDB_val *v, MDB_val *body, store_recval *rv)
{
  memset(rv, 0, sizeof *rv);
  if (!s->records_format) { /* bodies: a store being upgraded (store_upgrade.c) */
    *body = *v;
    return 0;
  }
  /* the body is in the history entry (store_dbs_current); copied, as the
   * batch goes on writing the log db */
  store_dbs d;
  store_dbs_get(s, &d);
  uint64_t n;
  int64_t at;
  MDB_val b;
  int rc = store_recval_get(v, rv);
  if (rc == 0)
    rc = store_dbs_current(s->txn, &d, v, &b, &n, &at);
  if (rc != 0)
    return rc;
  if (hb_wire_buf_reserve(&s->obuf, b.mv_size + 1) != 0)
    return HB_ENOMEM;
  memcpy(s->obuf.data, b.mv_data, b.mv_size);
  s->obuf.len = b.mv_size;
  *body = (MDB_val){b.mv_size, s->obuf.data};
  return 0;
}

int store_current_get(store *s, const MDB_val *key, MDB_val *body, store_recval *rv)
{
  memset(rv, 0, sizeof *rv);
  MDB_val k = *key, v;
  MDB_cursor *cur = NULL; /* the batch's */
  int r = store_batch_rcursor(s, key, &cur);
  if (r != 0)
    return r;
  r = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
  if (r == MDB_NOTFOUND)
    return HB_ENOTFOUND;
  if (r != 0)
    return hb_lmdb_err(r);
  return store_current_of(s, &v, body, rv);
}

int store_records_foreach(store *s, store_record_fn fn, void *ctx, char *err, size_t errlen)
{
  MDB_txn *txn;
  MDB_cursor *cur;
  MDB_val k, v;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "read transaction: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  if ((rc = mdb_cursor_open(txn, s->records, &cur)) != 0) {
    mdb_txn_abort(txn);
    snprintf(err, errlen, "records cursor: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && ret == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    const char *kb = k.mv_data;
    const char *nul = memchr(kb, '\0', k.mv_size);
    if (!nul || (size_t)(nul - kb) + 1 >= k.mv_size) {
      snprintf(err, errlen, "records: malformed key of %zu bytes", k.mv_size);
      ret = HB_EPARSE;
      break;
    }
    char kind = nul[1];
    Huibao__V1__Record rec;
    MDB_val body;
    uint64_t n;
    int64_t at;
    store_dbs d;
    store_dbs_get(s, &d);
    if (store_dbs_current(txn, &d, &v, &body, &n, &at) != 0 ||
        store_row_unpack(kind, &body, &rec) != 0) {
      snprintf(err, errlen, "records: cannot decode the record of key %.*s/%c%.*s", (int)(nul - kb),
               kb, kind, (int)(k.mv_size - (size_t)(nul - kb) - 2), nul + 2);
      ret = HB_EPARSE;
      break;
    }
    ret = fn(ctx, &rec);
    store_row_unpacked_free(&rec);
  }
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  if (ret == 0 && rc != MDB_NOTFOUND && rc != 0) {
    snprintf(err, errlen, "records scan: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  return ret;
}
