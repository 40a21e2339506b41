/* hb_delta.h: a campaign's state as a delta against the state before it
 * (issue 17, docs/protocol.md "Deltas and heartbeats").
 *
 * A publisher sends the packed Rollup of a campaign on "state/<campaign>"
 * as a RollupDelta: a zstd frame of the new packed Rollup compressed with
 * the previous one as its prefix (ZSTD_CCtx_refPrefix), so the subscriber
 * that holds the previous bytes rebuilds exactly the new ones; without a
 * base, the frame is the full state. The message names the hash of the
 * base and of the result: a subscriber holding another base (it missed a
 * message, or joined late) cannot apply it and asks for the full state.
 * Once a heartbeat the publisher sends one RollupBeat on "tick": per
 * campaign its seq and the low 32 bits of the hash of the state last sent;
 * the same beat goes on "tock" in one frame, less often while nothing
 * changes, saying when the next one comes (next_ms).
 *
 * Pure functions: no I/O, errors returned, every buffer handed out is
 * malloc'd and the caller's. */
#ifndef HB_DELTA_H
#define HB_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

#define HB_DELTA_TOPIC_PREFIX "state/" /* + campaign: RollupDelta */
#define HB_DELTA_TOPIC_BEAT "tick"     /* RollupBeat, one per publisher */
/* One frame: these 4 bytes, then a RollupBeat with next_ms (the quiet
 * beat, docs/protocol.md "Quiet beats"). */
#define HB_DELTA_TOPIC_TOCK "tock"
/* The largest RollupBeat accepted (64 bytes a campaign, 4096 campaigns). */
#define HB_DELTA_MAX_BEAT (256u * 1024)

/* The first 8 bytes (little-endian) of BLAKE2b over b[0..n): the identity
 * of a state on the wire. */
uint64_t hb_delta_hash(const uint8_t *b, size_t n);

/* The hash of the packed Rollup rollup[0..len) with every as_of_ms in it
 * (the rollup's and each source's) set to 0: two builds with equal keys
 * differ only in when they were computed, and the newer need not be sent
 * to a subscriber that holds the older (the heartbeat says it still
 * holds). *seq (may be NULL) is the Rollup's seq. Returns 0, or HB_EPROTO
 * when the bytes are not a Rollup, HB_ETOOBIG, HB_ENOMEM. */
int hb_delta_state_key(const uint8_t *rollup, size_t len, uint64_t *key, uint64_t *seq);

/* Compresses cur[0..curlen) into a zstd frame (its content size written in
 * it), with base[0..baselen) as the prefix when base is not NULL. *z is
 * malloc'd. Returns 0, HB_ETOOBIG (curlen or baselen over
 * HB_WIRE_MAX_ROLLUP), HB_ENOMEM, or HB_EINVAL (zstd refused). */
int hb_delta_encode(const uint8_t *base, size_t baselen, const uint8_t *cur, size_t curlen,
                    uint8_t **z, size_t *zlen);

/* Decompresses the frame z[0..zlen) with base[0..baselen) as the prefix
 * (base NULL: none) and checks that the result is exactly size bytes
 * (at most HB_WIRE_MAX_ROLLUP) whose hb_delta_hash is hash. Returns 0 with
 * *out malloc'd (size bytes), HB_ETOOBIG, HB_ENOMEM, or HB_EPROTO (a bad
 * frame, another size, another hash: nothing is handed out). */
int hb_delta_decode(const uint8_t *base, size_t baselen, const uint8_t *z, size_t zlen, size_t size,
                    uint64_t hash, uint8_t **out);

/* Packs a RollupDelta (base_hash used only when has_base). *buf malloc'd.
 * Returns 0 or HB_ENOMEM. */
int hb_delta_pack(const char *campaign, uint64_t seq, uint64_t hash, size_t size, bool has_base,
                  uint64_t base_hash, const uint8_t *z, size_t zlen, uint8_t **buf, size_t *len);

/* Unpacks a RollupDelta from the network and checks what unpack does not:
 * campaign non-empty valid UTF-8, size at most HB_WIRE_MAX_ROLLUP. Returns
 * 0 with *out (free with protobuf_c_message_free_unpacked), HB_ETOOBIG, or
 * HB_EPROTO (*out NULL). */
int hb_delta_unpack(const uint8_t *buf, size_t len, Huibao__V1__RollupDelta **out);

/* How long a subscriber hears nothing from a publisher before it counts
 * it as silent (stale, or perhaps an old version): 3 x heartbeat_ms, or
 * the last quiet beat's next_ms (0: none) + 2 x heartbeat_ms when that is
 * longer (docs/protocol.md "Quiet beats"). */
int64_t hb_delta_silence_ms(uint32_t heartbeat_ms, uint32_t next_ms);

/* Unpacks a RollupBeat from the network (at most HB_DELTA_MAX_BEAT bytes;
 * every campaign non-empty valid UTF-8). Same returns as hb_delta_unpack. */
int hb_delta_beat_unpack(const uint8_t *buf, size_t len, Huibao__V1__RollupBeat **out);

#endif
