/* verify_log.c: verify's check of the county's history (see
 * verify_log.h). One pass over the log replays it into a table of the
 * records it leaves (records key -> the entry of the last version, and
 * the review statuses the replay can reach); the records and review dbs
 * are then compared with the table. */
#include "verify_log.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "hb_be.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_review.h"
#include "hb_wire.h"
#include "history.h"
#include "store_internal.h" /* store_row_unpack */
#include "store_log.h"

/* One review status the replay can reach. delete_free is a campaign's
 * setting that the store does not keep (and an operator may change): a
 * unit's deletion of a live problem forks the replay into both outcomes,
 * and a decision the status forbids ends a branch. */
typedef struct vl_cand {
  hb_review_status status;
  uint64_t decision_n;
  uint64_t held_n; /* the entry of the held version, 0 = none */
  bool held_resolved;
  uint8_t held_content[32];
} vl_cand;
#define VL_CANDS 4

typedef struct vl_slot {
  char *key; /* records key, owned; NULL = empty slot */
  size_t klen;
  uint64_t n;    /* entry of the last version, 0 = none or removed */
  uint64_t last; /* last entry about the record (issue 15: the chain's head) */
  bool deleted, resolved, seen, reviewed;
  uint8_t content[32]; /* hash of the last version packed with version 0 */
  vl_cand cand[VL_CANDS];
  size_t ncand;
} vl_slot;

typedef struct vl {
  vl_slot *slots;
  size_t cap, count;
  MDB_txn *txn;
  store_dbs d;
  FILE *out;
  long diffs;
  uint64_t indexed_upto; /* entries up to it are in logidx (issue 15) */
  hb_wire_buf buf;
} vl;

static uint64_t vl_hash(const char *k, size_t n)
{
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ (uint8_t)k[i]) * 1099511628211ULL;
  return h;
}

static vl_slot *vl_find(vl *v, const char *k, size_t n, bool add)
{
  if (add && (v->count + 1) * 2 > v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 1024;
    vl_slot *ns = calloc(cap, sizeof *ns);
    if (!ns)
      return NULL;
    for (size_t i = 0; i < v->cap; i++) {
      if (!v->slots[i].key)
        continue;
      size_t j = vl_hash(v->slots[i].key, v->slots[i].klen) & (cap - 1);
      while (ns[j].key)
        j = (j + 1) & (cap - 1);
      ns[j] = v->slots[i];
    }
    free(v->slots);
    v->slots = ns;
    v->cap = cap;
  }
  if (!v->cap)
    return NULL;
  size_t j = vl_hash(k, n) & (v->cap - 1);
  for (; v->slots[j].key; j = (j + 1) & (v->cap - 1))
    if (v->slots[j].klen == n && memcmp(v->slots[j].key, k, n) == 0)
      return &v->slots[j];
  if (!add || !(v->slots[j].key = malloc(n ? n : 1)))
    return NULL;
  memcpy(v->slots[j].key, k, n);
  v->slots[j].klen = n;
  v->slots[j].ncand = 1; /* status NONE */
  v->count++;
  return &v->slots[j];
}

static void vl_free(vl *v)
{
  for (size_t i = 0; i < v->cap; i++)
    free(v->slots[i].key);
  free(v->slots);
  free(v->buf.data);
}

/* Prints the records key k as "unit U kind K id ID". */
static void vl_key_print(FILE *out, const char *k, size_t n)
{
  const char *nul = memchr(k, '\0', n);
  if (!nul || nul + 1 >= k + n) {
    fprintf(out, "(malformed key)");
    return;
  }
  fprintf(out, "unit %.*s kind %c id %.*s", (int)(nul - k), k, nul[1], (int)(k + n - nul - 2),
          nul + 2);
}

static void vl_reset(vl_slot *sl)
{
  sl->n = 0;
  sl->deleted = sl->resolved = false;
  memset(sl->cand, 0, sizeof sl->cand);
  sl->ncand = 1;
}

/* Adds c to the slot's next candidates (nc of them) unless it is there. */
static void vl_cand_add(vl_cand *next, size_t *nc, const vl_cand *c)
{
  for (size_t i = 0; i < *nc; i++)
    if (next[i].status == c->status &&
        (c->status == HB_REVIEW_NONE || /* NONE holds nothing: its decision does not matter */
         (next[i].decision_n == c->decision_n && next[i].held_n == c->held_n)))
      return;
  if (*nc < VL_CANDS)
    next[(*nc)++] = *c;
}

