/* live.c: the listening loops of huibao-sub. */
#include "hb_cert.h"
#include "live.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "collect.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "metrics.h"
#include "net.h"
#include "republish.h"
#include "view.h"
#include "view_store.h"

volatile sig_atomic_t sub_stop;
volatile sig_atomic_t sub_reload;

#define FLUSH_EVERY_MS 250
#define REDRAW_EVERY_MS 250
#define POLL_MS 100

bool sub_snapshot_complete(const sub_collect *c, char *const *origins, size_t n,
                           const char *campaign)
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

int sub_live_exit_for(int err)
{
  switch (err) {
  case HB_EIO: return EX_IOERR;
  case HB_EFULL: return EX_IOERR;
  case HB_ENOSPC: return EX_IOERR;
  case HB_EINVAL: return EX_USAGE;
  default: return EX_SOFTWARE;
  }
}

/* Opens the sockets of cli->connect; on failure prints why and returns the
 * exit code. */
static int open_net(const sub_cli *cli, sub_net *net, char ***eps, size_t *neps)
{
  char err[512];
  if (sub_net_parse_list(cli->connect, eps, neps, err, sizeof err) != 0) {
    fprintf(stderr, "%s: --connect: %s\n", SUB_PROGRAM, err);
    return EX_USAGE;
  }
  hb_cert key;
  char *publics[SUB_MAX_ENDPOINTS];
  if (cli->insecure)
    hb_log_warn("insecure: plain TCP to %s, not encrypted, not authenticated", cli->connect);
  if (!cli->insecure) {
    if (cli->nserver_keys != *neps) {
      fprintf(stderr,
              "%s: %zu --connect endpoints but %zu --server-key: give one per endpoint, "
              "in the same order\n",
              SUB_PROGRAM, *neps, cli->nserver_keys);
      sub_net_free_list(*eps, *neps);
      *eps = NULL;
      return EX_USAGE;
    }
    hb_diags d;
    hb_diags_init(&d);
    int krc = hb_cert_read(cli->key, 1, &key, &d);
    static hb_cert servers[SUB_MAX_ENDPOINTS];
    for (size_t i = 0; krc == HB_OK && i < *neps; i++) {
      krc = hb_cert_read(cli->server_keys[i], 0, &servers[i], &d);
      publics[i] = servers[i].public_key;
    }
    hb_diags_write(&d, stderr);
    hb_diags_free(&d);
    if (krc != HB_OK) {
      sub_net_free_list(*eps, *neps);
      *eps = NULL;
      return EX_CONFIG;
    }
  }
  int rc = sub_net_open_secure(net, *eps, *neps, cli->campaign, cli->insecure ? NULL : &key,
                               publics, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    sub_net_free_list(*eps, *neps);
    *eps = NULL;
    return rc == HB_EINVAL ? EX_USAGE : EX_SOFTWARE;
  }
  return 0;
}

static void view_opts(const sub_cli *cli, sub_view_opts *o)
{
  memset(o, 0, sizeof *o);
  o->source = cli->source;
  o->source_name = cli->source_name;
  o->campaign = cli->campaign;
}

/* Receives one message (waiting at most wait_ms) and offers it. origin_ep:
 * key by endpoint (snapshot) rather than by the rollup's source. Returns 1
 * if something was kept, 0 if not, <0 on a socket error. */
