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
#include "store_log.h"

#define STORE_KEY_MAX 511
#define STORE_RCURSORS 6 /* A, P, I, C, R and any other kind */

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
  /* issue 14: review status (key = records key), history log (key n),
   * its index (records key + n), decisions by unit (unit \0 n) and accounts */
  MDB_dbi review, log, logidx, decisions, accounts;
  bool has_review; /* false: a read-only open of a store without those dbs */
  /* issue 15: records value format (meta "records-format"), db "gone", the
   * frozen logidx's end (meta "logidx-upto"), store_log.h */
  int records_format;
  bool has_gone;
  MDB_dbi gone;
  bool gone_any; /* db "gone" may hold entries: else a new record skips its lookup */
  uint64_t logidx_upto;
  hb_wire_buf obuf; /* scratch: the stored version's body (store_batch_put) */
  /* the campaigns (problem_delete, store_campaigns_set), borrowed; NULL: none */
  const struct hb_campaigns *campaigns;
  /* the history's head as committed (store_log.c), and the open batch's */
  uint64_t log_n, blog_n;
  uint8_t log_hash[32], blog_hash[32];
  bool readonly;
  uint64_t epoch; /* meta "epoch"; 0 = none (a read-only open of an old store) */
  aggmap cache;
  kvlist seqs, syncs;
  /* the open batch */
  MDB_txn *txn;
  aggmap work;
  hb_agg *wlast; /* issue 17: store_work_get's last answer (in work), NULL at a batch's start */
  const char *changed_last; /* issue 17: store_mark_changed's last campaign (a key of changed) */
  size_t changed_hint;
  kvlist bsync, changed;
  const char **changed_ids;
  size_t changed_cap;
  hb_wire_buf buf;    /* scratch: a packed record */
  const void *buf_of; /* the body message packed in buf last (rec_pack) */
  hb_wire_buf lbuf;   /* scratch: a packed history entry (store_log.c) */
  /* the open batch's cursors on records (one per kind: a Submit's records
   * of one unit alternate between the kinds' ranges of keys), review and
   * log (store_batch_cursor): kept from record to record, a lookup of a key
   * on the page the cursor is on stays on that page instead of walking the
   * tree from its root; an append finds the root where it left it */
  MDB_cursor *rcur[STORE_RCURSORS], *vcur, *lcur;
  int vany; /* db review in the open batch: 0 empty, 1 not, -1 not known yet */
  uint64_t inconsistent;
  /* changes by another process (`huibao-aggregator admin`) */
  uint64_t admin_gen; /* meta "admin-gen" as last loaded */
  bool admin;         /* this process is the admin: reload first, bump admin-gen */
  bool external;      /* memory was reloaded after another process's change */
  /* per-unit usage (records, bytes of packed records) and its quota */
  uint64_t quota_records, quota_bytes;
  kvlist urecs, ubytes;             /* committed */
  kvlist burecs, bubytes;           /* the open batch's working copies */
  size_t burecs_hint, bubytes_hint; /* kvlist_find_hint: the last unit's entries */
  char reason[256];                 /* a REJECTED reason with figures (store_batch_put) */
  char note[512];                   /* meta "admin-last" as last reloaded */
  /* period facts (store_periods.c): committed, and the open batch's
   * working copies of the entries it touched */
  store_facts facts, bfacts;
  int64_t bclock; /* the open batch's clock for facts (store_batch_clock), 0 = none */
  /* campaign \0 unit of the last change noted in the open batch: with one
   * clock per batch, noting it again changes nothing (a Submit's records
   * are mostly of one unit and campaign) */
  char bnoted[STORE_KEY_MAX + 1];
  size_t bnoted_len;
  uint64_t loaded_txnid; /* the transaction memory was loaded from (store_load_txn) */
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
/* The open batch's working copy of (campaign, unit)'s aggregate, made on
 * first use (issue 14: store_review.c moves the review counts). */
int store_work_get(store *s, const char *campaign, const char *unit, hb_agg **out);
/* The open batch changed campaign: its seq is bumped at the commit. */
int store_mark_changed(store *s, const char *campaign);
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
/* Opens the issue-14 dbs of a read-only open (has_review false if the
 * store has none). Returns an LMDB code. */
int store_open_review_dbs(store *s, MDB_txn *txn);

