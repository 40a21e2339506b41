/* hb_varint.h: protobuf base-128 varints, for the few places that write
 * protobuf bytes by hand (hb_wire.c's Submit framing, and the day cells and
 * change days packed at every commit: hb_agg_days_pack.c,
 * hb_period_facts.c). Reading is hb_pbscan.h's. */
#ifndef HB_VARINT_H
#define HB_VARINT_H

#include <stddef.h>
#include <stdint.h>

#define HB_VARINT_MAX 10 /* bytes of a 64-bit varint */

/* Bytes of v as a varint. */
static inline size_t hb_varint_len(uint64_t v)
{
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

/* Writes v at p (room for hb_varint_len(v) bytes); returns the end. */
static inline uint8_t *hb_varint_put(uint8_t *p, uint64_t v)
{
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

/* int32, int64 and enum fields are varints of their 64-bit two's
 * complement; sint64 fields are zigzag-encoded. */
static inline uint64_t hb_varint_signed(int64_t v)
{
  return (uint64_t)v;
}

static inline uint64_t hb_varint_zigzag(int64_t v)
{
  return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

#endif
