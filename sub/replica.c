/* replica.c: the city's replica (replica.h, docs/replica.md): opening
 * DATA/replica, its keys, and reading it (the records that count now, the
 * counties). Entries are checked and replayed by replica_apply.c and
 * fetched by replica_sync.c. */
#include "replica.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hb_be.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "replica_internal.h"

static const char *const db_names[] = {"counties", "log", "records", "lost"};
#define NDBS 4

/* Opens an existing replica without writing (MDB_RDONLY). */
static int open_readonly(sub_replica *r, const char *dir, char *err, size_t errlen)
{
  char path[4200];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  struct stat sb;
  if (stat(path, &sb) != 0) {
    snprintf(err, errlen, "%s: no replica (run `huibao-sub run --detail`)", dir);
    return HB_ENOTFOUND;
  }
  int rc = mdb_env_create(&r->l.env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(r->l.env, NDBS);
  if (rc == 0)
    rc = mdb_env_open(r->l.env, dir, MDB_RDONLY | MDB_NOTLS, 0600);
  MDB_txn *txn = NULL;
  MDB_dbi *dbis[NDBS] = {&r->counties, &r->log, &r->records, &r->lost};
  if (rc == 0)
    rc = mdb_txn_begin(r->l.env, NULL, MDB_RDONLY, &txn);
  for (int i = 0; rc == 0 && i < NDBS; i++)
    rc = mdb_dbi_open(txn, db_names[i], 0, dbis[i]);
  if (txn)
    rc = rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", dir, mdb_strerror(rc));
    if (r->l.env)
      mdb_env_close(r->l.env);
    r->l.env = NULL;
    return rc == MDB_NOTFOUND ? HB_ENOTFOUND : hb_lmdb_err(rc);
  }
  return 0;
}

int sub_replica_open(sub_replica **out, const char *data_dir, bool readonly, char *err,
                     size_t errlen)
{
  *out = NULL;
  sub_replica *r = calloc(1, sizeof *r);
  if (!r)
    return HB_ENOMEM;
  char dir[4096];
  if ((size_t)snprintf(dir, sizeof dir, "%s/%s", data_dir, REPLICA_DIR) >= sizeof dir) {
    free(r);
    snprintf(err, errlen, "%s: path too long", data_dir);
    return HB_EINVAL;
  }
  r->readonly = readonly;
  int rc;
  if (readonly) {
    rc = open_readonly(r, dir, err, errlen);
  } else {
    MDB_dbi dbis[NDBS];
    rc = hb_lmdb_open(&r->l, dir, 0, db_names, dbis, NDBS, err, errlen);
    r->counties = dbis[0], r->log = dbis[1], r->records = dbis[2], r->lost = dbis[3];
  }
  if (rc != 0) {
    free(r);
    return rc;
  }
  *out = r;
  return 0;
}

void sub_replica_close(sub_replica *r)
{
  if (!r)
    return;
  if (r->readonly && r->l.env)
    mdb_env_close(r->l.env);
  else if (r->l.env)
    hb_lmdb_close(&r->l);
  free(r);
}

void sub_replica_set_registry(sub_replica *r, const hb_sign_registry *reg)
{
  r->reg = reg;
}

/* ---------------------------------------------------------------- keys */

size_t replica_log_key(char *buf, const char *county, uint64_t n)
{
  size_t cl = strlen(county);
  if (cl + 9 > REPLICA_KEY_MAX)
    return 0;
  memcpy(buf, county, cl + 1);
  hb_be64_put((uint8_t *)buf + cl + 1, n);
  return cl + 9;
}

size_t replica_rec_key(char *buf, const char *county, const char *unit, char kind, const char *id)
{
  size_t cl = strlen(county), ul = strlen(unit), il = strlen(id);
  if (cl + ul + il + 3 > REPLICA_KEY_MAX)
    return 0;
  memcpy(buf, county, cl + 1);
  memcpy(buf + cl + 1, unit, ul + 1);
  buf[cl + ul + 2] = kind;
  memcpy(buf + cl + ul + 3, id, il);
  return cl + ul + il + 3;
}

