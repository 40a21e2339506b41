/* hb_publisher.h: rollups out on XPUB, as the county and the city (run
 * --publish) both publish them (docs/protocol.md).
 *
 * Each message is [topic "rollup/<campaign>"][the packed Rollup]: state,
 * not deltas, so a message the XPUB drops for a slow subscriber is
 * harmless (the next one replaces it). Beside it (issue 17,
 * hb_publisher_delta.h, docs/protocol.md "Deltas and heartbeats"), while a
 * subscription covers them: "state/<campaign>" carries the same build as a
 * zstd delta against the state last sent there (or in full for a new
 * subscription), only when it changed in more than its as_of_ms, "tick"
 * one RollupBeat per heartbeat, and "tock" the same beat in one frame with
 * the interval to the next one: one heartbeat after a change, doubling
 * while nothing changes up to HB_PUBLISHER_QUIET_BEATS heartbeats; a
 * subscriber of "state/" and "tock" receives a few bytes every few seconds
 * while nothing changes. A campaign is sent
 *   - on change: the caller marks it (hb_publisher_mark), and the changes
 *     are coalesced for HB_PUBLISHER_COALESCE_MS (see hb_publisher_coalesce);
 *   - on a heartbeat: every campaign every heartbeat_ms, the first at once;
 *   - at once when a new subscription arrives (ZMQ_XPUB_VERBOSE), so a
 *     late subscriber has the state in one round trip: only the campaigns
 *     whose topic the subscription's prefix matches, and each at most once
 *     per heartbeat for subscriptions (XPUB sends to every subscriber of a
 *     topic, so a subscriber that churns its subscriptions must not
 *     multiply what the others receive; the heartbeat brings the rest).
 * Nothing is built until it is sent: the publisher asks the caller for the
 * campaigns (list) and for each campaign's packed Rollup (build) at the
 * moment it sends.
 *
 * The publisher owns its ZeroMQ context and XPUB socket and, with CURVE,
 * its own ZAP handler (hb_zap, domain HB_PUBLISHER_ZAP_DOMAIN) answering
 * from the subscribers' keyring, which can be replaced at any time
 * (SIGHUP). Nothing blocks: the caller polls the sockets
 * (hb_publisher_socket, hb_publisher_zap_socket) or calls hb_publisher_poll
 * often enough (hb_publisher_wait_ms says how soon something is due).
 * Single-threaded; never prints: refusals go to the caller's callback. */
#ifndef HB_PUBLISHER_H
#define HB_PUBLISHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_cert.h"
#include "hb_zap.h"

/* The default heartbeat of every publisher (--heartbeat-ms, heartbeat-ms=):
 * a subscriber marks a publisher stale after 3 heartbeats of silence. */
#define HB_PUBLISHER_HEARTBEAT_MS 1000
/* The quiet beat ("tock", docs/protocol.md "Quiet beats") backs off while
 * nothing changes to at most this many heartbeats apart. */
#define HB_PUBLISHER_QUIET_BEATS 8
/* How long changes are gathered into one message per campaign. */
#define HB_PUBLISHER_COALESCE_MS 50
/* The ZAP domain of subscribers (a county's agents are HB_ZAP_DOMAIN). */
#define HB_PUBLISHER_ZAP_DOMAIN "huibao-sub"

typedef struct hb_publisher hb_publisher;

/* When a marked campaign goes out (heartbeats and new subscribers aside). */
typedef enum hb_publisher_coalesce {
  /* At once, unless changes went out less than HB_PUBLISHER_COALESCE_MS
   * ago: then when that much time has passed (at most one change message
   * per campaign per interval; the county: an edit reaches the city
   * without waiting, docs/performance.md). Heartbeats and new subscribers
   * do not restart the interval. */
  HB_PUBLISHER_COALESCE_RATE,
  /* HB_PUBLISHER_COALESCE_MS after the first mark since the last send (the
   * city: changes of several counties arriving together, and the store
   * flush that precedes every send, are gathered into one). */
  HB_PUBLISHER_COALESCE_DELAY,
} hb_publisher_coalesce;

/* The campaigns to publish, in sending order: *ids a malloc'd array (the
 * publisher frees it) of n strings owned by the caller and valid until the
 * end of the hb_publisher_send that asked. Returns 0 or an error (nothing
 * is sent then). */
typedef int (*hb_publisher_list_fn)(void *arg, const char ***ids, size_t *n);

/* The packed Rollup of campaign, built when it is sent: 0 with *buf
 * malloc'd (the publisher frees it) and *len; HB_ENOTFOUND when there is
 * nothing to send for it (skipped, not counted); any other error counts
 * the message as dropped. */
typedef int (*hb_publisher_build_fn)(void *arg, const char *campaign, uint8_t **buf, size_t *len);

