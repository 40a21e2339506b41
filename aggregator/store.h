/* store.h: the aggregator's LMDB store and its in-memory aggregates.
 *
 * Databases (docs/architecture.md "Storage"): records, aggs, meta. Every
 * aggregate is also kept in memory (units x campaigns, small) and the two
 * are equal whenever no batch is open: a batch changes working copies, and
 * only store_batch_run, after mdb_txn_commit returned 0, swaps them in.
 *
 * One batch = one write transaction = one drain of the ROUTER socket:
 * store_batch_run runs the caller's function, which calls store_batch_put
 * (per valid record) and store_batch_sync (per stored Submit), then writes
 * the aggregates and commits. When the map is full it grows the map and
 * runs the function again (hb_lmdb_write). */
#ifndef AGG_STORE_H
#define AGG_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "aggmap.h"
#include "hb_period_facts.h"
#include <lmdb.h>
#include "huibao/v1/huibao.pb-c.h"

/* meta "epoch": 8 bytes (uint64 BE), random, never 0. It names this store
 * for the agents and the city (Ack.epoch, Rollup.epoch): a store restored
 * from a backup has an epoch they never saw, so they know that what it
 * acked after the backup is gone and send it again (docs/protocol.md).
 * meta "epoch-renew" (any value): set by `huibao-aggregator backup` in the
 * copy; the store opened read-write replaces its epoch and drops the mark. */
#define STORE_META_EPOCH "epoch"
#define STORE_META_EPOCH_RENEW "epoch-renew"
/* meta "admin-gen": uint64 BE, bumped by every change that
 * `huibao-aggregator admin` commits (a second process: LMDB serialises
 * its write transaction with the service's). The service compares it with
 * the one it loaded, inside each write transaction and every few hundred
 * ms, and reloads its memory (aggregates, seqs, usage) when it moved. */
#define STORE_META_ADMIN "admin-gen"
/* meta "admin-last": text, what the last admin change did (logged by the
 * service when it reloads). */
#define STORE_META_ADMIN_NOTE "admin-last"

/* The default per-unit quota (unit-quota-records =, unit-quota-bytes =):
 * far above a township's ledgers (a few thousand rows of a few hundred
 * bytes), far below a disk. */
#define STORE_QUOTA_RECORDS 200000ull
#define STORE_QUOTA_BYTES (256ull << 20)

typedef struct store store;

/* Opens (creating) the store in dir. mapsize 0 = default; map_max 0 =
 * unlimited growth. Loads all aggregates and meta into memory. */
int store_open(store **out, const char *dir, size_t mapsize, size_t map_max, char *err,
               size_t errlen);
/* Opens an existing store read-only (verify); HB_ENOTFOUND if none. */
int store_open_readonly(store **out, const char *dir, char *err, size_t errlen);
void store_close(store *s);
/* The id of the store's last committed write transaction (LMDB's
 * me_last_txnid): it changes with every commit, by this process or another
 * (a review, the running service). 0 if LMDB cannot say. */
uint64_t store_last_txnid(const store *s);
/* The transaction whose state memory (the aggregates) was last loaded from:
 * store_last_txnid(s) != store_loaded_txnid(s) means a commit since. */
uint64_t store_loaded_txnid(const store *s);

/* The in-memory aggregates (owned by the store; valid until the next commit). */
const aggmap *store_aggs(const store *s);
const hb_agg *store_agg(const store *s, const char *campaign, const char *unit);
uint64_t store_seq(const store *s, const char *campaign);
/* The store's epoch (never 0 after store_open; 0 for a read-only open of
 * a store that has none yet). */
uint64_t store_epoch(const store *s);
/* A new random epoch (getrandom), never 0. HB_EIO if getrandom fails. */
int store_epoch_new(uint64_t *epoch);
/* Puts meta "epoch" = epoch and deletes "epoch-renew" in txn (an open
 * write transaction on a store's meta db). Returns an LMDB code. */
