/* store_review.c: the county's review of records in the store (issue 14,
 * docs/review.md): review entries (db "review", key = the records key),
 * deletion requests that hold the unit's last live version, decisions
 * (db "decisions") and the review counts of the aggregates.
 *
 * The aggregates count each record's effective version (the held one
 * under a deletion request, else the stored one) with hb_agg_add_*, and
 * its status with hb_agg_add_review. A status's count always leaves
 * before the version it was counted on, and comes in after the version it
 * is counted on: hb_agg_add_review needs the problem's category there. */
#include "store_review.h"

#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_be.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_review.h"
#include "hb_text.h"
#include "store_internal.h"
#include "store_log.h"

void store_campaigns_set(store *s, const hb_campaigns *c)
{
  s->campaigns = c;
}

bool store_review_holds(int status)
{
  return status == HB_REVIEW_DELETION_PENDING || status == HB_REVIEW_DELETION_REFUSED;
}

/* The review entry under key in txn: *out NULL when there is none. */
static int state_get(MDB_txn *txn, MDB_dbi dbi, const MDB_val *key, Huibao__V1__ReviewState **out)
{
  *out = NULL;
  MDB_val k = *key, v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc != 0)
    return hb_lmdb_err(rc);
  *out = huibao__v1__review_state__unpack(NULL, v.mv_size, v.mv_data);
  return *out ? 0 : HB_EDB;
}

/* Writes the review entry (deletes it for NONE: absent = NONE). */
static int state_put(store *s, const MDB_val *key, const Huibao__V1__ReviewState *st)
{
  MDB_val k = *key;
  int rc;
  if (st->status == HUIBAO__V1__REVIEW_STATUS__REVIEW_NONE) {
    rc = mdb_del(s->txn, s->review, &k, NULL);
    rc = rc == MDB_NOTFOUND ? 0 : rc;
  } else {
    MDB_val v = {huibao__v1__review_state__get_packed_size(st), NULL};
    rc = mdb_put(s->txn, s->review, &k, &v, MDB_RESERVE);
    if (rc == 0)
      huibao__v1__review_state__pack(st, v.mv_data);
  }
  store_batch_cursor_drop(s, s->review);
  s->vany = -1;
  return rc ? hb_lmdb_err(rc) : 0;
}

/* state_get in the open batch, for every version stored: nothing looked
 * up while db review is empty (asked once per batch), else through the
 * batch's review cursor. */
static int state_get_batch(store *s, const MDB_val *key, Huibao__V1__ReviewState **out)
{
  *out = NULL;
  if (s->vany < 0) {
    MDB_stat st;
    int r = mdb_stat(s->txn, s->review, &st);
    if (r != 0)
      return hb_lmdb_err(r);
    s->vany = st.ms_entries > 0;
  }
  if (!s->vany)
    return 0;
  MDB_cursor *cur = NULL;
  MDB_val k = *key, v;
  int rc = store_batch_cursor(s, s->review, &cur);
  if (rc != 0)
    return rc;
  rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc != 0)
    return hb_lmdb_err(rc);
  *out = huibao__v1__review_state__unpack(NULL, v.mv_size, v.mv_data);
  return *out ? 0 : HB_EDB;
}

static int64_t batch_now(const store *s)
{
  return s->bclock ? s->bclock : hb_time_now_ms() / 1000;
}

/* Moves the count of status for rec (a Record with the body of an
 * effective version) in its aggregate: sign +1 after that version was
 * added, -1 before it is withdrawn. A status counted nowhere does nothing. */
static int count_move(store *s, const Huibao__V1__Record *rec, int status, int sign)
{
  const Huibao__V1__Activity *a =
      rec->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY ? rec->activity : NULL;
  const Huibao__V1__Problem *p =
      rec->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM ? rec->problem : NULL;
  if (!a && !p)
    return 0;
  if (a ? status != HB_REVIEW_RETURNED
        : status == HB_REVIEW_NONE || status == HB_REVIEW_DELETION_REFUSED)
    return 0;
  const char *campaign = a ? a->campaign : p->campaign, *unit = a ? a->unit : p->unit;
  if ((a ? a->deleted : p->deleted) || !campaign || !unit)
    return 0;
  hb_agg *agg;
  int rc = store_work_get(s, campaign, unit, &agg);
  if (rc != 0)
    return rc;
  if (hb_agg_add_review(agg, a, p, status, sign) != 0)
    s->inconsistent++;
  return store_mark_changed(s, campaign);
}

