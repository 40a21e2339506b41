/* be_test.c: lib/hb_be.h, the big-endian integers of stored keys and values. */
#include <string.h>

#include "hb_be.h"
#include "test.h"

static void test_round_trip_and_order(void)
{
  uint8_t b[8];
  const uint8_t want64[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  hb_be64_put(b, 0x0123456789abcdefull);
  CHECK(memcmp(b, want64, 8) == 0);
  CHECK(hb_be64_get(b) == 0x0123456789abcdefull);
  const uint8_t want32[4] = {0x00, 0x03, 0x13, 0x4f};
  hb_be32_put(b, 201551u);
  CHECK(memcmp(b, want32, 4) == 0);
  CHECK_EQ_INT(201551, hb_be32_get(b));
  /* big-endian keys sort as the numbers do */
  uint8_t lo[8], hi[8];
  hb_be64_put(lo, 255);
  hb_be64_put(hi, 256);
  CHECK(memcmp(lo, hi, 8) < 0);
}

int main(void)
{
  RUN(test_round_trip_and_order);
  return test_summary();
}
