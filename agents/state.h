/* state.h: the agent's on-disk state (LMDB in --state).
 *
 * Named databases:
 *   known   key kind-byte + id: 'A' activity, 'P' problem, 'I' indicator,
 *           'C' case (kinds.h; a state of the version before indicators and
 *           cases holds only 'A' and 'P' keys, which keep their meaning)
 *           value: version (uint64 big-endian) | flags (1 byte, bit 0 = deleted)
 *                  | content: the row's message packed with version = 0
 *           Change detection is an exact byte comparison of the content.
 *   outbox  key kind-byte + id, value: packed Record (seq, body) waiting for
 *           the county's ack. One pending record per id: a newer one replaces.
 *   meta    "floor": uint64 BE, the last version used;
 *           "seq": uint64 BE, the next outbox sequence number;
 *           "unit": the unit code this state belongs to;
 *           "epoch": uint64 BE, the county store's epoch of the last Ack
 *           that carried one (absent before the first);
 *           "decisions": uint64 BE, the highest Decision.n kept in feedback
 *           (issue 14; absent: 0);
 *           "zstd": uint64 BE epoch | 1 byte: whether the county of that
 *           epoch reads compressed Submits, as its last Ack said (issue 17,
 *           Ack.accepts_zstd; absent, or of another epoch: not known).
 *   feedback key Decision.n (uint64 BE), value: the packed Decision the
 *           county sent down (issue 14, agents/feedback.h).
 *
 * Versions are max(now in microseconds, floor + 1); floor is persisted in the
 * same transaction as the records that use it, so versions never go back,
 * not even when the clock does. Every function that writes does so in one
 * committed write transaction (hb_lmdb_write): on MDB_MAP_FULL it aborts,
 * grows the map and retries, and returns HB_EFULL only when the ceiling
 * stops it, HB_ENOSPC when the disk is full. */
#ifndef AGENT_STATE_H
#define AGENT_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "hb_ledger.h"
#include "hb_lmdb.h"
#include "hb_validate.h"

#define AGENT_KEY_MAX (1 + HB_ID_MAX) /* kind byte + id */
#ifdef _WIN32
/* Windows allocates data.mdb to the map size: start small, grow by doubling */
#define AGENT_STATE_MAP (1u * 1024 * 1024)
#else
#define AGENT_STATE_MAP (64u * 1024 * 1024)
#endif

typedef struct agent_state agent_state;

/* Opens (creating if needed) the state in dir for unit. A state written for
 * another unit is refused (HB_EINVAL), so one folder cannot mix two units'
 * versions. On failure *out is NULL and err says why. */
int agent_state_open(agent_state **out, const char *dir, const char *unit, char *err,
                     size_t errlen);
void agent_state_close(agent_state *s);

typedef struct agent_diff_stats {
  size_t added;   /* rows not known before (or known as deleted) */
  size_t changed; /* rows whose content differs from known */
  size_t unchanged;
  size_t tombstones; /* known rows gone from the ledger */
} agent_diff_stats;

/* Compares the ledger's valid rows with known and, in write transactions
 * committed before returning (one per DIFF_CHUNK rows, then one for the
 * tombstones: after a failure the rows already recorded stay, and the next
 * diff finds the rest), puts every new or changed row (and a tombstone
 * for every known, not deleted id that is neither a valid row nor in
 * l->invalid_ids) into the outbox with a new version, and updates known.
 * No tombstones are made for a table flagged incomplete (activities_,
 * problems_, indicators_ or cases_incomplete): its missing rows may only be
 * unreadable.
 * now_us is the clock (tests pass a fixed value). Rows whose id is longer
 * than HB_ID_MAX are skipped (the validator refuses them anyway).
 * Returns 0, HB_EFULL (state cannot grow), HB_ENOMEM or HB_EDB. */
int agent_state_diff(agent_state *s, const hb_ledger *l, int64_t now_us, agent_diff_stats *st);

/* Number of records waiting in the outbox (0 if it cannot be read). */
size_t agent_state_outbox_count(agent_state *s);

/* Visits outbox entries in key order. fn returns 0 to go on, nonzero to stop.
 * key/val are valid only during the call. */
typedef int (*agent_outbox_fn)(void *arg, const uint8_t *key, size_t keylen, const uint8_t *val,
                               size_t vallen);

/* Visits up to max entries whose key is greater than after[0..afterlen)
 * (afterlen 0: from the first). *visited gets the count visited. */
int agent_state_outbox_scan(agent_state *s, const uint8_t *after, size_t afterlen, size_t max,
                            agent_outbox_fn fn, void *arg, size_t *visited);

/* Visits the entry of one key; HB_ENOTFOUND if there is none. */
int agent_state_outbox_get(agent_state *s, const uint8_t *key, size_t keylen, agent_outbox_fn fn,
                           void *arg);

