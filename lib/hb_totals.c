/* hb_totals.c: activity totals and the Totals message. */
#include "hb_totals.h"

static uint64_t add_sat(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void hb_totals_add(hb_totals *sum, const hb_totals *t)
{
  sum->records = add_sat(sum->records, t->records);
  sum->sessions = add_sat(sum->sessions, t->sessions);
  sum->participants = add_sat(sum->participants, t->participants);
  sum->outputs = add_sat(sum->outputs, t->outputs);
}

void hb_totals_to_pb(const hb_totals *t, Huibao__V1__Totals *pb)
{
  huibao__v1__totals__init(pb);
  pb->has_records = pb->has_sessions = pb->has_participants = pb->has_outputs = 1;
  pb->records = t->records;
  pb->sessions = t->sessions;
  pb->participants = t->participants;
  pb->outputs = t->outputs;
}

void hb_totals_from_pb(const Huibao__V1__Totals *pb, hb_totals *t)
{
  t->records = pb && pb->has_records ? pb->records : 0;
  t->sessions = pb && pb->has_sessions ? pb->sessions : 0;
  t->participants = pb && pb->has_participants ? pb->participants : 0;
  t->outputs = pb && pb->has_outputs ? pb->outputs : 0;
}

void hb_totals_add_pb(hb_totals *sum, const Huibao__V1__Totals *pb)
{
  hb_totals t;
  hb_totals_from_pb(pb, &t);
  hb_totals_add(sum, &t);
}
