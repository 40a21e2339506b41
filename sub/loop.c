/* loop.c: the one loop of huibao-sub (see loop.h). */
#include "loop.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"
#include "cli.h"
#include "hb_log.h"
#include "metrics.h"
#include "replica_sync.h"

volatile sig_atomic_t sub_loop_stop;
volatile sig_atomic_t sub_loop_reload;

#define REFUSED_LOG_MS 60000 /* an endpoint's refusals are logged at most once a minute */

/* What one run of the loop remembers between passes. */
typedef struct loop_state {
  int64_t last_change; /* monotonic ms of the last change step */
  size_t last_bad;     /* malformed messages logged so far */
  int rp_err;          /* the last republish error logged (not repeated) */
  int verify_err;      /* the last verify error logged (not repeated) */
  /* per endpoint: rollups refused (sub_net_claim, the clock), and when last logged */
  uint64_t refused[SUB_MAX_ENDPOINTS];
  int64_t refused_logged_ms[SUB_MAX_ENDPOINTS];
} loop_state;

/* Logs a refused rollup of endpoint ep, the first one and then at most
 * once every REFUSED_LOG_MS with the count (a publisher repeats its rollups
 * every heartbeat: no log line each). */
static void log_refused(const sub_loop_opts *o, loop_state *st, size_t ep,
                        const Huibao__V1__Rollup *r, const char *why)
{
  if (ep >= SUB_MAX_ENDPOINTS)
    return;
  uint64_t n = ++st->refused[ep];
  int64_t now = hb_time_mono_ms();
  if (n > 1 && now - st->refused_logged_ms[ep] < REFUSED_LOG_MS)
    return;
  st->refused_logged_ms[ep] = now;
  hb_log_warn("refused a rollup from %s (source %s, campaign %s, seq %" PRIu64 "): %s (%" PRIu64
              " refused from there so far)",
              o->net->eps[ep], r->source, r->campaign, r->seq, why, n);
}

/* Whether endpoint ep may give r (sub_net_claim, and its as_of against
 * the clock). Returns 1 if so, 0 after logging and counting the refusal,
 * HB_ENOMEM. */
static int admit(const sub_loop_opts *o, loop_state *st, size_t ep, const Huibao__V1__Rollup *r)
{
  char why[768];
  const char *reason;
  int64_t wall = hb_time_now_ms();
  if (sub_collect_from_future(r, wall)) {
    reason = "future";
    snprintf(why, sizeof why, "its as_of is %.0f s ahead of this clock (at most %d s allowed)",
             (double)(r->as_of_ms - wall) / 1000.0, SUB_COLLECT_MAX_SKEW_MS / 1000);
  } else {
    size_t other;
    int cl = sub_net_claim(o->net, ep, r->source, &other);
    if (cl < 0)
      return cl;
    if (cl == SUB_CLAIM_BOUND) {
      hb_log_notice("%s speaks for source %s (no other endpoint may)", o->net->eps[ep], r->source);
      if (o->bindings && sub_net_bindings_save(o->net, o->bindings) != 0)
        hb_log_warn("could not write %s: a restart will bind source %s again", o->bindings,
                    r->source);
    }
    if (cl == SUB_CLAIM_OK || cl == SUB_CLAIM_BOUND)
      return 1;
    reason = "source";
    if (cl == SUB_CLAIM_TAKEN)
      snprintf(why, sizeof why, "source %s belongs to %s", r->source, o->net->eps[other]);
    else
      snprintf(why, sizeof why, "this endpoint speaks for source %s %s", o->net->codes[ep],
               o->net->configured ? "(--server-code)" : "(its first rollup, kept)");
  }
  log_refused(o, st, ep, r, why);
  sub_metrics_refused(reason);
  return 0;
}

