/* replica_apply.c: the replica's check and replay of a county's history
 * entries (replica_internal.h, docs/replica.md): n continuous, each prev
 * the hash of the entry before; versions, decisions and removals replayed
 * into the current records and review states with the county's rules
 * (lib/hb_review.c, as aggregator/store_review.c applies them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_be.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_list.h"
#include "hb_review.h"
#include "replica_internal.h"

/* One write transaction's work on one county. */
typedef struct apply_ctx {
  sub_replica *r;
  const char *county;
  Huibao__V1__ReplicaCounty c; /* the county's state as the entries move it */
  uint8_t hash[32];            /* c.hash's bytes */
  char why[REPLICA_WHY_MAX];   /* set: the county breaks at the current entry */
  char *const *free_;          /* the hint: campaigns with problem_delete = free */
  size_t nfree;
} apply_ctx;

static bool holds(int status)
{
  return status == HB_REVIEW_DELETION_PENDING || status == HB_REVIEW_DELETION_REFUSED;
}

static bool is_free(const apply_ctx *a, const char *campaign)
{
  for (size_t i = 0; campaign && i < a->nfree; i++)
    if (strcmp(a->free_[i], campaign) == 0)
      return true;
  return false;
}

/* The signature state of rec, of unit, against the city's registry. */
static int sig_of(const sub_replica *r, const Huibao__V1__Record *rec, const char *unit)
{
  const uint8_t *pk = r->reg ? hb_sign_registry_key(r->reg, unit) : NULL;
  bool has = rec->has_signature && rec->signature.len > 0;
  if (!pk)
    return has ? HB_LIST_SIG_UNKNOWN : HB_LIST_SIG_NONE;
  return hb_sign_record_verify(pk, rec) == 0 ? HB_LIST_SIG_OK : HB_LIST_SIG_BAD;
}

/* Whether a record in state rr counts now, and is signed badly. */
static bool counts(const Huibao__V1__ReplicaRecord *rr)
{
  return rr && (holds((int)rr->status) ? rr->held_n != 0 : rr->n != 0 && !rr->deleted);
}

static void tally(apply_ctx *a, const Huibao__V1__ReplicaRecord *rr, int sign)
{
  if (!counts(rr))
    return;
  a->c.records += (uint64_t)(int64_t)sign;
  if (rr->sig == HB_LIST_SIG_BAD)
    a->c.bad_signatures += (uint64_t)(int64_t)sign;
}

/* The record under key: *out (free_unpacked) or NULL. */
static int rec_get(apply_ctx *a, MDB_txn *txn, const MDB_val *key, Huibao__V1__ReplicaRecord **out)
{
  MDB_val k = *key, v;
  *out = NULL;
  int rc = mdb_get(txn, a->r->records, &k, &v);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc != 0)
    return hb_lmdb_err(rc);
  *out = huibao__v1__replica_record__unpack(NULL, v.mv_size, v.mv_data);
  return *out ? 0 : HB_EDB;
}

static int rec_put(apply_ctx *a, MDB_txn *txn, const MDB_val *key,
                   const Huibao__V1__ReplicaRecord *in)
{
  Huibao__V1__ReplicaRecord c = *in, *rr = &c; /* every number present (proto2 optional) */
  c.has_n = c.has_deleted = c.has_status = c.has_sig = true;
  c.has_decision_n = c.decision_n != 0;
  c.has_decided_s = c.decided_s != 0;
  c.has_held_n = c.held_n != 0;
  c.has_alt_held_n = c.alt_held_n != 0;
  MDB_val k = *key, v = {huibao__v1__replica_record__get_packed_size(rr), NULL};
  int rc = mdb_put(txn, a->r->records, &k, &v, MDB_RESERVE);
  if (rc != 0)
    return hb_lmdb_err(rc);
  huibao__v1__replica_record__pack(rr, v.mv_data);
  return 0;
}

/* Whether the new body equals old's, its version apart (as the county's
 * content_same: old packed again with the new version). */
static int content_same(const replica_row *nr, replica_row *orow, bool *same)
{
  *same = false;
  size_t nl = protobuf_c_message_get_packed_size(nr->msg);
  uint64_t keep = *orow->version;
  *orow->version = *nr->version;
  size_t ol = protobuf_c_message_get_packed_size(orow->msg);
  int rc = 0;
  if (nl == ol) {
    uint8_t *b1 = malloc(nl + 1), *b2 = malloc(nl + 1);
    if (b1 && b2) {
      protobuf_c_message_pack(nr->msg, b1);
      protobuf_c_message_pack(orow->msg, b2);
      *same = memcmp(b1, b2, nl) == 0;
    } else {
      rc = HB_ENOMEM;
    }
    free(b1);
    free(b2);
  }
  *orow->version = keep;
  return rc;
}