/* Whether the packed new version (of row r) has old's content, its version
 * apart: old packed again with r's version gives the same bytes. */
static int content_same(const store_row *r, const MDB_val *packed, Huibao__V1__Record *old,
                        bool *same)
{
  store_row o;
  *same = false;
  if (store_row_of(old, &o) != 0)
    return 0;
  uint64_t keep = *o.version;
  *o.version = *r->version;
  size_t n = protobuf_c_message_get_packed_size(o.msg);
  int rc = 0;
  if (n == packed->mv_size) {
    uint8_t *b = malloc(n ? n : 1);
    if (b) {
      protobuf_c_message_pack(o.msg, b);
      *same = memcmp(b, packed->mv_data, n) == 0;
      free(b);
    } else {
      rc = HB_ENOMEM;
    }
  }
  *o.version = keep;
  return rc;
}

/* Whether the campaign says problem_delete = free; a store not told the
 * campaigns (store_campaigns_set: the service always is) deletes freely,
 * as before issue 14. */
static bool delete_free(const store *s, const char *campaign)
{
  if (!s->campaigns)
    return true;
  const hb_campaign *c = hb_campaigns_find(s->campaigns, campaign);
  return c && c->problem_delete_free;
}

/* A Record around the row's body (borrowed). */
static void record_of_row(const store_row *r, Huibao__V1__Record *rec)
{
  huibao__v1__record__init(rec);
  if (r->kind == 'A') {
    rec->body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    rec->activity = (Huibao__V1__Activity *)r->msg;
  } else {
    rec->body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
    rec->problem = (Huibao__V1__Problem *)r->msg;
  }
}

/* What a new version does to a record with a review entry, or to a live
 * problem it deletes (store_review_on_put past the hot path). st: the
 * entry, NULL if none. Withdraws what leaves the aggregates itself, before
 * writing to the review db (old points into the map). */
static int on_put_review(store *s, const store_row *r, const MDB_val *key, const MDB_val *old,
                         const MDB_val *packed, const Huibao__V1__ReviewState *st)
{
  int cur = st ? (int)st->status : HB_REVIEW_NONE;
  bool holding = store_review_holds(cur);
  MDB_val eff = {0, NULL};
  if (holding && st->has_held)
    eff = (MDB_val){st->held.len, st->held.data};
  else if (!holding && old)
    eff = *old;
  Huibao__V1__Record orec;
  store_row o;
  bool have = eff.mv_data && store_row_unpack(r->kind, &eff, &orec) == 0;
  if (eff.mv_data && !have)
    s->inconsistent++;
  bool live = have && store_row_of(&orec, &o) == 0 && !o.deleted;
  bool same = false, hold;
  int rc = 0;
  if (live && !r->deleted && !holding && cur != HB_REVIEW_NONE)
    rc = content_same(r, packed, &orec, &same);
  bool free_ = r->kind == 'P' && r->deleted && live && delete_free(s, o.campaign);
  int next = (int)hb_review_on_version(r->kind, (hb_review_status)cur, live, same, r->deleted,
                                       free_, &hold);
  bool moves = !(hold && holding) && !(next == cur && same);
  if (rc == 0 && moves && have) /* the old status leaves with the version it was counted on */
    rc = count_move(s, &orec, cur, -1);
  if (rc == 0 && holding && !hold && have) /* the held version leaves: the unit restored it */
    rc = store_withdraw(s, r->kind, &eff, NULL);
  if (rc == 0 && old && !(hold && !holding)) /* the stored one, unless it is held from now */
    rc = store_withdraw(s, r->kind, old, NULL);
  if (rc == 0 && moves) { /* the new status comes in on the new effective version */
    Huibao__V1__Record nrec;
    record_of_row(r, &nrec);
    rc = count_move(s, hold ? &orec : &nrec, next, +1);
  }
  Huibao__V1__ReviewState ns = HUIBAO__V1__REVIEW_STATE__INIT;
  uint8_t *held = NULL;
  if (rc == 0 && hold && !holding) { /* a deletion request: the old live version is held */
    held = malloc(old->mv_size ? old->mv_size : 1);
    if (!held)
      rc = HB_ENOMEM;
    else
      memcpy(held, old->mv_data, old->mv_size);
    ns.status = (Huibao__V1__ReviewStatus)next;
    ns.has_at_s = ns.has_held = true;
    ns.at_s = batch_now(s);
    ns.held = (ProtobufCBinaryData){old->mv_size, held};
  }
  if (rc == 0 && ((hold && !holding) || (!hold && next != cur)))
    rc = state_put(s, key, &ns); /* NONE (ns as initialised) deletes */
  free(held);
  if (have)
    store_row_unpacked_free(&orec);
  return rc;
}

