/* fuzz_sign_key: a unit's signing key file (UNIT.sign in a registry
 * folder, UNIT.sign_secret beside an agent's cert) through
 * hb_sign_key_parse, the reader behind hb_sign_registry_load and
 * hb_sign_secret_read. The first byte chooses need_secret. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_err.h"
#include "hb_sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  int need_secret = data[0] & 1;
  uint8_t pk[HB_SIGN_PUBLIC_LEN], sk[HB_SIGN_SECRET_LEN];
  char why[300];
  why[0] = '\0';
  int rc = hb_sign_key_parse((const char *)data + 1, size - 1, need_secret, pk,
                             need_secret ? sk : NULL, why, sizeof why);
  if (rc != HB_OK && rc != HB_EPARSE)
    abort();
  if (rc != HB_OK && (why[0] == '\0' || memchr(why, '\0', sizeof why) == NULL))
    abort(); /* every refusal says why */
  return 0;
}
