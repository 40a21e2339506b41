/* serve.c: huibao-sub serve: `run` plus the live dashboard over HTTP.
 *
 * The main thread runs the loop of `run` (loop.h: receive, keep the latest
 * rollup per county and campaign, mark silent counties stale, store in
 * --data) with one more change step: on every change it builds the
 * dashboard's documents (dashboard.h) and hands copies to the HTTP server
 * (http.h), whose own threads serve them. Nothing else is shared between
 * the threads. */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "dashboard.h"
#include "exit.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "history.h"
#include "http.h"
#include "loop.h"
#include "metrics.h"
#include "net.h"
#include "store.h"
#include "web/assets.h"

#define WEEK_CHECK_MS 60000 /* a new ISO week starts its history entry without a change */

/* What serve holds; zeroed = nothing open. */
typedef struct serve {
  const sub_cli *cli;
  sub_store *st; /* --data; NULL without */
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

static int start_http(serve *s)
{
  char err[512];
  char host[256], port[8];
  if (sub_http_parse_addr(s->cli->http, host, sizeof host, port, sizeof port, err, sizeof err) !=
      0) {
    fprintf(stderr, "%s: --http: %s\n", SUB_PROGRAM, err);
    return EX_USAGE;
  }
  if (sub_http_start(&s->http, s->cli->http, s->cli->http_host, sub_web_assets, sub_web_nassets,
                     err, sizeof err) != 0) {
    fprintf(stderr, "%s: --http: %s\n", SUB_PROGRAM, err);
    return EX_CONFIG;
  }
  hb_log_info("dashboard on http://%s:%u/", host[0] ? host : "0.0.0.0", sub_http_port(s->http));
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
  return s->new_week;
}

/* The loop's change step: publishes when what the documents show changed
 * (a heartbeat that only moves as_of does not count) or a week began. */
static int on_change(void *arg, sub_collect *c, int64_t now_ms)
{
  (void)now_ms;
  serve *s = arg;
  if (sub_collect_signature(c, NULL) == s->shown && !s->new_week)
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
      .arg = s,
  };
  int rc = sub_loop_run(&o, &s->c);
  return rc ? sub_exit_for(rc) : EX_OK;
}

static void close_all(serve *s)
{
  sub_http_stop(s->http);
  if (s->eps)
    sub_net_close(&s->net);
  sub_net_free_list(s->eps, s->neps);
  sub_history_free(&s->hist);
  sub_collect_free(&s->c);
  sub_store_close(s->st);
}

int sub_serve(const sub_cli *cli)
{
  serve s;
  memset(&s, 0, sizeof s);
  s.cli = cli;
  sub_collect_init(&s.c);
  sub_history_init(&s.hist);

  int ex = open_store(&s);
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
