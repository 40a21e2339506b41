/* republish.c: the city's merged rollups on XPUB (see republish.h). */
#include "republish.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_cert.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_wire.h"
#include "hb_zap.h"
#include "hb_zmq.h"

/* Subscription messages are a few bytes; nothing bigger may come in. */
#define XPUB_MAXMSGSIZE (64 * 1024)
/* TCP liveness of the province's connections, as the county's XPUB. */
#define NET_HEARTBEAT_MS 5000
/* Messages queued per subscriber before XPUB drops: merged rollups can be
 * megabytes, and state messages lose nothing when dropped (the next one
 * replaces them), so a slow province must not make the city hold many. */
#define XPUB_SNDHWM 1000

/* The signature of the view last sent per campaign. */
typedef struct sent_sig {
  char *campaign;
  uint64_t sig;
} sent_sig;

struct sub_republish {
  sub_republish_opts o;
  void *ctx, *xpub;
  hb_zap *zap;
  char endpoint[256];
  bool beat_started; /* false: the first heartbeat is due at once */
  int64_t last_beat_ms;
  bool changed;      /* some campaign differs from what was sent... */
  int64_t change_ms; /* ...since then (coalescing) */
  bool subscriber;   /* a new subscription waits for everything */
  sent_sig *sigs;
  size_t nsigs, capsigs;
  uint64_t sent, dropped;
};

int sub_republish_build(const sub_collect *c, const char *campaign, const sub_view_opts *view,
                        uint32_t heartbeat_ms, uint32_t campaign_count, uint8_t **buf, size_t *len)
{
  *buf = NULL;
  *len = 0;
  sub_view_opts o = *view;
  o.campaign = campaign;
  o.origins = NULL; /* arrival order: the province sees the counties as the city heard them */
  o.norigins = 0;
  o.mark_missing = false;
  Huibao__V1__Rollup *m = NULL;
  int rc = sub_view_merge(c, campaign, &o, &m);
  if (rc != 0)
    return rc;
  if (!m)
    return HB_ENOTFOUND;
  m->has_heartbeat_ms = 1;
  m->heartbeat_ms = heartbeat_ms;
  m->has_campaign_count = 1;
  m->campaign_count = campaign_count;
  size_t n = huibao__v1__rollup__get_packed_size(m);
  if (n > HB_WIRE_MAX_ROLLUP) {
    rc = HB_ETOOBIG;
  } else if (!(*buf = malloc(n ? n : 1))) {
    rc = HB_ENOMEM;
  } else {
    *len = huibao__v1__rollup__pack(m, *buf);
    rc = 0;
  }
  protobuf_c_message_free_unpacked(&m->base, NULL);
  return rc;
}

static void on_refuse(void *arg, const char *domain, const char *address, const char *reason)
{
  (void)arg;
  (void)domain;
  hb_log_warn("republish: refused a subscriber connection from %s: %s", address, reason);
}

/* Loads the subscribers' keyring, logging each bad file (like the county,
 * the good keys are kept). Returns HB_OK with *ring filled, or HB_EINVAL
 * when the folder cannot be read at all (*ring is then empty). */
static int keyring_load(const sub_republish *r, hb_keyring *ring)
{
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_keyring_load(r->o.subscriber_keys, ring, &d);
  for (size_t i = 0; i < d.count; i++) {
    char line[600];
    hb_diag_format(&d.items[i], line, sizeof line);
    hb_log_err("%s", line);
  }
  hb_diags_free(&d);
  if (rc != HB_OK && rc != HB_EINVAL) {
    hb_keyring_free(ring);
    return HB_EINVAL;
  }
  if (ring->count == 0)
    hb_log_warn("republish: %s holds no subscriber key: no one can subscribe",
                r->o.subscriber_keys);
  else
    hb_log_info("republish: %s: %zu subscriber keys", r->o.subscriber_keys, ring->count);
  return HB_OK;
}

int sub_republish_reload_keys(sub_republish *r)
{
  if (!r || !r->zap)
    return HB_OK;
  hb_keyring ring;
  if (keyring_load(r, &ring) != HB_OK) {
    hb_log_err("republish: reload: %s cannot be read; keeping the subscriber keys held",
               r->o.subscriber_keys);
    return HB_EINVAL;
  }
  hb_zap_set_keyring(r->zap, SUB_REPUBLISH_ZAP_DOMAIN, &ring);
  return HB_OK;
}

/* The CURVE server side: the city's cert, the ZAP handler bound in r->ctx
 * (before the XPUB binds: a CURVE server without one accepts any key) and
 * the subscribers' keyring. */
