/* config.h: huibao-aggregator's settings, from flags and an INI file.
 *
 * `-c FILE` holds the same settings as keys (data=, units=, campaigns=,
 * listen=, publish=, code=, name=, heartbeat-ms=, log-level=, secret=,
 * keys=, subscriber-keys=, metrics=, insecure = true, console=, tls-cert=,
 * tls-key=, signing-keys=, require-signatures = true), with or
 * without an [aggregator] section; flags override the file. */
#ifndef AGG_CONFIG_H
#define AGG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum config_action {
  CONFIG_RUN = 0,
  CONFIG_HELP,
  CONFIG_VERSION,
  CONFIG_CHECK,
} config_action;

typedef struct agg_config {
  char *data, *units, *campaigns, *listen, *publish, *code, *name; /* owned */
  char *secret, *keys, *subscriber_keys; /* CURVE: own secret cert, unit keys, city keys */
  int insecure;                          /* plain TCP, no authentication (explicit) */
  char *metrics;                         /* Prometheus endpoint ADDR:PORT, NULL = none (owned) */
  char *http_host; /* Host names /metrics answers besides its address, NAME[,NAME...] (owned) */
  char *config_file;
  int heartbeat_ms; /* 1000 */
  int log_level;    /* HB_LOG_INFO */
  config_action action;
  /* unit-quota-records =, unit-quota-bytes = (per unit; 0 = store.h's default) */
  unsigned long long quota_records, quota_bytes;
  /* issue 14: the county's review console (console.c), ADDR:PORT, NULL =
   * none; HTTPS with tls_cert + tls_key (PEM files), else plain HTTP */
  char *console, *tls_cert, *tls_key; /* owned */
  /* issue 15: the detail endpoint (detail.c, docs/replica.md): ROUTER EP,
   * NULL = none; detail_keys: the folder of the cities allowed to fetch
   * the history (separate from subscriber_keys: rollups only) */
  char *detail, *detail_keys; /* owned */
  /* issue 15: signing-keys = DIR (the units' public signing keys; NULL: the
   * keys folder), require-signatures = true (ingest_sign.h) */
  char *signing_keys; /* owned */
  int require_signatures;
  /* issue 17: no-zstd-submits = true: answer as a county before compressed
   * Submits (ingest.h no_zstd; for tests of that county with a new agent) */
  int no_zstd_submits;
  /* issue 17: no-pipeline = true: each drain decoded on the main thread
   * (server.c), not on the decoding thread while the last one is stored */
  int no_pipeline;
} agg_config;

/* Parses argv (argv[0] is the program). Returns 0; HB_EINVAL for a bad
 * command line (exit 64), HB_EPARSE for a bad or missing -c file (exit 78);
 * err says why ("FILE:LINE: unknown key 'x'"). Free with config_free. */
int config_parse(agg_config *c, int argc, char **argv, char *err, size_t errlen);
void config_free(agg_config *c);

/* Checks that every required setting is present and endpoints are well
 * formed. Returns 0 or HB_EINVAL with err set. */
int config_check(const agg_config *c, char *err, size_t errlen);

/* hb_cli setters of --unit-quota-records / --unit-quota-bytes (dest: an
 * unsigned long long): a whole number >= 1; bytes may end in K, M or G
 * (aggregator/quota.c). */
int quota_records_set(void *dest, const char *value, char *why, size_t whylen);
int quota_bytes_set(void *dest, const char *value, char *why, size_t whylen);

/* The --help text. */
const char *config_usage(void);

#endif
