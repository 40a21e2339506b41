/* store_list.c: the county's records as a list sees them (issue 15;
 * store.h store_list_foreach, lib/hb_list.h): one read transaction over
 * the records db (from the unit's first key when a unit is asked for);
 * each value read through store_dbs_current, the one reader of a records
 * db value outside store.c; the review state through store_review_get; a
 * deletion request (or a refused one) as its held live version, the
 * effective version the aggregates count (docs/review.md); tombstones and
 * 报送 rows not at all. The signature state is HB_LIST_SIG_UNKNOWN: the
 * county checked each record's signature when it stored it (ingest.c). */
#include <stdio.h>
#include <string.h>
#include "hb_be.h"
#include "hb_err.h"
#include "hb_list.h"
#include "hb_lmdb.h"
#include "store.h"
#include "store_internal.h"
#include "store_log.h"
#include "hb_wire.h"

/* Whether a body of kind is a tombstone. */
static bool row_deleted(const Huibao__V1__Record *rec)
{
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY: return rec->activity->deleted;
  case HUIBAO__V1__RECORD__BODY_PROBLEM: return rec->problem->deleted;
  case HUIBAO__V1__RECORD__BODY_INDICATOR: return rec->indicator->deleted;
  case HUIBAO__V1__RECORD__BODY_CASE_ROW: return rec->case_row->deleted;
  default: return true;
  }
}

/* One records db entry (key unit \0 kind id, value v): fn with its
 * effective version, unless it counts nothing. */
static int list_one(MDB_txn *txn, const store_dbs *d, const MDB_val *k, const MDB_val *v,
                    hb_list_rec_fn fn, void *ctx, char *err, size_t errlen)
{
  const char *kb = k->mv_data;
  const char *nul = memchr(kb, '\0', k->mv_size);
  if (!nul || (size_t)(nul - kb) + 2 > k->mv_size || k->mv_size > STORE_KEY_MAX) {
    snprintf(err, errlen, "records db: a key without unit \\0 kind id");
    return HB_EDB;
  }
  char kind = nul[1];
  if (kind != 'A' && kind != 'P' && kind != 'I' && kind != 'C')
    return 0; /* 报送 rows ('R') are not listed */
  char unit[STORE_KEY_MAX + 1], id[STORE_KEY_MAX + 1];
  size_t ul = (size_t)(nul - kb), il = k->mv_size - ul - 2;
  memcpy(unit, kb, ul);
  unit[ul] = '\0';
  memcpy(id, nul + 2, il);
  id[il] = '\0';
  MDB_val body;
  hb_list_rec r = {.county = "", .kind = kind, .sig = HB_LIST_SIG_UNKNOWN};
  int rc = store_dbs_current(txn, d, v, &body, &r.n, &r.stored_s);
  Huibao__V1__ReviewState *st = NULL;
  if (rc == 0 && d->has_review && (kind == 'A' || kind == 'P'))
    rc = store_review_get(txn, d, unit, kind, id, &st);
  if (rc != 0) {
    snprintf(err, errlen, "records db: unit %s %c %s: %s", unit, kind, id, hb_strerror(rc));
    return rc;
  }
  bool holds = st && (st->status == HUIBAO__V1__REVIEW_STATUS__REVIEW_DELETION_PENDING ||
                      st->status == HUIBAO__V1__REVIEW_STATUS__REVIEW_DELETION_REFUSED);
  if (holds && st->has_held)
    body = (MDB_val){st->held.len, st->held.data};
  Huibao__V1__Record rec;
  if (store_row_unpack(kind, &body, &rec) != 0) {
    snprintf(err, errlen, "records db: unit %s %c %s does not decode", unit, kind, id);
    rc = HB_EDB;
  } else {
    if (!row_deleted(&rec)) {
      r.rec = &rec;
      r.review = st;
      rc = fn(ctx, &r);
    }
    store_row_unpacked_free(&rec);
  }
  if (st)
    huibao__v1__review_state__free_unpacked(st, NULL);
  return rc;
}

int store_list_foreach(const store_dbs *d, const char *unit,
                       int (*fn)(void *ctx, const struct hb_list_rec *r), void *ctx, char *err,
                       size_t errlen)
{
  MDB_txn *txn;
  /* the console's HTTP threads call this: a read that map growth waits for */
  int rc = hb_lmdb_read_begin(d->env, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "read transaction: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  MDB_cursor *cur;
  if ((rc = mdb_cursor_open(txn, d->records, &cur)) != 0) {
    snprintf(err, errlen, "records db: %s", mdb_strerror(rc));
    hb_lmdb_read_end(txn);
    return hb_lmdb_err(rc);
  }
  size_t ul = unit ? strlen(unit) : 0;
  MDB_val k = {unit ? ul + 1 : 0, (void *)unit}, v; /* unit \0: its first key */
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, unit ? MDB_SET_RANGE : MDB_FIRST); rc == 0 && ret == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (unit && (k.mv_size <= ul || memcmp(k.mv_data, unit, ul + 1) != 0))
      break; /* past the unit's keys */
    ret = list_one(txn, d, &k, &v, fn, ctx, err, errlen);
  }
  mdb_cursor_close(cur);
  hb_lmdb_read_end(txn);
  if (ret != 0)
    return ret;
  if (rc != 0 && rc != MDB_NOTFOUND) {
    snprintf(err, errlen, "records db: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
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
