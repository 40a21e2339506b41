/* config.c: flags and the -c INI file of huibao-aggregator. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_cli.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_metrics.h"
#include "hb_publisher.h"
#include "hb_zmq.h"

const char *config_usage(void)
{
  return "usage: huibao-aggregator --data DIR --units FILE --campaigns FILE --listen EP\n"
         "                         --publish EP [options]\n"
         "       huibao-aggregator verify --data DIR [--units FILE --campaigns FILE]\n"
         "       huibao-aggregator backup --data DIR --out DIR\n"
         "\n"
         "  --data DIR          LMDB store of records and aggregates\n"
         "  --units FILE        units.csv: the units expected to report\n"
         "  --campaigns FILE    campaigns file (INI)\n"
         "  --listen EP         ROUTER endpoint agents connect to, e.g. tcp://*:7701\n"
         "  --publish EP        XPUB endpoint subscribers connect to, e.g. tcp://*:7702\n"
         "  --code CODE         the county's code (default: the unit of type county)\n"
         "  --name NAME         the county's name\n"
         "  --secret FILE       the county's secret cert (huibao-keygen NAME.key_secret)\n"
         "  --keys DIR          units' public certs, one CODE.key per unit\n"
         "  --subscriber-keys DIR  public certs of the cities allowed to subscribe\n"
         "  --detail EP         ROUTER endpoint the cities' replicas fetch the history from\n"
         "  --detail-keys DIR   public certs of the cities allowed to fetch it (docs/replica.md)\n"
         "  --insecure          plain TCP, no authentication (tests and labs only)\n"
         "  --signing-keys DIR  units' public signing keys, one CODE.sign per unit\n"
         "                      (default: the --keys folder; docs/security.md)\n"
         "  --require-signatures  refuse records of units without a signing key too\n"
         "  --no-zstd-submits   answer as a county before compressed Submits (tests)\n"
         "  --no-pipeline       decode and store each drain on one thread (measurements)\n"
         "  --heartbeat-ms N    republish every campaign every N ms (default 1000)\n"
         "  --log-level LEVEL   error|warning|notice|info|debug (default info)\n"
         "  --metrics ADDR:PORT Prometheus metrics over HTTP at /metrics, e.g. 127.0.0.1:9101\n"
         "  --http-host NAME[,NAME...]  Host names /metrics answers besides its address\n"
         "  --console ADDR:PORT the county's review console (县级审核台), e.g. 127.0.0.1:8443\n"
         "  --tls-cert FILE, --tls-key FILE  the console over HTTPS (PEM certificate and key)\n"
         "  -c FILE             read the settings above from FILE (key = value)\n"
         "  --check-config      validate units, campaigns and settings, then exit\n"
         "  --help, --version\n"
         "\n"
         "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads units, campaigns and keys.\n";
}

static int set_check(void *dest, const char *value, char *why, size_t whylen)
{
  (void)value, (void)why, (void)whylen;
  *(config_action *)dest = CONFIG_CHECK;
  return 0;
}

/* Every setting, on the command line and (unless cli_only) as a key of the
 * -c file. */
