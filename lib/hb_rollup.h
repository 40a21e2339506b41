/* hb_rollup.h: the rollup of one campaign, as published and merged.
 *
 * A county builds a Rollup from its aggregates; a city merges the Rollups of
 * its counties into one of the same shape (and may publish that on to a
 * province). Every Rollup tree in huibao comes from protobuf-c unpack and is
 * freed with protobuf_c_message_free_unpacked(msg, NULL).
 *
 * One header per part, all included here:
 *   hb_rollup_build.h   a county's Rollup from its aggregates
 *   hb_rollup_merge.h   the city's Rollup from its counties'
 *   hb_wire.h           a Rollup from the network, checked (hb_rollup_unpack)
 *   hb_rollup_json.h    the JSON view (docs/protocol.md)
 *   hb_rollup_table.h   the table for terminals
 *   hb_rollup_review.h  the county's review counts (issue 14)
 * and the activity totals in hb_totals.h. */
#ifndef HB_ROLLUP_H
#define HB_ROLLUP_H

#include <stdint.h>
#include "hb_rollup_build.h"
#include "hb_rollup_json.h"
#include "hb_rollup_merge.h"
#include "hb_rollup_review.h"
#include "hb_rollup_table.h"
#include "hb_wire.h"
#include "hb_totals.h"

/* part / whole as a fraction (0.2047 for 20.47%), 0 when whole is 0: the
 * shares and rates of every view of a Rollup. Rounded to 15 significant
 * digits, so a JSON dump with JSON_REAL_PRECISION(15) (every dump of a
 * Rollup's JSON) prints it exactly and reads back the same double. */
double hb_rollup_share(uint64_t part, uint64_t whole);

/* a + b, saturating at UINT64_MAX: every count a merge sums. */
uint64_t hb_rollup_add_sat(uint64_t a, uint64_t b);

/* An indicator value in 1/10000 (IndicatorSum.value) rounded half away
 * from zero to places decimals (0..4; more is taken as 4) with integer
 * arithmetic only: *units gets the value in 1/10^places (3000, 2 -> 30).
 * Returns *units. */
int64_t hb_rollup_value_scaled(int64_t value, uint32_t places);

/* The same value as text with exactly places decimals: 3000, 2 -> "0.30",
 * -12500, 2 -> "-1.25", 70000, 0 -> "7". buf holds at least
 * HB_ROLLUP_VALUE_TEXT bytes. Returns buf. */
#define HB_ROLLUP_VALUE_TEXT 48
const char *hb_rollup_value_text(int64_t value, uint32_t places, char *buf);

#endif
