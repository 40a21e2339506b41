/* sender.c: the outbox over a DEALER socket, a window of Submits in flight. */
#include "sender.h"

#include "hb_zap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_handshake.h"
#include "hb_wire.h"
#include "hb_wire_zstd.h"
#include "hb_zmq.h"
#include "feedback.h"
#include "kinds.h"

#define ACKS_PER_DRAIN 64
/* As the county's INGEST_VERSION_AHEAD_US: a day. */
#define AGENT_VERSION_AHEAD_US (86400ull * 1000000ull)
#define POLL_MS 50
/* The slowest link a Submit's safety timer allows for (bytes per ms: 64
 * kbit/s) until the Acks' pace is known: a Submit of 80 KB may take 10 s
 * to cross it, behind nothing else. */
#define SLOWEST_LINK_BPMS 8
/* Bytes of Submits in flight before the county said whether it reads
 * compressed ones (Submits of a few records are not held back)... */
#define UNKNOWN_ZSTD_BYTES (32 * 1024)
/* ... and records per Submit then (~16 KB): a first sync's first Ack comes
 * after 200 records, not after one uncompressed Submit of 500 (~80 KB, 2.5 s
 * of a 256 kbit/s link). */
#define UNKNOWN_ZSTD_RECORDS 100
/* The ZMTP heartbeat of a batch program on a slow link: the county's Acks
 * and pings may come down more than 3 s apart while a window of Submits
 * crosses 256 kbit/s (an 80 KB Submit takes 3-6 s there), and a timeout of
 * 3 s closed the connection 4-9 times per first sync (docs/performance.md),
 * losing what was in flight. A dead county still ends the run after
 * --timeout without an Ack (progress_wait_ms). */
#define AGENT_HEARTBEAT_IVL_MS 5000
#define AGENT_HEARTBEAT_TIMEOUT_MS 30000

typedef struct entry {
  uint64_t seq;
  uint8_t keylen;
  uint8_t key[AGENT_KEY_MAX];
} entry;

typedef struct batch {
  int used;
  uint64_t id;
  hb_wire_buf submit; /* the packed Submit */
  size_t hdr;         /* where its records start in submit */
  hb_wire_buf z;      /* ... with its records as records_zstd (issue 17), once made */
  int zstd;           /* its last copy went as z */
  entry *e;           /* sorted by seq once built */
  size_t n;
  int64_t sent_ms;    /* 0: not (successfully) sent yet */
  int64_t not_before; /* county asked to retry later */
  int counted;        /* its records were counted in st->sent */
  int acked;
  int newer; /* the generation of its records' kinds (kinds.h old_county_refuses):
              * 0, or kinds an older county refuses; a Submit holds one generation */
} batch;

typedef struct sender {
  agent_state *s;
  const agent_send_opts *o;
  agent_send_stats *st;
  void *ctx, *sock;
  batch *b; /* o->window slots */
  uint64_t next_batch;
  entry *requeue; /* STALE keys to send again */
  size_t nrequeue, caprequeue;
  uint8_t cursor[AGENT_KEY_MAX]; /* last key taken from the outbox scan */
  size_t cursorlen;
  int scan_done;
  hb_handshake hs; /* why nothing comes back, when the handshake says */
  size_t scanned;  /* distinct records taken from the outbox scan this run */
  batch *filling;
  int fill_err;
  int probed;     /* the empty Submit of o->probe was made */
  int epoch_seen; /* an Ack of this run carried the county's epoch */
  int kind_break; /* batch_add stopped at a record of the other class (newer) */
  size_t future;  /* STALE answers with a version from the future (stale_from_future) */
  uint64_t epoch;
  uint64_t dec_after;  /* issue 14: meta "decisions" as committed, sent in every Submit */
  int dec_more;        /* the county has more decisions: probe again */
  int64_t last_ack_ms; /* when the last Ack of a Submit in flight came, 0: none yet */
  int64_t pace_ms;     /* the Acks' pace: ms per Submit answered (moving average), 0: unknown */
  int lost_seen;       /* x->hs.lost when the Submits in flight were last (re)sent */
  /* issue 17: what the county said of compressed Submits (Ack.accepts_zstd),
   * from the state's meta or this run's Acks; until it is known, small
   * Submits and few bytes are in flight (UNKNOWN_ZSTD_RECORDS, _BYTES), so a
   * first sync compresses all but its first ~200 records */
  int zstd_known, zstd_accepts, zstd_dirty;
} sender;

