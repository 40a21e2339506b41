/* store_log.c: the county's append-only, hash-chained history (issue 14,
 * docs/review.md "History"; keys in store_log.h). Every STORED version,
 * decision and admin removal is one LogEntry appended in the batch that
 * makes the change; the head (n, hash of entry n) is written to meta
 * "log-head" once per batch and moves in memory only after the commit. */
#include "store_log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hb_be.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_varint.h"
#include "store_internal.h"

size_t store_log_rkey(char *buf, const char *unit, char kind, const char *id)
{
  size_t ul = strlen(unit), il = strlen(id);
  if (ul + 2 + il > STORE_LOG_RKEY_MAX)
    return 0;
  memcpy(buf, unit, ul);
  buf[ul] = '\0';
  buf[ul + 1] = kind;
  memcpy(buf + ul + 2, id, il);
  return ul + 2 + il;
}

size_t store_log_ikey(char *buf, size_t rlen, uint64_t n)
{
  hb_be64_put((uint8_t *)buf + rlen, n);
  return rlen + 8;
}

void store_recval_put(uint8_t *b, const store_recval *rv)
{
  hb_be64_put(b, rv->n);
  hb_be64_put(b + 8, rv->last);
  b[16] = (uint8_t)(rv->blen >> 24);
  b[17] = (uint8_t)(rv->blen >> 16);
  b[18] = (uint8_t)(rv->blen >> 8);
  b[19] = (uint8_t)rv->blen;
}

int store_recval_get(const MDB_val *v, store_recval *rv)
{
  if (v->mv_size != STORE_REC_VLEN)
    return HB_EDB;
  const uint8_t *b = v->mv_data;
  rv->n = hb_be64_get(b);
  rv->last = hb_be64_get(b + 8);
  rv->blen = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
  return rv->n && rv->last >= rv->n ? 0 : HB_EDB;
}

int store_log_about(const Huibao__V1__LogEntry *e, const char **unit, char *kind, const char **id)
{
  switch (e->what_case) {
  case HUIBAO__V1__LOG_ENTRY__WHAT_RECORD: {
    store_row r;
    if (!e->record || store_row_of(e->record, &r) != 0 || !r.unit || !r.id)
      return -1;
    *unit = r.unit, *kind = r.kind, *id = r.id;
    return 0;
  }
  case HUIBAO__V1__LOG_ENTRY__WHAT_DECISION:
    if (!e->decision || !e->decision->unit || !e->decision->kind || strlen(e->decision->kind) != 1)
      return -1;
    *unit = e->decision->unit, *kind = e->decision->kind[0], *id = e->decision->id;
    return 0;
  case HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL:
    if (!e->removal || !e->removal->unit)
      return -1;
    if (!e->removal->kind || !e->removal->id)
      return 1;
    if (strlen(e->removal->kind) != 1)
      return -1;
    *unit = e->removal->unit, *kind = e->removal->kind[0], *id = e->removal->id;
    return 0;
  default: return -1;
  }
}

/* Appends the entry packed in s->lbuf as entry s->blog_n + 1 (its n and
 * prev already in it) and moves the batch's head. */
static int log_put(store *s)
{
  uint64_t next = s->blog_n + 1;
  uint8_t hash[32], nk[8];
  int rc = hb_chain_hash(s->lbuf.data, s->lbuf.len, hash);
  if (rc != 0)
    return rc;
  hb_be64_put(nk, next);
  MDB_val k = {8, nk}, v = {s->lbuf.len, s->lbuf.data};
  MDB_cursor *cur = NULL; /* the batch's: only log_put writes the log */
  int r = store_batch_cursor(s, s->log, &cur);
  if (r != 0)
    return r;
  r = mdb_cursor_put(cur, &k, &v, MDB_APPEND);
  if (r == MDB_KEYEXIST)
    return HB_EDB; /* entries past the head: the history is damaged */
  if (r != 0)
    return hb_lmdb_err(r);
  s->blog_n = next;
  memcpy(s->blog_hash, hash, 32);
  return 0;
}

int store_log_gone_take(store *s, const MDB_val *key, uint64_t *last)
{
  *last = 0;
  if (!s->has_gone || !s->gone_any)
    return 0;
  MDB_val k = *key, v;
  int r = mdb_get(s->txn, s->gone, &k, &v);
  if (r == MDB_NOTFOUND)
    return 0;
  if (r != 0)
    return hb_lmdb_err(r);
  if (v.mv_size != 8)
    return HB_EDB;
  *last = hb_be64_get(v.mv_data);
  k = *key;
  r = mdb_del(s->txn, s->gone, &k, NULL);
  return r ? hb_lmdb_err(r) : 0;
}

