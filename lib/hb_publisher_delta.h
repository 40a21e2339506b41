/* hb_publisher_delta.h: the publisher's delta topics (issue 17), used by
 * hb_publisher.c only (docs/protocol.md "Deltas and heartbeats").
 *
 * Per campaign it keeps the packed Rollup last sent on "state/<campaign>"
 * (its chain state). When the publisher has built a campaign's Rollup (a
 * change, a heartbeat, a new subscription) it hands it here:
 *   - a full state (RollupDelta without base) when a subscription to the
 *     campaign's delta topic asked for it, or nothing was sent yet;
 *   - else, when the new build differs from the last state sent in more
 *     than its as_of_ms fields (hb_delta_state_key), a delta against it;
 *   - else nothing: the heartbeat's RollupBeat says the state holds.
 * Nothing is built or sent for the delta topics while no subscription
 * covers them (the subscriptions are followed here: XPUB_VERBOSE passes
 * each subscribe, and an unsubscribe when the last subscriber of that
 * topic leaves). Owns its copies; single-threaded. */
#ifndef HB_PUBLISHER_DELTA_H
#define HB_PUBLISHER_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hb_pubdelta hb_pubdelta;

/* Returns a new empty state, NULL when out of memory. */
hb_pubdelta *hb_pubdelta_new(void);
void hb_pubdelta_free(hb_pubdelta *d);

/* A subscription message from the XPUB (on: subscribe, else unsubscribe)
 * to the prefix t[0..len). */
void hb_pubdelta_subscription(hb_pubdelta *d, bool on, const uint8_t *t, size_t len);

/* Whether some subscription covers "state/<campaign>". */
bool hb_pubdelta_wanted(const hb_pubdelta *d, const char *campaign);

/* Whether some subscription covers the beat topic. */
bool hb_pubdelta_beat_wanted(const hb_pubdelta *d);

/* A subscription asked for campaign's full state: it goes with the next
 * hb_pubdelta_offer of campaign (the heartbeat's at the latest). */
void hb_pubdelta_want_full(hb_pubdelta *d, const char *campaign);

/* The campaign's new build buf[0..len) (the packed Rollup): sends on xpub
 * what is due as above (full when full is true). *sent / *dropped count
 * the messages. Returns 0, HB_ENOMEM, HB_EAGAIN or HB_EZMQ (a send). */
int hb_pubdelta_offer(hb_pubdelta *d, void *xpub, const char *campaign, const uint8_t *buf,
                      size_t len, bool full, uint64_t *sent, uint64_t *dropped);

/* Whether some subscription covers the quiet beat's topic ("tock"). */
bool hb_pubdelta_tock_wanted(const hb_pubdelta *d);

/* Sends the RollupBeat of the campaigns ids[0..n) that have a state sent
 * (nothing when none has): on "tick" as [topic][body] when tick is true,
 * and on "tock" in one frame with next_ms = tock_next_ms when that is not
 * 0. Forgets the states of campaigns no longer listed. Returns 0,
 * HB_ENOMEM, HB_EAGAIN or HB_EZMQ. */
int hb_pubdelta_beat(hb_pubdelta *d, void *xpub, const char *const *ids, size_t n, bool tick,
                     uint32_t tock_next_ms, uint64_t *sent, uint64_t *dropped);

/* Whether hb_pubdelta_offer sent a state since the last call (and clears
 * it): the quiet beat starts again from one heartbeat after a change. */
bool hb_pubdelta_moved(hb_pubdelta *d);

#endif
