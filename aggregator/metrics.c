/* metrics.c: huibao-aggregator's metrics and systemd status line. */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hb_err.h"
#include "hb_metrics.h"
#include "hb_notify.h"

typedef struct seen_unit {
  char *unit;
  double at; /* agg_metrics_clock() */
} seen_unit;

static struct {
  hb_metrics *reg; /* NULL: not started, every call is a no-op */
  hb_metric *submits, *received, *stored, *duplicate, *stale, *rejected, *refused;
  hb_metric *batches, *batch_failures, *commit_seconds, *acks_sent, *acks_dropped;
  hb_metric *agents, *last_sync, *publishes, *publish_drops, *map_size, *map_used, *reloads;
  hb_metric *start_time;
  hb_metric *unsigned_records; /* issue 15 */
  seen_unit *seen;
  size_t nseen, capseen;
  bool units_changed;
  double last_tick;
  char status[256];
} M;

double agg_metrics_clock(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static hb_metric *counter(const char *name, const char *help, const char *label)
{
  const char *labels[] = {label, NULL};
  return hb_metrics_add(M.reg, HB_METRIC_COUNTER, name, help, label ? labels : NULL, NULL, 0);
}

static hb_metric *gauge(const char *name, const char *help, const char *label)
{
  const char *labels[] = {label, NULL};
  return hb_metrics_add(M.reg, HB_METRIC_GAUGE, name, help, label ? labels : NULL, NULL, 0);
}

/* Registers every family; false when one could not be (no memory). */
static bool metrics_register(void)
{
  static const double commit_bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,  5,     10};
#define P "huibao_aggregator_"
  M.submits = counter(P "submits_total", "Submit messages (agent batches) received.", NULL);
  M.received = counter(P "records_received_total",
                       "Records received in Submits that were not refused whole.", NULL);
  M.stored = counter(P "records_stored_total",
                     "Records stored (new, or a higher version of a stored record).", NULL);
  M.duplicate = counter(P "records_duplicate_total",
                        "Records acknowledged as duplicates (same version already stored).", NULL);
  M.stale = counter(P "records_stale_total",
                    "Records with a lower version than the stored one (agent re-versions).", NULL);
  M.rejected = counter(P "records_rejected_total",
                       "Records rejected by validation, by the field at fault.", "reason");
  M.refused = counter(P "submits_refused_total",
                      "Submits refused whole (malformed, impersonation, unknown_unit).", "reason");
  M.batches = counter(P "batches_total",
                      "LMDB write transactions committed (one per drain of the socket).", NULL);
  M.batch_failures = counter(P "batch_failures_total",
                             "Transactions that could not be stored (disk or map full, I/O "
                             "error); the agents were told to retry.",
                             NULL);
  M.commit_seconds = hb_metrics_add(
      M.reg, HB_METRIC_HISTOGRAM, P "commit_seconds",
      "Time from storing a decoded drain to its durable commit, before the acks go out, "
      "seconds (decoding runs ahead on its own thread).",
      NULL, commit_bounds, sizeof commit_bounds / sizeof *commit_bounds);
  M.acks_sent = counter(P "acks_sent_total", "Acks sent to agents.", NULL);
  M.acks_dropped = counter(P "acks_dropped_total",
                           "Acks not deliverable (agent gone); the agent resends.", NULL);
  M.agents = gauge(P "connected_agents",
                   "Units whose agent sent a Submit in the last 300 s (agents connect only "
                   "while they sync).",
                   NULL);
  M.last_sync = gauge(P "last_sync_timestamp_seconds",
                      "Unix time of the last batch stored for the unit; 0 = never.", "unit");
  M.publishes = counter(P "publishes_total", "Rollups published to subscribers.", NULL);
  M.publish_drops = counter(P "publish_drops_total",
                            "Rollups the publish socket could not send (sent again on the next "
                            "heartbeat).",
                            NULL);
  M.map_size = gauge(P "lmdb_map_size_bytes", "LMDB map size (a ceiling that grows).", NULL);
  M.map_used = gauge(P "lmdb_used_bytes", "LMDB bytes in use (last page x page size).", NULL);
  M.reloads = counter(P "reloads_total", "SIGHUP reloads.", NULL);
  M.start_time = gauge(P "start_time_seconds", "Unix time the service started.", NULL);
  M.unsigned_records = counter(P "records_unsigned_total",
                               "Records accepted without a signature verified against a "
                               "registered signing key (their unit has none registered).",
                               NULL);
#undef P
  return M.submits && M.received && M.stored && M.duplicate && M.stale && M.rejected && M.refused &&
         M.batches && M.batch_failures && M.commit_seconds && M.acks_sent && M.acks_dropped &&
         M.agents && M.last_sync && M.publishes && M.publish_drops && M.map_size && M.map_used &&
         M.reloads && M.start_time && M.unsigned_records;
}