int store_log_gone_put(store *s, const MDB_val *key, uint64_t last)
{
  if (!s->has_gone || last == 0)
    return 0;
  s->gone_any = true; /* until the next load counts them */
  uint8_t b[8];
  hb_be64_put(b, last);
  MDB_val k = *key, v = {8, b};
  int r = mdb_put(s->txn, s->gone, &k, &v, 0);
  return r ? hb_lmdb_err(r) : 0;
}

/* An entry about the record key (not a version: a decision or the removal
 * of that record) links to the record's last entry and becomes it: in its
 * records value, else in db "gone". *prev gets the last entry (0: none);
 * with n != 0 the link is moved to n. */
static int log_link(store *s, const MDB_val *key, uint64_t *prev, uint64_t n)
{
  MDB_val k = *key, v;
  int r = mdb_get(s->txn, s->records, &k, &v);
  if (r == 0) {
    store_recval rv;
    if (store_recval_get(&v, &rv) != 0)
      return HB_EDB;
    *prev = rv.last;
    if (n == 0)
      return 0;
    rv.last = n;
    uint8_t b[STORE_REC_VLEN];
    store_recval_put(b, &rv);
    MDB_val nv = {STORE_REC_VLEN, b};
    k = *key;
    r = mdb_put(s->txn, s->records, &k, &nv, 0);
    store_batch_cursors_drop(s);
    return r ? hb_lmdb_err(r) : 0;
  }
  if (r != MDB_NOTFOUND)
    return hb_lmdb_err(r);
  int rc = store_log_gone_take(s, key, prev);
  return rc == 0 && n ? store_log_gone_put(s, key, n) : rc;
}

int store_log_append(store *s, Huibao__V1__LogEntry *e, uint64_t *n)
{
  if (!s->txn || !s->has_review)
    return HB_EINVAL;
  const char *unit, *id;
  char kind, key[STORE_LOG_RKEY_MAX];
  int about = store_log_about(e, &unit, &kind, &id);
  if (about < 0)
    return HB_EINVAL;
  MDB_val k = {0, key};
  int rc;
  /* issue 15: a decision or a removal of one record links to the
   * record's previous entry (a version links in store_batch_put) */
  bool link = about == 0 && s->records_format && e->what_case != HUIBAO__V1__LOG_ENTRY__WHAT_RECORD;
  if (link) {
    if ((k.mv_size = store_log_rkey(key, unit, kind, id)) == 0)
      return HB_EINVAL;
    if ((rc = log_link(s, &k, &e->about_prev, 0)) != 0)
      return rc;
    e->has_about_prev = e->about_prev != 0;
  }
  e->n = s->blog_n + 1;
  e->prev.len = 32;
  e->prev.data = s->blog_hash;
  if (e->at_s == 0)
    e->at_s = s->bclock ? s->bclock : (int64_t)time(NULL);
  rc = hb_wire_pack_at(&s->lbuf, 0, &e->base);
  e->prev.data = NULL; /* the caller's entry must not point into the store */
  e->prev.len = 0;
  if (rc != 0 || (rc = log_put(s)) != 0)
    return rc;
  uint64_t dummy;
  if (link && (rc = log_link(s, &k, &dummy, e->n)) != 0)
    return rc;
  if (n)
    *n = e->n;
  return 0;
}

/* The packed ACTOR_UNIT entry of a version whose packed body (Record
 * field body_field) is body[0..blen), written into s->lbuf by hand: the
 * bytes protobuf-c packs (fields in number order, the required Record.seq
 * present as 0), without packing the body again (the ingest path). */
