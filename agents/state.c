/* state.c: the agent's LMDB state: known rows, outbox, versions. */
#include "state.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_be.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_period.h"
#include "hb_sign.h"
#include "hb_wire.h"
#include "kinds.h"

#define KNOWN_HDR 9 /* version (8) + flags (1) */
#define KNOWN_DELETED 1u

struct agent_state {
  hb_lmdb lmdb;
  MDB_dbi known, outbox, meta, feedback;
  uint64_t floor;    /* committed */
  uint64_t next_seq; /* committed */
  uint64_t epoch;    /* committed: the county store's epoch last seen */
  int has_epoch;
  uint64_t zstd_epoch; /* committed: meta "zstd" (issue 17), when has_zstd */
  int has_zstd, zstd_accepts;
  hb_wire_buf content; /* scratch: a known value (header, packed content) */
  hb_wire_buf rec;     /* scratch: a packed Record */
  char *unit;
  int has_sk; /* issue 15: the unit's signing key, every outbox record signed */
  uint8_t sk[HB_SIGN_SECRET_LEN], pk[HB_SIGN_PUBLIC_LEN];
};

/* One write transaction: its body, and what it changes in memory (copied
 * to the state only after its commit returned 0). */
typedef struct txn_ctx {
  agent_state *s;
  MDB_txn *txn;
  uint64_t floor;
  uint64_t next_seq;
  int (*body)(struct txn_ctx *, void *);
  void *arg;
} txn_ctx;

int64_t agent_now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int meta_get_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t *v)
{
  MDB_val k = {strlen(name), (void *)name}, d;
  int rc = mdb_get(txn, dbi, &k, &d);
  if (rc == MDB_NOTFOUND) {
    *v = 0;
    return HB_OK;
  }
  if (rc)
    return hb_lmdb_err(rc);
  if (d.mv_size != 8)
    return HB_EDB;
  *v = hb_be64_get(d.mv_data);
  return HB_OK;
}

static int meta_put_u64(MDB_txn *txn, MDB_dbi dbi, const char *name, uint64_t v)
{
  uint8_t b[8];
  hb_be64_put(b, v);
  MDB_val k = {strlen(name), (void *)name}, d = {8, b};
  return mdb_put(txn, dbi, &k, &d, 0);
}

/* hb_lmdb_write's body: runs the agent's body from the committed floor and
 * seq (again after the map grew), then stores the floor and seq it left. */
static int write_txn_body(MDB_txn *txn, void *arg)
{
  txn_ctx *c = arg;
  c->txn = txn;
  c->floor = c->s->floor;
  c->next_seq = c->s->next_seq;
  int rc = c->body(c, c->arg);
  if (rc == 0 && (rc = meta_put_u64(txn, c->s->meta, "floor", c->floor)) == 0)
    rc = meta_put_u64(txn, c->s->meta, "seq", c->next_seq);
  return rc;
}

/* Runs body in a committed write transaction (hb_lmdb_write: the map grows
 * on MDB_MAP_FULL, a full disk is HB_ENOSPC). body returns an LMDB code or
 * a negative hb_err. */
static int write_txn(agent_state *s, int (*body)(txn_ctx *, void *), void *arg)
{
  txn_ctx c = {s, NULL, 0, 0, body, arg};
  int rc = hb_lmdb_write(&s->lmdb, write_txn_body, &c, NULL, 0);
  if (rc == 0) {
    s->floor = c.floor;
    s->next_seq = c.next_seq;
  }
  return rc;
}

typedef struct open_arg {
  agent_state *s;
  const char *dir;
  char *err; /* the reason, when the state is not this unit's or is damaged */
  size_t errlen;
} open_arg;

/* Reads floor, seq and epoch into the state, and checks the unit it belongs
 * to (a new state: stores it), in one write transaction, so that two agents
 * opening one new folder cannot both claim it. */