enum agent_outcome {
  AGENT_DONE = 1,       /* outbox entry removed (STORED, DUPLICATE, REJECTED) */
  AGENT_SUPERSEDED = 2, /* the outbox holds another seq for this id: nothing done */
  AGENT_RESEND = 3,     /* STALE: re-versioned above stored_version, send it again */
  AGENT_IGNORED = 4,    /* unknown result code: left in the outbox */
};

/* One county RecordResult matched to the outbox key it answers. */
typedef struct agent_result {
  const uint8_t *key;
  size_t keylen;
  uint64_t seq;
  int code;                /* Huibao__V1__ResultCode */
  uint64_t stored_version; /* for STALE */
  int outcome;             /* set by agent_state_apply: enum agent_outcome */
} agent_result;

/* Applies n results in one committed write transaction:
 * STORED/DUPLICATE delete the outbox entry if it still holds r->seq;
 * REJECTED also deletes the known entry (so the next run sends the row
 * again and the clerk sees the reason again: a row a county of an older
 * version refuses, such as an indicator, is sent on every sync until a
 * county that knows it stores it); STALE sets floor above
 * stored_version and rewrites the outbox entry with a new version and seq
 * (and known's version). Sets each r->outcome. */
int agent_state_apply(agent_state *s, agent_result *r, size_t n, int64_t now_us);

/* For agents/feedback.c only: the state's environment and its dbs meta
 * and feedback, which feedback.c reads and writes in its own transactions
 * (hb_lmdb_write; they touch neither floor nor seq). Owned by s. */
hb_lmdb *agent_state_lmdb(agent_state *s, MDB_dbi *meta, MDB_dbi *feedback);

/* The last version used (floor) and the next seq, as committed. */
uint64_t agent_state_floor(const agent_state *s);
uint64_t agent_state_next_seq(const agent_state *s);

/* Looks up known: *version and *deleted of key. HB_ENOTFOUND if unknown. */
int agent_state_known_get(agent_state *s, const uint8_t *key, size_t keylen, uint64_t *version,
                          int *deleted);

/* Visits every known entry in key order: its key, version, whether it is
 * a deletion, and its content (the row packed with version 0; empty for a
 * deletion). fn returns 0 to go on, nonzero to stop; what it gets is valid
 * only during the call, and it must not call other agent_state functions
 * (one read transaction is open). Returns 0, HB_EDB. */
typedef int (*agent_known_fn)(void *arg, const uint8_t *key, size_t keylen, uint64_t version,
                              int deleted, const uint8_t *content, size_t len);
int agent_state_known_each(agent_state *s, agent_known_fn fn, void *arg);

/* The county store's epoch last seen: returns 1 and sets *epoch, or 0 if
 * none was stored yet (*epoch = 0). */
int agent_state_epoch(const agent_state *s, uint64_t *epoch);

/* Stores the epoch (first contact with a county that sends one). */
int agent_state_epoch_set(agent_state *s, uint64_t epoch);

/* Issue 17: whether the county reads Submit.records_zstd, as the last Ack
 * of the stored epoch said: returns 1 and sets *accepts when known, 0 when
 * not (no Ack yet, or the county's epoch changed since: *accepts = 0). */
int agent_state_zstd(const agent_state *s, int *accepts);

/* Stores what an Ack of the county of epoch said (meta "zstd"). */
int agent_state_zstd_set(agent_state *s, uint64_t epoch, int accepts);

typedef struct agent_resend_stats {
  size_t rows;       /* known rows put in the outbox again */
  size_t tombstones; /* known deletions put in the outbox again */
} agent_resend_stats;

/* The county's store changed (another epoch: restored from a backup, or
 * replaced): what it acked may be gone. Puts every known entry into the
 * outbox again with a new version and seq: a row as its known content
 * (unpacked, version set), a deleted one as a tombstone; known takes the
 * new versions. Written in transactions of RESEND_CHUNK entries; the last
 * one stores epoch, so a run cut short does it all again next time.
 * A county that still holds a row answers DUPLICATE: nothing is counted
 * twice. Returns 0, HB_EFULL, HB_ENOMEM or HB_EDB (unreadable content). */
int agent_state_resend_all(agent_state *s, uint64_t epoch, int64_t now_us, agent_resend_stats *st);

/* Microseconds since the epoch (CLOCK_REALTIME). */
int64_t agent_now_us(void);

/* Issue 15: every record put into the outbox from now on is signed with
 * the unit's signing key sk (copied; docs/security.md "Signed records"):
 * one signature per version, kept in the outbox entry, so a record sent
 * again after an outage carries the same signature. */
void agent_state_sign_key_set(agent_state *s, const uint8_t sk[64]);

/* Signs, in one committed write transaction, every outbox entry that does
 * not carry a signature of the key set by agent_state_sign_key_set (made
 * before the unit had a key, or with another one); *signed_n gets how
 * many. Does nothing without a key. Returns 0, HB_EFULL, HB_ENOMEM, HB_EDB. */
int agent_state_outbox_sign(agent_state *s, size_t *signed_n);

#endif