static int log_pack_unit(store *s, const char *unit, const Huibao__V1__Record *rec,
                         const uint8_t *body, size_t blen, uint64_t about_prev)
{
  int64_t at_s = s->bclock ? s->bclock : (int64_t)time(NULL);
  size_t ul = strlen(unit);
  int body_field = (int)rec->body_case;
  /* issue 15: Record.signature (7) and signed_body (8) after the body */
  const ProtobufCBinaryData *tail[2] = {rec->has_signature ? &rec->signature : NULL,
                                        rec->has_signed_body ? &rec->signed_body : NULL};
  size_t tlen = 0;
  for (int i = 0; i < 2; i++)
    tlen += tail[i] ? 1 + hb_varint_len(tail[i]->len) + tail[i]->len : 0;
  size_t rlen = 2 + 1 + hb_varint_len(blen) + blen + tlen;
  size_t need =
      3 * HB_VARINT_MAX + 2 + 32 + 2 + 3 + ul + 1 + HB_VARINT_MAX + rlen + 1 + HB_VARINT_MAX;
  if (hb_wire_buf_reserve(&s->lbuf, need) != 0)
    return HB_ENOMEM;
  uint8_t *p = s->lbuf.data;
  *p++ = 1 << 3; /* n */
  p = hb_varint_put(p, s->blog_n + 1);
  *p++ = 2 << 3 | 2; /* prev */
  *p++ = 32;
  memcpy(p, s->blog_hash, 32);
  p += 32;
  *p++ = 3 << 3; /* at_s */
  p = hb_varint_put(p, hb_varint_signed(at_s));
  *p++ = 4 << 3; /* actor_kind */
  *p++ = HUIBAO__V1__LOG_ACTOR__ACTOR_UNIT;
  *p++ = 5 << 3 | 2; /* actor */
  p = hb_varint_put(p, ul);
  memcpy(p, unit, ul);
  p += ul;
  *p++ = 6 << 3 | 2; /* record */
  p = hb_varint_put(p, rlen);
  *p++ = 1 << 3; /* Record.seq = 0 */
  *p++ = 0;
  *p++ = (uint8_t)(body_field << 3 | 2);
  p = hb_varint_put(p, blen);
  memcpy(p, body, blen);
  p += blen;
  for (int i = 0; i < 2; i++) {
    if (!tail[i])
      continue;
    *p++ = (uint8_t)((7 + i) << 3 | 2);
    p = hb_varint_put(p, tail[i]->len);
    memcpy(p, tail[i]->data, tail[i]->len);
    p += tail[i]->len;
  }
  if (about_prev) {
    *p++ = 9 << 3; /* about_prev (issue 15) */
    p = hb_varint_put(p, about_prev);
  }
  s->lbuf.len = (size_t)(p - s->lbuf.data);
  return 0;
}

int store_log_record(store *s, const Huibao__V1__Record *rec, uint64_t about_prev)
{
  store_row r;
  Huibao__V1__Record copy = *rec; /* shallow: the body is borrowed */
  copy.seq = 0;
  if (!s->txn || !s->has_review || store_row_of(&copy, &r) != 0)
    return HB_EINVAL;
  /* store_batch_put has rec's packed body in s->buf (rec_pack, the last
   * packing of this very body): the entry is written around those bytes
   * (else the entry is packed from rec) */
  if (s->buf.len > 0 && s->buf_of == r.msg) {
    int rc = log_pack_unit(s, r.unit, rec, s->buf.data, s->buf.len, about_prev);
    return rc ? rc : log_put(s);
  }
  Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
  e.actor_kind = HUIBAO__V1__LOG_ACTOR__ACTOR_UNIT;
  e.actor = (char *)r.unit;
  e.what_case = HUIBAO__V1__LOG_ENTRY__WHAT_RECORD;
  e.record = &copy;
  e.has_about_prev = about_prev != 0;
  e.about_prev = about_prev;
  return store_log_append(s, &e, NULL);
}

int store_log_load(store *s, MDB_txn *txn)
{
  MDB_val k = {strlen(STORE_META_LOG_HEAD), (void *)STORE_META_LOG_HEAD}, v;
  int rc = mdb_get(txn, s->meta, &k, &v);
  if (rc == MDB_NOTFOUND) {
    s->log_n = 0;
    memset(s->log_hash, 0, 32);
  } else if (rc != 0) {
    return hb_lmdb_err(rc);
  } else if (v.mv_size != 40) {
    return HB_EDB;
  } else {
    s->log_n = hb_be64_get(v.mv_data);
    memcpy(s->log_hash, (const uint8_t *)v.mv_data + 8, 32);
  }
  store_log_reset(s);
  return 0;
}

void store_log_apply(store *s)
{
  s->log_n = s->blog_n;
  memcpy(s->log_hash, s->blog_hash, 32);
}

void store_log_reset(store *s)
{
  s->blog_n = s->log_n;
  memcpy(s->blog_hash, s->log_hash, 32);
}

void store_log_head(const store *s, uint64_t *n, uint8_t hash[32])
{
  *n = s->log_n;
  memcpy(hash, s->log_hash, 32);
}

int store_log_write(store *s)
{
  if (s->blog_n == s->log_n)
    return 0;
  uint8_t head[40];
  hb_be64_put(head, s->blog_n);
  memcpy(head + 8, s->blog_hash, 32);
  MDB_val k = {strlen(STORE_META_LOG_HEAD), (void *)STORE_META_LOG_HEAD}, v = {40, head};
  int rc = mdb_put(s->txn, s->meta, &k, &v, 0);
  return rc ? hb_lmdb_err(rc) : 0;
}
