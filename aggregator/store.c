/* store.c: records, aggregates and meta in LMDB, aggregates also in memory. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "hb_be.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_wire.h"
#include "store_internal.h"
#include "store_log.h"

/* ---------------------------------------------------------------- helpers */

size_t store_key2(char *buf, const char *a, char sep, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  if (la + 1 + lb > STORE_KEY_MAX)
    return 0;
  memcpy(buf, a, la);
  buf[la] = sep;
  memcpy(buf + la + 1, b, lb);
  return la + 1 + lb;
}

/* ---------------------------------------------------------------- open */

/* Adds one unit's usage to the committed figures. */
static int usage_add(store *s, const char *unit, uint64_t recs, uint64_t bytes)
{
  const kv *r = kvlist_find(&s->urecs, unit), *b = kvlist_find(&s->ubytes, unit);
  int rc = kvlist_set(&s->urecs, unit, (r ? r->v : 0) + recs);
  return rc ? rc : kvlist_set(&s->ubytes, unit, (b ? b->v : 0) + bytes);
}

/* Counts every unit's records and bytes (keys are unit \0 kind id, so a
 * unit's records are neighbours): one pass over the keys, no decoding. */
static int usage_load(store *s, MDB_txn *txn, char *err, size_t errlen)
{
  MDB_cursor *cur;
  MDB_val k, v;
  kvlist_clear(&s->urecs);
  kvlist_clear(&s->ubytes);
  int rc = mdb_cursor_open(txn, s->records, &cur);
  if (rc != 0) {
    snprintf(err, errlen, "records cursor: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  char unit[STORE_KEY_MAX + 1] = "";
  uint64_t recs = 0, bytes = 0;
  int r = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    const char *nul = memchr(k.mv_data, '\0', k.mv_size);
    size_t ul = nul ? (size_t)(nul - (const char *)k.mv_data) : k.mv_size;
    if (strlen(unit) != ul || memcmp(unit, k.mv_data, ul) != 0) {
      if (recs && (r = usage_add(s, unit, recs, bytes)) != 0)
        break;
      memcpy(unit, k.mv_data, ul);
      unit[ul] = '\0';
      recs = bytes = 0;
    }
    recs++;
    store_recval rv; /* issue 15: the body's length is in the value */
    bytes += s->records_format && store_recval_get(&v, &rv) == 0 ? rv.blen : v.mv_size;
  }
  mdb_cursor_close(cur);
  if (r == 0 && recs)
    r = usage_add(s, unit, recs, bytes);
  if (r != 0)
    return r;
  if (rc != MDB_NOTFOUND) {
    snprintf(err, errlen, "records scan: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  return 0;
}

/* Loads aggregates, meta and usage into memory from txn (read or write). */
int store_load_txn(store *s, MDB_txn *txn, char *err, size_t errlen)
{
  MDB_cursor *cur;
  MDB_val k, v;
  int rc;
  aggmap_clear(&s->cache);
  kvlist_clear(&s->seqs);
  kvlist_clear(&s->syncs);
  s->admin_gen = 0;
  s->records_format = 0;
  s->logidx_upto = 0;
  s->loaded_txnid = (uint64_t)mdb_txn_id(txn);
  if ((rc = mdb_cursor_open(txn, s->aggs, &cur)) != 0)
    goto lmdb_fail;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    hb_agg *a = malloc(sizeof *a);
    if (!a) {
      mdb_cursor_close(cur);
      return HB_ENOMEM;
    }
    int r = hb_agg_unpack(v.mv_data, v.mv_size, a);
    if (r == 0 && (r = aggmap_put(&s->cache, a)) != 0)
      hb_agg_free(a);
    if (r != 0) {
      free(a);
      mdb_cursor_close(cur);
      snprintf(err, errlen, "aggs db: entry of %zu bytes: %s", v.mv_size, hb_strerror(r));
      return r;
    }
  }
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND)
    goto lmdb_fail;
  if ((rc = mdb_cursor_open(txn, s->meta, &cur)) != 0)
    goto lmdb_fail;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    char key[STORE_KEY_MAX + 1];
    if (k.mv_size > STORE_KEY_MAX || v.mv_size != 8)
      continue;
    memcpy(key, k.mv_data, k.mv_size);
    key[k.mv_size] = '\0';
    int r = 0;
    if (strncmp(key, "seq/", 4) == 0)
      r = kvlist_set(&s->seqs, key + 4, hb_be64_get(v.mv_data));
    else if (strncmp(key, "sync/", 5) == 0)
      r = kvlist_set(&s->syncs, key + 5, hb_be64_get(v.mv_data));
    else if (strcmp(key, STORE_META_EPOCH) == 0)
      s->epoch = hb_be64_get(v.mv_data);
    else if (strcmp(key, STORE_META_ADMIN) == 0)
      s->admin_gen = hb_be64_get(v.mv_data);
    else if (strcmp(key, STORE_META_RECORDS_FORMAT) == 0) /* issue 15 */
      s->records_format = (int)hb_be64_get(v.mv_data);
    else if (strcmp(key, STORE_META_LOGIDX_UPTO) == 0)
      s->logidx_upto = hb_be64_get(v.mv_data);
    if (r != 0) {
      mdb_cursor_close(cur);
      return r;
    }
  }
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND)
    goto lmdb_fail;
  if ((rc = store_facts_load(s, txn, err, errlen)) != 0)
    return rc;
  MDB_stat gst; /* issue 15: an empty "gone" (the usual case) is not looked up */
  s->gone_any = !s->has_gone || mdb_stat(txn, s->gone, &gst) != 0 || gst.ms_entries > 0;
  if (s->has_review && (rc = store_log_load(s, txn)) != 0) { /* issue 14 */
    snprintf(err, errlen, "load store: history head: %s", hb_strerror(rc));
    return rc;
  }
  return usage_load(s, txn, err, errlen);
