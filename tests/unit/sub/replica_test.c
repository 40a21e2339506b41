/* Tests of the replica's check and replay (sub/replica_apply.c): a
 * county's history built by hand entry by entry, chained as the county
 * chains it; the records and review states it leaves, a chain break, a
 * gap, an impossible decision, a version not above the stored one; and
 * the link (sub/replica_link.c) against a fake county on inproc: a
 * rollup's head above the county's is not fetched at every round trip, an
 * audit answered for another range is no answer, the safety poll and the
 * audit passes back off while nothing changes (issue 17). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>
#include "../test.h"
#include "hb_chain.h"
#include "hb_review.h"
#include "replica_internal.h"
#include "replica_link.h"

#define MAXE 32
typedef struct hist {
  ProtobufCBinaryData e[MAXE];
  size_t n;
  uint8_t prev[32];
} hist;

/* Appends a LogEntry (n, prev set here) packed. */
static void hist_add(hist *h, Huibao__V1__LogEntry *e)
{
  e->n = h->n + 1;
  e->prev = (ProtobufCBinaryData){32, h->prev};
  e->at_s = 1654736400 + (int64_t)h->n;
  size_t len = huibao__v1__log_entry__get_packed_size(e);
  uint8_t *b = malloc(len);
  huibao__v1__log_entry__pack(e, b);
  hb_chain_hash(b, len, h->prev);
  h->e[h->n++] = (ProtobufCBinaryData){len, b};
}

static void hist_free(hist *h)
{
  for (size_t i = 0; i < h->n; i++)
    free(h->e[i].data);
}

/* A version of problem id of unit u1 (status: ProblemStatus; deleted). */
static void problem(hist *h, const char *id, uint64_t version, int status, bool deleted)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "u1";
  p.id = (char *)id;
  p.version = version;
  p.campaign = "c1";
  p.has_status = true;
  p.status = (Huibao__V1__ProblemStatus)status;
  p.has_deleted = deleted;
  p.deleted = deleted;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r.problem = &p;
  Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
  e.actor_kind = HUIBAO__V1__LOG_ACTOR__ACTOR_UNIT;
  e.actor = "u1";
  e.what_case = HUIBAO__V1__LOG_ENTRY__WHAT_RECORD;
  e.record = &r;
  hist_add(h, &e);
}

static void decision(hist *h, const char *id, int action)
{
  Huibao__V1__Decision d = HUIBAO__V1__DECISION__INIT;
  d.n = h->n + 1;
  d.unit = "u1";
  d.kind = "P";
  d.id = (char *)id;
  d.action = (Huibao__V1__DecisionAction)action;
  d.reviewer = "李四";
  d.reason = hb_review_needs_reason((hb_review_action)action) ? "理由" : NULL;
  d.at_s = 1654736500;
  Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
  e.actor_kind = HUIBAO__V1__LOG_ACTOR__ACTOR_REVIEWER;
  e.actor = "李四";
  e.what_case = HUIBAO__V1__LOG_ENTRY__WHAT_DECISION;
  e.decision = &d;
  hist_add(h, &e);
}

static char dir[64];

static sub_replica *fresh(void)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s/replica", dir);
  CHECK_EQ_INT(0, system(cmd));
  sub_replica *r = NULL;
  char err[256];
  CHECK_EQ_INT(0, sub_replica_open(&r, dir, false, err, sizeof err));
  return r;
}

typedef struct seen {
  char ids[8][16];
  int status[8], deleted[8];
  size_t n;
} seen;

static int collect(void *ctx, const hb_list_rec *lr)
{
  seen *s = ctx;
  if (s->n < 8) {
    snprintf(s->ids[s->n], sizeof s->ids[0], "%s", lr->rec->problem->id);
    s->status[s->n] = lr->review ? (int)lr->review->status : 0;
    s->deleted[s->n] = lr->rec->problem->deleted;
    s->n++;
  }
  return 0;
}