/* Logs what a kept rollup changed for its pair. */
static void log_kept(const char *origin, const char *campaign, bool had_old, uint64_t old_seq,
                     bool epoch_changed, uint64_t seq)
{
  if (epoch_changed)
    hb_log_notice("county %s campaign %s: its store changed (restored from a backup?): "
                  "seq %" PRIu64 " -> %" PRIu64 " taken",
                  origin, campaign, old_seq, seq);
  else if (!had_old)
    hb_log_info("county %s campaign %s: seq %" PRIu64, origin, campaign, seq);
  else if (seq != old_seq)
    hb_log_info("county %s campaign %s: seq %" PRIu64 " -> %" PRIu64, origin, campaign, old_seq,
                seq);
}

/* Step 1: waits at most wait_ms for one rollup on o->net and offers it to
 * c, if its endpoint may give it (admit). Returns 1 if kept, 0 if not
 * (timeout, another campaign, refused, older, too many pairs), <0 on a
 * socket error or HB_ENOMEM. */
static int receive(const sub_loop_opts *o, sub_collect *c, loop_state *st, int wait_ms)
{
  size_t ep;
  Huibao__V1__Rollup *r = NULL;
  int rc = sub_net_recv(o->net, wait_ms, &ep, &r);
  sub_metrics_malformed(o->net->bad);
  sub_metrics_view(c);
  if (rc <= 0)
    return rc;
  if (o->campaign && strcmp(r->campaign, o->campaign) != 0) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return 0;
  }
  if ((rc = admit(o, st, ep, r)) != 1) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return rc;
  }
  if (o->replica && r->log) /* a head the replica may not hold: fetch (replica_sync.h) */
    sub_replica_sync_hint(o->replica, ep, r->log->n);
  char origin[512], campaign[512];
  snprintf(origin, sizeof origin, "%s", o->key_by_endpoint ? o->net->eps[ep] : r->source);
  snprintf(campaign, sizeof campaign, "%s", r->campaign);
  sub_entry *old = sub_collect_find(c, origin, campaign);
  bool had_old = old != NULL;
  uint64_t old_seq = old ? old->r->seq : 0;
  bool epoch_changed = old && old->r->has_epoch && r->has_epoch && old->r->epoch != r->epoch;
  bool was_stale = false;
  uint64_t seq = r->seq;
  rc = sub_collect_offer(c, origin, r, hb_time_mono_ms(), &was_stale); /* r is c's now */
  sub_metrics_rollup(origin, rc);
  if (rc == HB_EFULL) {
    hb_log_warn("too many (county, campaign) pairs; dropped %s/%s", origin, campaign);
    return 0;
  }
  if (rc < 0)
    return rc;
  sub_entry *e = sub_collect_find(c, origin, campaign);
  if (e) /* how long its publisher may now say nothing (the stale time) */
    e->quiet_ms = sub_net_quiet_ms(o->net, ep);
  if (was_stale)
    hb_log_notice("county %s campaign %s: heard again", origin, campaign);
  if (rc == 1)
    log_kept(origin, campaign, had_old, old_seq, epoch_changed, seq);
  return rc;
}

/* Step 3's storing: with o->store, writes c's dirty entries and
 * o->history's (logging a failure); without, clears c's dirty flags.
 * Returns 0 or the hb_err of the store. */
static int store(const sub_loop_opts *o, sub_collect *c)
{
  if (!o->store) {
    sub_collect_clear_dirty(c);
    return 0;
  }
  int rc = sub_store_flush_view(o->store, c, NULL);
  if (rc == 0 && o->history)
    rc = sub_store_flush_history(o->store, o->history, NULL);
  if (rc != 0)
    hb_log_err("storing the view in %s: %s", sub_store_dir(o->store), hb_strerror(rc));
  return rc;
}

static void log_stale(const sub_entry *e, void *arg)
{
  (void)arg;
  hb_log_warn("county %s campaign %s: stale (nothing heard for %.1f s)", e->origin, e->campaign,
              (double)(hb_time_mono_ms() - e->rx_ms) / 1000.0);
}

/* How long step 1 may wait; <0 when the deadline has passed. */
static int receive_wait(const sub_loop_opts *o, int64_t now)
{
  int wait = o->republish ? sub_republish_wait_ms(o->republish, now) : SUB_LOOP_POLL_MS;
  if (o->deadline_ms) {
    int64_t left = o->deadline_ms - now;
    if (left <= 0)
      return -1;
    if (left < wait)
      wait = (int)left;
  }
  return wait;
}

