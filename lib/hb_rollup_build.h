/* hb_rollup_build.h: a county's Rollup of one campaign, from its
 * aggregates. */
#ifndef HB_ROLLUP_BUILD_H
#define HB_ROLLUP_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include "hb_agg.h"
#include "hb_campaigns.h"
#include "hb_period_facts.h"
#include "hb_units.h"

/* Everything hb_rollup_build reads; all borrowed for the call. */
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
  /* Issue 13 (used when the campaign has a cycle): facts[i] are the period
   * facts of units->items[i] (NULL or facts[i] NULL: none); now_s the
   * county's clock, for each period's state. */
  const hb_period_facts *const *facts;
  int64_t now_s;
  /* Issue 14: the county's history head (store_log_head): entries so far
   * and the hash of the last, HB_CHAIN_HASH_LEN bytes (hb_chain.h), as
   * Rollup.log and the county's Source.log; log_hash NULL: none (left
   * out). */
  uint64_t log_n;
  const uint8_t *log_hash;
} hb_rollup_input;

/* Builds the packed Rollup (*out malloc'd, owned by the caller). Cube cells,
 * categories and unit rows come out in a stable order (cube by unit type,
 * level, kind; categories in the campaign file's order; units in units.csv
 * order). Issue 14: the review counts of the aggregates (hb_agg rv,
 * act_returned) go to the campaign's, each category's and each unit's
 * counts, every field set, zeros included (hb_rollup_review.h), claimed =
 * resolved - confirmed. Returns 0, HB_EINVAL (no campaign or source), HB_ETOOBIG (over
 * HB_WIRE_MAX_ROLLUP) or HB_ENOMEM. */
int hb_rollup_build(const hb_rollup_input *in, uint8_t **out, size_t *len);

#endif
