/* delta_test.c: lib/hb_delta.c (issue 17): the zstd delta codec, its
 * checks, the state key and the messages. */
#include <stdlib.h>
#include <string.h>
#include "hb_delta.h"
#include "hb_err.h"
#include "hb_wire.h"
#include "test.h"
#include "test_rollup.h"

static uint8_t *rollup_bytes(uint64_t seq, int64_t as_of, uint64_t records, size_t *len)
{
  Huibao__V1__Rollup *r = test_rollup_make(&(test_rollup){.source = "xq",
                                                          .campaign = "jf",
                                                          .seq = seq,
                                                          .as_of_ms = as_of,
                                                          .heartbeat_ms = 1000,
                                                          .unit = "u1",
                                                          .unit_records = records});
  uint8_t *b = test_rollup_pack(r, len);
  protobuf_c_message_free_unpacked(&r->base, NULL);
  return b;
}

/* A delta rebuilds exactly the new bytes; it is small; the base matters. */
static void test_roundtrip(void)
{
  size_t la, lb;
  uint8_t *a = rollup_bytes(5, 1000, 7, &la), *b = rollup_bytes(6, 2000, 8, &lb);
  uint8_t *z = NULL, *out = NULL;
  size_t zl = 0;
  CHECK_EQ_INT(0, hb_delta_encode(a, la, b, lb, &z, &zl));
  CHECK(zl > 0 && zl < lb + 32);
  CHECK_EQ_INT(0, hb_delta_decode(a, la, z, zl, lb, hb_delta_hash(b, lb), &out));
  CHECK(out && memcmp(out, b, lb) == 0);
  free(out);
  /* another base: refused (what it rebuilds does not have the hash),
   * nothing handed out */
  uint8_t *other = malloc(la);
  memset(other, 'x', la);
  out = NULL;
  CHECK_EQ_INT(HB_EPROTO, hb_delta_decode(other, la, z, zl, lb, hb_delta_hash(b, lb), &out));
  CHECK(out == NULL);
  free(other);
  /* another size, another hash: refused */
  CHECK_EQ_INT(HB_EPROTO, hb_delta_decode(a, la, z, zl, lb + 1, hb_delta_hash(b, lb), &out));
  CHECK_EQ_INT(HB_EPROTO, hb_delta_decode(a, la, z, zl, lb, hb_delta_hash(a, la), &out));
  /* a cut frame: refused */
  CHECK_EQ_INT(HB_EPROTO, hb_delta_decode(a, la, z, zl / 2, lb, hb_delta_hash(b, lb), &out));
  free(z);
  /* a full state (no base) */
  CHECK_EQ_INT(0, hb_delta_encode(NULL, 0, b, lb, &z, &zl));
  CHECK_EQ_INT(0, hb_delta_decode(NULL, 0, z, zl, lb, hb_delta_hash(b, lb), &out));
  CHECK(out && memcmp(out, b, lb) == 0);
  free(out);
  CHECK_EQ_INT(HB_ETOOBIG,
               hb_delta_decode(NULL, 0, z, zl, (size_t)HB_WIRE_MAX_ROLLUP + 1, 0, &out));
  free(z);
  free(a);
  free(b);
}

/* A large state changed in one place: the delta is a few bytes. */
static void test_small(void)
{
  size_t n = 60000;
  uint8_t *a = malloc(n), *b = malloc(n), *z = NULL, *out = NULL;
  uint32_t x = 12345;
  for (size_t i = 0; i < n; i++) {
    x = x * 1103515245u + 12345u;
    a[i] = (uint8_t)(x >> 16);
  }
  memcpy(b, a, n);
  b[30000] ^= 0x55;
  size_t zl = 0;
  CHECK_EQ_INT(0, hb_delta_encode(a, n, b, n, &z, &zl));
  CHECK(zl < 64);
  CHECK_EQ_INT(0, hb_delta_decode(a, n, z, zl, n, hb_delta_hash(b, n), &out));
  CHECK(out && memcmp(out, b, n) == 0);
  free(out);
  free(z);
  free(a);
  free(b);
}

