/* republish.c: the city's merged rollups, published by hb_publisher (see
 * republish.h). */
#include "republish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_cert.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_wire.h"

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
  hb_publisher *pub;
  const sub_collect *c; /* the view being published: set during due and send only */
  uint32_t ncampaigns;  /* campaigns held at the last listing: the rollups' campaign_count */
  sent_sig *sigs;
  size_t nsigs, capsigs;
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
  hb_log_diags(HB_LOG_ERR, &d);
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
  if (!r || !r->o.secret)
    return HB_OK;
  hb_keyring ring;
  if (keyring_load(r, &ring) != HB_OK) {
    hb_log_err("republish: reload: %s cannot be read; keeping the subscriber keys held",
               r->o.subscriber_keys);
    return HB_EINVAL;
  }
  hb_publisher_keys_set(r->pub, &ring);
  return HB_OK;
}

/* The city's secret cert and the subscribers' keyring (CURVE). */
static int security_load(sub_republish *r, hb_cert *cert, hb_keyring *ring, char *err,
                         size_t errlen)
{
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_cert_read(r->o.secret, 1, cert, &d);
  if (rc != HB_OK) {
    if (d.count)
      hb_diag_format(&d.items[0], err, errlen);
    else
      snprintf(err, errlen, "--secret %s: %s", r->o.secret, hb_strerror(rc));
    hb_diags_free(&d);
    return HB_EINVAL;
  }
  hb_diags_free(&d);
  if (keyring_load(r, ring) != HB_OK) {
    snprintf(err, errlen, "--subscriber-keys %s: cannot be read", r->o.subscriber_keys);
    return HB_EINVAL;
  }
  return 0;
}

void sub_republish_close(sub_republish *r)
{
  if (!r)
    return;
  hb_publisher_close(r->pub);
  for (size_t i = 0; i < r->nsigs; i++)
    free(r->sigs[i].campaign);
  free(r->sigs);
  free(r);
}

const char *sub_republish_endpoint(const sub_republish *r)
{
  return hb_publisher_endpoint(r->pub);
}

int sub_republish_poll(sub_republish *r)
{
  return hb_publisher_poll(r->pub);
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

/* Marks the campaigns of c whose signature differs from the one last sent
 * and unmarks the others (marks first, so that while some campaign differs
 * the coalescing keeps the time of the first change). */
static int changes_mark(sub_republish *r, const sub_collect *c, int64_t now_ms)
{
  const char **ids = NULL;
  size_t n = 0;
  if (sub_collect_campaigns(c, &ids, &n) != 0)
    return HB_ENOMEM;
  bool *same = calloc(n ? n : 1, sizeof *same);
  int rc = same ? 0 : HB_ENOMEM;
  for (size_t i = 0; i < n && rc == 0; i++) {
    const sent_sig *s = sig_find(r, ids[i]);
    same[i] = s && s->sig == sub_collect_signature(c, ids[i]);
    if (!same[i])
      rc = hb_publisher_mark(r->pub, ids[i], now_ms);
  }
  for (size_t i = 0; i < n && rc == 0; i++)
    if (same[i])
      hb_publisher_unmark(r->pub, ids[i]);
  free(same);
  free(ids);
  return rc;
}

/* The campaigns held, sorted (hb_publisher_list_fn). */
static int list_held(void *arg, const char ***ids, size_t *n)
{
  sub_republish *r = arg;
  int rc = sub_collect_campaigns(r->c, ids, n);
  if (rc == 0)
    r->ncampaigns = (uint32_t)*n;
  return rc;
}

/* The merged rollup of campaign (hb_publisher_build_fn); what it is built
 * from is remembered as sent, even when the send then fails: the heartbeat
 * retries, and a full queue must not turn every loop into another attempt. */
static int build_merged(void *arg, const char *campaign, uint8_t **buf, size_t *len)
{
  sub_republish *r = arg;
  (void)sig_set(r, campaign, sub_collect_signature(r->c, campaign)); /* ENOMEM: sent again */
  return sub_republish_build(r->c, campaign, &r->o.view, hb_publisher_heartbeat_ms(r->pub),
                             r->ncampaigns, buf, len);
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
  hb_cert cert;
  hb_keyring ring = {0};
  int rc = o->secret ? security_load(r, &cert, &ring, err, errlen) : 0;
  if (rc == 0) {
    hb_publisher_opts po = {.endpoint = o->endpoint,
                            .cert = o->secret ? &cert : NULL,
                            .subscribers = &ring,
                            .heartbeat_ms = o->heartbeat_ms,
                            .sndhwm = XPUB_SNDHWM,
                            .coalesce = HB_PUBLISHER_COALESCE_DELAY,
                            .list = list_held,
                            .build = build_merged,
                            .arg = r,
                            .on_refuse = on_refuse};
    char perr[400];
    if ((rc = hb_publisher_open(&r->pub, &po, perr, sizeof perr)) != 0)
      snprintf(err, errlen, "--publish: %s", perr);
  }
  memset(&cert, 0, sizeof cert);
  if (rc != 0) {
    sub_republish_close(r);
    return rc;
  }
  *out = r;
  return 0;
}

bool sub_republish_due(sub_republish *r, const sub_collect *c, int64_t now_ms)
{
  (void)changes_mark(r, c, now_ms); /* out of memory: the heartbeat will try again */
  return hb_publisher_due(r->pub, now_ms);
}

int sub_republish_send(sub_republish *r, const sub_collect *c, int64_t now_ms)
{
  int rc = changes_mark(r, c, now_ms);
  if (rc != 0)
    return rc;
  r->c = c;
  rc = hb_publisher_send(r->pub, now_ms);
  r->c = NULL;
  return rc;
}

int sub_republish_wait_ms(const sub_republish *r, int64_t now_ms)
{
  int next = hb_publisher_wait_ms(r->pub, now_ms);
  return next > SUB_REPUBLISH_POLL_MS ? SUB_REPUBLISH_POLL_MS : next;
}

void sub_republish_counts(const sub_republish *r, uint64_t *sent, uint64_t *dropped)
{
  hb_publisher_counts(r->pub, sent, dropped);
}