static int county_fn(void *ctx, const sub_replica_county *c)
{
  *(sub_replica_county *)ctx = *c;
  ((sub_replica_county *)ctx)->why = strdup(c->why);
  ((sub_replica_county *)ctx)->county = NULL;
  return 0;
}

static sub_replica_county county_of(sub_replica *r)
{
  sub_replica_county c;
  memset(&c, 0, sizeof c);
  char err[256];
  CHECK_EQ_INT(0, sub_replica_counties(r, county_fn, &c, err, sizeof err));
  return c;
}

static void apply(sub_replica *r, hist *h, size_t from, size_t to, char *const *free_, size_t nf,
                  size_t want_applied)
{
  size_t applied = 99;
  char err[256];
  CHECK_EQ_INT(
      0, replica_apply(r, "xw", 7, h->e + from, to - from, free_, nf, &applied, err, sizeof err));
  CHECK_EQ_INT((int)want_applied, (int)applied);
}

/* Versions and decisions give the county's review states (hb_review rules). */
static void test_review_replay(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  problem(&h, "P1", 1, 3, false); /* 已整改 */
  decision(&h, "P1", HB_ACTION_CONFIRM);
  problem(&h, "P2", 1, 2, false);
  decision(&h, "P2", HB_ACTION_RETURN);
  problem(&h, "P3", 1, 2, false);
  problem(&h, "P3", 2, 2, true); /* deleted: held for review (not free) */
  problem(&h, "P4", 1, 2, false);
  problem(&h, "P4", 2, 2, true);
  decision(&h, "P4", HB_ACTION_APPROVE_DELETE); /* gone */
  problem(&h, "P2", 2, 1, false);               /* the unit answers the return: NONE */
  apply(r, &h, 0, 5, NULL, 0, 5);               /* in two replies */
  apply(r, &h, 5, h.n, NULL, 0, h.n - 5);
  seen s = {0};
  char err[256];
  CHECK_EQ_INT(0, sub_replica_foreach(r, "xw", collect, &s, err, sizeof err));
  CHECK_EQ_INT(3, (int)s.n);
  CHECK_EQ_STR("P1", s.ids[0]);
  CHECK_EQ_INT(HB_REVIEW_CONFIRMED, s.status[0]);
  CHECK_EQ_STR("P2", s.ids[1]);
  CHECK_EQ_INT(HB_REVIEW_NONE, s.status[1]);
  CHECK_EQ_STR("P3", s.ids[2]); /* the held live version, not the tombstone */
  CHECK_EQ_INT(HB_REVIEW_DELETION_PENDING, s.status[2]);
  CHECK_EQ_INT(0, s.deleted[2]);
  sub_replica_county c = county_of(r);
  CHECK(!c.broken);
  CHECK_EQ_INT((int)h.n, (int)c.n);
  CHECK_EQ_INT(3, (int)c.records);
  CHECK(memcmp(c.hash, h.prev, 32) == 0);
  free((char *)c.why);
  sub_replica_close(r);
  hist_free(&h);
}

/* A campaign the county says is free: the deletion goes at once; a
 * deletion decision later says it was not, and is replayed as held. */
static void test_free_hint(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  char *free_[] = {"c1"};
  problem(&h, "P1", 1, 2, false);
  problem(&h, "P1", 2, 2, true);
  apply(r, &h, 0, 2, free_, 1, 2);
  seen s = {0};
  char err[256];
  CHECK_EQ_INT(0, sub_replica_foreach(r, "xw", collect, &s, err, sizeof err));
  CHECK_EQ_INT(0, (int)s.n); /* a free deletion counts nothing */
  decision(&h, "P1", HB_ACTION_REFUSE_DELETE);
  apply(r, &h, 2, 3, free_, 1, 1);
  memset(&s, 0, sizeof s);
  CHECK_EQ_INT(0, sub_replica_foreach(r, "xw", collect, &s, err, sizeof err));
  CHECK_EQ_INT(1, (int)s.n);
  CHECK_EQ_INT(HB_REVIEW_DELETION_REFUSED, s.status[0]);
  sub_replica_county c = county_of(r);
  CHECK(!c.broken);
  free((char *)c.why);
  sub_replica_close(r);
  hist_free(&h);
}