static int security_open(sub_republish *r, char *err, size_t errlen)
{
  hb_diags d;
  hb_diags_init(&d);
  hb_cert cert;
  int rc = hb_cert_read(r->o.secret, 1, &cert, &d);
  if (rc != HB_OK) {
    if (d.count)
      hb_diag_format(&d.items[0], err, errlen);
    else
      snprintf(err, errlen, "--secret %s: %s", r->o.secret, hb_strerror(rc));
    hb_diags_free(&d);
    return HB_EINVAL;
  }
  hb_diags_free(&d);
  hb_keyring ring;
  if (keyring_load(r, &ring) != HB_OK) {
    snprintf(err, errlen, "--subscriber-keys %s: cannot be read", r->o.subscriber_keys);
    memset(&cert, 0, sizeof cert);
    return HB_EINVAL;
  }
  rc = hb_zap_open(r->ctx, &r->zap);
  if (rc == HB_OK) {
    hb_zap_set_keyring(r->zap, SUB_REPUBLISH_ZAP_DOMAIN, &ring);
    rc = hb_zap_server_socket(r->xpub, &cert, SUB_REPUBLISH_ZAP_DOMAIN);
  } else {
    hb_keyring_free(&ring);
  }
  memset(&cert, 0, sizeof cert);
  if (rc != HB_OK) {
    snprintf(err, errlen, "CURVE/ZAP set-up: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  return 0;
}

int sub_republish_open(sub_republish **out, const sub_republish_opts *o, char *err, size_t errlen)
{
  *out = NULL;
  sub_republish *r = calloc(1, sizeof *r);
  if (!r) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  r->o = *o;
  if (!r->o.heartbeat_ms)
    r->o.heartbeat_ms = SUB_REPUBLISH_HEARTBEAT_MS;
  int rc = HB_EZMQ, one = 1;
  if (!(r->ctx = zmq_ctx_new()) || !(r->xpub = zmq_socket(r->ctx, ZMQ_XPUB))) {
    snprintf(err, errlen, "zmq: %s", zmq_strerror(errno));
    goto fail;
  }
  if (hb_zmq_common(r->xpub, XPUB_MAXMSGSIZE, NET_HEARTBEAT_MS, 3 * NET_HEARTBEAT_MS) ||
      zmq_setsockopt(r->xpub, ZMQ_XPUB_VERBOSE, &one, sizeof one) ||
      zmq_setsockopt(r->xpub, ZMQ_SNDHWM, &(int){XPUB_SNDHWM}, sizeof(int))) {
    snprintf(err, errlen, "socket options: %s", zmq_strerror(errno));
    goto fail;
  }
  if (o->secret && (rc = security_open(r, err, errlen)) != 0)
    goto fail;
  rc = HB_EZMQ;
  if (zmq_bind(r->xpub, o->endpoint) != 0) {
    snprintf(err, errlen, "--publish: bind %s: %s", o->endpoint, zmq_strerror(errno));
    goto fail;
  }
  size_t elen = sizeof r->endpoint;
  if (zmq_getsockopt(r->xpub, ZMQ_LAST_ENDPOINT, r->endpoint, &elen) != 0)
    snprintf(r->endpoint, sizeof r->endpoint, "%s", o->endpoint);
  *out = r;
  return 0;
fail:
  sub_republish_close(r);
  return rc;
}

void sub_republish_close(sub_republish *r)
{
  if (!r)
    return;
  if (r->xpub)
    zmq_close(r->xpub);
  hb_zap_close(r->zap);
  if (r->ctx)
    zmq_ctx_term(r->ctx);
  for (size_t i = 0; i < r->nsigs; i++)
    free(r->sigs[i].campaign);
  free(r->sigs);
  free(r);
}

const char *sub_republish_endpoint(const sub_republish *r)
{
  return r->endpoint;
}

int sub_republish_poll(sub_republish *r)
{
  if (r->zap)
    hb_zap_handle(r->zap, on_refuse, NULL);
  /* bounded: a flood of subscription messages cannot hold the loop */
  for (int i = 0; i < 1000; i++) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, r->xpub, ZMQ_DONTWAIT) < 0) {
      int e = errno;
      zmq_msg_close(&m);
      return e == EAGAIN || e == EINTR ? 0 : HB_EZMQ;
    }
    const uint8_t *d = zmq_msg_data(&m);
    if (zmq_msg_size(&m) >= 1 && d[0] == 1)
      r->subscriber = true;
    zmq_msg_close(&m);
  }
  return 0;
}

static sent_sig *sig_find(sub_republish *r, const char *campaign)
{
  for (size_t i = 0; i < r->nsigs; i++)
    if (strcmp(r->sigs[i].campaign, campaign) == 0)
      return &r->sigs[i];
  return NULL;
}