/* A version (entry n, row r of rec): the review replay, then the slot's last version. */
static int vl_version(vl *v, vl_slot *sl, uint64_t n, store_row *r)
{
  uint64_t ver = *r->version;
  *r->version = 0;
  int rc = hb_wire_pack_at(&v->buf, 0, r->msg);
  *r->version = ver;
  uint8_t content[32];
  if (rc != 0 || (rc = hb_chain_hash(v->buf.data, v->buf.len, content)) != 0)
    return rc;
  bool resolved = r->kind == 'P' && !r->deleted &&
                  ((Huibao__V1__Problem *)r->msg)->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  vl_cand next[VL_CANDS];
  size_t nc = 0;
  for (size_t i = 0; i < sl->ncand; i++) {
    const vl_cand *c = &sl->cand[i];
    bool held_live = c->held_n ? true : sl->n != 0 && !sl->deleted;
    const uint8_t *eff = c->held_n ? c->held_content : sl->content;
    bool same = (c->held_n || sl->n) && memcmp(eff, content, 32) == 0;
    for (int fr = 0; fr < 2; fr++) {
      bool hold;
      hb_review_status st =
          hb_review_on_version(r->kind, c->status, held_live, same, r->deleted, fr == 1, &hold);
      vl_cand x = *c;
      x.status = st;
      if (st != c->status)
        x.decision_n = 0;
      if (hold && !c->held_n) {
        x.held_n = sl->n;
        x.held_resolved = sl->resolved;
        memcpy(x.held_content, sl->content, 32);
      } else if (!hold) {
        x.held_n = 0;
      }
      vl_cand_add(next, &nc, &x);
    }
  }
  memcpy(sl->cand, next, sizeof next);
  sl->ncand = nc;
  sl->n = n;
  sl->deleted = r->deleted;
  sl->resolved = resolved;
  memcpy(sl->content, content, 32);
  return 0;
}

/* A decision: each candidate that allows it moves; none: a difference. */
static void vl_decision(vl *v, vl_slot *sl, const Huibao__V1__LogEntry *e)
{
  vl_cand next[VL_CANDS];
  size_t nc = 0;
  for (size_t i = 0; i < sl->ncand; i++) {
    const vl_cand *c = &sl->cand[i];
    hb_review_subject sub = {.kind = e->decision->kind[0],
                             .live = c->held_n ? true : sl->n != 0 && !sl->deleted,
                             .resolved = c->held_n ? c->held_resolved : sl->resolved,
                             .status = c->status};
    hb_review_status st;
    const char *why;
    if (hb_review_decide(&sub, (hb_review_action)e->decision->action, &st, &why) != 0)
      continue;
    vl_cand x = *c;
    x.status = st;
    x.decision_n = e->n;
    if (e->decision->action == HUIBAO__V1__DECISION_ACTION__APPROVE_DELETE)
      x.held_n = 0;
    vl_cand_add(next, &nc, &x);
  }
  if (nc == 0) {
    fprintf(v->out, "history entry %llu: decision %s on ", (unsigned long long)e->n,
            hb_review_action_name((hb_review_action)e->decision->action));
    vl_key_print(v->out, sl->key, sl->klen);
    fprintf(v->out, " is not allowed in the record's status replayed from the history\n");
    v->diffs++;
    return; /* keep the statuses: one difference, not one per later entry */
  }
  memcpy(sl->cand, next, sizeof next);
  sl->ncand = nc;
}

/* Replays entry e (checked for its chain already) into the table, and
 * checks that its index entry exists. *indexed counts the entries about
 * one record. */