int store_review_on_put(store *s, const store_row *r, const MDB_val *key, const MDB_val *old,
                        const MDB_val *packed, MDB_val *withdraw)
{
  withdraw->mv_size = old ? old->mv_size : 0;
  withdraw->mv_data = old ? old->mv_data : NULL;
  if ((r->kind != 'A' && r->kind != 'P') || !s->has_review)
    return 0;
  Huibao__V1__ReviewState *st;
  int rc = state_get_batch(s, key, &st);
  if (rc != 0)
    return rc;
  if (!st && (!r->deleted || r->kind != 'P' || !old))
    return 0; /* the hot path: nothing under review, no problem deleted */
  rc = on_put_review(s, r, key, old, packed, st);
  if (rc == 0)
    withdraw->mv_size = 0, withdraw->mv_data = NULL; /* on_put_review withdrew */
  if (st)
    huibao__v1__review_state__free_unpacked(st, NULL);
  return rc;
}

/* The effective version of the record under key: the held one for a
 * deletion request, else the stored one (HB_ENOTFOUND: none), unpacked
 * into rec (store_row_unpacked_free). */
static int effective_get(MDB_txn *txn, const store_dbs *d, const MDB_val *key, char kind,
                         const Huibao__V1__ReviewState *st, Huibao__V1__Record *rec)
{
  MDB_val v;
  if (st && store_review_holds((int)st->status)) {
    if (!st->has_held)
      return HB_EDB;
    v = (MDB_val){st->held.len, st->held.data};
  } else {
    MDB_val k = *key, rv;
    int rc = mdb_get(txn, d->records, &k, &rv);
    if (rc != 0)
      return rc == MDB_NOTFOUND ? HB_ENOTFOUND : hb_lmdb_err(rc);
    uint64_t n; /* issue 15: the value points into the history */
    int64_t at;
    if ((rc = store_dbs_current(txn, d, &rv, &v, &n, &at)) != 0)
      return rc;
  }
  return store_row_unpack(kind, &v, rec) == 0 ? 0 : HB_EDB;
}

int store_review_on_remove(store *s, const MDB_val *key)
{
  if (!s->txn)
    return HB_EINVAL;
  const char *kb = key->mv_data;
  const char *nul = memchr(kb, '\0', key->mv_size);
  if (!s->has_review || !nul || (size_t)(nul - kb) + 2 > key->mv_size ||
      (nul[1] != 'A' && nul[1] != 'P'))
    return 0;
  Huibao__V1__ReviewState *st;
  int rc = state_get(s->txn, s->review, key, &st);
  if (rc != 0 || !st)
    return rc;
  Huibao__V1__Record rec;
  store_dbs d;
  store_dbs_get(s, &d);
  rc = effective_get(s->txn, &d, key, nul[1], st, &rec);
  if (rc == 0) {
    rc = count_move(s, &rec, (int)st->status, -1);
    if (rc == 0 && store_review_holds((int)st->status)) {
      MDB_val held = {st->held.len, st->held.data};
      rc = store_withdraw(s, nul[1], &held, NULL);
    }
    store_row_unpacked_free(&rec);
  } else if (rc == HB_ENOTFOUND || rc == HB_EDB) {
    s->inconsistent++; /* nothing to take the counts from */
    rc = 0;
  }
  huibao__v1__review_state__free_unpacked(st, NULL);
  Huibao__V1__ReviewState none = HUIBAO__V1__REVIEW_STATE__INIT;
  return rc == 0 ? state_put(s, key, &none) : rc;
}

/* The decision's history entry (ACTOR_REVIEWER) and its copy in db
 * "decisions" (key unit \0 n BE64); d->n becomes its index. */
