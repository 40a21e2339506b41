/* wire_zstd_test.c: Submit.records_zstd (issue 17): a compressed Submit
 * unpacks to the same records as the one packed, smaller; a county before
 * it sees no records; a decompression bomb, a frame without its size, a
 * broken one and the field twice are refused with their reasons. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include "hb_arena.h"
#include "hb_err.h"
#include "hb_wire.h"
#include "hb_wire_zstd.h"
#include "test.h"

/* A Submit of n activity records of unit t01, as the agent packs it:
 * begin, decisions_after, then each packed Record; *hdr: where they start. */
static void make_submit(hb_wire_buf *b, size_t n, size_t *hdr)
{
  CHECK_EQ_INT(0, hb_wire_submit_begin(b, 77, "t01", "huibao-agent/test"));
  CHECK_EQ_INT(0, hb_wire_submit_decisions_after(b, 5));
  *hdr = b->len;
  for (size_t i = 0; i < n; i++) {
    Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
    Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
    char id[32], title[128];
    snprintf(id, sizeof id, "A%zu", i + 1);
    snprintf(title, sizeof title, "入户宣传 第%zu次 (village %zu)", i, i % 7);
    a.unit = "t01";
    a.id = id;
    a.version = 1700000000000000ull + i;
    a.campaign = "jf";
    a.title = title;
    r.seq = i + 1;
    r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    r.activity = &a;
    uint8_t *p;
    size_t len;
    CHECK_EQ_INT(0, hb_wire_pack(&r.base, &p, &len));
    CHECK_EQ_INT(0, hb_wire_submit_add(b, p, len));
    free(p);
  }
}

/* The same records, in order, byte for byte. */
static void check_same(const Huibao__V1__Submit *a, const Huibao__V1__Submit *b)
{
  CHECK_EQ_INT(a->batch_id, b->batch_id);
  CHECK_EQ_STR(a->unit, b->unit);
  CHECK_EQ_STR(a->agent_version, b->agent_version);
  CHECK_EQ_INT(a->decisions_after, b->decisions_after);
  CHECK_EQ_INT(a->n_records, b->n_records);
  for (size_t i = 0; i < a->n_records && i < b->n_records; i++) {
    uint8_t *x, *y;
    size_t xl, yl;
    CHECK_EQ_INT(0, hb_wire_pack(&a->records[i]->base, &x, &xl));
    CHECK_EQ_INT(0, hb_wire_pack(&b->records[i]->base, &y, &yl));
    CHECK(xl == yl && memcmp(x, y, xl) == 0);
    free(x);
    free(y);
  }
}

static void test_round_trip(void)
{
  CHECK_EQ_INT(1, hb_wire_zstd_available());
  hb_wire_buf plain = {0}, z = {0};
  size_t hdr;
  make_submit(&plain, 500, &hdr);
  CHECK_EQ_INT(0, hb_wire_zstd_deflate(plain.data, plain.len, hdr, &z));
  CHECK(z.len * 4 < plain.len); /* ~40 KB of records to less than a quarter */
  Huibao__V1__Submit *a, *b, *raw;
  char err[256] = "";
  CHECK_EQ_INT(0, hb_wire_submit_unpack(plain.data, plain.len, &a, err, sizeof err));
  CHECK_EQ_INT(0, hb_wire_submit_unpack(z.data, z.len, &b, err, sizeof err));
  CHECK_EQ_INT(500, b->n_records);
  check_same(a, b);
  /* a county before issue 17 sees a Submit without records */
  CHECK_EQ_INT(0, hb_wire_submit_unpack_raw(z.data, z.len, &raw, err, sizeof err));
  CHECK_EQ_INT(0, raw->n_records);
  CHECK_EQ_INT(77, raw->batch_id);
  hb_wire_submit_free(raw);
  hb_wire_submit_free(a);
  hb_wire_submit_free(b);
  /* nothing to compress: the field holds an empty frame, no records */
  CHECK_EQ_INT(0, hb_wire_zstd_deflate(plain.data, hdr, hdr, &z));
  CHECK_EQ_INT(0, hb_wire_submit_unpack(z.data, z.len, &b, err, sizeof err));
  CHECK_EQ_INT(0, b->n_records);
  hb_wire_submit_free(b);
  CHECK_EQ_INT(HB_EINVAL, hb_wire_zstd_deflate(plain.data, hdr, hdr + 1, &z));
  free(plain.data);
  free(z.data);
}

/* A Submit of hdr bytes of plain followed by records_zstd = frame. */
static void with_field(hb_wire_buf *out, const hb_wire_buf *plain, size_t hdr, const void *frame,
                       size_t n)
{
  out->len = 0;
  CHECK_EQ_INT(0, hb_wire_buf_reserve(out, hdr + 20 + n));
  memcpy(out->data, plain->data, hdr);
  uint8_t *p = out->data + hdr;
  *p++ = HB_WIRE_SUBMIT_RECORDS_ZSTD << 3 | 2;
  size_t v = n;
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  memcpy(p, frame, n);
  out->len = (size_t)(p - out->data) + n;
}