lmdb_fail:
  snprintf(err, errlen, "load store: %s", mdb_strerror(rc));
  return hb_lmdb_err(rc);
}

static int store_load(store *s, char *err, size_t errlen)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "read transaction: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  rc = store_load_txn(s, txn, err, errlen);
  mdb_txn_abort(txn);
  return rc;
}

int store_epoch_new(uint64_t *epoch)
{
  uint8_t b[8];
  do {
    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
      return HB_EIO;
    *epoch = hb_be64_get(b);
  } while (*epoch == 0); /* 0 means "no epoch" on the wire and in memory */
  return 0;
}

int store_epoch_write(MDB_txn *txn, MDB_dbi meta, uint64_t epoch)
{
  uint8_t b[8];
  hb_be64_put(b, epoch);
  MDB_val k = {strlen(STORE_META_EPOCH), (void *)STORE_META_EPOCH}, v = {8, b};
  int rc = mdb_put(txn, meta, &k, &v, 0);
  if (rc == 0) {
    MDB_val r = {strlen(STORE_META_EPOCH_RENEW), (void *)STORE_META_EPOCH_RENEW};
    rc = mdb_del(txn, meta, &r, NULL);
    if (rc == MDB_NOTFOUND)
      rc = 0;
  }
  return rc;
}

typedef struct epoch_arg {
  MDB_dbi meta;
  uint64_t epoch;
} epoch_arg;

static int epoch_write_body(MDB_txn *txn, void *arg)
{
  const epoch_arg *e = arg;
  return store_epoch_write(txn, e->meta, e->epoch);
}

/* A store gets its epoch when it is created, an older store at its first
 * open by this version, and a store started from a backup copy (the copy
 * carries the "epoch-renew" mark) a new one at every first start: a copy
 * restored twice must not show the agents an epoch they already saw. */
static int store_epoch_ensure(store *s, char *err, size_t errlen)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc != 0)
    goto lmdb_fail;
  MDB_val k = {strlen(STORE_META_EPOCH_RENEW), (void *)STORE_META_EPOCH_RENEW}, v;
  int renew = mdb_get(txn, s->meta, &k, &v);
  mdb_txn_abort(txn);
  if (renew != 0 && renew != MDB_NOTFOUND) {
    rc = renew;
    goto lmdb_fail;
  }
  if (s->epoch != 0 && renew == MDB_NOTFOUND)
    return 0;
  epoch_arg ea = {s->meta, 0};
  if (store_epoch_new(&ea.epoch) != 0) {
    snprintf(err, errlen, "getrandom: %s", strerror(errno));
    return HB_EIO;
  }
  char why[256];
  if ((rc = hb_lmdb_write(&s->l, epoch_write_body, &ea, why, sizeof why)) != 0) {
    snprintf(err, errlen, "store epoch: %s", why);
    return rc;
  }
  s->epoch = ea.epoch;
  return 0;
lmdb_fail:
  snprintf(err, errlen, "store epoch: %s", mdb_strerror(rc));
  return hb_lmdb_err(rc);
}

uint64_t store_epoch(const store *s)
{
  return s->epoch;
}

static store *store_new(void)
{
  store *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  aggmap_init(&s->cache);
  aggmap_init(&s->work);
  s->quota_records = STORE_QUOTA_RECORDS;
  s->quota_bytes = STORE_QUOTA_BYTES;
  return s;
}