static int decision_write(store *s, Huibao__V1__Decision *d)
{
  Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
  e.at_s = d->at_s;
  e.actor_kind = HUIBAO__V1__LOG_ACTOR__ACTOR_REVIEWER;
  e.actor = d->reviewer;
  e.what_case = HUIBAO__V1__LOG_ENTRY__WHAT_DECISION;
  e.decision = d;
  d->n = s->blog_n + 1; /* the index the entry gets: the logged Decision carries it */
  uint64_t n = 0;
  int rc = store_log_append(s, &e, &n);
  if (rc != 0)
    return rc;
  d->n = n;
  char key[STORE_KEY_MAX];
  size_t ul = strlen(d->unit);
  if (ul + 9 > STORE_KEY_MAX)
    return HB_EINVAL;
  memcpy(key, d->unit, ul);
  key[ul] = '\0';
  hb_be64_put((uint8_t *)key + ul + 1, n);
  MDB_val k = {ul + 9, key}, v = {huibao__v1__decision__get_packed_size(d), NULL};
  if ((rc = mdb_put(s->txn, s->decisions, &k, &v, MDB_RESERVE)) != 0)
    return hb_lmdb_err(rc);
  huibao__v1__decision__pack(d, v.mv_data);
  return 0;
}

/* The decision's effect on the aggregates and the review entry, once
 * hb_review_decide allowed it: the status's count moves on the effective
 * version rec; an approved deletion withdraws the held version (without
 * noting a period fact: it is no change by the unit). */
static int decide_apply(store *s, const MDB_val *key, const store_decision_req *req,
                        Huibao__V1__Record *rec, const Huibao__V1__ReviewState *st, int cur,
                        int next, uint64_t n, int64_t at)
{
  int rc = count_move(s, rec, cur, -1);
  if (rc == 0 && req->action == HB_ACTION_APPROVE_DELETE) {
    MDB_val held = {st->held.len, st->held.data};
    int64_t clock = s->bclock;
    s->bclock = 0;
    rc = store_withdraw(s, req->kind, &held, NULL);
    s->bclock = clock;
  }
  if (rc == 0)
    rc = count_move(s, rec, next, +1);
  Huibao__V1__ReviewState ns = HUIBAO__V1__REVIEW_STATE__INIT;
  ns.status = (Huibao__V1__ReviewStatus)next;
  ns.has_decision_n = ns.has_at_s = true;
  ns.decision_n = n;
  ns.reviewer = (char *)req->reviewer;
  ns.at_s = at;
  ns.reason = req->reason && req->reason[0] ? (char *)req->reason : NULL;
  if (store_review_holds(next)) { /* a refused deletion keeps holding */
    ns.has_held = true;
    ns.held = st->held;
  }
  return rc == 0 ? state_put(s, key, &ns) : rc;
}

