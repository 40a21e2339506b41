/* detail.c: the detail endpoint's socket (see detail.h). A ROUTER: each
 * request is [identity][DetailRequest], each reply [identity][DetailReply].
 * Under CURVE the server's ZAP handler admits only the keys of
 * --detail-keys (domain AGG_DETAIL_ZAP_DOMAIN). */
#include "detail.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_err.h"
#include "hb_log.h"
#include "hb_wire.h"
#include "hb_zmq.h"

#define DETAIL_HWM 1000
#define DETAIL_PER_POLL 64 /* requests answered per call at most (and AGG_DETAIL_WORK_*) */
#define DETAIL_REQ_MAX 4096
/* ZMTP heartbeats: the city's DEALER pings every 20 s (TTL 45 s), which is
 * how a dead city is found; the ROUTER's own PING only catches a city that
 * never pings (issue 17: quiet when idle, as the publisher's XPUB). */
#define DETAIL_PING_MS 60000

struct agg_detail {
  void *sock;
  agg_detail_opts o;
  hb_wire_buf buf;
  uint64_t answered, refused;
};

/* Loads --detail-keys into the ZAP handler's detail domain. */
static int keys_load(agg_detail *d)
{
  hb_diags diags;
  hb_diags_init(&diags);
  hb_keyring ring;
  int rc = hb_keyring_load(d->o.keys, &ring, &diags);
  hb_log_diags(HB_LOG_ERR, &diags);
  hb_diags_free(&diags);
  if (rc != HB_OK && rc != HB_EINVAL) {
    hb_keyring_free(&ring);
    return rc;
  }
  hb_log_info("%s: %zu keys for %s", d->o.keys, ring.count, AGG_DETAIL_ZAP_DOMAIN);
  hb_zap_set_keyring(d->o.zap, AGG_DETAIL_ZAP_DOMAIN, &ring);
  return 0;
}

int agg_detail_open(agg_detail **out, void *ctx, const agg_detail_opts *o, char *err, size_t errlen)
{
  agg_detail *d = calloc(1, sizeof *d);
  if (!d)
    return HB_ENOMEM;
  d->o = *o;
  int rc = 0;
  if (!(d->sock = zmq_socket(ctx, ZMQ_ROUTER))) {
    snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
    rc = HB_EZMQ;
  } else if (hb_zmq_common(d->sock, 64 * 1024, DETAIL_PING_MS, 3 * DETAIL_PING_MS) ||
             hb_zmq_router(d->sock, DETAIL_HWM)) {
    snprintf(err, errlen, "socket options: %s", zmq_strerror(errno));
    rc = HB_EZMQ;
  } else if (o->zap && (rc = keys_load(d)) != 0) {
    snprintf(err, errlen, "%s: cannot read the key folder (see above)", o->keys);
  } else if (o->zap && hb_zap_server_socket(d->sock, o->cert, AGG_DETAIL_ZAP_DOMAIN) != HB_OK) {
    snprintf(err, errlen, "CURVE options: %s", zmq_strerror(errno));
    rc = HB_EZMQ;
  } else if (zmq_bind(d->sock, o->endpoint) != 0) {
    snprintf(err, errlen, "bind %s: %s", o->endpoint, zmq_strerror(errno));
    rc = HB_EZMQ;
  }
  if (rc != 0) {
    agg_detail_close(d);
    return rc;
  }
  *out = d;
  return 0;
}

void agg_detail_close(agg_detail *d)
{
  if (!d)
    return;
  if (d->sock)
    zmq_close(d->sock);
  free(d->buf.data);
  free(d);
}

void *agg_detail_socket(const agg_detail *d)
{
  return d ? d->sock : NULL;
}

int agg_detail_keys_reload(agg_detail *d)
{
  return d && d->o.zap ? keys_load(d) : 0;
}

/* Receives one request: its identity frame and payload. Returns 1, 0
 * when none waits, -1 for a malformed one (dropped). */
static int recv_request(agg_detail *d, zmq_msg_t *id, Huibao__V1__DetailRequest **req)
{
  zmq_msg_t part;
  zmq_msg_init(id);
  if (zmq_msg_recv(id, d->sock, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(id);
    return 0;
  }
  int frames = 1, ok = 0;
  *req = NULL;
  while (zmq_msg_more(id) || frames > 1) {
    zmq_msg_init(&part);
    if (zmq_msg_recv(&part, d->sock, 0) < 0) {
      zmq_msg_close(&part);
      break;
    }
    frames++;
    bool more = zmq_msg_more(&part);
    if (frames == 2 && !more && zmq_msg_size(&part) <= DETAIL_REQ_MAX) {
      *req = huibao__v1__detail_request__unpack(NULL, zmq_msg_size(&part), zmq_msg_data(&part));
      ok = *req != NULL;
    }
    zmq_msg_close(&part);
    if (!more)
      break;
  }
  if (!ok) {
    if (*req)
      huibao__v1__detail_request__free_unpacked(*req, NULL);
    zmq_msg_close(id);
    return -1;
  }
  return 1;
}

int agg_detail_handle(agg_detail *d)
{
  int answered = 0;
  size_t work_entries = 0, work_bytes = 0; /* the work done: bounded, not only the requests */
  store_dbs dbs;
  store_dbs_get(d->o.st, &dbs);
  for (int i = 0; i < DETAIL_PER_POLL && work_entries < AGG_DETAIL_WORK_ENTRIES &&
                  work_bytes < AGG_DETAIL_WORK_BYTES;
       i++) {
    zmq_msg_t id;
    Huibao__V1__DetailRequest *req;
    int r = recv_request(d, &id, &req);
    if (r == 0)
      break;
    if (r < 0) {
      d->refused++;
      continue;
    }
    size_t entries = 0;
    int rc = agg_detail_reply(&dbs, req, d->o.source, store_epoch(d->o.st), d->o.campaigns, &d->buf,
                              &entries);
    huibao__v1__detail_request__free_unpacked(req, NULL);
    work_entries += entries;
    work_bytes += rc == 0 ? d->buf.len : 0;
    if (rc != 0) {
      hb_log_err("detail: reading the history: %s", hb_strerror(rc));
      zmq_msg_close(&id);
      continue;
    }
    /* a peer gone meanwhile (EHOSTUNREACH) or a full queue: its retry asks again */
    if (zmq_msg_send(&id, d->sock, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(d->sock, d->buf.data, d->buf.len, ZMQ_DONTWAIT) < 0)
      zmq_msg_close(&id);
    else
      answered++;
  }
  d->answered += (uint64_t)answered;
  if (d->buf.cap > 16u << 20) { /* a big reply's buffer is not kept */
    free(d->buf.data);
    memset(&d->buf, 0, sizeof d->buf);
  }
  return answered;
}