/* A changed entry (its successor's prev does not match) breaks the county there. */
static void test_chain_break(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  problem(&h, "P1", 1, 2, false);
  problem(&h, "P2", 1, 2, false);
  problem(&h, "P3", 1, 2, false);
  h.e[1].data[h.e[1].len - 1] ^= 1; /* entry 2 rewritten: entry 3 no longer carries its hash */
  apply(r, &h, 0, 3, NULL, 0, 2);
  sub_replica_county c = county_of(r);
  CHECK(c.broken);
  CHECK_EQ_INT(2, (int)c.n);
  CHECK_CONTAINS(c.why, "history entry 2");
  free((char *)c.why);
  apply(r, &h, 2, 3, NULL, 0, 0); /* a broken county takes nothing more */
  sub_replica_close(r);
  hist_free(&h);
}

/* A missing entry (a gap in n) breaks the county naming it. */
static void test_gap(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  problem(&h, "P1", 1, 2, false);
  problem(&h, "P2", 1, 2, false);
  problem(&h, "P3", 1, 2, false);
  ProtobufCBinaryData two[2] = {h.e[0], h.e[2]};
  size_t applied;
  char err[256];
  CHECK_EQ_INT(0, replica_apply(r, "xw", 7, two, 2, NULL, 0, &applied, err, sizeof err));
  CHECK_EQ_INT(1, (int)applied);
  sub_replica_county c = county_of(r);
  CHECK(c.broken);
  CHECK_CONTAINS(c.why, "history entry 2: missing");
  free((char *)c.why);
  sub_replica_close(r);
  hist_free(&h);
}

/* A decision the status forbids cannot be the county's: broken, naming the record. */
static void test_impossible_decision(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  problem(&h, "P9", 1, 2, false); /* 整改中: cannot be confirmed */
  decision(&h, "P9", HB_ACTION_CONFIRM);
  apply(r, &h, 0, 2, NULL, 0, 1);
  sub_replica_county c = county_of(r);
  CHECK(c.broken);
  CHECK_CONTAINS(c.why, "unit u1 kind P id P9");
  free((char *)c.why);
  sub_replica_close(r);
  hist_free(&h);
}

/* A version not above the stored one (the county stores only a higher
 * one): an older signed version appended, a roll-back; broken, naming it. */
static void test_older_version(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  problem(&h, "P1", 1, 2, false);
  problem(&h, "P1", 3, 2, false);
  problem(&h, "P1", 2, 3, false); /* rolled back below version 3 */
  apply(r, &h, 0, 3, NULL, 0, 2);
  sub_replica_county c = county_of(r);
  CHECK(c.broken);
  CHECK_CONTAINS(c.why, "history entry 3: unit u1 kind P id P1, version 2 is not above");
  CHECK_CONTAINS(c.why, "version 3 of entry 2");
  free((char *)c.why);
  sub_replica_close(r);
  hist_free(&h);
  r = fresh(); /* the same version again is not the county's either */
  hist h2 = {0};
  problem(&h2, "P2", 4, 2, false);
  problem(&h2, "P2", 4, 3, false);
  apply(r, &h2, 0, 2, NULL, 0, 1);
  c = county_of(r);
  CHECK(c.broken);
  CHECK_CONTAINS(c.why, "version 4 is not above the stored version 4 of entry 1");
  free((char *)c.why);
  sub_replica_close(r);
  hist_free(&h2);
}

/* A fake county: a ROUTER the link's DEALER is connected to over inproc. */
typedef struct fake {
  void *ctx, *router;
  replica_link l;
} fake;

