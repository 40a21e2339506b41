/* hb_wire_fast.c: a Submit decoded in one pass (hb_wire_fast.h). */
#include "hb_wire_fast.h"

#include <string.h>
#include "hb_wire_internal.h"

#define FAST_DEPTH_MAX 2   /* Submit 0, Record 1, body 2 */
#define FAST_FIELDS_MAX 64 /* fields of a message decoded here: a bit each */
#define FAST_WIRE_VARINT 0
#define FAST_WIRE_LEN 2

typedef struct fast_ctx {
  hb_arena *a;
  const ProtobufCFieldDescriptor *records; /* Submit.records: the one repeated field */
  size_t nrec;                             /* its occurrences, counted by the caller */
  hb_wire_body *body;                      /* the body of the record being decoded */
  hb_wire_body *bodies;                    /* nrec of them */
} fast_ctx;

/* Stores the varint v in the member of a field of a varint type, as
 * protobuf-c's parse_required_member does (the 32-bit types keep the low
 * 32 bits, bool is v != 0). False for a type of another wire type. */
static bool fast_scalar(const ProtobufCFieldDescriptor *fd, void *member, uint64_t v)
{
  switch (fd->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_ENUM: *(int32_t *)member = (int32_t)(uint32_t)v; return true;
  case PROTOBUF_C_TYPE_UINT32: *(uint32_t *)member = (uint32_t)v; return true;
  case PROTOBUF_C_TYPE_SINT32: {
    uint32_t u = (uint32_t)v;
    *(int32_t *)member = (int32_t)((u >> 1) ^ -(u & 1));
    return true;
  }
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_UINT64: *(uint64_t *)member = v; return true;
  case PROTOBUF_C_TYPE_SINT64: *(int64_t *)member = (int64_t)((v >> 1) ^ -(v & 1)); return true;
  case PROTOBUF_C_TYPE_BOOL: *(protobuf_c_boolean *)member = v != 0; return true;
  default: return false;
  }
}

static bool fast_message(fast_ctx *c, const ProtobufCMessageDescriptor *d, const uint8_t *p,
                         const uint8_t *end, int depth, ProtobufCMessage **out, bool *canonical);

/* The length-delimited field fd (data[0..n)) into its member of m; clears
 * *canon when hb_wire_canonical would refuse it (only strings pass). */