static int open_body(MDB_txn *txn, void *arg)
{
  open_arg *o = arg;
  agent_state *s = o->s;
  int rc;
  if ((rc = meta_get_u64(txn, s->meta, "floor", &s->floor)) ||
      (rc = meta_get_u64(txn, s->meta, "seq", &s->next_seq))) {
    snprintf(o->err, o->errlen, "%s: state is damaged (meta)", o->dir);
    return rc;
  }
  if (s->next_seq == 0)
    s->next_seq = 1;
  MDB_val ek = {5, "epoch"}, ed;
  rc = mdb_get(txn, s->meta, &ek, &ed);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return rc;
  s->has_epoch = rc == 0 && ed.mv_size == 8;
  s->epoch = s->has_epoch ? hb_be64_get(ed.mv_data) : 0;
  MDB_val zk = {4, "zstd"}, zd;
  rc = mdb_get(txn, s->meta, &zk, &zd);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return rc;
  s->has_zstd = rc == 0 && zd.mv_size == 9; /* another size: as absent (asked again) */
  s->zstd_epoch = s->has_zstd ? hb_be64_get(zd.mv_data) : 0;
  s->zstd_accepts = s->has_zstd && ((const uint8_t *)zd.mv_data)[8] != 0;
  MDB_val k = {4, "unit"}, d, v = {strlen(s->unit), s->unit};
  rc = mdb_get(txn, s->meta, &k, &d);
  if (rc == MDB_NOTFOUND)
    return mdb_put(txn, s->meta, &k, &v, 0);
  if (rc != 0)
    return rc;
  if (d.mv_size != v.mv_size || memcmp(d.mv_data, s->unit, d.mv_size) != 0) {
    snprintf(o->err, o->errlen, "%s holds the state of unit %.*s, not %s: use another --state",
             o->dir, (int)(d.mv_size > 64 ? 64 : d.mv_size), (const char *)d.mv_data, s->unit);
    return HB_EINVAL;
  }
  return 0;
}

int agent_state_open(agent_state **out, const char *dir, const char *unit, char *err, size_t errlen)
{
  static const char *const names[] = {"known", "outbox", "meta", "feedback"};
  MDB_dbi dbis[4];
  *out = NULL;
  agent_state *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  int rc = hb_lmdb_open(&s->lmdb, dir, AGENT_STATE_MAP, names, dbis, 4, err, errlen);
  if (rc) {
    free(s);
    return rc;
  }
  if (!(s->unit = strdup(unit))) {
    snprintf(err, errlen, "out of memory");
    rc = HB_ENOMEM;
    goto close;
  }
  s->known = dbis[0];
  s->outbox = dbis[1];
  s->meta = dbis[2];
  s->feedback = dbis[3];

  err[0] = '\0';
  open_arg o = {s, dir, err, errlen};
  char why[256];
  if ((rc = hb_lmdb_write(&s->lmdb, open_body, &o, why, sizeof why)) != 0) {
    if (!err[0])
      snprintf(err, errlen, "%s: %s", dir, why);
    goto close;
  }
  *out = s;
  return HB_OK;

close:
  hb_lmdb_close(&s->lmdb);
  free(s->unit);
  free(s);
  return rc;
}

void agent_state_close(agent_state *s)
{
  if (!s)
    return;
  hb_lmdb_close(&s->lmdb);
  free(s->content.data);
  free(s->rec.data);
  free(s->unit);
  sodium_memzero(s->sk, sizeof s->sk);
  free(s);
}

hb_lmdb *agent_state_lmdb(agent_state *s, MDB_dbi *meta, MDB_dbi *feedback)
{
  *meta = s->meta;
  *feedback = s->feedback;
  return &s->lmdb;
}

uint64_t agent_state_floor(const agent_state *s)
{
  return s->floor;
}
uint64_t agent_state_next_seq(const agent_state *s)
{
  return s->next_seq;
}

static uint64_t version_next(txn_ctx *c, int64_t now_us, uint64_t above)
{
  uint64_t v = now_us > 0 ? (uint64_t)now_us : 0;
  if (v <= c->floor)
    v = c->floor + 1;
  if (v <= above)
    v = above + 1;
  c->floor = v;
  return v;
}

/* Packs m into the content scratch buffer, after the known header. */
static int pack_content(agent_state *s, const ProtobufCMessage *m, size_t *len)
{
  if (hb_wire_pack_at(&s->content, KNOWN_HDR, m))
    return HB_ENOMEM;
  *len = s->content.len - KNOWN_HDR;
  return HB_OK;
}

/* Puts rec (packed) into the outbox under key, signed with the unit's
 * signing key when the state has one (issue 15: one signature per
 * version, kept with it, so a record sent again carries the same one). */
static int outbox_put(txn_ctx *c, const MDB_val *key, const Huibao__V1__Record *rec)
{
  agent_state *s = c->s;
  Huibao__V1__Record r = *rec; /* shallow: the body is borrowed */
  uint8_t sig[HB_SIGN_LEN];
  r.has_signed_body = 0; /* the county's field, never an agent's */
  r.signed_body = (ProtobufCBinaryData){0, NULL};
  r.has_signature = 0;
  r.signature = (ProtobufCBinaryData){0, NULL};
  if (s->has_sk) {
    int rc = hb_sign_record(s->sk, &r, sig);
    if (rc)
      return rc;
    r.has_signature = 1;
    r.signature = (ProtobufCBinaryData){sizeof sig, sig};
  }
  if (hb_wire_pack_at(&s->rec, 0, &r.base))
    return HB_ENOMEM;
  MDB_val d = {s->rec.len, s->rec.data};
  return mdb_put(c->txn, s->outbox, (MDB_val *)key, &d, 0);
}