int store_epoch_write(MDB_txn *txn, MDB_dbi meta, uint64_t epoch);
/* Unix seconds of the unit's last stored batch, 0 = never. */
int64_t store_last_sync(const store *s, const char *unit);

/* The caller's part of a batch: calls store_batch_put and store_batch_sync
 * on s, and returns 0 to have the batch committed, else an hb_err to have
 * it abandoned (pass store_batch_put's on: HB_EFULL makes the map grow).
 * It may be called more than once for one batch (after the map grew):
 * each call must start from scratch, keeping nothing an earlier call
 * decided. */
typedef int (*store_batch_fn)(store *s, void *arg);

/* Runs fn(s, arg) in one write transaction, then writes the touched
 * aggregates, seq/<campaign> bumps and sync times, and commits. On
 * MDB_MAP_FULL it aborts, grows the map (up to map_max) and runs fn again.
 * On 0 the in-memory state is updated and store_changed lists the campaigns
 * whose seq grew. Else nothing was stored, memory is unchanged, err says
 * why ("commit: No space left on device") and the code is fn's, HB_EFULL
 * (the map cannot grow), HB_ENOSPC (disk full), HB_EIO, HB_EDB, or
 * HB_EINVAL (a read-only store, or called from inside fn). */
int store_batch_run(store *s, store_batch_fn fn, void *arg, char *err, size_t errlen);

/* The fields every row kind shares, read from a Record's body (borrowed
 * from it). kind is the byte of the records db key and of the agent's
 * state: 'A' activity, 'P' problem, 'I' indicator, 'C' case, 'R' 报送. */
typedef struct store_row {
  char kind;
  ProtobufCMessage *msg; /* the body */
  const char *unit, *id, *campaign;
  char **campaign_slot; /* where campaign lives, to canonicalise it */
  uint64_t *version;
  bool deleted;
} store_row;

/* Fills *out from rec's body. Returns 0, or HB_EINVAL if rec has none. */
int store_row_of(Huibao__V1__Record *rec, store_row *out);
/* The kind byte of a Record body case, 0 for none. */
char store_row_kind(Huibao__V1__Record__BodyCase body);

/* Applies one record of the given unit (already validated and canonical);
 * only inside store_batch_run's fn. rec carries one body of any kind. Sets
 * *code to one of HUIBAO__V1__RESULT_CODE__STORED / DUPLICATE / STALE /
 * REJECTED (the record cannot be counted; *reason says why) and
 * *stored_version for STALE. The body's version field is used as is (it is
 * temporarily changed and restored). Returns 0, HB_EFULL (map full: fn
 * returns it, the batch runs again in a larger map), or another hb_err. */
int store_batch_put(store *s, Huibao__V1__Record *rec, int *code, uint64_t *stored_version,
                    const char **reason);
/* store_batch_put of a record whose body packs to body[0..blen) (issue
 * 17: the bytes received, when hb_wire_canonical proved it), stored and
 * hashed as they are instead of packing the body again; body NULL: packed. */
int store_batch_put_body(store *s, Huibao__V1__Record *rec, const uint8_t *body, size_t blen,
                         int *code, uint64_t *stored_version, const char **reason);

/* Records that unit had a batch stored now (meta sync/<unit>); only
 * inside store_batch_run's fn. */
int store_batch_sync(store *s, const char *unit, int64_t now_s);

/* Campaign ids changed by the last successful store_batch_run (valid until
 * the next one). */
size_t store_changed(const store *s, const char *const **ids);

/* Frees the reader slots of processes that died holding a read
 * transaction (mdb_reader_check); *cleared gets how many. */
int store_reader_check(store *s, int *cleared);

/* Bytes of the map in use and the map size (for the metrics). */
void store_usage(store *s, size_t *used, size_t *mapsize);

/* Number of removals that did not match the aggregate (should stay 0). */
uint64_t store_inconsistencies(const store *s);

