/* ingest_sign.c: the county's check of signed records (ingest_sign.h). */
#include "ingest_sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_log.h"
#include "store.h"

/* The body of rec as a message (store_row_of knows every kind). */
static ProtobufCMessage *body_msg(Huibao__V1__Record *rec)
{
  store_row row;
  return store_row_of(rec, &row) == 0 ? row.msg : NULL;
}

static void signed_body_clear(Huibao__V1__Record *rec)
{
  rec->signed_body.data = NULL; /* the Submit's arena's */
  rec->signed_body.len = 0;
  rec->has_signed_body = 0;
}

int ingest_sign_check(const hb_sign_registry *reg, bool require, hb_arena *ar, const char *unit,
                      Huibao__V1__Record *rec, bool *verified, char *reason, size_t reasonlen)
{
  *verified = false;
  signed_body_clear(rec);
  const uint8_t *pk = hb_sign_registry_key(reg, unit);
  if (!rec->has_signature) {
    if (pk)
      snprintf(reason, reasonlen,
               "缺少签名: 单位%s已登记签名密钥, 每条记录都须签名 (no signature: unit %s has a "
               "registered signing key and must sign every record; give its agent %s.sign_secret)",
               unit, unit, unit);
    else if (require)
      snprintf(reason, reasonlen,
               "缺少签名: 本县要求签名, 单位%s未登记签名密钥 (no signature: this county requires "
               "signed records and unit %s has no registered signing key)",
               unit, unit);
    return pk || require ? HB_EPERM : 0;
  }
  if (pk) {
    int rc = hb_sign_record_verify(pk, rec);
    if (rc == HB_EPERM) {
      snprintf(reason, reasonlen,
               "签名无效: 与单位%s登记的签名密钥不符, 或记录在签名后被改动 (signature does not "
               "verify against unit %s's registered signing key, or the record was changed "
               "after it was signed)",
               unit, unit);
      return HB_EPERM;
    }
    if (rc)
      return rc;
    *verified = true;
  } else if (require) {
    snprintf(reason, reasonlen,
             "无法核验签名: 单位%s未登记签名密钥 (cannot verify: unit %s has no registered "
             "signing key and this county requires signed records)",
             unit, unit);
    return HB_EPERM;
  }
  /* kept for the history: the city may hold the key the county lacks */
  ProtobufCMessage *m = body_msg(rec);
  size_t n = m ? protobuf_c_message_get_packed_size(m) : 0;
  uint8_t *b = hb_arena_alloc(ar, n);
  if (!b)
    return HB_ENOMEM;
  if (m)
    protobuf_c_message_pack(m, b);
  rec->signed_body.data = b;
  rec->signed_body.len = n;
  rec->has_signed_body = 1;
  return 0;
}

int ingest_sign_settle(hb_arena *ar, Huibao__V1__Record *rec)
{
  if (!rec->has_signed_body)
    return 0;
  ProtobufCMessage *m = body_msg(rec);
  size_t n = m ? protobuf_c_message_get_packed_size(m) : 0;
  if (n != rec->signed_body.len) /* differs: kept */
    return 0;
  uint8_t *b = hb_arena_alloc(ar, n); /* with the Submit */
  if (!b)
    return HB_ENOMEM;
  if (m)
    protobuf_c_message_pack(m, b);
  if (memcmp(b, rec->signed_body.data, n) == 0)
    signed_body_clear(rec);
  return 0;
}

int ingest_sign_registry_load(const char *dir, hb_sign_registry **out, char *err, size_t errlen)
{
  *out = NULL;
  if (!dir)
    return 0;
  int rc = hb_sign_registry_load(out, dir, err, errlen);
  if (rc == 0)
    hb_log_info("%s: %zu signing keys of units", dir, hb_sign_registry_count(*out));
  return rc;
}
