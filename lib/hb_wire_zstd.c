/* hb_wire_zstd.c: Submit.records_zstd, deflated by the agent and inflated
 * by the county. */
#include "hb_wire_zstd.h"

#include "hb_pbscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_varint.h"
#if HB_HAVE_ZSTD
#include <zstd.h>
#endif

/* Records of one Submit compress ~4× at 3 as at 19 (measured on a
 * generated ledger, docs/performance.md); 3 costs ~1 ms per Submit. */
#define WIRE_ZSTD_LEVEL 3
/* The frame's window: a Submit is at most HB_WIRE_MAX_SUBMIT (4 MB). */
#define WIRE_ZSTD_WINDOW_LOG_MAX 23
#define WIRE_TYPE_LEN 2
#define RECORDS_ZSTD_TAG ((uint64_t)HB_WIRE_SUBMIT_RECORDS_ZSTD << 3 | WIRE_TYPE_LEN)

int hb_wire_zstd_available(void)
{
  return HB_HAVE_ZSTD;
}

int hb_wire_zstd_deflate(const uint8_t *sub, size_t len, size_t off, hb_wire_buf *out)
{
  out->len = 0;
  if (off > len || !HB_HAVE_ZSTD)
    return HB_EINVAL;
#if HB_HAVE_ZSTD
  size_t bound = ZSTD_compressBound(len - off);
  if (hb_wire_buf_reserve(out, off + 2 * HB_VARINT_MAX + bound))
    return HB_ENOMEM;
  uint8_t *z = malloc(bound ? bound : 1);
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  if (!z || !cc) {
    free(z);
    ZSTD_freeCCtx(cc);
    return HB_ENOMEM;
  }
  size_t zlen = ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, WIRE_ZSTD_LEVEL);
  if (!ZSTD_isError(zlen))
    zlen = ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
  if (!ZSTD_isError(zlen))
    zlen = ZSTD_compress2(cc, z, bound, sub + off, len - off);
  ZSTD_freeCCtx(cc);
  if (ZSTD_isError(zlen)) {
    free(z);
    return HB_ENOMEM; /* with a bound-sized buffer, only memory can fail */
  }
  memcpy(out->data, sub, off);
  uint8_t *p = hb_varint_put(out->data + off, RECORDS_ZSTD_TAG);
  p = hb_varint_put(p, zlen);
  memcpy(p, z, zlen);
  out->len = (size_t)(p - out->data) + zlen;
  free(z);
#endif
  return HB_OK;
}

int hb_wire_zstd_inflate(const uint8_t *buf, size_t len, hb_wire_buf *out, char *err, size_t errlen)
{
  size_t pos = 0, start, at = 0, end = 0;
  hb_pbfield f, z = {0};
  int rc, found = 0;
  for (;;) {
    start = pos;
    if ((rc = hb_pbscan_next(buf, len, &pos, &f)) != 1)
      break;
    if (f.number != HB_WIRE_SUBMIT_RECORDS_ZSTD)
      continue;
    if (f.wire_type != WIRE_TYPE_LEN || found++) {
      snprintf(err, errlen, "malformed submit (records_zstd twice, or not bytes)");
      return HB_EPROTO;
    }
    z = f;
    at = start; /* the field's bytes, its tag and length included: [at, end) */
    end = pos;
  }
  if (rc < 0) {
    snprintf(err, errlen, "malformed submit (broken framing)");
    return HB_EPROTO;
  }
  if (!found)
    return 0;
  size_t rest = len - (end - at); /* the Submit's other fields */
#if HB_HAVE_ZSTD
  /* one frame, the whole field, its size in its header */
  unsigned long long size = ZSTD_getFrameContentSize(z.data, z.len);
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      ZSTD_findFrameCompressedSize(z.data, z.len) != z.len) {
    snprintf(err, errlen, "malformed submit (records_zstd is not a zstd frame with its size)");
    return HB_EPROTO;
  }
  if (size > HB_WIRE_MAX_SUBMIT - rest) {
    snprintf(err, errlen,
             "submit of %llu bytes once records_zstd is decompressed is over the limit of %u "
             "(refused before decompressing)",
             size + rest, (unsigned)HB_WIRE_MAX_SUBMIT);
    return HB_ETOOBIG;
  }
  if (hb_wire_buf_reserve(out, rest + (size_t)size + 1)) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  memcpy(out->data, buf, at);
  memcpy(out->data + at, buf + end, len - end);
  ZSTD_DCtx *dc = ZSTD_createDCtx();
  if (!dc) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  size_t got = ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, WIRE_ZSTD_WINDOW_LOG_MAX);
  if (!ZSTD_isError(got))
    got = ZSTD_decompressDCtx(dc, out->data + rest, (size_t)size, z.data, z.len);
  ZSTD_freeDCtx(dc);
  if (ZSTD_isError(got) || got != size) {
    snprintf(err, errlen, "malformed submit (records_zstd does not decompress: %s)",
             ZSTD_isError(got) ? ZSTD_getErrorName(got) : "shorter than its size");
    return HB_EPROTO;
  }
  /* records only (huibao.proto): anything else inflated would be unpacked
   * as unknown fields, a few bytes each on the wire and far more in memory */
  size_t p = 0;
  hb_pbfield rf;
  int sr;
  while ((sr = hb_pbscan_next(out->data + rest, (size_t)size, &p, &rf)) == 1)
    if (rf.number != HB_WIRE_SUBMIT_RECORDS || rf.wire_type != 2)
      break;
  if (sr != 0) {
    snprintf(err, errlen, "malformed submit (records_zstd holds something else than records)");
    return HB_EPROTO;
  }
  out->len = rest + (size_t)size;
  return 1;
#else
  (void)rest;
  (void)out;
  (void)z;
  snprintf(err, errlen, "records_zstd cannot be read: this build has no libzstd");
  return HB_EPROTO;
#endif
}