/* Calls fn for every stored record (tombstones included), in key order, in
 * a read transaction. rec (borrowed for the call) has the one body of the
 * record's kind; its seq is 0. Stops and returns fn's value if it is not 0. */
typedef int (*store_record_fn)(void *ctx, const Huibao__V1__Record *rec);
int store_records_foreach(store *s, store_record_fn fn, void *ctx, char *err, size_t errlen);

/* Each unit may hold at most records records and bytes bytes of packed
 * records (tombstones count): store_batch_put answers REJECTED (with the
 * figures) for a record that would grow a unit beyond either; shrinking
 * always passes. 0 = the default (STORE_QUOTA_*). */
void store_set_quota(store *s, uint64_t records, uint64_t bytes);
/* What unit holds now (committed). */
void store_usage_of(const store *s, const char *unit, uint64_t *records, uint64_t *bytes);

/* Makes s an admin's store: every batch first reloads memory from its own
 * write transaction (the service may have written since the open) and
 * bumps meta "admin-gen", so that the running service notices. */
void store_set_admin(store *s);

/* Inside store_batch_run's fn: meta "admin-last" = text. */
int store_batch_note(store *s, const char *text);
/* What meta "admin-last" held at the last reload by store_poll_external. */
const char *store_admin_note(const store *s);

/* The running service's side: if another process changed the store
 * (meta "admin-gen" moved) or a batch already reloaded for that reason,
 * reloads memory and sets *changed (then every campaign must be published
 * again: seqs moved). Not inside a batch. Returns 0 or an hb_err. */
int store_poll_external(store *s, bool *changed, char *err, size_t errlen);

/* Inside store_batch_run's fn: deletes the record (unit, kind 'A', 'P',
 * 'I', 'C' or 'R', id) outright (no tombstone: any later version is stored), taking it out
 * of its aggregate (whose campaign's seq is bumped) and of the unit's
 * usage. *version gets the version it had. HB_ENOTFOUND if none. */
int store_batch_remove(store *s, const char *unit, char kind, const char *id, uint64_t *version);
/* Inside store_batch_run's fn: deletes every record of unit (and its
 * sync time) the same way; *removed gets how many. */
int store_batch_remove_unit(store *s, const char *unit, size_t *removed);

/* Issue 13: the period facts of (campaign, unit) as committed (borrowed,
 * valid until the next commit), NULL if none (hb_period_facts.h). The
 * store notes them itself in store_batch_put: a STORED change of any row
 * kind but 'R' notes a change for the campaign(s) it touches; a stored
 * 报送 row ('R') notes a report fact through store_batch_note_report. */
const hb_period_facts *store_period_facts(const store *s, const char *campaign, const char *unit);
/* Inside store_batch_run's fn: the county's clock for the facts noted by
 * this batch (ingest calls it first; 0 = do not note). */
void store_batch_clock(store *s, int64_t now_s);
/* Inside store_batch_run's fn: a version of 报送 row id of unit was stored
 * (or deleted: period NULL) for period of campaign (ingest resolves 本期
 * and the campaigns a row without campaign applies to). */
int store_batch_note_report(store *s, const char *campaign, const char *unit, const char *period,
                            const char *id, bool nothing_new);

/* ---------------------------------------------------------------- issue 14
 * Review, history and accounts (docs/review.md; dbs in docs/architecture.md
 * "Storage"). */

/* The store's environment and databases, for read transactions of other
 * threads (the console's HTTP threads: LMDB allows a read transaction per
 * thread) and of the review, history and list commands. Never written
 * through: every change goes through a batch of the process that owns s. */
