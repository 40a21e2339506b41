/* commands.c: snapshot, watch, run and show (see commands.h). */
#include "commands.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "collect.h"
#include "exit.h"
#include "gather.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "loop.h"
#include "replica_sync.h"
#include "metrics.h"
#include "net.h"
#include "republish.h"
#include "store.h"
#include "verify.h"
#include "view.h"

/* Prints c merged as cli asks; returns the exit code of a failed write or
 * EX_OK. */
static int print_view(const sub_collect *c, const sub_view_opts *o, sub_format fmt)
{
  int rc = sub_view_print(c, o, fmt, stdout);
  if (rc != 0) {
    fprintf(stderr, "%s: writing the view: %s\n", SUB_PROGRAM, hb_strerror(rc));
    return sub_exit_for(rc);
  }
  return EX_OK;
}

int sub_snapshot(const sub_cli *cli)
{
  sub_collect c;
  sub_collect_init(&c);
  char **eps = NULL;
  size_t neps = 0;
  int ex = sub_gather(cli, &c, &eps, &neps);
  if (ex == EX_OK || ex == EX_TEMPFAIL) {
    sub_view_opts o;
    sub_view_opts_from_cli(cli, &o);
    o.origins = eps;
    o.norigins = neps;
    o.mark_missing = true;
    int pex = print_view(&c, &o, cli->format);
    ex = pex != EX_OK ? pex : ex;
  }
  sub_collect_free(&c);
  sub_net_free_list(eps, neps);
  return ex;
}

int sub_show(const sub_cli *cli)
{
  sub_collect c;
  sub_collect_init(&c);
  int ex = sub_gather_stored(cli, &c);
  if (ex == EX_OK) {
    sub_view_opts o;
    sub_view_opts_from_cli(cli, &o);
    ex = print_view(&c, &o, cli->format);
  }
  sub_collect_free(&c);
  return ex;
}

/* watch: the terminal's picture of the view. */
typedef struct watch {
  const sub_cli *cli;
  sub_view_opts o;
} watch;

/* The loop's change step: redraws the whole screen. */
static int watch_draw(void *arg, sub_collect *c, int64_t now_ms)
{
  (void)now_ms;
  const watch *w = arg;
  char iso[40];
  hb_time_format_iso(hb_time_now_ms(), iso, sizeof iso);
  fputs("\x1b[H\x1b[2J", stdout);
  if (c->count == 0)
    printf("等待汇总 waiting for rollups from %s ...\n", w->cli->connect);
  else
    sub_view_print(c, &w->o, SUB_FORMAT_TABLE, stdout);
  printf("\n刷新于 %s   Ctrl-C 退出 (quit)\n", iso);
  fflush(stdout);
  return 0;
}

int sub_watch(const sub_cli *cli)
{
  sub_net net;
  char **eps = NULL;
  size_t neps = 0;
  int ex = sub_net_open_cli(&net, cli, &eps, &neps);
  if (ex)
    return ex;
  sub_collect c;
  sub_collect_init(&c);
  watch w = {.cli = cli};
  sub_view_opts_from_cli(cli, &w.o);
  watch_draw(&w, &c, 0); /* "waiting" at once */
  sub_loop_opts o = {
      .net = &net,
      .campaign = cli->campaign,
      .mark_stale = true,
      .stale_after_ms = cli->stale_after_ms,
      .on_change = watch_draw,
      .arg = &w,
  };
  int rc = sub_loop_run(&o, &c);
  sub_collect_free(&c);
  sub_net_close(&net);
  sub_net_free_list(eps, neps);
  return rc ? sub_exit_for(rc) : EX_OK;
}

/* run --publish: the republisher of the merged view; on failure prints why
 * and returns the exit code (78: keys or bind), else 0 with *out (NULL
 * without --publish). */