static int receive(sub_net *net, sub_collect *c, const sub_cli *cli, int wait_ms, bool origin_ep)
{
  size_t ep;
  Huibao__V1__Rollup *r = NULL;
  int rc = sub_net_recv(net, wait_ms, &ep, &r);
  sub_metrics_malformed(net->bad);
  sub_metrics_view(c);
  if (rc <= 0)
    return rc;
  if (cli->campaign && strcmp(r->campaign, cli->campaign) != 0) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return 0;
  }
  char origin[512];
  snprintf(origin, sizeof origin, "%s", origin_ep ? net->eps[ep] : r->source);
  char campaign[512];
  snprintf(campaign, sizeof campaign, "%s", r->campaign);
  sub_entry *old = sub_collect_find(c, origin, campaign);
  uint64_t old_seq = old ? old->r->seq : 0;
  bool epoch_changed = old && old->r->has_epoch && r->has_epoch && old->r->epoch != r->epoch;
  bool was_stale = false;
  uint64_t seq = r->seq;
  rc = sub_collect_offer(c, origin, r, hb_time_mono_ms(), &was_stale);
  sub_metrics_rollup(origin, rc);
  if (rc == HB_EFULL) {
    hb_log_warn("too many (county, campaign) pairs; dropped %s/%s", origin, campaign);
    return 0;
  }
  if (rc < 0)
    return rc;
  if (was_stale)
    hb_log_notice("county %s campaign %s: heard again", origin, campaign);
  if (rc == 1 && epoch_changed)
    hb_log_notice("county %s campaign %s: its store changed (restored from a backup?): "
                  "seq %" PRIu64 " -> %" PRIu64 " taken",
                  origin, campaign, old_seq, seq);
  else if (rc == 1 && !old)
    hb_log_info("county %s campaign %s: seq %" PRIu64, origin, campaign, seq);
  else if (rc == 1 && seq != old_seq)
    hb_log_info("county %s campaign %s: seq %" PRIu64 " -> %" PRIu64, origin, campaign, old_seq,
                seq);
  return rc;
}

/* Receives until every endpoint gave what was asked, or the timeout; names
 * the missing endpoints on stderr. Returns EX_OK, EX_TEMPFAIL or an exit code
 * (after printing why) when the sockets cannot be opened. */
static int gather_live(const sub_cli *cli, sub_collect *c, char ***eps_out, size_t *neps_out)
{
  sub_net net;
  char **eps = NULL;
  size_t neps = 0;
  int ex = open_net(cli, &net, &eps, &neps);
  if (ex)
    return ex;
  int64_t deadline = hb_time_mono_ms() + cli->timeout_ms;
  bool done = false;
  while (!sub_stop && !done) {
    int64_t left = deadline - hb_time_mono_ms();
    if (left <= 0)
      break;
    int rc = receive(&net, c, cli, left < POLL_MS ? (int)left : POLL_MS, true);
    if (rc < 0) {
      hb_log_err("receive: %s", hb_strerror(rc));
      break;
    }
    done = sub_snapshot_complete(c, eps, neps, cli->campaign);
  }
  if (net.bad)
    hb_log_warn("dropped %zu malformed messages", net.bad);
  if (!done) {
    for (size_t i = 0; i < neps; i++) {
      uint32_t ann;
      size_t have = sub_collect_origin_count(c, eps[i], &ann);
      char why[256];
      const char *hs = sub_net_explain(&net, i, why, sizeof why);
      if (cli->campaign ? !sub_collect_find(c, eps[i], cli->campaign) : have == 0 || have < ann)
        fprintf(stderr, "%s: %s: no%s rollup within %.1f s%s%s\n", SUB_PROGRAM, eps[i],
                have ? " complete" : "", (double)cli->timeout_ms / 1000.0, hs ? ": " : "",
                hs ? hs : "");
    }
  }
  sub_net_close(&net);
  *eps_out = eps;
  *neps_out = neps;
  return done ? EX_OK : EX_TEMPFAIL;
}

/* Loads the view stored by `run` in cli->data. */
static int gather_stored(const sub_cli *cli, sub_collect *c)
{
  char path[4096], err[512];
  struct stat sb;
  snprintf(path, sizeof path, "%s/data.mdb", cli->data);
  if (stat(path, &sb) != 0) {
    fprintf(stderr, "%s: no stored view in %s (run `huibao-sub run --data %s` first)\n",
            SUB_PROGRAM, cli->data, cli->data);
    return EX_NOINPUT;
  }
  sub_store st;
  int rc = sub_store_open(&st, cli->data, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    return sub_live_exit_for(rc);
  }
  size_t skipped = 0;
  rc = sub_store_load(&st, c, hb_time_mono_ms(), &skipped);
  sub_store_close(&st);
  if (rc != 0) {
    fprintf(stderr, "%s: reading %s: %s\n", SUB_PROGRAM, cli->data, hb_strerror(rc));
    return sub_live_exit_for(rc);
  }
  if (skipped)
    fprintf(stderr, "%s: %zu stored rollups could not be read\n", SUB_PROGRAM, skipped);
  return EX_OK;
}

