/* hb_chain.h: the hash chain of a county's history (issue 14).
 *
 * The history is an append-only log (aggregator db "log", LogEntry of
 * huibao.proto): entry n's stored bytes carry the hash of entry n-1 in
 * LogEntry.prev (32 zero bytes for entry 1), and hash(entry) is BLAKE2b
 * with a 32-byte digest (libsodium crypto_generichash) over exactly the
 * bytes stored. Changing, removing or reordering any entry breaks the
 * chain at that entry, and the head (n, hash of entry n) that every
 * rollup carries (Rollup.log) changes with any rewrite. Pure functions:
 * no I/O, no allocation. */
#ifndef HB_CHAIN_H
#define HB_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#define HB_CHAIN_HASH_LEN 32
#define HB_CHAIN_HEX_LEN (2 * HB_CHAIN_HASH_LEN + 1) /* with the NUL */

/* out = BLAKE2b-256(data[0..len)). Returns 0, HB_EIO if libsodium failed
 * to initialise. */
int hb_chain_hash(const void *data, size_t len, uint8_t out[HB_CHAIN_HASH_LEN]);

/* Lowercase hex of a hash into out (HB_CHAIN_HEX_LEN bytes). */
void hb_chain_hex(const uint8_t h[HB_CHAIN_HASH_LEN], char out[HB_CHAIN_HEX_LEN]);

/* Parses 64 hex digits into h; HB_EINVAL if hex is not exactly that. */
int hb_chain_unhex(const char *hex, uint8_t h[HB_CHAIN_HASH_LEN]);

/* Reads entry n's stored bytes for hb_chain_digest: 0 with *data and *len
 * (borrowed until the next call), HB_ENOTFOUND when there is none, or
 * another hb_err. */
typedef int (*hb_chain_entry_fn)(void *ctx, uint64_t n, const void **data, size_t *len);

/* The audit digest of entries from..to (issue 15, docs/replica.md): BLAKE2b-256
 * over hash(entry n) for n = from..to in order, an entry that is missing
 * counted as 32 zero bytes. The county answers an audit with it and the city
 * compares it with its own copy's: one function, so the two cannot differ.
 * Returns 0 or get's error (HB_EIO if libsodium failed). */
int hb_chain_digest(uint64_t from, uint64_t to, hb_chain_entry_fn get, void *ctx,
                    uint8_t out[HB_CHAIN_HASH_LEN]);

#endif
