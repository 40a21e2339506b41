/* hb_wire_internal.h: what hb_wire.c and hb_wire_fast.c both read the
 * protobuf framing with (issue 17: the canonical bytes of a record body). */
#ifndef HB_WIRE_INTERNAL_H
#define HB_WIRE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* Reads the varint at *p (before end) into *v and moves *p past it;
 * shortest (issue 17's canonical bytes): refuses one longer than needed.
 * Returns false on a broken or refused varint. */
static inline bool hb_wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v, bool shortest)
{
  const uint8_t *q = *p;
  if (q < end && *q < 0x80) { /* one byte: most tags, lengths and values */
    *v = *q;
    *p = q + 1;
    return true;
  }
  uint64_t r = 0;
  for (unsigned shift = 0; q < end && shift < 64; shift += 7) {
    uint8_t c = *q++;
    r |= (uint64_t)(c & 0x7F) << shift;
    if (!(c & 0x80)) {
      if ((shortest && c == 0 && shift) || (shift == 63 && c > 1))
        return false;
      *v = r;
      *p = q;
      return true;
    }
  }
  return false;
}

/* Does the varint value v of field fd keep its value through protobuf-c's
 * unpack and pack (the 32-bit types keep 32 bits; a negative int32 or
 * enum is written sign-extended to 64 bits)? */
static inline bool hb_wire_varint_canonical(const ProtobufCFieldDescriptor *fd, uint64_t v)
{
  switch (fd->type) {
  case PROTOBUF_C_TYPE_BOOL: return v <= 1;
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_ENUM: return v <= INT32_MAX || v >= 0xFFFFFFFF80000000ull;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_SINT32: return v <= UINT32_MAX;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_SINT64: return true;
  default: return false; /* not a varint type */
  }
}

#endif
