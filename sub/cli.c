/* cli.c: parsing huibao-sub's command line. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "hb_cli.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_zmq.h"

void sub_cli_usage(FILE *f)
{
  fputs("Usage: huibao-sub COMMAND [OPTIONS]\n"
        "\n"
        "The city side of huibao: subscribes to county aggregators' rollups and\n"
        "merges them (the city is the sum of its counties).\n"
        "\n"
        "Commands:\n"
        "  snapshot --connect EP[,EP...] [--campaign ID] [--format json|table] [--timeout S]\n"
        "      wait for every endpoint's rollups, merge, print, exit 0;\n"
        "      exit 75 after --timeout (default 10 s), printing what arrived\n"
        "  watch --connect EP[,EP...] [--campaign ID] [--stale-after-ms N]\n"
        "      the table, redrawn on every change, until Ctrl-C\n"
        "  run --connect EP[,EP...] --data DIR [--campaign ID] [--stale-after-ms N]\n"
        "      keep the latest rollup per (county, campaign) in LMDB in DIR and mark\n"
        "      a county stale when its heartbeats stop (3 x its heartbeat_ms)\n"
        "      [--publish EP (--secret FILE --subscriber-keys DIR | --insecure)\n"
        "       [--heartbeat-ms N]]: republish the merged view, as a county publishes,\n"
        "      for a province (docs/protocol.md)\n"
        "  show --data DIR [--campaign ID] [--format json|table]\n"
        "      print the view stored by `run`, offline\n"
        "  report (--connect EP[,EP...] | --data DIR) --campaign ID --template FILE\n"
        "         [--format text|md|docx] [--out FILE] [--period ID]\n"
        "      fill a report template (docs/templates/) with the campaign's rollup\n"
        "      (`period`: --period ID, default the last closed period; unknown: exit 66)\n"
        "  export (--connect EP[,EP...] | --data DIR) --format csv|xlsx [--out FILE]\n"
        "         [--campaign ID]\n"
        "      the per-unit table and the totals, one sheet per campaign\n"
        "  serve --connect EP[,EP...] --http ADDR:PORT (--data DIR | --accounts DIR)\n"
        "        [--tls-cert FILE --tls-key FILE]\n"
        "      the live dashboard (and its JSON) over HTTP, behind a login: the accounts\n"
        "      are in --data (or --accounts DIR, a store of `account`); at least one first\n"
        "  list problems|cases|activities (--data DIR | --connect EP[,EP...])\n"
        "       [--campaign ID] [--unit CODE] [--category CODE] [--status S] [--overdue]\n"
        "       [--period ID] [--format table|csv|json|xlsx] [--out FILE]\n"
        "      the counties' problems (整改台账), cases or activities from the city's\n"
        "      replica (docs/lists.md); --status: identified rectifying resolved, or a\n"
        "      review state: none claimed confirmed returned reopened deletion\n"
        "      deletion_refused (Chinese too: 整改中, 待销号, 已销号, 退回 ...)\n"
        "  account add|passwd|remove|list --data DIR [NAME] [--role reviewer|viewer]\n"
        "      the dashboard's accounts (password from a prompt or stdin; --help)\n"
        "\n"
        "Options:\n"
        "  --key FILE           the city's secret cert (huibao-keygen NAME.key_secret)\n"
        "  --server-key FILE    a county's public cert; once per --connect endpoint, same order\n"
        "  --server-code CODE   the source code a county publishes; once per --connect\n"
        "                       endpoint, same order (else each endpoint keeps the first\n"
        "                       code it gives, docs/protocol.md)\n"
        "  --insecure           plain TCP, no encryption or authentication (not with the\n"
        "                       key options)\n"
        "  --metrics ADDR:PORT  (run, serve) Prometheus metrics over HTTP\n"
        "  --http-host NAME[,NAME...]  (run, serve) Host names answered besides the address\n"
        "  --publish EP         (run) XPUB endpoint a province subscribes to, e.g. tcp://*:7102\n"
        "  --secret FILE        (run --publish) the city's secret cert, as a CURVE server\n"
        "  --subscriber-keys DIR  (run --publish) public certs of those allowed to subscribe\n"
        "  --heartbeat-ms N     (run --publish) republish every campaign every N ms (1000)\n"
        "  --source CODE        code of the merged view (default city)\n"
        "  --source-name NAME   its name\n"
        "  --log-level LEVEL    error|warning|notice|info|debug (default info)\n"
        "  -h, --help           this text\n"
        "  -V, --version        the version\n"
        "\n"
        "Exit codes: 0 done, 64 bad command line, 66 no stored view, 70 internal\n"
        "error, 74 I/O error, 75 some endpoint gave nothing in time.\n",
        f);
}

#define C(cmd) (1u << (cmd))
#define C_SNAPSHOT C(SUB_CMD_SNAPSHOT)
#define C_WATCH C(SUB_CMD_WATCH)
#define C_RUN C(SUB_CMD_RUN)
#define C_SHOW C(SUB_CMD_SHOW)
#define C_REPORT C(SUB_CMD_REPORT)
#define C_EXPORT C(SUB_CMD_EXPORT)
#define C_SERVE C(SUB_CMD_SERVE)
#define C_LIST C(SUB_CMD_LIST) /* issue 15, list.h */
#define C_LIVE (C_SNAPSHOT | C_WATCH | C_RUN | C_REPORT | C_EXPORT | C_SERVE | C_LIST)