/* Step 3: on_change and storing, coalesced. Returns 0 or an hb_err. */
static int change_step(const sub_loop_opts *o, sub_collect *c, loop_state *st, int64_t now)
{
  bool pending = o->on_pending && o->on_pending(o->arg, now);
  if (!(pending || sub_collect_any_dirty(c)) || now - st->last_change < SUB_LOOP_CHANGE_MS)
    return 0;
  st->last_change = now;
  int rc = o->on_change ? o->on_change(o->arg, c, now) : 0;
  return rc != 0 ? rc : store(o, c);
}

/* Step 4: services the republisher; stores before anything is sent.
 * Returns 0 or the hb_err of a failed store. */
static int republish_step(const sub_loop_opts *o, sub_collect *c, loop_state *st)
{
  sub_republish *rp = o->republish;
  if (sub_loop_reload) {
    sub_loop_reload = 0;
    if (rp && sub_republish_reload_keys(rp) == HB_OK)
      hb_log_notice("reloaded the subscriber keys of %s", o->subscriber_keys);
  }
  if (!rp)
    return 0;
  int64_t now = hb_time_mono_ms();
  int rc = sub_republish_poll(rp);
  if (rc != 0 && rc != st->rp_err)
    hb_log_warn("republish: reading subscriptions: %s", hb_strerror(rc));
  if (!sub_republish_due(rp, c, now))
    return 0;
  if (sub_collect_any_dirty(c) && (rc = store(o, c)) != 0)
    return rc;
  rc = sub_republish_send(rp, c, now);
  if (rc != 0 && rc != st->rp_err)
    hb_log_warn("republish: %s", hb_strerror(rc));
  st->rp_err = rc;
  return 0;
}

/* Steps 1 to 4 once. Returns 0 or the hb_err that ends the loop. */
static int pass(const sub_loop_opts *o, sub_collect *c, loop_state *st, int wait)
{
  int rc = receive(o, c, st, wait);
  if (rc < 0) {
    hb_log_err("receive: %s", hb_strerror(rc));
    return rc;
  }
  if (o->log_malformed && o->net->bad != st->last_bad) {
    hb_log_warn("dropped %zu malformed messages so far", o->net->bad);
    st->last_bad = o->net->bad;
  }
  int64_t now = hb_time_mono_ms();
  for (size_t i = 0; o->mark_stale && i < o->net->count; i++) {
    const char *origin = o->key_by_endpoint ? o->net->eps[i] : o->net->codes[i];
    if (sub_net_take_lost(o->net, i) && origin) /* stopped or killed: 3 heartbeats */
      sub_collect_quiet_reset(c, origin);
  }
  if (o->mark_stale)
    sub_collect_mark_stale(c, now, o->stale_after_ms, o->log_stale ? log_stale : NULL, NULL);
  if (o->verify) { /* issue 15: verify.h; an error never ends the loop */
    rc = sub_verify_step(o->verify, c, now);
    if (rc != 0 && rc != st->verify_err)
      hb_log_warn("verify: reading the replica: %s", hb_strerror(rc));
    st->verify_err = rc;
  }
  if ((rc = change_step(o, c, st, now)) != 0)
    return rc;
  return republish_step(o, c, st);
}

int sub_loop_run(const sub_loop_opts *o, sub_collect *c)
{
  loop_state st;
  memset(&st, 0, sizeof st);
  while (!sub_loop_stop) {
    int wait = receive_wait(o, hb_time_mono_ms());
    if (wait < 0)
      break;
    int rc = pass(o, c, &st, wait);
    if (rc != 0)
      return rc;
    if (o->done && o->done(o->arg, c))
      break;
  }
  /* the history's current week may have changed without the view */
  bool dirty = sub_collect_any_dirty(c) || o->history;
  return o->store && dirty ? store(o, c) : 0;
}