static void fake_open(fake *f, sub_replica *r)
{
  memset(f, 0, sizeof *f);
  f->ctx = zmq_ctx_new();
  f->router = zmq_socket(f->ctx, ZMQ_ROUTER);
  CHECK_EQ_INT(0, zmq_bind(f->router, "inproc://county"));
  f->l.r = r;
  f->l.ep = "inproc://county";
  snprintf(f->l.county, sizeof f->l.county, "xw");
  f->l.sock = zmq_socket(f->ctx, ZMQ_DEALER);
  CHECK_EQ_INT(0, zmq_connect(f->l.sock, "inproc://county"));
}

static void fake_close(fake *f)
{
  int zero = 0;
  zmq_setsockopt(f->l.sock, ZMQ_LINGER, &zero, sizeof zero);
  zmq_setsockopt(f->router, ZMQ_LINGER, &zero, sizeof zero);
  zmq_close(f->l.sock);
  zmq_close(f->router);
  zmq_ctx_term(f->ctx);
}

/* The request the link sent (NULL: none within wait_ms); its identity frame in id. */
static Huibao__V1__DetailRequest *fake_request(fake *f, zmq_msg_t *id, int wait_ms)
{
  zmq_pollitem_t it = {f->router, 0, ZMQ_POLLIN, 0};
  if (zmq_poll(&it, 1, wait_ms) != 1)
    return NULL;
  zmq_msg_t m;
  zmq_msg_init(id);
  zmq_msg_init(&m);
  CHECK(zmq_msg_recv(id, f->router, 0) >= 0);
  CHECK(zmq_msg_recv(&m, f->router, 0) >= 0);
  Huibao__V1__DetailRequest *q =
      huibao__v1__detail_request__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
  zmq_msg_close(&m);
  return q;
}

/* Checks that the link sent no request within wait_ms. */
static void fake_none(fake *f, int wait_ms)
{
  zmq_msg_t id;
  Huibao__V1__DetailRequest *q = fake_request(f, &id, wait_ms);
  CHECK(!q);
  if (q) {
    huibao__v1__detail_request__free_unpacked(q, NULL);
    zmq_msg_close(&id);
  }
}

/* Sends rep to id, and lets the link take it (replica_link_recv at now). */
static void fake_reply_at(fake *f, zmq_msg_t *id, Huibao__V1__DetailReply *rep, int64_t now)
{
  uint8_t b[1024];
  CHECK(huibao__v1__detail_reply__get_packed_size(rep) <= sizeof b);
  size_t len = huibao__v1__detail_reply__pack(rep, b);
  CHECK(zmq_msg_send(id, f->router, ZMQ_SNDMORE) >= 0);
  CHECK(zmq_send(f->router, b, len, 0) >= 0);
  zmq_pollitem_t it = {f->l.sock, 0, ZMQ_POLLIN, 0};
  CHECK_EQ_INT(1, zmq_poll(&it, 1, 2000));
  CHECK_EQ_INT(1, replica_link_recv(&f->l, now));
}

static void fake_reply(fake *f, zmq_msg_t *id, Huibao__V1__DetailReply *rep)
{
  fake_reply_at(f, id, rep, 1000);
}

/* A rollup's head (want) above what the county answers: after that fetch,
 * want drops to the county's head, so the link is not due again at once;
 * a higher head shown later is fetched again. */
