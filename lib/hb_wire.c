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
#include "hb_wire_depth.h"
#include "hb_wire_fast.h"
#include "hb_wire_internal.h"
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

/* The checks of hb_wire_submit_unpack after unpacking s (NULL: unpack
 * failed) with the allocator al; a refused Submit is freed with al unless
 * arena (everything goes at its reset). */
static int submit_checked(Huibao__V1__Submit *s, ProtobufCAllocator *al, bool arena,
                          Huibao__V1__Submit **out, char *err, size_t errlen)
{
  *out = NULL;
  if (!s) {
    snprintf(err, errlen, "malformed submit (protobuf unpack failed)");
    return HB_EPROTO;
  }
  /* protobuf-c's unpack refused a message (the Submit, a Record, a body)
   * without its required fields, and left no string or body NULL: what
   * protobuf_c_message_check would check again (issue 17: 458 instructions
   * per record) */
  int rc = HB_EPROTO;
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
  if (!arena)
    huibao__v1__submit__free_unpacked(s, al);
  return rc;
}

/* The caps of hb_wire_submit_unpack checked before unpacking; *nrec gets
 * the records counted. */
static int submit_precheck(const uint8_t *buf, size_t len, size_t *nrec_out, char *err,
                           size_t errlen)
{
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
  *nrec_out = nrec;
  return 0;
}

int hb_wire_submit_unpack_raw(const uint8_t *buf, size_t len, Huibao__V1__Submit **out, char *err,
                              size_t errlen)
{
  *out = NULL;
  size_t nrec;
  int rc = submit_precheck(buf, len, &nrec, err, errlen);
  if (rc != 0)
    return rc;
  wire_budget budget = {0, wire_cap_for(len)};
  ProtobufCAllocator alloc = {wire_alloc, wire_free, &budget};
  return submit_checked(huibao__v1__submit__unpack(&alloc, len, buf), &alloc, false, out, err,
                        errlen);
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

/* The body of each record of the Submit s unpacked by protobuf-c from
 * buf[0..len) into bodies: hb_wire_submit_bodies and hb_wire_canonical. */
static void submit_bodies(const uint8_t *buf, size_t len, const Huibao__V1__Submit *s,
                          hb_wire_body *bodies, const uint8_t **body, size_t *blen)
{
  size_t n = s->n_records;
  if (hb_wire_submit_bodies(buf, len, n, body, blen) != 0)
    memset(body, 0, n * sizeof *body); /* not found: every body packed */
  for (size_t i = 0; i < n; i++) {
    const Huibao__V1__Record *r = s->records[i];
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&huibao__v1__record__descriptor, r->body_case);
    bodies[i] = (hb_wire_body){body[i], body[i] ? blen[i] : 0, false};
    bodies[i].canonical = body[i] && fd && hb_wire_canonical(fd->descriptor, body[i], blen[i]);
  }
}

/* hb_wire_submit_unpack_arena of bytes without records_zstd; with bodies
 * (NULL: not asked) hb_wire_submit_decode's. */
static int submit_unpack_arena_raw(hb_arena *a, const uint8_t *buf, size_t len, size_t cap,
                                   Huibao__V1__Submit **out, hb_wire_body **bodies, bool *fast,
                                   char *err, size_t errlen)
{
  size_t nrec = 0;
  *out = NULL;
  int rc = submit_precheck(buf, len, &nrec, err, errlen);
  if (rc != 0)
    return rc;
  size_t nb = nrec ? nrec : 1;
  /* before the cap: what the caller adds is not capped */
  hb_wire_body *b = bodies ? hb_arena_alloc(a, nb * sizeof *b) : NULL;
  if (bodies && !b) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  hb_arena_cap(a, cap);
  Huibao__V1__Submit *s = NULL;
  hb_arena_mark m = hb_arena_where(a);
  bool quick = b && hb_wire_fast_submit(a, buf, len, nrec, &s, b);
  if (!quick) {
    hb_arena_rewind(a, m); /* what the fast path took is given back, */
    hb_arena_cap(a, cap);  /* and not counted */
    s = huibao__v1__submit__unpack(hb_arena_allocator(a), len, buf);
  }
  rc = submit_checked(s, hb_arena_allocator(a), true, out, err, errlen);
  if (rc == 0 && (*out)->n_records != nrec) {
    /* bodies has nrec slots (precheck's count): never written beyond,
     * should protobuf-c ever count the records otherwise */
    *out = NULL;
    snprintf(err, errlen, "malformed submit (records counted %zu and %zu)", nrec, s->n_records);
    rc = HB_EPROTO;
  }
  hb_arena_cap(a, SIZE_MAX); /* what ingest adds later (codes for names) is not capped */
  if (fast)
    *fast = quick;
  if (rc != 0 || !b)
    return rc;
  if (!quick) {
    const uint8_t **body = hb_arena_alloc(a, nb * sizeof *body);
    size_t *blen = hb_arena_alloc(a, nb * sizeof *blen);
    if (!body || !blen) {
      *out = NULL;
      snprintf(err, errlen, "out of memory");
      return HB_ENOMEM;
    }
    submit_bodies(buf, len, s, b, body, blen);
  }
  *bodies = b;
  return 0;
}

