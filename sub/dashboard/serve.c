/* serve.c: huibao-sub serve: `run` plus the live dashboard over HTTP.
 *
 * The main thread runs the loop of `run` (loop.h: receive, keep the latest
 * rollup per county and campaign, mark silent counties stale, store in
 * --data) with one more change step: on every change it builds the
 * dashboard's documents (dashboard.h) and hands copies to the HTTP server
 * (http.h), whose own threads serve them. Nothing else is shared between
 * the threads. */
#include "serve.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "dash_list.h"
#include "dashboard.h"
#include "exit.h"
#include "hb_date.h"
#include "hb_account.h"
#include "hb_err.h"
#include "hb_http_auth.h"
#include "hb_log.h"
#include "replica_sync.h"
#include "history.h"
#include "http.h"
#include "loop.h"
#include "metrics.h"
#include "net.h"
#include "store.h"
#include "verify.h"
#include "verify_dash.h"
#include "web/assets.h"

#define WEEK_CHECK_MS 60000 /* a new ISO week starts its history entry without a change */

/* What serve holds; zeroed = nothing open. */
typedef struct serve {
  const sub_cli *cli;
  sub_store *st;     /* --data; NULL without */
  sub_store *acc_st; /* --accounts DIR (serve without --data); NULL else */
  hb_http_auth *auth;
  char *tls_cert, *tls_key; /* --tls-cert/--tls-key read; NULL without */
  sub_collect c;
  sub_history hist;
  sub_http *http;
  sub_net net;
  char **eps;
  size_t neps;
  uint64_t version;        /* of the last published documents */
  uint64_t shown;          /* sub_collect_signature of what they show */
  int32_t week;            /* the ISO week last checked */
  int64_t last_week_check; /* monotonic ms */
  bool new_week;           /* a week began since the documents were built */
  sub_replica_run rep;     /* issue 15: --detail (replica_sync.h) */
  sub_verify *verify;      /* issue 15: each county checked against rep.r (verify.h) */
  uint64_t verify_shown;   /* sub_verify_version of what the documents show */
  sub_dash_list list;      /* issue 15: the 台账 over rep.r (dash_list.h) */
} serve;

/* Opens --data and loads the view and the history. */
static int open_store(serve *s)
{
  const sub_cli *cli = s->cli;
  if (!cli->data)
    return EX_OK;
  char err[512];
  int rc = sub_store_open(&s->st, cli->data, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    return sub_exit_for(rc);
  }
  size_t bad_view = 0, bad_hist = 0;
  if ((rc = sub_store_load_view(s->st, &s->c, hb_time_mono_ms(), &bad_view)) != 0 ||
      (rc = sub_store_load_history(s->st, &s->hist, &bad_hist)) != 0) {
    fprintf(stderr, "%s: reading %s: %s\n", SUB_PROGRAM, cli->data, hb_strerror(rc));
    return sub_exit_for(rc);
  }
  if (bad_view || bad_hist)
    hb_log_warn("%zu stored rollups and %zu history entries could not be read and were skipped",
                bad_view, bad_hist);
  hb_log_info("loaded %zu stored rollups and %zu history weeks from %s", s->c.count, s->hist.count,
              cli->data);
  return EX_OK;
}

static int count_one(void *ctx, const hb_account *a)
{
  (void)a;
  (*(size_t *)ctx)++;
  return 0;
}

/* The accounts of the dashboard's logins: in --data, or --accounts DIR;
 * at least one, else serve refuses to start (78) saying how to add one. */