static void test_want_settles(void)
{
  sub_replica *r = fresh();
  fake f;
  fake_open(&f, r);
  atomic_store(&f.l.want, 100);
  CHECK_EQ_INT(0, replica_link_due(&f.l, 1000));
  zmq_msg_t id;
  Huibao__V1__DetailRequest *q = fake_request(&f, &id, 2000);
  CHECK(q && q->has_after && q->after == 0);
  Huibao__V1__DetailReply rep = HUIBAO__V1__DETAIL_REPLY__INIT;
  rep.has_id = rep.has_epoch = true;
  rep.id = q ? q->id : 0;
  rep.source = "xw";
  rep.epoch = 7; /* no head: the county's history is empty (restored, or the rollup lied) */
  if (q)
    huibao__v1__detail_request__free_unpacked(q, NULL);
  fake_reply(&f, &id, &rep);
  CHECK_EQ_INT(0, (int)atomic_load(&f.l.want));
  CHECK_EQ_INT(0, replica_link_due(&f.l, 1001));
  fake_none(&f, 100);         /* not due: the next fetch is the poll's */
  atomic_store(&f.l.want, 3); /* a later rollup's head: fetched at once */
  CHECK_EQ_INT(0, replica_link_due(&f.l, 1002));
  q = fake_request(&f, &id, 2000);
  CHECK(q != NULL);
  if (q) {
    huibao__v1__detail_request__free_unpacked(q, NULL);
    zmq_msg_close(&id);
  }
  fake_close(&f);
  sub_replica_close(r);
}

/* An audit answered for a range other than asked (to = 2^64 - 1 would
 * digest for ever) is no answer: not digested, the request stays out. */
static void test_audit_range(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  problem(&h, "P1", 1, 2, false);
  problem(&h, "P2", 1, 2, false);
  apply(r, &h, 0, 2, NULL, 0, 2);
  fake f;
  fake_open(&f, r);
  f.l.phase = LINK_SCAN;
  f.l.purpose = LINK_ROLL;
  f.l.lo = 1;
  f.l.end = 2;
  CHECK_EQ_INT(0, replica_link_due(&f.l, 1000));
  zmq_msg_t id;
  Huibao__V1__DetailRequest *q = fake_request(&f, &id, 2000);
  CHECK(q && q->has_audit_from && q->audit_from == 1 && q->audit_to == 2);
  uint8_t dig[32] = {0};
  Huibao__V1__DetailReply rep = HUIBAO__V1__DETAIL_REPLY__INIT;
  rep.has_id = rep.has_audit_from = rep.has_audit_to = rep.has_audit_digest = true;
  rep.id = q ? q->id : 0;
  rep.source = "xw";
  rep.audit_from = 1;
  rep.audit_to = UINT64_MAX;
  rep.audit_digest = (ProtobufCBinaryData){32, dig};
  if (q)
    huibao__v1__detail_request__free_unpacked(q, NULL);
  fake_reply(&f, &id, &rep);
  CHECK(f.l.range_warned);
  CHECK(f.l.inflight); /* asked again at its timeout */
  CHECK_EQ_INT(LINK_SCAN, (int)f.l.phase);
  sub_replica_county c = county_of(r);
  CHECK(!c.broken);
  CHECK_EQ_INT(2, (int)c.n);
  free((char *)c.why);
  fake_close(&f);
  sub_replica_close(r);
  hist_free(&h);
}

/* Rounds of nothing changing: the request due at *now (a fetch after entry
 * 2, or an audit of entries 1..2) is answered with rep (its id set here);
 * the link's next one is then due want[i] later, and nothing goes before. */
static void quiet_rounds(fake *f, Huibao__V1__DetailReply *rep, bool audit, const int64_t *want,
                         size_t n, int64_t *now)
{
  const int64_t *next = audit ? &f->l.next_audit_ms : &f->l.next_poll_ms;
  for (size_t i = 0; i < n; i++) {
    CHECK_EQ_INT(0, replica_link_due(&f->l, *now));
    zmq_msg_t id;
    Huibao__V1__DetailRequest *q = fake_request(f, &id, 2000);
    CHECK(q && (audit ? q->has_audit_from && q->audit_from == 1 && q->audit_to == 2
                      : q->has_after && q->after == 2));
    rep->has_id = true;
    rep->id = q ? q->id : 0;
    if (q)
      huibao__v1__detail_request__free_unpacked(q, NULL);
    fake_reply_at(f, &id, rep, *now);
    CHECK_EQ_INT(LINK_FETCH, (int)f->l.phase);
    CHECK_EQ_INT(want[i], (int)(*next - *now));
    CHECK_EQ_INT(0, replica_link_due(&f->l, *next - 1));
    fake_none(f, 50); /* not due before its time */
    *now = *next;
  }
}