#define O(field) .offset = offsetof(agg_config, field)
static const hb_cli_opt opt_table[] = {
    {.name = "data", .kind = HB_CLI_DUP, O(data)},
    {.name = "units", .kind = HB_CLI_DUP, O(units)},
    {.name = "campaigns", .kind = HB_CLI_DUP, O(campaigns)},
    {.name = "listen", .kind = HB_CLI_DUP, O(listen)},
    {.name = "publish", .kind = HB_CLI_DUP, O(publish)},
    {.name = "code", .kind = HB_CLI_DUP, O(code)},
    {.name = "name", .kind = HB_CLI_DUP, O(name)},
    {.name = "secret", .kind = HB_CLI_DUP, O(secret)},
    {.name = "keys", .kind = HB_CLI_DUP, O(keys)},
    {.name = "subscriber-keys", .kind = HB_CLI_DUP, O(subscriber_keys)},
    {.name = "metrics", .kind = HB_CLI_DUP, O(metrics)},
    {.name = "http-host", .kind = HB_CLI_DUP, O(http_host)},
    {.name = "console", .kind = HB_CLI_DUP, O(console)},
    {.name = "tls-cert", .kind = HB_CLI_DUP, O(tls_cert)},
    {.name = "tls-key", .kind = HB_CLI_DUP, O(tls_key)},
    {.name = "detail", .kind = HB_CLI_DUP, O(detail)},
    {.name = "detail-keys", .kind = HB_CLI_DUP, O(detail_keys)},
    {.name = "insecure", .kind = HB_CLI_FLAG, O(insecure)},
    {.name = "signing-keys", .kind = HB_CLI_DUP, O(signing_keys)},
    {.name = "require-signatures", .kind = HB_CLI_FLAG, O(require_signatures)},
    {.name = "no-zstd-submits", .kind = HB_CLI_FLAG, O(no_zstd_submits)},
    {.name = "no-pipeline", .kind = HB_CLI_FLAG, O(no_pipeline)},
    {.name = "heartbeat-ms",
     .kind = HB_CLI_INT,
     O(heartbeat_ms),
     .lo = 10,
     .hi = 3600000,
     .what = "a number of ms"},
    {.name = "log-level", .kind = HB_CLI_CALL, O(log_level), .set = hb_cli_log_level},
    {.name = "unit-quota-records", .kind = HB_CLI_CALL, O(quota_records), .set = quota_records_set},
    {.name = "unit-quota-bytes", .kind = HB_CLI_CALL, O(quota_bytes), .set = quota_bytes_set},
    {.name = "config", .letter = 'c', .kind = HB_CLI_DUP, O(config_file), .cli_only = 1},
    {.name = "check-config", .kind = HB_CLI_DO, O(action), .set = set_check, .cli_only = 1},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.name = "version", .kind = HB_CLI_VERSION},
    {.kind = HB_CLI_END},
};
#undef O

typedef struct ini_ctx {
  agg_config *c;
  char why[256];
  int bad;
} ini_ctx;

static int config_ini_line(void *user, const char *section, const char *name, const char *value)
{
  ini_ctx *x = user;
  if (x->bad)
    return 1;
  if (section[0] && strcmp(section, "aggregator") != 0) {
    snprintf(x->why, sizeof x->why, "unknown section [%s]", section);
    x->bad = 1;
    return 0;
  }
  if (hb_cli_set(opt_table, x->c, name, value, x->why, sizeof x->why) != 0) {
    x->bad = 1;
    return 0;
  }
  return 1;
}

static void config_init(agg_config *c)
{
  memset(c, 0, sizeof *c);
  c->heartbeat_ms = HB_PUBLISHER_HEARTBEAT_MS;
  c->log_level = HB_LOG_INFO;
}

void config_free(agg_config *c)
{
  hb_cli_free(opt_table, c);
  config_init(c);
}

/* Reads the -c file into c. Returns 0 or HB_EPARSE with err set. */
static int config_read_file(agg_config *c, const char *path, char *err, size_t errlen)
{
  ini_ctx x = {c, "", 0};
  int rc = ini_parse(path, config_ini_line, &x);
  if (rc == -1) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return HB_EPARSE;
  }
  if (rc != 0) {
    snprintf(err, errlen, "%s:%d: %s", path, rc, x.why[0] ? x.why : "not a 'key = value' line");
    return HB_EPARSE;
  }
  return 0;
}

int config_parse(agg_config *c, int argc, char **argv, char *err, size_t errlen)
{
  /* Pass 1 finds -c (and --help, --version, a bad flag); then the file;
   * then pass 2 applies the flags over it: flags override the file. */
  config_init(c);
  int rc = hb_cli_parse(opt_table, 0, c, argc, argv, NULL, err, errlen);
  char *file = c->config_file;
  c->config_file = NULL;
  config_free(c);
  if (rc == HB_CLI_HELP_ASKED || rc == HB_CLI_VERSION_ASKED) {
    free(file);
    c->action = rc == HB_CLI_HELP_ASKED ? CONFIG_HELP : CONFIG_VERSION;
    return 0;
  }
  if (rc == 0 && file)
    rc = config_read_file(c, file, err, errlen);
  free(file);
  if (rc == 0)
    rc = hb_cli_parse(opt_table, 0, c, argc, argv, NULL, err, errlen);
  return rc;
}