static int vl_replay(vl *v, Huibao__V1__LogEntry *e, size_t *indexed)
{
  const char *unit, *id;
  char kind, key[STORE_LOG_IKEY_MAX];
  int about = store_log_about(e, &unit, &kind, &id);
  if (about < 0) {
    fprintf(v->out, "history entry %llu: malformed (what it is about)\n", (unsigned long long)e->n);
    v->diffs++;
    return 0;
  }
  if (about == 1) { /* a whole unit removed */
    size_t ul = strlen(e->removal->unit);
    for (size_t i = 0; i < v->cap; i++)
      if (v->slots[i].key && v->slots[i].klen > ul && v->slots[i].key[ul] == '\0' &&
          memcmp(v->slots[i].key, e->removal->unit, ul) == 0)
        vl_reset(&v->slots[i]);
    return 0;
  }
  size_t rl = store_log_rkey(key, unit, kind, id);
  if (rl == 0)
    return 0;
  vl_slot *sl = vl_find(v, key, rl, true);
  if (!sl)
    return HB_ENOMEM;
  if (e->n > v->indexed_upto) { /* issue 15: linked to the record's previous entry */
    uint64_t prev = e->has_about_prev ? e->about_prev : 0;
    if (prev != sl->last) {
      fprintf(v->out, "history entry %llu: says the previous entry about ",
              (unsigned long long)e->n);
      vl_key_print(v->out, key, rl);
      fprintf(v->out, " is %llu, the history gives %llu\n", (unsigned long long)prev,
              (unsigned long long)sl->last);
      v->diffs++;
    }
  } else { /* an entry of the frozen index (logidx) */
    (*indexed)++;
    MDB_val ik = {store_log_ikey(key, rl, e->n), key}, iv;
    int r = mdb_get(v->txn, v->d.logidx, &ik, &iv);
    if (r == MDB_NOTFOUND) {
      fprintf(v->out, "history entry %llu: missing from the index (logidx) of ",
              (unsigned long long)e->n);
      vl_key_print(v->out, key, rl);
      fprintf(v->out, "\n");
      v->diffs++;
    } else if (r != 0) {
      return hb_lmdb_err(r);
    }
  }
  sl->last = e->n;
  if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL) {
    vl_reset(sl);
    return 0;
  }
  if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_DECISION) {
    vl_decision(v, sl, e);
    return 0;
  }
  store_row row;
  if (store_row_of(e->record, &row) != 0)
    return HB_EPARSE;
  return vl_version(v, sl, e->n, &row);
}

/* The chain: n continuous from 1, prev = hash of the entry before; each
 * entry replayed. *last_n, last gets the last entry and its hash. */
static int vl_chain(vl *v, uint64_t *last_n, uint8_t last[32], size_t *indexed)
{
  MDB_cursor *cur;
  int r = mdb_cursor_open(v->txn, v->d.log, &cur);
  if (r != 0)
    return hb_lmdb_err(r);
  uint64_t expect = 1;
  uint8_t prev[32] = {0};
  MDB_val k, val;
  int rc = 0;
  for (r = mdb_cursor_get(cur, &k, &val, MDB_FIRST); r == 0 && rc == 0;
       r = mdb_cursor_get(cur, &k, &val, MDB_NEXT)) {
    uint64_t n = k.mv_size == 8 ? hb_be64_get(k.mv_data) : 0;
    if (n != expect) {
      fprintf(v->out, "history entry %llu: missing (the next stored is %llu)\n",
              (unsigned long long)expect, (unsigned long long)n);
      v->diffs++;
    }
    Huibao__V1__LogEntry *e = huibao__v1__log_entry__unpack(NULL, val.mv_size, val.mv_data);
    if (!e) {
      fprintf(v->out, "history entry %llu: does not decode\n", (unsigned long long)n);
      v->diffs++;
    } else {
      if (e->n != n) {
        fprintf(v->out, "history entry %llu: says it is entry %llu\n", (unsigned long long)n,
                (unsigned long long)e->n);
        v->diffs++;
      }
      if (e->prev.len != 32 || memcmp(e->prev.data, prev, 32) != 0) {
        fprintf(v->out,
                "history entry %llu: changed, removed or reordered (entry %llu does not "
                "carry its hash)\n",
                (unsigned long long)n - 1, (unsigned long long)n);
        v->diffs++;
      }
      rc = vl_replay(v, e, indexed);
      huibao__v1__log_entry__free_unpacked(e, NULL);
    }
    if (rc == 0)
      rc = hb_chain_hash(val.mv_data, val.mv_size, prev);
    *last_n = n;
    expect = n + 1;
  }
  mdb_cursor_close(cur);
  memcpy(last, prev, 32);
  if (rc == 0 && r != MDB_NOTFOUND && r != 0)
    rc = hb_lmdb_err(r);
  return rc;
}

/* The last version of record key k (entry n) packed as the records db
 * holds it, into v->buf. */
static int vl_version_bytes(vl *v, uint64_t n, Huibao__V1__LogEntry **out)
{
  uint8_t nk[8];
  hb_be64_put(nk, n);
  MDB_val k = {8, nk}, val;
  int r = mdb_get(v->txn, v->d.log, &k, &val);
  if (r != 0)
    return hb_lmdb_err(r);
  Huibao__V1__LogEntry *e = huibao__v1__log_entry__unpack(NULL, val.mv_size, val.mv_data);
  store_row row;
  if (!e || e->what_case != HUIBAO__V1__LOG_ENTRY__WHAT_RECORD ||
      store_row_of(e->record, &row) != 0) {
    if (e)
      huibao__v1__log_entry__free_unpacked(e, NULL);
    return HB_EPARSE;
  }
  *out = e;
  return hb_wire_pack_at(&v->buf, 0, row.msg);
}