static const struct {
  const char *name;
  sub_cmd cmd;
  const char *required; /* what it cannot do without: c --connect, d --data, "|" either,
                           m --campaign, T --template, f --format, H --http */
} commands[] = {
    {"snapshot", SUB_CMD_SNAPSHOT, "c"}, {"watch", SUB_CMD_WATCH, "c"},
    {"run", SUB_CMD_RUN, "cd"},          {"show", SUB_CMD_SHOW, "d"},
    {"report", SUB_CMD_REPORT, "|mT"},   {"export", SUB_CMD_EXPORT, "|f"},
    {"serve", SUB_CMD_SERVE, "cH"},      {"list", SUB_CMD_LIST, "|"}, /* issue 15 */
};

/* Parses a positive duration in seconds ("10", "0.5") into ms. */
static int set_secs(void *dest, const char *s, char *why, size_t whylen)
{
  (void)why, (void)whylen;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 86400.0 * 365)
    return -1;
  int64_t ms = (int64_t)(v * 1000.0 + 0.5);
  if (ms <= 0)
    return -1;
  *(int64_t *)dest = ms;
  return 0;
}

static int set_campaign(void *dest, const char *s, char *why, size_t whylen)
{
  (void)why, (void)whylen;
  if (!*s || strlen(s) > 200)
    return -1;
  *(const char **)dest = s;
  return 0;
}

static int set_source(void *dest, const char *s, char *why, size_t whylen)
{
  (void)why, (void)whylen;
  if (!*s)
    return -1;
  *(const char **)dest = s;
  return 0;
}

/* --format: json or table, except for report and export, which check
 * their own formats (dest: the whole sub_cli). */
static int set_format(void *dest, const char *s, char *why, size_t whylen)
{
  (void)why, (void)whylen;
  sub_cli *cli = dest;
  cli->format_name = s;
  if (cli->cmd == SUB_CMD_REPORT || cli->cmd == SUB_CMD_EXPORT || cli->cmd == SUB_CMD_LIST)
    return 0;
  return (cli->format = sub_view_format_parse(s)) ? 0 : -1;
}

static int set_publish(void *dest, const char *s, char *why, size_t whylen)
{
  if (hb_zmq_endpoint_valid(s, why, whylen) != 0)
    return -1;
  *(const char **)dest = s;
  return 0;
}