int sub_gather(const sub_cli *cli, sub_collect *c, char ***origins, size_t *norigins)
{
  char **eps = NULL;
  size_t neps = 0;
  int ex = cli->connect ? gather_live(cli, c, &eps, &neps) : gather_stored(cli, c);
  if (origins) {
    *origins = eps;
    *norigins = neps;
  } else {
    sub_net_free_list(eps, neps);
  }
  return ex;
}

void sub_view_opts_from_cli(const sub_cli *cli, sub_view_opts *o)
{
  view_opts(cli, o);
}

int sub_snapshot(const sub_cli *cli)
{
  sub_collect c;
  sub_collect_init(&c);
  char **eps = NULL;
  size_t neps = 0;
  int ex = gather_live(cli, &c, &eps, &neps);
  if (ex != EX_OK && ex != EX_TEMPFAIL) {
    sub_collect_free(&c);
    return ex;
  }
  sub_view_opts o;
  view_opts(cli, &o);
  o.origins = eps;
  o.norigins = neps;
  o.mark_missing = true;
  int prc = sub_view_print(&c, &o, cli->format, stdout);
  sub_collect_free(&c);
  sub_net_free_list(eps, neps);
  if (prc != 0) {
    fprintf(stderr, "%s: writing the view: %s\n", SUB_PROGRAM, hb_strerror(prc));
    return sub_live_exit_for(prc);
  }
  return ex;
}

void sub_live_log_stale(const sub_entry *e, void *arg)
{
  (void)arg;
  hb_log_warn("county %s campaign %s: stale (nothing heard for %.1f s)", e->origin, e->campaign,
              (double)(hb_time_mono_ms() - e->rx_ms) / 1000.0);
}

