/* huibao-sub: the city side. Subscribes to county aggregators' rollups,
 * merges them, prints them (snapshot, watch) or keeps them (run, show), and
 * turns them into reports, spreadsheets and a dashboard (report, export, serve). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "account.h"
#include "cli.h"
#include "hb_log.h"
#include "export.h"
#include "list.h"
#include "loop.h"
#include "commands.h"
#include "report.h"
#include "serve.h"

static void on_signal(int sig)
{
  (void)sig;
  sub_loop_stop = 1;
}

static void on_hup(int sig)
{
  (void)sig;
  sub_loop_reload = 1;
}

static void install_signals(sub_cmd cmd)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  signal(SIGPIPE, SIG_IGN);
  if (cmd == SUB_CMD_RUN) { /* run --publish: read --subscriber-keys again; the */
    sa.sa_handler = on_hup; /* other commands keep SIGHUP's default (they end) */
    sigaction(SIGHUP, &sa, NULL);
  }
}

int main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "account") == 0) /* issue 14: the dashboard's logins */
    return sub_account_main(argc - 1, argv + 1);
  sub_cli cli;
  char err[512];
  switch (sub_cli_parse(argc, argv, &cli, stdout, err, sizeof err)) {
  case SUB_CLI_EXIT_OK: return EX_OK;
  case SUB_CLI_USAGE:
    fprintf(stderr, "%s: %s\nTry '%s --help'.\n", SUB_PROGRAM, err, SUB_PROGRAM);
    return EX_USAGE;
  default: break;
  }
  hb_log_init(SUB_PROGRAM, cli.log_level);
  install_signals(cli.cmd);
  switch (cli.cmd) {
  case SUB_CMD_SNAPSHOT: return sub_snapshot(&cli);
  case SUB_CMD_WATCH: return sub_watch(&cli);
  case SUB_CMD_RUN: return sub_run(&cli);
  case SUB_CMD_SHOW: return sub_show(&cli);
  case SUB_CMD_REPORT: return sub_report(&cli);
  case SUB_CMD_EXPORT: return sub_export(&cli);
  case SUB_CMD_SERVE: return sub_serve(&cli);
  case SUB_CMD_LIST: return sub_list(&cli);
  default: return EX_SOFTWARE;
  }
}
