/* test_wire_diff.h: a Submit decoded both ways (issue 17): as the county
 * did before hb_wire_fast.c (protobuf-c's unpack into an arena, then
 * hb_wire_submit_bodies and hb_wire_canonical), and by hb_wire_submit_decode;
 * every difference found. Shared by tests/unit/wire_fast_test.c and
 * fuzz/fuzz_wire_fast.c. */
#ifndef TEST_WIRE_DIFF_H
#define TEST_WIRE_DIFF_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "hb_arena.h"
#include "hb_pbcopy.h"
#include "hb_wire.h"

static bool wd_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

/* One value of field f at pa and pb. */
static bool wd_value_equal(const ProtobufCFieldDescriptor *f, const void *pa, const void *pb)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING: {
    const char *x = *(const char *const *)pa, *y = *(const char *const *)pb;
    return x && y ? strcmp(x, y) == 0 : x == y;
  }
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *x = pa, *y = pb;
    if (x->len != y->len || !x->data != !y->data)
      return false;
    return !x->len || memcmp(x->data, y->data, x->len) == 0;
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    const ProtobufCMessage *x = *(const ProtobufCMessage *const *)pa;
    const ProtobufCMessage *y = *(const ProtobufCMessage *const *)pb;
    return x && y ? wd_msg_equal(x, y) : x == y;
  }
  default: return memcmp(pa, pb, hb_pbcopy_size(f->type)) == 0;
  }
}

/* Every field of a and b (absent ones too: the init's values), has_,
 * oneof cases, counts and unknown fields. */
static bool wd_msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
  const ProtobufCMessageDescriptor *d = a->descriptor;
  if (d != b->descriptor || a->n_unknown_fields != b->n_unknown_fields)
    return false;
  for (size_t i = 0; i < a->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *x = &a->unknown_fields[i], *y = &b->unknown_fields[i];
    if (x->tag != y->tag || x->wire_type != y->wire_type || x->len != y->len ||
        (x->len && memcmp(x->data, y->data, x->len) != 0))
      return false;
  }
  const char *ba = (const char *)a, *bb = (const char *)b;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)(ba + f->quantifier_offset);
      if (n != *(const size_t *)(bb + f->quantifier_offset))
        return false;
      const char *xa = *(const char *const *)(ba + f->offset);
      const char *xb = *(const char *const *)(bb + f->offset);
      if (!xa != !xb)
        return false;
      size_t sz = hb_pbcopy_size(f->type);
      for (size_t j = 0; j < n; j++)
        if (!wd_value_equal(f, xa + j * sz, xb + j * sz))
          return false;
      continue;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      if (*(const uint32_t *)(ba + f->quantifier_offset) !=
          *(const uint32_t *)(bb + f->quantifier_offset))
        return false;
    } else if (f->quantifier_offset &&
               *(const protobuf_c_boolean *)(ba + f->quantifier_offset) !=
                   *(const protobuf_c_boolean *)(bb + f->quantifier_offset)) {
      return false;
    }
    if (!wd_value_equal(f, ba + f->offset, bb + f->offset))
      return false;
  }
  return true;
}

/* Decodes buf[0..len) both ways (zstd: Submit.records_zstd inflated, as
 * the county does by default). Returns NULL when they agree (*fast: the
 * one-pass decoder did it, *rc: the answer), else what differs. */
static const char *wire_diff(const uint8_t *buf, size_t len, bool zstd, bool *fast, int *rc)
{
  static hb_arena *old_ar, *new_ar;
  if (!old_ar && !(old_ar = hb_arena_new()))
    return "no memory";
  if (!new_ar && !(new_ar = hb_arena_new()))
    return "no memory";
  static char why[128];
  const char *diff = NULL;
  char err_old[256] = "", err_new[256] = "";
  Huibao__V1__Submit *s_old, *s_new;
  const uint8_t *bytes;
  size_t blen;
  int rc_old = hb_wire_submit_unpack_arena_ex(old_ar, buf, len, zstd, NULL, &s_old, &bytes, &blen,
                                              err_old, sizeof err_old);
  hb_wire_body *bodies = NULL;
  int rc_new = hb_wire_submit_decode(new_ar, buf, len, zstd, NULL, &s_new, &bodies, fast, err_new,
                                     sizeof err_new);
  *rc = rc_new;
  if (rc_old != rc_new)
    diff = "return";
  else if (strcmp(err_old, err_new) != 0)
    diff = "error text";
  else if (!s_old != !s_new)
    diff = "submit NULL on one side";
  else if (s_old && !wd_msg_equal(&s_old->base, &s_new->base))
    diff = "fields";
  else if (s_old) {
    size_t n = s_old->n_records;
    const uint8_t **body = hb_arena_alloc(old_ar, (n ? n : 1) * sizeof *body);
    size_t *bl = hb_arena_alloc(old_ar, (n ? n : 1) * sizeof *bl);
    if (!body || !bl || !bodies)
      return "no memory";
    if (hb_wire_submit_bodies(bytes, blen, n, body, bl) != 0)
      memset(body, 0, n * sizeof *body);
    for (size_t i = 0; i < n && !diff; i++) {
      const Huibao__V1__Record *r = s_old->records[i];
      const ProtobufCFieldDescriptor *fd =
          protobuf_c_message_descriptor_get_field(&huibao__v1__record__descriptor, r->body_case);
      bool canon = body[i] && fd && hb_wire_canonical(fd->descriptor, body[i], bl[i]);
      const hb_wire_body *b = &bodies[i];
      const char *what = NULL;
      if (canon != b->canonical || !body[i] != !b->data)
        what = "body found or canonical";
      else if (body[i] && (bl[i] != b->len || memcmp(body[i], b->data, b->len) != 0))
        what = "body bytes";
      else if (body[i] && bytes == buf && body[i] != b->data)
        what = "body pointer";
      if (what) {
        snprintf(why, sizeof why, "record %zu: %s", i, what);
        diff = why;
      }
    }
  }
  hb_arena_reset(old_ar);
  hb_arena_reset(new_ar);
  return diff;
}

#endif