#define ROW_FILL(o, r)                                                                             \
  do {                                                                                             \
    (o)->msg = &(r)->base;                                                                         \
    (o)->unit = (r)->unit;                                                                         \
    (o)->id = (r)->id;                                                                             \
    (o)->campaign = (r)->campaign;                                                                 \
    (o)->version = &(r)->version;                                                                  \
    (o)->deleted = (r)->has_deleted && (r)->deleted;                                               \
  } while (0)

int replica_row_of(const Huibao__V1__Record *rec, replica_row *out)
{
  memset(out, 0, sizeof *out);
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY:
    out->kind = 'A';
    ROW_FILL(out, rec->activity);
    break;
  case HUIBAO__V1__RECORD__BODY_PROBLEM:
    out->kind = 'P';
    ROW_FILL(out, rec->problem);
    break;
  case HUIBAO__V1__RECORD__BODY_INDICATOR:
    out->kind = 'I';
    ROW_FILL(out, rec->indicator);
    break;
  case HUIBAO__V1__RECORD__BODY_CASE_ROW:
    out->kind = 'C';
    ROW_FILL(out, rec->case_row);
    break;
  case HUIBAO__V1__RECORD__BODY_REPORT:
    out->kind = 'R';
    ROW_FILL(out, rec->report);
    break;
  default: return HB_EINVAL;
  }
  return out->unit && out->id ? 0 : HB_EINVAL;
}

/* ---------------------------------------------------------------- reads */

int replica_county_get(const sub_replica *r, MDB_txn *txn, const char *county,
                       Huibao__V1__ReplicaCounty **out)
{
  *out = NULL;
  MDB_val k = {strlen(county), (void *)county}, v;
  int rc = mdb_get(txn, r->counties, &k, &v);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc != 0)
    return hb_lmdb_err(rc);
  *out = huibao__v1__replica_county__unpack(NULL, v.mv_size, v.mv_data);
  return *out ? 0 : HB_EDB;
}

int replica_county_put(const sub_replica *r, MDB_txn *txn, const char *county,
                       const Huibao__V1__ReplicaCounty *in)
{
  Huibao__V1__ReplicaCounty cc = *in, *c = &cc; /* every number present (proto2 optional) */
  cc.has_n = cc.has_epoch = cc.has_records = cc.has_bad_signatures = cc.has_audited = cc.has_lost =
      true;
  MDB_val k = {strlen(county), (void *)county},
          v = {huibao__v1__replica_county__get_packed_size(c), NULL};
  int rc = mdb_put(txn, r->counties, &k, &v, MDB_RESERVE);
  if (rc != 0)
    return hb_lmdb_err(rc);
  huibao__v1__replica_county__pack(c, v.mv_data);
  return 0;
}

/* Entry n's stored bytes in txn. */
static int entry_raw(const sub_replica *r, MDB_txn *txn, const char *county, uint64_t n, MDB_val *v)
{
  char kb[REPLICA_KEY_MAX];
  MDB_val k = {replica_log_key(kb, county, n), kb};
  if (k.mv_size == 0)
    return HB_EINVAL;
  int rc = mdb_get(txn, r->log, &k, v);
  return rc == MDB_NOTFOUND ? HB_ENOTFOUND : rc ? hb_lmdb_err(rc) : 0;
}

int replica_entry_get(const sub_replica *r, MDB_txn *txn, const char *county, uint64_t n,
                      Huibao__V1__LogEntry **out)
{
  MDB_val v;
  *out = NULL;
  int rc = entry_raw(r, txn, county, n, &v);
  if (rc != 0)
    return rc;
  *out = huibao__v1__log_entry__unpack(NULL, v.mv_size, v.mv_data);
  return *out ? 0 : HB_EDB;
}

