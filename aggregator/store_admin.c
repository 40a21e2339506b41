/* store_admin.c: what an operator's `huibao-aggregator admin` does to the
 * county store (removing a locked record, or all of a unit's, with their
 * aggregates, usage and seq, in the batch's one transaction), and how the
 * running service notices it (meta admin-gen) and reloads. */
#include "store.h"

#include <stdio.h>
#include <string.h>
#include "hb_be.h"
#include "hb_err.h"
#include "store_internal.h"
#include "store_log.h"

/* Issue 14: the history entry of an operator's removal of one record
 * (kind, id) or of all of unit's (kind NULL). */
static int remove_log(store *s, const char *unit, const char *kind, const char *id)
{
  Huibao__V1__LogRemoval rm = HUIBAO__V1__LOG_REMOVAL__INIT;
  rm.unit = (char *)unit;
  rm.kind = (char *)kind;
  rm.id = (char *)id;
  Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
  e.actor_kind = HUIBAO__V1__LOG_ACTOR__ACTOR_ADMIN;
  e.actor = "admin";
  e.what_case = HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL;
  e.removal = &rm;
  return store_log_append(s, &e, NULL);
}

/* Deletes the record at cursor cur (key k, value v, of kind 'A'/'P') and
 * takes it out of its aggregate and its unit's usage, and its review
 * entry with it (issue 14). */
static int remove_at(store *s, MDB_cursor *cur, const MDB_val *k, const MDB_val *v,
                     uint64_t *version)
{
  const char *kb = k->mv_data;
  const char *nul = memchr(kb, '\0', k->mv_size);
  if (!nul || (size_t)(nul - kb) + 2 > k->mv_size)
    return HB_EDB;
  char unit[STORE_KEY_MAX + 1];
  memcpy(unit, kb, (size_t)(nul - kb));
  unit[nul - kb] = '\0';
  (void)v; /* the value points into the history: read through store_current_get */
  /* issue 15: the value points into the history; the record's last entry
   * is kept in db "gone", where its history is found from now on */
  MDB_val body;
  store_recval rv;
  int rc = store_current_get(s, k, &body, &rv);
  size_t size = body.mv_size;
  if (rc == 0)
    rc = store_log_gone_put(s, k, rv.last);
  /* issue 14: the review entry first: its counts leave before the version
   * they were counted on, and it reads the record (store_review.c) */
  if (rc == 0)
    rc = store_review_on_remove(s, k);
  if (rc == 0)
    rc = store_withdraw(s, nul[1], &body, version);
  kv *urecs, *ubytes;
  if (rc == 0)
    rc = store_usage_work(s, unit, &urecs, &ubytes);
  if (rc != 0)
    return rc;
  int r = mdb_cursor_del(cur, 0);
  store_batch_cursors_drop(s); /* rcur was on the key deleted */
  if (r != 0)
    return hb_lmdb_err(r);
  urecs->v = urecs->v ? urecs->v - 1 : 0;
  ubytes->v = ubytes->v >= size ? ubytes->v - size : 0;
  return 0;
}

int store_batch_remove(store *s, const char *unit, char kind, const char *id, uint64_t *version)
{
  *version = 0;
  if (!s->txn)
    return HB_EINVAL;
  char key[STORE_KEY_MAX];
  size_t kl = store_log_rkey(key, unit, kind, id);
  if (kl == 0)
    return HB_ENOTFOUND;
  MDB_val k = {kl, key}, v;
  MDB_cursor *cur;
  int rc = mdb_cursor_open(s->txn, s->records, &cur);
  if (rc != 0)
    return hb_lmdb_err(rc);
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
  if (rc == 0)
    rc = remove_at(s, cur, &k, &v, version);
  else
    rc = rc == MDB_NOTFOUND ? HB_ENOTFOUND : hb_lmdb_err(rc);
  mdb_cursor_close(cur);
  char ks[2] = {kind, '\0'};
  return rc == 0 ? remove_log(s, unit, ks, id) : rc;
}

