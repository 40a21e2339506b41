/* hb_metrics.h: counters, gauges and histograms with labels, rendered in
 * the Prometheus text exposition format (version 0.0.4) and served over
 * HTTP by libmicrohttpd at GET /metrics.
 *
 * A registry (hb_metrics) owns its families (hb_metric); a family owns one
 * series per distinct tuple of label values, made on first use. Every
 * update and every rendering takes the registry's mutex, so the program's
 * thread may update while libmicrohttpd's thread renders a scrape. An
 * update is a lock and a linear search of the family's series: call it per
 * batch or per event, not per byte.
 *
 *   hb_metrics *m;  hb_metrics_new(&m);
 *   hb_metric *rej = hb_metrics_add(m, HB_METRIC_COUNTER, "x_rejected_total",
 *                                   "Records rejected.", (const char *[]){"reason", NULL},
 *                                   NULL, 0);
 *   hb_metric_add(rej, (const char *[]){"category"}, 1);
 *   hb_metrics_serve(m, "127.0.0.1:9101", err, sizeof err);
 *   ...
 *   hb_metrics_free(m);   (stops serving first) */
#ifndef HB_METRICS_H
#define HB_METRICS_H

#include <stddef.h>

#define HB_METRIC_MAX_LABELS 4
#define HB_METRIC_MAX_BOUNDS 32

/* The server: one thread polls every connection, so a slow client holds
 * only its slot; one that sends nothing for HB_METRICS_TIMEOUT_S (a slow
 * header) is closed. */
#define HB_METRICS_MAX_CONNECTIONS 256
#define HB_METRICS_PER_IP 32
#define HB_METRICS_TIMEOUT_S 5

typedef struct hb_metrics hb_metrics;
typedef struct hb_metric hb_metric;

typedef enum hb_metric_type {
  HB_METRIC_COUNTER,
  HB_METRIC_GAUGE,
  HB_METRIC_HISTOGRAM,
} hb_metric_type;

/* A new, empty registry. Returns 0 or HB_ENOMEM. Free with hb_metrics_free. */
int hb_metrics_new(hb_metrics **out);
/* Stops serving (if it was), then frees the registry and every family. */
void hb_metrics_free(hb_metrics *m);

/* Registers a family; families are rendered in the order registered.
 * name: [a-zA-Z_:][a-zA-Z0-9_:]*, unique in the registry. help: any text
 * (escaped when rendered). labels: NULL, or a NULL-terminated array of at
 * most HB_METRIC_MAX_LABELS label names ([a-zA-Z_][a-zA-Z0-9_]*, not "le").
 * bounds: histograms only, nbounds (1..HB_METRIC_MAX_BOUNDS) strictly
 * increasing finite upper bounds; +Inf is implied. Name, help and labels
 * are copied. A family without labels has its one series (value 0) from
 * the start. Returns the family, owned by the registry, or NULL for a bad
 * argument or no memory. */
hb_metric *hb_metrics_add(hb_metrics *m, hb_metric_type type, const char *name, const char *help,
                          const char *const *labels, const double *bounds, size_t nbounds);

/* Updates. values: NULL for a family without labels, else one value per
 * label name, in order (copied when the series is made; any UTF-8).
 * add: counters and gauges (a counter ignores v < 0). set: gauges, and
 * counters that mirror a total kept elsewhere. observe: histograms. An
 * update of the wrong type, or with no memory for a new series, is
 * dropped: metrics never stop the program. f may be NULL (no-op). */
void hb_metric_add(hb_metric *f, const char *const *values, double v);
void hb_metric_set(hb_metric *f, const char *const *values, double v);
void hb_metric_observe(hb_metric *f, const char *const *values, double v);
/* Removes every series of f (a family with labels); e.g. per-unit gauges
 * when the units change. */
void hb_metric_clear(hb_metric *f);

/* The exposition text of every family: # HELP, # TYPE, then one line per
 * series (histograms: NAME_bucket{le=...} cumulative up to le="+Inf",
 * NAME_sum, NAME_count). *text is malloc'd and NUL-terminated; the caller
 * frees it. Returns 0 or HB_ENOMEM. */
int hb_metrics_render(hb_metrics *m, char **text, size_t *len);

/* Serves GET (or HEAD) /metrics on addr: ADDR:PORT in any spelling of
 * hb_addr.h ("127.0.0.1:9101", "[::1]:9101", ":9101" or "*:9101" for every
 * IPv4 address), port 1..65535. Any other path is 404, any other method 405. The
 * server runs in a thread of libmicrohttpd's own, started with every
 * signal blocked so that the program's signal handlers run on its main
 * thread. Returns 0; HB_EINVAL for a bad address; HB_EIO when it cannot
 * listen (err says why, e.g. "127.0.0.1:9101: Address already in use");
 * HB_EAGAIN if already serving. */
int hb_metrics_serve(hb_metrics *m, const char *addr, char *err, size_t errlen);
/* Checks addr as hb_metrics_serve would (without listening): 0 or
 * HB_EINVAL with err set. For --check-config. */
int hb_metrics_addr_check(const char *addr, char *err, size_t errlen);
void hb_metrics_stop(hb_metrics *m);
/* Names (comma-separated, copied; NULL: none) that a request's Host header
 * may carry besides those hb_addr_host_ok accepts for the served address;
 * any other Host is answered 421 (DNS rebinding). Call before serving.
 * Returns 0 or HB_ENOMEM. */
int hb_metrics_allow_hosts(hb_metrics *m, const char *names);

#endif