/* The effective version's entry of rr (held or last), unpacked: *e NULL
 * when there is none. */
static int eff_get(apply_ctx *a, MDB_txn *txn, const Huibao__V1__ReplicaRecord *rr,
                   Huibao__V1__LogEntry **e, replica_row *row)
{
  *e = NULL;
  uint64_t n = rr ? (holds((int)rr->status) ? rr->held_n : rr->n) : 0;
  if (n == 0)
    return 0;
  int rc = replica_entry_get(a->r, txn, a->county, n, e);
  if (rc == 0 && ((*e)->what_case != HUIBAO__V1__LOG_ENTRY__WHAT_RECORD || !(*e)->record ||
                  replica_row_of((*e)->record, row) != 0))
    rc = HB_EDB;
  return rc;
}

/* A review-status change by the unit's version: the fields of a decision go. */
static void status_set(Huibao__V1__ReplicaRecord *rr, int status)
{
  rr->has_status = true;
  rr->status = (Huibao__V1__ReviewStatus)status;
  rr->decision_n = 0;
  rr->decided_s = 0;
  rr->reviewer = rr->reason = NULL;
}

/* The review replay of a version of an activity or problem (as the county's
 * on_put_review). */
static int version_review(apply_ctx *a, MDB_txn *txn, Huibao__V1__ReplicaRecord *rr,
                          const replica_row *row, const Huibao__V1__LogEntry *e, uint64_t n)
{
  int cur = (int)rr->status;
  bool holding = holds(cur);
  Huibao__V1__LogEntry *oe;
  replica_row orow;
  int rc = eff_get(a, txn, rr, &oe, &orow);
  if (rc != 0)
    return rc;
  bool live = oe && !orow.deleted, same = false, hold;
  if (live && !row->deleted && !holding && cur != HB_REVIEW_NONE)
    rc = content_same(row, &orow, &same);
  bool free_ = row->kind == 'P' && row->deleted && live && is_free(a, orow.campaign);
  int next = (int)hb_review_on_version(row->kind, (hb_review_status)cur, live, same, row->deleted,
                                       free_, &hold);
  uint64_t eff_n = holding ? rr->held_n : rr->n;
  if (hold && !holding) { /* a deletion request: the old live version is held */
    status_set(rr, next);
    rr->held_n = eff_n;
    rr->decided_s = e->at_s;
  } else if (!hold) {
    if (holding)
      rr->held_n = 0;
    if (next != cur)
      status_set(rr, next);
    rr->sig = sig_of(a->r, e->record, row->unit);
  }
  /* replayed as free: a deletion decision later says the county was not */
  rr->alt_held_n = row->kind == 'P' && row->deleted && live && free_ ? eff_n : 0;
  if (oe)
    huibao__v1__log_entry__free_unpacked(oe, NULL);
  return rc;
}

/* The version of rr's last stored version (entry rr->n): *v, 0 when none. */
static int last_version(apply_ctx *a, MDB_txn *txn, const Huibao__V1__ReplicaRecord *rr,
                        uint64_t *v)
{
  *v = 0;
  if (!rr || rr->n == 0)
    return 0;
  if (rr->has_version) {
    *v = rr->version;
    return 0;
  }
  Huibao__V1__LogEntry *e;
  replica_row row;
  int rc = replica_entry_get(a->r, txn, a->county, rr->n, &e);
  if (rc != 0)
    return rc;
  if (e->what_case != HUIBAO__V1__LOG_ENTRY__WHAT_RECORD || !e->record ||
      replica_row_of(e->record, &row) != 0)
    rc = HB_EDB;
  else
    *v = *row.version;
  huibao__v1__log_entry__free_unpacked(e, NULL);
  return rc;
}

/* Whether version row of entry n is above the one stored (old): the county
 * stores only a higher version (store_batch_put), so an older or equal one
 * appended is not the county's: a->why set. */