static bool fast_len(fast_ctx *c, const ProtobufCFieldDescriptor *fd, ProtobufCMessage *m,
                     const uint8_t *data, size_t n, int depth, bool *canon)
{
  void *member = (char *)m + fd->offset;
  switch (fd->type) {
  case PROTOBUF_C_TYPE_STRING: {
    if (memchr(data, 0, n))
      return false; /* protobuf-c keeps it cut at the NUL; hb_wire_canonical refuses it */
    char *s = hb_arena_alloc(c->a, n + 1);
    if (!s)
      return false;
    memcpy(s, data, n);
    s[n] = '\0';
    *(char **)member = s;
    return true;
  }
  case PROTOBUF_C_TYPE_BYTES: {
    ProtobufCBinaryData *bd = member;
    *canon = false;
    bd->data = NULL;
    if (n && !(bd->data = hb_arena_alloc(c->a, n)))
      return false;
    if (n)
      memcpy(bd->data, data, n);
    bd->len = n;
    return true;
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    *canon = false;
    bool inner;
    if (!fast_message(c, fd->descriptor, data, data + n, depth + 1, member, &inner))
      return false;
    /* a Record's body: the oneof member (Record.body, fields 2..6) */
    if (depth == 1 && c->body && (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
      *c->body = (hb_wire_body){data, n, inner};
    return true;
  }
  default: return false; /* a packed repeated field, or a varint type sent length-delimited */
  }
}

/* The next element of Submit.records (data[0..n)) into m's array. */
static bool fast_record(fast_ctx *c, const ProtobufCFieldDescriptor *fd, ProtobufCMessage *m,
                        const uint8_t *data, size_t n, int depth)
{
  size_t *count = (size_t *)((char *)m + fd->quantifier_offset);
  ProtobufCMessage ***arr = (ProtobufCMessage ***)((char *)m + fd->offset);
  if (*count == c->nrec)
    return false;
  if (!*arr && !(*arr = hb_arena_alloc(c->a, c->nrec * sizeof **arr)))
    return false;
  hb_wire_body *b = c->bodies + *count;
  *b = (hb_wire_body){NULL, 0, false};
  fast_ctx inner = *c;
  inner.body = b;
  bool canon;
  if (!fast_message(&inner, fd->descriptor, data, data + n, depth + 1, &(*arr)[*count], &canon))
    return false;
  (*count)++;
  return true;
}

/* Decodes the message of descriptor d in p[0..end) into a new *out in
 * c->a; *canonical: hb_wire_canonical(d, p, end - p) (given that the
 * fields are known, once each and in their shortest form, or this returns
 * false). */
static bool fast_message(fast_ctx *c, const ProtobufCMessageDescriptor *d, const uint8_t *p,
                         const uint8_t *end, int depth, ProtobufCMessage **out, bool *canonical)
{
  if (depth > FAST_DEPTH_MAX || d->n_fields > FAST_FIELDS_MAX || !d->message_init)
    return false;
  ProtobufCMessage *m = hb_arena_alloc(c->a, d->sizeof_message);
  if (!m)
    return false;
  protobuf_c_message_init(d, m);
  uint64_t seen = 0;
  uint64_t last = 0;
  bool canon = true;
  while (p < end) {
    uint64_t tag, v;
    if (!hb_wire_varint(&p, end, &tag, true))
      return false;
    uint64_t num = tag >> 3;
    unsigned type = (unsigned)(tag & 7);
    /* huibao.proto numbers every message's fields 1..n */
    if (num == 0 || num > d->n_fields || d->fields[num - 1].id != num)
      return false; /* unknown: kept by protobuf-c among unknown_fields */
    const ProtobufCFieldDescriptor *fd = &d->fields[num - 1];
    uint64_t bit = 1ull << (num - 1);
    bool repeated = fd->label == PROTOBUF_C_LABEL_REPEATED;
    if ((seen & bit) && !repeated)
      return false; /* twice: protobuf-c keeps the last, or merges messages */
    seen |= bit;
    if (num < last)
      canon = false;
    last = num;
    if (!hb_wire_varint(&p, end, &v, true))
      return false;
    if (type == FAST_WIRE_VARINT) {
      if (repeated || !fast_scalar(fd, (char *)m + fd->offset, v))
        return false;
      if (!hb_wire_varint_canonical(fd, v))
        canon = false;
    } else if (type == FAST_WIRE_LEN) {
      if (v > (uint64_t)(end - p))
        return false;
      const uint8_t *data = p;
      p += v;
      if (repeated) {
        if (fd != c->records || !fast_record(c, fd, m, data, (size_t)v, depth))
          return false;
        canon = false;
        continue;
      }
      if (!fast_len(c, fd, m, data, (size_t)v, depth, &canon))
        return false;
    } else {
      return false; /* fixed-width, or a group: not in huibao.proto */
    }
    if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      uint32_t *which = (uint32_t *)((char *)m + fd->quantifier_offset);
      if (*which)
        return false; /* another member before: protobuf-c keeps the last */
      *which = fd->id;
    } else if (fd->label != PROTOBUF_C_LABEL_REQUIRED && fd->quantifier_offset) {
      *(protobuf_c_boolean *)((char *)m + fd->quantifier_offset) = 1;
    }
  }
  /* the fields not seen (most are): a required one refused by protobuf-c */
  uint64_t absent = ~seen & (d->n_fields == 64 ? ~0ull : (1ull << d->n_fields) - 1);
  for (; absent; absent &= absent - 1) {
    const ProtobufCFieldDescriptor *fd = &d->fields[__builtin_ctzll(absent)];
    if (fd->label == PROTOBUF_C_LABEL_REQUIRED && !fd->default_value)
      return false;
  }
  *out = m;
  *canonical = canon;
  return true;
}

bool hb_wire_fast_submit(hb_arena *a, const uint8_t *buf, size_t len, size_t nrec,
                         Huibao__V1__Submit **out, hb_wire_body *bodies)
{
  const ProtobufCMessageDescriptor *d = &huibao__v1__submit__descriptor;
  fast_ctx c = {a, protobuf_c_message_descriptor_get_field(d, HB_WIRE_SUBMIT_RECORDS), nrec, NULL,
                bodies};
  ProtobufCMessage *m;
  bool canon;
  if (!c.records || !fast_message(&c, d, buf, buf + len, 0, &m, &canon) ||
      ((Huibao__V1__Submit *)m)->n_records != nrec)
    return false;
  *out = (Huibao__V1__Submit *)m;
  return true;
}
