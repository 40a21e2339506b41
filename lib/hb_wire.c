/* hb_wire.c: size-capped decoding of what arrives from the network, and
 * the protobuf framing read and written by hand. */
#include "hb_wire.h"

#include "hb_pbscan.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_text.h"
#include "hb_units.h"
#include "hb_varint.h"
#include "hb_wire_zstd.h"

#define WIRE_AGENT_VERSION_MAX 128
#define WIRE_ACK_TEXT_MAX 1024

/* protobuf wire types */
#define WIRE_TYPE_VARINT 0
#define WIRE_TYPE_LEN 2
#define WIRE_VARINT_MAX HB_VARINT_MAX

_Static_assert(HB_WIRE_ACTIVITY_VERSION == HB_WIRE_PROBLEM_VERSION &&
                   HB_WIRE_ACTIVITY_VERSION == HB_WIRE_INDICATOR_VERSION &&
                   HB_WIRE_ACTIVITY_VERSION == HB_WIRE_CASE_VERSION,
               "hb_wire_row_version reads one field number for all four row kinds");
/* Report.version (issue 13) is field 3 too: unit.wire checks it against
 * huibao.proto with the others. */

/* A protobuf-c allocator that refuses to hand out more than cap bytes in
 * total, so that a small hostile message cannot make unpack allocate without
 * bound. Freeing goes straight to free(), so messages it produced can be
 * freed with protobuf_c_message_free_unpacked(m, NULL). */
typedef struct wire_budget {
  size_t used, cap;
} wire_budget;

static void *wire_alloc(void *data, size_t size)
{
  wire_budget *b = data;
  if (size > b->cap - b->used)
    return NULL;
  b->used += size;
  return malloc(size ? size : 1);
}

static void wire_free(void *data, void *ptr)
{
  (void)data;
  free(ptr);
}

static size_t wire_cap_for(size_t len)
{
  return 64 * len + 64 * 1024;
}

/* Walks the top level of a packed message, counting occurrences of field
 * number `field` (length-delimited) and the largest of them, without
 * allocating anything. Returns 0, or -1 if the framing is broken. */
static int wire_scan(const uint8_t *buf, size_t len, uint32_t field, size_t *count, size_t *largest)
{
  size_t pos = 0;
  hb_pbfield f;
  int rc;
  *count = 0;
  *largest = 0;
  while ((rc = hb_pbscan_next(buf, len, &pos, &f)) == 1) {
    if (f.number == field && f.wire_type == WIRE_TYPE_LEN) {
      (*count)++;
      if (f.len > *largest)
        *largest = f.len;
    }
  }
  return rc;
}

static bool wire_text_ok(const char *s, size_t max)
{
  if (!s)
    return true;
  size_t n = strlen(s);
  return n <= max && hb_utf8_valid(s, n);
}

int hb_wire_submit_unpack(const uint8_t *buf, size_t len, Huibao__V1__Submit **out, char *err,
                          size_t errlen)
{
  *out = NULL;
  if (len > HB_WIRE_MAX_SUBMIT) /* refused as it is */
    return hb_wire_submit_unpack_raw(buf, len, out, err, errlen);
  hb_wire_buf plain = {0};
  int rc = hb_wire_zstd_inflate(buf, len, &plain, err, errlen);
  if (rc == 0)
    return hb_wire_submit_unpack_raw(buf, len, out, err, errlen);
  if (rc == 1)
    rc = hb_wire_submit_unpack_raw(plain.data, plain.len, out, err, errlen);
  free(plain.data);
  return rc;
}

