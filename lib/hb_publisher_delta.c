/* hb_publisher_delta.c: the publisher's delta topics (see
 * hb_publisher_delta.h). */
#include "hb_publisher_delta.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_delta.h"
#include "hb_err.h"

/* Subscription prefixes followed; beyond it, everything is taken as
 * subscribed (sending to nobody costs CPU only: XPUB filters). */
#define INTEREST_MAX 256

typedef struct chain {
  char *campaign; /* owned */
  uint8_t *bytes; /* the packed Rollup last sent (owned) */
  size_t len;
  uint64_t hash, key, seq;
  bool want_full; /* a subscription asked for the full state */
  bool listed;    /* listed at the last beat */
} chain;

typedef struct prefix {
  uint8_t *b; /* owned */
  size_t len;
} prefix;

struct hb_pubdelta {
  chain *chains;
  size_t n, cap;
  prefix interest[INTEREST_MAX];
  size_t ninterest;
  bool interest_all; /* more prefixes than INTEREST_MAX */
  bool moved;        /* a state went out since hb_pubdelta_moved last said */
};

hb_pubdelta *hb_pubdelta_new(void)
{
  return calloc(1, sizeof(hb_pubdelta));
}

static void chain_free(chain *c)
{
  free(c->campaign);
  free(c->bytes);
}

void hb_pubdelta_free(hb_pubdelta *d)
{
  if (!d)
    return;
  for (size_t i = 0; i < d->n; i++)
    chain_free(&d->chains[i]);
  free(d->chains);
  for (size_t i = 0; i < d->ninterest; i++)
    free(d->interest[i].b);
  free(d);
}

void hb_pubdelta_subscription(hb_pubdelta *d, bool on, const uint8_t *t, size_t len)
{
  for (size_t i = 0; i < d->ninterest; i++)
    if (d->interest[i].len == len && memcmp(d->interest[i].b, t, len) == 0) {
      if (!on) {
        free(d->interest[i].b);
        d->interest[i] = d->interest[--d->ninterest];
      }
      return;
    }
  if (!on)
    return;
  uint8_t *b = d->ninterest < INTEREST_MAX ? malloc(len ? len : 1) : NULL;
  if (!b) {
    d->interest_all = true;
    return;
  }
  memcpy(b, t, len);
  d->interest[d->ninterest++] = (prefix){b, len};
}

/* Whether some subscription is a prefix of topic a + b. */
static bool covered(const hb_pubdelta *d, const char *a, const char *b)
{
  if (d->interest_all)
    return true;
  size_t la = strlen(a), lb = strlen(b);
  for (size_t i = 0; i < d->ninterest; i++) {
    const prefix *p = &d->interest[i];
    if (p->len > la + lb)
      continue;
    size_t ka = p->len < la ? p->len : la;
    if (memcmp(p->b, a, ka) == 0 && memcmp(p->b + ka, b, p->len - ka) == 0)
      return true;
  }
  return false;
}

bool hb_pubdelta_wanted(const hb_pubdelta *d, const char *campaign)
{
  return covered(d, HB_DELTA_TOPIC_PREFIX, campaign);
}

bool hb_pubdelta_beat_wanted(const hb_pubdelta *d)
{
  return covered(d, HB_DELTA_TOPIC_BEAT, "");
}

bool hb_pubdelta_tock_wanted(const hb_pubdelta *d)
{
  return covered(d, HB_DELTA_TOPIC_TOCK, "");
}

static chain *chain_find(hb_pubdelta *d, const char *campaign)
{
  for (size_t i = 0; i < d->n; i++)
    if (strcmp(d->chains[i].campaign, campaign) == 0)
      return &d->chains[i];
  return NULL;
}

static chain *chain_get(hb_pubdelta *d, const char *campaign)
{
  chain *c = chain_find(d, campaign);
  if (c)
    return c;
  if (d->n == d->cap) {
    size_t cap = d->cap ? 2 * d->cap : 8;
    chain *p = realloc(d->chains, cap * sizeof *p);
    if (!p)
      return NULL;
    d->chains = p;
    d->cap = cap;
  }
  c = &d->chains[d->n];
  memset(c, 0, sizeof *c);
  if (!(c->campaign = strdup(campaign)))
    return NULL;
  d->n++;
  return c;
}

void hb_pubdelta_want_full(hb_pubdelta *d, const char *campaign)
{
  chain *c = chain_get(d, campaign);
  if (c)
    c->want_full = true;
}

