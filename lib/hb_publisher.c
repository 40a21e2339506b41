/* hb_publisher.c: rollups out on XPUB: coalescing, heartbeat, new
 * subscribers, CURVE/ZAP (see hb_publisher.h). */
#include "hb_publisher.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_delta.h"
#include "hb_err.h"
#include "hb_publisher_delta.h"
#include "hb_wire.h"
#include "hb_zmq.h"

/* Subscription messages are a few bytes; nothing bigger may come in. */
#define XPUB_MAXMSGSIZE (64 * 1024)
/* TCP liveness of the subscribers' connections (ZMTP heartbeats): slow,
 * because the beats already show the subscribers that we live, and each
 * subscriber's own PINGs (sub/net.c) carry the TTL that drops it here when
 * it dies; this only catches a subscriber that never pings (docs/protocol.md
 * "Quiet beats"). */
#define NET_HEARTBEAT_MS 60000
/* Subscription messages read per hb_publisher_poll: a flood of them cannot
 * hold the caller's loop. */
#define POLL_MAX_MSGS 1000
/* "Changes never went out yet": far enough in the past that the first
 * change is due at once, near enough that now minus it cannot overflow. */
#define LONG_AGO (INT64_MIN / 4)
/* Distinct subscription topics remembered between two sends; more in that
 * time count as one subscription to everything (each campaign is still sent
 * at most once per heartbeat for them). */
#define SUBS_PENDING_MAX 32
/* Campaigns whose last subscription send is remembered (far more than any
 * county or city has; beyond it the memory starts again). */
#define SUBSENT_MAX 4096

typedef struct pub_topic {
  uint8_t *bytes; /* a subscription's prefix (owned) */
  size_t len;
} pub_topic;

typedef struct pub_sent {
  char *campaign; /* owned */
  int64_t ms;     /* when it last went out for a new subscription */
} pub_sent;

struct hb_publisher {
  hb_publisher_opts o; /* subscribers: NULL (the keyring is the ZAP handler's) */
  void *ctx, *xpub;
  hb_zap *zap; /* NULL without CURVE */
  char endpoint[256];
  bool beat_started; /* false: the first heartbeat is due at once */
  int64_t last_beat_ms;
  bool all_due;            /* a new subscriber (or mark_all) waits for everything */
  char **dirty;            /* campaigns marked since the last send (owned strings) */
  size_t ndirty, capdirty; /* ... */
  int64_t dirty_since_ms;  /* when the first of them was marked (DELAY) */
  int64_t changes_sent_ms; /* when marked changes last went out (RATE) */
  uint64_t sent, dropped;
  /* new subscriptions since the last send: only the campaigns whose topic
   * they match go out, each at most once per heartbeat (a subscriber that
   * churns its subscriptions cannot multiply what the others receive) */
  pub_topic subs[SUBS_PENDING_MAX];
  size_t nsubs;
  bool subs_all; /* more than SUBS_PENDING_MAX, or a subscription to everything */
  pub_sent *subsent;
  size_t nsubsent, capsubsent;
  hb_pubdelta *delta; /* the delta topics (issue 17, hb_publisher_delta.h) */
  int64_t tock_ms;    /* when the last quiet beat went out */
  uint32_t tock_next; /* the interval it announced (0: none went out yet) */
  bool tock_moved;    /* a state or a new subscription since: beat soon */
};

/* The XPUB's options, the ZAP handler and CURVE (before the bind), then
 * the bind. */
