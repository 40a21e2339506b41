/* replica_link.c: one county's link of the replica (replica_sync.h): the
 * requests, and what each reply does (entries applied; the county's hash
 * of the last entry held compared; an epoch change; the audit's scan and
 * bisection of ranges of entries). */
#include "replica_link.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_chain.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "replica_internal.h"
#include "replica_sync.h"

/* What the replica holds of the link's county: n, its hash, epoch, broken. */
static int held_get(replica_link *l, uint64_t *n, uint8_t hash[32], uint64_t *epoch, bool *broken)
{
  *n = *epoch = 0;
  *broken = false;
  memset(hash, 0, 32);
  MDB_txn *txn;
  int rc = hb_lmdb_read_begin(l->r->l.env, &txn);
  if (rc != 0)
    return hb_lmdb_err(rc);
  Huibao__V1__ReplicaCounty *c;
  rc = replica_county_get(l->r, txn, l->county, &c);
  hb_lmdb_read_end(txn);
  if (rc == 0 && c) {
    *n = c->n;
    *epoch = c->epoch;
    *broken = c->broken && c->broken[0];
    if (c->hash.len == 32)
      memcpy(hash, c->hash.data, 32);
    huibao__v1__replica_county__free_unpacked(c, NULL);
  }
  return rc;
}

/* The next step of a back-off: lo at first (cur 0), then twice cur up to hi. */
static int64_t backoff(int64_t cur, int64_t lo, int64_t hi)
{
  return cur <= 0 ? lo : cur > hi / 2 ? hi : 2 * cur;
}

/* Something changed (entries fetched, a (re)connect): the audit passes are
 * back at their shortest, a pass (its next chunk) due within
 * SUB_REPLICA_AUDIT_MS. */
static void audit_soon(replica_link *l, int64_t now)
{
  l->audit_gap_ms = 0;
  if (l->next_audit_ms > now + SUB_REPLICA_AUDIT_MS)
    l->next_audit_ms = now + SUB_REPLICA_AUDIT_MS;
}

/* Sends req (its id set here). Returns 0, HB_EAGAIN (not connected yet). */
static int send_req(replica_link *l, Huibao__V1__DetailRequest *req, int64_t now)
{
  req->has_id = true;
  req->id = ++l->next_id;
  uint8_t buf[128];
  size_t len = huibao__v1__detail_request__get_packed_size(req);
  if (len > sizeof buf)
    return HB_EINVAL;
  huibao__v1__detail_request__pack(req, buf);
  if (zmq_send(l->sock, buf, len, ZMQ_DONTWAIT) < 0)
    return HB_EAGAIN;
  l->inflight = true;
  l->sent_ms = now;
  return 0;
}

static int send_audit(replica_link *l, uint64_t from, uint64_t to, int64_t now)
{
  Huibao__V1__DetailRequest req = HUIBAO__V1__DETAIL_REQUEST__INIT;
  req.has_audit_from = req.has_audit_to = true;
  req.audit_from = from;
  req.audit_to = to;
  l->req_audit = true;
  l->req_from = from;
  l->req_to = to;
  return send_req(l, &req, now);
}

void replica_link_events(replica_link *l)
{
  if (!l->hs.mon)
    return;
  hb_handshake_poll(&l->hs);
  if (l->hs.succeeded != l->hs_ok || l->hs.disconnected != l->hs_down) {
    if (l->hs.succeeded != l->hs_ok)
      hb_log_info("replica: connected to %s", l->ep);
    l->hs_ok = l->hs.succeeded;
    l->hs_down = l->hs.disconnected;
    l->inflight = false; /* its answer, if it comes, is told apart by its id */
    l->next_poll_ms = l->poll_ivl_ms = 0;
    audit_soon(l, 0); /* an audit pass after the first fetch */
  }
}

