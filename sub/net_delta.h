/* net_delta.h: the subscriber's side of the delta topics (issue 17,
 * docs/protocol.md "Deltas and heartbeats"), one per endpoint of sub_net.
 *
 * A SUB socket subscribes to "rollup/<campaign>" (full Rollups, all an old
 * county sends), "state/<campaign>", "tick" and "tock" (names that sort
 * after "rollup/": a SUB sends its subscriptions in byte order on connect,
 * so a publisher still sees "rollup/..." first, as before). The first delta
 * or beat heard on it shows a new publisher: it unsubscribes
 * "rollup/<campaign>" (the county stops sending it full Rollups); the first
 * quiet beat ("tock", one frame, with next_ms) shows a publisher of quiet
 * beats: it unsubscribes "tick" (one beat a heartbeat). When the endpoint
 * has said nothing new for hb_delta_silence_ms (3 heartbeats, or the last
 * next_ms + 2 heartbeats) it subscribes to both again (the county may have
 * been replaced by an old version).
 *
 * Per campaign it keeps the exact bytes of the last state it rebuilt. A
 * RollupDelta against them (or a full one) gives the next state, checked
 * against the message's size and hash: the Rollup is queued for
 * sub_net_recv. A RollupBeat whose hash is the one held queues the held
 * state again (as a full Rollup sent again would: the pair is heard, not
 * stale). A delta against another base, a beat with another hash or a
 * campaign not held, or a delta that does not rebuild is a gap: the held
 * state stays (it is one the publisher did send) and the full state is
 * asked for, by subscribing to "state/<campaign>" and unsubscribing at once
 * (the publisher's XPUB_VERBOSE sees the subscription and sends the full
 * state; at most once a heartbeat). Single-threaded; owns its copies. */
#ifndef SUB_NET_DELTA_H
#define SUB_NET_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

typedef struct sub_netd sub_netd;

/* Subscribes sock to the delta topics of campaign (NULL: every campaign)
 * besides "rollup/..." (which the caller subscribed) and returns the
 * endpoint's state, NULL when out of memory or a subscription failed. */
sub_netd *sub_netd_open(void *sock, const char *campaign);
void sub_netd_free(sub_netd *d);

/* Whether a message of topic[0..tlen) is one of the delta topics. */
bool sub_netd_topic(const char *topic, size_t tlen);

/* Handles one message of the delta topics read from sock at monotonic
 * now_ms: queues the Rollups it gives. Returns 0, or HB_EPROTO when it was
 * malformed (the caller counts it), HB_ENOMEM. Gaps are counted in
 * *gaps. */
int sub_netd_handle(sub_netd *d, void *sock, const char *topic, size_t tlen, const uint8_t *body,
                    size_t blen, int64_t now_ms, size_t *gaps);

/* Takes the next queued Rollup: 1 with *r (the caller's), 0 when none. */
int sub_netd_pop(sub_netd *d, Huibao__V1__Rollup **r);

/* The next_ms of the last quiet beat heard while on the delta topics (0:
 * none, or back on "rollup/..."): how long the publisher may say nothing. */
uint32_t sub_netd_quiet_ms(const sub_netd *d);

/* The endpoint's connections closed so far (drops, hb_handshake's): when
 * it grew, the publisher can no longer keep the next_ms it announced (it
 * was killed or stopped): the quiet time is 0 again, and
 * sub_netd_take_lost says so once. */
void sub_netd_dropped(sub_netd *d, int drops);
bool sub_netd_take_lost(sub_netd *d);

/* The fallback above, at monotonic now_ms. */
void sub_netd_tick(sub_netd *d, void *sock, int64_t now_ms);

#endif