static int submit_unpack_arena(hb_arena *a, const uint8_t *buf, size_t len, bool zstd,
                               size_t *inflate_left, Huibao__V1__Submit **out,
                               const uint8_t **bytes, size_t *blen, hb_wire_body **bodies,
                               bool *fast, char *err, size_t errlen)
{
  *out = NULL;
  *bytes = buf;
  *blen = len;
  if (!zstd || len > HB_WIRE_MAX_SUBMIT)
    return submit_unpack_arena_raw(a, buf, len, wire_cap_for(len), out, bodies, fast, err, errlen);
  hb_wire_buf plain = {0};
  int rc = hb_wire_zstd_inflate(buf, len, &plain, err, errlen);
  if (rc == 0)
    return submit_unpack_arena_raw(a, buf, len, wire_cap_for(len), out, bodies, fast, err, errlen);
  if (rc != 1) {
    free(plain.data);
    return rc;
  }
  if (inflate_left && plain.len > *inflate_left) {
    snprintf(err, errlen, "%zu bytes decompressed would pass what one drain takes", plain.len);
    free(plain.data);
    return HB_EAGAIN;
  }
  if (inflate_left)
    *inflate_left -= plain.len;
  /* the records' bytes as unpacked live as long as the Submit: in a */
  uint8_t *copy = hb_arena_alloc(a, plain.len ? plain.len : 1);
  if (!copy) {
    free(plain.data);
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  memcpy(copy, plain.data, plain.len);
  free(plain.data);
  *bytes = copy;
  *blen = plain.len;
  /* the cap of the bytes as unpacked, as for an uncompressed Submit: what
   * bounds a drain is the caller's inflate_left */
  return submit_unpack_arena_raw(a, copy, plain.len, wire_cap_for(plain.len), out, bodies, fast,
                                 err, errlen);
}

int hb_wire_submit_unpack_arena_ex(hb_arena *a, const uint8_t *buf, size_t len, bool zstd,
                                   size_t *inflate_left, Huibao__V1__Submit **out,
                                   const uint8_t **bytes, size_t *blen, char *err, size_t errlen)
{
  return submit_unpack_arena(a, buf, len, zstd, inflate_left, out, bytes, blen, NULL, NULL, err,
                             errlen);
}

int hb_wire_submit_decode(hb_arena *a, const uint8_t *buf, size_t len, bool zstd,
                          size_t *inflate_left, Huibao__V1__Submit **out, hb_wire_body **bodies,
                          bool *fast, char *err, size_t errlen)
{
  const uint8_t *bytes;
  size_t blen;
  *bodies = NULL;
  if (fast)
    *fast = false;
  return submit_unpack_arena(a, buf, len, zstd, inflate_left, out, &bytes, &blen, bodies, fast, err,
                             errlen);
}

int hb_wire_submit_unpack_arena(hb_arena *a, const uint8_t *buf, size_t len,
                                Huibao__V1__Submit **out, char *err, size_t errlen)
{
  const uint8_t *bytes;
  size_t blen;
  return hb_wire_submit_unpack_arena_ex(a, buf, len, true, NULL, out, &bytes, &blen, err, errlen);
}

void hb_wire_submit_free(Huibao__V1__Submit *s)
{
  if (s)
    huibao__v1__submit__free_unpacked(s, NULL);
}

/* The next field at *p: its number, wire type and, for a varint, its
 * value, for a length-delimited field its bytes. Only wire types 0 and 2
 * (the rest: false, as a broken field). */
static inline bool wire_field(const uint8_t **p, const uint8_t *end, bool shortest,
                              uint64_t *number, int *type, uint64_t *v, const uint8_t **data)
{
  uint64_t tag;
  if (!hb_wire_varint(p, end, &tag, shortest))
    return false;
  *number = tag >> 3;
  *type = (int)(tag & 7);
  if (*type == 0)
    return hb_wire_varint(p, end, v, shortest);
  if (*type != WIRE_TYPE_LEN || !hb_wire_varint(p, end, v, shortest) || *v > (uint64_t)(end - *p))
    return false;
  *data = *p;
  *p += *v;
  return true;
}

int hb_wire_submit_bodies(const uint8_t *buf, size_t len, size_t n, const uint8_t **body,
                          size_t *blen)
{
  const uint8_t *p = buf, *end = buf + len;
  size_t i = 0;
  while (p < end) {
    uint64_t num, v;
    int type;
    const uint8_t *d = NULL;
    if (!wire_field(&p, end, false, &num, &type, &v, &d))
      return HB_EPROTO; /* a fixed field, or broken: not looked into (packed) */
    if (num != HB_WIRE_SUBMIT_RECORDS)
      continue;
    if (type != WIRE_TYPE_LEN || i == n)
      return HB_EPROTO;
    const uint8_t *q = d, *rend = d + v;
    size_t bodies = 0;
    body[i] = NULL;
    blen[i] = 0;
    while (q < rend) {
      uint64_t rn, rv;
      int rt;
      const uint8_t *rd = NULL;
      if (!wire_field(&q, rend, false, &rn, &rt, &rv, &rd)) {
        bodies = 0;
        break;
      }
      if (rn >= 2 && rn <= 6 && bodies++ == 0 && rt == WIRE_TYPE_LEN) {
        body[i] = rd;
        blen[i] = (size_t)rv;
      }
    }
    if (bodies != 1) /* a body twice (merged by unpack), none, or unread: packed */
      body[i] = NULL;
    i++;
  }
  return i == n ? 0 : HB_EPROTO;
}

bool hb_wire_canonical(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t len)
{
  const uint8_t *p = b, *end = b + len;
  unsigned k = 0; /* d->fields are in increasing number, as protobuf-c packs them */
  while (p < end) {
    uint64_t num, v;
    int type;
    const uint8_t *data = NULL;
    if (!wire_field(&p, end, true, &num, &type, &v, &data))
      return false; /* broken, a fixed-size field, or not in its shortest form */
    while (k < d->n_fields && d->fields[k].id < num)
      k++;
    if (k == d->n_fields || d->fields[k].id != num)
      return false; /* unknown (dropped at ingest), twice, or out of order */
    const ProtobufCFieldDescriptor *fd = &d->fields[k++];
    if (fd->label == PROTOBUF_C_LABEL_REPEATED)
      return false;
    if (fd->type == PROTOBUF_C_TYPE_STRING ? type != WIRE_TYPE_LEN || memchr(data, 0, v)
                                           : type != 0 || !hb_wire_varint_canonical(fd, v))
      return false;
  }
  return true;
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

int hb_wire_ack_add_result(hb_wire_buf *b, const Huibao__V1__RecordResult *r)
{
  if (r->field || r->reason || r->has_stored_version || r->base.n_unknown_fields) {
    size_t n = protobuf_c_message_get_packed_size(&r->base);
    if (n > SIZE_MAX / 4 || wire_reserve(b, 2 * WIRE_VARINT_MAX + n))
      return HB_ENOMEM;
    wire_put_varint(b, (uint64_t)HB_WIRE_ACK_RESULTS << 3 | WIRE_TYPE_LEN);
    wire_put_varint(b, n);
    b->len += protobuf_c_message_pack(&r->base, b->data + b->len);
    return HB_OK;
  }
  /* seq and code only (STORED, DUPLICATE): the bytes protobuf-c packs */
  uint64_t code = (uint64_t)(int64_t)(int32_t)r->code; /* an int32: < 0 in 10 bytes */
  size_t n = 1 + hb_varint_len(r->seq) + 1 + hb_varint_len(code);
  if (wire_reserve(b, 2 * WIRE_VARINT_MAX + n))
    return HB_ENOMEM;
  wire_put_varint(b, (uint64_t)HB_WIRE_ACK_RESULTS << 3 | WIRE_TYPE_LEN);
  wire_put_varint(b, n);
  b->data[b->len++] = 1 << 3 | WIRE_TYPE_VARINT; /* RecordResult.seq */
  wire_put_varint(b, r->seq);
  b->data[b->len++] = 2 << 3 | WIRE_TYPE_VARINT; /* RecordResult.code */
  wire_put_varint(b, code);
  return HB_OK;
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
 * descriptor knows, every string valid UTF-8, recursively (as deep as
 * hb_wire_depth_ok let the bytes nest). */
static bool rollup_message_ok(const ProtobufCMessage *m)
{
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
        if (inner && !rollup_message_ok(inner))
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
  if (!hb_wire_depth_ok(&huibao__v1__rollup__descriptor, buf, len, HB_WIRE_MAX_DEPTH))
    return HB_EPROTO; /* before protobuf-c recurses into it */
  Huibao__V1__Rollup *r = huibao__v1__rollup__unpack(NULL, len, buf);
  if (!r)
    return HB_EPROTO;
  if (!protobuf_c_message_check(&r->base) || !rollup_message_ok(&r->base) || !*r->source ||
      !*r->campaign) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return HB_EPROTO;
  }
  *out = r;
  return 0;
}
