/* gather.c: the rollups of the one-shot commands (see gather.h). */
#include "gather.h"

#include <stdio.h>
#include <sys/stat.h>
#include <sysexits.h>
#include "exit.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "loop.h"
#include "net.h"
#include "store.h"

bool sub_gather_complete(const sub_collect *c, char *const *origins, size_t n, const char *campaign)
{
  for (size_t i = 0; i < n; i++) {
    if (campaign) {
      if (!sub_collect_find((sub_collect *)c, origins[i], campaign))
        return false;
      continue;
    }
    uint32_t announced;
    size_t have = sub_collect_origin_count(c, origins[i], &announced);
    if (have == 0 || have < announced)
      return false;
  }
  return true;
}

/* The loop's end hook: every endpoint gave what was asked. */
typedef struct live {
  const sub_cli *cli;
  char **eps;
  size_t neps;
} live;

static bool live_done(void *arg, const sub_collect *c)
{
  const live *l = arg;
  return sub_gather_complete(c, l->eps, l->neps, l->cli->campaign);
}

/* Names on stderr each endpoint that did not give what was asked, with
 * what its handshake says when it says something. */
static void name_missing(const sub_cli *cli, sub_net *net, const sub_collect *c, char **eps,
                         size_t neps)
{
  for (size_t i = 0; i < neps; i++) {
    uint32_t ann;
    size_t have = sub_collect_origin_count(c, eps[i], &ann);
    char why[256];
    const char *hs = sub_net_explain(net, i, why, sizeof why);
    if (cli->campaign ? !sub_collect_find((sub_collect *)c, eps[i], cli->campaign)
                      : have == 0 || have < ann)
      fprintf(stderr, "%s: %s: no%s rollup within %.1f s%s%s\n", SUB_PROGRAM, eps[i],
              have ? " complete" : "", (double)cli->timeout_ms / 1000.0, hs ? ": " : "",
              hs ? hs : "");
  }
}

/* Receives until every endpoint gave what was asked, or the timeout.
 * Returns EX_OK, EX_TEMPFAIL or an exit code (after printing why) when the
 * sockets cannot be opened. */
static int gather_live(const sub_cli *cli, sub_collect *c, char ***eps_out, size_t *neps_out)
{
  sub_net net;
  live l = {cli, NULL, 0};
  int ex = sub_net_open_cli(&net, cli, &l.eps, &l.neps);
  if (ex)
    return ex;
  sub_loop_opts o = {
      .net = &net,
      .campaign = cli->campaign,
      .key_by_endpoint = true,
      .deadline_ms = hb_time_mono_ms() + cli->timeout_ms,
      .done = live_done,
      .arg = &l,
  };
  (void)sub_loop_run(&o, c); /* a socket error was logged: what came is reported below */
  if (net.bad)
    hb_log_warn("dropped %zu malformed messages", net.bad);
  bool done = live_done(&l, c);
  if (!done)
    name_missing(cli, &net, c, l.eps, l.neps);
  sub_net_close(&net);
  *eps_out = l.eps;
  *neps_out = l.neps;
  return done ? EX_OK : EX_TEMPFAIL;
}

int sub_gather_stored(const sub_cli *cli, sub_collect *c)
{
  char path[4096], err[512];
  struct stat sb;
  snprintf(path, sizeof path, "%s/data.mdb", cli->data);
  if (stat(path, &sb) != 0) {
    fprintf(stderr, "%s: no stored view in %s (run `huibao-sub run --data %s` first)\n",
            SUB_PROGRAM, cli->data, cli->data);
    return EX_NOINPUT;
  }
  sub_store *st;
  int rc = sub_store_open(&st, cli->data, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    return sub_exit_for(rc);
  }
  size_t skipped = 0;
  rc = sub_store_load_view(st, c, hb_time_mono_ms(), &skipped);
  sub_store_close(st);
  if (rc != 0) {
    fprintf(stderr, "%s: reading %s: %s\n", SUB_PROGRAM, cli->data, hb_strerror(rc));
    return sub_exit_for(rc);
  }
  if (skipped)
    fprintf(stderr, "%s: %zu stored rollups could not be read\n", SUB_PROGRAM, skipped);
  return EX_OK;
}

int sub_gather(const sub_cli *cli, sub_collect *c, char ***origins, size_t *norigins)
{
  char **eps = NULL;
  size_t neps = 0;
  int ex = cli->connect ? gather_live(cli, c, &eps, &neps) : sub_gather_stored(cli, c);
  if (origins) {
    *origins = eps;
    *norigins = neps;
  } else {
    sub_net_free_list(eps, neps);
  }
  return ex;
}
