/* hb_pbcopy.c: a deep copy of a protobuf-c message (hb_pbcopy.h). Each
 * rule mirrors protobuf-c 1.4.1's protobuf-c.c: which fields
 * protobuf_c_message_pack writes (required_/optional_/oneof_/unlabeled_/
 * repeated_field_pack) and what protobuf_c_message_unpack makes of them
 * (parse_required_member and its callers). */
#include "hb_pbcopy.h"

#include <stdlib.h>
#include <string.h>

static ProtobufCMessage *copy_message(const ProtobufCMessage *m,
                                      const ProtobufCMessageDescriptor *d);

size_t hb_pbcopy_size(ProtobufCType t)
{
  switch (t) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
  case PROTOBUF_C_TYPE_FLOAT:
  case PROTOBUF_C_TYPE_ENUM: return 4;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE: return 8;
  case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
  case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
  }
  return 0;
}

/* An unlabeled (proto3) field the packer leaves out: field_is_zeroish. */
static int zeroish(const ProtobufCFieldDescriptor *f, const void *v)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_BOOL: return *(const protobuf_c_boolean *)v == 0;
  case PROTOBUF_C_TYPE_FLOAT: return *(const float *)v == 0;
  case PROTOBUF_C_TYPE_DOUBLE: return *(const double *)v == 0;
  case PROTOBUF_C_TYPE_STRING: return !*(const char *const *)v || !**(const char *const *)v;
  case PROTOBUF_C_TYPE_BYTES:
  case PROTOBUF_C_TYPE_MESSAGE: return !*(const void *const *)v;
  default:
    return hb_pbcopy_size(f->type) == 4 ? *(const uint32_t *)v == 0 : *(const uint64_t *)v == 0;
  }
}

/* A string or message pointer the packer leaves out of an optional or
 * oneof field. */
static int ptr_absent(const ProtobufCFieldDescriptor *f, const void *v)
{
  if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE)
    return 0;
  const void *p = *(const void *const *)v;
  return !p || p == f->default_value;
}

/* One value from src into dst (which holds the init value): as packed by
 * required_field_pack and read by parse_required_member. dst changes only
 * on success. Returns 0 or -1 (out of memory). */
static int copy_value(const ProtobufCFieldDescriptor *f, const void *src, void *dst)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_BOOL:
    *(protobuf_c_boolean *)dst = *(const protobuf_c_boolean *)src != 0;
    return 0;
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(const char *const *)src;
    size_t n = s ? strlen(s) : 0;
    char *c = malloc(n + 1);
    if (!c)
      return -1;
    if (n)
      memcpy(c, s, n);
    c[n] = 0;
    *(char **)dst = c;
    return 0;
  }
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *b = src;
    uint8_t *c = NULL;
    if (b->len) {
      if (!(c = malloc(b->len)))
        return -1;
      memcpy(c, b->data, b->len);
    }
    ((ProtobufCBinaryData *)dst)->len = b->len;
    ((ProtobufCBinaryData *)dst)->data = c;
    return 0;
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    /* a NULL message packs as length 0 and unpacks as an empty one */
    ProtobufCMessage *c = copy_message(*(const ProtobufCMessage *const *)src, f->descriptor);
    if (!c)
      return -1;
    *(ProtobufCMessage **)dst = c;
    return 0;
  }
  default: memcpy(dst, src, hb_pbcopy_size(f->type)); return 0;
  }
}

/* A repeated field: the array is allocated zeroed and its count set before
 * the elements are copied, so that a failure leaves a tree that
 * protobuf_c_message_free_unpacked frees. */
static int copy_repeated(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m,
                         ProtobufCMessage *c)
{
  size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
  if (!n)
    return 0;
  size_t es = hb_pbcopy_size(f->type);
  char *arr = calloc(n, es);
  if (!arr)
    return -1;
  *(void **)((char *)c + f->offset) = arr;
  *(size_t *)((char *)c + f->quantifier_offset) = n;
  const char *src = *(const char *const *)((const char *)m + f->offset);
  for (size_t i = 0; i < n; i++)
    if (copy_value(f, src + i * es, arr + i * es) != 0)
      return -1;
  return 0;
}

/* One field of m into c (which holds the init values). */
static int copy_field(const ProtobufCFieldDescriptor *f, const ProtobufCMessage *m,
                      ProtobufCMessage *c)
{
  const void *src = (const char *)m + f->offset;
  void *dst = (char *)c + f->offset;
  const void *q = (const char *)m + f->quantifier_offset;
  if (f->label == PROTOBUF_C_LABEL_REQUIRED)
    return copy_value(f, src, dst);
  if (f->label == PROTOBUF_C_LABEL_REPEATED)
    return copy_repeated(f, m, c);
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    if (*(const uint32_t *)q != f->id || ptr_absent(f, src))
      return 0;
    if (copy_value(f, src, dst) != 0)
      return -1;
    *(uint32_t *)((char *)c + f->quantifier_offset) = f->id;
    return 0;
  }
  if (f->label == PROTOBUF_C_LABEL_NONE)
    return zeroish(f, src) ? 0 : copy_value(f, src, dst);
  /* optional: strings and messages by their pointer, the rest by has_ */
  if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE) {
    if (ptr_absent(f, src))
      return 0;
  } else if (!*(const protobuf_c_boolean *)q) {
    return 0;
  }
  if (copy_value(f, src, dst) != 0)
    return -1;
  if (f->quantifier_offset)
    *(protobuf_c_boolean *)((char *)c + f->quantifier_offset) = 1;
  return 0;
}

static int copy_unknown(const ProtobufCMessage *m, ProtobufCMessage *c)
{
  size_t n = m->n_unknown_fields;
  if (!n)
    return 0;
  if (!(c->unknown_fields = calloc(n, sizeof *c->unknown_fields)))
    return -1;
  c->n_unknown_fields = n;
  for (size_t i = 0; i < n; i++) {
    const ProtobufCMessageUnknownField *u = &m->unknown_fields[i];
    ProtobufCMessageUnknownField *o = &c->unknown_fields[i];
    o->tag = u->tag;
    o->wire_type = u->wire_type;
    o->len = u->len;
    if (u->len) {
      if (!(o->data = malloc(u->len)))
        return -1;
      memcpy(o->data, u->data, u->len);
    }
  }
  return 0;
}

/* A copy of m (of type d), or an empty message of type d when m is NULL. */
static ProtobufCMessage *copy_message(const ProtobufCMessage *m,
                                      const ProtobufCMessageDescriptor *d)
{
  ProtobufCMessage *c = malloc(d->sizeof_message);
  if (!c)
    return NULL;
  protobuf_c_message_init(d, c);
  if (!m)
    return c;
  int rc = 0;
  for (unsigned i = 0; i < d->n_fields && rc == 0; i++)
    rc = copy_field(&d->fields[i], m, c);
  if (rc == 0)
    rc = copy_unknown(m, c);
  if (rc != 0) {
    protobuf_c_message_free_unpacked(c, NULL);
    return NULL;
  }
  return c;
}

ProtobufCMessage *hb_pbcopy(const ProtobufCMessage *m)
{
  return m ? copy_message(m, m->descriptor) : NULL;
}