static void test_refused(void)
{
  hb_wire_buf plain = {0}, sub = {0};
  size_t hdr;
  make_submit(&plain, 0, &hdr);
  Huibao__V1__Submit *s = NULL;
  char err[256];

  /* a bomb: 4 MB of zeros in a frame of a few hundred bytes, refused from
   * its header (the Submit's other fields are over the cap with it) */
  size_t big = HB_WIRE_MAX_SUBMIT;
  uint8_t *zeros = calloc(big, 1);
  size_t bound = ZSTD_compressBound(big);
  uint8_t *frame = malloc(bound);
  size_t flen = ZSTD_compress(frame, bound, zeros, big, 3);
  CHECK(!ZSTD_isError(flen) && flen < 1024);
  with_field(&sub, &plain, hdr, frame, flen);
  CHECK_EQ_INT(HB_ETOOBIG, hb_wire_submit_unpack(sub.data, sub.len, &s, err, sizeof err));
  CHECK(s == NULL);
  char want[256];
  snprintf(want, sizeof want,
           "submit of %zu bytes once records_zstd is decompressed is over the limit of %u "
           "(refused before decompressing)",
           big + hdr, (unsigned)HB_WIRE_MAX_SUBMIT);
  CHECK_EQ_STR(want, err);

  /* a frame that does not say its size */
  ZSTD_CCtx *cc = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
  ZSTD_outBuffer ob = {frame, bound, 0};
  ZSTD_inBuffer ib = {zeros, 1000, 0};
  CHECK_EQ_INT(0, ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_end));
  ZSTD_freeCCtx(cc);
  with_field(&sub, &plain, hdr, frame, ob.pos);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(sub.data, sub.len, &s, err, sizeof err));
  CHECK_EQ_STR("malformed submit (records_zstd is not a zstd frame with its size)", err);

  /* not zstd at all */
  with_field(&sub, &plain, hdr, "not a zstd frame", 16);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(sub.data, sub.len, &s, err, sizeof err));
  CHECK_EQ_STR("malformed submit (records_zstd is not a zstd frame with its size)", err);

  /* a frame whose body is cut: its header says more than it holds */
  flen = ZSTD_compress(frame, bound, zeros, 1000, 3);
  with_field(&sub, &plain, hdr, frame, flen - 3);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(sub.data, sub.len, &s, err, sizeof err));

  /* the field twice */
  with_field(&sub, &plain, hdr, frame, flen);
  hb_wire_buf twice = {0};
  with_field(&twice, &sub, sub.len, frame, flen);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(twice.data, twice.len, &s, err, sizeof err));
  CHECK_EQ_STR("malformed submit (records_zstd twice, or not bytes)", err);

  /* zeros are not records: refused once inflated */
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(sub.data, sub.len, &s, err, sizeof err));
  CHECK_EQ_STR("malformed submit (records_zstd holds something else than records)", err);
  CHECK(s == NULL);

  /* well-formed unknown fields (field 15 = 0, two bytes each: ~150 MB once
   * unpacked from a frame of a few hundred bytes) are not records either */
  size_t nunk = 1u << 20;
  uint8_t *unk = malloc(nunk);
  for (size_t i = 0; i < nunk; i += 2)
    unk[i] = 0x78, unk[i + 1] = 0x00;
  flen = ZSTD_compress(frame, bound, unk, nunk, 3);
  CHECK(!ZSTD_isError(flen) && flen < 1024);
  with_field(&sub, &plain, hdr, frame, flen);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(sub.data, sub.len, &s, err, sizeof err));
  CHECK_EQ_STR("malformed submit (records_zstd holds something else than records)", err);
  free(unk);
  free(zeros);
  free(frame);
  free(plain.data);
  free(sub.data);
  free(twice.data);
}

/* What the compressed Submits kept at once may decompress to is bounded by
 * the caller's budget: over it, HB_EAGAIN and nothing unpacked. */
static void test_budget(void)
{
  hb_wire_buf plain = {0}, z = {0};
  size_t hdr;
  make_submit(&plain, 500, &hdr);
  CHECK_EQ_INT(0, hb_wire_zstd_deflate(plain.data, plain.len, hdr, &z));
  hb_arena *ar = hb_arena_new();
  CHECK(ar != NULL);
  Huibao__V1__Submit *s = NULL;
  const uint8_t *bytes;
  size_t blen, left = plain.len - 1;
  char err[256];
  CHECK_EQ_INT(HB_EAGAIN, hb_wire_submit_unpack_arena_ex(ar, z.data, z.len, true, &left, &s, &bytes,
                                                         &blen, err, sizeof err));
  CHECK(s == NULL);
  CHECK_EQ_INT((long long)(plain.len - 1), (long long)left);
  left = 2 * plain.len;
  CHECK_EQ_INT(0, hb_wire_submit_unpack_arena_ex(ar, z.data, z.len, true, &left, &s, &bytes, &blen,
                                                 err, sizeof err));
  CHECK_EQ_INT(500, (int)s->n_records);
  CHECK_EQ_INT((long long)plain.len, (long long)left); /* the decompressed Submit's size */
  CHECK(blen == plain.len && memcmp(bytes, plain.data, blen) == 0); /* the bodies' bytes */
  hb_arena_free(ar);
  free(plain.data);
  free(z.data);
}

int main(void)
{
  RUN(test_round_trip);
  RUN(test_refused);
  RUN(test_budget);
  return test_summary();
}
