/* store_internal.h: the county store's state, shared by store.c (open,
 * batches, reads) and store_admin.c (removals by an operator, and noticing
 * them from the running service). Private to those two files. */
#ifndef AGG_STORE_INTERNAL_H
#define AGG_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "aggmap.h"
#include "hb_lmdb.h"
#include "hb_wire.h"
#include "kvlist.h"
#include "store.h"

#define STORE_KEY_MAX 511

struct store {
  hb_lmdb l;
  MDB_dbi records, aggs, meta;
  bool readonly;
  uint64_t epoch; /* meta "epoch"; 0 = none (a read-only open of an old store) */
  aggmap cache;
  kvlist seqs, syncs;
  /* the open batch */
  MDB_txn *txn;
  aggmap work;
  kvlist bsync, changed;
  const char **changed_ids;
  size_t changed_cap;
  hb_wire_buf buf; /* scratch: a packed record */
  uint64_t inconsistent;
  /* changes by another process (`huibao-aggregator admin`) */
  uint64_t admin_gen; /* meta "admin-gen" as last loaded */
  bool admin;         /* this process is the admin: reload first, bump admin-gen */
  bool external;      /* memory was reloaded after another process's change */
  /* per-unit usage (records, bytes of packed records) and its quota */
  uint64_t quota_records, quota_bytes;
  kvlist urecs, ubytes;   /* committed */
  kvlist burecs, bubytes; /* the open batch's working copies */
  char reason[256];       /* a REJECTED reason with figures (store_batch_put) */
  char note[512];         /* meta "admin-last" as last reloaded */
};

/* Takes the stored record old (packed, of kind 'A', 'P', 'I' or 'C') out of its
 * (campaign, unit) aggregate in the open batch and marks the campaign
 * changed. *version (may be NULL) gets its version, 0 when it does not
 * decode (counted in store_inconsistencies, nothing else done). Returns 0,
 * HB_ENOMEM or an error of the working aggregates. */
int store_withdraw(store *s, char kind, const MDB_val *old, uint64_t *version);
/* The open batch's usage of unit (working copies, made on first use). */
int store_usage_work(store *s, const char *unit, kv **recs, kv **bytes);
/* store_migrate.c: a store whose aggregates are of an earlier format (meta
 * "agg-format" absent or < STORE_AGG_FORMAT, store_migrate.h) gets them
 * rebuilt from its records and written with the format, in one write
 * transaction, then memory reloaded. Nothing for a read-only open or a
 * store already upgraded. Returns 0 or an hb_err (err says why). */
int store_migrate(store *s, char *err, size_t errlen);
/* Unpacks a stored row of the given kind into rec's body (rec zeroed
 * first); HB_EPARSE if it does not decode. Free with store_row_unpacked_free. */
int store_row_unpack(char kind, const MDB_val *v, Huibao__V1__Record *rec);
void store_row_unpacked_free(Huibao__V1__Record *rec);
/* Reloads the aggregates, seqs, sync times and usage from txn. */
int store_load_txn(store *s, MDB_txn *txn, char *err, size_t errlen);

#endif