int store_batch_decide(store *s, const store_decision_req *req, uint64_t *out_n, const char **why)
{
  *out_n = 0;
  *why = NULL;
  if (!s->txn || !s->has_review || !req->unit || !req->id || !req->reviewer ||
      (req->kind != 'A' && req->kind != 'P') || req->action < 1 || req->action > HB_ACTION_MAX)
    return HB_EINVAL;
  if (hb_review_needs_reason(req->action) && (!req->reason || !req->reason[0])) {
    *why = "须填写原因 (a reason is required)";
    return HB_EINVAL;
  }
  /* what travels down to the clerk must be what every agent accepts
   * (hb_wire_ack_unpack refuses a whole Ack otherwise) */
  if ((req->reason && (strlen(req->reason) > HB_WIRE_DECISION_REASON_MAX ||
                       !hb_utf8_valid(req->reason, strlen(req->reason)))) ||
      strlen(req->reviewer) > HB_WIRE_DECISION_NAME_MAX ||
      !hb_utf8_valid(req->reviewer, strlen(req->reviewer))) {
    *why = "原因过长或含无效字符（最多1000字节，约330个汉字）(the reason is over 1000 bytes or not "
           "UTF-8)";
    return HB_EINVAL;
  }
  char kb[STORE_KEY_MAX];
  size_t kl = store_log_rkey(kb, req->unit, req->kind, req->id);
  MDB_val key = {kl, kb};
  Huibao__V1__ReviewState *st = NULL;
  int rc = kl ? state_get(s->txn, s->review, &key, &st) : HB_ENOTFOUND;
  Huibao__V1__Record rec;
  store_dbs dbs;
  store_dbs_get(s, &dbs);
  if (rc == 0)
    rc = effective_get(s->txn, &dbs, &key, req->kind, st, &rec);
  if (rc != 0) {
    if (rc == HB_ENOTFOUND)
      *why = "没有该记录 (no such record)";
    if (st)
      huibao__v1__review_state__free_unpacked(st, NULL);
    return rc;
  }
  store_row r;
  store_row_of(&rec, &r);
  int cur = st ? (int)st->status : HB_REVIEW_NONE;
  hb_review_subject subj = {req->kind, !r.deleted,
                            req->kind == 'P' && rec.problem->has_status &&
                                rec.problem->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED,
                            (hb_review_status)cur};
  hb_review_status next;
  rc = hb_review_decide(&subj, (hb_review_action)req->action, &next, why);
  char kind[2] = {req->kind, '\0'};
  Huibao__V1__Decision d = HUIBAO__V1__DECISION__INIT;
  d.unit = (char *)req->unit;
  d.kind = kind;
  d.id = (char *)req->id;
  d.action = (Huibao__V1__DecisionAction)req->action;
  d.reason = req->reason && req->reason[0] ? (char *)req->reason : NULL;
  d.reviewer = (char *)req->reviewer;
  d.at_s = batch_now(s);
  d.has_version = true;
  d.version = *r.version;
  d.campaign = (char *)r.campaign;
  if (rc == 0)
    rc = decision_write(s, &d);
  if (rc == 0)
    rc = decide_apply(s, &key, req, &rec, st, cur, (int)next, d.n, d.at_s);
  if (rc == 0 && r.campaign) /* the rollup republishes, even when no count moved */
    rc = store_mark_changed(s, r.campaign);
  if (rc == 0)
    *out_n = d.n;
  store_row_unpacked_free(&rec);
  if (st)
    huibao__v1__review_state__free_unpacked(st, NULL);
  return rc;
}

int store_review_get(MDB_txn *txn, const store_dbs *d, const char *unit, char kind, const char *id,
                     Huibao__V1__ReviewState **out)
{
  *out = NULL;
  char key[STORE_KEY_MAX];
  size_t kl = store_log_rkey(key, unit, kind, id);
  if (!d->has_review || kl == 0)
    return 0;
  MDB_val k = {kl, key};
  return state_get(txn, d->review, &k, out);
}

int store_review_foreach(MDB_txn *txn, const store_dbs *d, store_review_fn fn, void *ctx)
{
  if (!d->has_review)
    return 0;
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn, d->review, &cur);
  if (rc != 0)
    return hb_lmdb_err(rc);
  MDB_val k, v;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    const char *kb = k.mv_data;
    const char *nul = memchr(kb, '\0', k.mv_size);
    if (!nul || (size_t)(nul - kb) + 2 > k.mv_size || (size_t)(nul - kb) > STORE_KEY_MAX) {
      rc = HB_EDB;
      break;
    }
    char unit[STORE_KEY_MAX + 1], id[STORE_KEY_MAX + 1];
    size_t ul = (size_t)(nul - kb), il = k.mv_size - ul - 2;
    memcpy(unit, kb, ul);
    unit[ul] = '\0';
    memcpy(id, nul + 2, il);
    id[il] = '\0';
    Huibao__V1__ReviewState *st = huibao__v1__review_state__unpack(NULL, v.mv_size, v.mv_data);
    if (!st) {
      rc = HB_EDB;
      break;
    }
    Huibao__V1__Record rec;
    int erc = effective_get(txn, d, &k, nul[1], st, &rec);
    if (erc != 0 && erc != HB_ENOTFOUND && erc != HB_EDB) {
      huibao__v1__review_state__free_unpacked(st, NULL);
      rc = erc;
      break;
    }
    store_review_item it = {unit, id, nul[1], st, erc == 0 ? &rec : NULL};
    rc = fn(ctx, &it);
    if (erc == 0)
      store_row_unpacked_free(&rec);
    huibao__v1__review_state__free_unpacked(st, NULL);
    if (rc != 0)
      break;
  }
  mdb_cursor_close(cur);
  if (rc == MDB_NOTFOUND)
    return 0;
  return rc;
}