int store_open(store **out, const char *dir, size_t mapsize, size_t map_max, char *err,
               size_t errlen)
{
  *out = NULL;
  store *s = store_new();
  if (!s)
    return HB_ENOMEM;
  static const char *const names[] = {"records", "aggs",   "meta",      "periods",  "review",
                                      "log",     "logidx", "decisions", "accounts", "gone"};
  MDB_dbi dbis[10];
  int rc = hb_lmdb_open(&s->l, dir, mapsize, names, dbis, 10, err, errlen);
  if (rc != 0) {
    free(s);
    return rc;
  }
  s->l.map_max = map_max;
  s->records = dbis[0];
  s->aggs = dbis[1];
  s->meta = dbis[2];
  s->periods = dbis[3];
  s->has_periods = true;
  s->review = dbis[4]; /* issue 14 */
  s->log = dbis[5];
  s->logidx = dbis[6];
  s->decisions = dbis[7];
  s->accounts = dbis[8];
  s->has_review = true;
  s->gone = dbis[9]; /* issue 15 */
  s->has_gone = true;
  if ((rc = store_load(s, err, errlen)) != 0 || (rc = store_epoch_ensure(s, err, errlen)) != 0) {
    store_close(s);
    return rc;
  }
  if ((rc = store_migrate(s, err, errlen)) != 0 || /* an older store: aggregates rebuilt once */
      (rc = store_upgrade(s, err, errlen)) != 0) { /* its history begun, records into it */
    store_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

int store_open_readonly(store **out, const char *dir, char *err, size_t errlen)
{
  *out = NULL;
  struct stat st;
  char path[4096];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  if (stat(path, &st) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return HB_ENOTFOUND;
  }
  store *s = store_new();
  if (!s)
    return HB_ENOMEM;
  s->readonly = true;
  MDB_txn *txn = NULL;
  int rc = mdb_env_create(&s->l.env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(s->l.env, 10);
  if (rc == 0)
    rc = mdb_env_open(s->l.env, dir, MDB_RDONLY | MDB_NOTLS, 0600);
  if (rc == 0) {
    mdb_reader_check(s->l.env, &s->l.stale_readers);
    rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  }
  if (rc == 0)
    rc = mdb_dbi_open(txn, "records", 0, &s->records);
  if (rc == 0)
    rc = mdb_dbi_open(txn, "aggs", 0, &s->aggs);
  if (rc == 0)
    rc = mdb_dbi_open(txn, "meta", 0, &s->meta);
  if (rc == 0) { /* a store of a version before issue 13 has none */
    rc = mdb_dbi_open(txn, "periods", 0, &s->periods);
    s->has_periods = rc == 0;
    rc = rc == MDB_NOTFOUND ? 0 : rc;
  }
  if (rc == 0) /* a store of a version before issue 14 has none of these */
    rc = store_open_review_dbs(s, txn);
  if (txn) {
    int crc = mdb_txn_commit(txn);
    if (rc == 0)
      rc = crc;
  }
  if (rc != 0) {
    snprintf(err, errlen, "open LMDB store in %s read-only: %s", dir, mdb_strerror(rc));
    store_close(s);
    return hb_lmdb_err(rc);
  }
  if ((rc = store_load(s, err, errlen)) != 0) {
    store_close(s);
    return rc;
  }
  *out = s;
  return 0;
}

int store_open_review_dbs(store *s, MDB_txn *txn)
{
  struct {
    const char *name;
    MDB_dbi *dbi;
  } const dbs[] = {{"review", &s->review},
                   {"log", &s->log},
                   {"logidx", &s->logidx},
                   {"decisions", &s->decisions},
                   {"accounts", &s->accounts}};
  s->has_review = true;
  for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
    int rc = mdb_dbi_open(txn, dbs[i].name, 0, dbs[i].dbi);
    if (rc == MDB_NOTFOUND) {
      s->has_review = false;
      return 0;
    }
    if (rc != 0)
      return rc;
  }
  int rc = mdb_dbi_open(txn, "gone", 0, &s->gone); /* issue 15; an issue-14 store has none */
  s->has_gone = rc == 0;
  return rc == MDB_NOTFOUND ? 0 : rc;
}

void store_dbs_get(const store *s, store_dbs *out)
{
  out->env = s->l.env;
  out->records = s->records;
  out->meta = s->meta;
  out->review = s->review;
  out->log = s->log;
  out->logidx = s->logidx;
  out->decisions = s->decisions;
  out->accounts = s->accounts;
  out->has_review = s->has_review;
  out->records_format = s->records_format;
  out->has_gone = s->has_gone;
  out->gone = s->gone;
  out->logidx_upto = s->logidx_upto;
}

void store_close(store *s)
{
  if (!s)
    return;
  hb_lmdb_close(&s->l);
  aggmap_free(&s->cache);
  aggmap_free(&s->work);
  kvlist_free(&s->seqs);
  kvlist_free(&s->syncs);
  kvlist_free(&s->bsync);
  kvlist_free(&s->changed);
  kvlist_free(&s->urecs);
  kvlist_free(&s->ubytes);
  kvlist_free(&s->burecs);
  kvlist_free(&s->bubytes);
  store_facts_free(s);
  free(s->changed_ids);
  free(s->buf.data);
  free(s->lbuf.data);
  free(s->obuf.data);
  free(s);
}

uint64_t store_loaded_txnid(const store *s)
{
  return s->loaded_txnid;
}

uint64_t store_last_txnid(const store *s)
{
  MDB_envinfo info;
  return mdb_env_info(s->l.env, &info) == 0 ? (uint64_t)info.me_last_txnid : 0;
}

const aggmap *store_aggs(const store *s)
{
  return &s->cache;
}

const hb_agg *store_agg(const store *s, const char *campaign, const char *unit)
{
  return aggmap_get(&s->cache, campaign, unit);
}

uint64_t store_seq(const store *s, const char *campaign)
{
  const kv *e = kvlist_find(&s->seqs, campaign);
  return e ? e->v : 0;
}

int64_t store_last_sync(const store *s, const char *unit)
{
  const kv *e = kvlist_find(&s->syncs, unit);
  return e ? (int64_t)e->v : 0;
}

void store_usage(store *s, size_t *used, size_t *mapsize)
{
  hb_lmdb_usage(&s->l, used, mapsize);
}

uint64_t store_inconsistencies(const store *s)
{
  return s->inconsistent;
}

int store_reader_check(store *s, int *cleared)
{
  *cleared = 0;
  return hb_lmdb_err(mdb_reader_check(s->l.env, cleared));
}

/* ---------------------------------------------------------------- batch */

/* The records db's batch cursor for the kind of key (unit\0<kind><id>):
 * one per kind of RCURSOR_KINDS, the last slot for any other. */
#define RCURSOR_KINDS "APICR"
_Static_assert(sizeof RCURSOR_KINDS == STORE_RCURSORS, "one records cursor per kind, and one");

static MDB_cursor **rcursor_slot(store *s, const MDB_val *key)
{
  const char *kb = key->mv_data, *nul = memchr(kb, '\0', key->mv_size);
  const char *at =
      nul && nul + 1 < kb + key->mv_size && nul[1] ? strchr(RCURSOR_KINDS, nul[1]) : NULL;
  return &s->rcur[at ? at - RCURSOR_KINDS : STORE_RCURSORS - 1];
}

/* *slot, a cursor on dbi opened in the batch at its first use. */
static int batch_cursor(store *s, MDB_dbi dbi, MDB_cursor **slot, MDB_cursor **out)
{
  if (!s->txn)
    return HB_EINVAL;
  if (!*slot) {
    int rc = mdb_cursor_open(s->txn, dbi, slot);
    if (rc != 0) {
      *slot = NULL;
      return hb_lmdb_err(rc);
    }
  }
  *out = *slot;
  return 0;
}

int store_batch_cursor(store *s, MDB_dbi dbi, MDB_cursor **out)
{
  MDB_cursor **slot = dbi == s->review ? &s->vcur : dbi == s->log ? &s->lcur : NULL;
  return slot ? batch_cursor(s, dbi, slot, out) : HB_EINVAL;
}

int store_batch_rcursor(store *s, const MDB_val *key, MDB_cursor **out)
{
  return batch_cursor(s, s->records, rcursor_slot(s, key), out);
}

static void cursor_close(MDB_cursor **slot)
{
  if (*slot) {
    mdb_cursor_close(*slot);
    *slot = NULL;
  }
}

void store_batch_cursor_drop(store *s, MDB_dbi dbi)
{
  if (dbi == s->records)
    for (int i = 0; i < STORE_RCURSORS; i++)
      cursor_close(&s->rcur[i]);
  else if (dbi == s->review)
    cursor_close(&s->vcur);
  else if (dbi == s->log)
    cursor_close(&s->lcur);
}

void store_batch_cursors_drop(store *s)
{
  store_batch_cursor_drop(s, s->records);
  store_batch_cursor_drop(s, s->review);
  store_batch_cursor_drop(s, s->log);
}

/* Forgets what an attempt at a batch decided: the working aggregates, the
 * sync times and the changed campaigns. */
static void batch_reset(store *s)
{
  aggmap_clear(&s->work);
  s->wlast = NULL;
  kvlist_clear(&s->bsync);
  kvlist_clear(&s->changed);
  s->changed_last = NULL;
  kvlist_clear(&s->burecs);
  kvlist_clear(&s->bubytes);
  store_facts_reset(s);
  store_log_reset(s);
}

/* The open batch's usage of unit (working copies, made on first use). */
int store_usage_work(store *s, const char *unit, kv **recs, kv **bytes)
{
  *recs = kvlist_find_hint(&s->burecs, unit, &s->burecs_hint);
  *bytes = kvlist_find_hint(&s->bubytes, unit, &s->bubytes_hint);
  if (*recs && *bytes)
    return 0;
  const kv *r = kvlist_find(&s->urecs, unit), *b = kvlist_find(&s->ubytes, unit);
  int rc = kvlist_set(&s->burecs, unit, r ? r->v : 0);
  if (rc == 0)
    rc = kvlist_set(&s->bubytes, unit, b ? b->v : 0);
  if (rc != 0)
    return rc;
  *recs = kvlist_find_hint(&s->burecs, unit, &s->burecs_hint);
  *bytes = kvlist_find_hint(&s->bubytes, unit, &s->bubytes_hint);
  return 0;
}

/* The working copy of (campaign, unit), made on first use in a batch. */
int store_work_get(store *s, const char *campaign, const char *unit, hb_agg **out)
{
  /* a Submit's records are one unit's, mostly of one campaign: the last
   * answer first (issue 17: hashing both names was ~180 instructions) */
  hb_agg *w = s->wlast;
  if (w && strcmp(w->unit, unit) == 0 && strcmp(w->campaign, campaign) == 0) {
    *out = w;
    return 0;
  }
  w = aggmap_get(&s->work, campaign, unit);
  if (w) {
    *out = s->wlast = w;
    return 0;
  }
  w = malloc(sizeof *w);
  if (!w)
    return HB_ENOMEM;
  const hb_agg *c = aggmap_get(&s->cache, campaign, unit);
  int rc = c ? hb_agg_copy(w, c) : hb_agg_init(w, campaign, unit);
  if (rc == 0 && (rc = aggmap_put(&s->work, w)) != 0)
    hb_agg_free(w);
  if (rc != 0) {
    free(w);
    return rc;
  }
  *out = s->wlast = w;
  return 0;
}

char store_row_kind(Huibao__V1__Record__BodyCase body)
{
  switch (body) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY: return 'A';
  case HUIBAO__V1__RECORD__BODY_PROBLEM: return 'P';
  case HUIBAO__V1__RECORD__BODY_INDICATOR: return 'I';
  case HUIBAO__V1__RECORD__BODY_CASE_ROW: return 'C';
  case HUIBAO__V1__RECORD__BODY_REPORT: return 'R';
  default: return 0;
  }
}

#define ROW_FILL(o, r)                                                                             \
  do {                                                                                             \
    (o)->msg = &(r)->base;                                                                         \
    (o)->unit = (r)->unit;                                                                         \
    (o)->id = (r)->id;                                                                             \
    (o)->campaign = (r)->campaign;                                                                 \
    (o)->campaign_slot = &(r)->campaign;                                                           \
    (o)->version = &(r)->version;                                                                  \
    (o)->deleted = (r)->has_deleted && (r)->deleted;                                               \
  } while (0)

int store_row_of(Huibao__V1__Record *rec, store_row *out)
{
  memset(out, 0, sizeof *out);
  out->kind = store_row_kind(rec->body_case);
  if (out->kind == 'A' && rec->activity)
    ROW_FILL(out, rec->activity);
  else if (out->kind == 'P' && rec->problem)
    ROW_FILL(out, rec->problem);
  else if (out->kind == 'I' && rec->indicator)
    ROW_FILL(out, rec->indicator);
  else if (out->kind == 'C' && rec->case_row)
    ROW_FILL(out, rec->case_row);
  else if (out->kind == 'R' && rec->report)
    ROW_FILL(out, rec->report);
  else
    return HB_EINVAL;
  return 0;
}

/* Packs the row into s->buf; returns its length, (size_t)-1 when out
 * of memory. */
static size_t rec_pack(store *s, const store_row *r)
{
  s->buf_of = r->msg;
  return hb_wire_pack_at(&s->buf, 0, r->msg) == 0 ? s->buf.len : (size_t)-1;
}

int store_rec_add(hb_agg *agg, const Huibao__V1__Record *rec, int sign)
{
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY: return hb_agg_add_activity(agg, rec->activity, sign);
  case HUIBAO__V1__RECORD__BODY_PROBLEM: return hb_agg_add_problem(agg, rec->problem, sign);
  case HUIBAO__V1__RECORD__BODY_INDICATOR: return hb_agg_add_indicator(agg, rec->indicator, sign);
  case HUIBAO__V1__RECORD__BODY_CASE_ROW: return hb_agg_add_case(agg, rec->case_row, sign);
  default: return HB_EINVAL;
  }
}

