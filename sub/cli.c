/* cli.c: parsing huibao-sub's command line. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
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
        "         [--format text|md|docx] [--out FILE]\n"
        "      fill a report template (docs/templates/) with the campaign's rollup\n"
        "  export (--connect EP[,EP...] | --data DIR) --format csv|xlsx [--out FILE]\n"
        "         [--campaign ID]\n"
        "      the per-unit table and the totals, one sheet per campaign\n"
        "  serve --connect EP[,EP...] --http ADDR:PORT [--data DIR]\n"
        "      the live dashboard (and its JSON) over HTTP\n"
        "\n"
        "Options:\n"
        "  --key FILE           the city's secret cert (huibao-keygen NAME.key_secret)\n"
        "  --server-key FILE    a county's public cert; once per --connect endpoint, same order\n"
        "  --insecure           plain TCP, no encryption or authentication\n"
        "  --metrics ADDR:PORT  (run, serve) Prometheus metrics over HTTP\n"
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

static const struct {
  const char *name;
  sub_cmd cmd;
  const char *allowed;  /* option letters this command takes */
  const char *required; /* of those, the ones it cannot do without; "|" = --connect or --data */
} commands[] = {
    {"snapshot", SUB_CMD_SNAPSHOT, "cmftsnlkKI", "c"},
    {"watch", SUB_CMD_WATCH, "cmasnlkKI", "c"},
    {"run", SUB_CMD_RUN, "cmdasnlkKIMPSUB", "cd"},
    {"show", SUB_CMD_SHOW, "dmfsnl", "d"},
    {"report", SUB_CMD_REPORT, "cdmfTotsnlkKI", "|mT"},
    {"export", SUB_CMD_EXPORT, "cdmfotsnlkKI", "|f"},
    {"serve", SUB_CMD_SERVE, "cdmHMasnlkKI", "cH"},
};

/* Parses a positive duration in seconds ("10", "0.5") into ms. */
static int parse_secs(const char *s, int64_t *ms)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !isfinite(v) || v <= 0 || v > 86400.0 * 365)
    return -1;
  *ms = (int64_t)(v * 1000.0 + 0.5);
  return *ms > 0 ? 0 : -1;
}

static int parse_ms(const char *s, int64_t *ms)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v <= 0 || v > 86400LL * 1000 * 365)
    return -1;
  *ms = v;
  return 0;
}

