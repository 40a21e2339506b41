/* config.c: flags and the -c INI file of huibao-aggregator. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
         "  --insecure          plain TCP, no authentication (tests and labs only)\n"
         "  --heartbeat-ms N    republish every campaign every N ms (default 1000)\n"
         "  --log-level LEVEL   error|warning|notice|info|debug (default info)\n"
         "  --metrics ADDR:PORT Prometheus metrics over HTTP at /metrics, e.g. 127.0.0.1:9101\n"
         "  -c FILE             read the settings above from FILE (key = value)\n"
         "  --check-config      validate units, campaigns and settings, then exit\n"
         "  --help, --version\n"
         "\n"
         "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads units, campaigns and keys.\n";
}

static int set_str(char **slot, const char *v)
{
  char *d = strdup(v);
  if (!d)
    return HB_ENOMEM;
  free(*slot);
  *slot = d;
  return 0;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

/* Applies one setting by name; returns 0, -1 unknown name, -2 bad value. */
static int config_set(agg_config *c, const char *name, const char *value, char *why, size_t whylen)
{
  char n[64];
  snprintf(n, sizeof n, "%s", name);
  for (char *p = n; *p; p++)
    if (*p == '_')
      *p = '-';
  char **slot = NULL;
  if (!strcmp(n, "data"))
    slot = &c->data;
  else if (!strcmp(n, "units"))
    slot = &c->units;
  else if (!strcmp(n, "campaigns"))
    slot = &c->campaigns;
  else if (!strcmp(n, "listen"))
    slot = &c->listen;
  else if (!strcmp(n, "publish"))
    slot = &c->publish;
  else if (!strcmp(n, "code"))
    slot = &c->code;
  else if (!strcmp(n, "name"))
    slot = &c->name;
  else if (!strcmp(n, "secret"))
    slot = &c->secret;
  else if (!strcmp(n, "keys"))
    slot = &c->keys;
  else if (!strcmp(n, "subscriber-keys"))
    slot = &c->subscriber_keys;
  else if (!strcmp(n, "metrics"))
    slot = &c->metrics;
  if (slot) {
    if (!*value) {
      snprintf(why, whylen, "%s: empty value", name);
      return -2;
    }
    return set_str(slot, value) == 0 ? 0 : -2;
  }
  if (!strcmp(n, "insecure")) {
    if (strcmp(value, "true") && strcmp(value, "yes") && strcmp(value, "1") &&
        strcmp(value, "false") && strcmp(value, "no") && strcmp(value, "0")) {
      snprintf(why, whylen, "%s: '%s' is not true or false", name, value);
      return -2;
    }
    c->insecure = !strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "1");
    return 0;
  }
  if (!strcmp(n, "heartbeat-ms")) {
    if (parse_int(value, 10, 3600000, &c->heartbeat_ms) != 0) {
      snprintf(why, whylen, "%s: '%s' is not a number of ms in 10..3600000", name, value);
      return -2;
    }
    return 0;
  }
  if (!strcmp(n, "log-level")) {
    int l = hb_log_level_parse(value);
    if (l < 0) {
      snprintf(why, whylen, "%s: '%s' is not one of error|warning|notice|info|debug", name, value);
      return -2;
    }
    c->log_level = l;
    return 0;
  }
  snprintf(why, whylen, "unknown setting '%s'", name);
  return -1;
}

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
  if (config_set(x->c, name, value, x->why, sizeof x->why) != 0) {
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
  free(c->data);
  free(c->units);
  free(c->campaigns);
  free(c->listen);
  free(c->publish);
  free(c->code);
  free(c->name);
  free(c->secret);
  free(c->keys);
  free(c->subscriber_keys);
  free(c->metrics);
  free(c->config_file);
  config_init(c);
}

static int flag_is(const char *arg, const char *flag, const char **inline_value)
{
  size_t n = strlen(flag);
  if (strncmp(arg, flag, n) != 0)
    return 0;
  if (arg[n] == '\0') {
    *inline_value = NULL;
    return 1;
  }
  if (arg[n] == '=') {
    *inline_value = arg + n + 1;
    return 1;
  }
  return 0;
}

int config_parse(agg_config *c, int argc, char **argv, char *err, size_t errlen)
{
  static const char *const valued[] = {
      "--data",   "--units",  "--campaigns",    "--listen",          "--publish",
      "--code",   "--name",   "--heartbeat-ms", "--log-level",       "-c",
      "--config", "--secret", "--keys",         "--subscriber-keys", "--metrics"};
  config_init(c);
  /* pass 1: find -c and the actions; pass 2 (after the file): flags */
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 1; i < argc; i++) {
      const char *a = argv[i], *v = NULL;
      if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
        c->action = CONFIG_HELP;
        return 0;
      }
      if (!strcmp(a, "--version")) {
        c->action = CONFIG_VERSION;
        return 0;
      }
      if (!strcmp(a, "--insecure")) {
        c->insecure = true;
        continue;
      }
      if (!strcmp(a, "--check-config")) {
        c->action = CONFIG_CHECK;
        continue;
      }
      size_t k = 0;
      for (; k < sizeof valued / sizeof *valued; k++)
        if (flag_is(a, valued[k], &v))
          break;
      if (k == sizeof valued / sizeof *valued) {
        snprintf(err, errlen, "unknown option '%s' (see --help)", a);
        return HB_EINVAL;
      }
      if (!v) {
        if (i + 1 >= argc) {
          snprintf(err, errlen, "option %s needs a value", a);
          return HB_EINVAL;
        }
        v = argv[++i];
      }
      bool is_c = !strcmp(valued[k], "-c") || !strcmp(valued[k], "--config");
      if (pass == 0) {
        if (is_c && set_str(&c->config_file, v) != 0)
          return HB_ENOMEM;
        continue;
      }
      if (is_c)
        continue;
      char why[256];
      if (config_set(c, valued[k] + 2, v, why, sizeof why) != 0) {
        snprintf(err, errlen, "--%s", why);
        return HB_EINVAL;
      }
    }
    if (pass == 0 && c->config_file) {
      ini_ctx x = {c, "", 0};
      int rc = ini_parse(c->config_file, config_ini_line, &x);
      if (rc == -1) {
        snprintf(err, errlen, "%s: %s", c->config_file, strerror(errno));
        return HB_EPARSE;
      }
      if (rc != 0) {
        snprintf(err, errlen, "%s:%d: %s", c->config_file, rc,
                 x.why[0] ? x.why : "not a 'key = value' line");
        return HB_EPARSE;
      }
    }
  }
  return 0;
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
  char why[256];
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
  if (strcmp(c->listen, c->publish) == 0) {
    snprintf(err, errlen, "--listen and --publish must differ");
    return HB_EINVAL;
  }
  return 0;
}