static int socket_open(hb_publisher *p, const hb_publisher_opts *o, hb_keyring *ring, char *err,
                       size_t errlen)
{
  int one = 1, hwm = o->sndhwm;
  if (!(p->ctx = zmq_ctx_new()) || !(p->xpub = zmq_socket(p->ctx, ZMQ_XPUB))) {
    snprintf(err, errlen, "zmq: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  if (hb_zmq_common(p->xpub, XPUB_MAXMSGSIZE, NET_HEARTBEAT_MS, 3 * NET_HEARTBEAT_MS) ||
      zmq_setsockopt(p->xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one) ||
      (hwm > 0 && zmq_setsockopt(p->xpub, ZMQ_SNDHWM, &hwm, sizeof hwm))) {
    snprintf(err, errlen, "socket options: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  if (o->cert) {
    if (hb_zap_open(p->ctx, &p->zap) != HB_OK) {
      snprintf(err, errlen, "CURVE/ZAP set-up: %s", zmq_strerror(errno));
      return HB_EZMQ;
    }
    hb_zap_set_keyring(p->zap, HB_PUBLISHER_ZAP_DOMAIN, ring);
    if (hb_zap_server_socket(p->xpub, o->cert, HB_PUBLISHER_ZAP_DOMAIN) != HB_OK) {
      snprintf(err, errlen, "CURVE/ZAP set-up: %s", zmq_strerror(errno));
      return HB_EZMQ;
    }
  }
  if (zmq_bind(p->xpub, o->endpoint) != 0) {
    snprintf(err, errlen, "bind %s: %s", o->endpoint, zmq_strerror(errno));
    return HB_EZMQ;
  }
  size_t elen = sizeof p->endpoint;
  if (zmq_getsockopt(p->xpub, ZMQ_LAST_ENDPOINT, p->endpoint, &elen) != 0)
    snprintf(p->endpoint, sizeof p->endpoint, "%s", o->endpoint);
  return 0;
}

int hb_publisher_open(hb_publisher **out, const hb_publisher_opts *o, char *err, size_t errlen)
{
  *out = NULL;
  hb_keyring ring = {0};
  if (o->subscribers) {
    ring = *o->subscribers;
    memset(o->subscribers, 0, sizeof *o->subscribers);
  }
  hb_publisher *p = calloc(1, sizeof *p);
  if (!p) {
    hb_keyring_free(&ring);
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  p->o = *o;
  p->o.cert = NULL;
  p->o.subscribers = NULL;
  if (!p->o.heartbeat_ms)
    p->o.heartbeat_ms = HB_PUBLISHER_HEARTBEAT_MS;
  p->changes_sent_ms = LONG_AGO;
  int rc = (p->delta = hb_pubdelta_new()) ? socket_open(p, o, &ring, err, errlen) : HB_ENOMEM;
  if (rc == HB_ENOMEM)
    snprintf(err, errlen, "out of memory");
  hb_keyring_free(&ring); /* a no-op once the ZAP handler took it */
  if (rc != 0) {
    hb_publisher_close(p);
    return rc;
  }
  *out = p;
  return 0;
}

static void dirty_clear(hb_publisher *p)
{
  for (size_t i = 0; i < p->ndirty; i++)
    free(p->dirty[i]);
  p->ndirty = 0;
}

static void subs_clear(hb_publisher *p)
{
  for (size_t i = 0; i < p->nsubs; i++)
    free(p->subs[i].bytes);
  p->nsubs = 0;
  p->subs_all = false;
}

static void subsent_clear(hb_publisher *p)
{
  for (size_t i = 0; i < p->nsubsent; i++)
    free(p->subsent[i].campaign);
  p->nsubsent = 0;
}

/* Remembers a new subscription to the topic prefix t (len bytes). */
static void subs_add(hb_publisher *p, const uint8_t *t, size_t len)
{
  if (p->subs_all)
    return;
  if (len == 0 || p->nsubs == SUBS_PENDING_MAX) {
    subs_clear(p);
    p->subs_all = true;
    return;
  }
  for (size_t i = 0; i < p->nsubs; i++)
    if (p->subs[i].len == len && memcmp(p->subs[i].bytes, t, len) == 0)
      return;
  uint8_t *b = malloc(len);
  if (!b) { /* out of memory: treated as everything (still once per heartbeat) */
    subs_clear(p);
    p->subs_all = true;
    return;
  }
  memcpy(b, t, len);
  p->subs[p->nsubs++] = (pub_topic){b, len};
}

/* Whether a pending subscription matches topic (len bytes). */
static bool subs_match(const hb_publisher *p, const char *topic, size_t len)
{
  if (p->subs_all)
    return true;
  for (size_t i = 0; i < p->nsubs; i++)
    if (p->subs[i].len <= len && memcmp(p->subs[i].bytes, topic, p->subs[i].len) == 0)
      return true;
  return false;
}

/* Whether campaign may go out for a new subscription at now_ms (not sent
 * for one within the last heartbeat); if so, notes that it does. */
static bool subsent_take(hb_publisher *p, const char *campaign, int64_t now_ms)
{
  for (size_t i = 0; i < p->nsubsent; i++)
    if (strcmp(p->subsent[i].campaign, campaign) == 0) {
      if (now_ms - p->subsent[i].ms < (int64_t)p->o.heartbeat_ms)
        return false;
      p->subsent[i].ms = now_ms;
      return true;
    }
  if (p->nsubsent >= SUBSENT_MAX)
    subsent_clear(p);
  if (p->nsubsent == p->capsubsent) {
    size_t cap = p->capsubsent ? 2 * p->capsubsent : 8;
    pub_sent *n = realloc(p->subsent, cap * sizeof *n);
    if (!n)
      return true; /* not remembered: sent anyway, as before */
    p->subsent = n;
    p->capsubsent = cap;
  }
  char *c = strdup(campaign);
  if (c)
    p->subsent[p->nsubsent++] = (pub_sent){c, now_ms};
  return true;
}

void hb_publisher_close(hb_publisher *p)
{
  if (!p)
    return;
  subs_clear(p);
  subsent_clear(p);
  free(p->subsent);
  hb_pubdelta_free(p->delta);
  if (p->xpub)
    zmq_close(p->xpub);
  hb_zap_close(p->zap);
  if (p->ctx)
    zmq_ctx_term(p->ctx);
  dirty_clear(p);
  free(p->dirty);
  free(p);
}

const char *hb_publisher_endpoint(const hb_publisher *p)
{
  return p->endpoint;
}

void *hb_publisher_socket(hb_publisher *p)
{
  return p->xpub;
}

void *hb_publisher_zap_socket(hb_publisher *p)
{
  return p->zap ? hb_zap_socket(p->zap) : NULL;
}

void hb_publisher_keys_set(hb_publisher *p, hb_keyring *k)
{
  if (p->zap)
    hb_zap_set_keyring(p->zap, HB_PUBLISHER_ZAP_DOMAIN, k);
  else
    hb_keyring_free(k);
}

int hb_publisher_poll(hb_publisher *p)
{
  if (p->zap)
    hb_zap_handle(p->zap, p->o.on_refuse, p->o.refuse_arg);
  for (int i = 0; i < POLL_MAX_MSGS; i++) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, p->xpub, ZMQ_DONTWAIT) < 0) {
      int e = errno;
      zmq_msg_close(&m);
      return e == EAGAIN || e == EINTR ? 0 : HB_EZMQ;
    }
    const uint8_t *d = zmq_msg_data(&m);
    size_t n = zmq_msg_size(&m);
    if (n >= 1 && d[0] <= 1) /* 1: subscribe, 0: unsubscribe */
      hb_pubdelta_subscription(p->delta, d[0] == 1, d + 1, n - 1);
    if (n >= 1 && d[0] == 1)
      subs_add(p, d + 1, n - 1);
    zmq_msg_close(&m);
  }
  return 0;
}

