/* loop.h: the one loop of huibao-sub. snapshot (and the one-shot gathering
 * of report and export), watch, run and serve all run it; what differs is
 * which steps they switch on. One pass is:
 *
 *   1. receive  wait (at most poll_ms, less when republishing or near the
 *               deadline) for one rollup on net; refuse it (logged, counted)
 *               when its source code and its endpoint are not bound to each
 *               other (sub_net_claim) or its as_of is from the future
 *               (collect.h); else offer it to the collection, keyed by the
 *               rollup's source (or by endpoint);
 *               new seqs, restored counties and counties heard again are
 *               logged;
 *   2. stale    mark stale the pairs that heard nothing for their stale time
 *               (logged with log_stale); then, with verify (issue 15), check
 *               again each county whose rollups or replica moved (verify.h);
 *   3. change   at most every SUB_LOOP_CHANGE_MS, when some entry is dirty
 *               (or on_pending says so): on_change (watch redraws, serve
 *               publishes the dashboard), then store the dirty view and
 *               history in store, or, without a store, clear the dirty
 *               flags;
 *   4. republish answer handshakes and subscriptions; when something is
 *               due, store first (what a province holds was stored here
 *               first, republish.h), then send; SIGHUP (sub_loop_reload) reads
 *               the subscriber keys again;
 *   5. end      after the deadline, when done says so, or on sub_loop_stop; a
 *               loop that ends without an error stores what is dirty.
 *
 * The loop borrows everything; it owns nothing and opens nothing. */
#ifndef SUB_LOOP_H
#define SUB_LOOP_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include "collect.h"
#include "history.h"
#include "net.h"
#include "republish.h"
#include "store.h"
#include "verify.h"

#define SUB_LOOP_POLL_MS 100 /* longest wait for a message */
#define SUB_LOOP_CHANGE_MS                                                                         \
  250 /* changes are coalesced: at most 4 redraws, pushes, stores a second */

/* Set by the program's SIGINT/SIGTERM handler: every loop ends at its next
 * pass. */
extern volatile sig_atomic_t sub_loop_stop;
/* Set by the SIGHUP handler of `run`: the republish step reads the
 * subscriber keys again. */
extern volatile sig_atomic_t sub_loop_reload;

typedef struct sub_loop_opts {
  /* 1. receive (net is required) */
  sub_net *net;
  const char *campaign; /* only this campaign's rollups are offered (NULL: all) */
  bool key_by_endpoint; /* origin = the endpoint (snapshot), else the rollup's source */
  bool log_malformed;   /* log the count of malformed messages when it grows */
  const char *bindings; /* NULL; else the file where a code bound to an endpoint is kept
                           (sub_net_bindings_save), so a restart binds it again */
  /* 2. stale */
  bool mark_stale;
  int64_t stale_after_ms; /* 0: 3 x each publisher's heartbeat (collect.h) */
  bool log_stale;         /* log each pair that becomes stale */
  /* 3. change */
  int (*on_change)(void *arg, sub_collect *c, int64_t now_ms); /* NULL: none; 0 or an hb_err */
  bool (*on_pending)(void *arg, int64_t now_ms); /* NULL; true: a change step is due anyway */
  sub_store *store;     /* NULL: nothing stored, dirty flags only cleared */
  sub_history *history; /* NULL: none; else stored with the view */
  sub_verify *verify;   /* issue 15: NULL; else sub_verify_step after step 2 */
  /* 4. republish */
  sub_republish *republish;    /* NULL: none */
  const char *subscriber_keys; /* for the log of a key reload */
  /* issue 15: the replica's links (replica_sync.h), told each county's log head; NULL: none */
  struct sub_replica_sync *replica;
  /* 5. end */
  int64_t deadline_ms;                           /* monotonic; 0: none */
  bool (*done)(void *arg, const sub_collect *c); /* NULL; true: end */
  void *arg;                                     /* of the hooks */
} sub_loop_opts;

/* Runs passes over c until the end (step 5). Returns 0 when it ended
 * without an error (c stored, with a store), else the hb_err of the step
 * that failed, after logging it: a socket error of receive, an error of
 * on_change, or a failed store (the loop ends at once, nothing more is
 * stored). Errors of republishing are logged and never end the loop. */
int sub_loop_run(const sub_loop_opts *o, sub_collect *c);

#endif