/* Remembers what was sent of campaign. */
static int sig_set(sub_republish *r, const char *campaign, uint64_t sig)
{
  sent_sig *s = sig_find(r, campaign);
  if (s) {
    s->sig = sig;
    return 0;
  }
  if (r->nsigs == r->capsigs) {
    size_t cap = r->capsigs ? 2 * r->capsigs : 8;
    sent_sig *p = realloc(r->sigs, cap * sizeof *p);
    if (!p)
      return HB_ENOMEM;
    r->sigs = p;
    r->capsigs = cap;
  }
  if (!(r->sigs[r->nsigs].campaign = strdup(campaign)))
    return HB_ENOMEM;
  r->sigs[r->nsigs++].sig = sig;
  return 0;
}

static bool campaign_changed(sub_republish *r, const sub_collect *c, const char *campaign)
{
  const sent_sig *s = sig_find(r, campaign);
  return !s || s->sig != sub_collect_signature(c, campaign);
}

static bool beat_due(const sub_republish *r, int64_t now_ms)
{
  return !r->beat_started || now_ms - r->last_beat_ms >= (int64_t)r->o.heartbeat_ms;
}

bool sub_republish_due(sub_republish *r, const sub_collect *c, int64_t now_ms)
{
  if (r->subscriber || beat_due(r, now_ms))
    return true;
  const char **ids = NULL;
  size_t n = 0;
  if (sub_collect_campaigns(c, &ids, &n) != 0)
    return false; /* out of memory: the heartbeat will try again */
  bool any = false;
  for (size_t i = 0; i < n && !any; i++)
    any = campaign_changed(r, c, ids[i]);
  free(ids);
  if (!any) {
    r->changed = false;
    return false;
  }
  if (!r->changed) {
    r->changed = true;
    r->change_ms = now_ms;
  }
  return now_ms - r->change_ms >= SUB_REPUBLISH_COALESCE_MS;
}

/* Builds and sends one campaign. */
static int send_one(sub_republish *r, const sub_collect *c, const char *campaign,
                    uint32_t campaign_count)
{
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc =
      sub_republish_build(c, campaign, &r->o.view, r->o.heartbeat_ms, campaign_count, &buf, &len);
  if (rc == HB_ENOTFOUND)
    return 0;
  char topic[256];
  int tl = snprintf(topic, sizeof topic, "%s%s", HB_WIRE_TOPIC_PREFIX, campaign);
  if (rc == 0 && (tl < 0 || (size_t)tl >= sizeof topic))
    rc = HB_EINVAL;
  if (rc == 0 && (zmq_send(r->xpub, topic, (size_t)tl, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
                  zmq_send(r->xpub, buf, len, ZMQ_DONTWAIT) < 0))
    rc = errno == EAGAIN ? HB_EAGAIN : HB_EZMQ;
  free(buf);
  if (rc == 0)
    r->sent++;
  else
    r->dropped++;
  return rc;
}

int sub_republish_send(sub_republish *r, const sub_collect *c, int64_t now_ms)
{
  bool all = r->subscriber || beat_due(r, now_ms);
  if (!all && !(r->changed && now_ms - r->change_ms >= SUB_REPUBLISH_COALESCE_MS))
    return 0;
  const char **ids = NULL;
  size_t n = 0;
  if (sub_collect_campaigns(c, &ids, &n) != 0)
    return HB_ENOMEM;
  int first = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t sig = sub_collect_signature(c, ids[i]);
    const sent_sig *s = sig_find(r, ids[i]);
    if (!all && s && s->sig == sig)
      continue;
    int rc = send_one(r, c, ids[i], (uint32_t)n);
    /* remembered even when the send failed: the heartbeat retries, and a
     * full queue must not turn every loop into another attempt */
    if (rc == 0)
      rc = sig_set(r, ids[i], sig);
    else
      sig_set(r, ids[i], sig);
    if (rc != 0 && first == 0)
      first = rc;
  }
  free(ids);
  if (all) {
    r->beat_started = true;
    r->last_beat_ms = now_ms;
    r->subscriber = false;
  }
  r->changed = false;
  return first;
}

int sub_republish_wait_ms(const sub_republish *r, int64_t now_ms)
{
  if (r->subscriber || !r->beat_started)
    return 0;
  int64_t next = r->last_beat_ms + r->o.heartbeat_ms - now_ms;
  if (r->changed && r->change_ms + SUB_REPUBLISH_COALESCE_MS - now_ms < next)
    next = r->change_ms + SUB_REPUBLISH_COALESCE_MS - now_ms;
  if (next > SUB_REPUBLISH_POLL_MS)
    next = SUB_REPUBLISH_POLL_MS;
  return next < 0 ? 0 : (int)next;
}

void sub_republish_counts(const sub_republish *r, uint64_t *sent, uint64_t *dropped)
{
  *sent = r->sent;
  *dropped = r->dropped;
}