static int version_higher(apply_ctx *a, MDB_txn *txn, const Huibao__V1__ReplicaRecord *old,
                          const replica_row *row, uint64_t n)
{
  uint64_t v;
  int rc = last_version(a, txn, old, &v);
  if (rc != 0 || !old || old->n == 0 || *row->version > v)
    return rc;
  snprintf(a->why, sizeof a->why,
           "历史第 %llu 条：单位 %s 记录 %c %s 的版本 %llu 不高于已存的版本 %llu（第 %llu 条），"
           "县里只存更高的版本 (history entry %llu: unit %s kind %c id %s, version %llu is not "
           "above the stored version %llu of entry %llu: the county stores only a higher version)",
           (unsigned long long)n, row->unit, row->kind, row->id, (unsigned long long)*row->version,
           (unsigned long long)v, (unsigned long long)old->n, (unsigned long long)n, row->unit,
           row->kind, row->id, (unsigned long long)*row->version, (unsigned long long)v,
           (unsigned long long)old->n);
  return 0;
}

/* Entry n, a stored version. */
static int replay_version(apply_ctx *a, MDB_txn *txn, const Huibao__V1__LogEntry *e, uint64_t n)
{
  replica_row row;
  if (replica_row_of(e->record, &row) != 0) {
    snprintf(a->why, sizeof a->why,
             "历史第 %llu 条：记录不完整 (history entry %llu: a record without "
             "a body, unit or id)",
             (unsigned long long)n, (unsigned long long)n);
    return 0;
  }
  char kb[REPLICA_KEY_MAX];
  MDB_val key = {replica_rec_key(kb, a->county, row.unit, row.kind, row.id), kb};
  if (key.mv_size == 0)
    return HB_EINVAL;
  Huibao__V1__ReplicaRecord *old, rr = HUIBAO__V1__REPLICA_RECORD__INIT;
  int rc = rec_get(a, txn, &key, &old);
  if (rc == 0)
    rc = version_higher(a, txn, old, &row, n);
  if (rc != 0 || a->why[0]) {
    if (old)
      huibao__v1__replica_record__free_unpacked(old, NULL);
    return rc;
  }
  if (old)
    rr = *old;
  tally(a, &rr, -1);
  if (row.kind == 'A' || row.kind == 'P') {
    rc = version_review(a, txn, &rr, &row, e, n);
  } else {
    rr.sig = sig_of(a->r, e->record, row.unit);
  }
  rr.n = n;
  rr.has_version = true;
  rr.version = *row.version;
  rr.has_deleted = true;
  rr.deleted = row.deleted;
  tally(a, &rr, +1);
  if (rc == 0)
    rc = rec_put(a, txn, &key, &rr);
  if (old)
    huibao__v1__replica_record__free_unpacked(old, NULL);
  return rc;
}

/* The subject of a decision on rr: kind, live, resolved, status. */
static int subject_of(apply_ctx *a, MDB_txn *txn, const Huibao__V1__ReplicaRecord *rr, char kind,
                      hb_review_subject *s)
{
  Huibao__V1__LogEntry *e;
  replica_row row;
  int rc = eff_get(a, txn, rr, &e, &row);
  if (rc != 0)
    return rc;
  s->kind = kind;
  s->status = (hb_review_status)rr->status;
  s->live = e && !row.deleted;
  s->resolved = e && kind == 'P' && e->record->problem->has_status &&
                e->record->problem->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  if (e)
    huibao__v1__log_entry__free_unpacked(e, NULL);
  return 0;
}