int hb_wire_submit_unpack_raw(const uint8_t *buf, size_t len, Huibao__V1__Submit **out, char *err,
                              size_t errlen)
{
  *out = NULL;
  if (len > HB_WIRE_MAX_SUBMIT) {
    snprintf(err, errlen, "submit of %zu bytes is over the limit of %u", len,
             (unsigned)HB_WIRE_MAX_SUBMIT);
    return HB_ETOOBIG;
  }
  size_t nrec, largest;
  if (wire_scan(buf, len, HB_WIRE_SUBMIT_RECORDS, &nrec, &largest) != 0) {
    snprintf(err, errlen, "malformed submit (broken framing)");
    return HB_EPROTO;
  }
  if (nrec > HB_WIRE_MAX_BATCH) {
    snprintf(err, errlen, "submit of %zu records is over the limit of %d", nrec, HB_WIRE_MAX_BATCH);
    return HB_ETOOBIG;
  }
  if (largest > HB_WIRE_MAX_RECORD) {
    snprintf(err, errlen, "record of %zu bytes is over the limit of %d", largest,
             HB_WIRE_MAX_RECORD);
    return HB_ETOOBIG;
  }
  wire_budget budget = {0, wire_cap_for(len)};
  ProtobufCAllocator alloc = {wire_alloc, wire_free, &budget};
  Huibao__V1__Submit *s = huibao__v1__submit__unpack(&alloc, len, buf);
  if (!s) {
    snprintf(err, errlen, "malformed submit (protobuf unpack failed)");
    return HB_EPROTO;
  }
  int rc = HB_EPROTO;
  if (!protobuf_c_message_check(&s->base)) {
    snprintf(err, errlen, "malformed submit (required field missing)");
    goto fail;
  }
  if (!s->unit || strlen(s->unit) > HB_UNIT_CODE_MAX || !hb_unit_code_valid(s->unit)) {
    snprintf(err, errlen, "submit unit is not a valid unit code");
    goto fail;
  }
  if (!wire_text_ok(s->agent_version, WIRE_AGENT_VERSION_MAX)) {
    snprintf(err, errlen, "submit agent_version is not valid UTF-8 of at most %d bytes",
             WIRE_AGENT_VERSION_MAX);
    goto fail;
  }
  for (size_t i = 0; i < s->n_records; i++) {
    const Huibao__V1__Record *r = s->records[i];
    bool ok = (r->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY && r->activity) ||
              (r->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM && r->problem) ||
              (r->body_case == HUIBAO__V1__RECORD__BODY_INDICATOR && r->indicator) ||
              (r->body_case == HUIBAO__V1__RECORD__BODY_CASE_ROW && r->case_row) ||
              (r->body_case == HUIBAO__V1__RECORD__BODY_REPORT && r->report);
    if (!ok) {
      snprintf(err, errlen, "record %zu (seq %llu) has no body", i, (unsigned long long)r->seq);
      goto fail;
    }
  }
  *out = s;
  return 0;
fail:
  huibao__v1__submit__free_unpacked(s, NULL);
  return rc;
}

void hb_wire_submit_free(Huibao__V1__Submit *s)
{
  if (s)
    huibao__v1__submit__free_unpacked(s, NULL);
}

/* A Decision of an Ack as hb_wire_ack_unpack promises it (see hb_wire.h). */
static bool wire_decision_ok(const Huibao__V1__Decision *d)
{
  return d->unit && d->kind && d->id && d->reviewer &&
         (strcmp(d->kind, "A") == 0 || strcmp(d->kind, "P") == 0) &&
         protobuf_c_enum_descriptor_get_value(&huibao__v1__decision_action__descriptor,
                                              d->action) &&
         d->action != HUIBAO__V1__DECISION_ACTION__ACTION_UNSPECIFIED &&
         wire_text_ok(d->unit, HB_UNIT_CODE_MAX) && wire_text_ok(d->id, HB_ID_MAX) &&
         wire_text_ok(d->reason, HB_WIRE_DECISION_REASON_MAX) &&
         wire_text_ok(d->reviewer, HB_WIRE_DECISION_NAME_MAX) &&
         wire_text_ok(d->campaign, HB_WIRE_DECISION_NAME_MAX);
}

