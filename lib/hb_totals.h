/* hb_totals.h: the activity totals of a unit, a cube cell or a campaign
 * (records, sessions, participants, outputs), and their copy to and from
 * the Totals message of huibao.proto: the one place that knows its fields. */
#ifndef HB_TOTALS_H
#define HB_TOTALS_H

#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

typedef struct hb_totals {
  uint64_t records, sessions, participants, outputs;
} hb_totals;

/* Adds t into sum, each figure saturating at UINT64_MAX. */
void hb_totals_add(hb_totals *sum, const hb_totals *t);

/* Initialises pb with every field of t present. pb owns nothing: it can be
 * a local or an array element pointed to by a message being packed. */
void hb_totals_to_pb(const hb_totals *t, Huibao__V1__Totals *pb);

/* The figures of pb (may be NULL: all zero); a field left out counts 0. */
void hb_totals_from_pb(const Huibao__V1__Totals *pb, hb_totals *t);

/* Adds the figures of pb (may be NULL: nothing) into sum, saturating. */
void hb_totals_add_pb(hb_totals *sum, const Huibao__V1__Totals *pb);

#endif
