/* net_delta.c: the subscriber's side of the delta topics (see net_delta.h). */
#include "net_delta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_delta.h"
#include "hb_err.h"
#include "hb_publisher.h"
#include "hb_wire.h"

#define TOPIC_MAX 512

typedef struct held {
  char *campaign; /* owned */
  uint8_t *bytes; /* the packed Rollup last rebuilt (owned; NULL: none yet) */
  size_t len;
  uint64_t hash;
  int64_t asked_ms; /* when the full state was last asked for */
  bool asked;
} held;

struct sub_netd {
  char rollup_topic[TOPIC_MAX]; /* "rollup/<campaign>" */
  char *campaign;               /* NULL: every campaign (owned) */
  bool legacy;                  /* subscribed to rollup_topic */
  bool tick;                    /* subscribed to "tick" (until a quiet beat comes) */
  int64_t last_new_ms;          /* when the last delta or beat came */
  uint32_t heartbeat_ms;        /* the publisher's, from its last rollup */
  uint32_t next_ms;             /* the last quiet beat's next_ms (0: none) */
  int drops;                    /* the connection closes seen (sub_netd_dropped) */
  bool lost;                    /* one since sub_netd_take_lost */
  held *h;
  size_t n, cap;
  Huibao__V1__Rollup **q; /* queued for sub_net_recv, first at qhead */
  size_t qhead, qn, qcap;
};

static int sub(void *sock, int opt, const char *a, const char *b)
{
  char t[TOPIC_MAX];
  int n = snprintf(t, sizeof t, "%s%s", a, b ? b : "");
  if (n < 0 || (size_t)n >= sizeof t)
    return -1;
  return zmq_setsockopt(sock, opt, t, (size_t)n);
}

sub_netd *sub_netd_open(void *sock, const char *campaign)
{
  sub_netd *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  snprintf(d->rollup_topic, sizeof d->rollup_topic, "%s%s", HB_WIRE_TOPIC_PREFIX,
           campaign ? campaign : "");
  d->legacy = d->tick = true;
  d->heartbeat_ms = HB_PUBLISHER_HEARTBEAT_MS;
  if ((campaign && !(d->campaign = strdup(campaign))) ||
      sub(sock, ZMQ_SUBSCRIBE, HB_DELTA_TOPIC_PREFIX, campaign) != 0 ||
      sub(sock, ZMQ_SUBSCRIBE, HB_DELTA_TOPIC_BEAT, NULL) != 0 ||
      sub(sock, ZMQ_SUBSCRIBE, HB_DELTA_TOPIC_TOCK, NULL) != 0) {
    sub_netd_free(d);
    return NULL;
  }
  return d;
}

void sub_netd_free(sub_netd *d)
{
  if (!d)
    return;
  for (size_t i = 0; i < d->n; i++) {
    free(d->h[i].campaign);
    free(d->h[i].bytes);
  }
  free(d->h);
  for (size_t i = d->qhead; i < d->qn; i++)
    protobuf_c_message_free_unpacked(&d->q[i]->base, NULL);
  free(d->q);
  free(d->campaign);
  free(d);
}

static bool is_topic(const char *topic, size_t tlen, const char *name)
{
  return tlen == strlen(name) && memcmp(topic, name, tlen) == 0;
}

bool sub_netd_topic(const char *topic, size_t tlen)
{
  size_t pl = strlen(HB_DELTA_TOPIC_PREFIX);
  return (tlen >= pl && memcmp(topic, HB_DELTA_TOPIC_PREFIX, pl) == 0) ||
         is_topic(topic, tlen, HB_DELTA_TOPIC_BEAT) || is_topic(topic, tlen, HB_DELTA_TOPIC_TOCK);
}

