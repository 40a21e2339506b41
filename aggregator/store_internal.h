/* store_internal.h: the county store's state, shared by store.c (open,
 * batches, reads), store_admin.c (removals by an operator, and noticing
 * them from the running service) and store_periods.c (the period facts,
 * issue 13). Private to those files. */
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

/* The period facts of one (campaign, unit) (hb_period_facts.h). */
typedef struct store_fact {
  char *campaign, *unit; /* owned */
  hb_period_facts f;
} store_fact;

/* Facts sorted by (campaign, unit), the order of their "periods" db keys
 * (campaign \0 unit). Units x campaigns entries: a sorted array. */
typedef struct store_facts {
  store_fact *items;
  size_t n, cap;
} store_facts;

struct store {
  hb_lmdb l;
  MDB_dbi records, aggs, meta;
  MDB_dbi periods;  /* issue 13: period facts, key campaign \0 unit */
  bool has_periods; /* false: a read-only open of a store without that db */
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
  /* period facts (store_periods.c): committed, and the open batch's
   * working copies of the entries it touched */
  store_facts facts, bfacts;
  int64_t bclock; /* the open batch's clock for facts (store_batch_clock), 0 = none */
  /* campaign \0 unit of the last change noted in the open batch: with one
   * clock per batch, noting it again changes nothing (a Submit's records
   * are mostly of one unit and campaign) */
  char bnoted[STORE_KEY_MAX + 1];
  size_t bnoted_len;
};

/* Takes the stored record old (packed, of kind 'A', 'P', 'I' or 'C') out of its
 * (campaign, unit) aggregate in the open batch and marks the campaign
 * changed (a 报送 row 'R' has no aggregate: nothing is done). With a batch
 * clock it also notes a change of old's campaign in the period facts. *version (may be NULL) gets
 * its version, 0 when it does not decode (counted in store_inconsistencies, nothing else done).
 * Returns 0, HB_ENOMEM or an error of the working aggregates. */
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
/* Reloads the aggregates, seqs, sync times, usage and facts from txn. */
int store_load_txn(store *s, MDB_txn *txn, char *err, size_t errlen);

/* store_periods.c. Loads the committed facts from txn (replacing memory);
 * a value that does not decode fails naming its campaign and unit. */
int store_facts_load(store *s, MDB_txn *txn, char *err, size_t errlen);
/* Inside a batch with a clock: a change of (campaign, unit) was stored
 * (campaign NULL: nothing). Returns 0 or HB_ENOMEM. */
int store_facts_note_change(store *s, const char *campaign, const char *unit);
/* Writes the batch's touched facts into its transaction (an empty entry
 * is deleted). Returns 0 or an hb_err (HB_EFULL: the map is full). */
int store_facts_write(store *s);
/* After the commit: the working copies replace the committed facts.
 * Returns 0 or HB_ENOMEM (then memory must be reloaded). */
int store_facts_apply(store *s);
/* Forgets the open batch's working copies and clock. */
void store_facts_reset(store *s);
void store_facts_free(store *s);

/* Adds (sign +1) or removes (-1) the record's body to agg, whatever its
 * kind (hb_agg_add_*); HB_EINVAL for a body no aggregate counts ('R'). */
int store_rec_add(hb_agg *agg, const Huibao__V1__Record *rec, int sign);

/* Writes a \0 b (or another separator) into buf (STORE_KEY_MAX bytes):
 * the keys of the records, aggs and periods dbs. Returns the length, 0 if
 * it would not fit. */
size_t store_key2(char *buf, const char *a, char sep, const char *b);

/* Puts every aggregate of m into db dbi in txn, packed under campaign \0
 * unit; an empty one is deleted. Returns 0 or an hb_err (HB_EFULL: the
 * map is full). Used at each commit and by the upgrade (store_migrate.c). */
int store_aggs_put(MDB_txn *txn, MDB_dbi dbi, const aggmap *m);

#endif
