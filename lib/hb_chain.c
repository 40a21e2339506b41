/* hb_chain.c: BLAKE2b-256 of history entries (see hb_chain.h). */
#include "hb_chain.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include "hb_err.h"

int hb_chain_hash(const void *data, size_t len, uint8_t out[HB_CHAIN_HASH_LEN])
{
  /* sodium_init once per process: each call takes and releases its lock,
   * ~80 instructions per stored record (issue 17) */
  static atomic_bool ready;
  if (!atomic_load_explicit(&ready, memory_order_acquire)) {
    if (sodium_init() < 0)
      return HB_EIO;
    atomic_store_explicit(&ready, true, memory_order_release);
  }
  crypto_generichash(out, HB_CHAIN_HASH_LEN, data, len, NULL, 0);
  return 0;
}

int hb_chain_digest(uint64_t from, uint64_t to, hb_chain_entry_fn get, void *ctx,
                    uint8_t out[HB_CHAIN_HASH_LEN])
{
  crypto_generichash_state st;
  if (sodium_init() < 0 || crypto_generichash_init(&st, NULL, 0, HB_CHAIN_HASH_LEN) != 0)
    return HB_EIO;
  for (uint64_t n = from; n <= to && n >= from; n++) {
    const void *data;
    size_t len;
    uint8_t h[HB_CHAIN_HASH_LEN] = {0};
    int rc = get(ctx, n, &data, &len);
    if (rc == 0)
      crypto_generichash(h, HB_CHAIN_HASH_LEN, data, len, NULL, 0);
    else if (rc != HB_ENOTFOUND)
      return rc;
    crypto_generichash_update(&st, h, HB_CHAIN_HASH_LEN);
  }
  return crypto_generichash_final(&st, out, HB_CHAIN_HASH_LEN) == 0 ? 0 : HB_EIO;
}

void hb_chain_hex(const uint8_t h[HB_CHAIN_HASH_LEN], char out[HB_CHAIN_HEX_LEN])
{
  static const char d[] = "0123456789abcdef";
  for (size_t i = 0; i < HB_CHAIN_HASH_LEN; i++) {
    out[2 * i] = d[h[i] >> 4];
    out[2 * i + 1] = d[h[i] & 15];
  }
  out[2 * HB_CHAIN_HASH_LEN] = '\0';
}

static int nibble(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int hb_chain_unhex(const char *hex, uint8_t h[HB_CHAIN_HASH_LEN])
{
  if (!hex || strlen(hex) != 2 * HB_CHAIN_HASH_LEN)
    return HB_EINVAL;
  for (size_t i = 0; i < HB_CHAIN_HASH_LEN; i++) {
    int a = nibble(hex[2 * i]), b = nibble(hex[2 * i + 1]);
    if (a < 0 || b < 0)
      return HB_EINVAL;
    h[i] = (uint8_t)(a << 4 | b);
  }
  return 0;
}