/* Puts known[key] = version | flags | s->content[KNOWN_HDR..KNOWN_HDR+len). */
static int known_put(txn_ctx *c, const MDB_val *key, uint64_t version, unsigned flags, size_t len)
{
  agent_state *s = c->s;
  hb_be64_put(s->content.data, version);
  s->content.data[8] = (uint8_t)flags;
  MDB_val d = {KNOWN_HDR + len, s->content.data};
  return mdb_put(c->txn, s->known, (MDB_val *)key, &d, 0);
}

typedef struct diff_arg {
  const hb_ledger *l;
  int64_t now_us;
  agent_diff_stats st;
  agent_diff_stats base; /* st before this transaction (a retry starts again from it) */
  size_t from, to;       /* rows of this transaction, counted over the kinds in order */
} diff_arg;

/* Rows per diff transaction. One transaction for a whole ledger would hold
 * every changed row's pages dirty in memory until the commit (~6 MB for a
 * first sync of 10,000 rows, a third of the agent's peak); chunks keep that
 * small. A crash between chunks loses nothing: the next run's diff finds
 * the rows not yet recorded, and tombstones are written only after every
 * row was. */
#define DIFF_CHUNK 1000

/* One valid row: m is the row with version 0 (a shallow copy). version and
 * the outbox record are set here when the content changed. */
static int diff_row(txn_ctx *c, diff_arg *a, char kind, const char *id, ProtobufCMessage *m,
                    Huibao__V1__Record *rec)
{
  agent_state *s = c->s;
  size_t idlen = id ? strlen(id) : 0;
  if (idlen == 0 || idlen > HB_ID_MAX)
    return 0;
  uint8_t kb[AGENT_KEY_MAX];
  kb[0] = (uint8_t)kind;
  memcpy(kb + 1, id, idlen);
  MDB_val key = {1 + idlen, kb}, old;

  size_t len;
  agent_row_set_version(m, 0);
  int rc = pack_content(s, m, &len);
  if (rc)
    return rc;
  rc = mdb_get(c->txn, s->known, &key, &old);
  if (rc && rc != MDB_NOTFOUND)
    return rc;
  if (rc == 0 && old.mv_size == KNOWN_HDR + len &&
      !(((const uint8_t *)old.mv_data)[8] & KNOWN_DELETED) &&
      memcmp((const uint8_t *)old.mv_data + KNOWN_HDR, s->content.data + KNOWN_HDR, len) == 0) {
    a->st.unchanged++;
    return 0;
  }
  if (rc == 0 && !(((const uint8_t *)old.mv_data)[8] & KNOWN_DELETED))
    a->st.changed++;
  else
    a->st.added++;

  uint64_t v = version_next(c, a->now_us, 0);
  if ((rc = known_put(c, &key, v, 0, len)) != 0)
    return rc;
  agent_row_set_version(m, v);
  rec->seq = c->next_seq++;
  return outbox_put(c, &key, rec);
}

typedef struct id_ref {
  char kind;
  const char *id;
} id_ref;

static int id_ref_cmp(const void *x, const void *y)
{
  const id_ref *a = x, *b = y;
  if (a->kind != b->kind)
    return (unsigned char)a->kind < (unsigned char)b->kind ? -1 : 1;
  return strcmp(a->id, b->id);
}

/* The number of valid rows of every kind in l. */
static size_t ledger_rows(const hb_ledger *l)
{
  size_t total = 0;
  agent_table t;
  for (size_t k = 0; k < HB_TABLE_COUNT; k++) {
    agent_kind_table(&agent_kinds[k], l, &t);
    total += t.n;
  }
  return total;
}

/* Sorted (kind, id) of every row the ledger holds, valid or not. */
static id_ref *ledger_ids(const hb_ledger *l, size_t *n)
{
  size_t total = ledger_rows(l) + l->ninvalid, k = 0;
  id_ref *ids = malloc((total ? total : 1) * sizeof *ids);
  if (!ids)
    return NULL;
  agent_table t;
  for (size_t kind = 0; kind < HB_TABLE_COUNT; kind++) {
    const agent_kind *kd = &agent_kinds[kind];
    agent_kind_table(kd, l, &t);
    for (size_t i = 0; i < t.n; i++)
      ids[k++] = (id_ref){kd->byte, agent_row_id(agent_kind_row(kd, l, i))};
  }
  for (size_t i = 0; i < l->ninvalid; i++) {
    const char *s = l->invalid_ids[i];
    if (s && agent_kind_of_byte(s[0]) && s[1] == ':')
      ids[k++] = (id_ref){s[0], s + 2};
  }
  if (k > 1) /* qsort's array may be NULL when empty */
    qsort(ids, k, sizeof *ids, id_ref_cmp);
  *n = k;
  return ids;
}

