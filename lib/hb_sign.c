/* hb_sign.c: records signed by their units (issue 15; hb_sign.h): the
 * canonical bytes, signing, verifying. Key files and the registry are in
 * hb_sign_keys.c. */
#include "hb_sign.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

/* The body of rec as a protobuf-c message, NULL when it has none. */
static const ProtobufCMessage *body_of(const Huibao__V1__Record *rec)
{
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY: return rec->activity ? &rec->activity->base : NULL;
  case HUIBAO__V1__RECORD__BODY_PROBLEM: return rec->problem ? &rec->problem->base : NULL;
  case HUIBAO__V1__RECORD__BODY_INDICATOR: return rec->indicator ? &rec->indicator->base : NULL;
  case HUIBAO__V1__RECORD__BODY_CASE_ROW: return rec->case_row ? &rec->case_row->base : NULL;
  case HUIBAO__V1__RECORD__BODY_REPORT: return rec->report ? &rec->report->base : NULL;
  default: return NULL;
  }
}

/* The packed bytes of m (malloc'd, at least 1 byte allocated). */
static uint8_t *pack_dup(const ProtobufCMessage *m, size_t *len)
{
  *len = protobuf_c_message_get_packed_size(m);
  uint8_t *b = malloc(*len ? *len : 1);
  if (b)
    protobuf_c_message_pack(m, b);
  return b;
}

int hb_sign_canonical(const Huibao__V1__Record *rec, uint8_t **out, size_t *len)
{
  *out = NULL;
  *len = 0;
  const ProtobufCMessage *body = body_of(rec);
  if (!body)
    return HB_EINVAL;
  size_t pre = sizeof HB_SIGN_DOMAIN + 1; /* domain, its NUL, the kind byte */
  size_t blen =
      rec->has_signed_body ? rec->signed_body.len : protobuf_c_message_get_packed_size(body);
  uint8_t *b = malloc(pre + blen);
  if (!b)
    return HB_ENOMEM;
  memcpy(b, HB_SIGN_DOMAIN, sizeof HB_SIGN_DOMAIN);
  b[pre - 1] = (uint8_t)rec->body_case;
  if (rec->has_signed_body) {
    if (blen)
      memcpy(b + pre, rec->signed_body.data, blen);
  } else {
    protobuf_c_message_pack(body, b + pre);
  }
  *out = b;
  *len = pre + blen;
  return 0;
}

int hb_sign_record(const uint8_t sk[HB_SIGN_SECRET_LEN], const Huibao__V1__Record *rec,
                   uint8_t sig[HB_SIGN_LEN])
{
  if (sodium_init() < 0)
    return HB_EINVAL;
  uint8_t *c;
  size_t n;
  int rc = hb_sign_canonical(rec, &c, &n);
  if (rc)
    return rc;
  crypto_sign_detached(sig, NULL, c, n, sk);
  free(c);
  return 0;
}

/* The string fields the county may rewrite when it stores a record
 * (aggregator/ingest.c canonicalise and resolve_current: a name made its
 * code, 本期 made a period id). */
static const char *const county_rewrites[] = {"campaign",  "category",  "subcategory",
                                              "kind_code", "indicator", "period"};
#define NREWRITES (sizeof county_rewrites / sizeof county_rewrites[0])

/* The string slot of field name in m, NULL when m has no such string. */
static char **string_slot(ProtobufCMessage *m, const char *name)
{
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
  if (!f || f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
    return NULL;
  return (char **)(void *)((char *)m + f->offset);
}

/* Packs m as a verifier compares it: the rewritable strings taken from
 * like (when like is not NULL), the fields this program does not know left
 * out. m is restored before returning. */
static uint8_t *pack_compared(ProtobufCMessage *m, ProtobufCMessage *like, size_t *len)
{
  char **slot[NREWRITES];
  char *saved[NREWRITES];
  for (size_t i = 0; i < NREWRITES; i++) {
    slot[i] = like ? string_slot(m, county_rewrites[i]) : NULL;
    char **from = slot[i] ? string_slot(like, county_rewrites[i]) : NULL;
    saved[i] = slot[i] ? *slot[i] : NULL;
    if (slot[i] && from)
      *slot[i] = *from;
  }
  unsigned nunk = m->n_unknown_fields;
  m->n_unknown_fields = 0;
  uint8_t *b = pack_dup(m, len);
  m->n_unknown_fields = nunk;
  for (size_t i = 0; i < NREWRITES; i++)
    if (slot[i])
      *slot[i] = saved[i];
  return b;
}

/* A history entry's record with a signed_body: the stored body must be the
 * signed one but for what the county rewrites (county_rewrites) and the
 * fields it does not know. Returns 0, HB_EPERM, HB_ENOMEM. */
static int body_matches_signed(const Huibao__V1__Record *rec)
{
  ProtobufCMessage *stored = (ProtobufCMessage *)body_of(rec);
  ProtobufCMessage *signed_m = protobuf_c_message_unpack(
      stored->descriptor, NULL, rec->signed_body.len, rec->signed_body.data);
  if (!signed_m)
    return HB_EPERM; /* what was signed is not a body of this kind */
  size_t la, lb;
  uint8_t *a = pack_compared(signed_m, stored, &la);
  uint8_t *b = pack_compared(stored, NULL, &lb);
  int rc = !a || !b ? HB_ENOMEM : la == lb && memcmp(a, b, la) == 0 ? 0 : HB_EPERM;
  free(a);
  free(b);
  protobuf_c_message_free_unpacked(signed_m, NULL);
  return rc;
}

int hb_sign_record_verify(const uint8_t pk[HB_SIGN_PUBLIC_LEN], const Huibao__V1__Record *rec)
{
  if (!rec->has_signature)
    return HB_ENOTFOUND;
  if (rec->signature.len != HB_SIGN_LEN || !body_of(rec))
    return HB_EPERM;
  if (sodium_init() < 0)
    return HB_EINVAL;
  uint8_t *c;
  size_t n;
  int rc = hb_sign_canonical(rec, &c, &n);
  if (rc)
    return rc;
  rc = crypto_sign_verify_detached(rec->signature.data, c, n, pk) == 0 ? 0 : HB_EPERM;
  free(c);
  if (rc == 0 && rec->has_signed_body)
    rc = body_matches_signed(rec);
  return rc;
}
