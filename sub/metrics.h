/* metrics.h: huibao-sub's Prometheus metrics at --metrics ADDR:PORT (run,
 * serve); each is listed in docs/operations.md.
 *
 * Process-wide, like the log: loop.c and store.c count events where
 * they happen with one-line calls, which are no-ops until
 * sub_metrics_start, so snapshot, watch and the unit tests count nothing.
 * Calls come from the main thread; lib/hb_metrics.c locks against the HTTP
 * thread that renders a scrape. */
#ifndef SUB_METRICS_H
#define SUB_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include "collect.h"

/* Registers the metrics and serves them on addr; addr NULL: nothing. hosts:
 * --http-host, the Host names answered besides addr's (hb_metrics.h).
 * Stops by itself at exit. Returns EX_OK, or EX_USAGE (bad address) /
 * EX_CONFIG (cannot listen) / EX_SOFTWARE after printing why. */
int sub_metrics_start(const char *addr, const char *hosts);
void sub_metrics_stop(void);

/* A rollup from county was offered to the view; outcome is what
 * sub_collect_offer returned (1 kept, 0 older: dropped, HB_EFULL: too many
 * pairs, dropped). */
void sub_metrics_rollup(const char *county, int outcome);
/* A rollup was refused before it was offered: reason "source" (its source
 * code belongs to another endpoint, or its endpoint to another code) or
 * "future" (its as_of is ahead of this clock: collect.h). */
void sub_metrics_refused(const char *reason);
/* The socket layer's running count of malformed messages dropped. */
void sub_metrics_malformed(size_t total);
/* At most once a second: how many counties have a stale campaign. */
void sub_metrics_view(const sub_collect *c);
/* One flush of the view to LMDB: rc 0 (written entries) or an error. */
void sub_metrics_flush(int rc, size_t written);
/* Issue 15 (verify.h): the county's verification failed (1) or passed (0). */
void sub_metrics_verify(const char *county, bool failed);

#endif
