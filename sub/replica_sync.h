/* replica_sync.h: fetching the counties' history into the replica (issue
 * 15, docs/replica.md): one DEALER per county to its detail endpoint
 * (--detail EP, in --connect order), the ZeroMQ guide's Clone pattern with
 * the county's history index n as the sequence: the first fetch is the
 * snapshot (entries from 1), then updates (entries after what is held),
 * asked for on (re)connect, whenever a rollup shows a log head the replica
 * does not hold, and every SUB_REPLICA_POLL_MS; a rolling audit compares
 * the held entries' hashes with the county's. */
#ifndef SUB_REPLICA_SYNC_H
#define SUB_REPLICA_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include "replica.h"

#define SUB_REPLICA_POLL_MS 5000     /* a fetch at least this often */
#define SUB_REPLICA_TIMEOUT_MS 30000 /* a request unanswered this long is sent again */
#define SUB_REPLICA_BATCH_BYTES (4u << 20)
/* entries per audit request: no more than the county answers (AGG_DETAIL_AUDIT_MAX) */
#define SUB_REPLICA_AUDIT_CHUNK 50000
#define SUB_REPLICA_AUDIT_MS 5000 /* one audit request this often */

struct sub_cli;
typedef struct sub_replica_sync sub_replica_sync;

/* The links of cli (--detail EP per --connect endpoint, the city's --key
 * and each county's --server-key, or --insecure) for r. Returns 0 with
 * *out (sub_replica_sync_free), or an hb_err with err saying why. */
int sub_replica_sync_new(sub_replica_sync **out, sub_replica *r, const struct sub_cli *cli,
                         char *err, size_t errlen);
void sub_replica_sync_free(sub_replica_sync *s);

/* Runs the links in a thread of their own until sub_replica_sync_free.
 * Returns 0 or an hb_err. */
int sub_replica_sync_start(sub_replica_sync *s);

/* Endpoint ep's county published a rollup whose log head is n: fetch if
 * the replica holds less (thread-safe, does not block). */
void sub_replica_sync_hint(sub_replica_sync *s, size_t ep, uint64_t n);

/* One pass of every link: sends what is due, waits at most wait_ms for
 * replies and applies them. Returns 0 or an hb_err. */
int sub_replica_sync_step(sub_replica_sync *s, int wait_ms);

/* True when every link has fetched up to its county's head as its last
 * reply told it, with no request out. */
bool sub_replica_sync_caught_up(const sub_replica_sync *s);

/* Entries fetched and applied so far (all links). */
uint64_t sub_replica_sync_fetched(const sub_replica_sync *s);

#endif

/* The replica of run and serve (--detail): DATA/replica open read-write,
 * the city's registry (--unit-keys) loaded, the links' thread running. */
typedef struct sub_replica_run {
  sub_replica *r; /* NULL without --detail */
  sub_replica_sync *s;
  struct hb_sign_registry *reg;
} sub_replica_run;

/* Starts x for cli (nothing without --detail). Returns 0 or an exit code
 * after printing why. */
int sub_replica_run_start(sub_replica_run *x, const struct sub_cli *cli);
/* Stops the thread and closes the replica. */
void sub_replica_run_stop(sub_replica_run *x);
