/* hb_sign.h: records signed by their units (issue 15, docs/security.md
 * "Signed records"): Ed25519 (libsodium crypto_sign_detached) by the
 * unit's signing key over the record's canonical bytes, put in
 * Record.signature by the agent and verified by the county and by every
 * level above against the unit's public signing key from a registry
 * folder (the county's keys folder; the city's own copy).
 *
 * The canonical bytes of a record are defined in docs/protocol.md
 * ("Signed records") and made only by hb_sign_canonical. */
#ifndef HB_SIGN_H
#define HB_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

#define HB_SIGN_PUBLIC_LEN 32
#define HB_SIGN_SECRET_LEN 64
#define HB_SIGN_LEN 64

/* Signs rec's body with sk: sig gets the 64-byte signature (the caller
 * puts it in rec->signature). Returns 0 or an hb_err. */
int hb_sign_record(const uint8_t sk[HB_SIGN_SECRET_LEN], const Huibao__V1__Record *rec,
                   uint8_t sig[HB_SIGN_LEN]);

/* Checks rec->signature against pk. Returns 0 when it verifies,
 * HB_ENOTFOUND when rec carries none, HB_EPERM when it does not verify
 * (or is not 64 bytes), another hb_err on failure. */
int hb_sign_record_verify(const uint8_t pk[HB_SIGN_PUBLIC_LEN], const Huibao__V1__Record *rec);

/* The units' public signing keys found in a folder (one file per unit,
 * format in docs/security.md). */
typedef struct hb_sign_registry hb_sign_registry;

/* Loads every public signing key in dir. Returns 0 with *out (free with
 * hb_sign_registry_free), or an hb_err with err naming the file and why. */
int hb_sign_registry_load(hb_sign_registry **out, const char *dir, char *err, size_t errlen);
/* unit's public key, borrowed from r; NULL when r has none (or r is NULL). */
const uint8_t *hb_sign_registry_key(const hb_sign_registry *r, const char *unit);
void hb_sign_registry_free(hb_sign_registry *r);

#endif
