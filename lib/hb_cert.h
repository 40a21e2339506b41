/* hb_cert.h: CURVE key pairs in czmq's zcert file format.
 *
 * NAME.key holds the public key, NAME.key_secret the public and secret
 * keys (mode 0600). The format (ZPL) is the ZeroMQ ecosystem's convention,
 * so czmq tools and other programs can read what huibao-keygen writes:
 *
 *   metadata
 *       name = "dlz"
 *   curve
 *       public-key = "<40 Z85 chars>"
 *       secret-key = "<40 Z85 chars>"     (secret file only)
 */
#ifndef HB_CERT_H
#define HB_CERT_H

#include <stddef.h>
#include "hb_diag.h"

#define HB_Z85_KEY_LEN 40

typedef struct hb_cert {
  char public_key[HB_Z85_KEY_LEN + 1];
  char secret_key[HB_Z85_KEY_LEN + 1]; /* "" when read from a public file */
  char name[65];                       /* metadata name, may be "" */
} hb_cert;

/* A new key pair (zmq_curve_keypair). HB_EINVAL if libzmq lacks CURVE. */
int hb_cert_generate(hb_cert *c, const char *name);

/* Writes dir/NAME.key (0644) and dir/NAME.key_secret (0600), each
 * atomically. Refuses to overwrite existing files (HB_EINVAL). */
int hb_cert_write(const hb_cert *c, const char *dir, const char *name, char *err, size_t errlen);

/* Reads a public or secret cert file. need_secret: fail unless it holds a
 * secret key. Errors name the file and line ("a.key:7: public-key: not a
 * Z85 key of 40 characters"). A secret file readable by group or others
 * is refused. */
int hb_cert_read(const char *path, int need_secret, hb_cert *out, hb_diags *diags);

/* Parses a cert file's bytes (need not be NUL-terminated; at most 64 KiB);
 * path names it in messages. Same checks as hb_cert_read except the file
 * mode, which only a file has. *out is zeroed first. */
int hb_cert_parse(const char *path, const char *bytes, size_t len, int need_secret, hb_cert *out,
                  hb_diags *diags);

/* One public cert per unit in a folder: file CODE.key gives unit CODE. */
typedef struct hb_keyring_entry {
  char code[65];
  char public_key[HB_Z85_KEY_LEN + 1];
} hb_keyring_entry;

typedef struct hb_keyring {
  hb_keyring_entry *items; /* sorted by public_key */
  size_t count;
} hb_keyring;

/* Loads every *.key file of dir. Bad files are diagnostics (and skipped);
 * returns HB_EINVAL if any, HB_ENOTFOUND if dir cannot be read. Two codes
 * with the same key are an error. Free with hb_keyring_free. */
int hb_keyring_load(const char *dir, hb_keyring *out, hb_diags *diags);
void hb_keyring_free(hb_keyring *k);

/* The unit code of a Z85 public key, or NULL. */
const char *hb_keyring_find(const hb_keyring *k, const char *public_key_z85);

#endif