int config_check(const agg_config *c, char *err, size_t errlen)
{
  const struct {
    const char *name, *value;
  } req[] = {{"data", c->data},
             {"units", c->units},
             {"campaigns", c->campaigns},
             {"listen", c->listen},
             {"publish", c->publish}};
  for (size_t i = 0; i < sizeof req / sizeof *req; i++)
    if (!req[i].value) {
      snprintf(err, errlen, "--%s is required (or %s = in the -c file)", req[i].name, req[i].name);
      return HB_EINVAL;
    }
  if (c->insecure && (c->secret || c->keys || c->subscriber_keys || c->detail_keys)) {
    snprintf(err, errlen,
             "insecure (plain TCP) contradicts %s: give the CURVE keys or insecure, not both "
             "(see docs/security.md)",
             c->secret            ? "secret"
             : c->keys            ? "keys"
             : c->subscriber_keys ? "subscriber-keys"
                                  : "detail-keys");
    return HB_ENOTFOUND; /* a configuration error (78), on the command line too */
  }
  if (!c->insecure) {
    const struct {
      const char *name, *value;
    } sec[] = {{"secret", c->secret}, {"keys", c->keys}, {"subscriber-keys", c->subscriber_keys}};
    for (size_t i = 0; i < sizeof sec / sizeof *sec; i++)
      if (!sec[i].value) {
        snprintf(err, errlen,
                 "--%s is required: agents and subscribers are authenticated with CURVE keys "
                 "(see docs/security.md), or run with --insecure for plain TCP",
                 sec[i].name);
        return HB_ENOTFOUND; /* a configuration error (78), not a usage error */
      }
  }
  if (c->detail_keys && !c->detail) {
    snprintf(err, errlen, "--detail-keys is the folder of the detail endpoint: give --detail EP");
    return HB_EINVAL;
  }
  if (c->detail && !c->insecure && !c->detail_keys) {
    snprintf(err, errlen,
             "--detail-keys is required with --detail: the cities that may fetch the history are "
             "authenticated with CURVE keys (see docs/replica.md), or run with --insecure");
    return HB_ENOTFOUND;
  }
  char why[256];
  if (c->detail && hb_zmq_endpoint_valid(c->detail, why, sizeof why) != 0) {
    snprintf(err, errlen, "--detail: %s", why);
    return HB_EINVAL;
  }
  if (hb_zmq_endpoint_valid(c->listen, why, sizeof why) != 0) {
    snprintf(err, errlen, "--listen: %s", why);
    return HB_EINVAL;
  }
  if (hb_zmq_endpoint_valid(c->publish, why, sizeof why) != 0) {
    snprintf(err, errlen, "--publish: %s", why);
    return HB_EINVAL;
  }
  if (c->metrics && hb_metrics_addr_check(c->metrics, why, sizeof why) != 0) {
    snprintf(err, errlen, "--metrics: %s", why);
    return HB_EINVAL;
  }
  if (c->console && hb_metrics_addr_check(c->console, why, sizeof why) != 0) {
    snprintf(err, errlen, "--console: %s", why);
    return HB_EINVAL;
  }
  if ((c->tls_cert != NULL) != (c->tls_key != NULL) || (c->tls_cert && !c->console)) {
    snprintf(err, errlen, "%s",
             c->console ? "--tls-cert and --tls-key go together (both PEM files, or neither)"
                        : "--tls-cert and --tls-key are for the console: give --console ADDR:PORT");
    return HB_EINVAL;
  }
  const char *tls[] = {c->tls_cert, c->tls_key};
  for (size_t i = 0; i < 2; i++)
    if (tls[i] && access(tls[i], R_OK) != 0) {
      snprintf(err, errlen, "--tls-%s: %s: %s", i ? "key" : "cert", tls[i], strerror(errno));
      return HB_ENOTFOUND; /* a configuration error (78) */
    }
  if (c->detail && (strcmp(c->detail, c->listen) == 0 || strcmp(c->detail, c->publish) == 0)) {
    snprintf(err, errlen, "--detail must differ from --listen and --publish");
    return HB_EINVAL;
  }
  if (strcmp(c->listen, c->publish) == 0) {
    snprintf(err, errlen, "--listen and --publish must differ");
    return HB_EINVAL;
  }
  return 0;
}