/* Puts a tombstone of key kb[0..klen) with version v and the next seq
 * into the outbox (known is the caller's). */
static int tombstone_outbox_put(txn_ctx *c, const uint8_t *kb, size_t klen, const char *unit,
                                uint64_t v)
{
  char id[AGENT_KEY_MAX];
  memcpy(id, kb + 1, klen - 1);
  id[klen - 1] = '\0';
  MDB_val key = {klen, (void *)kb};
  const agent_kind *k = agent_kind_of_byte((char)kb[0]);
  if (!k)
    return HB_EDB; /* callers pass row keys only */
  Huibao__V1__Record rec = HUIBAO__V1__RECORD__INIT;
  agent_row_buf row;
  agent_record_set(&rec, k, agent_row_tombstone(k, &row, unit, id, v));
  rec.seq = c->next_seq++;
  return outbox_put(c, &key, &rec);
}

static int tombstone_put(txn_ctx *c, diff_arg *a, const uint8_t *kb, size_t klen, const char *unit)
{
  MDB_val key = {klen, (void *)kb};
  uint64_t v = version_next(c, a->now_us, 0);
  int rc = tombstone_outbox_put(c, kb, klen, unit, v);
  if (rc)
    return rc;
  if (hb_wire_buf_reserve(&c->s->content, KNOWN_HDR))
    return HB_ENOMEM;
  a->st.tombstones++;
  return known_put(c, &key, v, KNOWN_DELETED, 0);
}

/* Collects the keys of known, not deleted ids absent from ids[], then
 * writes their tombstones (not while the cursor walks known). */
static int diff_tombstones(txn_ctx *c, diff_arg *a, const char *unit)
{
  size_t nids;
  id_ref *ids = ledger_ids(a->l, &nids);
  if (!ids)
    return HB_ENOMEM;
  uint8_t *gone = NULL;
  size_t ngone = 0, cap = 0;
  MDB_cursor *cur;
  int rc = mdb_cursor_open(c->txn, c->s->known, &cur);
  if (rc)
    goto done;
  MDB_val k, d;
  for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
    if (k.mv_size < 2 || k.mv_size > AGENT_KEY_MAX || d.mv_size < KNOWN_HDR)
      continue;
    if (((const uint8_t *)d.mv_data)[8] & KNOWN_DELETED)
      continue;
    char kind = ((const char *)k.mv_data)[0];
    const agent_kind *kd = agent_kind_of_byte(kind);
    agent_table t;
    if (!kd)
      continue; /* not a row key */
    agent_kind_table(kd, a->l, &t);
    if (t.incomplete)
      continue; /* that table was not read completely: absence proves nothing */
    char id[AGENT_KEY_MAX];
    memcpy(id, (const uint8_t *)k.mv_data + 1, k.mv_size - 1);
    id[k.mv_size - 1] = '\0';
    id_ref want = {kind, id};
    if (bsearch(&want, ids, nids, sizeof *ids, id_ref_cmp))
      continue;
    if (ngone == cap) {
      cap = cap ? cap * 2 : 64;
      uint8_t *g = realloc(gone, cap * (AGENT_KEY_MAX + 1));
      if (!g) {
        rc = HB_ENOMEM;
        break;
      }
      gone = g;
    }
    uint8_t *slot = gone + ngone++ * (AGENT_KEY_MAX + 1);
    slot[0] = (uint8_t)k.mv_size;
    memcpy(slot + 1, k.mv_data, k.mv_size);
  }
  mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND)
    rc = 0;
  for (size_t i = 0; rc == 0 && i < ngone; i++) {
    const uint8_t *slot = gone + i * (AGENT_KEY_MAX + 1);
    rc = tombstone_put(c, a, slot + 1, slot[0], unit);
  }
done:
  free(gone);
  free(ids);
  return rc;
}