int agg_metrics_start(const char *addr, const char *hosts, char *err, size_t errlen)
{
  if (!addr)
    return 0;
  if (hb_metrics_new(&M.reg) != 0 || !metrics_register() ||
      hb_metrics_allow_hosts(M.reg, hosts) != 0) {
    snprintf(err, errlen, "out of memory");
    agg_metrics_stop();
    return HB_ENOMEM;
  }
  hb_metric_set(M.start_time, NULL, (double)time(NULL));
  int rc = hb_metrics_serve(M.reg, addr, err, errlen);
  if (rc != 0)
    agg_metrics_stop();
  return rc;
}

void agg_metrics_stop(void)
{
  hb_metrics_free(M.reg);
  for (size_t i = 0; i < M.nseen; i++)
    free(M.seen[i].unit);
  free(M.seen);
  memset(&M, 0, sizeof M);
}

void agg_metrics_batch(const ingest_stats *before, const ingest_stats *after, int rc, double t0)
{
  if (!M.reg)
    return;
  size_t submits = after->submits - before->submits;
  size_t refused = after->refused - before->refused;
  hb_metric_add(M.submits, NULL, (double)submits);
  hb_metric_add(M.received, NULL, (double)(after->records - before->records));
  hb_metric_add(M.stored, NULL, (double)(after->stored - before->stored));
  hb_metric_add(M.duplicate, NULL, (double)(after->duplicate - before->duplicate));
  hb_metric_add(M.stale, NULL, (double)(after->stale - before->stale));
  if (submits == refused)
    return; /* nothing to store: no transaction */
  if (rc != 0) {
    hb_metric_add(M.batch_failures, NULL, 1);
    return;
  }
  hb_metric_add(M.batches, NULL, 1);
  hb_metric_observe(M.commit_seconds, NULL, agg_metrics_clock() - t0);
}

void agg_metrics_rejected(const char *field)
{
  if (M.reg)
    hb_metric_add(M.rejected, (const char *[]){field ? field : "record"}, 1);
}

void agg_metrics_unsigned(void)
{
  if (M.reg)
    hb_metric_add(M.unsigned_records, NULL, 1);
}

void agg_metrics_refused(const char *reason)
{
  if (M.reg)
    hb_metric_add(M.refused, (const char *[]){reason}, 1);
}

void agg_metrics_seen(const char *unit)
{
  if (!M.reg || !unit)
    return;
  double now = agg_metrics_clock();
  for (size_t i = 0; i < M.nseen; i++)
    if (strcmp(M.seen[i].unit, unit) == 0) {
      M.seen[i].at = now;
      return;
    }
  if (M.nseen == M.capseen) {
    size_t cap = M.capseen ? M.capseen * 2 : 64;
    seen_unit *n = realloc(M.seen, cap * sizeof *n);
    if (!n)
      return;
    M.seen = n;
    M.capseen = cap;
  }
  char *u = strdup(unit);
  if (!u)
    return;
  M.seen[M.nseen++] = (seen_unit){u, now};
}

void agg_metrics_ack(bool sent)
{
  if (M.reg)
    hb_metric_add(sent ? M.acks_sent : M.acks_dropped, NULL, 1);
}

void agg_metrics_reload(void)
{
  if (!M.reg)
    return;
  hb_metric_add(M.reloads, NULL, 1);
  M.units_changed = true;
}

static void tick_status(const ingest_stats *s)
{
  char status[256];
  snprintf(status, sizeof status,
           "%zu records stored, %zu duplicate, %zu rejected, %zu submits refused", s->stored,
           s->duplicate, s->rejected, s->refused);
  if (strcmp(status, M.status) != 0) {
    hb_notify_status(status);
    memcpy(M.status, status, sizeof status);
  }
}

int agg_metrics_tick(store *st, const hb_units *units, const hb_publisher *pub,
                     const ingest_stats *stats, int timeout_ms)
{
  double now = agg_metrics_clock();
  if (timeout_ms < 0 || timeout_ms > 1000)
    timeout_ms = 1000;
  if (now - M.last_tick < 1.0)
    return timeout_ms;
  M.last_tick = now;
  tick_status(stats);
  if (!M.reg)
    return timeout_ms;
  if (M.units_changed) {
    hb_metric_clear(M.last_sync); /* units removed on reload disappear */
    M.units_changed = false;
  }
  for (size_t i = 0; i < units->count; i++) {
    const char *code = units->items[i].code;
    hb_metric_set(M.last_sync, &code, (double)store_last_sync(st, code));
  }
  size_t active = 0;
  for (size_t i = 0; i < M.nseen; i++)
    active += now - M.seen[i].at <= AGG_METRICS_SEEN_WINDOW_S;
  hb_metric_set(M.agents, NULL, (double)active);
  uint64_t sent, dropped;
  hb_publisher_counts(pub, &sent, &dropped);
  hb_metric_set(M.publishes, NULL, (double)sent);
  hb_metric_set(M.publish_drops, NULL, (double)dropped);
  size_t used, map;
  store_usage(st, &used, &map);
  hb_metric_set(M.map_size, NULL, (double)map);
  hb_metric_set(M.map_used, NULL, (double)used);
  return timeout_ms;
}