/* hb_chain_digest's reader of the replica's copy of a county's log. */
typedef struct audit_ctx {
  const sub_replica *r;
  MDB_txn *txn;
  const char *county;
} audit_ctx;

static int audit_entry(void *ctx, uint64_t n, const void **data, size_t *len)
{
  audit_ctx *a = ctx;
  MDB_val v;
  int rc = entry_raw(a->r, a->txn, a->county, n, &v);
  if (rc == 0)
    *data = v.mv_data, *len = v.mv_size;
  return rc;
}

int replica_audit_digest(const sub_replica *r, MDB_txn *txn, const char *county, uint64_t from,
                         uint64_t to, uint8_t out[32])
{
  audit_ctx a = {r, txn, county};
  return hb_chain_digest(from, to, audit_entry, &a, out);
}

/* Hands one record (key k, value v) to fn, as hb_list.h says: the
 * effective version (the held one under a deletion request), no
 * tombstones. Returns fn's value, 0, or an hb_err. */
static int foreach_one(const sub_replica *r, MDB_txn *txn, const MDB_val *k, const MDB_val *v,
                       hb_list_rec_fn fn, void *ctx)
{
  const char *county = k->mv_data;
  Huibao__V1__ReplicaRecord *rr = huibao__v1__replica_record__unpack(NULL, v->mv_size, v->mv_data);
  if (!rr)
    return HB_EDB;
  bool holding = rr->status == HUIBAO__V1__REVIEW_STATUS__REVIEW_DELETION_PENDING ||
                 rr->status == HUIBAO__V1__REVIEW_STATUS__REVIEW_DELETION_REFUSED;
  uint64_t n = holding ? rr->held_n : rr->n;
  int rc = 0;
  if (n != 0 && (holding || !rr->deleted)) {
    Huibao__V1__LogEntry *e;
    rc = replica_entry_get(r, txn, county, n, &e);
    if (rc == 0 && (e->what_case != HUIBAO__V1__LOG_ENTRY__WHAT_RECORD || !e->record))
      rc = HB_EDB;
    replica_row row;
    if (rc == 0 && replica_row_of(e->record, &row) != 0)
      rc = HB_EDB;
    if (rc == 0) {
      Huibao__V1__ReviewState st = HUIBAO__V1__REVIEW_STATE__INIT;
      st.status = rr->status;
      st.has_decision_n = rr->decision_n != 0;
      st.decision_n = rr->decision_n;
      st.has_at_s = rr->decided_s != 0;
      st.at_s = rr->decided_s;
      st.reviewer = rr->reviewer;
      st.reason = rr->reason;
      hb_list_rec lr = {.county = county,
                        .kind = row.kind,
                        .rec = e->record,
                        .review = rr->status != HUIBAO__V1__REVIEW_STATUS__REVIEW_NONE ? &st : NULL,
                        .stored_s = e->at_s,
                        .n = n,
                        .sig = rr->sig};
      rc = fn(ctx, &lr);
    }
    if (e)
      huibao__v1__log_entry__free_unpacked(e, NULL);
  }
  huibao__v1__replica_record__free_unpacked(rr, NULL);
  return rc;
}

