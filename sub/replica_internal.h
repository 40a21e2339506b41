/* replica_internal.h: what the replica's files share (replica.c opens and
 * reads, replica_apply.c checks and replays entries, replica_sync.c
 * fetches them). The LMDB environment DATA/replica holds:
 *
 *   counties  key county code -> ReplicaCounty (huibao.proto)
 *   log       key county \0 n (uint64 BE) -> entry n's stored bytes, as
 *             the county stores them (its hash is the chain's)
 *   records   key county \0 unit \0 kind id (the county's records key
 *             after the county) -> ReplicaRecord: the entry of its last
 *             version, its review status, the entry of a held version
 *   lost      key county \0 epoch (uint64 BE) n (uint64 BE) -> an entry
 *             the replica held that a county restored from a backup no
 *             longer has (docs/replica.md "Epochs") */
#ifndef SUB_REPLICA_INTERNAL_H
#define SUB_REPLICA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "hb_lmdb.h"
#include "hb_sign.h"
#include "huibao/v1/huibao.pb-c.h"
#include "replica.h"

#define REPLICA_DIR "replica"
#define REPLICA_KEY_MAX 511
#define REPLICA_WHY_MAX 2048

struct sub_replica {
  hb_lmdb l;
  MDB_dbi counties, log, records, lost;
  bool readonly;
  const hb_sign_registry *reg; /* borrowed: sub_replica_set_registry */
};

/* What a record body says about itself (the body of any kind). */
typedef struct replica_row {
  char kind; /* 'A' 'P' 'I' 'C' 'R'; 0: no body */
  ProtobufCMessage *msg;
  const char *unit, *id, *campaign;
  uint64_t *version;
  bool deleted;
} replica_row;

/* Fills *out from rec's body. Returns 0 or HB_EINVAL (no body, no unit or id). */
int replica_row_of(const Huibao__V1__Record *rec, replica_row *out);

/* The log key county \0 n into buf (REPLICA_KEY_MAX); its length, 0 if too long. */
size_t replica_log_key(char *buf, const char *county, uint64_t n);
/* The records key county \0 unit \0 kind id; its length, 0 if too long. */
size_t replica_rec_key(char *buf, const char *county, const char *unit, char kind, const char *id);

/* The county's state in txn: *out (free_unpacked) or NULL when none. */
int replica_county_get(const sub_replica *r, MDB_txn *txn, const char *county,
                       Huibao__V1__ReplicaCounty **out);
int replica_county_put(const sub_replica *r, MDB_txn *txn, const char *county,
                       const Huibao__V1__ReplicaCounty *c);

/* Entry n of county in txn, unpacked into *out (free_unpacked). Returns 0,
 * HB_ENOTFOUND or HB_EDB. */
int replica_entry_get(const sub_replica *r, MDB_txn *txn, const char *county, uint64_t n,
                      Huibao__V1__LogEntry **out);

/* One reply's entries for county: checked (n continuous, prev = the hash
 * of the entry before) and replayed, in one write transaction. Applies up
 * to the first that does not check; that one marks the county broken
 * (ReplicaCounty.broken, naming the entry, unit and record). epoch: the
 * county's (0: unknown); delete_free: its campaigns with problem_delete =
 * free. *applied gets the entries applied. Returns 0 (a broken chain too)
 * or an hb_err (nothing applied). */
int replica_apply(sub_replica *r, const char *county, uint64_t epoch,
                  const ProtobufCBinaryData *entries, size_t n, char *const *delete_free,
                  size_t nfree, size_t *applied, char *err, size_t errlen);

/* Marks county broken with why (kept if it already is). */
int replica_mark_broken(sub_replica *r, const char *county, const char *why);

/* A restore at the county (docs/replica.md "Epochs"): the entries after
 * keep move to db lost under old_epoch, the records are replayed again
 * from entries 1..keep (no fetch), and the county takes epoch. */
int replica_rebase(sub_replica *r, const char *county, uint64_t keep, uint64_t epoch, char *err,
                   size_t errlen);

/* The digest of the hashes of entries from..to of county held (as the
 * county's audit: agg_detail_reply), in txn. */
int replica_audit_digest(const sub_replica *r, MDB_txn *txn, const char *county, uint64_t from,
                         uint64_t to, uint8_t out[32]);

#endif