/* store_review.c (issue 14, H2). Called by store_batch_put for a version
 * of the row r (key: its records key) that is about to be STORED, after
 * the new version was added to its aggregate and before anything is
 * withdrawn: settles the record's review status (hb_review_on_version),
 * writes or deletes its review entry (a deletion request holds the old
 * live version in ReviewState.held), moves the review counts, and sets
 * *withdraw to the old version to take out of the aggregates: the stored
 * one, the held one, or none (mv_data NULL: a deletion request keeps
 * counting it, or there was none). old: the stored version, NULL if none;
 * packed: the new version as it will be stored (in s->buf: do not use
 * s->buf here). The new version's content equals the old's when their
 * packed bytes with the same version number are equal. */
int store_review_on_put(store *s, const store_row *r, const MDB_val *key, const MDB_val *old,
                        const MDB_val *packed, MDB_val *withdraw);
/* store_review.c: the record key's review entry is removed with the record
 * (admin unlock / reset-unit), its counts and a held version taken out of
 * the aggregates. Inside a batch. */
int store_review_on_remove(store *s, const MDB_val *key);

/* store_log.c (issue 14, H1). Inside a batch: appends e to the history
 * (e->n and e->prev are set here; e->at_s = the batch clock when 0),
 * indexes it under the record it is about (record, decision, removal of
 * one record), and moves the batch's head. *n (may be NULL) gets its
 * index. Returns 0 or an hb_err (HB_EFULL: the map is full). */
int store_log_append(store *s, Huibao__V1__LogEntry *e, uint64_t *n);
/* store_log.c: a STORED version of a record (rec as stored, its seq
 * ignored) sent by unit: store_log_append of an ACTOR_UNIT entry. Called
 * by store_batch_put right after the put, while s->buf still holds rec's
 * packed body: the entry is then written around those bytes (the same
 * bytes protobuf-c packs) instead of packing the record again. */
int store_log_record(store *s, const Huibao__V1__Record *rec, uint64_t about_prev);
/* store_log.c (issue 15): the last entry about the removed record key
 * (db "gone"): taken out when it is stored again (*last 0: none), put
 * when an operator removes it. Inside a batch. */
int store_log_gone_take(store *s, const MDB_val *key, uint64_t *last);
int store_log_gone_put(store *s, const MDB_val *key, uint64_t last);
/* store_log.c: loads the committed head from txn (meta "log-head"). */
int store_log_load(store *s, MDB_txn *txn);
/* At the end of a batch that appended: meta "log-head" = the batch's head.
 * Returns 0 or an hb_err. */
int store_log_write(store *s);
/* After the commit: the batch's head becomes the committed one. */
void store_log_apply(store *s);
void store_log_reset(store *s);
/* store_upgrade.c: a store whose records db holds bodies (meta
 * "records-format" absent) opened read-write gets its records pointing
 * into the history (store_log.h), in one batch: a store before issue 14
 * (records, no meta "log-head") first gets one ACTOR_IMPORT entry per
 * stored record, in key order; an issue-14 store's records are located
 * through its logidx, which stays frozen (meta "logidx-upto"). Nothing for
 * a store already upgraded. Returns 0 or an hb_err (err says why). */
int store_upgrade(store *s, char *err, size_t errlen);
/* The current body of the record under key in the open batch (copied into
 * s->obuf) and its records value (*rv zeroed for format 0). Returns 0,
 * MDB_NOTFOUND (no such record) or an hb_err. */
int store_current_get(store *s, const MDB_val *key, MDB_val *body, store_recval *rv);
/* store_current_get's answer for a records value v already found (v as
 * read in the open batch). */
int store_current_of(store *s, const MDB_val *v, MDB_val *body, store_recval *rv);

/* The open batch's cursor on db dbi (s->review or s->log), or on the
 * records db for the kind of records key key, opened at first use in the
 * batch and closed at its end (store_batch_cursors_drop). Returns 0 or an
 * hb_err. A writer of those dbs other than the cursor itself (a deletion,
 * a put through mdb_put) drops them after writing: LMDB adjusts cursors,
 * but one that is reopened needs no such trust. */
int store_batch_cursor(store *s, MDB_dbi dbi, MDB_cursor **out);
int store_batch_rcursor(store *s, const MDB_val *key, MDB_cursor **out);
void store_batch_cursor_drop(store *s, MDB_dbi dbi);
void store_batch_cursors_drop(store *s);

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