int hb_wire_ack_unpack(const uint8_t *buf, size_t len, Huibao__V1__Ack **out)
{
  *out = NULL;
  if (len > HB_WIRE_MAX_SUBMIT)
    return HB_ETOOBIG;
  size_t n, largest;
  if (wire_scan(buf, len, HB_WIRE_ACK_RESULTS, &n, &largest) != 0)
    return HB_EPROTO;
  if (n > HB_WIRE_MAX_BATCH)
    return HB_ETOOBIG;
  if (wire_scan(buf, len, HB_WIRE_ACK_DECISIONS, &n, &largest) != 0)
    return HB_EPROTO;
  if (n > HB_WIRE_ACK_DECISIONS_MAX)
    return HB_ETOOBIG;
  wire_budget budget = {0, wire_cap_for(len)};
  ProtobufCAllocator alloc = {wire_alloc, wire_free, &budget};
  Huibao__V1__Ack *a = huibao__v1__ack__unpack(&alloc, len, buf);
  if (!a)
    return HB_EPROTO;
  if (!protobuf_c_message_check(&a->base) || !wire_text_ok(a->error, WIRE_ACK_TEXT_MAX))
    goto fail;
  for (size_t i = 0; i < a->n_results; i++) {
    const Huibao__V1__RecordResult *r = a->results[i];
    if (!protobuf_c_enum_descriptor_get_value(&huibao__v1__result_code__descriptor, r->code) ||
        !wire_text_ok(r->field, WIRE_ACK_TEXT_MAX) || !wire_text_ok(r->reason, WIRE_ACK_TEXT_MAX))
      goto fail;
  }
  for (size_t i = 0; i < a->n_decisions; i++)
    if (!wire_decision_ok(a->decisions[i]))
      goto fail;
  *out = a;
  return 0;
fail:
  huibao__v1__ack__free_unpacked(a, NULL);
  return HB_EPROTO;
}

int hb_wire_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len)
{
  size_t n = protobuf_c_message_get_packed_size(m);
  uint8_t *b = malloc(n ? n : 1);
  if (!b)
    return HB_ENOMEM;
  *len = protobuf_c_message_pack(m, b);
  *buf = b;
  return 0;
}

/* ---------------------------------------------------------------- by hand */

int hb_wire_buf_reserve(hb_wire_buf *b, size_t need)
{
  if (need <= b->cap && b->data)
    return HB_OK;
  if (need > SIZE_MAX / 2)
    return HB_ENOMEM;
  size_t n = b->cap ? b->cap : 4096;
  while (n < need)
    n *= 2;
  uint8_t *d = realloc(b->data, n);
  if (!d)
    return HB_ENOMEM;
  b->data = d;
  b->cap = n;
  return HB_OK;
}

int hb_wire_pack_at(hb_wire_buf *b, size_t off, const ProtobufCMessage *m)
{
  size_t n = protobuf_c_message_get_packed_size(m);
  if (n > SIZE_MAX / 2 - off || hb_wire_buf_reserve(b, off + n))
    return HB_ENOMEM;
  b->len = off + protobuf_c_message_pack(m, b->data + off);
  return HB_OK;
}

/* Makes room for more bytes after b->len. */
static int wire_reserve(hb_wire_buf *b, size_t more)
{
  if (more > SIZE_MAX / 2 - b->len)
    return HB_ENOMEM;
  return hb_wire_buf_reserve(b, b->len + more);
}

/* Appends v as a varint; room for WIRE_VARINT_MAX bytes was reserved. */
static void wire_put_varint(hb_wire_buf *b, uint64_t v)
{
  b->len = (size_t)(hb_varint_put(b->data + b->len, v) - b->data);
}

/* Appends field `field` as a varint. */
static int wire_put_uint(hb_wire_buf *b, uint32_t field, uint64_t v)
{
  if (wire_reserve(b, 2 * WIRE_VARINT_MAX))
    return HB_ENOMEM;
  wire_put_varint(b, (uint64_t)field << 3 | WIRE_TYPE_VARINT);
  wire_put_varint(b, v);
  return HB_OK;
}