int replica_link_due(replica_link *l, int64_t now)
{
  if (l->inflight && now - l->sent_ms < SUB_REPLICA_TIMEOUT_MS)
    return 0;
  if (l->inflight)
    hb_log_warn("replica: %s: no answer for %d s, asking again", l->ep,
                SUB_REPLICA_TIMEOUT_MS / 1000);
  l->inflight = false;
  if (!l->county[0]) /* who is there, its epoch and head: an audit of entry 1 (no entries) */
    return send_audit(l, 1, 1, now) == HB_EINVAL ? HB_EINVAL : 0;
  uint64_t n, epoch;
  uint8_t hash[32];
  bool broken;
  int rc = held_get(l, &n, hash, &epoch, &broken);
  if (rc != 0 || broken)
    return rc;
  if (l->phase != LINK_FETCH) { /* an audit or a search for where the histories part */
    uint64_t to = l->phase == LINK_SCAN ? l->lo + SUB_REPLICA_AUDIT_CHUNK - 1 : (l->lo + l->hi) / 2;
    if (to > l->end)
      to = l->end;
    if (l->phase == LINK_BISECT && to > l->hi)
      to = l->hi;
    return send_audit(l, l->lo, to, now) == HB_EINVAL ? HB_EINVAL : 0;
  }
  uint64_t want = atomic_load(&l->want);
  bool fetch = l->more || want > n || now >= l->next_poll_ms;
  if (!fetch && n > 0 && now >= l->next_audit_ms) { /* the rolling audit: the next chunk */
    l->phase = LINK_SCAN;
    l->purpose = LINK_ROLL;
    l->lo = l->audited + 1 <= n ? l->audited + 1 : 1;
    l->end = l->lo + SUB_REPLICA_AUDIT_CHUNK - 1 < n ? l->lo + SUB_REPLICA_AUDIT_CHUNK - 1 : n;
    l->pass_end = l->end == n;
    l->next_audit_ms = now + SUB_REPLICA_AUDIT_MS; /* a pass's last chunk: see search_done */
    return replica_link_due(l, now);
  }
  if (!fetch)
    return 0;
  Huibao__V1__DetailRequest req = HUIBAO__V1__DETAIL_REQUEST__INIT;
  req.has_after = req.has_max_bytes = true;
  req.after = n;
  req.max_bytes = SUB_REPLICA_BATCH_BYTES;
  l->req_audit = false;
  l->req_after = n;
  l->req_want = want;
  memcpy(l->req_hash, hash, 32);
  (void)send_req(l, &req, now);
  return 0;
}

/* The county's code as the reply names it: learned once, then checked. */
static int source_check(replica_link *l, const Huibao__V1__DetailReply *rep)
{
  if (!rep->source || !rep->source[0] || strlen(rep->source) >= sizeof l->county ||
      strchr(rep->source, '\0') != rep->source + strlen(rep->source)) {
    hb_log_warn("replica: %s: a reply without its county's code, ignored", l->ep);
    return 0;
  }
  if (l->code && strcmp(l->code, rep->source) != 0) {
    hb_log_err("replica: %s: says it is county %s, --server-code says %s: ignored", l->ep,
               rep->source, l->code);
    return 0;
  }
  if (!l->county[0]) {
    snprintf(l->county, sizeof l->county, "%s", rep->source);
    hb_log_info("replica: %s is county %s", l->ep, l->county);
  } else if (strcmp(l->county, rep->source) != 0) {
    hb_log_err("replica: %s: was county %s, now says %s: ignored", l->ep, l->county, rep->source);
    return 0;
  }
  return 1;
}

/* The record entry n of the county is about, for a message: "unit U kind K id I". */
static void entry_name(replica_link *l, uint64_t n, char *out, size_t len)
{
  snprintf(out, len, "?");
  MDB_txn *txn;
  if (hb_lmdb_read_begin(l->r->l.env, &txn) != 0)
    return;
  Huibao__V1__LogEntry *e;
  if (replica_entry_get(l->r, txn, l->county, n, &e) == 0) {
    replica_row row;
    if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_RECORD && e->record &&
        replica_row_of(e->record, &row) == 0)
      snprintf(out, len, "unit %s kind %c id %s", row.unit, row.kind, row.id);
    else if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_DECISION && e->decision)
      snprintf(out, len, "unit %s kind %s id %s (a decision)", e->decision->unit, e->decision->kind,
               e->decision->id);
    else if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL && e->removal)
      snprintf(out, len, "unit %s (a removal)", e->removal->unit);
    huibao__v1__log_entry__free_unpacked(e, NULL);
  }
  hb_lmdb_read_end(txn);
}

/* Where the search ended: entry k is the first that differs (0: none in
 * the range searched). After a pass of the rolling audit, the next waits
 * a gap that grows while nothing changes (replica_sync.h). */
static void search_done(replica_link *l, uint64_t k, int64_t now)
{
  l->phase = LINK_FETCH;
  if (l->purpose == LINK_ROLL) {
    if (k == 0) {
      l->audited = l->end;
      if (l->pass_end) {
        l->audit_gap_ms = backoff(l->audit_gap_ms, SUB_REPLICA_AUDIT_MS, SUB_REPLICA_AUDIT_MAX_MS);
        l->next_audit_ms = now + l->audit_gap_ms;
      }
      return;
    }
    char name[400], why[REPLICA_WHY_MAX];
    entry_name(l, k, name, sizeof name);
    snprintf(why, sizeof why,
             "县 %s 历史第 %" PRIu64 " 条（%s）在市里取得后被改动或删除 (county %s: history "
             "entry %" PRIu64 ", %s: changed or removed at the county after the city fetched it)",
             l->county, k, name, l->county, k, name);
    hb_log_err("replica: %s", why);
    (void)replica_mark_broken(l->r, l->county, why);
    return;
  }
  uint64_t keep = k ? k - 1 : l->end;
  char err[256] = "";
  int rc = replica_rebase(l->r, l->county, keep, l->new_epoch, err, sizeof err);
  if (rc != 0)
    hb_log_err("replica: county %s: rebasing after its restore: %s", l->county, err);
  else
    hb_log_notice("replica: county %s was restored from a backup (epoch %016" PRIx64
                  "): its history is the one held up to entry %" PRIu64
                  "; the entries held after it are kept as lost (docs/replica.md)",
                  l->county, l->new_epoch, keep);
  l->audited = 0;
}