static ptrdiff_t dirty_find(const hb_publisher *p, const char *campaign)
{
  for (size_t i = 0; i < p->ndirty; i++)
    if (strcmp(p->dirty[i], campaign) == 0)
      return (ptrdiff_t)i;
  return -1;
}

int hb_publisher_mark(hb_publisher *p, const char *campaign, int64_t now_ms)
{
  if (dirty_find(p, campaign) >= 0)
    return 0;
  if (p->ndirty == p->capdirty) {
    size_t cap = p->capdirty ? 2 * p->capdirty : 8;
    char **d = realloc(p->dirty, cap * sizeof *d);
    if (!d)
      return HB_ENOMEM;
    p->dirty = d;
    p->capdirty = cap;
  }
  if (!(p->dirty[p->ndirty] = strdup(campaign)))
    return HB_ENOMEM;
  if (p->ndirty++ == 0)
    p->dirty_since_ms = now_ms;
  return 0;
}

void hb_publisher_unmark(hb_publisher *p, const char *campaign)
{
  ptrdiff_t i = dirty_find(p, campaign);
  if (i < 0)
    return;
  free(p->dirty[i]);
  p->dirty[i] = p->dirty[--p->ndirty];
}

void hb_publisher_mark_all(hb_publisher *p)
{
  p->all_due = true;
}