static int diff_rows_body(txn_ctx *c, void *arg)
{
  diff_arg *a = arg;
  const hb_ledger *l = a->l;
  a->st = a->base;
  int rc = 0;
  size_t start = 0; /* index of the kind's first row, counted over the kinds */
  for (size_t kind = 0; rc == 0 && kind < HB_TABLE_COUNT; kind++) {
    const agent_kind *k = &agent_kinds[kind];
    agent_table t;
    agent_kind_table(k, l, &t);
    for (size_t i = a->from > start ? a->from : start; rc == 0 && i < a->to && i < start + t.n;
         i++) {
      Huibao__V1__Record rec = HUIBAO__V1__RECORD__INIT;
      agent_row_buf buf;
      ProtobufCMessage *row = agent_row_copy(k, agent_kind_row(k, l, i - start), &buf);
      agent_record_set(&rec, k, row);
      rc = diff_row(c, a, k->byte, agent_row_id(row), row, &rec);
    }
    start += t.n;
  }
  return rc;
}

static int diff_tombstones_body(txn_ctx *c, void *arg)
{
  diff_arg *a = arg;
  a->st = a->base;
  return diff_tombstones(c, a, c->s->unit);
}

int agent_state_diff(agent_state *s, const hb_ledger *l, int64_t now_us, agent_diff_stats *st)
{
  diff_arg a;
  memset(&a, 0, sizeof a);
  a.l = l;
  a.now_us = now_us;
  size_t total = ledger_rows(l);
  int rc = 0;
  for (size_t from = 0; rc == 0 && from < total; from += DIFF_CHUNK) {
    a.base = a.st;
    a.from = from;
    a.to = total - from > DIFF_CHUNK ? from + DIFF_CHUNK : total;
    rc = write_txn(s, diff_rows_body, &a);
  }
  if (rc == 0) {
    a.base = a.st;
    rc = write_txn(s, diff_tombstones_body, &a);
  }
  if (st)
    *st = a.st;
  return rc;
}

size_t agent_state_outbox_count(agent_state *s)
{
  MDB_txn *txn;
  MDB_stat st;
  if (mdb_txn_begin(s->lmdb.env, NULL, MDB_RDONLY, &txn))
    return 0;
  size_t n = mdb_stat(txn, s->outbox, &st) == 0 ? st.ms_entries : 0;
  mdb_txn_abort(txn);
  return n;
}

int agent_state_outbox_scan(agent_state *s, const uint8_t *after, size_t afterlen, size_t max,
                            agent_outbox_fn fn, void *arg, size_t *visited)
{
  MDB_txn *txn;
  MDB_cursor *cur;
  *visited = 0;
  int rc = mdb_txn_begin(s->lmdb.env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  if ((rc = mdb_cursor_open(txn, s->outbox, &cur)) != 0) {
    mdb_txn_abort(txn);
    return hb_lmdb_err(rc);
  }
  MDB_val k = {afterlen, (void *)after}, d;
  if (afterlen == 0) {
    rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
  } else {
    rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size == afterlen && memcmp(k.mv_data, after, afterlen) == 0)
      rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
  }
  for (; rc == 0 && *visited < max; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
    (*visited)++;
    if (fn(arg, k.mv_data, k.mv_size, d.mv_data, d.mv_size))
      break;
  }
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  return rc == 0 || rc == MDB_NOTFOUND ? HB_OK : hb_lmdb_err(rc);
}

int agent_state_outbox_get(agent_state *s, const uint8_t *key, size_t keylen, agent_outbox_fn fn,
                           void *arg)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->lmdb.env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  MDB_val k = {keylen, (void *)key}, d;
  rc = mdb_get(txn, s->outbox, &k, &d);
  if (rc == 0)
    fn(arg, key, keylen, d.mv_data, d.mv_size);
  mdb_txn_abort(txn);
  return hb_lmdb_err(rc);
}

int agent_state_known_each(agent_state *s, agent_known_fn fn, void *arg)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->lmdb.env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  MDB_cursor *cur;
  if ((rc = mdb_cursor_open(txn, s->known, &cur)) != 0) {
    mdb_txn_abort(txn);
    return hb_lmdb_err(rc);
  }
  MDB_val k, d;
  for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
    if (d.mv_size < KNOWN_HDR)
      continue;
    const uint8_t *v = d.mv_data;
    if (fn(arg, k.mv_data, k.mv_size, hb_be64_get(v), (v[8] & KNOWN_DELETED) != 0, v + KNOWN_HDR,
           d.mv_size - KNOWN_HDR) != 0)
      break;
  }
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : hb_lmdb_err(rc);
}