/* Entry n, a reviewer's decision. */
static int replay_decision(apply_ctx *a, MDB_txn *txn, const Huibao__V1__LogEntry *e, uint64_t n)
{
  const Huibao__V1__Decision *d = e->decision;
  char kind = d->kind && strlen(d->kind) == 1 ? d->kind[0] : 0;
  char kb[REPLICA_KEY_MAX];
  MDB_val key = {
      d->unit && d->id && kind ? replica_rec_key(kb, a->county, d->unit, kind, d->id) : 0, kb};
  Huibao__V1__ReplicaRecord *old = NULL, rr = HUIBAO__V1__REPLICA_RECORD__INIT;
  int rc = key.mv_size ? rec_get(a, txn, &key, &old) : 0;
  if (rc != 0)
    return rc;
  if (!old) {
    snprintf(a->why, sizeof a->why,
             "历史第 %llu 条：审核决定所指记录不存在 (history entry %llu: a decision on unit %s "
             "kind %c id %s, a record the history never stored)",
             (unsigned long long)n, (unsigned long long)n, d->unit ? d->unit : "?",
             kind ? kind : '?', d->id ? d->id : "?");
    return 0;
  }
  rr = *old;
  tally(a, &rr, -1);
  int action = (int)d->action;
  if ((action == HB_ACTION_APPROVE_DELETE || action == HB_ACTION_REFUSE_DELETE) &&
      rr.status == HUIBAO__V1__REVIEW_STATUS__REVIEW_NONE && rr.alt_held_n) {
    rr.status = HUIBAO__V1__REVIEW_STATUS__REVIEW_DELETION_PENDING; /* the county was not free */
    rr.held_n = rr.alt_held_n;
  }
  rr.alt_held_n = 0;
  hb_review_subject subj;
  hb_review_status next;
  const char *why = NULL;
  rc = subject_of(a, txn, &rr, kind, &subj);
  if (rc == 0 && hb_review_decide(&subj, (hb_review_action)action, &next, &why) != 0) {
    snprintf(a->why, sizeof a->why,
             "历史第 %llu 条：审核决定“%s”在记录状态“%s”下不可能 (history entry %llu: decision %s "
             "on unit %s kind %c id %s is impossible in status %s: %s)",
             (unsigned long long)n, hb_review_action_zh((hb_review_action)action),
             hb_review_status_zh(subj.status), (unsigned long long)n,
             hb_review_action_name((hb_review_action)action), d->unit, kind, d->id,
             hb_review_status_name(subj.status), why ? why : "?");
  } else if (rc == 0) {
    rr.has_status = true;
    rr.status = (Huibao__V1__ReviewStatus)next;
    rr.decision_n = n;
    rr.decided_s = d->at_s;
    rr.reviewer = d->reviewer;
    rr.reason = d->reason;
    if (action == HB_ACTION_APPROVE_DELETE)
      rr.held_n = 0; /* the record is the unit's tombstone from now */
    tally(a, &rr, +1);
    rc = rec_put(a, txn, &key, &rr);
  }
  huibao__v1__replica_record__free_unpacked(old, NULL);
  return rc;
}

/* Deletes the records under the key prefix p (one record, or a unit's). */
static int remove_prefix(apply_ctx *a, MDB_txn *txn, const char *p, size_t pl, bool exact)
{
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn, a->r->records, &cur);
  if (rc != 0)
    return hb_lmdb_err(rc);
  MDB_val k = {pl, (void *)p}, v;
  int r0 = mdb_cursor_get(cur, &k, &v, exact ? MDB_SET_KEY : MDB_SET_RANGE);
  for (rc = 0; r0 == 0 && rc == 0; r0 = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (k.mv_size < pl || memcmp(k.mv_data, p, pl) != 0 || (exact && k.mv_size != pl))
      break;
    Huibao__V1__ReplicaRecord *rr = huibao__v1__replica_record__unpack(NULL, v.mv_size, v.mv_data);
    if (!rr) {
      rc = HB_EDB;
      break;
    }
    tally(a, rr, -1);
    huibao__v1__replica_record__free_unpacked(rr, NULL);
    if ((r0 = mdb_cursor_del(cur, 0)) != 0)
      rc = hb_lmdb_err(r0);
    if (exact)
      break;
  }
  mdb_cursor_close(cur);
  return rc;
}

/* Entry n, an operator's removal (admin unlock: one record; reset-unit: a unit's). */
static int replay_removal(apply_ctx *a, MDB_txn *txn, const Huibao__V1__LogEntry *e)
{
  const Huibao__V1__LogRemoval *rm = e->removal;
  char kb[REPLICA_KEY_MAX];
  if (rm->kind && rm->id && strlen(rm->kind) == 1) {
    size_t kl = replica_rec_key(kb, a->county, rm->unit, rm->kind[0], rm->id);
    return kl ? remove_prefix(a, txn, kb, kl, true) : HB_EINVAL;
  }
  size_t cl = strlen(a->county), ul = strlen(rm->unit);
  if (cl + ul + 2 > sizeof kb)
    return HB_EINVAL;
  memcpy(kb, a->county, cl + 1);
  memcpy(kb + cl + 1, rm->unit, ul + 1);
  return remove_prefix(a, txn, kb, cl + ul + 2, false);
}

/* One entry's stored bytes: checked against the county's state, stored
 * (put: false when it is already there: a rebase) and replayed. Sets
 * a->why when it does not check. */
