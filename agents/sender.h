/* sender.h: sends the outbox to the county over a DEALER socket and applies
 * the county's acks to the state.
 *
 * Up to `window` Submits are in flight; each carries up to `batch` records
 * read from the outbox in key order. An Ack is matched to its Submit by
 * batch_id (unknown ids are ignored: the answer to a resent Submit whose
 * first answer already came). Submits in flight are sent again, unchanged,
 * when the connection they went on closed (the county restarted, the link
 * went: the socket monitor's events), and the oldest one when its Ack is
 * later than a safety timer of at least resend_ms that grows with the Acks'
 * pace and its size (sender.c head_wait_ms: on a slow link a Submit waits
 * seconds in the TCP buffer, and a copy sent behind it only doubles the
 * bytes). Resending is safe because the county keeps the highest version
 * per key. Acks received
 * together are applied in one committed state transaction.
 *
 * Records of the kinds an older county cannot read (indicators, cases:
 * kinds.h old_county_refuses) travel in Submits of their own: such a county
 * refuses the whole Submit, and the refusal then keeps only them in the
 * outbox (agent_send_stats.held) while the other rows are stored.
 *
 * Timeout: timeout_ms is the longest the sender waits WITHOUT PROGRESS (an
 * ack that matched a Submit in flight); a long sync that keeps receiving
 * acks is never cut off. While the connection is up and a Submit is on its
 * way, the wait is at least twice that Submit's safety timer (a slow link
 * still draining the window is not a county that stopped answering). */
#ifndef AGENT_SENDER_H
#define AGENT_SENDER_H

#include "hb_cert.h"
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include "state.h"

typedef struct agent_send_opts {
  const char *endpoint;
  const char *unit;
  const char *agent_version;   /* may be NULL */
  int timeout_ms;              /* without progress; see above */
  int window;                  /* Submits in flight, >= 1 */
  int batch;                   /* records per Submit, 1..HB_WIRE_MAX_BATCH */
  int resend_ms;               /* the least safety timer of a Submit (see above) */
  int retry_ms;                /* wait after an Ack with retry = true */
  volatile sig_atomic_t *stop; /* set by a signal handler: stop early; may be NULL */
  const hb_cert *key;          /* CURVE client key pair; NULL = plain TCP */
  const char *county_public;   /* the county's Z85 public key, with key */
  int probe;                   /* outbox empty: send one Submit without records,
                                * to learn the county's epoch from its Ack */
  /* Issue 14: called once for each of the county's decisions newly kept
   * (feedback.h), in n order, after its commit; may be NULL. */
  void (*on_decision)(void *arg, const Huibao__V1__Decision *d);
  void *decision_arg;
} agent_send_opts;

typedef struct agent_send_stats {
  size_t sent; /* records sent (resends of the same Submit not counted) */
  size_t stored, duplicate, stale, rejected;
  size_t pending;               /* records left in the outbox at the end */
  char error[1024];             /* Ack.error of the county: why it refused a batch, or
                                 * why it asked to retry (then retried is 1) */
  int retried;                  /* the county asked to resend later (Ack.retry) */
  char handshake[256];          /* on a timeout: why the connection never came up, when
                                 * the handshake events say (key refused...), else "" */
  size_t held;                  /* records the county could not read (an indicator or a case
                                 * sent to a county of the version before them): kept in the
                                 * outbox, counted in pending too, sent again next time */
  char held_error[256];         /* ...the county's words */
  size_t decisions;             /* the county's decisions newly kept (issue 14) */
  int epoch_changed;            /* an Ack carried another epoch than the state's */
  uint64_t epoch;               /* ...this one (not stored yet) */
  int reconnects;               /* connections to the county that closed during the run (what
                                 * was in flight on them was sent again) */
  size_t submits, submits_zstd; /* Submits handed to the socket (resends too); of them
                                 * with records_zstd (issue 17) */
  size_t bytes, bytes_plain;    /* their bytes; what they were before compression */
} agent_send_stats;

/* agent_send's answer when an Ack carried an epoch other than the one the
 * state holds: the county's store was restored or replaced. The acks
 * received were applied; the caller re-sends everything
 * (agent_state_resend_all with st->epoch) and sends again. */
#define AGENT_SEND_EPOCH_CHANGED 1

/* Called once per REJECTED record, after its removal was committed.
 * kind is the key byte of kinds.h ('A', 'P', 'I', 'C'); field and reason
 * may be NULL. */
typedef void (*agent_reject_fn)(void *arg, char kind, const char *id, const char *field,
                                const char *reason);

/* Sends everything in the outbox (nothing, or the probe of o->probe, when
 * it is empty). Every Submit says decisions_after (the state's meta
 * "decisions"); the decisions an Ack brings are kept (feedback.h) and told
 * through o->on_decision, and when the county says more are waiting, one
 * more probe asks for them in the same run. Decisions in an Ack whose epoch
 * differs from the state's are not kept (the caller resets them, below). The first Ack with an
 * epoch stores it in the state if the state has none. Returns: 0             every record acked
 * (STORED, DUPLICATE or REJECTED), except st->held ones (an older county could not read them);
 *   AGENT_SEND_EPOCH_CHANGED  the county's epoch changed (see above);
 *   HB_ETIMEDOUT  no progress within timeout_ms (or *stop set): the rest
 *                 stays in the outbox (st->pending);
 *   HB_EPROTO     the county refused a batch (st->error);
 *   HB_EFULL, HB_EIO, HB_EDB  the state could not be written;
 *   HB_EZMQ, HB_ENOMEM.
 * st is filled in every case. */
int agent_send(agent_state *s, const agent_send_opts *o, agent_reject_fn on_reject, void *arg,
               agent_send_stats *st);

#endif