typedef struct hb_publisher_opts {
  const char *endpoint;    /* XPUB bind endpoint, e.g. tcp://0.0.0.0:7101 */
  const hb_cert *cert;     /* the publisher's key pair (read at open); NULL: plain TCP */
  hb_keyring *subscribers; /* with cert: the keys admitted; taken over (zeroed) */
  uint32_t heartbeat_ms;   /* 0: HB_PUBLISHER_HEARTBEAT_MS */
  int sndhwm;              /* messages queued per subscriber before XPUB drops; 0: libzmq's */
  hb_publisher_coalesce coalesce;
  hb_publisher_list_fn list;   /* required */
  hb_publisher_build_fn build; /* required */
  void *arg;                   /* of list and build */
  hb_zap_refuse_fn on_refuse;  /* a subscriber's key was refused (may be NULL) */
  void *refuse_arg;
} hb_publisher_opts;

/* Makes the context, the XPUB (verbose, sndhwm, TCP keepalive heartbeats)
 * and, with o->cert, the ZAP handler (before the bind: a CURVE server
 * without one accepts any key), then binds. o->subscribers is taken over
 * in every case. Returns 0 with *out (free with hb_publisher_close), or
 * HB_ENOMEM / HB_EZMQ with err saying why ("bind tcp://...: Address
 * already in use") and *out NULL. The callbacks are first called by
 * hb_publisher_send. */
int hb_publisher_open(hb_publisher **out, const hb_publisher_opts *o, char *err, size_t errlen);
/* Closes the sockets and the context (pending messages are not kept:
 * ZMQ_LINGER 0). p may be NULL. */
void hb_publisher_close(hb_publisher *p);

/* The endpoint actually bound (tcp://127.0.0.1:PORT when bound to port *). */
const char *hb_publisher_endpoint(const hb_publisher *p);
/* The sockets to poll for ZMQ_POLLIN before hb_publisher_poll: the XPUB
 * (subscriptions) and the ZAP handler's (NULL without CURVE). */
void *hb_publisher_socket(hb_publisher *p);
void *hb_publisher_zap_socket(hb_publisher *p);

/* Replaces the subscribers' keyring (takes *k over and zeroes it): a key
 * added can subscribe from now on, a key removed is refused at its next
 * handshake. Without CURVE the keyring is freed. */
void hb_publisher_keys_set(hb_publisher *p, hb_keyring *k);

/* Services the sockets without blocking: answers ZAP handshakes (each
 * refusal goes to on_refuse) and reads subscription messages (at most 1000
 * a call); a new subscription makes the campaigns its topic matches due at
 * once (those not sent for a subscription within the last heartbeat).
 * Returns 0 or HB_EZMQ. */
int hb_publisher_poll(hb_publisher *p);

/* campaign changed at monotonic now_ms: it goes out coalesced (above). A
 * campaign that is not listed when the changes go out is forgotten.
 * Returns 0 or HB_ENOMEM. */
int hb_publisher_mark(hb_publisher *p, const char *campaign, int64_t now_ms);
/* campaign is as it was last sent after all: no change is due for it. */
void hb_publisher_unmark(hb_publisher *p, const char *campaign);
/* Every campaign at the next hb_publisher_send, as for a new subscriber
 * (after a reload of what the campaigns are). */
void hb_publisher_mark_all(hb_publisher *p);

/* True when hb_publisher_send would send something at monotonic now_ms: a
 * heartbeat is due, a new subscriber waits, or marked changes are due. */
bool hb_publisher_due(const hb_publisher *p, int64_t now_ms);

/* Sends what is due at now_ms (every listed campaign on a heartbeat or
 * after hb_publisher_mark_all, the marked ones whose time has come, and
 * those a new subscription matches, as above); nothing
 * when nothing is. Returns 0, or the first error: of list, of a build
 * (HB_ETOOBIG, HB_ENOMEM) or of a send (HB_EAGAIN when a subscriber's queue
 * is full: that message is dropped, the next state replaces it; HB_EZMQ).
 * A campaign that failed is not retried before the next heartbeat. */
int hb_publisher_send(hb_publisher *p, int64_t now_ms);

/* Milliseconds from now_ms until something is due (0: now). */
int hb_publisher_wait_ms(const hb_publisher *p, int64_t now_ms);

/* The heartbeat in use (o->heartbeat_ms, or the default). */
uint32_t hb_publisher_heartbeat_ms(const hb_publisher *p);

/* Messages sent and dropped (could not be built or sent) so far, on every
 * topic (the delta topics send nothing while nobody subscribes to them). */
void hb_publisher_counts(const hb_publisher *p, uint64_t *sent, uint64_t *dropped);

#endif