int sub_cli_parse(int argc, char **argv, sub_cli *cli, FILE *out, char *err, size_t errlen)
{
  static const struct option opts[] = {
      {"connect", required_argument, NULL, 'c'},
      {"campaign", required_argument, NULL, 'm'},
      {"format", required_argument, NULL, 'f'},
      {"timeout", required_argument, NULL, 't'},
      {"data", required_argument, NULL, 'd'},
      {"stale-after-ms", required_argument, NULL, 'a'},
      {"source", required_argument, NULL, 's'},
      {"source-name", required_argument, NULL, 'n'},
      {"log-level", required_argument, NULL, 'l'},
      {"key", required_argument, NULL, 'k'},
      {"server-key", required_argument, NULL, 'K'},
      {"insecure", no_argument, NULL, 'I'},
      {"template", required_argument, NULL, 'T'},
      {"out", required_argument, NULL, 'o'},
      {"http", required_argument, NULL, 'H'},
      {"metrics", required_argument, NULL, 'M'},
      {"publish", required_argument, NULL, 'P'},
      {"secret", required_argument, NULL, 'S'},
      {"subscriber-keys", required_argument, NULL, 'U'},
      {"heartbeat-ms", required_argument, NULL, 'B'},
      {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},
      {NULL, 0, NULL, 0},
  };
  memset(cli, 0, sizeof *cli);
  cli->source = "city";
  cli->timeout_ms = 10000;
  cli->log_level = -1;
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
  const char *allowed = NULL, *required = "";
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(cmd, commands[i].name) == 0) {
      cli->cmd = commands[i].cmd;
      allowed = commands[i].allowed;
      required = commands[i].required;
    }
  if (!allowed) {
    snprintf(err, errlen,
             "unknown command '%s' (snapshot, watch, run, show, report, export or serve)", cmd);
    return SUB_CLI_USAGE;
  }

  opterr = 0;
  optind = 1;
  int c, li = -1;
  argv++;
  argc--;
  while ((li = -1, c = getopt_long(argc, argv, ":hV", opts, &li)) != -1) {
    if (c == 'h') {
      sub_cli_usage(out);
      return SUB_CLI_EXIT_OK;
    }
    if (c == 'V') {
      fprintf(out, "%s %s\n", SUB_PROGRAM, HUIBAO_VERSION);
      return SUB_CLI_EXIT_OK;
    }
    if (c == '?') {
      snprintf(err, errlen, "%s: unknown option '%s'", cmd, argv[optind - 1]);
      return SUB_CLI_USAGE;
    }
    if (c == ':') {
      snprintf(err, errlen, "%s: option '%s' needs a value", cmd, argv[optind - 1]);
      return SUB_CLI_USAGE;
    }
    if (!strchr(allowed, c)) {
      snprintf(err, errlen, "%s: option '--%s' does not apply to this command", cmd,
               li >= 0 ? opts[li].name : "?");
      return SUB_CLI_USAGE;
    }
    switch (c) {
    case 'c': cli->connect = optarg; break;
    case 'm':
      if (!*optarg || strlen(optarg) > 200) {
        snprintf(err, errlen, "%s: --campaign: empty or too long", cmd);
        return SUB_CLI_USAGE;
      }
      cli->campaign = optarg;
      break;
    case 'f':
      cli->format_name = optarg;
      if (cli->cmd == SUB_CMD_REPORT || cli->cmd == SUB_CMD_EXPORT)
        break; /* the command checks its own formats */
      if (!(cli->format = sub_view_format_parse(optarg))) {
        snprintf(err, errlen, "%s: --format: '%s' is not json or table", cmd, optarg);
        return SUB_CLI_USAGE;
      }
      break;
    case 't':
      if (parse_secs(optarg, &cli->timeout_ms) != 0) {
        snprintf(err, errlen, "%s: --timeout: '%s' is not a positive number of seconds", cmd,
                 optarg);
        return SUB_CLI_USAGE;
      }
      break;
    case 'd': cli->data = optarg; break;
    case 'T': cli->template_path = optarg; break;
    case 'o': cli->out = optarg; break;
    case 'H': cli->http = optarg; break;
    case 'M': cli->metrics = optarg; break;
    case 'P': {
      char why[256];
      if (hb_zmq_endpoint_valid(optarg, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: --publish: %s", cmd, why);
        return SUB_CLI_USAGE;
      }
      cli->publish = optarg;
      break;
    }
    case 'S': cli->secret = optarg; break;
    case 'U': cli->subscriber_keys = optarg; break;
    case 'B':
      if (parse_ms(optarg, &cli->heartbeat_ms) != 0 || cli->heartbeat_ms < 10 ||
          cli->heartbeat_ms > 3600000) {
        snprintf(err, errlen, "%s: --heartbeat-ms: '%s' is not an integer from 10 to 3600000", cmd,
                 optarg);
        return SUB_CLI_USAGE;
      }
      break;
    case 'k': cli->key = optarg; break;
    case 'I': cli->insecure = 1; break;
    case 'K':
      if (cli->nserver_keys == SUB_MAX_ENDPOINTS) {
        snprintf(err, errlen, "%s: more than %d --server-key", cmd, SUB_MAX_ENDPOINTS);
        return SUB_CLI_USAGE;
      }
      cli->server_keys[cli->nserver_keys++] = optarg;
      break;
    case 'a':
      if (parse_ms(optarg, &cli->stale_after_ms) != 0) {
        snprintf(err, errlen, "%s: --stale-after-ms: '%s' is not a positive integer", cmd, optarg);
        return SUB_CLI_USAGE;
      }
      break;
    case 's':
      if (!*optarg) {
        snprintf(err, errlen, "%s: --source: empty", cmd);
        return SUB_CLI_USAGE;
      }
      cli->source = optarg;
      break;
    case 'n': cli->source_name = optarg; break;
    case 'l':
      if ((cli->log_level = hb_log_level_parse(optarg)) < 0) {
        snprintf(err, errlen, "%s: --log-level: '%s' is not error|warning|notice|info|debug", cmd,
                 optarg);
        return SUB_CLI_USAGE;
      }
      break;
    default: snprintf(err, errlen, "%s: unexpected option", cmd); return SUB_CLI_USAGE;
    }
  }
  if (optind < argc) {
    snprintf(err, errlen, "%s: unexpected argument '%s'", cmd, argv[optind]);
    return SUB_CLI_USAGE;
  }
  if (strchr(required, 'c') && !cli->connect) {
    snprintf(err, errlen, "%s: --connect EP[,EP...] is required", cmd);
    return SUB_CLI_USAGE;
  }
  if (strchr(required, 'd') && !cli->data) {
    snprintf(err, errlen, "%s: --data DIR is required", cmd);
    return SUB_CLI_USAGE;
  }
  if (strchr(required, '|') && !cli->connect == !cli->data) {
    snprintf(err, errlen,
             "%s: give either --connect EP[,EP...] (live) or --data DIR (the view "
             "stored by `run`)",
             cmd);
    return SUB_CLI_USAGE;
  }
  static const struct {
    char letter;
    const char *name;
  } named[] = {{'m', "--campaign ID"},
               {'T', "--template FILE"},
               {'f', "--format"},
               {'H', "--http ADDR:PORT"}};
  for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
    const char *have = named[i].letter == 'm'   ? cli->campaign
                       : named[i].letter == 'T' ? cli->template_path
                       : named[i].letter == 'f' ? cli->format_name
                                                : cli->http;
    if (strchr(required, named[i].letter) && !have) {
      snprintf(err, errlen, "%s: %s is required", cmd, named[i].name);
      return SUB_CLI_USAGE;
    }
  }
  if (strchr(allowed, 'I') && cli->connect && !cli->insecure && (!cli->key || !cli->nserver_keys)) {
    snprintf(err, errlen,
             "%s: --key FILE (the city's secret cert) and one --server-key FILE per --connect "
             "endpoint are required, or --insecure for plain TCP",
             cmd);
    return SUB_CLI_USAGE;
  }
  if (!cli->publish && (cli->secret || cli->subscriber_keys || cli->heartbeat_ms)) {
    snprintf(err, errlen,
             "%s: --secret, --subscriber-keys and --heartbeat-ms apply only with "
             "--publish EP",
             cmd);
    return SUB_CLI_USAGE;
  }
  if (cli->publish && !cli->insecure && (!cli->secret || !cli->subscriber_keys)) {
    snprintf(err, errlen,
             "%s: --publish needs --%s: subscribers are authenticated with CURVE keys (see "
             "docs/security.md), or run with --insecure for plain TCP",
             cmd,
             !cli->secret ? "secret FILE (the city's secret cert)"
                          : "subscriber-keys DIR (the public certs allowed to subscribe)");
    return SUB_CLI_USAGE;
  }
  if (cli->log_level < 0)
    cli->log_level =
        cli->cmd == SUB_CMD_RUN || cli->cmd == SUB_CMD_SERVE ? HB_LOG_INFO : HB_LOG_WARNING;
  if (!cli->format)
    cli->format = cli->cmd == SUB_CMD_WATCH ? SUB_FORMAT_TABLE : SUB_FORMAT_JSON;
  return SUB_CLI_RUN;
}
