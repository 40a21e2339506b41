/* detail_reply.c: the detail endpoint's answer to one request (see
 * detail.h): entries n > after in n order up to the budget, the county's
 * hash of entry `after` and its head, or the digest of a range of entries
 * (the audit). Only reads the `log` db and meta "log-head" (whose format
 * docs/history.md fixes), in one read transaction. */
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "detail.h"
#include "hb_be.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_wire.h"

/* Entry n's stored bytes in txn: 0, HB_ENOTFOUND or an hb_err. */
static int entry_get(MDB_txn *txn, const store_dbs *d, uint64_t n, MDB_val *v)
{
  uint8_t k8[8];
  hb_be64_put(k8, n);
  MDB_val k = {8, k8};
  int rc = mdb_get(txn, d->log, &k, v);
  return rc == MDB_NOTFOUND ? HB_ENOTFOUND : rc ? hb_lmdb_err(rc) : 0;
}

/* The entries n > after into rep (bytes borrowed from txn). */
static int entries_add(MDB_txn *txn, const store_dbs *d, const Huibao__V1__DetailRequest *req,
                       Huibao__V1__DetailReply *rep)
{
  size_t budget = req->has_max_bytes && req->max_bytes ? req->max_bytes : AGG_DETAIL_BYTES_DEFAULT;
  if (budget > AGG_DETAIL_BYTES_MAX)
    budget = AGG_DETAIL_BYTES_MAX;
  size_t maxn =
      req->has_max_entries && req->max_entries ? req->max_entries : AGG_DETAIL_ENTRIES_MAX;
  if (maxn > AGG_DETAIL_ENTRIES_MAX)
    maxn = AGG_DETAIL_ENTRIES_MAX;
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn, d->log, &cur);
  if (rc != 0)
    return hb_lmdb_err(rc);
  uint8_t k8[8];
  hb_be64_put(k8, req->after + 1);
  MDB_val k = {8, k8}, v;
  size_t used = 0, cap = 0;
  rc = 0;
  for (int r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); r == 0;
       r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (rep->n_entries == maxn || (rep->n_entries > 0 && used + v.mv_size > budget)) {
      rep->has_more = rep->more = true;
      break;
    }
    if (rep->n_entries == cap) {
      cap = cap ? cap * 2 : 256;
      ProtobufCBinaryData *ne = realloc(rep->entries, cap * sizeof *ne);
      if (!ne) {
        rc = HB_ENOMEM;
        break;
      }
      rep->entries = ne;
    }
    rep->entries[rep->n_entries++] = (ProtobufCBinaryData){v.mv_size, v.mv_data};
    used += v.mv_size;
  }
  mdb_cursor_close(cur);
  return rc;
}

/* hb_chain_digest's reader of the county's log. */
typedef struct audit_ctx {
  MDB_txn *txn;
  const store_dbs *d;
} audit_ctx;

static int audit_entry(void *ctx, uint64_t n, const void **data, size_t *len)
{
  audit_ctx *a = ctx;
  MDB_val v;
  int rc = entry_get(a->txn, a->d, n, &v);
  if (rc == 0)
    *data = v.mv_data, *len = v.mv_size;
  return rc;
}

static int audit_digest(MDB_txn *txn, const store_dbs *d, uint64_t from, uint64_t to,
                        uint8_t out[32])
{
  audit_ctx a = {txn, d};
  return hb_chain_digest(from, to, audit_entry, &a, out);
}

/* The head and the hash of entry `after`, read in txn. */
static int head_add(MDB_txn *txn, const store_dbs *d, const Huibao__V1__DetailRequest *req,
                    Huibao__V1__DetailReply *rep, Huibao__V1__LogHead *head, uint8_t ah[32])
{
  MDB_val k = {strlen(STORE_META_LOG_HEAD), (void *)STORE_META_LOG_HEAD}, v;
  int rc = mdb_get(txn, d->meta, &k, &v);
  if (rc == 0 && v.mv_size == 40) {
    head->n = hb_be64_get(v.mv_data);
    head->hash = (ProtobufCBinaryData){32, (uint8_t *)v.mv_data + 8};
    rep->head = head;
  } else if (rc != 0 && rc != MDB_NOTFOUND) {
    return hb_lmdb_err(rc);
  }
  if (req->after > 0) {
    rc = entry_get(txn, d, req->after, &v);
    if (rc == 0 && (rc = hb_chain_hash(v.mv_data, v.mv_size, ah)) == 0) {
      rep->has_after_hash = true;
      rep->after_hash = (ProtobufCBinaryData){32, ah};
    }
    if (rc != 0 && rc != HB_ENOTFOUND)
      return rc;
  }
  return 0;
}

int agg_detail_reply(const store_dbs *d, const Huibao__V1__DetailRequest *req, const char *source,
                     uint64_t epoch, const hb_campaigns *campaigns, hb_wire_buf *b, size_t *entries)
{
  *entries = 0;
  Huibao__V1__DetailReply rep = HUIBAO__V1__DETAIL_REPLY__INIT;
  Huibao__V1__LogHead head = HUIBAO__V1__LOG_HEAD__INIT;
  uint8_t ah[32], dig[32];
  rep.has_id = req->has_id;
  rep.id = req->id;
  rep.source = (char *)source;
  rep.has_epoch = epoch != 0;
  rep.epoch = epoch;
  char **free_ = campaigns && campaigns->count ? calloc(campaigns->count, sizeof *free_) : NULL;
  for (size_t i = 0; free_ && i < campaigns->count; i++)
    if (campaigns->items[i].problem_delete_free)
      free_[rep.n_delete_free++] = campaigns->items[i].id;
  rep.delete_free = free_;
  MDB_txn *txn = NULL;
  int rc = d->has_review ? mdb_txn_begin(d->env, NULL, MDB_RDONLY, &txn) : 0;
  if (rc != 0) {
    free(free_);
    return hb_lmdb_err(rc);
  }
  bool audit = req->has_audit_from || req->has_audit_to;
  if (!d->has_review) {
    rep.error = "县库没有历史记录 (the county store has no history)";
  } else if ((rc = head_add(txn, d, req, &rep, &head, ah)) != 0) {
    /* rc returned below */
  } else if (audit && (req->audit_from < 1 || req->audit_to < req->audit_from ||
                       req->audit_to - req->audit_from >= AGG_DETAIL_AUDIT_MAX)) {
    rep.error = "核对范围无效 (audit range invalid: 1 <= from <= to, at most 50000 entries)";
  } else if (audit) {
    rep.has_audit_from = rep.has_audit_to = rep.has_audit_digest = true;
    rep.audit_from = req->audit_from;
    rep.audit_to = req->audit_to;
    rep.audit_digest = (ProtobufCBinaryData){32, dig};
    rc = audit_digest(txn, d, req->audit_from, req->audit_to, dig);
    *entries = (size_t)(req->audit_to - req->audit_from + 1);
  } else {
    rc = entries_add(txn, d, req, &rep);
    *entries = rep.n_entries;
  }
  if (rc == 0)
    rc = hb_wire_pack_at(b, 0, &rep.base);
  if (txn)
    mdb_txn_abort(txn);
  free(rep.entries);
  free(free_);
  return rc;
}