int store_mark_changed(store *s, const char *campaign)
{
  if (!campaign)
    return 0;
  /* issue 17: the campaign of the batch's last mark is not looked for again */
  if (s->changed_last && strcmp(s->changed_last, campaign) == 0)
    return 0;
  int rc = kvlist_set(&s->changed, campaign, 0);
  const kv *e = rc == 0 ? kvlist_find_hint(&s->changed, campaign, &s->changed_hint) : NULL;
  s->changed_last = e ? e->key : NULL;
  return rc;
}

int store_withdraw(store *s, char kind, const MDB_val *old, uint64_t *version)
{
  Huibao__V1__Record orec;
  store_row o;
  if (version)
    *version = 0;
  if (store_row_unpack(kind, old, &orec) != 0 || store_row_of(&orec, &o) != 0) {
    s->inconsistent++;
    return 0;
  }
  if (version)
    *version = *o.version;
  /* the old version's campaign had a change (issue 13; no clock: none) */
  int rc = kind != 'R' ? store_facts_note_change(s, o.campaign, o.unit) : 0;
  if (rc == 0 && kind != 'R' && !o.deleted && o.campaign) {
    hb_agg *agg;
    rc = store_work_get(s, o.campaign, o.unit, &agg);
    if (rc == 0 && store_rec_add(agg, &orec, -1) != 0)
      s->inconsistent++;
    if (rc == 0)
      rc = store_mark_changed(s, o.campaign);
  }
  store_row_unpacked_free(&orec);
  return rc;
}