/* Sends [topic][body]; counts it. */
static int send2(void *xpub, const char *topic, const uint8_t *body, size_t len, uint64_t *sent,
                 uint64_t *dropped)
{
  if (zmq_send(xpub, topic, strlen(topic), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
      zmq_send(xpub, body, len, ZMQ_DONTWAIT) < 0) {
    (*dropped)++;
    return errno == EAGAIN ? HB_EAGAIN : HB_EZMQ;
  }
  (*sent)++;
  return 0;
}

/* Builds the RollupDelta of c's move to buf[0..len) (key, seq): full or
 * against c's state. */
static int delta_build(const chain *c, bool full, const uint8_t *buf, size_t len, uint64_t hash,
                       uint64_t seq, uint8_t **msg, size_t *mlen)
{
  uint8_t *z = NULL;
  size_t zlen = 0;
  int rc = full ? hb_delta_encode(NULL, 0, buf, len, &z, &zlen)
                : hb_delta_encode(c->bytes, c->len, buf, len, &z, &zlen);
  if (rc == 0)
    rc = hb_delta_pack(c->campaign, seq, hash, len, !full, c->hash, z, zlen, msg, mlen);
  free(z);
  return rc;
}

int hb_pubdelta_offer(hb_pubdelta *d, void *xpub, const char *campaign, const uint8_t *buf,
                      size_t len, bool full, uint64_t *sent, uint64_t *dropped)
{
  chain *c = chain_get(d, campaign);
  if (!c)
    return HB_ENOMEM;
  uint64_t key, seq;
  if (hb_delta_state_key(buf, len, &key, &seq) != 0) { /* not a Rollup: its bytes are its state */
    key = hb_delta_hash(buf, len);
    seq = 0;
  }
  full = full || c->want_full || !c->bytes;
  if (!full && key == c->key)
    return 0;
  uint8_t *copy = malloc(len ? len : 1), *msg = NULL;
  size_t mlen = 0;
  uint64_t hash = hb_delta_hash(buf, len);
  int rc = copy ? delta_build(c, full, buf, len, hash, seq, &msg, &mlen) : HB_ENOMEM;
  char topic[512];
  if (rc == 0 &&
      snprintf(topic, sizeof topic, "%s%s", HB_DELTA_TOPIC_PREFIX, campaign) >= (int)sizeof topic)
    rc = HB_EINVAL;
  if (rc != 0) {
    free(copy);
    (*dropped)++;
    return rc;
  }
  rc = send2(xpub, topic, msg, mlen, sent, dropped);
  free(msg);
  d->moved = true;
  /* the state moves even when the send failed: a subscriber that missed
   * it sees another base next time and asks for the full state */
  memcpy(copy, buf, len);
  free(c->bytes);
  c->bytes = copy;
  c->len = len;
  c->hash = hash;
  c->key = key;
  c->seq = seq;
  c->want_full = false;
  return rc;
}

/* Forgets the chains not marked listed; clears the marks. */
static void chains_prune(hb_pubdelta *d)
{
  for (size_t i = 0; i < d->n;) {
    if (d->chains[i].listed) {
      d->chains[i++].listed = false;
      continue;
    }
    chain_free(&d->chains[i]);
    d->chains[i] = d->chains[--d->n];
  }
}

/* Packs b (with next_ms when next_ms > 0) and sends it on topic: as
 * [topic][body], or in one frame topic + body (the quiet beat). */
static int beat_send(void *xpub, Huibao__V1__RollupBeat *b, const char *topic, bool one_frame,
                     uint32_t next_ms, uint64_t *sent, uint64_t *dropped)
{
  b->has_next_ms = next_ms > 0;
  b->next_ms = next_ms;
  size_t tl = strlen(topic), len = huibao__v1__rollup_beat__get_packed_size(b);
  uint8_t *buf = malloc(tl + len);
  if (!buf) {
    (*dropped)++;
    return HB_ENOMEM;
  }
  memcpy(buf, topic, tl);
  huibao__v1__rollup_beat__pack(b, buf + tl);
  int rc = 0;
  if (!one_frame)
    rc = send2(xpub, topic, buf + tl, len, sent, dropped);
  else if (zmq_send(xpub, buf, tl + len, ZMQ_DONTWAIT) < 0) {
    (*dropped)++;
    rc = errno == EAGAIN ? HB_EAGAIN : HB_EZMQ;
  } else
    (*sent)++;
  free(buf);
  return rc;
}

int hb_pubdelta_beat(hb_pubdelta *d, void *xpub, const char *const *ids, size_t n, bool tick,
                     uint32_t tock_next_ms, uint64_t *sent, uint64_t *dropped)
{
  Huibao__V1__RollupBeatEntry *es = calloc(n ? n : 1, sizeof *es);
  Huibao__V1__RollupBeatEntry **ps = calloc(n ? n : 1, sizeof *ps);
  int rc = es && ps ? 0 : HB_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    chain *c = chain_find(d, ids[i]);
    if (!c)
      continue;
    c->listed = true;
    if (!c->bytes)
      continue;
    huibao__v1__rollup_beat_entry__init(&es[k]);
    es[k].campaign = c->campaign;
    es[k].seq = c->seq;
    es[k].hash = (uint32_t)c->hash;
    ps[k] = &es[k];
    k++;
  }
  if (rc == 0)
    chains_prune(d);
  Huibao__V1__RollupBeat b = HUIBAO__V1__ROLLUP_BEAT__INIT;
  b.n_entries = k;
  b.entries = ps;
  if (rc == 0 && k > 0 && tick)
    rc = beat_send(xpub, &b, HB_DELTA_TOPIC_BEAT, false, 0, sent, dropped);
  if (k > 0 && tock_next_ms > 0) { /* k > 0: es and ps are there */
    int r2 = beat_send(xpub, &b, HB_DELTA_TOPIC_TOCK, true, tock_next_ms, sent, dropped);
    if (rc == 0)
      rc = r2;
  }
  free(es);
  free(ps);
  return rc;
}

bool hb_pubdelta_moved(hb_pubdelta *d)
{
  bool m = d->moved;
  d->moved = false;
  return m;
}
