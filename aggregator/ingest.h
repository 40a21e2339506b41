/* ingest.h: one drain of the ROUTER socket as one LMDB transaction.
 *
 * ingest_run decodes, validates and stores n Submits in ONE write
 * transaction and produces one packed Ack per Submit. The acks may be sent
 * only after ingest_run returned (the commit happened inside it). No
 * sockets here: server.c does the I/O, so this is testable on its own. */
#ifndef AGG_INGEST_H
#define AGG_INGEST_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "hb_arena.h"
#include "hb_campaigns.h"
#include "hb_sign.h"
#include "hb_units.h"
#include "store.h"

/* The most a record's version may be ahead of the county's clock: agents
 * choose max(now in us, last + 1), so an honest version is near the
 * agent's clock; one further ahead would make every later honest edit
 * STALE (a locked record), so it is REJECTED (docs/protocol.md). */
/* What the compressed Submits of one ingest_run may decompress to in all
 * (issue 17; the size of a drain's uncompressed Submits, server.c's
 * DRAIN_MAX_BYTES): those beyond are answered retry, except the drain's
 * first compressed Submit, which is always taken (HB_WIRE_MAX_SUBMIT bounds
 * it: one larger than the budget must not be refused for ever). */
#define INGEST_INFLATE_MAX (2u * 1024 * 1024)
#define INGEST_VERSION_AHEAD_US (86400ull * 1000000ull)

typedef struct ingest_ctx {
  store *st;
  const hb_units *units;
  const hb_campaigns *campaigns;
  int32_t today; /* for "date in the future" */
  int64_t now_s; /* unix seconds written as sync/<unit> */
  /* issue 15: the units' public signing keys (NULL: none registered) and
   * require-signatures (ingest_sign.h) */
  const hb_sign_registry *signers;
  bool require_signatures;
  /* issue 17: where the drain's Submits are unpacked, reset at the end of
   * ingest_run (kept by the caller between drains); NULL: one per drain */
  hb_arena *arena;
  /* issue 17: behave as a county before compressed Submits (tests): no
   * Ack.accepts_zstd, Submit.records_zstd left aside as an unknown field */
  bool no_zstd;
  /* issue 17: what this drain's compressed Submits may decompress to in
   * all; 0: INGEST_INFLATE_MAX (server.c halves it when two drains are in
   * flight at once) */
  size_t inflate_max;
} ingest_ctx;

typedef struct ingest_item {
  const uint8_t *data; /* in: one packed Submit (borrowed) */
  size_t len;
  const char *user_id; /* in: unit authenticated by CURVE/ZAP, NULL when insecure */
  uint8_t *ack;        /* out: packed Ack, malloc'd; caller frees */
  size_t acklen;
  char claimed[72];  /* out: the unit a batch refused for impersonation claimed, else "" */
  char key_unit[72]; /* out: ... and the unit of the key it came with (user_id) */
} ingest_item;

typedef struct ingest_stats {
  size_t submits, records, stored, duplicate, stale, rejected, refused;
  size_t impersonations; /* refused: batch unit differs from the authenticated one */
} ingest_stats;

/* Processes items[0..n) as one batch. Every item gets an ack (unless memory
 * ran out, then ack is NULL). Returns 0 if the batch committed (or had
 * nothing to store); HB_EFULL / HB_ENOSPC / HB_EIO / HB_EDB when storing failed even
 * after growing the map: then every ack says retry and nothing was stored,
 * and err says why. */
int ingest_run(const ingest_ctx *c, ingest_item *items, size_t n, ingest_stats *stats, char *err,
               size_t errlen);

/* ingest_run in two stages (issue 17), so that one drain can be decoded on
 * another thread while the main thread stores the one before it.
 *
 * ingest_decode is the pure stage: it unpacks items[0..n) into c->arena,
 * refuses the malformed, impersonating or unknown-unit Submits and
 * validates and canonicalises every record against c->units, c->campaigns
 * and c->signers. It never touches c->st (nor the metrics' unit list), so
 * it may run on any thread while another stores, as long as nobody changes
 * the units, campaigns or signers meanwhile. It clears every item's ack and
 * returns 0 with *out (c is copied: today and now_s stay the drain's), or
 * HB_ENOMEM with *out NULL.
 *
 * ingest_store is the rest, on the thread that owns the store: one write
 * transaction and its commit, the acks into items (which must stay as they
 * were given to ingest_decode), the decoding's counts added to stats. It
 * frees d (NULL: out of memory at decoding, no acks) and resets c->arena;
 * it returns as ingest_run. */
typedef struct ingest_drain ingest_drain;
int ingest_decode(const ingest_ctx *c, ingest_item *items, size_t n, ingest_drain **out);
int ingest_store(ingest_drain *d, ingest_stats *stats, char *err, size_t errlen);

#endif
