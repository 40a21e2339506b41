/* hb_delta.c: rollup deltas with zstd, their hashes and messages (see
 * hb_delta.h). */
#include "hb_delta.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "hb_err.h"
#include "hb_text.h"
#include "hb_wire.h"

/* zstd's level: deltas are a few bytes at any level; a full state of a
 * 61-unit county (~12 KB) compresses to about a fifth at 3, for little CPU. */
#define ZSTD_LEVEL 3
/* The largest window a frame may ask the decoder for: 2^27 covers a prefix
 * and a result of HB_WIRE_MAX_ROLLUP (64 MB) each. */
#define ZSTD_WINDOW_LOG_MAX 27

uint64_t hb_delta_hash(const uint8_t *b, size_t n)
{
  uint8_t h[crypto_generichash_BYTES_MIN]; /* 16 */
  crypto_generichash(h, sizeof h, b, n, NULL, 0);
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | h[i];
  return v;
}

int hb_delta_state_key(const uint8_t *rollup, size_t len, uint64_t *key, uint64_t *seq)
{
  *key = 0;
  if (seq)
    *seq = 0;
  if (len > HB_WIRE_MAX_ROLLUP)
    return HB_ETOOBIG;
  Huibao__V1__Rollup *r = huibao__v1__rollup__unpack(NULL, len, rollup);
  if (!r)
    return HB_EPROTO;
  if (seq)
    *seq = r->seq;
  r->as_of_ms = 0;
  for (size_t i = 0; i < r->n_sources; i++)
    r->sources[i]->as_of_ms = 0;
  size_t n = huibao__v1__rollup__get_packed_size(r);
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return HB_ENOMEM;
  }
  huibao__v1__rollup__pack(r, buf);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  *key = hb_delta_hash(buf, n);
  free(buf);
  return 0;
}

int hb_delta_encode(const uint8_t *base, size_t baselen, const uint8_t *cur, size_t curlen,
                    uint8_t **z, size_t *zlen)
{
  *z = NULL;
  *zlen = 0;
  if (curlen > HB_WIRE_MAX_ROLLUP || baselen > HB_WIRE_MAX_ROLLUP)
    return HB_ETOOBIG;
  size_t cap = ZSTD_compressBound(curlen);
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  uint8_t *out = malloc(cap);
  if (!cc || !out) {
    ZSTD_freeCCtx(cc);
    free(out);
    return HB_ENOMEM;
  }
  size_t rc = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, ZSTD_LEVEL);
  if (!ZSTD_isError(rc))
    rc = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 0); /* the hash checks */
  if (!ZSTD_isError(rc) && base)
    rc = ZSTD_CCtx_refPrefix(cc, base, baselen);
  if (!ZSTD_isError(rc))
    rc = ZSTD_compress2(cc, out, cap, cur, curlen);
  ZSTD_freeCCtx(cc);
  if (ZSTD_isError(rc)) {
    free(out);
    return HB_EINVAL;
  }
  *z = out;
  *zlen = rc;
  return 0;
}

int hb_delta_decode(const uint8_t *base, size_t baselen, const uint8_t *z, size_t zlen, size_t size,
                    uint64_t hash, uint8_t **out)
{
  *out = NULL;
  if (size > HB_WIRE_MAX_ROLLUP)
    return HB_ETOOBIG;
  unsigned long long fs = ZSTD_getFrameContentSize(z, zlen);
  if (fs == ZSTD_CONTENTSIZE_ERROR || fs == ZSTD_CONTENTSIZE_UNKNOWN || fs != size)
    return HB_EPROTO;
  ZSTD_DCtx *dc = ZSTD_createDCtx();
  uint8_t *buf = malloc(size ? size : 1);
  if (!dc || !buf) {
    ZSTD_freeDCtx(dc);
    free(buf);
    return HB_ENOMEM;
  }
  size_t rc = ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, ZSTD_WINDOW_LOG_MAX);
  if (!ZSTD_isError(rc) && base)
    rc = ZSTD_DCtx_refPrefix(dc, base, baselen);
  if (!ZSTD_isError(rc))
    rc = ZSTD_decompressDCtx(dc, buf, size ? size : 1, z, zlen);
  ZSTD_freeDCtx(dc);
  if (ZSTD_isError(rc) || rc != size || hb_delta_hash(buf, size) != hash) {
    free(buf);
    return HB_EPROTO;
  }
  *out = buf;
  return 0;
}

int hb_delta_pack(const char *campaign, uint64_t seq, uint64_t hash, size_t size, bool has_base,
                  uint64_t base_hash, const uint8_t *z, size_t zlen, uint8_t **buf, size_t *len)
{
  Huibao__V1__RollupDelta m = HUIBAO__V1__ROLLUP_DELTA__INIT;
  m.campaign = (char *)campaign;
  m.seq = seq;
  m.hash = hash;
  m.size = (uint32_t)size;
  m.has_base_hash = has_base;
  m.base_hash = base_hash;
  m.zstd.data = (uint8_t *)z;
  m.zstd.len = zlen;
  *len = huibao__v1__rollup_delta__get_packed_size(&m);
  if (!(*buf = malloc(*len ? *len : 1)))
    return HB_ENOMEM;
  huibao__v1__rollup_delta__pack(&m, *buf);
  return 0;
}

static bool name_ok(const char *s)
{
  return s && *s && hb_utf8_valid(s, strlen(s));
}

int hb_delta_unpack(const uint8_t *buf, size_t len, Huibao__V1__RollupDelta **out)
{
  *out = NULL;
  if (len > HB_WIRE_MAX_ROLLUP)
    return HB_ETOOBIG;
  Huibao__V1__RollupDelta *m = huibao__v1__rollup_delta__unpack(NULL, len, buf);
  if (!m)
    return HB_EPROTO;
  if (!name_ok(m->campaign) || m->size > HB_WIRE_MAX_ROLLUP) {
    protobuf_c_message_free_unpacked(&m->base, NULL);
    return HB_EPROTO;
  }
  *out = m;
  return 0;
}

int hb_delta_beat_unpack(const uint8_t *buf, size_t len, Huibao__V1__RollupBeat **out)
{
  *out = NULL;
  if (len > HB_DELTA_MAX_BEAT)
    return HB_ETOOBIG;
  Huibao__V1__RollupBeat *m = huibao__v1__rollup_beat__unpack(NULL, len, buf);
  if (!m)
    return HB_EPROTO;
  for (size_t i = 0; i < m->n_entries; i++)
    if (!name_ok(m->entries[i]->campaign)) {
      protobuf_c_message_free_unpacked(&m->base, NULL);
      return HB_EPROTO;
    }
  *out = m;
  return 0;
}

int64_t hb_delta_silence_ms(uint32_t heartbeat_ms, uint32_t next_ms)
{
  int64_t three = 3 * (int64_t)heartbeat_ms, after = (int64_t)next_ms + 2 * (int64_t)heartbeat_ms;
  return next_ms > 0 && after > three ? after : three;
}