int agent_state_known_get(agent_state *s, const uint8_t *key, size_t keylen, uint64_t *version,
                          int *deleted)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->lmdb.env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  MDB_val k = {keylen, (void *)key}, d;
  rc = mdb_get(txn, s->known, &k, &d);
  if (rc == 0 && d.mv_size >= KNOWN_HDR) {
    *version = hb_be64_get(d.mv_data);
    *deleted = (((const uint8_t *)d.mv_data)[8] & KNOWN_DELETED) != 0;
  } else if (rc == 0) {
    rc = MDB_CORRUPTED;
  }
  mdb_txn_abort(txn);
  return hb_lmdb_err(rc);
}

/* STALE: the outbox entry (cur, holding the record that was sent) gets a
 * version above stored_version and a new seq; known's version follows. */
static int apply_stale(txn_ctx *c, const MDB_val *key, const MDB_val *val, uint64_t stored,
                       int64_t now_us)
{
  agent_state *s = c->s;
  Huibao__V1__Record *rec = huibao__v1__record__unpack(NULL, val->mv_size, val->mv_data);
  if (!rec)
    return HB_EDB;
  uint64_t v = version_next(c, now_us, stored);
  const agent_kind *k;
  ProtobufCMessage *row = agent_record_row(rec, &k);
  if (row)
    agent_row_set_version(row, v);
  rec->seq = c->next_seq++;
  int rc = outbox_put(c, key, rec);
  huibao__v1__record__free_unpacked(rec, NULL);
  if (rc)
    return rc;

  MDB_val old;
  rc = mdb_get(c->txn, s->known, (MDB_val *)key, &old);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return rc;
  if (old.mv_size < KNOWN_HDR)
    return HB_EDB;
  if (hb_wire_buf_reserve(&s->content, old.mv_size))
    return HB_ENOMEM;
  memcpy(s->content.data, old.mv_data, old.mv_size);
  return known_put(c, key, v, s->content.data[8], old.mv_size - KNOWN_HDR);
}

typedef struct apply_arg {
  agent_result *r;
  size_t n;
  int64_t now_us;
} apply_arg;

static int apply_body(txn_ctx *c, void *arg)
{
  apply_arg *a = arg;
  agent_state *s = c->s;
  for (size_t i = 0; i < a->n; i++) {
    agent_result *r = &a->r[i];
    MDB_val key = {r->keylen, (void *)r->key}, val;
    uint64_t seq;
    r->outcome = AGENT_SUPERSEDED;
    int rc = mdb_get(c->txn, s->outbox, &key, &val);
    if (rc == MDB_NOTFOUND)
      continue;
    if (rc)
      return rc;
    if (hb_wire_record_seq(val.mv_data, val.mv_size, &seq) != 0 || seq != r->seq)
      continue;
    switch (r->code) {
    case HUIBAO__V1__RESULT_CODE__STORED:
    case HUIBAO__V1__RESULT_CODE__DUPLICATE:
      rc = mdb_del(c->txn, s->outbox, &key, NULL);
      r->outcome = AGENT_DONE;
      break;
    case HUIBAO__V1__RESULT_CODE__REJECTED:
      rc = mdb_del(c->txn, s->outbox, &key, NULL);
      if (rc == 0) {
        rc = mdb_del(c->txn, s->known, &key, NULL);
        if (rc == MDB_NOTFOUND)
          rc = 0;
      }
      r->outcome = AGENT_DONE;
      break;
    case HUIBAO__V1__RESULT_CODE__STALE:
      rc = apply_stale(c, &key, &val, r->stored_version, a->now_us);
      r->outcome = AGENT_RESEND;
      break;
    default: r->outcome = AGENT_IGNORED; break;
    }
    if (rc)
      return rc;
  }
  return 0;
}

int agent_state_apply(agent_state *s, agent_result *r, size_t n, int64_t now_us)
{
  apply_arg a = {r, n, now_us};
  return write_txn(s, apply_body, &a);
}

/* ---------------------------------------------------------------- epoch */

int agent_state_epoch(const agent_state *s, uint64_t *epoch)
{
  *epoch = s->epoch;
  return s->has_epoch;
}

static int meta_put_epoch(txn_ctx *c, uint64_t epoch)
{
  uint8_t b[8];
  hb_be64_put(b, epoch);
  MDB_val k = {5, "epoch"}, d = {8, b};
  return mdb_put(c->txn, c->s->meta, &k, &d, 0);
}

static int epoch_set_body(txn_ctx *c, void *arg)
{
  return meta_put_epoch(c, *(const uint64_t *)arg);
}

int agent_state_epoch_set(agent_state *s, uint64_t epoch)
{
  int rc = write_txn(s, epoch_set_body, &epoch);
  if (rc == 0) {
    s->epoch = epoch;
    s->has_epoch = 1;
  }
  return rc;
}