int store_batch_put(store *s, Huibao__V1__Record *rec, int *code, uint64_t *stored_version,
                    const char **reason)
{
  return store_batch_put_body(s, rec, NULL, 0, code, stored_version, reason);
}

/* rec_pack, or the body's bytes as received when they are what it packs
 * (store_batch_put_body). */
static size_t rec_bytes(store *s, const store_row *r, const uint8_t *body, size_t blen)
{
  if (!body)
    return rec_pack(s, r);
  if (hb_wire_buf_reserve(&s->buf, blen) != 0)
    return (size_t)-1;
  memcpy(s->buf.data, body, blen);
  s->buf.len = blen;
  s->buf_of = r->msg;
  return blen;
}

/* A version refused after store_batch_put_body put its key (a record not
 * stored before): the key goes again, and *reason says why. Returns 0 or
 * an hb_err. */
static int put_refused(store *s, bool has_old, const MDB_val *key, const char **reason,
                       const char *why)
{
  *reason = why;
  if (has_old)
    return 0;
  MDB_val k = *key;
  int rc = mdb_del(s->txn, s->records, &k, NULL);
  store_batch_cursor_drop(s, s->records); /* written past them (store_batch_rcursor) */
  return rc ? hb_lmdb_err(rc) : 0;
}

int store_batch_put_body(store *s, Huibao__V1__Record *rec, const uint8_t *body, size_t blen,
                         int *code, uint64_t *stored_version, const char **reason)
{
  *code = HUIBAO__V1__RESULT_CODE__REJECTED;
  *stored_version = 0;
  *reason = NULL;
  store_row r;
  if (!s->txn || store_row_of(rec, &r) != 0)
    return HB_EINVAL;
  char key[STORE_KEY_MAX];
  size_t kl = store_log_rkey(key, r.unit, r.kind, r.id);
  if (kl == 0) {
    *reason = "编号过长 / id too long";
    return 0;
  }
  MDB_val k = {kl, key}, old;
  /* One search of the records db (issue 17): the key is put now, unless
   * it is there (then old is its value and the cursor on it), with the
   * value it gets when this version's history entry is the batch's next
   * and its body the one received (the usual case; else rewritten below,
   * and taken out again when the version is refused). The price: a new
   * record refused below (quota, no campaign, not countable) dirties a
   * page of the records db in this transaction, and with the map at its
   * ceiling such a put answers MDB_MAP_FULL, so a drain that stores
   * nothing else is answered retry instead of REJECTED (the disk-full
   * path, docs/operations.md); nothing of it stays in the store. */
  MDB_cursor *cur = NULL;
  int rc = store_batch_rcursor(s, &k, &cur);
  if (rc != 0)
    return rc;
  store_recval nrv = {s->blog_n + 1, s->blog_n + 1, body ? (uint32_t)blen : 0};
  uint8_t nb[STORE_REC_VLEN];
  store_recval_put(nb, &nrv);
  MDB_val nv = {STORE_REC_VLEN, nb};
  rc = mdb_cursor_put(cur, &k, &nv, MDB_NOOVERWRITE);
  if (rc != 0 && rc != MDB_KEYEXIST)
    return hb_lmdb_err(rc);
  bool has_old = rc == MDB_KEYEXIST;
  store_recval orv; /* issue 15: the stored version is read from its history entry */
  memset(&orv, 0, sizeof orv);
  if (has_old && (rc = store_current_of(s, &nv, &old, &orv)) != 0)
    return rc;

  if (has_old) {
    uint64_t oldver;
    if (hb_wire_row_version(old.mv_data, old.mv_size, &oldver) != 0)
      return HB_EDB;
    if (*r.version <= oldver) {
      uint64_t mine = *r.version;
      *r.version = oldver;
      size_t n = rec_pack(s, &r);
      *r.version = mine;
      if (n == (size_t)-1)
        return HB_ENOMEM;
      if (n == old.mv_size && memcmp(s->buf.data, old.mv_data, n) == 0) {
        *code = HUIBAO__V1__RESULT_CODE__DUPLICATE;
      } else {
        *code = HUIBAO__V1__RESULT_CODE__STALE;
        *stored_version = oldver;
      }
      return 0;
    }
  }

  /* the unit's quota: only growth is refused (a record that shrinks or a
   * deletion of a stored row always passes) */
  size_t n = rec_bytes(s, &r, body, blen);
  if (n == (size_t)-1)
    return HB_ENOMEM;
  kv *urecs, *ubytes;
  if ((rc = store_usage_work(s, r.unit, &urecs, &ubytes)) != 0)
    return rc;
  uint64_t add_recs = has_old ? 0 : 1;
  int64_t add_bytes = (int64_t)n - (has_old ? (int64_t)old.mv_size : 0);
  if ((add_recs && urecs->v + 1 > s->quota_records) ||
      (add_bytes > 0 && ubytes->v + (uint64_t)add_bytes > s->quota_bytes)) {
    snprintf(s->reason, sizeof s->reason,
             "单位配额已满 / unit quota exceeded: unit %s holds %llu records, %llu bytes "
             "(quota %llu records, %llu bytes); ask the county",
             r.unit, (unsigned long long)urecs->v, (unsigned long long)ubytes->v,
             (unsigned long long)s->quota_records, (unsigned long long)s->quota_bytes);
    return put_refused(s, has_old, &k, reason, s->reason);
  }

  hb_agg *agg;
  if (!r.deleted && r.kind != 'R') { /* a 报送 row counts in no aggregate */
    if (!r.campaign)
      return put_refused(s, has_old, &k, reason, "缺少专项 / campaign missing");
    if ((rc = store_work_get(s, r.campaign, r.unit, &agg)) != 0)
      return rc;
    rc = store_rec_add(agg, rec, +1);
    if (rc == HB_EINVAL)
      return put_refused(s, has_old, &k, reason,
                         "记录无法统计 / record cannot be counted (level, kind, status, scope, "
                         "source, term, indicator or type)");
    if (rc != 0)
      return rc;
    if ((rc = store_mark_changed(s, r.campaign)) != 0)
      return rc;
  }
  /* a change of the new version's campaign (issue 13): 报送 rows are not
   * changes, ingest notes their facts (store_batch_note_report) */
  if (r.kind != 'R' && (rc = store_facts_note_change(s, r.campaign, r.unit)) != 0)
    return rc;

  /* issue 14: the review status moves with the new version, and says
   * which old version leaves the aggregates (a deletion request holds it) */
  MDB_val v = {n, s->buf.data}, withdraw;
  if ((rc = store_review_on_put(s, &r, &k, has_old ? &old : NULL, &v, &withdraw)) != 0)
    return rc;
  if (withdraw.mv_data && (rc = store_withdraw(s, r.kind, &withdraw, NULL)) != 0)
    return rc;

  /* issue 14: the history; issue 15: the records value points into it,
   * the entry links to the record's previous one */
  uint64_t prev = orv.last;
  if (!has_old && (rc = store_log_gone_take(s, &k, &prev)) != 0)
    return rc;
  if ((rc = store_log_record(s, rec, prev)) != 0)
    return rc;
  store_recval put = nrv;
  nrv = (store_recval){s->blog_n, s->blog_n, (uint32_t)n};
  if (has_old || nrv.n != put.n || nrv.blen != put.blen) {
    /* through the cursor left on the key by the put above (overwritten
     * where it is); in between, only other dbs were written */
    store_recval_put(nb, &nrv);
    nv = (MDB_val){STORE_REC_VLEN, nb};
    unsigned flags = 0;
    MDB_val ck, cv;
    if (mdb_cursor_get(cur, &ck, &cv, MDB_GET_CURRENT) == 0 && ck.mv_size == kl &&
        memcmp(ck.mv_data, key, kl) == 0 && cv.mv_size == STORE_REC_VLEN)
      flags = MDB_CURRENT;
    if ((rc = mdb_cursor_put(cur, &k, &nv, flags)) != 0)
      return hb_lmdb_err(rc);
  }
  urecs->v += add_recs;
  ubytes->v = (uint64_t)((int64_t)ubytes->v + add_bytes);
  *code = HUIBAO__V1__RESULT_CODE__STORED;
  return 0;
}