static int entry_cmp(const void *x, const void *y)
{
  const entry *a = x, *b = y;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Makes free slot b a new Submit without records (the next batch id). */
static int batch_start(sender *x, batch *b)
{
  if (!b->e && !(b->e = malloc((size_t)x->o->batch * sizeof *b->e)))
    return HB_ENOMEM;
  b->n = 0;
  b->id = x->next_batch++;
  b->sent_ms = b->not_before = 0;
  b->counted = b->acked = b->newer = b->zstd = 0;
  b->z.len = 0;
  int rc = hb_wire_submit_begin(&b->submit, b->id, x->o->unit, x->o->agent_version);
  if (rc == 0)
    rc = hb_wire_submit_decisions_after(&b->submit, x->dec_after);
  b->hdr = b->submit.len;
  return rc;
}

/* The generation of the record of key's kind: 0, or that of a kind an
 * older county refuses (1: indicators, cases; 2: 报送). */
static int key_newer(const uint8_t *key, size_t keylen)
{
  const agent_kind *k = keylen ? agent_kind_of_byte((char)key[0]) : NULL;
  return k ? k->old_county_refuses : 0;
}

/* Outbox visitor: appends one record to the batch being filled. A record
 * of another generation than the batch's (newer) ends the batch, unconsumed:
 * an older county refuses a whole Submit holding an indicator, a case or a
 * 报送 row, which must not hold back the rows it can read beside them. */
static int batch_add(void *arg, const uint8_t *key, size_t keylen, const uint8_t *val,
                     size_t vallen)
{
  sender *x = arg;
  batch *b = x->filling;
  if (b->n > 0 && key_newer(key, keylen) != b->newer) {
    x->kind_break = 1;
    return 1;
  }
  b->newer = key_newer(key, keylen);
  if (keylen <= AGENT_KEY_MAX && keylen > 0) {
    memcpy(x->cursor, key, keylen);
    x->cursorlen = keylen;
  }
  uint64_t seq;
  if (keylen == 0 || keylen > AGENT_KEY_MAX || hb_wire_record_seq(val, vallen, &seq) != 0)
    return 0; /* unreadable entry: left alone, counted as pending */
  if (hb_wire_submit_add(&b->submit, val, vallen)) {
    x->fill_err = HB_ENOMEM;
    return 1;
  }
  entry *e = &b->e[b->n++];
  e->seq = seq;
  e->keylen = (uint8_t)keylen;
  memcpy(e->key, key, keylen);
  return 0;
}

/* Fills free slot b with up to o->batch records: STALE ones first, then the
 * next ones of the outbox scan. Leaves b unused when there is nothing. */
static int batch_fill(sender *x, batch *b)
{
  size_t max = (size_t)x->o->batch;
  if (!x->zstd_known && hb_wire_zstd_available() && max > UNKNOWN_ZSTD_RECORDS)
    max = UNKNOWN_ZSTD_RECORDS; /* issue 17: few records go before the county says */
  int rc = batch_start(x, b);
  if (rc)
    return rc;
  x->filling = b;
  x->fill_err = 0;

  uint8_t save[AGENT_KEY_MAX];
  size_t savelen = x->cursorlen;
  memcpy(save, x->cursor, savelen);
  while (x->nrequeue > 0 && b->n < max) {
    entry *q = &x->requeue[x->nrequeue - 1];
    if (b->n > 0 && key_newer(q->key, q->keylen) != b->newer)
      break; /* the next batch takes it */
    x->nrequeue--;
    rc = agent_state_outbox_get(x->s, q->key, q->keylen, batch_add, x);
    if (rc && rc != HB_ENOTFOUND)
      return rc;
    if (x->fill_err)
      return x->fill_err;
  }
  memcpy(x->cursor, save, savelen); /* requeued keys do not move the scan */
  x->cursorlen = savelen;

  if (!x->scan_done && b->n < max && x->nrequeue == 0) {
    size_t want = max - b->n, visited;
    size_t before = b->n;
    x->kind_break = 0;
    rc = agent_state_outbox_scan(x->s, x->cursor, x->cursorlen, want, batch_add, x, &visited);
    if (rc)
      return rc;
    x->scanned += b->n - before;
    if (x->fill_err)
      return x->fill_err;
    if (visited < want && !x->kind_break)
      x->scan_done = 1;
  }
  if (b->n == 0)
    return HB_OK;
  if (b->n > 1) /* qsort's array may be NULL when empty */
    qsort(b->e, b->n, sizeof *b->e, entry_cmp);
  b->used = 1;
  return HB_OK;
}

/* Makes slot b an empty Submit (no records): its Ack tells the county's
 * epoch when the outbox has nothing to send. */
static int batch_probe(sender *x, batch *b)
{
  int rc = batch_start(x, b);
  if (rc)
    return rc;
  b->used = 1;
  return HB_OK;
}

static int requeue_push(sender *x, const entry *e)
{
  if (x->nrequeue == x->caprequeue) {
    size_t n = x->caprequeue ? x->caprequeue * 2 : 64;
    entry *q = realloc(x->requeue, n * sizeof *q);
    if (!q)
      return HB_ENOMEM;
    x->requeue = q;
    x->caprequeue = n;
  }
  x->requeue[x->nrequeue++] = *e;
  return HB_OK;
}

static batch *batch_find(sender *x, uint64_t id)
{
  for (int i = 0; i < x->o->window; i++)
    if (x->b[i].used && !x->b[i].acked && x->b[i].id == id)
      return &x->b[i];
  return NULL;
}

/* Receives one message (all frames; the Ack is the last one). 1 if got,
 * 0 if none is waiting, <0 on error. */
static int recv_ack(sender *x, Huibao__V1__Ack **ack)
{
  zmq_msg_t msg;
  zmq_msg_init(&msg);
  int more = 1, got = 0;
  while (more) {
    if (zmq_msg_recv(&msg, x->sock, got ? 0 : ZMQ_DONTWAIT) < 0) {
      int e = errno;
      zmq_msg_close(&msg);
      if (!got && e == EAGAIN)
        return 0;
      return HB_EZMQ;
    }
    got = 1;
    more = zmq_msg_more(&msg);
  }
  *ack = NULL;
  hb_wire_ack_unpack(zmq_msg_data(&msg), zmq_msg_size(&msg), ack);
  zmq_msg_close(&msg);
  return 1;
}

/* The Acks' pace: the county answers Submits in order, so the time from
 * the later of a Submit's sending and the previous Ack to its own Ack is
 * what one Submit takes on this link (its bytes behind the ones ahead, the
 * county's work); a moving average of it. */
static void ack_pace(sender *x, const batch *b, int64_t now)
{
  int64_t from = b->sent_ms > x->last_ack_ms ? b->sent_ms : x->last_ack_ms;
  if (b->sent_ms) {
    int64_t took = now > from ? now - from : 0;
    x->pace_ms = x->pace_ms ? (3 * x->pace_ms + took) / 4 : took;
  }
  x->last_ack_ms = now;
}

/* Issue 17: takes what ack says of compressed Submits. A county before them
 * leaves Submit.records_zstd aside as an unknown field and answers a Submit
 * of records with no results: then b goes again uncompressed (returns 1,
 * b stays in flight), as every later one. */
static int zstd_refused(sender *x, batch *b, const Huibao__V1__Ack *ack)
{
  int accepts = ack->has_accepts_zstd && ack->accepts_zstd;
  if (!x->zstd_known || accepts != x->zstd_accepts)
    x->zstd_dirty = 1;
  x->zstd_known = 1;
  x->zstd_accepts = accepts;
  if (!b->zstd || b->n == 0 || ack->n_results > 0)
    return 0;
  x->zstd_accepts = 0;
  x->zstd_dirty = 1;
  b->sent_ms = 0;
  return 1;
}

typedef struct drain {
  Huibao__V1__Ack *acks[ACKS_PER_DRAIN];
  size_t nacks;
  Huibao__V1__Decision **dec; /* the acks' decisions (issue 14), malloc'd */
  size_t ndec;
  int dec_more;
  agent_result *r;
  const Huibao__V1__RecordResult **rr;
  size_t n, cap;
} drain;

static int drain_push(drain *d, const entry *e, const Huibao__V1__RecordResult *res)
{
  if (d->n == d->cap) {
    size_t n = d->cap ? d->cap * 2 : 1024;
    agent_result *r = realloc(d->r, n * sizeof *r);
    if (!r)
      return HB_ENOMEM;
    d->r = r;
    const Huibao__V1__RecordResult **rr = realloc(d->rr, n * sizeof *rr);
    if (!rr)
      return HB_ENOMEM;
    d->rr = rr;
    d->cap = n;
  }
  d->r[d->n] = (agent_result){e->key, e->keylen, e->seq, (int)res->code, res->stored_version, 0};
  d->rr[d->n] = res;
  d->n++;
  return HB_OK;
}

/* A STALE answer whose stored version is further ahead of this clock than
 * any honest agent's could be (the county refuses such versions since
 * docs/protocol.md "Versions from the future"; one stored before, or by a
 * unit's stolen key, locks the row): re-versioning above it would put this
 * state's floor there too and lock every later row. So the row is left in
 * the outbox as it is, and st->error names it and the county's remedy. */
static int stale_from_future(sender *x, const entry *e, const Huibao__V1__RecordResult *res,
                             int64_t now_us)
{
  if (res->code != HUIBAO__V1__RESULT_CODE__STALE || !res->has_stored_version ||
      res->stored_version <= (uint64_t)(now_us > 0 ? now_us : 0) + AGENT_VERSION_AHEAD_US)
    return 0;
  if (!x->future) {
    char id[AGENT_KEY_MAX + 1];
    size_t n = e->keylen > 1 ? e->keylen - 1u : 0;
    memcpy(id, e->key + 1, n);
    id[n] = '\0';
    const agent_kind *k = agent_kind_of_byte((char)e->key[0]);
    const char *kind = k ? k->name : "activity";
    snprintf(x->st->error, sizeof x->st->error,
             "县级保存了来自未来的版本 / the county holds a version from the future for row %s "
             "(%s): version %llu is more than a day ahead of this computer's clock, so no edit "
             "of this row can replace it; the county's operator clears it with "
             "`huibao-aggregator admin --data DIR unlock %s %s --kind %s`, then sync again "
             "(the row stays in the outbox)",
             id, kind, (unsigned long long)res->stored_version, x->o->unit, id, kind);
  }
  x->future++;
  return 1;
}

/* The answer of a county of the version before indicators and cases to a
 * Submit holding one: it cannot read the record's body and refuses the
 * whole Submit ("malformed submit: record 0 (seq 7) has no body"). Such a
 * Submit holds only those records (batch_add), so nothing else is held
 * back: its records stay in the outbox as they are, counted in st->held
 * (the county's words in st->held_error), and are sent again on every sync
 * until the county, upgraded, stores them. Returns 1 when b was that. */
static int batch_held(sender *x, batch *b, const char *error)
{
  if (!b->newer || !strstr(error, "has no body"))
    return 0;
  b->acked = 1;
  x->st->held += b->n;
  snprintf(x->st->held_error, sizeof x->st->held_error, "%s", error);
  return 1;
}

/* Takes the decisions of ack (of this unit, from the county the state
 * knows: an Ack of another epoch is the start of a re-send, after which
 * they are asked for again from 0). */
static int decisions_take(sender *x, drain *d, const Huibao__V1__Ack *ack)
{
  uint64_t known;
  if (ack->n_decisions == 0 ||
      (ack->has_epoch && ack->epoch != 0 && agent_state_epoch(x->s, &known) && known != ack->epoch))
    return 0;
  Huibao__V1__Decision **p = realloc(d->dec, (d->ndec + ack->n_decisions) * sizeof *p);
  if (!p)
    return HB_ENOMEM;
  d->dec = p;
  for (size_t i = 0; i < ack->n_decisions; i++)
    if (strcmp(ack->decisions[i]->unit, x->o->unit) == 0)
      d->dec[d->ndec++] = ack->decisions[i];
  d->dec_more |= ack->decisions_more;
  return 0;
}

static int decision_cmp(const void *a, const void *b)
{
  const Huibao__V1__Decision *x = *(Huibao__V1__Decision *const *)a;
  const Huibao__V1__Decision *y = *(Huibao__V1__Decision *const *)b;
  return x->n < y->n ? -1 : x->n > y->n;
}

/* Keeps the decisions of a drain in one transaction (feedback.h), tells
 * the new ones, and asks for more when the county has more and these
 * moved the state on. */
static int decisions_keep(sender *x, drain *d)
{
  if (d->ndec == 0)
    return 0;
  qsort(d->dec, d->ndec, sizeof *d->dec, decision_cmp);
  bool *fresh = malloc(d->ndec * sizeof *fresh);
  if (!fresh)
    return HB_ENOMEM;
  uint64_t after;
  int rc = agent_feedback_store(x->s, d->dec, d->ndec, fresh, &after);
  if (rc) {
    free(fresh);
    return rc;
  }
  for (size_t i = 0; i < d->ndec; i++) {
    if (!fresh[i])
      continue;
    x->st->decisions++;
    if (x->o->on_decision)
      x->o->on_decision(x->o->decision_arg, d->dec[i]);
  }
  free(fresh);
  if (d->dec_more && after > x->dec_after)
    x->dec_more = 1;
  x->dec_after = after;
  return 0;
}

/* Receives the acks waiting now, applies them in one state transaction and
 * reports. *progress is set when some ack matched a Submit in flight. */
static int acks_drain(sender *x, agent_reject_fn on_reject, void *arg, int *progress)
{
  drain d;
  memset(&d, 0, sizeof d);
  int rc = 0, county_error = 0;
  int64_t now = hb_time_mono_ms(), now_us = agent_now_us();
  while (d.nacks < ACKS_PER_DRAIN && !county_error) {
    Huibao__V1__Ack *ack = NULL;
    int got = recv_ack(x, &ack);
    if (got < 0) {
      rc = got;
      break;
    }
    if (got == 0)
      break;
    batch *b = ack ? batch_find(x, ack->batch_id) : NULL;
    if (!b) {
      if (ack)
        huibao__v1__ack__free_unpacked(ack, NULL);
      continue;
    }
    d.acks[d.nacks++] = ack;
    ack_pace(x, b, now);
    if (ack->retry) { /* before error: a retry may carry its reason in error */
      if (ack->error)
        snprintf(x->st->error, sizeof x->st->error, "%s", ack->error);
      x->st->retried = 1;
      b->sent_ms = 0;
      b->not_before = now + x->o->retry_ms;
      continue;
    }
    if (ack->error && batch_held(x, b, ack->error)) {
      *progress = 1;
      continue;
    }
    if (ack->error) {
      snprintf(x->st->error, sizeof x->st->error, "%s", ack->error);
      county_error = 1;
      break;
    }
    *progress = 1;
    if (zstd_refused(x, b, ack))
      continue;
    b->acked = 1;
    if ((rc = decisions_take(x, &d, ack)) != 0)
      break;
    if (ack->has_epoch && ack->epoch != 0) {
      x->epoch_seen = 1;
      x->epoch = ack->epoch;
    }
    for (size_t i = 0; rc == 0 && i < ack->n_results; i++) {
      entry want = {.seq = ack->results[i]->seq};
      const entry *e = bsearch(&want, b->e, b->n, sizeof *b->e, entry_cmp);
      if (e && stale_from_future(x, e, ack->results[i], now_us))
        continue; /* left in the outbox as it is; the run ends (below) */
      if (e)
        rc = drain_push(&d, e, ack->results[i]);
    }
    if (rc)
      break;
  }
  if (rc == 0 && d.n > 0)
    rc = agent_state_apply(x->s, d.r, d.n, agent_now_us());
  if (rc == 0 && x->epoch_seen && !x->st->epoch_changed) {
    uint64_t known;
    if (!agent_state_epoch(x->s, &known))
      rc = agent_state_epoch_set(x->s, x->epoch); /* first contact */
    else if (known != x->epoch) {
      x->st->epoch_changed = 1;
      x->st->epoch = x->epoch;
    }
  }
  if (rc == 0 && x->zstd_dirty && x->epoch_seen && !x->st->epoch_changed) {
    rc = agent_state_zstd_set(x->s, x->epoch, x->zstd_accepts);
    x->zstd_dirty = 0;
  }
  if (rc == 0)
    rc = decisions_keep(x, &d);
  for (size_t i = 0; rc == 0 && i < d.n; i++) {
    const agent_result *r = &d.r[i];
    if (r->outcome == AGENT_RESEND) {
      x->st->stale++;
      entry e = {.seq = r->seq, .keylen = (uint8_t)r->keylen};
      memcpy(e.key, r->key, r->keylen);
      rc = requeue_push(x, &e);
      continue;
    }
    if (r->outcome != AGENT_DONE)
      continue;
    if (r->code == HUIBAO__V1__RESULT_CODE__STORED)
      x->st->stored++;
    if (r->code == HUIBAO__V1__RESULT_CODE__DUPLICATE)
      x->st->duplicate++;
    if (r->code == HUIBAO__V1__RESULT_CODE__REJECTED) {
      x->st->rejected++;
      char id[AGENT_KEY_MAX];
      memcpy(id, r->key + 1, r->keylen - 1);
      id[r->keylen - 1] = '\0';
      if (on_reject)
        on_reject(arg, (char)r->key[0], id, d.rr[i]->field, d.rr[i]->reason);
    }
  }
  for (int i = 0; i < x->o->window; i++)
    if (x->b[i].used && x->b[i].acked)
      x->b[i].used = 0;
  for (size_t i = 0; i < d.nacks; i++)
    huibao__v1__ack__free_unpacked(d.acks[i], NULL);
  free(d.r);
  free(d.rr);
  free(d.dec);
  if (rc == 0 && (county_error || x->future))
    rc = HB_EPROTO;
  return rc;
}

/* The Submit the county answers next: the first sent of those in flight
 * (batch ids grow), or NULL. */
static const batch *batch_head(const sender *x)
{
  const batch *h = NULL;
  for (int i = 0; i < x->o->window; i++) {
    const batch *b = &x->b[i];
    if (b->used && !b->acked && b->sent_ms && (!h || b->id < h->id))
      h = b;
  }
  return h;
}

/* How long the head Submit h may wait for its Ack before it is sent again:
 * over a live connection nothing is lost (a connection that closes makes
 * everything in flight go again, submits_send), so this is only a safety
 * net against an Ack the county could not send. It counts from the later of
 * h's sending and the last Ack (a Submit waits behind those ahead of it),
 * and is at least resend_ms, twice the Acks' pace, and the time h's bytes
 * take on the slowest link allowed for (a Submit on a link of 256 kbit/s
 * takes seconds; sending it again while the first copy still waits in the
 * TCP buffer doubles the bytes and delays every Ack, docs/performance.md
 * "Poor link"). */
static int64_t head_wait_ms(const sender *x, const batch *h)
{
  int64_t w = x->o->resend_ms;
  if (2 * x->pace_ms > w)
    w = 2 * x->pace_ms;
  int64_t bytes = (int64_t)h->submit.len / SLOWEST_LINK_BPMS;
  return bytes > w ? bytes : w;
}

/* The bytes b goes as, in *w: its records compressed (records_zstd) while
 * the county reads them and they come out smaller, else as packed. */
static int batch_wire(sender *x, batch *b, const hb_wire_buf **w)
{
  *w = &b->submit;
  b->zstd = 0;
  if (!x->zstd_accepts || b->n == 0 || !hb_wire_zstd_available())
    return HB_OK;
  if (b->z.len == 0) {
    int rc = hb_wire_zstd_deflate(b->submit.data, b->submit.len, b->hdr, &b->z);
    if (rc)
      return rc;
  }
  if (b->z.len < b->submit.len) {
    *w = &b->z;
    b->zstd = 1;
  }
  return HB_OK;
}

/* Sends every Submit in flight that was never sent, all of them again when
 * the connection they went on closed (x->hs.lost moved), and the head one
 * (batch_head) again when its Ack is later than head_wait_ms. A Submit the
 * socket cannot take now (no connection yet: IMMEDIATE) is tried again on
 * the next round. */
static int submits_send(sender *x)
{
  int64_t now = hb_time_mono_ms();
  if (x->hs.lost != x->lost_seen) {
    x->lost_seen = x->hs.lost;
    for (int i = 0; i < x->o->window; i++)
      if (x->b[i].used && !x->b[i].acked)
        x->b[i].sent_ms = 0;
  }
  const batch *head = batch_head(x);
  for (int i = 0; i < x->o->window; i++) {
    batch *b = &x->b[i];
    if (!b->used || now < b->not_before)
      continue;
    if (b->sent_ms) {
      int64_t from = b->sent_ms > x->last_ack_ms ? b->sent_ms : x->last_ack_ms;
      if (b != head || now - from < head_wait_ms(x, b))
        continue;
    }
    const hb_wire_buf *w = &b->submit;
    int rc = batch_wire(x, b, &w);
    if (rc)
      return rc;
    if (zmq_send(x->sock, w->data, w->len, ZMQ_DONTWAIT) < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      return HB_EZMQ;
    }
    b->sent_ms = now;
    x->st->submits++;
    x->st->submits_zstd += b->zstd;
    x->st->bytes += w->len;
    x->st->bytes_plain += b->submit.len;
    if (!b->counted)
      x->st->sent += b->n;
    b->counted = 1;
  }
  return HB_OK;
}

/* The longest this run waits without an Ack: timeout_ms, or, while the
 * connection is up and a Submit is on its way, twice what the head one may
 * take (head_wait_ms): a slow link still draining the window is not a
 * county that stopped answering. */
static int64_t progress_wait_ms(const sender *x)
{
  int64_t w = x->o->timeout_ms;
  const batch *h = x->hs.up ? batch_head(x) : NULL;
  if (h && 2 * head_wait_ms(x, h) > w)
    w = 2 * head_wait_ms(x, h);
  return w;
}

#define STALE_MAX_RATIO 3
#define STALE_SLACK 64

static int sender_loop(sender *x, agent_reject_fn on_reject, void *arg)
{
  int64_t last_progress = hb_time_mono_ms();
  for (;;) {
    if (x->o->stop && *x->o->stop)
      return HB_ETIMEDOUT;
    int inflight = 0;
    /* issue 17: until the county's Ack says whether it reads compressed
     * Submits, at most UNKNOWN_ZSTD_BYTES go uncompressed (and always one
     * Submit); an agent that cannot compress needs not ask */
    int ask = !x->zstd_known && hb_wire_zstd_available();
    size_t bytes = 0;
    for (int i = 0; i < x->o->window; i++)
      bytes += x->b[i].used ? x->b[i].submit.len : 0;
    for (int i = 0; i < x->o->window; i++) {
      batch *b = &x->b[i];
      if (!b->used && (x->nrequeue > 0 || !x->scan_done) &&
          !(ask && inflight > 0 && bytes >= UNKNOWN_ZSTD_BYTES)) {
        int rc = batch_fill(x, b);
        if (rc)
          return rc;
        bytes += b->used ? b->submit.len : 0;
      }
      inflight += b->used;
    }
    if (inflight == 0 &&
        (x->dec_more || (x->o->probe && !x->probed && x->scanned == 0 && x->st->sent == 0))) {
      x->probed = 1;
      x->dec_more = 0;
      int rc = batch_probe(x, &x->b[0]);
      if (rc)
        return rc;
      inflight = 1;
    }
    if (inflight == 0)
      return HB_OK;

    int rc = submits_send(x);
    if (rc)
      return rc;
    /* With ZMQ_IMMEDIATE a Submit cannot be sent before the handshake is
     * done: wait for POLLOUT too while one is due, or the loop would sleep
     * POLL_MS after the connection came up (50 ms of every short sync). */
    int64_t now = hb_time_mono_ms();
    short events = ZMQ_POLLIN;
    for (int i = 0; i < x->o->window; i++)
      if (x->b[i].used && !x->b[i].sent_ms && now >= x->b[i].not_before)
        events |= ZMQ_POLLOUT;
    zmq_pollitem_t item = {x->sock, 0, events, 0};
    if (zmq_poll(&item, 1, POLL_MS) < 0 && errno != EINTR)
      return HB_EZMQ;
    hb_handshake_poll(&x->hs);
    if (item.revents & ZMQ_POLLIN) {
      int progress = 0;
      rc = acks_drain(x, on_reject, arg, &progress);
      if (rc)
        return rc;
      if (x->st->epoch_changed)
        return AGENT_SEND_EPOCH_CHANGED;
      if (progress)
        last_progress = hb_time_mono_ms();
      /* A record answered STALE is sent again with a higher version; a
       * sound county stores it then. One that answers STALE forever would
       * keep this loop busy (every ack counts as progress), so a run gives
       * up once STALE answers outnumber the records taken 3 to 1. */
      if (x->st->stale > STALE_MAX_RATIO * x->scanned + STALE_SLACK) {
        snprintf(x->st->error, sizeof x->st->error,
                 "the county answered STALE %zu times to %zu records: it keeps asking for a "
                 "newer version; stopped (everything stays in the outbox)",
                 x->st->stale, x->scanned);
        return HB_EAGAIN;
      }
    }
    if (hb_time_mono_ms() - last_progress >= progress_wait_ms(x))
      return HB_ETIMEDOUT;
  }
}

int agent_send(agent_state *s, const agent_send_opts *o, agent_reject_fn on_reject, void *arg,
               agent_send_stats *st)
{
  memset(st, 0, sizeof *st);
  if (o->window < 1 || o->batch < 1 || o->batch > HB_WIRE_MAX_BATCH)
    return HB_EINVAL;
  sender x;
  memset(&x, 0, sizeof x);
  x.s = s;
  x.o = o;
  x.st = st;
  x.next_batch = (uint64_t)hb_time_now_ms() * 1000; /* distinct across runs */
  int rc = agent_feedback_after(s, &x.dec_after);
  if (rc)
    goto done;
  x.zstd_known = agent_state_zstd(s, &x.zstd_accepts);
  rc = HB_ENOMEM;
  if (!(x.b = calloc((size_t)o->window, sizeof *x.b)))
    goto done;
  rc = HB_EZMQ;
  if (!(x.ctx = zmq_ctx_new()))
    goto done;
  if (!(x.sock = zmq_socket(x.ctx, ZMQ_DEALER)))
    goto done;
  if (hb_zmq_common(x.sock, HB_WIRE_MAXMSGSIZE, AGENT_HEARTBEAT_IVL_MS,
                    AGENT_HEARTBEAT_TIMEOUT_MS) ||
      hb_zmq_dealer(x.sock))
    goto done;
  if (o->key && hb_zap_client_socket(x.sock, o->key, o->county_public) != HB_OK)
    goto done;
  if (hb_handshake_watch(&x.hs, x.ctx, x.sock, "agent") != HB_OK)
    goto done;
  if (zmq_connect(x.sock, o->endpoint) != 0)
    goto done;
  rc = sender_loop(&x, on_reject, arg);
  hb_handshake_poll(&x.hs);
  st->reconnects = x.hs.lost;
  if (rc == HB_ETIMEDOUT)
    hb_handshake_explain(&x.hs, st->handshake, sizeof st->handshake);
done:
  hb_handshake_close(&x.hs, x.sock);
  if (x.sock)
    zmq_close(x.sock);
  if (x.ctx)
    zmq_ctx_term(x.ctx);
  for (int i = 0; x.b && i < o->window; i++) {
    free(x.b[i].submit.data);
    free(x.b[i].z.data);
    free(x.b[i].e);
  }
  free(x.b);
  free(x.requeue);
  st->pending = agent_state_outbox_count(s);
  return rc;
}