static held *held_get(sub_netd *d, const char *campaign)
{
  for (size_t i = 0; i < d->n; i++)
    if (strcmp(d->h[i].campaign, campaign) == 0)
      return &d->h[i];
  if (d->n >= 4096) /* as many campaigns as sub_collect keeps pairs: no more */
    return NULL;
  if (d->n == d->cap) {
    size_t cap = d->cap ? 2 * d->cap : 8;
    held *p = realloc(d->h, cap * sizeof *p);
    if (!p)
      return NULL;
    d->h = p;
    d->cap = cap;
  }
  held *h = &d->h[d->n];
  memset(h, 0, sizeof *h);
  if (!(h->campaign = strdup(campaign)))
    return NULL;
  d->n++;
  return h;
}

static int queue(sub_netd *d, Huibao__V1__Rollup *r)
{
  if (d->qhead == d->qn)
    d->qhead = d->qn = 0;
  if (d->qn == d->qcap) {
    size_t cap = d->qcap ? 2 * d->qcap : 8;
    Huibao__V1__Rollup **p = realloc(d->q, cap * sizeof *p);
    if (!p) {
      protobuf_c_message_free_unpacked(&r->base, NULL);
      return HB_ENOMEM;
    }
    d->q = p;
    d->qcap = cap;
  }
  d->q[d->qn++] = r;
  return 0;
}

int sub_netd_pop(sub_netd *d, Huibao__V1__Rollup **r)
{
  if (!d || d->qhead == d->qn)
    return 0;
  *r = d->q[d->qhead++];
  return 1;
}

/* Asks for campaign's full state (at most once a heartbeat). */
static void ask_full(sub_netd *d, void *sock, held *h, int64_t now_ms)
{
  if (h->asked && now_ms - h->asked_ms < (int64_t)d->heartbeat_ms)
    return;
  h->asked = true;
  h->asked_ms = now_ms;
  sub(sock, ZMQ_SUBSCRIBE, HB_DELTA_TOPIC_PREFIX, h->campaign);
  sub(sock, ZMQ_UNSUBSCRIBE, HB_DELTA_TOPIC_PREFIX, h->campaign);
}

/* Queues the Rollup of bytes[0..len) (a state rebuilt or held): 0, or
 * HB_EPROTO when it is not a Rollup of campaign. */
static int queue_bytes(sub_netd *d, const char *campaign, const uint8_t *bytes, size_t len)
{
  Huibao__V1__Rollup *r = NULL;
  if (hb_rollup_unpack(bytes, len, &r) != 0)
    return HB_EPROTO;
  if (strcmp(r->campaign, campaign) != 0) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return HB_EPROTO;
  }
  if (r->has_heartbeat_ms && r->heartbeat_ms > 0)
    d->heartbeat_ms = r->heartbeat_ms;
  return queue(d, r);
}

static int on_delta(sub_netd *d, void *sock, const char *topic, size_t tlen, const uint8_t *body,
                    size_t blen, int64_t now_ms, size_t *gaps)
{
  Huibao__V1__RollupDelta *m = NULL;
  if (hb_delta_unpack(body, blen, &m) != 0)
    return HB_EPROTO;
  size_t pl = strlen(HB_DELTA_TOPIC_PREFIX);
  int rc = 0;
  if (tlen - pl != strlen(m->campaign) || memcmp(topic + pl, m->campaign, tlen - pl) != 0)
    rc = HB_EPROTO;
  else if (d->campaign && strcmp(d->campaign, m->campaign) != 0)
    rc = 0; /* another campaign (a prefix of ours): not asked for */
  else {
    held *h = held_get(d, m->campaign);
    uint8_t *out = NULL;
    if (!h)
      rc = HB_ENOMEM;
    else if (m->has_base_hash && (!h->bytes || h->hash != m->base_hash)) {
      (*gaps)++; /* another base: missed a message, or joined late */
      ask_full(d, sock, h, now_ms);
    } else if (hb_delta_decode(m->has_base_hash ? h->bytes : NULL, h->len, m->zstd.data,
                               m->zstd.len, m->size, m->hash, &out) != 0 ||
               queue_bytes(d, m->campaign, out, m->size) != 0) {
      free(out);
      ask_full(d, sock, h, now_ms);
      rc = HB_EPROTO;
    } else {
      free(h->bytes);
      h->bytes = out;
      h->len = m->size;
      h->hash = m->hash;
      h->asked = false;
    }
  }
  protobuf_c_message_free_unpacked(&m->base, NULL);
  return rc;
}