/* Whether rep answers the audit asked (the same range, within the entries
 * held): else it is no answer (logged once per link), as a county could
 * otherwise make the city digest any range (audit_to = 2^64 - 1: for ever). */
static bool audit_range_ok(replica_link *l, const Huibao__V1__DetailReply *rep, MDB_txn *txn)
{
  Huibao__V1__ReplicaCounty *c = NULL;
  uint64_t n = 0;
  if (replica_county_get(l->r, txn, l->county, &c) == 0 && c) {
    n = c->n;
    huibao__v1__replica_county__free_unpacked(c, NULL);
  }
  bool ok = rep->has_audit_from && rep->has_audit_to && rep->audit_from == l->req_from &&
            rep->audit_to == l->req_to && l->req_from >= 1 && l->req_to >= l->req_from &&
            l->req_to <= n;
  if (!ok && !l->range_warned) {
    hb_log_warn("replica: county %s: an audit answered for entries %" PRIu64 "..%" PRIu64
                ", asked %" PRIu64 "..%" PRIu64 " (%" PRIu64 " held): ignored (logged once)",
                l->county, rep->audit_from, rep->audit_to, l->req_from, l->req_to, n);
    l->range_warned = true;
  }
  return ok;
}

/* An audit's answer during a scan or a bisection. Returns false when it
 * is no answer to the audit asked (the request stays out until its timeout). */
static bool on_audit(replica_link *l, const Huibao__V1__DetailReply *rep, int64_t now)
{
  if (l->phase == LINK_FETCH || !rep->has_audit_digest || rep->audit_digest.len != 32)
    return true;
  uint8_t mine[32];
  MDB_txn *txn;
  if (hb_lmdb_read_begin(l->r->l.env, &txn) != 0)
    return true;
  if (!audit_range_ok(l, rep, txn)) {
    hb_lmdb_read_end(txn);
    return false;
  }
  uint64_t from = l->req_from, to = l->req_to;
  int rc = replica_audit_digest(l->r, txn, l->county, from, to, mine);
  hb_lmdb_read_end(txn);
  if (rc != 0)
    return true;
  bool same = memcmp(mine, rep->audit_digest.data, 32) == 0;
  if (same) {
    l->lo = to + 1;
    if (l->phase == LINK_SCAN && l->lo > l->end)
      search_done(l, 0, now);
  } else if (from == to) {
    search_done(l, from, now);
  } else {
    l->phase = LINK_BISECT;
    l->hi = to;
  }
  if (l->phase == LINK_BISECT && l->lo == l->hi)
    search_done(l, l->lo, now);
  return true;
}

/* After a fetch's last reply: a rollup's head above the county's (a
 * restore to a lower head, a bogus Rollup.log.n) would make every round
 * trip a fetch, so want drops to top, unless a rollup raised it since the
 * fetch was sent (then the next fetch looks; the poll catches the rest). */
static void want_settle(replica_link *l, uint64_t top)
{
  uint64_t w = l->req_want;
  if (w > top)
    (void)atomic_compare_exchange_strong(&l->want, &w, top);
}

/* A reply to a fetch: an epoch change or a rewritten past starts a
 * search; else the entries are applied. */
