/* hb_rollup_merge.h: a city's Rollup of one campaign, merged from the
 * Rollups of its counties (or a province's, from its cities'). */
#ifndef HB_ROLLUP_MERGE_H
#define HB_ROLLUP_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

/* Sums n rollups of the same campaign into *out: sources are the inputs'
 * sources (or the inputs themselves), units are concatenated, every count
 * is summed, shares recomputed; seq is the sum of the inputs' seqs.
 * Declared kinds, indicators (value and records by code) and subcategories
 * (by code within their category) are merged in order of first appearance,
 * cases summed; stages are the first input's that has any. Reporting
 * periods (cycle, periods by id, cycle_mismatch: issue 13) as
 * hb_rollup_merge_periods.h says. Merged rollups merge again the same way
 * (a province of cities).
 * epoch is derived from the inputs' (source, epoch) pairs (hb_rollup_epoch),
 * so it changes when any input's epoch does (a county restored from a
 * backup, whose seq went back): absent when no input has one.
 * Issue 14: the review counts (hb_rollup_review.h) and activities_returned
 * are summed, present when any input has them; each source's log is its
 * county's Rollup.log (Source.log kept from a merged input); the merged
 * rollup itself has no log.
 * stale[i] (may be NULL) marks input i's sources stale. The inputs are
 * borrowed; *out is one protobuf-c tree, owned by the caller (free it with
 * protobuf_c_message_free_unpacked(msg, NULL)). Returns 0, HB_EINVAL (no
 * input, no source, campaigns differ) or HB_ENOMEM. */
int hb_rollup_merge(const Huibao__V1__Rollup *const *in, size_t n, const bool *stale,
                    const char *source, const char *source_name, int64_t as_of_ms,
                    Huibao__V1__Rollup **out);

/* The epoch of a merge of in[0..n): the xor of a 64-bit hash of each
 * input's (source, epoch), so the order of the inputs does not matter;
 * inputs without an epoch are left out; 0 (none) when no input has one. */
uint64_t hb_rollup_epoch(const Huibao__V1__Rollup *const *in, size_t n);

#endif
