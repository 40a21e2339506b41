/* cli.h: huibao-sub's command line. */
#ifndef SUB_CLI_H
#define SUB_CLI_H

#include <stdint.h>
#include <stdio.h>
#include "view.h"

#define SUB_PROGRAM "huibao-sub"
#define SUB_MAX_ENDPOINTS 64

typedef enum sub_cmd {
  SUB_CMD_NONE = 0,
  SUB_CMD_SNAPSHOT,
  SUB_CMD_WATCH,
  SUB_CMD_RUN,
  SUB_CMD_SHOW,
  SUB_CMD_REPORT, /* report.h */
  SUB_CMD_EXPORT, /* export.h */
  SUB_CMD_SERVE,  /* serve.h */
  SUB_CMD_LIST,   /* issue 15: list.h (lists helper) */
  SUB_CMD_VERIFY, /* issue 15: verify.h (verify helper) */
} sub_cmd;

typedef struct sub_cli {
  sub_cmd cmd;
  const char *connect; /* EP[,EP...] */
  const char *campaign;
  const char *data;
  const char *source; /* code of the merged view (default "city") */
  const char *source_name;
  sub_format format;         /* snapshot/watch/run/show: default json (table for watch) */
  const char *format_name;   /* --format as given (report, export: checked by the command) */
  const char *template_path; /* report --template FILE */
  const char *period;        /* report --period ID (NULL: the last closed period) */
  const char *out;           /* report/export --out FILE (NULL: stdout where allowed) */
  const char *http;          /* serve --http ADDR:PORT */
  const char *metrics;       /* run/serve --metrics ADDR:PORT (NULL: none) */
  const char *http_host;     /* run/serve --http-host NAME[,NAME...]: Host names answered */
  int64_t timeout_ms;        /* snapshot, default 10 s */
  int64_t stale_after_ms;    /* 0: 3 x each publisher's heartbeat */
  int log_level;             /* default: info for run, warning otherwise */
  const char *key;           /* CURVE: the city's secret cert */
  const char *server_keys[SUB_MAX_ENDPOINTS]; /* each county's public cert, in --connect order */
  size_t nserver_keys;
  const char *server_codes[SUB_MAX_ENDPOINTS]; /* each county's source code, same order (opt.) */
  size_t nserver_codes;
  int insecure;                /* plain TCP, explicitly (connections and --publish) */
  const char *publish;         /* run --publish EP: republish the merged view (republish.h) */
  const char *secret;          /* --publish: the city's own secret cert (CURVE server) */
  const char *subscriber_keys; /* --publish: folder of the subscribers' public certs */
  int64_t heartbeat_ms;        /* --publish: republish every campaign every N ms (0: 1000) */
  const char *tls_cert;        /* serve --tls-cert FILE: HTTPS (with --tls-key) */
  const char *tls_key;         /* serve --tls-key FILE */
  const char *accounts;        /* serve --accounts DIR: the logins' store without --data */
  /* issue 15, lists (list.h): list problems|cases|activities and its filters */
  const char *list_what; /* "problems", "cases", "activities" */
  const char *unit, *category, *status;
  int overdue;
  /* issue 15, the replica (replica.h): each county's detail endpoint, in
   * --connect order, and the city's own registry of unit signing keys */
  const char *details[SUB_MAX_ENDPOINTS];
  size_t ndetails;
  const char *unit_keys; /* --unit-keys DIR (hb_sign.h registry) */
} sub_cli;

/* What sub_cli_parse decided. */
enum { SUB_CLI_RUN = 0, SUB_CLI_EXIT_OK = 1, SUB_CLI_USAGE = 2 };

/* Parses argv (argv[1] is the command). Returns SUB_CLI_RUN with *cli
 * filled, SUB_CLI_EXIT_OK after printing --help or --version to out, or
 * SUB_CLI_USAGE with a one-line reason in err (the program exits 64).
 * The options are a table of lib/hb_cli.h (getopt_long: resets optind). */
int sub_cli_parse(int argc, char **argv, sub_cli *cli, FILE *out, char *err, size_t errlen);

void sub_cli_usage(FILE *f);

#endif