static int apply_one(apply_ctx *a, MDB_txn *txn, const uint8_t *b, size_t len, bool put)
{
  uint64_t want = a->c.n + 1;
  Huibao__V1__LogEntry *e = huibao__v1__log_entry__unpack(NULL, len, b);
  if (!e) {
    snprintf(a->why, sizeof a->why,
             "历史第 %llu 条：无法解读 (history entry %llu: cannot be decoded)",
             (unsigned long long)want, (unsigned long long)want);
    return 0;
  }
  int rc = 0;
  if (e->n != want) {
    snprintf(a->why, sizeof a->why,
             "历史第 %llu 条缺失，县里给的是第 %llu 条 (history entry %llu: missing at the county; "
             "it sent entry %llu)",
             (unsigned long long)want, (unsigned long long)e->n, (unsigned long long)want,
             (unsigned long long)e->n);
  } else if (e->prev.len != 32 || memcmp(e->prev.data, a->hash, 32) != 0) {
    snprintf(a->why, sizeof a->why,
             "历史第 %llu 条被改动、删除或调换 (history entry %llu: changed, removed or reordered: "
             "entry %llu does not carry its hash)",
             (unsigned long long)(want - 1), (unsigned long long)(want - 1),
             (unsigned long long)want);
  } else {
    char kb[REPLICA_KEY_MAX];
    MDB_val k = {replica_log_key(kb, a->county, want), kb}, v = {len, (void *)b};
    if (put && (rc = mdb_put(txn, a->r->log, &k, &v, 0)) != 0)
      rc = hb_lmdb_err(rc);
    if (rc == 0 && e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_RECORD && e->record)
      rc = replay_version(a, txn, e, want);
    else if (rc == 0 && e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_DECISION && e->decision)
      rc = replay_decision(a, txn, e, want);
    else if (rc == 0 && e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL && e->removal)
      rc = replay_removal(a, txn, e);
    else if (rc == 0)
      snprintf(a->why, sizeof a->why,
               "历史第 %llu 条：内容不明 (history entry %llu: neither a "
               "version, a decision nor a removal)",
               (unsigned long long)want, (unsigned long long)want);
    if (rc == 0 && (rc = hb_chain_hash(b, len, a->hash)) == 0)
      a->c.n = want; /* a replay that does not check keeps the entry: it is the county's */
  }
  huibao__v1__log_entry__free_unpacked(e, NULL);
  return rc;
}

/* ---------------------------------------------------------------- transactions */

/* What a write transaction on one county is asked to do. */
typedef struct apply_job {
  apply_ctx a;
  uint64_t epoch;
  const ProtobufCBinaryData *entries;
  size_t n, applied;
  const char *broken; /* replica_mark_broken */
  uint64_t rebase_keep, rebase_epoch;
  bool rebase;
} apply_job;

/* Loads the county's state into j->a (c's strings borrowed from *old). */
static int state_load(apply_job *j, MDB_txn *txn, Huibao__V1__ReplicaCounty **old)
{
  apply_ctx *a = &j->a;
  int rc = replica_county_get(a->r, txn, a->county, old);
  if (rc != 0)
    return rc;
  huibao__v1__replica_county__init(&a->c);
  memset(a->hash, 0, 32);
  a->why[0] = '\0';
  if (*old) {
    a->c = **old;
    if ((*old)->hash.len == 32)
      memcpy(a->hash, (*old)->hash.data, 32);
  }
  a->c.has_n = a->c.has_records = a->c.has_bad_signatures = a->c.has_hash = true;
  a->c.hash = (ProtobufCBinaryData){32, a->hash};
  if (j->epoch) {
    a->c.has_epoch = true;
    a->c.epoch = j->epoch;
  }
  if (a->free_) { /* the county's hint of this reply; else the last one kept */
    a->c.n_delete_free = a->nfree;
    a->c.delete_free = (char **)a->free_;
  } else {
    a->free_ = a->c.delete_free;
    a->nfree = a->c.n_delete_free;
  }
  return 0;
}

/* Moves the entries after keep to db lost (under the old epoch) and
 * replays 1..keep again from what is held. */
