/* replica_link.h: one county's link of the replica (replica_link.c),
 * driven by replica_sync.c. */
#ifndef SUB_REPLICA_LINK_H
#define SUB_REPLICA_LINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "hb_handshake.h"
#include "replica.h"

typedef enum { LINK_FETCH, LINK_SCAN, LINK_BISECT } link_phase;
/* What a search is for: the rolling audit (a difference breaks the
 * county), or the common past after a restore (a rebase). */
typedef enum { LINK_ROLL, LINK_REBASE } link_purpose;

typedef struct replica_link {
  sub_replica *r;
  void *sock;      /* DEALER to the county's detail endpoint */
  hb_handshake hs; /* its connections: a (re)connect asks at once, a drop ends the wait */
  int hs_ok, hs_down;
  const char *ep;        /* its endpoint (borrowed from the command line) */
  const char *code;      /* --server-code, NULL: learned from the first reply */
  char county[128];      /* the county's code, "" until the first reply */
  _Atomic uint64_t want; /* the head a rollup showed (sub_replica_sync_hint) */
  uint64_t req_want;     /* want when the fetch out was sent */
  uint64_t next_id;
  bool inflight, req_audit, more, synced;
  int64_t sent_ms, next_poll_ms, next_audit_ms;
  /* the back-offs while nothing changes (replica_sync.h): the safety poll's
   * interval and the gap between audit passes, 0: the shortest */
  int64_t poll_ivl_ms, audit_gap_ms;
  uint64_t req_after;
  uint8_t req_hash[32];
  uint64_t head;    /* the county's head as its last reply said */
  uint64_t fetched; /* entries applied from this link */
  uint64_t bad;     /* replies that did not decode */
  /* the audit asked (a reply for another range is no answer), and whether
   * such a reply was logged (once per link) */
  uint64_t req_from, req_to;
  bool range_warned;
  /* the audit's scan (lo..end in chunks) and bisection (lo..hi) */
  link_phase phase;
  link_purpose purpose;
  uint64_t lo, hi, end, audited, new_epoch;
  bool pass_end; /* the rolling audit's chunk out ends at the last entry held */
} replica_link;

/* Reads the connection events: after a (re)connect or a drop, the
 * request out is given up and the next one goes at once. */
void replica_link_events(replica_link *l);

/* Sends the request that is due (a probe, a fetch, an audit), if any and
 * none is out. Returns 0 or an hb_err. */
int replica_link_due(replica_link *l, int64_t now);
/* Receives and handles one reply. Returns 1 if one was there, 0 if none,
 * or an hb_err. */
int replica_link_recv(replica_link *l, int64_t now);

#endif
