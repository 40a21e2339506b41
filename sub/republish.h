/* republish.h: the city's merged view, published on to a province.
 *
 * `huibao-sub run --publish EP` makes the city a publisher of the same kind
 * as a county (docs/protocol.md): an XPUB socket, topic "rollup/<campaign>",
 * one frame the packed Rollup, here the merge of the counties held
 * (sub_view_merge: source = --source, the counties in `sources`). A
 * campaign is sent
 *   - when its merged view changes (a county's seq, stale flag or day),
 *     coalesced: HB_PUBLISHER_COALESCE_MS after the first change seen;
 *   - on a heartbeat, every campaign every heartbeat_ms;
 *   - at once, every campaign, when a new subscription arrives
 *     (ZMQ_XPUB_VERBOSE), so a late province has the state in one round trip.
 *
 * seq: a merged rollup's seq is the sum of its counties' seqs
 * (hb_rollup_merge). It only grows because (1) each county's seq only grows
 * and the city keeps, per county, the highest; (2) a stale county stays in
 * the merge (flagged), it is not left out; (3) the caller publishes only
 * what is stored: before anything is sent, the view's dirty entries must be
 * flushed to --data (sub_republish_due says when), so after a kill -9 the
 * reloaded view sums to at least what was last published. The exception is
 * a county restored from a backup (a new epoch, docs/protocol.md): its seq
 * starts again lower, so the merged seq can drop; the merged rollup's epoch
 * (hb_rollup_epoch) changes with it, and subscribers take a rollup of
 * another epoch when its as_of is later.
 *
 * The sending, the heartbeat, new subscribers, the delta topics (issue 17:
 * "state/<campaign>", "tick" and "tock", so a province subscribed to a quiet
 * city receives a quiet beat every few seconds) and CURVE are hb_publisher's
 * (lib/hb_publisher.h), as a county's: its own ZeroMQ context and, unless
 * insecure, its own ZAP handler (domain HB_PUBLISHER_ZAP_DOMAIN) answering
 * from the --subscriber-keys folder: a province whose key is not there
 * cannot connect. This module adds what is the city's: the campaigns are
 * those held, a campaign is marked changed when its signature
 * (sub_collect_signature) differs from the one last sent, and the rollup
 * sent is the merge. Nothing blocks; the caller's loop calls
 * sub_republish_poll often (sub_republish_wait_ms says how soon).
 * Single-threaded. */
#ifndef SUB_REPUBLISH_H
#define SUB_REPUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "collect.h"
#include "hb_publisher.h"
#include "view.h"

#define SUB_REPUBLISH_POLL_MS 20 /* longest wait before handshakes are answered */

typedef struct sub_republish_opts {
  const char *endpoint;        /* XPUB bind endpoint, e.g. tcp://0.0.0.0:7102 */
  const char *secret;          /* the city's secret cert; NULL = plain TCP (--insecure) */
  const char *subscriber_keys; /* folder of the subscribers' public certs (with secret) */
  uint32_t heartbeat_ms;       /* 0: HB_PUBLISHER_HEARTBEAT_MS */
  sub_view_opts view;          /* source, source_name of the merged view (strings borrowed) */
} sub_republish_opts;

typedef struct sub_republish sub_republish;

/* Binds the publisher (and its ZAP handler, unless o->secret is NULL). The
 * strings of o are borrowed for the publisher's lifetime. On failure err
 * says why and the return is HB_EINVAL (bad key file or folder: the program
 * exits 78) or HB_EZMQ (socket or bind: also 78); *out is NULL. Free with
 * sub_republish_close. */
int sub_republish_open(sub_republish **out, const sub_republish_opts *o, char *err, size_t errlen);
void sub_republish_close(sub_republish *r);

/* The endpoint actually bound (tcp://127.0.0.1:PORT when bound to port *). */
const char *sub_republish_endpoint(const sub_republish *r);

/* Reads --subscriber-keys again (SIGHUP): a key added there can subscribe
 * from now on, a key removed is refused at its next handshake. When the
 * folder cannot be read the keys held stay and HB_EINVAL is returned (the
 * reason is logged). Without CURVE (--insecure) it does nothing. */
int sub_republish_reload_keys(sub_republish *r);

/* Services the sockets without blocking: answers ZAP handshakes (refusals
 * are logged) and reads subscription messages; a new subscription makes
 * every campaign due at once. Returns 0 or HB_EZMQ. */
int sub_republish_poll(sub_republish *r);

/* True when sub_republish_send would send something at monotonic now_ms:
 * a heartbeat is due, a new subscriber waits, or some campaign's merged
 * view changed at least HB_PUBLISHER_COALESCE_MS ago. The caller then
 * flushes c's dirty entries to storage first (see seq above). */
bool sub_republish_due(sub_republish *r, const sub_collect *c, int64_t now_ms);

/* Sends what is due (see sub_republish_due); nothing when nothing is.
 * Returns 0, or the first error of a send (HB_EAGAIN when a subscriber's
 * queue is full: that message is dropped, the next state replaces it;
 * HB_ETOOBIG when a merged rollup is over HB_WIRE_MAX_ROLLUP; HB_EZMQ,
 * HB_ENOMEM). Campaigns that failed are sent again on the next heartbeat. */
int sub_republish_send(sub_republish *r, const sub_collect *c, int64_t now_ms);

/* How many ms the caller may wait before calling poll/due again (at most
 * SUB_REPUBLISH_POLL_MS, 0 when something is due). */
int sub_republish_wait_ms(const sub_republish *r, int64_t now_ms);

/* Messages sent and dropped so far (HWM or error). */
void sub_republish_counts(const sub_republish *r, uint64_t *sent, uint64_t *dropped);

/* The packed Rollup published for one campaign: sub_view_merge of c with
 * view (source, source_name; origins ignored), as_of_ms = now, then
 * heartbeat_ms and campaign_count set to the publisher's own (a province
 * marks the city stale after 3 x heartbeat_ms, and a snapshot knows when it
 * has every campaign). *buf is malloc'd (caller frees); HB_ENOTFOUND when c
 * holds no rollup of that campaign. */
int sub_republish_build(const sub_collect *c, const char *campaign, const sub_view_opts *view,
                        uint32_t heartbeat_ms, uint32_t campaign_count, uint8_t **buf, size_t *len);

#endif