int store_batch_sync(store *s, const char *unit, int64_t now_s)
{
  if (!s->txn)
    return HB_EINVAL;
  return kvlist_set(&s->bsync, unit, (uint64_t)now_s);
}

static int meta_put(store *s, const char *prefix, const char *name, uint64_t value)
{
  char key[STORE_KEY_MAX];
  size_t pl = strlen(prefix), nl = strlen(name);
  if (pl + nl > STORE_KEY_MAX)
    return HB_EINVAL;
  memcpy(key, prefix, pl);
  memcpy(key + pl, name, nl);
  uint8_t b[8];
  hb_be64_put(b, value);
  MDB_val k = {pl + nl, key}, v = {8, b};
  int rc = mdb_put(s->txn, s->meta, &k, &v, 0);
  return rc ? hb_lmdb_err(rc) : 0;
}

int store_aggs_put(MDB_txn *txn, MDB_dbi dbi, const aggmap *m)
{
  size_t it;
  for (aggmap_node *n = aggmap_first(m, &it); n; n = aggmap_next(m, n, &it)) {
    char key[STORE_KEY_MAX];
    size_t kl = store_key2(key, n->agg->campaign, '\0', n->agg->unit);
    if (kl == 0)
      return HB_EINVAL;
    MDB_val k = {kl, key};
    int r;
    if (hb_agg_is_empty(n->agg)) {
      r = mdb_del(txn, dbi, &k, NULL);
      r = r == MDB_NOTFOUND ? 0 : r;
    } else {
      uint8_t *packed;
      size_t len;
      int rc = hb_agg_pack(n->agg, &packed, &len);
      if (rc != 0)
        return rc;
      MDB_val v = {len, packed};
      r = mdb_put(txn, dbi, &k, &v, 0);
      free(packed);
    }
    if (r != 0)
      return hb_lmdb_err(r);
  }
  return 0;
}