int sub_replica_foreach(sub_replica *r, const char *county, hb_list_rec_fn fn, void *ctx, char *err,
                        size_t errlen)
{
  MDB_txn *txn;
  int rc = hb_lmdb_read_begin(r->l.env, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "replica: read transaction: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  MDB_cursor *cur;
  if ((rc = mdb_cursor_open(txn, r->records, &cur)) != 0) {
    hb_lmdb_read_end(txn);
    snprintf(err, errlen, "replica: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  size_t cl = county ? strlen(county) + 1 : 0;
  MDB_val k = {cl, (void *)county}, v;
  int r0 = mdb_cursor_get(cur, &k, &v, cl ? MDB_SET_RANGE : MDB_FIRST);
  for (rc = 0; r0 == 0 && rc == 0; r0 = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (cl && (k.mv_size < cl || memcmp(k.mv_data, county, cl) != 0))
      break;
    if (!memchr(k.mv_data, '\0', k.mv_size)) {
      rc = HB_EDB;
      break;
    }
    rc = foreach_one(r, txn, &k, &v, fn, ctx);
  }
  mdb_cursor_close(cur);
  hb_lmdb_read_end(txn);
  if (rc < 0 && rc >= HB_ESTATE)
    snprintf(err, errlen, "replica: %s", hb_strerror(rc));
  return rc;
}

int sub_replica_counties(sub_replica *r, int (*fn)(void *ctx, const sub_replica_county *c),
                         void *ctx, char *err, size_t errlen)
{
  MDB_txn *txn;
  int rc = hb_lmdb_read_begin(r->l.env, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "replica: read transaction: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  MDB_cursor *cur;
  if ((rc = mdb_cursor_open(txn, r->counties, &cur)) != 0) {
    hb_lmdb_read_end(txn);
    return hb_lmdb_err(rc);
  }
  MDB_val k, v;
  rc = 0;
  for (int r0 = mdb_cursor_get(cur, &k, &v, MDB_FIRST); r0 == 0 && rc == 0;
       r0 = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    Huibao__V1__ReplicaCounty *c = huibao__v1__replica_county__unpack(NULL, v.mv_size, v.mv_data);
    char code[256];
    if (!c || k.mv_size >= sizeof code) {
      if (c)
        huibao__v1__replica_county__free_unpacked(c, NULL);
      rc = HB_EDB;
      break;
    }
    memcpy(code, k.mv_data, k.mv_size);
    code[k.mv_size] = '\0';
    sub_replica_county sc = {.county = code,
                             .n = c->n,
                             .epoch = c->epoch,
                             .broken = c->broken && c->broken[0],
                             .why = c->broken ? c->broken : "",
                             .records = c->records,
                             .bad_signatures = c->bad_signatures};
    if (c->hash.len == 32)
      memcpy(sc.hash, c->hash.data, 32);
    rc = fn(ctx, &sc);
    huibao__v1__replica_county__free_unpacked(c, NULL);
  }
  mdb_cursor_close(cur);
  hb_lmdb_read_end(txn);
  if (rc < 0 && rc >= HB_ESTATE)
    snprintf(err, errlen, "replica: %s", hb_strerror(rc));
  return rc;
}

int sub_replica_entry_about(sub_replica *r, const char *county, uint64_t n, char *unit, size_t ulen,
                            char *rec, size_t rlen)
{
  unit[0] = rec[0] = '\0';
  MDB_txn *txn;
  int rc = hb_lmdb_read_begin(r->l.env, &txn);
  if (rc != 0)
    return hb_lmdb_err(rc);
  Huibao__V1__LogEntry *e = NULL;
  rc = replica_entry_get(r, txn, county, n, &e);
  hb_lmdb_read_end(txn);
  if (rc != 0)
    return rc;
  const char *u = NULL, *kind = NULL, *id = NULL;
  replica_row row;
  char kb[2] = "";
  if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_RECORD && e->record &&
      replica_row_of(e->record, &row) == 0) {
    u = row.unit, id = row.id, kb[0] = row.kind, kind = kb;
  } else if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_DECISION && e->decision) {
    u = e->decision->unit, kind = e->decision->kind, id = e->decision->id;
  } else if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL && e->removal) {
    u = e->removal->unit, kind = e->removal->kind, id = e->removal->id;
  }
  if (u)
    snprintf(unit, ulen, "%s", u);
  if (kind && id)
    snprintf(rec, rlen, "%s%s", kind, id);
  huibao__v1__log_entry__free_unpacked(e, NULL);
  return 0;
}
