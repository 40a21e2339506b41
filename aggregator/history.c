/* history.c: a record's history (see history.h): its entries walked back
 * from its records value (LogEntry.about_prev; issue 15), those of a store
 * upgraded from issue 14 through its frozen logidx db, and the fields that changed between two
 * versions, named and written as the ledger names and writes them. */
#include "history.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_be.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_ledger_cells.h"
#include "hb_rollup.h"
#include "hb_vocab.h"
#include "store_log.h"

/* Calls fn for the entry n (unpacked from the log). */
static int history_one(MDB_txn *txn, const store_dbs *d, uint64_t n, history_fn fn, void *ctx)
{
  uint8_t nk[8];
  hb_be64_put(nk, n);
  MDB_val lk = {8, nk}, lv;
  int r = mdb_get(txn, d->log, &lk, &lv);
  if (r != 0)
    return r == MDB_NOTFOUND ? HB_EPARSE : hb_lmdb_err(r);
  Huibao__V1__LogEntry *e = huibao__v1__log_entry__unpack(NULL, lv.mv_size, lv.mv_data);
  if (!e)
    return HB_EPARSE;
  int rc = fn(ctx, e);
  huibao__v1__log_entry__free_unpacked(e, NULL);
  return rc;
}

/* The entries of record key[0..rl) in the frozen logidx with n <= upto, in
 * n order (a store of issue 14, or one upgraded from it). *any: one was. */
static int history_indexed(MDB_txn *txn, const store_dbs *d, char *key, size_t rl, uint64_t upto,
                           history_fn fn, void *ctx, bool *any)
{
  MDB_cursor *cur;
  int r = mdb_cursor_open(txn, d->logidx, &cur);
  if (r != 0)
    return hb_lmdb_err(r);
  MDB_val k = {store_log_ikey(key, rl, 0), key}, v;
  int rc = 0;
  for (r = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
       rc == 0 && r == 0 && k.mv_size >= rl && memcmp(k.mv_data, key, rl) == 0;
       r = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size != rl + 8) /* another id that starts with this one */
      continue;
    uint64_t n = hb_be64_get((const uint8_t *)k.mv_data + rl);
    if (n > upto)
      break;
    *any = true;
    rc = history_one(txn, d, n, fn, ctx);
  }
  mdb_cursor_close(cur);
  if (rc == 0 && r != 0 && r != MDB_NOTFOUND)
    rc = hb_lmdb_err(r);
  return rc;
}

/* The head of the record's backward chain: its last entry (records value,
 * else db "gone" for a removed record), 0 when none. */
static int history_head(MDB_txn *txn, const store_dbs *d, const MDB_val *key, uint64_t *head)
{
  MDB_val k = *key, v;
  *head = 0;
  int r = mdb_get(txn, d->records, &k, &v);
  if (r == 0) {
    store_recval rv;
    if (store_recval_get(&v, &rv) != 0)
      return HB_EPARSE;
    *head = rv.last;
    return 0;
  }
  if (r != MDB_NOTFOUND)
    return hb_lmdb_err(r);
  k = *key;
  if (!d->has_gone || (r = mdb_get(txn, d->gone, &k, &v)) == MDB_NOTFOUND)
    return 0;
  if (r != 0)
    return hb_lmdb_err(r);
  if (v.mv_size != 8)
    return HB_EPARSE;
  *head = hb_be64_get(v.mv_data);
  return 0;
}

/* The entries after the frozen index (n > upto), walked backwards from the
 * head through LogEntry.about_prev, into *out (*count, malloc'd, newest
 * first). */
static int history_walk(MDB_txn *txn, const store_dbs *d, uint64_t n, uint64_t upto, uint64_t **out,
                        size_t *count)
{
  size_t cap = 0;
  *out = NULL;
  *count = 0;
  while (n > upto) {
    if (*count == cap) {
      cap = cap ? cap * 2 : 16;
      uint64_t *nv = realloc(*out, cap * sizeof *nv);
      if (!nv)
        return HB_ENOMEM;
      *out = nv;
    }
    if (*count > 0 && n >= (*out)[*count - 1])
      return HB_EPARSE; /* a link that does not go backwards */
    (*out)[(*count)++] = n;
    uint8_t nk[8];
    hb_be64_put(nk, n);
    MDB_val lk = {8, nk}, lv;
    int r = mdb_get(txn, d->log, &lk, &lv);
    if (r != 0)
      return r == MDB_NOTFOUND ? HB_EPARSE : hb_lmdb_err(r);
    Huibao__V1__LogEntry *e = huibao__v1__log_entry__unpack(NULL, lv.mv_size, lv.mv_data);
    if (!e)
      return HB_EPARSE;
    n = e->has_about_prev ? e->about_prev : 0;
    huibao__v1__log_entry__free_unpacked(e, NULL);
  }
  return 0;
}

int history_foreach(MDB_txn *txn, const store_dbs *d, const char *unit, char kind, const char *id,
                    history_fn fn, void *ctx)
{
  if (!d->has_review)
    return HB_ENOTFOUND;
  char key[STORE_LOG_IKEY_MAX];
  size_t rl = store_log_rkey(key, unit, kind, id);
  if (rl == 0)
    return HB_ENOTFOUND;
  /* issue 15: a store not yet upgraded has every entry in logidx; an
   * upgraded one those up to the upgrade, the later ones linked backwards */
  uint64_t upto = d->records_format ? d->logidx_upto : UINT64_MAX, head = 0, *walk = NULL;
  size_t nwalk = 0;
  MDB_val k = {rl, key};
  int rc = d->records_format ? history_head(txn, d, &k, &head) : 0;
  if (rc == 0)
    rc = history_walk(txn, d, head, upto, &walk, &nwalk);
  bool any = nwalk > 0;
  if (rc == 0 && upto > 0)
    rc = history_indexed(txn, d, key, rl, upto, fn, ctx, &any);
  for (size_t i = nwalk; rc == 0 && i > 0; i--)
    rc = history_one(txn, d, walk[i - 1], fn, ctx);
  free(walk);
  return rc == 0 && !any ? HB_ENOTFOUND : rc;
}

