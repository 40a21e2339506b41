/* hb_wire_depth.c: the nesting of a packed message, walked without
 * recursion (hb_wire_depth.h), field by field with hb_pbscan. */
#include "hb_wire_depth.h"

#include "hb_pbscan.h"

bool hb_wire_depth_ok(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                      unsigned max_depth)
{
  struct frame {
    const ProtobufCMessageDescriptor *d;
    const uint8_t *buf; /* the message's bytes */
    size_t len, pos;    /* and how far they were walked */
  } st[HB_WIRE_MAX_DEPTH + 1];
  if (max_depth > HB_WIRE_MAX_DEPTH)
    max_depth = HB_WIRE_MAX_DEPTH;
  unsigned top = 0;
  st[0] = (struct frame){d, buf, len, 0};
  for (;;) {
    hb_pbfield f;
    int rc = hb_pbscan_next(st[top].buf, st[top].len, &st[top].pos, &f);
    if (rc < 0)
      return false; /* broken framing: protobuf-c refuses it too */
    if (rc == 0) {  /* this message ends: back to its parent */
      if (top == 0)
        return true;
      top--;
      continue;
    }
    if (f.wire_type != 2)
      continue;
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(st[top].d, f.number);
    if (!fd || fd->type != PROTOBUF_C_TYPE_MESSAGE)
      continue; /* bytes, a string, or a field this side does not know */
    if (top + 1 > max_depth)
      return false;
    top++;
    st[top] = (struct frame){fd->descriptor, f.data, f.len, 0};
  }
}