int sub_watch(const sub_cli *cli)
{
  sub_net net;
  char **eps = NULL;
  size_t neps = 0;
  int ex = open_net(cli, &net, &eps, &neps);
  if (ex)
    return ex;
  sub_collect c;
  sub_collect_init(&c);
  sub_view_opts o;
  view_opts(cli, &o);
  int64_t last_draw = 0;
  bool first = true;
  ex = EX_OK;
  while (!sub_stop) {
    int rc = receive(&net, &c, cli, POLL_MS, false);
    if (rc < 0) {
      hb_log_err("receive: %s", hb_strerror(rc));
      ex = EX_SOFTWARE;
      break;
    }
    int64_t now = hb_time_mono_ms();
    sub_collect_mark_stale(&c, now, cli->stale_after_ms, NULL, NULL);
    if (!(first || sub_collect_any_dirty(&c)) || now - last_draw < REDRAW_EVERY_MS)
      continue;
    char iso[40];
    hb_time_format_iso(hb_time_now_ms(), iso, sizeof iso);
    fputs("\x1b[H\x1b[2J", stdout);
    if (c.count == 0)
      printf("等待汇总 waiting for rollups from %s ...\n", cli->connect);
    else
      sub_view_print(&c, &o, SUB_FORMAT_TABLE, stdout);
    printf("\n刷新于 %s   Ctrl-C 退出 (quit)\n", iso);
    fflush(stdout);
    for (size_t i = 0; i < c.count; i++)
      c.items[i].dirty = false;
    last_draw = now;
    first = false;
  }
  sub_collect_free(&c);
  sub_net_close(&net);
  sub_net_free_list(eps, neps);
  return ex;
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
  view_opts(cli, &o.view);
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

/* Sends what the republisher has due, after storing the view: what a
 * province holds was stored here first, so the merged seq it keeps is never
 * above what a restart reloads (republish.h). Returns 0 or the exit code of
 * a failed flush. */
static int republish_step(sub_republish *rp, sub_store *st, sub_collect *c, const sub_cli *cli,
                          int *last_err)
{
  int64_t now = hb_time_mono_ms();
  int rc = sub_republish_poll(rp);
  if (rc != 0 && rc != *last_err)
    hb_log_warn("republish: reading subscriptions: %s", hb_strerror(rc));
  if (!sub_republish_due(rp, c, now))
    return 0;
  if (sub_collect_any_dirty(c) && (rc = sub_store_flush(st, c, NULL)) != 0) {
    hb_log_err("storing the view in %s: %s", cli->data, hb_strerror(rc));
    return sub_live_exit_for(rc);
  }
  rc = sub_republish_send(rp, c, now);
  if (rc != 0 && rc != *last_err)
    hb_log_warn("republish: %s", hb_strerror(rc));
  *last_err = rc;
  return 0;
}

int sub_run(const sub_cli *cli)
{
  char err[512];
  int mex = sub_metrics_start(cli->metrics);
  if (mex != EX_OK)
    return mex;
  sub_store st;
  int rc = sub_store_open(&st, cli->data, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    return sub_live_exit_for(rc);
  }
  sub_collect c;
  sub_collect_init(&c);
  size_t skipped = 0;
  if ((rc = sub_store_load(&st, &c, hb_time_mono_ms(), &skipped)) != 0) {
    fprintf(stderr, "%s: reading %s: %s\n", SUB_PROGRAM, cli->data, hb_strerror(rc));
    sub_collect_free(&c);
    sub_store_close(&st);
    return sub_live_exit_for(rc);
  }
  if (skipped)
    hb_log_warn("%zu stored rollups could not be read and were skipped", skipped);
  hb_log_info("loaded %zu stored rollups from %s", c.count, cli->data);

  sub_net net;
  char **eps = NULL;
  size_t neps = 0;
  int ex = open_net(cli, &net, &eps, &neps);
  if (ex) {
    sub_collect_free(&c);
    sub_store_close(&st);
    return ex;
  }
  hb_log_info("subscribed to %s", cli->connect);
  sub_republish *rp = NULL;
  ex = open_republish(cli, &rp);
  int64_t last_flush = 0;
  size_t last_bad = 0;
  int rp_err = 0;
  while (!ex && !sub_stop) {
    int wait = rp ? sub_republish_wait_ms(rp, hb_time_mono_ms()) : POLL_MS;
    rc = receive(&net, &c, cli, wait, false);
    if (rc < 0) {
      hb_log_err("receive: %s", hb_strerror(rc));
      ex = EX_SOFTWARE;
      break;
    }
    if (net.bad != last_bad) {
      hb_log_warn("dropped %zu malformed messages so far", net.bad);
      last_bad = net.bad;
    }
    int64_t now = hb_time_mono_ms();
    sub_collect_mark_stale(&c, now, cli->stale_after_ms, sub_live_log_stale, NULL);
    if (now - last_flush >= FLUSH_EVERY_MS && sub_collect_any_dirty(&c)) {
      if ((rc = sub_store_flush(&st, &c, NULL)) != 0) {
        hb_log_err("storing the view in %s: %s", cli->data, hb_strerror(rc));
        ex = sub_live_exit_for(rc);
        break;
      }
      last_flush = now;
    }
    if (sub_reload) {
      sub_reload = 0;
      if (rp && sub_republish_reload_keys(rp) == HB_OK)
        hb_log_notice("reloaded the subscriber keys of %s", cli->subscriber_keys);
    }
    if (rp && (ex = republish_step(rp, &st, &c, cli, &rp_err)) != 0)
      break;
  }
  sub_republish_close(rp);
  if (ex == EX_OK && sub_collect_any_dirty(&c) && (rc = sub_store_flush(&st, &c, NULL)) != 0) {
    hb_log_err("storing the view in %s: %s", cli->data, hb_strerror(rc));
    ex = sub_live_exit_for(rc);
  }
  hb_log_info("stopped");
  sub_collect_free(&c);
  sub_net_close(&net);
  sub_net_free_list(eps, neps);
  sub_store_close(&st);
  return ex;
}

int sub_show(const sub_cli *cli)
{
  sub_collect c;
  sub_collect_init(&c);
  int ex = gather_stored(cli, &c);
  if (ex != EX_OK) {
    sub_collect_free(&c);
    return ex;
  }
  sub_view_opts o;
  view_opts(cli, &o);
  int rc = sub_view_print(&c, &o, cli->format, stdout);
  sub_collect_free(&c);
  if (rc != 0) {
    fprintf(stderr, "%s: writing the view: %s\n", SUB_PROGRAM, hb_strerror(rc));
    return sub_live_exit_for(rc);
  }
  return EX_OK;
}

/* For serve (serve.c), which runs the same receive loop as run. */
int sub_live_open_net(const sub_cli *cli, sub_net *net, char ***eps, size_t *neps)
{
  return open_net(cli, net, eps, neps);
}

int sub_live_receive(sub_net *net, sub_collect *c, const sub_cli *cli, int wait_ms)
{
  return receive(net, c, cli, wait_ms, false);
}