static int on_fetch(replica_link *l, const Huibao__V1__DetailReply *rep, int64_t now)
{
  uint64_t n, epoch;
  uint8_t hash[32];
  bool broken;
  int rc = held_get(l, &n, hash, &epoch, &broken);
  if (rc != 0 || broken || n != l->req_after)
    return rc; /* the replica moved meanwhile (a rebase): the next fetch asks again */
  uint64_t head = rep->head ? rep->head->n : 0;
  bool same_past = n == 0 || (rep->has_after_hash && rep->after_hash.len == 32 &&
                              memcmp(rep->after_hash.data, hash, 32) == 0);
  bool new_epoch = epoch && rep->has_epoch && rep->epoch != epoch;
  if (!same_past) {
    l->phase = LINK_SCAN;
    l->lo = 1;
    l->end = head < n ? (head ? head : 1) : n;
    l->purpose = new_epoch ? LINK_REBASE : LINK_ROLL;
    l->new_epoch = rep->epoch;
    if (!new_epoch && head < n) {
      char why[REPLICA_WHY_MAX];
      snprintf(why, sizeof why,
               "县 %s 的历史只剩 %" PRIu64 " 条，市里已有 %" PRIu64 " 条 (county %s: its history "
               "has %" PRIu64 " entries, the city holds %" PRIu64 ": entries removed)",
               l->county, head, n, l->county, head, n);
      l->end = n;
      if (head == 0) {
        l->phase = LINK_FETCH;
        hb_log_err("replica: %s", why);
        return replica_mark_broken(l->r, l->county, why);
      }
    }
    hb_log_notice("replica: county %s: %s; finding where the histories part", l->county,
                  new_epoch ? "restored from a backup (a new epoch)"
                            : "its hash of the last entry held differs");
    return 0;
  }
  if (new_epoch)
    hb_log_notice("replica: county %s has a new epoch %016" PRIx64 " and still the history held",
                  l->county, rep->epoch);
  size_t applied = 0;
  char err[256] = "";
  rc = replica_apply(l->r, l->county, rep->has_epoch ? rep->epoch : 0, rep->entries, rep->n_entries,
                     rep->delete_free, rep->n_delete_free, &applied, err, sizeof err);
  if (rc != 0) {
    hb_log_err("replica: county %s: %s", l->county, err[0] ? err : hb_strerror(rc));
    return rc;
  }
  l->fetched += applied;
  if (applied)
    hb_log_info("replica: county %s: applied %zu entries (%" PRIu64 "..%" PRIu64 " of %" PRIu64 ")",
                l->county, applied, n + 1, n + applied, head);
  l->head = head;
  l->more = rep->has_more && rep->more && applied == rep->n_entries && applied > 0;
  l->synced = !l->more && n + applied >= head;
  if (applied)
    audit_soon(l, now);
  if (applied && l->req_want <= l->req_after)
    l->poll_ivl_ms = 0; /* the poll found what no rollup showed: it polls at its shortest again */
  if (!l->more) {
    l->poll_ivl_ms = backoff(l->poll_ivl_ms, SUB_REPLICA_POLL_MS, SUB_REPLICA_POLL_MAX_MS);
    l->next_poll_ms = now + l->poll_ivl_ms;
    uint64_t held = n + applied;
    want_settle(l, head > held ? head : held);
  }
  if (applied < rep->n_entries) {
    uint64_t hn;
    uint8_t hh[32];
    uint64_t he;
    bool hb;
    if (held_get(l, &hn, hh, &he, &hb) == 0 && hb)
      hb_log_err("replica: county %s: its history did not check (see `huibao-sub verify`)",
                 l->county);
  }
  return 0;
}

/* The request out is treated as unanswered: asked again at its timeout,
 * and any other reply to it is dropped (its id is no longer the one awaited). */
static void give_up(replica_link *l)
{
  l->inflight = true;
  l->next_id++;
}

int replica_link_recv(replica_link *l, int64_t now)
{
  zmq_msg_t m;
  zmq_msg_init(&m);
  if (zmq_msg_recv(&m, l->sock, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&m);
    return 0;
  }
  bool more = zmq_msg_more(&m);
  Huibao__V1__DetailReply *rep =
      more ? NULL : huibao__v1__detail_reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
  zmq_msg_close(&m);
  while (more) { /* drop the rest of a multi-frame message */
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, l->sock, 0) < 0)
      more = false;
    else
      more = zmq_msg_more(&m);
    zmq_msg_close(&m);
  }
  if (!rep) {
    l->bad++;
    return 1;
  }
  int rc = 0;
  if (!rep->has_id || rep->id != l->next_id || !l->inflight) {
    /* an answer to a request given up on */
  } else if (source_check(l, rep)) {
    l->inflight = false;
    if (rep->error) {
      hb_log_warn("replica: county %s: %s", l->county, rep->error);
      if (l->req_audit && l->phase != LINK_FETCH) { /* a search's: asked again at the timeout */
        give_up(l);
      } else if (!l->req_audit) { /* asked again at the poll */
        l->more = false;
        l->poll_ivl_ms = backoff(l->poll_ivl_ms, SUB_REPLICA_POLL_MS, SUB_REPLICA_POLL_MAX_MS);
        l->next_poll_ms = now + l->poll_ivl_ms;
        want_settle(l, l->req_after);
      }
    } else if (l->req_audit) {
      if (!on_audit(l, rep, now))
        give_up(l); /* not the audit asked */
    } else {
      rc = on_fetch(l, rep, now);
    }
  } else {
    l->inflight = false;
  }
  huibao__v1__detail_reply__free_unpacked(rep, NULL);
  return rc != 0 ? rc : 1;
}
