/* metrics.h: what huibao-aggregator tells its operators: the Prometheus
 * metrics at --metrics ADDR:PORT (each is listed in docs/operations.md)
 * and the one-line STATUS= that `systemctl status` shows.
 *
 * The metrics are process-wide, like the log: events are counted where
 * they happen (ingest.c, server.c) by one-line calls, without threading a
 * context through every function. Until agg_metrics_start registered them,
 * every call is a no-op, so the unit tests of those modules count nothing.
 * All calls come from the main thread; lib/hb_metrics.c locks against the
 * HTTP thread that renders a scrape. */
#ifndef AGG_METRICS_H
#define AGG_METRICS_H

#include <stdbool.h>
#include "hb_units.h"
#include "ingest.h"
#include "hb_publisher.h"
#include "store.h"

/* Units seen within this many seconds count as connected agents. */
#define AGG_METRICS_SEEN_WINDOW_S 300

/* Registers the metrics and serves them on addr ("127.0.0.1:9101"); addr
 * NULL: nothing (returns 0). Returns 0, HB_EINVAL (bad address) or HB_EIO
 * (cannot listen), err saying why. hosts: http-host, the Host names
 * answered besides addr's (hb_metrics.h; NULL: none). */
int agg_metrics_start(const char *addr, const char *hosts, char *err, size_t errlen);
/* Stops serving and frees everything (safe if never started). */
void agg_metrics_stop(void);

/* Seconds on the monotonic clock, to time a batch. */
double agg_metrics_clock(void);

/* After one ingest_run that started at t0 (agg_metrics_clock) with the
 * totals before and after it, and its return code: submits, records by
 * outcome, the commit and its latency. */
void agg_metrics_batch(const ingest_stats *before, const ingest_stats *after, int rc, double t0);
/* One record REJECTED; field: the field it was rejected for (a static
 * name: "category", "date", "record" ...). */
void agg_metrics_rejected(const char *field);
/* One Submit refused whole: reason "malformed", "impersonation" or
 * "unknown_unit". */
void agg_metrics_refused(const char *reason);
/* One record accepted without a signature verified against a registered
 * key (issue 15: its unit has no signing key in the registry). */
void agg_metrics_unsigned(void);
/* A Submit of unit arrived (for the connected-agents window). */
void agg_metrics_seen(const char *unit);
/* One ack sent (true) or dropped because the agent was gone (false). */
void agg_metrics_ack(bool sent);
/* One SIGHUP reload done. */
void agg_metrics_reload(void);

/* From the main loop, every pass: at most once a second refreshes the
 * gauges (last sync per unit, LMDB use, connected agents, publishes) and
 * the STATUS= line (also when the metrics are off). Returns timeout_ms
 * lowered to at most 1000 so that this runs at least once a second. */
int agg_metrics_tick(store *st, const hb_units *units, const hb_publisher *pub,
                     const ingest_stats *stats, int timeout_ms);

#endif