/* --server-key, once per --connect endpoint (dest: the whole sub_cli). */
static int set_server_key(void *dest, const char *s, char *why, size_t whylen)
{
  sub_cli *cli = dest;
  if (cli->nserver_keys == SUB_MAX_ENDPOINTS) {
    snprintf(why, whylen, "more than %d of them", SUB_MAX_ENDPOINTS);
    return -1;
  }
  cli->server_keys[cli->nserver_keys++] = s;
  return 0;
}

/* --server-code, once per --connect endpoint (dest: the whole sub_cli). */
static int set_server_code(void *dest, const char *s, char *why, size_t whylen)
{
  sub_cli *cli = dest;
  if (!*s || strlen(s) > 200) {
    snprintf(why, whylen, "a source code of 1 to 200 bytes");
    return -1;
  }
  if (cli->nserver_codes == SUB_MAX_ENDPOINTS) {
    snprintf(why, whylen, "more than %d of them", SUB_MAX_ENDPOINTS);
    return -1;
  }
  cli->server_codes[cli->nserver_codes++] = s;
  return 0;
}

#define O(field) .offset = offsetof(sub_cli, field)
static const hb_cli_opt opt_table[] = {
    {.name = "connect", .kind = HB_CLI_STR, O(connect), .commands = C_LIVE},
    {.name = "campaign",
     .kind = HB_CLI_CALL,
     O(campaign),
     .set = set_campaign,
     .what = "a campaign id of 1 to 200 bytes"},
    {.name = "format",
     .kind = HB_CLI_CALL,
     .set = set_format,
     .what = "json or table",
     .commands = C_SNAPSHOT | C_SHOW | C_REPORT | C_EXPORT | C_LIST},
    {.name = "timeout",
     .kind = HB_CLI_CALL,
     O(timeout_ms),
     .set = set_secs,
     .what = "a positive number of seconds",
     .commands = C_SNAPSHOT | C_REPORT | C_EXPORT | C_LIST},
    {.name = "data",
     .kind = HB_CLI_STR,
     O(data),
     .commands = C_RUN | C_SHOW | C_REPORT | C_EXPORT | C_SERVE | C_LIST},
    {.name = "stale-after-ms",
     .kind = HB_CLI_INT64,
     O(stale_after_ms),
     .lo = 1,
     .hi = 86400LL * 1000 * 365,
     .what = "a positive integer",
     .commands = C_WATCH | C_RUN | C_SERVE},
    {.name = "source", .kind = HB_CLI_CALL, O(source), .set = set_source, .what = "a code"},
    {.name = "source-name", .kind = HB_CLI_STR, O(source_name)},
    {.name = "log-level", .kind = HB_CLI_CALL, O(log_level), .set = hb_cli_log_level},
    {.name = "key", .kind = HB_CLI_STR, O(key), .commands = C_LIVE},
    {.name = "server-key", .kind = HB_CLI_CALL, .set = set_server_key, .commands = C_LIVE},
    {.name = "server-code", .kind = HB_CLI_CALL, .set = set_server_code, .commands = C_LIVE},
    {.name = "insecure", .kind = HB_CLI_FLAG, O(insecure), .commands = C_LIVE},
    {.name = "template", .kind = HB_CLI_STR, O(template_path), .commands = C_REPORT},
    {.name = "period", .kind = HB_CLI_STR, O(period), .commands = C_REPORT | C_LIST},
    {.name = "out", .kind = HB_CLI_STR, O(out), .commands = C_REPORT | C_EXPORT | C_LIST},
    /* issue 15, list.h: the list's filters */
    {.name = "unit", .kind = HB_CLI_STR, O(unit), .commands = C_LIST},
    {.name = "category", .kind = HB_CLI_STR, O(category), .commands = C_LIST},
    {.name = "status", .kind = HB_CLI_STR, O(status), .commands = C_LIST},
    {.name = "overdue", .kind = HB_CLI_FLAG, O(overdue), .commands = C_LIST},
    {.name = "http", .kind = HB_CLI_STR, O(http), .commands = C_SERVE},
    {.name = "metrics", .kind = HB_CLI_STR, O(metrics), .commands = C_RUN | C_SERVE},
    {.name = "http-host", .kind = HB_CLI_STR, O(http_host), .commands = C_RUN | C_SERVE},
    {.name = "tls-cert", .kind = HB_CLI_STR, O(tls_cert), .commands = C_SERVE},
    {.name = "tls-key", .kind = HB_CLI_STR, O(tls_key), .commands = C_SERVE},
    {.name = "accounts", .kind = HB_CLI_STR, O(accounts), .commands = C_SERVE},
    {.name = "publish", .kind = HB_CLI_CALL, O(publish), .set = set_publish, .commands = C_RUN},
    {.name = "secret", .kind = HB_CLI_STR, O(secret), .commands = C_RUN},
    {.name = "subscriber-keys", .kind = HB_CLI_STR, O(subscriber_keys), .commands = C_RUN},
    {.name = "heartbeat-ms",
     .kind = HB_CLI_INT64,
     O(heartbeat_ms),
     .lo = 10,
     .hi = 3600000,
     .what = "an integer",
     .commands = C_RUN},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.name = "version", .letter = 'V', .kind = HB_CLI_VERSION},
    {.kind = HB_CLI_END},
};
#undef O