/* The ledger's column name of field f of a row of kind. */
static const char *diff_column(char kind, const char *f)
{
  if (kind == 'C' && strcmp(f, "title") == 0)
    return hb_ledger_fields[F_CASE_TITLE].zh;
  if (strcmp(f, "kind_code") == 0)
    return hb_ledger_fields[F_KIND].zh;
  for (int i = 0; i < F_COUNT; i++)
    if (strcmp(hb_ledger_fields[i].field, f) == 0)
      return hb_ledger_fields[i].zh;
  return f;
}

/* The ledger's word of an enum value (the enum's name tells which). */
static const char *diff_enum_word(const ProtobufCEnumDescriptor *ed, int v)
{
  static const struct {
    const char *name;
    const char *(*zh)(int v);
  } words[] = {{"huibao.v1.ActivityKind", hb_vocab_kind_zh},
               {"huibao.v1.ActivityLevel", hb_vocab_level_zh},
               {"huibao.v1.ProblemScope", hb_vocab_scope_zh},
               {"huibao.v1.ProblemStatus", hb_vocab_status_zh},
               {"huibao.v1.ProblemSource", hb_vocab_source_zh},
               {"huibao.v1.ProblemTerm", hb_vocab_term_zh},
               {"huibao.v1.CaseType", hb_vocab_case_type_zh}};
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
    if (strcmp(ed->name, words[i].name) == 0) {
      const char *w = words[i].zh(v);
      return w ? w : "";
    }
  return "";
}

/* Field f of message m as the ledger writes it into buf ("" when absent). */
static const char *diff_value(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                              char *buf, size_t len)
{
  buf[0] = '\0';
  if (!m)
    return buf;
  const char *base = (const char *)m;
  const void *p = base + f->offset;
  if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
      !*(const protobuf_c_boolean *)(base + f->quantifier_offset))
    return buf;
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING: {
    const char *str = *(char *const *)p;
    snprintf(buf, len, "%s", str ? str : "");
    break;
  }
  case PROTOBUF_C_TYPE_BOOL:
    snprintf(buf, len, "%s", *(const protobuf_c_boolean *)p ? "是" : "");
    break;
  case PROTOBUF_C_TYPE_ENUM:
    snprintf(buf, len, "%s", diff_enum_word(f->descriptor, *(const int *)p));
    break;
  case PROTOBUF_C_TYPE_INT32: {
    int32_t days = *(const int32_t *)p; /* the rows' int32 fields are dates */
    if (days != 0)
      hb_date_format(days, buf, len);
    break;
  }
  case PROTOBUF_C_TYPE_UINT32: snprintf(buf, len, "%" PRIu32, *(const uint32_t *)p); break;
  case PROTOBUF_C_TYPE_UINT64: snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p); break;
  case PROTOBUF_C_TYPE_SINT64: { /* Indicator.value, in 1/10000: as few decimals as it needs */
    char t[HB_ROLLUP_VALUE_TEXT];
    hb_rollup_value_text(*(const int64_t *)p, 4, t);
    size_t n = strlen(t);
    if (strchr(t, '.')) {
      while (t[n - 1] == '0')
        t[--n] = '\0';
      if (t[n - 1] == '.')
        t[--n] = '\0';
    }
    snprintf(buf, len, "%s", t);
    break;
  }
  default: break;
  }
  return buf;
}

int history_diff(const Huibao__V1__Record *old, const Huibao__V1__Record *new_, history_diff_fn fn,
                 void *ctx)
{
  store_row o, n;
  if (!new_ || store_row_of((Huibao__V1__Record *)new_, &n) != 0)
    return HB_EINVAL;
  if (old && (store_row_of((Huibao__V1__Record *)old, &o) != 0 || o.kind != n.kind))
    return HB_EINVAL;
  bool was_deleted = old && o.deleted;
  if (n.deleted && was_deleted)
    return 0;
  if (n.deleted && !was_deleted) /* a tombstone carries no fields: only the deletion */
    return fn(ctx, "删除", "", "是");
  const ProtobufCMessage *om = old && !was_deleted ? o.msg : NULL; /* restored: all new */
  int rc = was_deleted && !n.deleted ? fn(ctx, "删除", "是", "") : 0;
  if (rc != 0)
    return rc;
  const ProtobufCMessageDescriptor *md = n.msg->descriptor;
  for (unsigned i = 0; i < md->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &md->fields[i];
    if (!strcmp(f->name, "unit") || !strcmp(f->name, "id") || !strcmp(f->name, "version"))
      continue;
    char a[1024], b[1024];
    diff_value(om, f, a, sizeof a);
    diff_value(n.msg, f, b, sizeof b);
    if (strcmp(a, b) == 0)
      continue;
    const char *col = !strcmp(f->name, "deleted") ? "删除" : diff_column(n.kind, f->name);
    if ((rc = fn(ctx, col, a, b)) != 0)
      return rc;
  }
  return 0;
}
