/* hb_account.h: reviewer and viewer accounts (issue 14, docs/security.md).
 *
 * An account is a name, a role and an Argon2id password hash (libsodium
 * crypto_pwhash_str, OPSLIMIT/MEMLIMIT_INTERACTIVE), kept as the Account
 * message of huibao.proto in an LMDB db "accounts" (key = name): the
 * county's in its store, the city's in the `huibao-sub` --data store.
 * Hashing and checking a password are slow on purpose (~0.1 s, 64 MB):
 * do them OUTSIDE a write transaction (hb_account_hash, then
 * hb_account_put), never while holding the service's write lock.
 * Passwords are never logged nor taken from a command-line flag. */
#ifndef HB_ACCOUNT_H
#define HB_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>

#define HB_ACCOUNT_DB "accounts"
#define HB_ACCOUNT_NAME_MAX 64  /* bytes of UTF-8 */
#define HB_ACCOUNT_HASH_MAX 128 /* >= crypto_pwhash_STRBYTES */
#define HB_PASSWORD_MIN 8       /* characters */
#define HB_PASSWORD_MAX 256     /* bytes */

typedef enum hb_role {
  HB_ROLE_REVIEWER = 1, /* values of huibao.v1.AccountRole */
  HB_ROLE_VIEWER = 2,
} hb_role;

typedef struct hb_account {
  char name[HB_ACCOUNT_NAME_MAX + 1];
  hb_role role;
  char pwhash[HB_ACCOUNT_HASH_MAX];
  int64_t created_s;
} hb_account;

/* "reviewer" "viewer"; hb_role_parse gives 0 for anything else. */
const char *hb_role_name(hb_role r);
hb_role hb_role_parse(const char *s);

/* A name is 1..64 bytes of valid UTF-8 without control characters,
 * spaces or '/' (Chinese names are fine). HB_EINVAL with why otherwise. */
int hb_account_name_check(const char *name, char *why, size_t whylen);

/* Argon2id hash of password into a->pwhash (slow). HB_EINVAL (why) for a
 * password shorter than HB_PASSWORD_MIN characters or longer than
 * HB_PASSWORD_MAX bytes; HB_ENOMEM if the hash's memory is not there. */
int hb_account_hash(hb_account *a, const char *password, char *why, size_t whylen);

/* Whether password is a's (slow; constant time in the password). */
bool hb_account_check_password(const hb_account *a, const char *password);

/* In a write transaction on db: stores a. must_exist: HB_ENOTFOUND if
 * there is no such account (passwd); else HB_EINVAL if there already is
 * one (add). */
int hb_account_put(MDB_txn *txn, MDB_dbi db, const hb_account *a, bool must_exist);
/* HB_ENOTFOUND if none. */
int hb_account_remove(MDB_txn *txn, MDB_dbi db, const char *name);
/* HB_ENOTFOUND if none; HB_EPARSE if the stored value does not decode. */
int hb_account_get(MDB_txn *txn, MDB_dbi db, const char *name, hb_account *out);
/* Calls fn for each account in name order; stops at fn's non-zero value. */
typedef int (*hb_account_fn)(void *ctx, const hb_account *a);
int hb_account_foreach(MDB_txn *txn, MDB_dbi db, hb_account_fn fn, void *ctx);

/* Reads a password for a command: from the terminal without echo when
 * stdin is one (prompt on stderr; twice with confirm, which must match),
 * else one line of stdin (its newline dropped). HB_EIO if nothing could
 * be read, HB_EINVAL (why) if the two entries differ. */
int hb_password_read(const char *prompt, bool confirm, char *buf, size_t len, char *why,
                     size_t whylen);

#endif