/* The state key ignores as_of_ms and nothing else. */
static void test_state_key(void)
{
  size_t l1, l2, l3;
  uint8_t *r1 = rollup_bytes(5, 1000, 7, &l1), *r2 = rollup_bytes(5, 99000, 7, &l2),
          *r3 = rollup_bytes(5, 1000, 8, &l3);
  uint64_t k1, k2, k3, seq;
  CHECK_EQ_INT(0, hb_delta_state_key(r1, l1, &k1, &seq));
  CHECK_EQ_INT(5, seq);
  CHECK_EQ_INT(0, hb_delta_state_key(r2, l2, &k2, NULL));
  CHECK_EQ_INT(0, hb_delta_state_key(r3, l3, &k3, NULL));
  CHECK(k1 == k2);
  CHECK(k1 != k3);
  CHECK(hb_delta_hash(r1, l1) != hb_delta_hash(r2, l2));
  uint8_t junk[] = {0xff, 0xff, 0xff};
  CHECK_EQ_INT(HB_EPROTO, hb_delta_state_key(junk, sizeof junk, &k1, NULL));
  free(r1);
  free(r2);
  free(r3);
}

/* The messages pack and unpack; bad ones are refused. */
static void test_messages(void)
{
  uint8_t z[] = {1, 2, 3}, *buf = NULL;
  size_t len = 0;
  CHECK_EQ_INT(0, hb_delta_pack("jf", 7, 0x1122334455667788ull, 300, true, 42, z, 3, &buf, &len));
  Huibao__V1__RollupDelta *m = NULL;
  CHECK_EQ_INT(0, hb_delta_unpack(buf, len, &m));
  if (m) {
    CHECK_EQ_STR("jf", m->campaign);
    CHECK(m->seq == 7 && m->hash == 0x1122334455667788ull && m->size == 300);
    CHECK(m->has_base_hash && m->base_hash == 42 && m->zstd.len == 3);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  }
  free(buf);
  CHECK_EQ_INT(0, hb_delta_pack("", 7, 1, 3, false, 0, z, 3, &buf, &len));
  CHECK_EQ_INT(HB_EPROTO, hb_delta_unpack(buf, len, &m)); /* no campaign */
  free(buf);
  CHECK_EQ_INT(0, hb_delta_pack("j\xff", 7, 1, 3, false, 0, z, 3, &buf, &len));
  CHECK_EQ_INT(HB_EPROTO, hb_delta_unpack(buf, len, &m)); /* not UTF-8 */
  free(buf);
  Huibao__V1__RollupBeat *b = NULL;
  uint8_t beat[] = {0x0a, 0x0b, 0x0a, 0x02, 'j', 'f', 0x10, 0x07, 0x1d, 1, 0, 0};
  CHECK_EQ_INT(HB_EPROTO, hb_delta_beat_unpack(beat, sizeof beat, &b)); /* cut fixed32 */
  uint8_t beat2[] = {0x0a, 0x0b, 0x0a, 0x02, 'j', 'f', 0x10, 0x07, 0x1d, 1, 0, 0, 0};
  CHECK_EQ_INT(0, hb_delta_beat_unpack(beat2, sizeof beat2, &b));
  if (b) {
    CHECK(b->n_entries == 1 && b->entries[0]->seq == 7 && b->entries[0]->hash == 1);
    protobuf_c_message_free_unpacked(&b->base, NULL);
  }
}

/* How long a subscriber waits: 3 heartbeats, or the announced interval and
 * 2 heartbeats when longer. */
static void test_silence(void)
{
  CHECK_EQ_INT(3000, (int)hb_delta_silence_ms(1000, 0));
  CHECK_EQ_INT(3000, (int)hb_delta_silence_ms(1000, 500));
  CHECK_EQ_INT(3000, (int)hb_delta_silence_ms(1000, 1000));
  CHECK_EQ_INT(3001, (int)hb_delta_silence_ms(1000, 1001));
  CHECK_EQ_INT(10000, (int)hb_delta_silence_ms(1000, 8000));
  CHECK_EQ_INT(2000, (int)hb_delta_silence_ms(200, 1600));
}

int main(void)
{
  RUN(test_roundtrip);
  RUN(test_small);
  RUN(test_state_key);
  RUN(test_messages);
  RUN(test_silence);
  return test_summary();
}