static int on_beat(sub_netd *d, void *sock, bool tock, const uint8_t *body, size_t blen,
                   int64_t now_ms, size_t *gaps)
{
  Huibao__V1__RollupBeat *b = NULL;
  if (hb_delta_beat_unpack(body, blen, &b) != 0)
    return HB_EPROTO;
  if (tock) { /* a publisher of quiet beats: "tick" says the same, more often */
    d->next_ms = b->has_next_ms && b->next_ms > 0 ? b->next_ms : d->heartbeat_ms;
    if (d->tick && zmq_setsockopt(sock, ZMQ_UNSUBSCRIBE, HB_DELTA_TOPIC_BEAT,
                                  strlen(HB_DELTA_TOPIC_BEAT)) == 0)
      d->tick = false;
  }
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < b->n_entries; i++) {
    const Huibao__V1__RollupBeatEntry *e = b->entries[i];
    if (d->campaign && strcmp(d->campaign, e->campaign) != 0)
      continue;
    held *h = held_get(d, e->campaign);
    if (!h)
      rc = HB_ENOMEM;
    else if (h->bytes && (uint32_t)h->hash == e->hash)
      rc = queue_bytes(d, h->campaign, h->bytes, h->len) == HB_ENOMEM ? HB_ENOMEM : 0;
    else {
      (*gaps)++;
      ask_full(d, sock, h, now_ms);
    }
  }
  protobuf_c_message_free_unpacked(&b->base, NULL);
  return rc;
}

int sub_netd_handle(sub_netd *d, void *sock, const char *topic, size_t tlen, const uint8_t *body,
                    size_t blen, int64_t now_ms, size_t *gaps)
{
  d->last_new_ms = now_ms;
  if (d->legacy) { /* a new publisher: no full Rollups on the old topic any more */
    zmq_setsockopt(sock, ZMQ_UNSUBSCRIBE, d->rollup_topic, strlen(d->rollup_topic));
    d->legacy = false;
  }
  bool tock = is_topic(topic, tlen, HB_DELTA_TOPIC_TOCK);
  if (tock || is_topic(topic, tlen, HB_DELTA_TOPIC_BEAT))
    return on_beat(d, sock, tock, body, blen, now_ms, gaps);
  return on_delta(d, sock, topic, tlen, body, blen, now_ms, gaps);
}

void sub_netd_dropped(sub_netd *d, int drops)
{
  if (!d || drops == d->drops)
    return;
  d->drops = drops;
  d->next_ms = 0;
  d->lost = true;
}

bool sub_netd_take_lost(sub_netd *d)
{
  bool l = d && d->lost;
  if (d)
    d->lost = false;
  return l;
}

uint32_t sub_netd_quiet_ms(const sub_netd *d)
{
  return d && !d->legacy ? d->next_ms : 0;
}

void sub_netd_tick(sub_netd *d, void *sock, int64_t now_ms)
{
  if (!d || d->legacy ||
      now_ms - d->last_new_ms <= hb_delta_silence_ms(d->heartbeat_ms, d->next_ms))
    return;
  /* nothing new for that long: maybe an old publisher now */
  if (!d->tick && sub(sock, ZMQ_SUBSCRIBE, HB_DELTA_TOPIC_BEAT, NULL) == 0)
    d->tick = true;
  d->next_ms = 0;
  if (zmq_setsockopt(sock, ZMQ_SUBSCRIBE, d->rollup_topic, strlen(d->rollup_topic)) == 0)
    d->legacy = true;
}