static int open_accounts(serve *s)
{
  const sub_cli *cli = s->cli;
  const char *dir = cli->data ? cli->data : cli->accounts;
  if (!dir) {
    fprintf(stderr,
            "%s: 看板需要登录账户：请给出 --data DIR（或 --accounts DIR），并先运行 `%s account "
            "add --data DIR NAME`（serve needs an account store: --data DIR or --accounts DIR, "
            "with an account made by `%s account add --data DIR NAME`)\n",
            SUB_PROGRAM, SUB_PROGRAM, SUB_PROGRAM);
    return EX_CONFIG;
  }
  char err[512];
  if (!s->st) {
    int rc = sub_store_open(&s->acc_st, dir, err, sizeof err);
    if (rc != 0) {
      fprintf(stderr, "%s: --accounts: %s\n", SUB_PROGRAM, err);
      return sub_exit_for(rc);
    }
  }
  MDB_env *env;
  MDB_dbi db;
  sub_store_accounts(s->st ? s->st : s->acc_st, &env, &db);
  size_t n = 0;
  MDB_txn *txn;
  int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
  if (rc == 0) {
    rc = hb_account_foreach(txn, db, count_one, &n);
    mdb_txn_abort(txn);
  }
  if (rc == 0 && n == 0) {
    fprintf(stderr,
            "%s: %s 中没有账户，看板无人能登录：先运行 `%s account add --data %s NAME`（no "
            "account in %s: add one first with `%s account add --data %s NAME`）\n",
            SUB_PROGRAM, dir, SUB_PROGRAM, dir, dir, SUB_PROGRAM, dir);
    return EX_CONFIG;
  }
  if (rc == 0 && cli->tls_cert &&
      (rc = hb_http_tls_load(cli->tls_cert, cli->tls_key, &s->tls_cert, &s->tls_key, err,
                             sizeof err)) != 0) {
    fprintf(stderr, "%s: --tls-cert/--tls-key: %s\n", SUB_PROGRAM, err);
    return EX_CONFIG;
  }
  if (rc == 0)
    rc = hb_http_auth_new(&s->auth, env, db, "市级看板", cli->tls_cert != NULL);
  if (rc != 0) {
    fprintf(stderr, "%s: accounts in %s: %s\n", SUB_PROGRAM, dir, hb_strerror(rc));
    return sub_exit_for(rc);
  }
  hb_log_info("%zu account%s can log in (%s)", n, n == 1 ? "" : "s", dir);
  return EX_OK;
}

/* --http as given: a bad ADDR:PORT is a usage error (64), before anything opens. */
static int check_addr(const sub_cli *cli, char *host, size_t hostlen)
{
  char err[512], port[8];
  if (sub_http_parse_addr(cli->http, host, hostlen, port, sizeof port, err, sizeof err) != 0) {
    fprintf(stderr, "%s: --http: %s\n", SUB_PROGRAM, err);
    return EX_USAGE;
  }
  return EX_OK;
}

static int start_http(serve *s)
{
  char err[512];
  char host[256];
  if (check_addr(s->cli, host, sizeof host) != EX_OK)
    return EX_USAGE;
  sub_http_tls tls = {s->tls_cert, s->tls_key};
  if (sub_http_start(&s->http, s->cli->http, s->cli->http_host, sub_web_assets, sub_web_nassets,
                     s->auth, s->tls_cert ? &tls : NULL, err, sizeof err) != 0) {
    fprintf(stderr, "%s: --http: %s\n", SUB_PROGRAM, err);
    return EX_CONFIG;
  }
  sub_dash_list_init(&s->list, s->rep.r);
  if (sub_http_api(s->http, "/api/list", sub_dash_list_api, &s->list) != 0) {
    fprintf(stderr, "%s: out of memory\n", SUB_PROGRAM);
    return EX_SOFTWARE;
  }
  hb_log_info("dashboard on http%s://%s:%u/ (login: /login)", s->tls_cert ? "s" : "",
              host[0] ? host : "0.0.0.0", sub_http_port(s->http));
  return EX_OK;
}

/* Builds the documents from what is held and hands them to the server.
 * Returns 0 or HB_ENOMEM (logged). */
static int publish(serve *s)
{
  sub_view_opts o;
  sub_view_opts_from_cli(s->cli, &o);
  sub_dash_docs d;
  int rc =
      sub_dash_build(&s->c, &o, &s->hist, hb_date_today(), hb_time_now_ms(), s->version + 1, &d);
  if (rc == HB_EFULL) {
    hb_log_warn("history full (%d weeks): this week is not recorded", SUB_HISTORY_MAX);
    rc = 0;
  }
  char *vdoc = NULL; /* issue 15: the verification's flags (verify_dash.h) */
  if (rc == 0 && s->verify && (rc = sub_verify_dash_apply(s->verify, &d, &vdoc)) == 0)
    rc = sub_http_set(s->http, "/api/verify", vdoc);
  free(vdoc);
  if (rc == 0 && sub_dash_list_names(&s->list, &s->c) != 0)
    hb_log_warn("the 台账 keeps its previous names (out of memory)");
  if (rc == 0 && ((rc = sub_http_set(s->http, "/api/view", d.view)) != 0 ||
                  (rc = sub_http_set(s->http, "/api/counties", d.counties)) != 0 ||
                  (rc = sub_http_set(s->http, "/api/history", d.history)) != 0 ||
                  (rc = sub_http_event(s->http, s->version + 1, d.event)) != 0))
    rc = rc == HB_EFULL ? HB_ENOMEM : rc;
  sub_dash_docs_free(&d);
  if (rc != 0) {
    hb_log_err("building the dashboard: %s", hb_strerror(rc));
    return rc;
  }
  s->version++;
  s->shown = sub_collect_signature(&s->c, NULL);
  s->verify_shown = s->verify ? sub_verify_version(s->verify) : 0;
  s->new_week = false;
  return 0;
}