int agent_state_zstd(const agent_state *s, int *accepts)
{
  int known = s->has_zstd && s->has_epoch && s->zstd_epoch == s->epoch;
  *accepts = known && s->zstd_accepts;
  return known;
}

typedef struct zstd_arg {
  uint64_t epoch;
  int accepts;
} zstd_arg;

static int zstd_set_body(txn_ctx *c, void *arg)
{
  const zstd_arg *a = arg;
  uint8_t b[9];
  hb_be64_put(b, a->epoch);
  b[8] = (uint8_t)(a->accepts != 0);
  MDB_val k = {4, "zstd"}, d = {9, b};
  return mdb_put(c->txn, c->s->meta, &k, &d, 0);
}

int agent_state_zstd_set(agent_state *s, uint64_t epoch, int accepts)
{
  zstd_arg a = {epoch, accepts};
  int rc = write_txn(s, zstd_set_body, &a);
  if (rc == 0) {
    s->has_zstd = 1;
    s->zstd_epoch = epoch;
    s->zstd_accepts = accepts != 0;
  }
  return rc;
}

/* Known entries per resend transaction (see DIFF_CHUNK). */
#define RESEND_CHUNK 1000

typedef struct resend_arg {
  uint64_t epoch;
  int64_t now_us;
  uint8_t after[AGENT_KEY_MAX]; /* last key of the committed chunks */
  size_t afterlen;
  uint8_t last[AGENT_KEY_MAX]; /* last key of this chunk */
  size_t lastlen;
  int done; /* this chunk reached the end of known (and stored the epoch) */
  agent_resend_stats st, base;
  hb_wire_buf copy; /* this chunk's entries: keylen (1) | key | vallen (4) | val */
} resend_arg;

/* Re-sends one known entry (kb, val) with version v: the row unpacked
 * from its content, or a tombstone; known takes v. */
static int resend_one(txn_ctx *c, resend_arg *a, const uint8_t *kb, size_t klen, const uint8_t *val,
                      size_t vlen)
{
  agent_state *s = c->s;
  const agent_kind *k = agent_kind_of_byte((char)kb[0]);
  if (vlen < KNOWN_HDR || !k)
    return 0; /* not a row key */
  MDB_val key = {klen, (void *)kb};
  unsigned flags = val[8];
  size_t len = vlen - KNOWN_HDR;
  uint64_t v = version_next(c, a->now_us, 0);
  int rc;
  if (flags & KNOWN_DELETED) {
    rc = tombstone_outbox_put(c, kb, klen, s->unit, v);
    a->st.tombstones++;
  } else {
    Huibao__V1__Record rec = HUIBAO__V1__RECORD__INIT;
    ProtobufCMessage *m = protobuf_c_message_unpack(k->desc, NULL, len, val + KNOWN_HDR);
    if (!m)
      return HB_EDB;
    agent_row_set_version(m, v);
    agent_record_set(&rec, k, m);
    rec.seq = c->next_seq++;
    rc = outbox_put(c, &key, &rec);
    protobuf_c_message_free_unpacked(m, NULL);
    a->st.rows++;
  }
  if (rc)
    return rc;
  if (hb_wire_buf_reserve(&s->content, vlen))
    return HB_ENOMEM;
  memcpy(s->content.data, val, vlen);
  return known_put(c, &key, v, flags, len);
}

/* One chunk: copies up to RESEND_CHUNK known entries after a->after (not
 * written while the cursor walks known), then re-sends them; the chunk
 * that reaches the end stores the epoch. */
static int resend_body(txn_ctx *c, void *arg)
{
  resend_arg *a = arg;
  agent_state *s = c->s;
  a->st = a->base;
  a->done = 0;
  a->lastlen = 0;
  size_t used = 0, n = 0;
  MDB_cursor *cur;
  int rc = mdb_cursor_open(c->txn, s->known, &cur);
  if (rc)
    return rc;
  MDB_val k = {a->afterlen, a->after}, d;
  if (a->afterlen == 0) {
    rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST);
  } else {
    rc = mdb_cursor_get(cur, &k, &d, MDB_SET_RANGE);
    if (rc == 0 && k.mv_size == a->afterlen && memcmp(k.mv_data, a->after, a->afterlen) == 0)
      rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT);
  }
  for (; rc == 0 && n < RESEND_CHUNK; rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
    if (k.mv_size < 2 || k.mv_size > AGENT_KEY_MAX)
      continue;
    size_t need = used + 1 + k.mv_size + 4 + d.mv_size;
    if (hb_wire_buf_reserve(&a->copy, need)) {
      rc = HB_ENOMEM;
      break;
    }
    uint8_t *p = a->copy.data + used;
    p[0] = (uint8_t)k.mv_size;
    memcpy(p + 1, k.mv_data, k.mv_size);
    uint32_t vl = (uint32_t)d.mv_size;
    memcpy(p + 1 + k.mv_size, &vl, 4);
    memcpy(p + 5 + k.mv_size, d.mv_data, d.mv_size);
    used = need;
    n++;
    memcpy(a->last, k.mv_data, k.mv_size);
    a->lastlen = k.mv_size;
  }
  mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND) {
    a->done = 1;
    rc = 0;
  }
  if (rc)
    return rc;
  for (size_t off = 0; rc == 0 && off < used;) {
    const uint8_t *p = a->copy.data + off;
    size_t kl = p[0];
    uint32_t vl;
    memcpy(&vl, p + 1 + kl, 4);
    rc = resend_one(c, a, p + 1, kl, p + 5 + kl, vl);
    off += 5 + kl + vl;
  }
  if (rc == 0 && a->done)
    rc = meta_put_epoch(c, a->epoch);
  return rc;
}