static int vl_diff_line(void *ctx, const char *field, const char *before, const char *after)
{
  fprintf(ctx, " %s: %s -> %s;", field, before, after);
  return 0;
}

/* Calls fn(v, key, value) for every entry of db dbi, in key order; stops
 * at fn's non-zero value and returns it. */
typedef int (*vl_row_fn)(vl *v, const MDB_val *k, const MDB_val *val);
static int vl_scan(vl *v, MDB_dbi dbi, vl_row_fn fn)
{
  MDB_cursor *cur;
  int r = mdb_cursor_open(v->txn, dbi, &cur);
  if (r != 0)
    return hb_lmdb_err(r);
  MDB_val k, val;
  int rc = 0;
  for (r = mdb_cursor_get(cur, &k, &val, MDB_FIRST); r == 0 && rc == 0;
       r = mdb_cursor_get(cur, &k, &val, MDB_NEXT))
    rc = fn(v, &k, &val);
  mdb_cursor_close(cur);
  if (rc == 0 && r != MDB_NOTFOUND && r != 0)
    rc = hb_lmdb_err(r);
  return rc;
}

/* The body the records db holds for k (issue 15: the version its value
 * points at, found in the entry whatever the value's other fields say);
 * a value that does not point at the last version and the last entry of
 * the record in the history is a difference (HB_EDB when no body is left
 * to compare). */
static int vl_stored_body(vl *v, const MDB_val *k, const MDB_val *val, const vl_slot *sl,
                          MDB_val *body)
{
  if (!v->d.records_format) { /* a store not yet upgraded: the body */
    *body = *val;
    return 0;
  }
  store_recval rv = {0, 0, 0};
  hb_wire_log_rec lr = {.body = NULL};
  int ok = store_recval_get(val, &rv) == 0;
  if (ok) {
    uint8_t nk[8];
    hb_be64_put(nk, rv.n);
    MDB_val lk = {8, nk}, lv;
    int r = mdb_get(v->txn, v->d.log, &lk, &lv);
    if (r != 0 && r != MDB_NOTFOUND)
      return hb_lmdb_err(r);
    ok = r == 0 && hb_wire_log_record(lv.mv_data, lv.mv_size, &lr) == 0;
  }
  if (!ok || rv.n != sl->n || rv.last != sl->last || rv.blen != lr.blen) {
    fprintf(v->out, "record ");
    vl_key_print(v->out, k->mv_data, k->mv_size);
    fprintf(v->out,
            ": its value points at entries %llu and %llu (body %u bytes), its last version and "
            "last entry in the history are %llu and %llu\n",
            (unsigned long long)rv.n, (unsigned long long)rv.last, (unsigned)rv.blen,
            (unsigned long long)sl->n, (unsigned long long)sl->last);
    v->diffs++;
  }
  if (!ok)
    return HB_EDB;
  *body = (MDB_val){lr.blen, (void *)lr.body};
  return 0;
}

/* One stored record: the last version of its key in the history. */
static int vl_record_one(vl *v, const MDB_val *k, const MDB_val *val)
{
  vl_slot *sl = vl_find(v, k->mv_data, k->mv_size, false);
  if (!sl || sl->n == 0) {
    fprintf(v->out, "record ");
    vl_key_print(v->out, k->mv_data, k->mv_size);
    fprintf(v->out, ": not in the history (%s)\n", sl ? "removed there" : "never stored there");
    v->diffs++;
    return 0;
  }
  sl->seen = true;
  MDB_val body;
  int rc = vl_stored_body(v, k, val, sl, &body);
  if (rc != 0)
    return rc == HB_EDB ? 0 : rc;
  Huibao__V1__LogEntry *e;
  if ((rc = vl_version_bytes(v, sl->n, &e)) != 0)
    return rc;
  if (v->buf.len != body.mv_size || memcmp(v->buf.data, body.mv_data, body.mv_size) != 0) {
    fprintf(v->out, "record ");
    vl_key_print(v->out, k->mv_data, k->mv_size);
    fprintf(v->out, ": differs from its last version in the history (entry %llu):",
            (unsigned long long)sl->n);
    const char *nul = memchr(k->mv_data, '\0', k->mv_size);
    Huibao__V1__Record stored;
    if (nul && nul + 1 < (const char *)k->mv_data + k->mv_size &&
        store_row_unpack(nul[1], &body, &stored) == 0) {
      history_diff(e->record, &stored, vl_diff_line, v->out);
      store_row_unpacked_free(&stored);
    } else {
      fprintf(v->out, " does not decode");
    }
    fprintf(v->out, "\n");
    v->diffs++;
  }
  huibao__v1__log_entry__free_unpacked(e, NULL);
  return 0;
}

