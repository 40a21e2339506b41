/* replica.h: the city's replica of its counties' records (issue 15,
 * docs/replica.md): every entry of each county's history, fetched from the
 * county's detail endpoint (snapshot + sequenced updates + a request for
 * what was missed: the ZeroMQ guide's Clone pattern, with the county's
 * history index n as the sequence), checked (the chain continuous and
 * never rewritten, each record's signature against the city's own
 * registry), and replayed into each county's current records and review
 * states. A province keeps those of its cities the same way.
 *
 * The replica lives in DATA/replica (its own LMDB environment beside the
 * store of store.h), written only by the process that runs the loop
 * (run, serve); list, verify, report read it at the same time. */
#ifndef SUB_REPLICA_H
#define SUB_REPLICA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_list.h"

typedef struct sub_replica sub_replica;

/* Opens (readonly: without creating or writing) the replica of the store
 * in data_dir. HB_ENOTFOUND when readonly and there is none. Returns 0 with
 * *out (free with sub_replica_close) or an hb_err, err saying why. */
int sub_replica_open(sub_replica **out, const char *data_dir, bool readonly, char *err,
                     size_t errlen);
void sub_replica_close(sub_replica *r);

/* Calls fn for every record of county (NULL: every county) that counts
 * now (hb_list.h: a deletion request as its held live version, no
 * tombstones), in (county, records key) order, in one read transaction;
 * county in each hb_list_rec is the county's source code. Stops and
 * returns fn's value if it is not 0; else 0 or an hb_err. */
int sub_replica_foreach(sub_replica *r, const char *county, hb_list_rec_fn fn, void *ctx, char *err,
                        size_t errlen);

/* What the replica knows of one county. */
typedef struct sub_replica_county {
  const char *county;      /* source code */
  uint64_t n;              /* entries held (1..n, continuous) */
  uint8_t hash[32];        /* hash of entry n */
  uint64_t epoch;          /* the county store's epoch the entries came from */
  bool broken;             /* the chain or the county's history did not check */
  const char *why;         /* when broken: what, naming the unit and record ("" else) */
  uint64_t records;        /* records that count now */
  uint64_t bad_signatures; /* of them, signed but not verifying against the registry */
} sub_replica_county;

/* Calls fn for every county the replica holds, in code order (the struct
 * is borrowed for the call). */
int sub_replica_counties(sub_replica *r, int (*fn)(void *ctx, const sub_replica_county *c),
                         void *ctx, char *err, size_t errlen);

/* The city's registry of unit signing keys (--unit-keys; hb_sign.h) the
 * replica checks each record's signature against as it replays it
 * (borrowed: it must outlive r; NULL: none, every signed record is
 * HB_LIST_SIG_UNKNOWN). */
struct hb_sign_registry;
void sub_replica_set_registry(sub_replica *r, const struct hb_sign_registry *reg);

/* What the replica's own copy of county's history entry n is about: the
 * unit (unit, ulen bytes) and the record as kind byte + id (rec, rlen
 * bytes), both "" when the entry is about no single record (a unit's
 * removal). A finding about a changed or removed entry names them even
 * when the county no longer has it. Returns 0, HB_ENOTFOUND (not held) or
 * an hb_err. */
int sub_replica_entry_about(sub_replica *r, const char *county, uint64_t n, char *unit, size_t ulen,
                            char *rec, size_t rlen);

struct sub_cli;
/* One-shot: fetches from every county of cli (--connect, --detail, keys)
 * everything r does not hold yet, then returns (list --connect without
 * --data uses a replica in a temporary directory). Returns 0 or an hb_err. */
int sub_replica_catch_up_once(sub_replica *r, const struct sub_cli *cli, int64_t timeout_ms,
                              char *err, size_t errlen);

#endif