int agent_state_resend_all(agent_state *s, uint64_t epoch, int64_t now_us, agent_resend_stats *st)
{
  resend_arg a;
  memset(&a, 0, sizeof a);
  a.epoch = epoch;
  a.now_us = now_us;
  int rc;
  do {
    a.base = a.st;
    rc = write_txn(s, resend_body, &a);
    if (rc == 0) {
      memcpy(a.after, a.last, a.lastlen);
      if (a.lastlen)
        a.afterlen = a.lastlen;
    }
  } while (rc == 0 && !a.done);
  if (rc == 0) {
    s->epoch = epoch;
    s->has_epoch = 1;
  }
  free(a.copy.data);
  if (st)
    *st = a.st;
  return rc;
}

void agent_state_sign_key_set(agent_state *s, const uint8_t sk[HB_SIGN_SECRET_LEN])
{
  memcpy(s->sk, sk, sizeof s->sk);
  crypto_sign_ed25519_sk_to_pk(s->pk, s->sk);
  s->has_sk = 1;
}

/* agent_state_outbox_sign's transaction: the keys of the entries without a
 * signature of s's key are copied first (not written while the cursor
 * walks), then each entry is put again, signed. */
static int sign_body(txn_ctx *c, void *arg)
{
  agent_state *s = c->s;
  size_t *n = arg, used = 0;
  *n = 0;
  hb_wire_buf keys = {0};
  MDB_cursor *cur = NULL;
  int rc = mdb_cursor_open(c->txn, s->outbox, &cur);
  MDB_val k, d;
  for (int op = MDB_FIRST; rc == 0 && (rc = mdb_cursor_get(cur, &k, &d, op)) == 0; op = MDB_NEXT) {
    Huibao__V1__Record *rec = huibao__v1__record__unpack(NULL, d.mv_size, d.mv_data);
    int good = rec && hb_sign_record_verify(s->pk, rec) == 0;
    if (rec)
      huibao__v1__record__free_unpacked(rec, NULL);
    if (good || !rec || k.mv_size > AGENT_KEY_MAX)
      continue; /* an unreadable entry is left as it is (the sender skips it too) */
    if (hb_wire_buf_reserve(&keys, used + 1 + k.mv_size)) {
      rc = HB_ENOMEM;
      break;
    }
    keys.data[used] = (uint8_t)k.mv_size;
    memcpy(keys.data + used + 1, k.mv_data, k.mv_size);
    used += 1 + k.mv_size;
  }
  if (rc == MDB_NOTFOUND)
    rc = 0;
  if (cur)
    mdb_cursor_close(cur);
  for (size_t off = 0; rc == 0 && off < used; off += 1 + keys.data[off]) {
    MDB_val key = {keys.data[off], keys.data + off + 1};
    if ((rc = mdb_get(c->txn, s->outbox, &key, &d)) != 0)
      break;
    Huibao__V1__Record *rec = huibao__v1__record__unpack(NULL, d.mv_size, d.mv_data);
    if (!rec) {
      rc = HB_EDB;
      break;
    }
    rc = outbox_put(c, &key, rec);
    huibao__v1__record__free_unpacked(rec, NULL);
    (*n)++;
  }
  free(keys.data);
  return rc;
}

int agent_state_outbox_sign(agent_state *s, size_t *signed_n)
{
  size_t n = 0;
  int rc = s->has_sk ? write_txn(s, sign_body, &n) : 0;
  if (signed_n)
    *signed_n = rc == 0 ? n : 0;
  return rc;
}