static int rebase_body(apply_job *j, MDB_txn *txn)
{
  apply_ctx *a = &j->a;
  uint64_t held = a->c.n, old_epoch = a->c.epoch;
  char kb[REPLICA_KEY_MAX], lk[REPLICA_KEY_MAX];
  size_t cl = strlen(a->county);
  int rc = 0;
  for (uint64_t n = j->rebase_keep + 1; rc == 0 && n <= held; n++) {
    MDB_val k = {replica_log_key(kb, a->county, n), kb}, v;
    if ((rc = mdb_get(txn, a->r->log, &k, &v)) != 0)
      break;
    memcpy(lk, a->county, cl + 1);
    hb_be64_put((uint8_t *)lk + cl + 1, old_epoch);
    hb_be64_put((uint8_t *)lk + cl + 9, n);
    MDB_val l = {cl + 17, lk};
    if ((rc = mdb_put(txn, a->r->lost, &l, &v, 0)) == 0)
      rc = mdb_del(txn, a->r->log, &k, NULL);
  }
  if (rc != 0)
    return hb_lmdb_err(rc);
  memcpy(kb, a->county, cl + 1);
  if ((rc = remove_prefix(a, txn, kb, cl + 1, false)) != 0)
    return rc;
  a->c.lost += held > j->rebase_keep ? held - j->rebase_keep : 0;
  a->c.has_lost = true;
  a->c.n = a->c.records = a->c.bad_signatures = a->c.audited = 0;
  memset(a->hash, 0, 32);
  a->c.epoch = j->rebase_epoch;
  for (uint64_t n = 1; rc == 0 && n <= j->rebase_keep && !a->why[0]; n++) {
    MDB_val k = {replica_log_key(kb, a->county, n), kb}, v;
    if ((rc = mdb_get(txn, a->r->log, &k, &v)) != 0)
      rc = hb_lmdb_err(rc);
    else
      rc = apply_one(a, txn, v.mv_data, v.mv_size, false);
  }
  return rc;
}

static int job_body(MDB_txn *txn, void *arg)
{
  apply_job *j = arg;
  apply_ctx *a = &j->a;
  Huibao__V1__ReplicaCounty *old = NULL;
  char *const *hint = a->free_;
  size_t nhint = a->nfree;
  j->applied = 0;
  int rc = state_load(j, txn, &old);
  bool broken = rc == 0 && a->c.broken && a->c.broken[0];
  if (rc == 0 && j->broken && !broken) {
    a->c.broken = (char *)j->broken;
  } else if (rc == 0 && j->rebase) {
    rc = rebase_body(j, txn);
  } else if (rc == 0 && !broken && !j->broken) {
    for (size_t i = 0; rc == 0 && i < j->n && !a->why[0]; i++) {
      rc = apply_one(a, txn, j->entries[i].data, j->entries[i].len, true);
      if (rc == 0 && !a->why[0])
        j->applied++;
    }
  }
  if (rc == 0 && a->why[0])
    a->c.broken = a->why;
  if (rc == 0)
    rc = replica_county_put(a->r, txn, a->county, &a->c);
  if (old)
    huibao__v1__replica_county__free_unpacked(old, NULL);
  a->free_ = hint; /* a rerun (a grown map) starts again from the caller's */
  a->nfree = nhint;
  return rc;
}

static int job_run(apply_job *j, char *err, size_t errlen)
{
  if (j->a.r->readonly)
    return HB_EINVAL;
  return hb_lmdb_write(&j->a.r->l, job_body, j, err, errlen);
}

int replica_apply(sub_replica *r, const char *county, uint64_t epoch,
                  const ProtobufCBinaryData *entries, size_t n, char *const *delete_free,
                  size_t nfree, size_t *applied, char *err, size_t errlen)
{
  apply_job j = {.a = {.r = r, .county = county, .free_ = delete_free, .nfree = nfree},
                 .epoch = epoch,
                 .entries = entries,
                 .n = n};
  int rc = job_run(&j, err, errlen);
  *applied = rc == 0 ? j.applied : 0;
  return rc;
}

int replica_mark_broken(sub_replica *r, const char *county, const char *why)
{
  apply_job j = {.a = {.r = r, .county = county}, .broken = why};
  char err[256];
  return job_run(&j, err, sizeof err);
}

int replica_rebase(sub_replica *r, const char *county, uint64_t keep, uint64_t epoch, char *err,
                   size_t errlen)
{
  apply_job j = {
      .a = {.r = r, .county = county}, .rebase = true, .rebase_keep = keep, .rebase_epoch = epoch};
  return job_run(&j, err, errlen);
}