typedef struct store_dbs {
  MDB_env *env;
  MDB_dbi records, meta, review, log, logidx, decisions, accounts;
  bool has_review; /* false: a read-only store of a version before issue 14 */
  /* issue 15 (perf): the records value's format (store_log.h; 0: the
   * packed body, a store not yet upgraded), the removed records' last
   * entries (db "gone", valid when has_gone) and the frozen logidx's end */
  int records_format;
  bool has_gone;
  MDB_dbi gone;
  uint64_t logidx_upto;
} store_dbs;
void store_dbs_get(const store *s, store_dbs *out);

/* Meta "log-head": uint64 BE n, then the 32-byte hash of entry n. */
#define STORE_META_LOG_HEAD "log-head"

/* The history's head as committed: entries so far and the hash of the
 * last (32 zero bytes when n = 0). For Rollup.log. */
void store_log_head(const store *s, uint64_t *n, uint8_t hash[32]);

/* A reviewer's decision (store_review.c, H2). */
typedef struct store_decision_req {
  const char *unit, *id;
  char kind;            /* 'A' or 'P' */
  int action;           /* hb_review_action */
  const char *reason;   /* required for return, reopen, refuse-delete */
  const char *reviewer; /* the account that decided */
} store_decision_req;

/* Inside store_batch_run's fn: applies the decision with the batch clock
 * (store_batch_clock; else now): checks it against the record's status
 * (hb_review_decide), moves the aggregates (the review counts; an approved
 * deletion takes the held version out), writes the review entry, the
 * Decision (db "decisions", key unit \0 n, n its history index) and the
 * history entry (ACTOR_REVIEWER); bumps the campaign's seq. *out_n gets n.
 * Returns 0; HB_ENOTFOUND (no such record: *why says so), HB_ESTATE (*why:
 * the status forbids it), HB_EINVAL (a reason missing), or an hb_err. */
int store_batch_decide(store *s, const store_decision_req *req, uint64_t *out_n, const char **why);

/* The review entry of record (unit, kind, id) in txn (a read or write
 * transaction on d's env): *out (NULL when the status is NONE) to free
 * with huibao__v1__review_state__free_unpacked. Returns 0 or an hb_err. */
int store_review_get(MDB_txn *txn, const store_dbs *d, const char *unit, char kind, const char *id,
                     Huibao__V1__ReviewState **out);

/* The decisions on unit with n > after, in n order, at most max (store_decisions.c,
 * H4), read in txn: out[0..*count) to free with store_decisions_free;
 * *more when more wait. Returns 0 or an hb_err. */
int store_decisions_after(MDB_txn *txn, const store_dbs *d, const char *unit, uint64_t after,
                          size_t max, Huibao__V1__Decision ***out, size_t *count, bool *more);
void store_decisions_free(Huibao__V1__Decision **v, size_t count);

/* ---------------------------------------------------------------- issue 15
 * Calls fn for every record of unit (NULL: every unit) that counts now, in
 * key order, in one read transaction on d's env (store_list.c): the
 * current version with its review state, stored time and history index; a
 * deletion request as its held live version; tombstones not at all
 * (hb_list.h). county of each hb_list_rec is "". Stops and returns fn's
 * value if it is not 0; else 0 or an hb_err (err says why). */
struct hb_list_rec;
/* The current version of a record whose records db value is v (read in
 * txn, a transaction on d's env): *body gets its packed body (borrowed
 * from txn), *n its history index and *stored_s the county's clock when it
 * was stored (both 0 when unknown). The one reader of a records db value
 * outside store.c: the value's layout is store.c's business (the perf
 * work may change it). Returns 0 or an hb_err (HB_EDB: damaged). */
int store_dbs_current(MDB_txn *txn, const store_dbs *d, const MDB_val *v, MDB_val *body,
                      uint64_t *n, int64_t *stored_s);
int store_list_foreach(const store_dbs *d, const char *unit,
                       int (*fn)(void *ctx, const struct hb_list_rec *r), void *ctx, char *err,
                       size_t errlen);
/* Reloads the in-memory aggregates from the aggs db. */
int store_reload_aggs(store *s, char *err, size_t errlen);

#endif