/* Nothing changes: each empty fetch doubles the safety poll's interval (5,
 * 10, 20, 40, 60, 60 s), each audit pass the gap before the next (5, 10,
 * ..., 300 s); nothing is sent before it is due. A poll that finds an
 * entry no rollup showed sets both back to 5 s. */
static void test_backoff(void)
{
  sub_replica *r = fresh();
  hist h = {0};
  problem(&h, "P1", 1, 2, false);
  problem(&h, "P2", 1, 2, false);
  apply(r, &h, 0, 2, NULL, 0, 2);
  uint8_t hash2[32], dig[32];
  memcpy(hash2, h.prev, 32);
  problem(&h, "P3", 1, 2, false); /* entry 3: the county's, not yet fetched */
  MDB_txn *txn;
  CHECK_EQ_INT(0, hb_lmdb_read_begin(r->l.env, &txn));
  CHECK_EQ_INT(0, replica_audit_digest(r, txn, "xw", 1, 2, dig));
  hb_lmdb_read_end(txn);
  fake f;
  fake_open(&f, r);
  Huibao__V1__LogHead head = HUIBAO__V1__LOG_HEAD__INIT;
  head.n = 2;
  head.hash = (ProtobufCBinaryData){32, hash2};
  int64_t now = 1000;
  f.l.next_audit_ms = INT64_MAX; /* the polls first */
  Huibao__V1__DetailReply fetch = HUIBAO__V1__DETAIL_REPLY__INIT;
  fetch.source = "xw";
  fetch.head = &head;
  fetch.has_after_hash = true;
  fetch.after_hash = (ProtobufCBinaryData){32, hash2};
  const int64_t polls[] = {5000, 10000, 20000, 40000, 60000, 60000};
  quiet_rounds(&f, &fetch, false, polls, sizeof polls / sizeof polls[0], &now);
  f.l.next_poll_ms = INT64_MAX; /* the audits */
  f.l.next_audit_ms = now;
  Huibao__V1__DetailReply audit = HUIBAO__V1__DETAIL_REPLY__INIT;
  audit.source = "xw";
  audit.has_audit_from = audit.has_audit_to = audit.has_audit_digest = true;
  audit.audit_from = 1;
  audit.audit_to = 2;
  audit.audit_digest = (ProtobufCBinaryData){32, dig};
  const int64_t gaps[] = {5000, 10000, 20000, 40000, 80000, 160000, 300000, 300000};
  quiet_rounds(&f, &audit, true, gaps, sizeof gaps / sizeof gaps[0], &now);
  f.l.next_poll_ms = now; /* the poll (at 60 s) finds entry 3 */
  f.l.next_audit_ms = INT64_MAX;
  head.n = 3;
  head.hash = (ProtobufCBinaryData){32, h.prev};
  fetch.n_entries = 1;
  fetch.entries = &h.e[2];
  const int64_t once[] = {5000};
  quiet_rounds(&f, &fetch, false, once, 1, &now);
  CHECK_EQ_INT(1, (int)f.l.fetched);
  CHECK(f.l.next_audit_ms == now); /* an audit pass 5 s after it (now is the next poll's) */
  CHECK_EQ_INT(0, (int)f.l.audit_gap_ms);
  sub_replica_county c = county_of(r);
  CHECK(!c.broken);
  free((char *)c.why);
  fake_close(&f);
  sub_replica_close(r);
  hist_free(&h);
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/replica-test-XXXXXX");
  if (!mkdtemp(dir))
    return 1;
  RUN(test_review_replay);
  RUN(test_free_hint);
  RUN(test_chain_break);
  RUN(test_gap);
  RUN(test_impossible_decision);
  RUN(test_older_version);
  RUN(test_want_settles);
  RUN(test_audit_range);
  RUN(test_backoff);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  (void)system(cmd);
  return test_summary();
}
