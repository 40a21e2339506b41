/* hb_sign.c: signed records (issue 15; hb_sign.h). Groundwork stub:
 * nothing signs, nothing verifies, no registry has keys. */
#include "hb_sign.h"

#include <stdlib.h>
#include "hb_err.h"

struct hb_sign_registry {
  int unused;
};

int hb_sign_record(const uint8_t sk[HB_SIGN_SECRET_LEN], const Huibao__V1__Record *rec,
                   uint8_t sig[HB_SIGN_LEN])
{
  (void)sk, (void)rec, (void)sig;
  return HB_EINVAL;
}

int hb_sign_record_verify(const uint8_t pk[HB_SIGN_PUBLIC_LEN], const Huibao__V1__Record *rec)
{
  (void)pk;
  return rec->has_signature ? HB_EPERM : HB_ENOTFOUND;
}

int hb_sign_registry_load(hb_sign_registry **out, const char *dir, char *err, size_t errlen)
{
  (void)dir, (void)err, (void)errlen;
  *out = calloc(1, sizeof **out);
  return *out ? 0 : HB_ENOMEM;
}

const uint8_t *hb_sign_registry_key(const hb_sign_registry *r, const char *unit)
{
  (void)r, (void)unit;
  return NULL;
}

void hb_sign_registry_free(hb_sign_registry *r)
{
  free(r);
}
