/* hb_pbscan.c: a bounds-checked reader of protobuf wire framing. */
#include "hb_pbscan.h"

static int pbscan_varint(const uint8_t *buf, size_t len, size_t *pos, uint64_t *v)
{
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= len)
      return -1;
    uint8_t b = buf[(*pos)++];
    r |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = r;
      return 0;
    }
  }
  return -1;
}

int hb_pbscan_next(const uint8_t *buf, size_t len, size_t *pos, hb_pbfield *f)
{
  if (*pos >= len)
    return 0;
  uint64_t tag, v;
  if (pbscan_varint(buf, len, pos, &tag) != 0 || (tag >> 3) == 0 || (tag >> 3) > UINT32_MAX)
    return -1;
  f->number = (uint32_t)(tag >> 3);
  f->wire_type = (int)(tag & 7);
  f->varint = 0;
  f->data = NULL;
  f->len = 0;
  switch (f->wire_type) {
  case 0: return pbscan_varint(buf, len, pos, &f->varint) == 0 ? 1 : -1;
  case 1:
    if (len - *pos < 8)
      return -1;
    *pos += 8;
    return 1;
  case 2:
    if (pbscan_varint(buf, len, pos, &v) != 0 || v > len - *pos)
      return -1;
    f->data = buf + *pos;
    f->len = (size_t)v;
    *pos += (size_t)v;
    return 1;
  case 5:
    if (len - *pos < 4)
      return -1;
    *pos += 4;
    return 1;
  default: return -1;
  }
}