/* Step 1: the command (argv[1]), or --help / --version before any. Returns
 * SUB_CLI_RUN with cli->cmd set and *required its needs, or another
 * sub_cli_parse result. */
static int cli_command(int argc, char **argv, sub_cli *cli, const char **required, FILE *out,
                       char *err, size_t errlen)
{
  if (argc < 2) {
    snprintf(err, errlen, "no command given (snapshot, watch, run, show, report, export or serve)");
    return SUB_CLI_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    sub_cli_usage(out);
    return SUB_CLI_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
    fprintf(out, "%s %s\n", SUB_PROGRAM, HUIBAO_VERSION);
    return SUB_CLI_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0) {
      cli->cmd = commands[i].cmd;
      *required = commands[i].required;
      return SUB_CLI_RUN;
    }
  snprintf(err, errlen,
           "unknown command '%s' (snapshot, watch, run, show, report, export or serve)", cmd);
  return SUB_CLI_USAGE;
}

/* Step 3: the options the command cannot do without. Returns 0 or -1 with
 * err set (without the command's name). */
static int cli_required(const sub_cli *cli, const char *required, char *err, size_t errlen)
{
  if (strchr(required, 'c') && !cli->connect) {
    snprintf(err, errlen, "--connect EP[,EP...] is required");
    return -1;
  }
  if (strchr(required, 'd') && !cli->data) {
    snprintf(err, errlen, "--data DIR is required");
    return -1;
  }
  if (!cli->tls_cert != !cli->tls_key) {
    snprintf(err, errlen, "--tls-cert FILE and --tls-key FILE go together");
    return -1;
  }
  if (cli->accounts && cli->data) {
    snprintf(err, errlen,
             "--accounts DIR is for serve without --data (the accounts are in --data)");
    return -1;
  }
  if (strchr(required, '|') && !cli->connect == !cli->data) {
    snprintf(err, errlen,
             "give either --connect EP[,EP...] (live) or --data DIR (the view stored by `run`)");
    return -1;
  }
  const struct {
    char letter;
    const char *name, *have;
  } named[] = {{'m', "--campaign ID", cli->campaign},
               {'T', "--template FILE", cli->template_path},
               {'f', "--format", cli->format_name},
               {'H', "--http ADDR:PORT", cli->http}};
  for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
    if (strchr(required, named[i].letter) && !named[i].have) {
      snprintf(err, errlen, "%s is required", named[i].name);
      return -1;
    }
  return 0;
}

/* Step 4: CURVE keys, required unless --insecure, for the connections and
 * for --publish. Returns 0 or -1 with err set (without the command). */
