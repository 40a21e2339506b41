/* metrics.c: huibao-sub's metrics. */
#include "metrics.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include "cli.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_metrics.h"

static struct {
  hb_metrics *reg; /* NULL: not started, every call is a no-op */
  hb_metric *received, *kept, *refused, *dropped, *malformed, *stale, *last_rollup, *flushes,
      *flush_failures, *flushed, *start_time;
  hb_metric *verify_failed; /* issue 15: huibao_county_verify_failed{county} (verify.h) */
  int64_t last_view_ms;
} M;

static hb_metric *family(hb_metric_type t, const char *name, const char *help, const char *label)
{
  const char *labels[] = {label, NULL};
  return hb_metrics_add(M.reg, t, name, help, label ? labels : NULL, NULL, 0);
}

static bool metrics_register(void)
{
  const hb_metric_type C = HB_METRIC_COUNTER, G = HB_METRIC_GAUGE;
#define P "huibao_sub_"
  M.received = family(C, P "rollups_received_total", "Well-formed rollups received.", NULL);
  M.kept = family(C, P "rollups_kept_total",
                  "Rollups kept: newer (higher seq) than the one held for that county and "
                  "campaign.",
                  NULL);
  M.dropped = family(C, P "rollups_dropped_total",
                     "Rollups dropped: older (seq not newer; harmless: state, not deltas), "
                     "too_many (county, campaign) pairs, no_memory.",
                     "reason");
  M.refused = family(C, P "rollups_refused_total",
                     "Rollups refused before they were offered: source (the code belongs to "
                     "another endpoint, or the endpoint to another code), future (as_of more "
                     "than 5 minutes ahead of this clock).",
                     "reason");
  M.malformed = family(C, P "malformed_messages_total",
                       "Messages dropped as malformed (frames, topic or content).", NULL);
  M.stale = family(G, P "counties_stale",
                   "Counties with at least one campaign whose heartbeats stopped.", NULL);
  M.last_rollup = family(G, P "last_rollup_timestamp_seconds",
                         "Unix time the last rollup from the county arrived.", "county");
  M.flushes = family(C, P "store_flushes_total", "Flushes of the view to LMDB (--data).", NULL);
  M.flush_failures = family(C, P "store_flush_failures_total", "Flushes that failed.", NULL);
  M.flushed = family(C, P "store_rollups_written_total", "Rollups written by the flushes.", NULL);
  M.start_time = family(G, P "start_time_seconds", "Unix time the program started.", NULL);
#undef P
  M.verify_failed = family(G, "huibao_county_verify_failed",
                           "1 when the county's figures, history or signatures do not verify "
                           "against the city's replica (huibao-sub verify, docs/verify.md), 0 "
                           "when they do.",
                           "county");
  return M.verify_failed && M.received && M.kept && M.refused && M.dropped && M.malformed &&
         M.stale && M.last_rollup && M.flushes && M.flush_failures && M.flushed && M.start_time;
}

int sub_metrics_start(const char *addr, const char *hosts)
{
  static bool at_exit;
  if (!addr)
    return EX_OK;
  char err[512];
  if (hb_metrics_new(&M.reg) != 0 || !metrics_register() ||
      hb_metrics_allow_hosts(M.reg, hosts) != 0) {
    fprintf(stderr, "%s: --metrics: out of memory\n", SUB_PROGRAM);
    sub_metrics_stop();
    return EX_SOFTWARE;
  }
  hb_metric_set(M.start_time, NULL, (double)time(NULL));
  int rc = hb_metrics_serve(M.reg, addr, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: --metrics: %s\n", SUB_PROGRAM, err);
    sub_metrics_stop();
    return rc == HB_EINVAL ? EX_USAGE : EX_CONFIG;
  }
  if (!at_exit)
    at_exit = atexit(sub_metrics_stop) == 0;
  return EX_OK;
}

void sub_metrics_stop(void)
{
  hb_metrics_free(M.reg);
  memset(&M, 0, sizeof M);
}

void sub_metrics_rollup(const char *county, int outcome)
{
  if (!M.reg)
    return;
  hb_metric_add(M.received, NULL, 1);
  if (outcome == 1)
    hb_metric_add(M.kept, NULL, 1);
  else
    hb_metric_add(M.dropped,
                  (const char *[]){outcome == 0          ? "older"
                                   : outcome == HB_EFULL ? "too_many"
                                                         : "no_memory"},
                  1);
  hb_metric_set(M.last_rollup, &county, (double)hb_time_now_ms() / 1000.0);
}

void sub_metrics_refused(const char *reason)
{
  if (M.reg)
    hb_metric_add(M.refused, &reason, 1);
}

void sub_metrics_malformed(size_t total)
{
  if (M.reg)
    hb_metric_set(M.malformed, NULL, (double)total);
}

void sub_metrics_view(const sub_collect *c)
{
  int64_t now = hb_time_mono_ms();
  if (!M.reg || (M.last_view_ms && now - M.last_view_ms < 1000))
    return;
  M.last_view_ms = now;
  size_t stale = 0;
  for (size_t i = 0; i < c->count; i++) {
    if (!c->items[i].stale)
      continue;
    size_t j = 0; /* count a county once: only at its first stale entry */
    while (j < i && !(c->items[j].stale && strcmp(c->items[j].origin, c->items[i].origin) == 0))
      j++;
    stale += j == i;
  }
  hb_metric_set(M.stale, NULL, (double)stale);
}

void sub_metrics_flush(int rc, size_t written)
{
  if (!M.reg)
    return;
  hb_metric_add(rc == 0 ? M.flushes : M.flush_failures, NULL, 1);
  if (rc == 0)
    hb_metric_add(M.flushed, NULL, (double)written);
}

void sub_metrics_verify(const char *county, bool failed)
{
  if (M.reg)
    hb_metric_set(M.verify_failed, &county, failed ? 1.0 : 0.0);
}