/* Appends field `field` as length-delimited bytes p[0..n). */
static int wire_put_bytes(hb_wire_buf *b, uint32_t field, const void *p, size_t n)
{
  if (n > SIZE_MAX / 4 || wire_reserve(b, 2 * WIRE_VARINT_MAX + n))
    return HB_ENOMEM;
  wire_put_varint(b, (uint64_t)field << 3 | WIRE_TYPE_LEN);
  wire_put_varint(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
  return HB_OK;
}

int hb_wire_submit_begin(hb_wire_buf *b, uint64_t batch_id, const char *unit,
                         const char *agent_version)
{
  b->len = 0;
  if (wire_put_uint(b, HB_WIRE_SUBMIT_BATCH_ID, batch_id) ||
      wire_put_bytes(b, HB_WIRE_SUBMIT_UNIT, unit, strlen(unit)))
    return HB_ENOMEM;
  if (agent_version &&
      wire_put_bytes(b, HB_WIRE_SUBMIT_AGENT_VERSION, agent_version, strlen(agent_version)))
    return HB_ENOMEM;
  return HB_OK;
}

int hb_wire_submit_decisions_after(hb_wire_buf *b, uint64_t after)
{
  return wire_put_uint(b, HB_WIRE_SUBMIT_DECISIONS_AFTER, after);
}

int hb_wire_submit_add(hb_wire_buf *b, const uint8_t *rec, size_t len)
{
  return wire_put_bytes(b, HB_WIRE_SUBMIT_RECORDS, rec, len);
}

/* The first varint field `field` at the top level of buf. */
static int wire_find_uint(const uint8_t *buf, size_t len, uint32_t field, uint64_t *out)
{
  size_t pos = 0;
  hb_pbfield f;
  while (hb_pbscan_next(buf, len, &pos, &f) == 1) {
    if (f.number == field && f.wire_type == WIRE_TYPE_VARINT) {
      *out = f.varint;
      return HB_OK;
    }
  }
  return HB_EPROTO;
}

int hb_wire_record_seq(const uint8_t *rec, size_t len, uint64_t *seq)
{
  return wire_find_uint(rec, len, HB_WIRE_RECORD_SEQ, seq);
}

int hb_wire_row_version(const uint8_t *row, size_t len, uint64_t *version)
{
  return wire_find_uint(row, len, HB_WIRE_ACTIVITY_VERSION, version);
}

int hb_wire_log_record(const uint8_t *entry, size_t len, hb_wire_log_rec *out)
{
  size_t pos = 0;
  hb_pbfield f;
  int rc;
  const uint8_t *rec = NULL;
  size_t rlen = 0;
  memset(out, 0, sizeof *out);
  while ((rc = hb_pbscan_next(entry, len, &pos, &f)) == 1) {
    if (f.number == 3 && f.wire_type == WIRE_TYPE_VARINT) /* at_s */
      out->at_s = (int64_t)f.varint;
    else if (f.number == 6 && f.wire_type == 2) /* record */
      rec = f.data, rlen = f.len;
    else if (f.number == 9 && f.wire_type == WIRE_TYPE_VARINT) /* about_prev */
      out->about_prev = f.varint;
  }
  if (rc != 0 || !rec)
    return HB_EPROTO;
  pos = 0;
  while ((rc = hb_pbscan_next(rec, rlen, &pos, &f)) == 1)
    if (f.number >= 2 && f.number <= 6 && f.wire_type == 2) {
      out->body = f.data;
      out->blen = f.len;
      out->body_field = (int)f.number;
    }
  return rc == 0 && out->body ? HB_OK : HB_EPROTO;
}

/* ---------------------------------------------------------------- Rollup */

static bool rollup_str_ok(const char *s)
{
  return hb_utf8_valid(s, strlen(s));
}

/* Walks a message by its descriptor: every enum value must be one the
 * descriptor knows, every string valid UTF-8, recursively. */
static bool rollup_message_ok(const ProtobufCMessage *m, int depth)
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
        if (s && !rollup_str_ok(s))
          return false;
      } else {
        const ProtobufCMessage *inner = ((const ProtobufCMessage *const *)p)[j];
        if (inner && !rollup_message_ok(inner, depth + 1))
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
  if (!protobuf_c_message_check(&r->base) || !rollup_message_ok(&r->base, 0) || !*r->source ||
      !*r->campaign) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return HB_EPROTO;
  }
  *out = r;
  return 0;
}