static int open_republish(const sub_cli *cli, sub_republish **out)
{
  *out = NULL;
  if (!cli->publish)
    return 0;
  sub_republish_opts o;
  memset(&o, 0, sizeof o);
  o.endpoint = cli->publish;
  o.secret = cli->insecure ? NULL : cli->secret;
  o.subscriber_keys = cli->subscriber_keys;
  o.heartbeat_ms = (uint32_t)cli->heartbeat_ms;
  sub_view_opts_from_cli(cli, &o.view);
  char err[512];
  int rc = sub_republish_open(out, &o, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    return rc == HB_ENOMEM ? EX_SOFTWARE : EX_CONFIG;
  }
  if (cli->insecure)
    hb_log_warn("insecure: republishing on %s in plain TCP, to anyone", cli->publish);
  hb_log_info("republishing the merged view as %s on %s", cli->source,
              sub_republish_endpoint(*out));
  return 0;
}

/* Opens --data and loads the view kept there into c; on failure prints why
 * and returns the exit code, else 0 with *out. */
static int open_store(const sub_cli *cli, sub_collect *c, sub_store **out)
{
  char err[512];
  int rc = sub_store_open(out, cli->data, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    return sub_exit_for(rc);
  }
  size_t skipped = 0;
  if ((rc = sub_store_load_view(*out, c, hb_time_mono_ms(), &skipped)) != 0) {
    fprintf(stderr, "%s: reading %s: %s\n", SUB_PROGRAM, cli->data, hb_strerror(rc));
    sub_store_close(*out);
    *out = NULL;
    return sub_exit_for(rc);
  }
  if (skipped)
    hb_log_warn("%zu stored rollups could not be read and were skipped", skipped);
  hb_log_info("loaded %zu stored rollups from %s", c->count, cli->data);
  return 0;
}

int sub_run(const sub_cli *cli)
{
  int ex = sub_metrics_start(cli->metrics, cli->http_host);
  if (ex != EX_OK)
    return ex;
  sub_collect c;
  sub_collect_init(&c);
  sub_store *st = NULL;
  sub_net net;
  char **eps = NULL;
  size_t neps = 0;
  sub_republish *rp = NULL;
  sub_verify *ver = NULL; /* issue 15: each county checked against the replica (verify.h) */
  if ((ex = open_store(cli, &c, &st)) != 0)
    goto out;
  if ((ex = sub_net_open_cli(&net, cli, &eps, &neps)) != 0)
    goto out;
  hb_log_info("subscribed to %s", cli->connect);
  /* the codes bound to endpoints by the first rollups of earlier runs */
  char bindings[4096];
  snprintf(bindings, sizeof bindings, "%s/%s", cli->data, SUB_BINDINGS_FILE);
  int nb = sub_net_bindings_load(&net, bindings);
  if (nb < 0)
    hb_log_warn("could not read %s: each endpoint keeps the first code it gives again", bindings);
  else if (nb > 0)
    hb_log_info("%d endpoints speak for the codes they gave before (%s)", nb, bindings);
  sub_replica_run rep = {0}; /* issue 15: --detail */
  if ((ex = sub_replica_run_start(&rep, cli)) == 0 && rep.r && sub_verify_new(&ver, rep.r) != 0)
    ex = EX_SOFTWARE;
  if (ex == 0 && (ex = open_republish(cli, &rp)) == 0) {
    sub_loop_opts o = {
        .net = &net,
        .campaign = cli->campaign,
        .bindings = net.configured ? NULL : bindings,
        .log_malformed = true,
        .mark_stale = true,
        .stale_after_ms = cli->stale_after_ms,
        .log_stale = true,
        .store = st,
        .verify = ver,
        .republish = rp,
        .subscriber_keys = cli->subscriber_keys,
        .replica = rep.s,
    };
    int rc = sub_loop_run(&o, &c);
    ex = rc ? sub_exit_for(rc) : EX_OK;
  }
  sub_verify_free(ver); /* before the replica it reads */
  ver = NULL;
  sub_replica_run_stop(&rep);
  sub_republish_close(rp);
  hb_log_info("stopped");
  sub_net_close(&net);
  sub_net_free_list(eps, neps);
out:
  sub_collect_free(&c);
  sub_store_close(st);
  return ex;
}