/* The records db = the last version of each record in the history. */
static int vl_records(vl *v)
{
  int rc = vl_scan(v, v->d.records, vl_record_one);
  for (size_t i = 0; rc == 0 && i < v->cap; i++) {
    vl_slot *sl = &v->slots[i];
    if (sl->key && sl->n && !sl->seen) {
      fprintf(v->out, "record ");
      vl_key_print(v->out, sl->key, sl->klen);
      fprintf(v->out, ": in the history (entry %llu) but not in the records\n",
              (unsigned long long)sl->n);
      v->diffs++;
    }
  }
  return rc;
}

/* Issue 15: db "gone" = the last entry of every record removed and not
 * stored again. */
static int vl_gone(vl *v)
{
  if (!v->d.records_format || !v->d.has_gone)
    return 0;
  size_t want = 0;
  for (size_t i = 0; i < v->cap; i++) {
    vl_slot *sl = &v->slots[i];
    if (!sl->key || sl->n || !sl->last)
      continue;
    want++;
    MDB_val k = {sl->klen, sl->key}, val;
    int r = mdb_get(v->txn, v->d.gone, &k, &val);
    if (r != 0 && r != MDB_NOTFOUND)
      return hb_lmdb_err(r);
    if (r == MDB_NOTFOUND || val.mv_size != 8 || hb_be64_get(val.mv_data) != sl->last) {
      fprintf(v->out, "removed record ");
      vl_key_print(v->out, sl->key, sl->klen);
      fprintf(v->out, ": db gone does not hold its last entry %llu\n",
              (unsigned long long)sl->last);
      v->diffs++;
    }
  }
  MDB_stat st;
  int r = mdb_stat(v->txn, v->d.gone, &st);
  if (r != 0)
    return hb_lmdb_err(r);
  if (st.ms_entries != want) {
    fprintf(v->out, "db gone: %zu entries, the history has %zu removed records\n",
            (size_t)st.ms_entries, want);
    v->diffs++;
  }
  return 0;
}

/* Whether the stored review entry rs matches candidate c of slot sl. */
static int vl_cand_match(vl *v, const vl_cand *c, const Huibao__V1__ReviewState *rs, bool *match)
{
  *match = false;
  if ((int)c->status != (int)rs->status)
    return 0;
  if (c->status == HB_REVIEW_NONE) {
    *match = true;
    return 0;
  }
  if ((rs->has_decision_n ? rs->decision_n : 0) != c->decision_n)
    return 0;
  if (!c->held_n) {
    *match = !rs->has_held || rs->held.len == 0;
    return 0;
  }
  Huibao__V1__LogEntry *e;
  int rc = vl_version_bytes(v, c->held_n, &e);
  if (rc != 0)
    return rc;
  *match = rs->has_held && rs->held.len == v->buf.len &&
           memcmp(rs->held.data, v->buf.data, v->buf.len) == 0;
  huibao__v1__log_entry__free_unpacked(e, NULL);
  return 0;
}

/* One review entry: a status the replay of its record reaches. */
static int vl_review_one(vl *v, const MDB_val *k, const MDB_val *val)
{
  vl_slot *sl = vl_find(v, k->mv_data, k->mv_size, false);
  Huibao__V1__ReviewState *rs = huibao__v1__review_state__unpack(NULL, val->mv_size, val->mv_data);
  bool match = false;
  int rc = 0;
  for (size_t i = 0; sl && rs && rc == 0 && i < sl->ncand && !match; i++)
    rc = vl_cand_match(v, &sl->cand[i], rs, &match);
  if (sl)
    sl->reviewed = true;
  if (rc == 0 && !match) {
    fprintf(v->out, "review entry of ");
    vl_key_print(v->out, k->mv_data, k->mv_size);
    if (!rs)
      fprintf(v->out, ": does not decode\n");
    else
      fprintf(v->out, ": status %s (decision %llu) is not what the history gives (%s)\n",
              hb_review_status_name((hb_review_status)rs->status),
              (unsigned long long)rs->decision_n,
              sl ? hb_review_status_name(sl->cand[0].status) : "no such record");
    v->diffs++;
  }
  if (rs)
    huibao__v1__review_state__free_unpacked(rs, NULL);
  return rc;
}