static bool beat_due(const hb_publisher *p, int64_t now_ms)
{
  return !p->beat_started || now_ms - p->last_beat_ms >= (int64_t)p->o.heartbeat_ms;
}

/* When the marked changes are due (meaningful only while some are). */
static int64_t changes_due_at(const hb_publisher *p)
{
  if (p->o.coalesce == HB_PUBLISHER_COALESCE_DELAY)
    return p->dirty_since_ms + HB_PUBLISHER_COALESCE_MS;
  return p->changes_sent_ms + HB_PUBLISHER_COALESCE_MS;
}

bool hb_publisher_due(const hb_publisher *p, int64_t now_ms)
{
  return p->all_due || p->nsubs || p->subs_all || beat_due(p, now_ms) ||
         (p->ndirty && now_ms >= changes_due_at(p));
}

/* What one campaign gets in one send. */
typedef struct pub_go {
  bool old;        /* the full Rollup on "rollup/<campaign>" */
  bool delta;      /* its state on "state/<campaign>", if it changed */
  bool delta_full; /* ... as a full state (a subscription asked) */
} pub_go;

/* Builds one campaign and sends it (its topic: topic, tl bytes) as go
 * says; counts the messages. */
static int send_one(hb_publisher *p, const char *campaign, const char *topic, int tl, pub_go go)
{
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = p->o.build(p->o.arg, campaign, &buf, &len);
  if (rc == HB_ENOTFOUND) {
    free(buf);
    return 0;
  }
  if (rc == 0 && (tl < 0 || (size_t)tl >= 256))
    rc = HB_EINVAL;
  if (go.old) {
    if (rc == 0 && (zmq_send(p->xpub, topic, (size_t)tl, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
                    zmq_send(p->xpub, buf, len, ZMQ_DONTWAIT) < 0))
      rc = errno == EAGAIN ? HB_EAGAIN : HB_EZMQ;
    if (rc == 0)
      p->sent++;
    else
      p->dropped++;
  }
  if (rc == 0 && go.delta)
    rc = hb_pubdelta_offer(p->delta, p->xpub, campaign, buf, len, go.delta_full, &p->sent,
                           &p->dropped);
  else if (rc != 0 && !go.old)
    p->dropped++;
  free(buf);
  return rc;
}

/* What campaign (old topic: topic, tl bytes) gets in this send: all (a
 * heartbeat or mark_all), a due change, or a new subscription matching its
 * old or its delta topic (at most once per heartbeat per campaign; a
 * delta-topic one held back goes with the next heartbeat, as a full
 * state). */
static pub_go go_decide(hb_publisher *p, const char *campaign, const char *topic, int tl, bool all,
                        bool changes, bool subs, int64_t now_ms)
{
  pub_go g = {0};
  g.old = all || (changes && dirty_find(p, campaign) >= 0);
  bool dw = hb_pubdelta_wanted(p->delta, campaign);
  if (subs && tl > 0 && (size_t)tl < 256) {
    char dtopic[512];
    snprintf(dtopic, sizeof dtopic, "%s%s", HB_DELTA_TOPIC_PREFIX, campaign);
    bool old_match = subs_match(p, topic, (size_t)tl);
    bool new_match = dw && subs_match(p, dtopic, strlen(dtopic));
    if ((old_match || new_match) && !g.old && subsent_take(p, campaign, now_ms)) {
      g.old = old_match;
      g.delta_full = new_match;
    } else if (new_match) {
      hb_pubdelta_want_full(p->delta, campaign);
      g.delta_full = g.old;
    }
  }
  g.delta = dw && (g.old || g.delta_full);
  return g;
}

/* At a heartbeat: 0 when no quiet beat is due, else the interval the one
 * due announces (one heartbeat after a change or a new subscription, then
 * twice the last, up to HB_PUBLISHER_QUIET_BEATS heartbeats). Due: the
 * first, after a change, or when the last announced interval is over (half
 * a heartbeat early: heartbeats are that interval's steps). */
static uint32_t tock_interval(const hb_publisher *p, int64_t now_ms)
{
  uint32_t hb = p->o.heartbeat_ms;
  if (!hb_pubdelta_tock_wanted(p->delta))
    return 0;
  if (!p->tock_next || p->tock_moved)
    return hb;
  if (now_ms - p->tock_ms + hb / 2 < (int64_t)p->tock_next)
    return 0;
  uint64_t next = 2 * (uint64_t)p->tock_next, max = (uint64_t)HB_PUBLISHER_QUIET_BEATS * hb;
  return (uint32_t)(next < max ? next : max);
}

int hb_publisher_send(hb_publisher *p, int64_t now_ms)
{
  bool beat = beat_due(p, now_ms), all = beat || p->all_due;
  bool changes = p->ndirty && now_ms >= changes_due_at(p), subs = p->nsubs || p->subs_all;
  if (!all && !changes && !subs)
    return 0;
  const char **ids = NULL;
  size_t n = 0;
  int first = p->o.list(p->o.arg, &ids, &n);
  if (first != 0)
    return first;
  for (size_t i = 0; i < n; i++) {
    char topic[256];
    int tl = snprintf(topic, sizeof topic, "%s%s", HB_WIRE_TOPIC_PREFIX, ids[i]);
    /* a new subscription: the campaigns its topic matches, each at most
     * once per heartbeat (the next heartbeat brings the others) */
    pub_go go = go_decide(p, ids[i], topic, tl, all, changes, subs, now_ms);
    if (!go.old && !go.delta)
      continue;
    int rc = send_one(p, ids[i], topic, tl, go);
    if (rc != 0 && first == 0)
      first = rc;
  }
  /* the heartbeat of the delta topics: "alive, seq N" per campaign */
  p->tock_moved |= hb_pubdelta_moved(p->delta) || subs;
  uint32_t tock = beat ? tock_interval(p, now_ms) : 0;
  bool tick = beat && hb_pubdelta_beat_wanted(p->delta);
  if (tick || tock) {
    int rc = hb_pubdelta_beat(p->delta, p->xpub, ids, n, tick, tock, &p->sent, &p->dropped);
    if (rc != 0 && first == 0)
      first = rc;
  }
  if (tock) {
    p->tock_ms = now_ms;
    p->tock_next = tock;
    p->tock_moved = false;
  }
  free(ids);
  subs_clear(p);
  if (all || changes)
    dirty_clear(p);
  /* Only the heartbeat moves the heartbeat, and only changes move the
   * coalescing interval (RATE): a change just after a heartbeat or a new
   * subscriber goes out at once (docs/performance.md). */
  if (beat) {
    p->beat_started = true;
    p->last_beat_ms = now_ms;
  }
  if (!all && changes)
    p->changes_sent_ms = now_ms;
  p->all_due = false;
  return first;
}

int hb_publisher_wait_ms(const hb_publisher *p, int64_t now_ms)
{
  if (p->all_due || p->nsubs || p->subs_all || !p->beat_started)
    return 0;
  int64_t next = p->last_beat_ms + p->o.heartbeat_ms - now_ms;
  if (p->ndirty && changes_due_at(p) - now_ms < next)
    next = changes_due_at(p) - now_ms;
  return next < 0 ? 0 : (int)next;
}

uint32_t hb_publisher_heartbeat_ms(const hb_publisher *p)
{
  return p->o.heartbeat_ms;
}

void hb_publisher_counts(const hb_publisher *p, uint64_t *sent, uint64_t *dropped)
{
  *sent = p->sent;
  *dropped = p->dropped;
}
