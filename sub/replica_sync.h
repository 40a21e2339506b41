/* replica_sync.h: fetching the counties' history into the replica (issue
 * 15, docs/replica.md): one DEALER per county to its detail endpoint
 * (--detail EP, in --connect order), the ZeroMQ guide's Clone pattern with
 * the county's history index n as the sequence: the first fetch is the
 * snapshot (entries from 1), then updates (entries after what is held),
 * asked for on (re)connect, whenever a rollup shows a log head the replica
 * does not hold, and on a safety poll backing off from SUB_REPLICA_POLL_MS
 * to SUB_REPLICA_POLL_MAX_MS while nothing changes; a rolling audit compares
 * the held entries' hashes with the county's. */
#ifndef SUB_REPLICA_SYNC_H
#define SUB_REPLICA_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include "replica.h"

/* The safety poll (a fetch with no rollup asking for it): SUB_REPLICA_POLL_MS
 * after a (re)connect or a poll that found entries no rollup had shown,
 * then twice the last interval after each fetch, up to
 * SUB_REPLICA_POLL_MAX_MS (issue 17: quiet when idle; a rollup showing a
 * head not held still fetches at once). */
#define SUB_REPLICA_POLL_MS 5000
#define SUB_REPLICA_POLL_MAX_MS 60000
#define SUB_REPLICA_TIMEOUT_MS 30000 /* a request unanswered this long is sent again */
#define SUB_REPLICA_BATCH_BYTES (4u << 20)
/* entries per audit request: no more than the county answers (AGG_DETAIL_AUDIT_MAX) */
#define SUB_REPLICA_AUDIT_CHUNK 50000
/* The rolling audit: one request every SUB_REPLICA_AUDIT_MS while a pass
 * over the history held is under way; after a pass, the next starts
 * SUB_REPLICA_AUDIT_MS later, then twice the last gap after each pass with
 * nothing fetched meanwhile, up to SUB_REPLICA_AUDIT_MAX_MS; a (re)connect
 * or entries fetched make the next pass due SUB_REPLICA_AUDIT_MS after. */
#define SUB_REPLICA_AUDIT_MS 5000
#define SUB_REPLICA_AUDIT_MAX_MS 300000
/* The link's ZMTP heartbeats (the DEALER's PING; the county's detail ROUTER
 * pings every 60 s, aggregator/detail.c): they only find a half-open
 * connection (a closed one is seen at once), so they are rare. */
#define SUB_REPLICA_PING_MS 20000
#define SUB_REPLICA_PING_TIMEOUT_MS 45000

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