static int cli_keys(const sub_cli *cli, char *err, size_t errlen)
{
  if (cli->insecure && (cli->key || cli->nserver_keys || cli->secret || cli->subscriber_keys)) {
    snprintf(err, errlen,
             "--insecure (plain TCP) contradicts --%s: give the CURVE keys or --insecure, "
             "not both",
             cli->key            ? "key"
             : cli->nserver_keys ? "server-key"
             : cli->secret       ? "secret"
                                 : "subscriber-keys");
    return -1;
  }
  if (cli->cmd != SUB_CMD_SHOW && cli->connect && !cli->insecure &&
      (!cli->key || !cli->nserver_keys)) {
    snprintf(err, errlen,
             "--key FILE (the city's secret cert) and one --server-key FILE per --connect "
             "endpoint are required, or --insecure for plain TCP");
    return -1;
  }
  if (!cli->publish && (cli->secret || cli->subscriber_keys || cli->heartbeat_ms)) {
    snprintf(err, errlen,
             "--secret, --subscriber-keys and --heartbeat-ms apply only with --publish EP");
    return -1;
  }
  if (cli->publish && !cli->insecure && (!cli->secret || !cli->subscriber_keys)) {
    snprintf(err, errlen,
             "--publish needs --%s: subscribers are authenticated with CURVE keys (see "
             "docs/security.md), or run with --insecure for plain TCP",
             !cli->secret ? "secret FILE (the city's secret cert)"
                          : "subscriber-keys DIR (the public certs allowed to subscribe)");
    return -1;
  }
  return 0;
}

int sub_cli_parse(int argc, char **argv, sub_cli *cli, FILE *out, char *err, size_t errlen)
{
  memset(cli, 0, sizeof *cli);
  cli->source = "city";
  cli->timeout_ms = 10000;
  cli->log_level = -1;

  /* 1. The command. */
  const char *required = "";
  int rc = cli_command(argc, argv, cli, &required, out, err, errlen);
  if (rc != SUB_CLI_RUN)
    return rc;
  const char *cmd = argv[1];

  /* 2. Its options (argv[1] plays argv[0]). */
  char why[400];
  int npos = argc - 1; /* list: problems|cases|activities, the one positional argument */
  rc = hb_cli_parse(opt_table, C(cli->cmd), cli, argc - 1, argv + 1,
                    cli->cmd == SUB_CMD_LIST ? &npos : NULL, why, sizeof why);
  if (rc == HB_CLI_RUN && cli->cmd == SUB_CMD_LIST) {
    if (argc - 1 - npos == 1)
      cli->list_what = argv[1 + npos];
    else {
      snprintf(why, sizeof why, "say what to list: problems, cases or activities");
      rc = HB_EINVAL;
    }
  }
  if (rc == HB_CLI_HELP_ASKED) {
    sub_cli_usage(out);
    return SUB_CLI_EXIT_OK;
  }
  if (rc == HB_CLI_VERSION_ASKED) {
    fprintf(out, "%s %s\n", SUB_PROGRAM, HUIBAO_VERSION);
    return SUB_CLI_EXIT_OK;
  }

  /* 3, 4. What it needs, and its keys. */
  if (rc == HB_CLI_RUN &&
      (cli_required(cli, required, why, sizeof why) != 0 || cli_keys(cli, why, sizeof why) != 0))
    rc = HB_EINVAL;
  if (rc != HB_CLI_RUN) {
    snprintf(err, errlen, "%s: %s", cmd, why);
    return SUB_CLI_USAGE;
  }

  /* 5. Defaults that depend on the command. */
  if (cli->log_level < 0)
    cli->log_level =
        cli->cmd == SUB_CMD_RUN || cli->cmd == SUB_CMD_SERVE ? HB_LOG_INFO : HB_LOG_WARNING;
  if (!cli->format)
    cli->format = cli->cmd == SUB_CMD_WATCH ? SUB_FORMAT_TABLE : SUB_FORMAT_JSON;
  return SUB_CLI_RUN;
}
