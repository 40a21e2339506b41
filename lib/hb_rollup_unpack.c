/* hb_rollup_unpack.c: a Rollup received from the network: size cap,
 * protobuf-c unpack, then the checks unpack does not do. */
#include <stdbool.h>
#include <string.h>
#include "hb_err.h"
#include "hb_rollup_unpack.h"
#include "hb_text.h"
#include "hb_wire.h"

static bool str_ok(const char *s)
{
  return hb_utf8_valid(s, strlen(s));
}

/* Walks a message by its descriptor: every enum value must be one the
 * descriptor knows, every string valid UTF-8, recursively. */
static bool message_ok(const ProtobufCMessage *m, int depth)
{
  if (depth > 16)
    return false;
  const ProtobufCMessageDescriptor *d = m->descriptor;
  const char *base = (const char *)m;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->type != PROTOBUF_C_TYPE_ENUM && f->type != PROTOBUF_C_TYPE_STRING &&
        f->type != PROTOBUF_C_TYPE_MESSAGE)
      continue;
    size_t cnt = 1;
    const char *p = base + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      cnt = *(const size_t *)(base + f->quantifier_offset);
      p = *(const char *const *)p;
      if (cnt && !p)
        return false;
    } else if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
        continue;
    } else if (f->type == PROTOBUF_C_TYPE_ENUM && f->label == PROTOBUF_C_LABEL_OPTIONAL &&
               f->quantifier_offset) {
      if (!*(const protobuf_c_boolean *)(base + f->quantifier_offset))
        continue;
    }
    for (size_t j = 0; j < cnt; j++) {
      if (f->type == PROTOBUF_C_TYPE_ENUM) {
        int v = ((const int *)p)[j];
        if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
          return false;
      } else if (f->type == PROTOBUF_C_TYPE_STRING) {
        const char *s = ((const char *const *)p)[j];
        if (s && !str_ok(s))
          return false;
      } else {
        const ProtobufCMessage *sub = ((const ProtobufCMessage *const *)p)[j];
        if (sub && !message_ok(sub, depth + 1))
          return false;
      }
    }
  }
  return true;
}

int hb_rollup_unpack(const uint8_t *buf, size_t len, Huibao__V1__Rollup **out)
{
  *out = NULL;
  if (len > HB_WIRE_MAX_ROLLUP)
    return HB_ETOOBIG;
  Huibao__V1__Rollup *r = huibao__v1__rollup__unpack(NULL, len, buf);
  if (!r)
    return HB_EPROTO;
  if (!protobuf_c_message_check(&r->base) || !message_ok(&r->base, 0) || !*r->source ||
      !*r->campaign) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return HB_EPROTO;
  }
  *out = r;
  return 0;
}