/* The loop's pending hook: a new ISO week begins its history entry (checked
 * once a minute), even when no county changes. */
static bool week_pending(void *arg, int64_t now_ms)
{
  serve *s = arg;
  if (now_ms - s->last_week_check >= WEEK_CHECK_MS) {
    int32_t w = sub_history_iso_week(hb_date_today(), NULL);
    s->new_week = s->new_week || w != s->week;
    s->week = w;
    s->last_week_check = now_ms;
  }
  return s->new_week || (s->verify && sub_verify_version(s->verify) != s->verify_shown);
}

/* The loop's change step: publishes when what the documents show changed
 * (a heartbeat that only moves as_of does not count) or a week began. */
static int on_change(void *arg, sub_collect *c, int64_t now_ms)
{
  (void)now_ms;
  serve *s = arg;
  if (sub_collect_signature(c, NULL) == s->shown && !s->new_week &&
      !(s->verify && sub_verify_version(s->verify) != s->verify_shown))
    return 0;
  return publish(s);
}

/* Receives until SIGINT/SIGTERM; publishes and stores each change. */
static int loop(serve *s)
{
  s->last_week_check = hb_time_mono_ms();
  s->week = sub_history_iso_week(hb_date_today(), NULL);
  sub_loop_opts o = {
      .net = &s->net,
      .campaign = s->cli->campaign,
      .log_malformed = true,
      .mark_stale = true,
      .stale_after_ms = s->cli->stale_after_ms,
      .log_stale = true,
      .on_change = on_change,
      .on_pending = week_pending,
      .store = s->st,
      .history = &s->hist,
      .verify = s->verify,
      .replica = s->rep.s,
      .arg = s,
  };
  int rc = sub_loop_run(&o, &s->c);
  return rc ? sub_exit_for(rc) : EX_OK;
}

static void close_all(serve *s)
{
  sub_http_stop(s->http);
  if (s->http)
    sub_dash_list_free(&s->list);
  sub_replica_run_stop(&s->rep);
  hb_http_auth_free(s->auth);
  if (s->tls_key)
    sodium_memzero(s->tls_key, strlen(s->tls_key));
  free(s->tls_key);
  free(s->tls_cert);
  sub_store_close(s->acc_st);
  if (s->eps)
    sub_net_close(&s->net);
  sub_net_free_list(s->eps, s->neps);
  sub_history_free(&s->hist);
  sub_collect_free(&s->c);
  sub_verify_free(s->verify);
  sub_store_close(s->st);
}

int sub_serve(const sub_cli *cli)
{
  serve s;
  memset(&s, 0, sizeof s);
  s.cli = cli;
  sub_collect_init(&s.c);
  sub_history_init(&s.hist);

  char host[256];
  int ex = check_addr(cli, host, sizeof host);
  if (ex == EX_OK)
    ex = open_store(&s);
  if (ex == EX_OK)
    ex = sub_replica_run_start(&s.rep, cli);
  if (ex == EX_OK && s.rep.r && sub_verify_new(&s.verify, s.rep.r) != 0) /* verify.h */
    ex = EX_SOFTWARE;
  if (ex == EX_OK)
    ex = open_accounts(&s);
  if (ex == EX_OK)
    ex = start_http(&s);
  if (ex == EX_OK)
    ex = sub_metrics_start(cli->metrics,
                           cli->http_host); /* sub/metrics.h; stops by itself at exit */
  if (ex == EX_OK)
    ex = sub_net_open_cli(&s.net, cli, &s.eps, &s.neps);
  if (ex == EX_OK) {
    hb_log_info("subscribed to %s", cli->connect);
    /* the page has something to show at once: the stored view, or "waiting" */
    if (publish(&s) != 0)
      ex = EX_SOFTWARE;
  }
  if (ex == EX_OK)
    ex = loop(&s);
  if (ex == EX_OK)
    hb_log_info("stopped");
  close_all(&s);
  return ex;
}
