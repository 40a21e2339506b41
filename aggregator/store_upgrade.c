/* store_upgrade.c: a store whose records db holds the packed bodies
 * (meta "records-format" absent: issue 14 and before) gets its records
 * pointing into the history (store_log.h, issue 15), in one batch at its
 * first read-write open. A store before issue 14 gets its history begun
 * (one ACTOR_IMPORT entry per stored record); an issue-14 store's records
 * are found in its history through its logidx, which stays frozen. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hb_be.h"
#include "hb_err.h"
#include "store_internal.h"
#include "store_log.h"

/* Writes meta name = value (uint64 BE) in the open batch. */
static int meta_u64(store *s, const char *name, uint64_t value)
{
  uint8_t b[8];
  hb_be64_put(b, value);
  MDB_val k = {strlen(name), (void *)name}, v = {8, b};
  int rc = mdb_put(s->txn, s->meta, &k, &v, 0);
  return rc ? hb_lmdb_err(rc) : 0;
}

/* The records value of format 1 at cursor cur (key k). The key is copied
 * first: it may point into the page the put rewrites. */
static int value_set(MDB_cursor *cur, const MDB_val *k, const store_recval *rv)
{
  uint8_t b[STORE_REC_VLEN];
  char key[STORE_LOG_RKEY_MAX];
  if (k->mv_size > sizeof key)
    return HB_EDB;
  memcpy(key, k->mv_data, k->mv_size);
  store_recval_put(b, rv);
  MDB_val nk = {k->mv_size, key}, nv = {STORE_REC_VLEN, b};
  int r = mdb_cursor_put(cur, &nk, &nv, MDB_CURRENT);
  return r ? hb_lmdb_err(r) : 0;
}

/* store_batch_fn of a store before issue 14: one ACTOR_IMPORT entry per
 * stored record, in key order, the record's value then pointing at it. */
static int import_body(store *s, void *arg)
{
  int64_t now = *(const int64_t *)arg;
  MDB_cursor *cur;
  int r = mdb_cursor_open(s->txn, s->records, &cur);
  if (r != 0)
    return hb_lmdb_err(r);
  MDB_val k, v;
  int rc = 0;
  for (r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0 && rc == 0;
       r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    const char *nul = memchr(k.mv_data, '\0', k.mv_size);
    Huibao__V1__Record rec;
    if (!nul || nul + 1 >= (const char *)k.mv_data + k.mv_size ||
        store_row_unpack(nul[1], &v, &rec) != 0) {
      rc = HB_EDB;
      break;
    }
    store_recval rv = {0, 0, (uint32_t)v.mv_size};
    store_row row;
    Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
    rc = store_row_of(&rec, &row);
    if (rc == 0) {
      e.actor_kind = HUIBAO__V1__LOG_ACTOR__ACTOR_IMPORT;
      e.actor = (char *)row.unit;
      e.at_s = now;
      e.what_case = HUIBAO__V1__LOG_ENTRY__WHAT_RECORD;
      e.record = &rec;
      rc = store_log_append(s, &e, &rv.n);
    }
    store_row_unpacked_free(&rec);
    rv.last = rv.n;
    if (rc == 0)
      rc = value_set(cur, &k, &rv);
  }
  mdb_cursor_close(cur);
  if (rc == 0 && r != MDB_NOTFOUND)
    rc = hb_lmdb_err(r);
  return rc;
}

/* One record key of an issue-14 store: its entries' last n (*last) and
 * the last version's (*n), from logidx entries key + n, and the version's
 * body in its entry (*body, borrowed). */
typedef struct up_group {
  char key[STORE_LOG_RKEY_MAX];
  size_t klen;
  uint64_t n, last;
  MDB_val body;
} up_group;

/* The group's record: its value rewritten if it is stored (the body must
 * be its last version's in the history: else the store was changed
 * outside the service), else the removed record's last entry in "gone". */
static int group_done(store *s, MDB_cursor *rcur, const up_group *g, char *why, size_t whylen)
{
  MDB_val k = {g->klen, (void *)g->key}, v;
  int r = mdb_cursor_get(rcur, &k, &v, MDB_SET_KEY);
  if (r == MDB_NOTFOUND) {
    MDB_val gk = {g->klen, (void *)g->key};
    return store_log_gone_put(s, &gk, g->last);
  }
  if (r != 0)
    return hb_lmdb_err(r);
  const char *nul = memchr(g->key, '\0', g->klen);
  if (g->n == 0 || v.mv_size != g->body.mv_size ||
      memcmp(v.mv_data, g->body.mv_data, v.mv_size) != 0) {
    snprintf(why, whylen,
             "record %.*s/%.*s differs from its last version in the history (entry %llu): the "
             "store was changed outside the service; `huibao-aggregator verify` names what, "
             "restore a backup",
             (int)(nul ? nul - g->key : 0), g->key,
             (int)(nul ? g->klen - (size_t)(nul - g->key) - 1 : g->klen), nul ? nul + 1 : g->key,
             (unsigned long long)g->n);
    return HB_EDB;
  }
  store_recval rv = {g->n, g->last, (uint32_t)v.mv_size};
  return value_set(rcur, &k, &rv);
}

typedef struct up14 {
  char *why;
  size_t whylen;
  size_t done;
} up14;

