/* hb_pbscan.h: walking the top level of a packed protobuf message without
 * unpacking it or allocating: used to bound a message before unpack, and
 * to read one field of a stored record cheaply. Part of the wire module:
 * only hb_wire.c uses it (the rest of the code calls hb_wire_*, which
 * knows the field numbers), and bench-loadgen, which counts its Acks'
 * results without unpacking them. */
#ifndef HB_PBSCAN_H
#define HB_PBSCAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct hb_pbfield {
  uint32_t number;     /* field number */
  int wire_type;       /* 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 */
  uint64_t varint;     /* value, for wire type 0 */
  const uint8_t *data; /* bytes, for wire type 2 (points into the buffer) */
  size_t len;          /* their length */
} hb_pbfield;

/* Reads the field at *pos and advances past it. Returns 1 and fills *f,
 * 0 at the end of the buffer, -1 if the framing is broken (truncated,
 * over-long varint, length beyond the buffer, groups or unknown types). */
int hb_pbscan_next(const uint8_t *buf, size_t len, size_t *pos, hb_pbfield *f);

#endif
