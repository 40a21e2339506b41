/* hb_be.h: big-endian integers in stored keys and values.
 *
 * The stores keep counters, versions, epochs and times as 8-byte (and week
 * numbers as 4-byte) big-endian integers, so that keys sort as numbers and a
 * file reads the same on every machine. These are the only copies of the
 * byte shuffling; p must hold the 8 (or 4) bytes. */
#ifndef HB_BE_H
#define HB_BE_H

#include <stdint.h>

/* Writes the n low bytes of v into p[0..n), most significant first. */
static inline void hb_be_put(uint8_t *p, uint64_t v, int n)
{
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

/* Reads p[0..n) as an unsigned number, most significant byte first. */
static inline uint64_t hb_be_get(const uint8_t *p, int n)
{
  uint64_t v = 0;
  for (int i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

static inline void hb_be64_put(uint8_t *p, uint64_t v)
{
  hb_be_put(p, v, 8);
}

static inline uint64_t hb_be64_get(const uint8_t *p)
{
  return hb_be_get(p, 8);
}

static inline void hb_be32_put(uint8_t *p, uint32_t v)
{
  hb_be_put(p, v, 4);
}

static inline uint32_t hb_be32_get(const uint8_t *p)
{
  return (uint32_t)hb_be_get(p, 4);
}

#endif
