/* hb_agg_days_pack.c: the day cells of an hb_agg as UnitAggregate fields
 * 10 (DayActivities) and 11 (DayProblems), written directly.
 *
 * Why not protobuf-c: the county packs every aggregate a batch touched at
 * each commit, and a township's aggregate holds a few hundred day cells:
 * building a message per cell and letting protobuf-c size and pack them
 * made hb_agg_pack 4-5x slower (8-12 µs -> 40-60 µs for the benchmark's
 * aggregate) and the CPU per record at 10,000 records/s 25% higher. The
 * bytes are exactly protobuf-c's (fields in number order, these two the
 * last of UnitAggregate, every optional present as hb_agg_pack always
 * set it): unit.agg_days packs with protobuf-c again and compares. They are
 * read back with protobuf-c (hb_agg_unpack). */
#include <stdint.h>
#include <string.h>
#include "hb_agg_internal.h"
#include "hb_varint.h"

#define TAG_DAY_ACTIVITIES 0x52 /* field 10, length-delimited */
#define TAG_DAY_PROBLEMS 0x5A   /* field 11, length-delimited */

static size_t totals_len(const hb_totals *t)
{
  return 4 + hb_varint_len(t->records) + hb_varint_len(t->sessions) +
         hb_varint_len(t->participants) + hb_varint_len(t->outputs);
}

/* DayActivities: day, kind (a built-in kind) or kind_code, totals. */
static size_t dact_len(const hb_day_act *c)
{
  size_t n = 1 + hb_varint_len(hb_varint_signed(c->day));
  if (c->code) {
    size_t l = strlen(c->code);
    n += 1 + hb_varint_len(l) + l;
  } else {
    n += 1 + hb_varint_len(hb_varint_signed(c->kind));
  }
  size_t t = totals_len(&c->t);
  return n + 1 + hb_varint_len(t) + t;
}

/* DayProblems: day, and each count only when not zero. */
static size_t dprob_len(const hb_day_prob *c)
{
  size_t n = 1 + hb_varint_len(hb_varint_signed(c->day));
  if (c->identified)
    n += 1 + hb_varint_len(c->identified);
  if (c->resolved)
    n += 1 + hb_varint_len(c->resolved);
  if (c->overdue_delta)
    n += 1 + hb_varint_len(hb_varint_zigzag(c->overdue_delta));
  return n;
}

size_t hb_agg_days_packed_size(const hb_agg *a)
{
  size_t n = 0;
  for (size_t i = 0; i < a->ndacts; i++) {
    size_t l = dact_len(&a->dacts[i]);
    n += 1 + hb_varint_len(l) + l;
  }
  for (size_t i = 0; i < a->ndprobs; i++) {
    size_t l = dprob_len(&a->dprobs[i]);
    n += 1 + hb_varint_len(l) + l;
  }
  return n;
}

size_t hb_agg_days_pack(const hb_agg *a, uint8_t *out)
{
  uint8_t *p = out;
  for (size_t i = 0; i < a->ndacts; i++) {
    const hb_day_act *c = &a->dacts[i];
    *p++ = TAG_DAY_ACTIVITIES;
    p = hb_varint_put(p, dact_len(c));
    *p++ = 0x08; /* day */
    p = hb_varint_put(p, hb_varint_signed(c->day));
    if (c->code) {
      size_t l = strlen(c->code);
      *p++ = 0x1A; /* kind_code */
      p = hb_varint_put(p, l);
      memcpy(p, c->code, l);
      p += l;
    } else {
      *p++ = 0x10; /* kind */
      p = hb_varint_put(p, hb_varint_signed(c->kind));
    }
    *p++ = 0x22; /* totals */
    p = hb_varint_put(p, totals_len(&c->t));
    *p++ = 0x08;
    p = hb_varint_put(p, c->t.records);
    *p++ = 0x10;
    p = hb_varint_put(p, c->t.sessions);
    *p++ = 0x18;
    p = hb_varint_put(p, c->t.participants);
    *p++ = 0x20;
    p = hb_varint_put(p, c->t.outputs);
  }
  for (size_t i = 0; i < a->ndprobs; i++) {
    const hb_day_prob *c = &a->dprobs[i];
    *p++ = TAG_DAY_PROBLEMS;
    p = hb_varint_put(p, dprob_len(c));
    *p++ = 0x08;
    p = hb_varint_put(p, hb_varint_signed(c->day));
    if (c->identified) {
      *p++ = 0x10;
      p = hb_varint_put(p, c->identified);
    }
    if (c->resolved) {
      *p++ = 0x18;
      p = hb_varint_put(p, c->resolved);
    }
    if (c->overdue_delta) {
      *p++ = 0x20;
      p = hb_varint_put(p, hb_varint_zigzag(c->overdue_delta));
    }
  }
  return (size_t)(p - out);
}