/* The review db = a status the replay reaches, for every record; a
 * record without one must be able to be NONE. */
static int vl_review(vl *v)
{
  int rc = vl_scan(v, v->d.review, vl_review_one);
  for (size_t i = 0; rc == 0 && i < v->cap; i++) {
    vl_slot *sl = &v->slots[i];
    if (!sl->key || sl->reviewed)
      continue;
    bool none = false;
    for (size_t j = 0; j < sl->ncand; j++)
      none |= sl->cand[j].status == HB_REVIEW_NONE;
    if (!none) {
      fprintf(v->out, "review entry of ");
      vl_key_print(v->out, sl->key, sl->klen);
      fprintf(v->out, ": missing (the history gives status %s)\n",
              hb_review_status_name(sl->cand[0].status));
      v->diffs++;
    }
  }
  return rc;
}

/* Meta "log-head" = the last entry; the index has no entry more. */
static int vl_head(vl *v, uint64_t last_n, const uint8_t last[32], size_t indexed)
{
  MDB_val k = {strlen(STORE_META_LOG_HEAD), (void *)STORE_META_LOG_HEAD}, val;
  int r = mdb_get(v->txn, v->d.meta, &k, &val);
  if (r != 0 && r != MDB_NOTFOUND)
    return hb_lmdb_err(r);
  uint64_t hn = r == 0 && val.mv_size == 40 ? hb_be64_get(val.mv_data) : 0;
  if ((r == 0 && val.mv_size != 40) || hn != last_n ||
      (hn && memcmp((const uint8_t *)val.mv_data + 8, last, 32) != 0)) {
    if (hn == last_n)
      fprintf(v->out,
              "history entry %llu: changed (the head, meta log-head, carries another "
              "hash of it)\n",
              (unsigned long long)last_n);
    else
      fprintf(v->out,
              "history head (meta log-head): says entry %llu, the history ends at entry "
              "%llu (entries removed or added)\n",
              (unsigned long long)hn, (unsigned long long)last_n);
    v->diffs++;
  }
  MDB_stat st;
  if ((r = mdb_stat(v->txn, v->d.logidx, &st)) != 0)
    return hb_lmdb_err(r);
  if (st.ms_entries != indexed) {
    fprintf(v->out, "history index (logidx): %zu entries, the history has %zu about records\n",
            (size_t)st.ms_entries, indexed);
    v->diffs++;
  }
  return 0;
}

long verify_log(store *s, FILE *out, char *err, size_t errlen)
{
  vl v;
  memset(&v, 0, sizeof v);
  v.out = out;
  store_dbs_get(s, &v.d);
  if (!v.d.has_review) {
    fprintf(out, "note: 没有历史记录（旧版本的数据目录，服务下次启动时建立）(history absent: a "
                 "store of a version before it; begun when the service next opens it)\n");
    return 0;
  }
  int r = mdb_txn_begin(v.d.env, NULL, MDB_RDONLY, &v.txn);
  if (r != 0) {
    snprintf(err, errlen, "history: read transaction: %s", mdb_strerror(r));
    return hb_lmdb_err(r);
  }
  uint64_t last_n = 0;
  uint8_t last[32];
  size_t indexed = 0;
  /* a store not yet upgraded has every entry in logidx; an upgraded one
   * those up to the upgrade (issue 15) */
  v.indexed_upto = v.d.records_format ? v.d.logidx_upto : UINT64_MAX;
  int rc = vl_chain(&v, &last_n, last, &indexed);
  if (rc == 0)
    rc = vl_head(&v, last_n, last, indexed);
  if (rc == 0)
    rc = vl_records(&v);
  if (rc == 0)
    rc = vl_gone(&v);
  if (rc == 0)
    rc = vl_review(&v);
  if (rc == 0) {
    char hex[HB_CHAIN_HEX_LEN];
    hb_chain_hex(last, hex);
    fprintf(out, "history: %llu entries, head %s, %ld differences\n", (unsigned long long)last_n,
            last_n ? hex : "-", v.diffs);
  } else {
    snprintf(err, errlen, "history: %s", hb_strerror(rc));
  }
  mdb_txn_abort(v.txn);
  vl_free(&v);
  return rc ? rc : v.diffs;
}