/* Writes the touched aggregates (deleting the empty ones), the
 * seq/<campaign> bumps and the sync times into the open transaction.
 * Returns 0 or an hb_err (HB_EFULL: the map is full). */
static int batch_write(store *s)
{
  int rc = store_aggs_put(s->txn, s->aggs, &s->work);
  if (rc == 0)
    rc = store_facts_write(s);
  if (rc == 0)
    rc = store_log_write(s);
  for (size_t i = 0; i < s->changed.n && rc == 0; i++)
    rc = meta_put(s, "seq/", s->changed.items[i].key, store_seq(s, s->changed.items[i].key) + 1);
  for (size_t i = 0; i < s->bsync.n && rc == 0; i++)
    rc = meta_put(s, "sync/", s->bsync.items[i].key, s->bsync.items[i].v);
  if (rc == 0 && s->admin) /* tells the running service to reload (store_poll_external) */
    rc = meta_put(s, STORE_META_ADMIN, "", s->admin_gen + 1);
  return rc;
}

/* After the commit: makes memory equal to what is stored (the working
 * aggregates move into the cache). Out of memory on the way, it reloads
 * the cache from the store and says so in err. */
static void batch_apply(store *s, char *err, size_t errlen)
{
  int rc = 0;
  size_t it;
  for (size_t i = 0; i < s->changed.n; i++)
    if (kvlist_set(&s->seqs, s->changed.items[i].key, store_seq(s, s->changed.items[i].key) + 1))
      rc = HB_ENOMEM;
  for (size_t i = 0; i < s->bsync.n; i++)
    if (kvlist_set(&s->syncs, s->bsync.items[i].key, s->bsync.items[i].v))
      rc = HB_ENOMEM;
  for (size_t i = 0; i < s->burecs.n; i++)
    if (kvlist_set(&s->urecs, s->burecs.items[i].key, s->burecs.items[i].v))
      rc = HB_ENOMEM;
  for (size_t i = 0; i < s->bubytes.n; i++)
    if (kvlist_set(&s->ubytes, s->bubytes.items[i].key, s->bubytes.items[i].v))
      rc = HB_ENOMEM;
  kvlist_clear(&s->burecs);
  kvlist_clear(&s->bubytes);
  if (s->admin)
    s->admin_gen++;
  s->wlast = NULL; /* the working aggregates leave work */
  aggmap_node *n = aggmap_first(&s->work, &it);
  while (n) {
    aggmap_node *next = aggmap_next(&s->work, n, &it);
    hb_agg *w = aggmap_take(&s->work, n->agg->campaign, n->agg->unit);
    if (hb_agg_is_empty(w)) {
      aggmap_remove(&s->cache, w->campaign, w->unit);
      hb_agg_free(w);
      free(w);
    } else if (aggmap_put(&s->cache, w) != 0) {
      hb_agg_free(w);
      free(w);
      rc = HB_ENOMEM;
    }
    n = next;
  }
  kvlist_clear(&s->bsync);
  if (store_facts_apply(s) != 0)
    rc = HB_ENOMEM;
  store_log_apply(s);
  if (s->changed_cap < s->changed.n) {
    const char **ids = realloc(s->changed_ids, s->changed.n * sizeof *ids);
    if (ids) {
      s->changed_ids = ids;
      s->changed_cap = s->changed.n;
    }
  }
  if (rc != 0) {
    /* out of memory after commit: reload so memory equals the store */
    char e2[256];
    store_reload_aggs(s, e2, sizeof e2);
    snprintf(err, errlen, "committed, but memory ran out updating the cache; reloaded");
  }
}

