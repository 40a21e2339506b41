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

/* ---- added by the signing work (issue 15) */

/* The record's canonical bytes (docs/protocol.md "Signed records"):
 * HB_SIGN_DOMAIN (with its NUL), the body's field number in Record as one
 * byte, then rec->signed_body when rec has one, else the body packed by
 * protobuf-c. *out is malloc'd (caller frees). Returns 0, HB_EINVAL (no
 * body), HB_ENOMEM. */
#define HB_SIGN_DOMAIN "huibao.record.v1"
int hb_sign_canonical(const Huibao__V1__Record *rec, uint8_t **out, size_t *len);

/* Number of units in r (0 for NULL). */
size_t hb_sign_registry_count(const hb_sign_registry *r);

/* Key files (docs/security.md "Signed records"): UNIT.sign holds
 *   public-key = "<64 hex digits>"
 * and UNIT.sign_secret (mode 0600) also
 *   secret-key = "<128 hex digits>"
 * with '#' comment lines and blank lines allowed, at most 4 KiB.
 * hb_sign_key_parse parses one file's bytes (need not be NUL-terminated):
 * pk always, sk (may be NULL when !need_secret) when need_secret. Returns
 * 0, or HB_EPARSE with why naming the line and the problem. */
#define HB_SIGN_FILE_MAX 4096
int hb_sign_key_parse(const char *bytes, size_t len, int need_secret,
                      uint8_t pk[HB_SIGN_PUBLIC_LEN], uint8_t sk[HB_SIGN_SECRET_LEN], char *why,
                      size_t whylen);

/* Reads a unit's secret signing key file (refused when group or others
 * may read it, as a CURVE secret cert). Returns 0, HB_ENOTFOUND (no such
 * file), HB_EPARSE / HB_EINVAL / HB_EIO with err naming the file. */
int hb_sign_secret_read(const char *path, uint8_t sk[HB_SIGN_SECRET_LEN], char *err, size_t errlen);

/* Makes a new key pair and writes dir/NAME.sign (0644) and
 * dir/NAME.sign_secret (0600), never overwriting (HB_EINVAL). */
int hb_sign_keypair_write(const char *dir, const char *name, char *err, size_t errlen);

/* The path of the signing key beside a CURVE secret cert: PATH with its
 * ".key_secret" ending (or, without one, PATH itself) followed by
 * ".sign_secret" in out; a file named just "key_secret" (systemd's
 * credential, deploy/systemd/huibao-agent@.service.in) gives "sign_secret"
 * in its folder. Returns 0, or HB_ETOOBIG when it does not fit. */
int hb_sign_path_beside(const char *cert_path, char *out, size_t outlen);

#endif
