/* chain_test.c: lib/hb_chain.h, the hashes of the county's history. */
#include <string.h>

#include "hb_chain.h"
#include "hb_err.h"
#include "test.h"

/* BLAKE2b with a 32-byte digest (RFC 7693; Python's hashlib.blake2b(x, digest_size=32)). */
static void test_known_vectors(void)
{
  uint8_t h[HB_CHAIN_HASH_LEN];
  char hex[HB_CHAIN_HEX_LEN];
  CHECK_EQ_INT(0, hb_chain_hash("", 0, h));
  hb_chain_hex(h, hex);
  CHECK_EQ_STR("0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8", hex);
  CHECK_EQ_INT(0, hb_chain_hash("abc", 3, h));
  hb_chain_hex(h, hex);
  CHECK_EQ_STR("bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319", hex);
}

static void test_hex_round_trip(void)
{
  uint8_t h[HB_CHAIN_HASH_LEN], back[HB_CHAIN_HASH_LEN];
  char hex[HB_CHAIN_HEX_LEN];
  for (int i = 0; i < HB_CHAIN_HASH_LEN; i++)
    h[i] = (uint8_t)(i * 37 + 5);
  hb_chain_hex(h, hex);
  CHECK_EQ_INT(64, (int)strlen(hex));
  CHECK_EQ_INT(0, hb_chain_unhex(hex, back));
  CHECK(memcmp(h, back, sizeof h) == 0);
  /* upper case is read too */
  CHECK_EQ_INT(
      0, hb_chain_unhex("0E5751C026E543B2E8AB2EB06099DAA1D1E5DF47778F7787FAAB45CDF12FE3A8", back));
  CHECK(back[0] == 0x0e && back[31] == 0xa8);
  /* anything but exactly 64 hex digits is refused */
  CHECK_EQ_INT(HB_EINVAL, hb_chain_unhex("0e57", back));
  CHECK_EQ_INT(HB_EINVAL, hb_chain_unhex(NULL, back));
  hex[10] = 'g';
  CHECK_EQ_INT(HB_EINVAL, hb_chain_unhex(hex, back));
}

/* One changed byte changes the hash (what the chain rests on). */
static void test_one_byte_changes_it(void)
{
  uint8_t a[HB_CHAIN_HASH_LEN], b[HB_CHAIN_HASH_LEN];
  char data[] = "entry 17: unit xq-dlz problem P017 version 3";
  CHECK_EQ_INT(0, hb_chain_hash(data, sizeof data - 1, a));
  data[8] ^= 1;
  CHECK_EQ_INT(0, hb_chain_hash(data, sizeof data - 1, b));
  CHECK(memcmp(a, b, sizeof a) != 0);
}

int main(void)
{
  RUN(test_known_vectors);
  RUN(test_hex_round_trip);
  RUN(test_one_byte_changes_it);
  return test_summary();
}