typedef struct batch_run {
  store *s;
  store_batch_fn fn;
  void *arg;
  char *err;
  size_t errlen;
} batch_run;

/* hb_lmdb_write's body: one attempt at the batch, from scratch. */
static int batch_body(MDB_txn *txn, void *arg)
{
  batch_run *b = arg;
  store *s = b->s;
  batch_reset(s);
  /* Another process (the admin command) may have changed the store since
   * memory was loaded: this write transaction sees its commit, so reload
   * from it before anything is built on memory (the admin itself always
   * reloads: the service may have written since it opened the store). */
  uint64_t gen = 0;
  MDB_val gk = {strlen(STORE_META_ADMIN), (void *)STORE_META_ADMIN}, gv;
  int g = mdb_get(txn, s->meta, &gk, &gv);
  if (g == 0 && gv.mv_size == 8)
    gen = hb_be64_get(gv.mv_data);
  else if (g != 0 && g != MDB_NOTFOUND)
    return hb_lmdb_err(g);
  if (s->admin || gen != s->admin_gen) {
    int rc = store_load_txn(s, txn, b->err, b->errlen);
    if (rc != 0)
      return rc;
    s->external |= !s->admin;
  }
  s->txn = txn;
  s->vany = -1;
  int rc = b->fn(s, b->arg);
  store_batch_cursors_drop(s);
  if (rc == 0 && (rc = batch_write(s)) != 0)
    snprintf(b->err, b->errlen, "write batch: %s", hb_strerror(rc));
  s->txn = NULL;
  return rc;
}

int store_batch_run(store *s, store_batch_fn fn, void *arg, char *err, size_t errlen)
{
  if (s->readonly || s->txn) {
    snprintf(err, errlen, "store is read-only or a batch is open");
    return HB_EINVAL;
  }
  batch_run b = {s, fn, arg, err, errlen};
  int rc = hb_lmdb_write(&s->l, batch_body, &b, err, errlen);
  if (rc != 0) {
    batch_reset(s);
    return rc;
  }
  batch_apply(s, err, errlen);
  return 0;
}

size_t store_changed(const store *s, const char *const **ids)
{
  size_t n = s->changed.n <= s->changed_cap ? s->changed.n : 0;
  for (size_t i = 0; i < n; i++)
    s->changed_ids[i] = s->changed.items[i].key;
  *ids = s->changed_ids;
  return n;
}

int store_reload_aggs(store *s, char *err, size_t errlen)
{
  if (s->txn)
    return HB_EINVAL;
  return store_load(s, err, errlen);
}

void store_set_quota(store *s, uint64_t records, uint64_t bytes)
{
  s->quota_records = records ? records : STORE_QUOTA_RECORDS;
  s->quota_bytes = bytes ? bytes : STORE_QUOTA_BYTES;
}

void store_usage_of(const store *s, const char *unit, uint64_t *records, uint64_t *bytes)
{
  const kv *r = kvlist_find(&s->urecs, unit), *b = kvlist_find(&s->ubytes, unit);
  *records = r ? r->v : 0;
  *bytes = b ? b->v : 0;
}