/* store_batch_fn of an issue-14 store: one pass over logidx, by record. */
static int up14_body(store *s, void *arg)
{
  up14 *u = arg;
  MDB_cursor *icur, *rcur;
  int r = mdb_cursor_open(s->txn, s->logidx, &icur);
  if (r != 0)
    return hb_lmdb_err(r);
  if ((r = mdb_cursor_open(s->txn, s->records, &rcur)) != 0) {
    mdb_cursor_close(icur);
    return hb_lmdb_err(r);
  }
  up_group g = {.klen = 0};
  bool have = false;
  MDB_val k, v;
  int rc = 0;
  for (r = mdb_cursor_get(icur, &k, &v, MDB_FIRST); r == 0 && rc == 0;
       r = mdb_cursor_get(icur, &k, &v, MDB_NEXT)) {
    if (k.mv_size <= 8 || k.mv_size - 8 > sizeof g.key) {
      rc = HB_EDB;
      break;
    }
    size_t kl = k.mv_size - 8;
    uint64_t n = hb_be64_get((const uint8_t *)k.mv_data + kl);
    if (!have || kl != g.klen || memcmp(k.mv_data, g.key, kl) != 0) {
      if (have && (rc = group_done(s, rcur, &g, u->why, u->whylen)) != 0)
        break;
      u->done += have;
      memcpy(g.key, k.mv_data, kl);
      g.klen = kl;
      g.n = g.last = 0;
      have = true;
    }
    g.last = n;
    uint8_t nk[8];
    hb_be64_put(nk, n);
    MDB_val lk = {8, nk}, lv;
    hb_wire_log_rec lr;
    if ((r = mdb_get(s->txn, s->log, &lk, &lv)) != 0) {
      rc = r == MDB_NOTFOUND ? HB_EDB : hb_lmdb_err(r);
      break;
    }
    if (hb_wire_log_record(lv.mv_data, lv.mv_size, &lr) == 0) {
      g.n = n;
      g.body = (MDB_val){lr.blen, (void *)lr.body};
    }
  }
  if (rc == 0 && r != MDB_NOTFOUND)
    rc = hb_lmdb_err(r);
  if (rc == 0 && have && (rc = group_done(s, rcur, &g, u->why, u->whylen)) == 0)
    u->done++;
  mdb_cursor_close(rcur);
  mdb_cursor_close(icur);
  if (rc == 0)
    rc = meta_u64(s, STORE_META_LOGIDX_UPTO, s->log_n);
  return rc;
}

/* Counts every records value that is not of format 1 (an issue-14 record
 * without a logidx entry would stay a body). */
static int bodies_left(store *s, size_t *left)
{
  MDB_cursor *cur;
  *left = 0;
  int r = mdb_cursor_open(s->txn, s->records, &cur);
  if (r != 0)
    return hb_lmdb_err(r);
  MDB_val k, v;
  store_recval rv;
  for (r = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r == 0;
       r = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    *left += store_recval_get(&v, &rv) != 0;
  mdb_cursor_close(cur);
  return r == MDB_NOTFOUND ? 0 : hb_lmdb_err(r);
}

typedef struct up_arg {
  int kind; /* 0 nothing stored, 1 before issue 14, 2 issue 14 */
  int64_t now;
  up14 u;
} up_arg;

static int upgrade_body(store *s, void *arg)
{
  up_arg *a = arg;
  int rc = 0;
  if (a->kind == 1)
    rc = import_body(s, &a->now);
  else if (a->kind == 2 && (rc = up14_body(s, &a->u)) == 0) {
    size_t left;
    if ((rc = bodies_left(s, &left)) == 0 && left) {
      snprintf(a->u.why, a->u.whylen, "%zu records have no entry in the history index (logidx)",
               left);
      rc = HB_EDB;
    }
  }
  return rc ? rc : meta_u64(s, STORE_META_RECORDS_FORMAT, STORE_RECORDS_FORMAT);
}

int store_upgrade(store *s, char *err, size_t errlen)
{
  if (s->readonly || !s->has_review || s->records_format >= STORE_RECORDS_FORMAT)
    return 0;
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "records upgrade: read transaction: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  MDB_val hk = {strlen(STORE_META_LOG_HEAD), (void *)STORE_META_LOG_HEAD}, hv;
  MDB_stat st;
  up_arg a = {0, (int64_t)time(NULL), {NULL, 0, 0}};
  if (mdb_get(txn, s->meta, &hk, &hv) == 0)
    a.kind = 2; /* an issue-14 store (its removed records too) */
  else if (mdb_stat(txn, s->records, &st) == 0 && st.ms_entries > 0)
    a.kind = 1;
  mdb_txn_abort(txn);
  char why[512] = "", e2[256] = "";
  a.u.why = why;
  a.u.whylen = sizeof why;
  if ((rc = store_batch_run(s, upgrade_body, &a, e2, sizeof e2)) != 0) {
    snprintf(err, errlen, "%s: %s",
             a.kind == 1 ? "history: import of the stored records" : "records upgrade",
             why[0]  ? why
             : e2[0] ? e2
                     : hb_strerror(rc));
    return rc;
  }
  s->records_format = STORE_RECORDS_FORMAT;
  if (a.kind == 2)
    s->logidx_upto = s->log_n;
  return 0;
}