int store_batch_remove_unit(store *s, const char *unit, size_t *removed)
{
  *removed = 0;
  if (!s->txn)
    return HB_EINVAL;
  char prefix[STORE_KEY_MAX];
  size_t ul = strlen(unit);
  if (ul + 1 > STORE_KEY_MAX)
    return 0;
  memcpy(prefix, unit, ul);
  prefix[ul] = '\0';
  MDB_cursor *cur;
  int rc = mdb_cursor_open(s->txn, s->records, &cur);
  if (rc != 0)
    return hb_lmdb_err(rc);
  for (;;) {
    MDB_val k = {ul + 1, prefix}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); /* again after every delete */
    if (rc == MDB_NOTFOUND ||
        (rc == 0 && (k.mv_size < ul + 1 || memcmp(k.mv_data, prefix, ul + 1)))) {
      rc = 0;
      break;
    }
    if (rc != 0) {
      rc = hb_lmdb_err(rc);
      break;
    }
    uint64_t version;
    if ((rc = remove_at(s, cur, &k, &v, &version)) != 0)
      break;
    (*removed)++;
  }
  mdb_cursor_close(cur);
  if (rc == 0) {
    char key[STORE_KEY_MAX];
    size_t pl = strlen("sync/");
    if (pl + ul <= STORE_KEY_MAX) {
      memcpy(key, "sync/", pl);
      memcpy(key + pl, unit, ul);
      MDB_val mk = {pl + ul, key};
      int r = mdb_del(s->txn, s->meta, &mk, NULL);
      if (r != 0 && r != MDB_NOTFOUND)
        rc = hb_lmdb_err(r);
    }
  }
  return rc == 0 && *removed ? remove_log(s, unit, NULL, NULL) : rc;
}

void store_set_admin(store *s)
{
  s->admin = true;
}

int store_poll_external(store *s, bool *changed, char *err, size_t errlen)
{
  *changed = false;
  if (s->txn)
    return HB_EINVAL;
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  /* another process (review, admin, account) grew the map: take its size
   * here, in the service's own thread with nothing open */
  if (rc == MDB_MAP_RESIZED && (rc = hb_lmdb_adopt_map(&s->l)) == 0)
    rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "read transaction: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  MDB_val k = {strlen(STORE_META_ADMIN), (void *)STORE_META_ADMIN}, v;
  uint64_t gen = 0;
  rc = mdb_get(txn, s->meta, &k, &v);
  if (rc == 0 && v.mv_size == 8)
    gen = hb_be64_get(v.mv_data);
  rc = rc == MDB_NOTFOUND ? 0 : rc;
  if (rc == 0 && (gen != s->admin_gen || s->external)) {
    rc = store_load_txn(s, txn, err, errlen);
    *changed = rc == 0;
    s->external = false;
    MDB_val nk = {strlen(STORE_META_ADMIN_NOTE), (void *)STORE_META_ADMIN_NOTE}, nv;
    s->note[0] = '\0';
    if (rc == 0 && mdb_get(txn, s->meta, &nk, &nv) == 0)
      snprintf(s->note, sizeof s->note, "%.*s", (int)(nv.mv_size < 511 ? nv.mv_size : 511),
               (const char *)nv.mv_data);
  } else if (rc != 0) {
    snprintf(err, errlen, "meta: %s", mdb_strerror(rc));
    rc = hb_lmdb_err(rc);
  }
  mdb_txn_abort(txn);
  return rc;
}

int store_batch_note(store *s, const char *text)
{
  if (!s->txn)
    return HB_EINVAL;
  MDB_val k = {strlen(STORE_META_ADMIN_NOTE), (void *)STORE_META_ADMIN_NOTE};
  MDB_val v = {strlen(text), (void *)text};
  int rc = mdb_put(s->txn, s->meta, &k, &v, 0);
  return rc ? hb_lmdb_err(rc) : 0;
}

const char *store_admin_note(const store *s)
{
  return s->note;
}
