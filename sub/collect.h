/* collect.h: the latest Rollup per (origin, campaign).
 *
 * Publishers send state (docs/protocol.md; a delta is rebuilt into the
 * exact Rollup it stands for by sub_net before it comes here): of the messages of
 * one (origin, campaign) the subscriber keeps the one with the highest seq,
 * and of equal seqs the one with the later as_of_ms; anything older is
 * dropped, so lost or reordered messages do no harm. The origin is whatever
 * tells publishers apart for the caller: the endpoint (snapshot) or the
 * county's source code (run). */
#ifndef SUB_COLLECT_H
#define SUB_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_publisher.h"
#include "huibao/v1/huibao.pb-c.h"

#define SUB_COLLECT_MAX 4096 /* (origin, campaign) pairs kept; more are refused */
#define SUB_STALE_DEFAULT_MS (3 * HB_PUBLISHER_HEARTBEAT_MS) /* rollup without heartbeat_ms */
/* How far a rollup's as_of_ms may be ahead of the receiver's clock: more is
 * refused (a publisher's clock that far ahead, or a forged as_of meant to
 * win the epoch rule of sub_collect_rollup_newer against later rollups). */
#define SUB_COLLECT_MAX_SKEW_MS (5 * 60 * 1000)

typedef struct sub_entry {
  char *origin;
  char *campaign;
  Huibao__V1__Rollup *r; /* owned; freed with protobuf_c_message_free_unpacked */
  int64_t rx_ms;         /* monotonic ms of the last message for this pair, kept or not */
  uint32_t quiet_ms; /* the next_ms of its publisher's quiet beat then (0: none; the caller's) */
  bool stale;
  bool dirty; /* changed since the caller last cleared it */
} sub_entry;

typedef struct sub_collect {
  sub_entry *items; /* in order of first arrival */
  size_t count, cap;
} sub_collect;

void sub_collect_init(sub_collect *c);
void sub_collect_free(sub_collect *c);

/* True if a is newer than b: a and b both carry an epoch and they differ
 * (the publisher's store was restored or replaced: a replaces b whatever
 * its seq), else higher seq, or equal seq and later as_of_ms. A rollup
 * without an epoch (an older publisher) is compared by seq only. */
bool sub_collect_rollup_newer(const Huibao__V1__Rollup *a, const Huibao__V1__Rollup *b);

/* True if r's as_of_ms is more than SUB_COLLECT_MAX_SKEW_MS ahead of
 * wall_now_ms (unix ms): such a rollup is neither offered nor loaded. */
bool sub_collect_from_future(const Huibao__V1__Rollup *r, int64_t wall_now_ms);

/* Offers a decoded rollup from origin. Takes ownership of r in every case.
 * Returns 1 if it was kept (new pair, or newer than the one held; the entry
 * is marked dirty and no longer stale), 0 if it was older or equal (dropped;
 * the pair's rx_ms is still refreshed), HB_EFULL when SUB_COLLECT_MAX pairs
 * are held already, HB_ENOMEM. *was_stale (may be NULL) tells whether the
 * pair was stale before this message. */
int sub_collect_offer(sub_collect *c, const char *origin, Huibao__V1__Rollup *r, int64_t now_ms,
                      bool *was_stale);

/* Adds an entry as loaded from storage (rx_ms = now_ms, not dirty). Same
 * ownership and returns as sub_collect_offer; a rollup from the future
 * (sub_collect_from_future against the wall clock: stored by a version that
 * did not check) is dropped (0), so the county's next rollup replaces it. */
int sub_collect_load(sub_collect *c, const char *origin, Huibao__V1__Rollup *r, bool stale,
                     int64_t now_ms);

sub_entry *sub_collect_find(sub_collect *c, const char *origin, const char *campaign);

/* Marks stale every entry that heard nothing for its stale time:
 * stale_after_ms if > 0, else hb_delta_silence_ms of the rollup's
 * heartbeat_ms (HB_PUBLISHER_HEARTBEAT_MS without one) and the entry's
 * quiet_ms: 3 heartbeats, or quiet_ms + 2 heartbeats when longer; that is
 * also the least stale time when quiet_ms is set (a publisher that said it
 * beats that seldom is not stale sooner). Newly stale entries become dirty and are passed to
 * on_stale (may be NULL). Returns how many became stale. */
size_t sub_collect_mark_stale(sub_collect *c, int64_t now_ms, int64_t stale_after_ms,
                              void (*on_stale)(const sub_entry *e, void *arg), void *arg);

/* Sets quiet_ms to 0 in every entry of origin (its connection closed: it
 * is stale 3 heartbeats after its last message, not after what its last
 * quiet beat announced). */
void sub_collect_quiet_reset(sub_collect *c, const char *origin);

/* True when some entry changed since the caller last cleared the flags. */
bool sub_collect_any_dirty(const sub_collect *c);

/* Clears every entry's dirty flag (what changed was stored or shown). */
void sub_collect_clear_dirty(sub_collect *c);

/* A hash of what the figures of campaign (NULL: of every campaign) depend
 * on: per entry its origin, campaign, seq, epoch (a restored county may
 * repeat a seq), day, stale flag, current and last closed period (a due
 * that passes changes period states with the same seq); not as_of_ms,
 * which every heartbeat moves. Equal signatures: nothing new to show or to send. */
uint64_t sub_collect_signature(const sub_collect *c, const char *campaign);

/* The distinct campaign ids held, sorted (strcmp). *ids is a malloc'd array
 * of pointers into the entries (valid until the next offer); free(*ids). */
int sub_collect_campaigns(const sub_collect *c, const char ***ids, size_t *n);

/* Number of campaigns held for origin, and the largest campaign_count any of
 * its rollups announced (0 if none). */
size_t sub_collect_origin_count(const sub_collect *c, const char *origin, uint32_t *announced);

#endif
