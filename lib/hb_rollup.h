/* hb_rollup.h: the rollup of one campaign, as published and merged.
 *
 * A county builds a Rollup from its aggregates; a city merges the Rollups of
 * its counties into one of the same shape (and may publish that on to a
 * province). Every Rollup tree in huibao comes from protobuf-c unpack and is
 * freed with protobuf_c_message_free_unpacked(msg, NULL). */
#ifndef HB_ROLLUP_H
#define HB_ROLLUP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_agg.h"
#include "hb_campaigns.h"
#include "hb_units.h"

typedef struct hb_rollup_input {
  const char *source;      /* the county's code */
  const char *source_name; /* its name */
  const hb_campaign *campaign;
  const hb_units *units; /* expected units, in units.csv order */
  /* aggregates of this campaign, any order; units without one count zero.
   * An aggregate for a unit not in units appears with expected=false. */
  const hb_agg *const *aggs;
  size_t naggs;
  /* last_sync[i]: unix seconds of units->items[i]'s last stored batch, 0 = never;
   * may be NULL */
  const int64_t *last_sync;
  uint64_t seq;
  uint64_t epoch; /* the store's epoch; 0 = none (field left out) */
  int64_t as_of_ms;
  uint32_t heartbeat_ms;
  uint32_t campaign_count;
  int32_t today; /* for overdue */
} hb_rollup_input;

/* Builds the packed Rollup (*out malloc'd). Cube cells, categories and unit
 * rows come out in a stable order (cube by unit type, level, kind;
 * categories in the campaign file's order; units in units.csv order). */
int hb_rollup_build(const hb_rollup_input *in, uint8_t **out, size_t *len);

/* Sums n rollups of the same campaign into *out: sources are the inputs'
 * sources (or the inputs themselves), units are concatenated, every count
 * is summed, shares recomputed; seq is the sum of the inputs' seqs.
 * epoch is derived from the inputs' (source, epoch) pairs (hb_rollup_epoch),
 * so it changes when any input's epoch does (a county restored from a
 * backup, whose seq went back): absent when no input has one.
 * stale[i] (may be NULL) marks input i's sources stale. */
int hb_rollup_merge(const Huibao__V1__Rollup *const *in, size_t n, const bool *stale,
                    const char *source, const char *source_name, int64_t as_of_ms,
                    Huibao__V1__Rollup **out);

/* The epoch of a merge of in[0..n): the xor of a 64-bit hash of each
 * input's (source, epoch), so the order of the inputs does not matter;
 * inputs without an epoch are left out; 0 (none) when no input has one. */
uint64_t hb_rollup_epoch(const Huibao__V1__Rollup *const *in, size_t n);

/* Decodes a Rollup received from the network: size cap, unpack, then the
 * checks unpack does not do (enums, UTF-8). Returns HB_EPROTO on bad input. */
int hb_rollup_unpack(const uint8_t *buf, size_t len, Huibao__V1__Rollup **out);

/* The JSON view documented in docs/protocol.md (the keys of `huibao-sub
 * snapshot --format json`). Caller owns the returned reference. */
json_t *hb_rollup_to_json(const Huibao__V1__Rollup *r);

/* A human table in Chinese (with English codes), for terminals. */
int hb_rollup_write_table(const Huibao__V1__Rollup *r, FILE *f);

#endif
