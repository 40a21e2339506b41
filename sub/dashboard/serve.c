/* serve.c: huibao-sub serve: `run` plus the live dashboard over HTTP.
 *
 * The main thread does what `run` does (receive, keep the latest rollup per
 * county and campaign, mark silent counties stale, store in --data) and, on
 * every change, builds the dashboard's documents (dashboard.h) and hands
 * copies to the HTTP server (http.h), whose own threads serve them. Nothing
 * else is shared between the threads. */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "dashboard.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "history.h"
#include "http.h"
#include "live.h"
#include "metrics.h"
#include "net.h"
#include "view_store.h"
#include "web/assets.h"

#define FLUSH_EVERY_MS 250  /* changes are coalesced: at most 4 pushes a second */
#define WEEK_CHECK_MS 60000 /* a new ISO week starts its history entry without a change */
#define POLL_MS 100

/* What serve holds; zeroed = nothing open. */
typedef struct serve {
  const sub_cli *cli;
  bool stored;      /* --data given: st and hist_dbi are open */
  sub_store st;     /* the view db of the --data store; st.l is the env */
  MDB_dbi hist_dbi; /* the history db in the same env */
  sub_collect c;
  sub_history hist;
  sub_http *http;
  sub_net net;
  char **eps;
  size_t neps;
  uint64_t version; /* of the last published documents */
} serve;

/* Opens --data with both databases in one environment (LMDB allows one
 * environment per file in a process) and loads the view and the history. */
static int open_store(serve *s)
{
  const sub_cli *cli = s->cli;
  if (!cli->data)
    return EX_OK;
  static const char *const names[] = {"view", SUB_HISTORY_DB};
  MDB_dbi dbis[2];
  char err[512];
  int rc = hb_lmdb_open(&s->st.l, cli->data, 0, names, dbis, 2, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    return sub_live_exit_for(rc);
  }
  s->stored = true;
  s->st.dbi = dbis[0];
  s->hist_dbi = dbis[1];
  size_t bad_view = 0, bad_hist = 0;
  if ((rc = sub_store_load(&s->st, &s->c, hb_time_mono_ms(), &bad_view)) != 0 ||
      (rc = sub_history_load(&s->hist, s->st.l.env, s->hist_dbi, &bad_hist)) != 0) {
    fprintf(stderr, "%s: reading %s: %s\n", SUB_PROGRAM, cli->data, hb_strerror(rc));
    return sub_live_exit_for(rc);
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
  if (sub_http_start(&s->http, s->cli->http, sub_web_assets, sub_web_nassets, err, sizeof err) !=
      0) {
    fprintf(stderr, "%s: --http: %s\n", SUB_PROGRAM, err);
    return EX_CONFIG;
  }
  hb_log_info("dashboard on http://%s:%u/", host[0] ? host : "0.0.0.0", sub_http_port(s->http));
  return EX_OK;
}

/* Builds the documents from what is held and hands them to the server.
 * Returns 0 or HB_ENOMEM. */
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
  if (rc == 0)
    s->version++;
  return rc;
}

/* Stores the dirty entries of the view and the history (or, without --data,
 * only forgets that they were dirty). */
static int flush(serve *s)
{
  if (!s->stored) {
    for (size_t i = 0; i < s->c.count; i++)
      s->c.items[i].dirty = false;
    return 0;
  }
  int rc = sub_store_flush(&s->st, &s->c, NULL);
  if (rc == 0)
    rc = sub_history_flush(&s->hist, &s->st.l, s->hist_dbi, NULL);
  if (rc != 0)
    hb_log_err("storing the view in %s: %s", s->cli->data, hb_strerror(rc));
  return rc;
}

/* Receives until SIGINT/SIGTERM; publishes and stores each change. */
static int loop(serve *s)
{
  int64_t last_flush = 0, last_week_check = hb_time_mono_ms();
  uint64_t shown = sub_collect_signature(&s->c, NULL);
  int32_t week = sub_history_iso_week(hb_date_today(), NULL);
  size_t last_bad = 0;
  while (!sub_stop) {
    int rc = sub_live_receive(&s->net, &s->c, s->cli, POLL_MS);
    if (rc < 0) {
      hb_log_err("receive: %s", hb_strerror(rc));
      return EX_SOFTWARE;
    }
    if (s->net.bad != last_bad) {
      hb_log_warn("dropped %zu malformed messages so far", s->net.bad);
      last_bad = s->net.bad;
    }
    int64_t now = hb_time_mono_ms();
    sub_collect_mark_stale(&s->c, now, s->cli->stale_after_ms, sub_live_log_stale, NULL);
    bool new_week = false;
    if (now - last_week_check >= WEEK_CHECK_MS) {
      int32_t w = sub_history_iso_week(hb_date_today(), NULL);
      new_week = w != week;
      week = w;
      last_week_check = now;
    }
    if (!(sub_collect_any_dirty(&s->c) || new_week) || now - last_flush < FLUSH_EVERY_MS)
      continue;
    uint64_t sig = sub_collect_signature(&s->c, NULL);
    if (sig != shown || new_week) {
      if ((rc = publish(s)) != 0) {
        hb_log_err("building the dashboard: %s", hb_strerror(rc));
        return EX_SOFTWARE;
      }
      shown = sig;
    }
    last_flush = now;
    if ((rc = flush(s)) != 0)
      return sub_live_exit_for(rc);
  }
  return EX_OK;
}

static void close_all(serve *s)
{
  sub_http_stop(s->http);
  if (s->eps)
    sub_net_close(&s->net);
  sub_net_free_list(s->eps, s->neps);
  sub_history_free(&s->hist);
  sub_collect_free(&s->c);
  if (s->stored)
    sub_store_close(&s->st);
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
    ex = sub_metrics_start(cli->metrics); /* sub/metrics.h; stops by itself at exit */
  if (ex == EX_OK)
    ex = sub_live_open_net(cli, &s.net, &s.eps, &s.neps);
  if (ex == EX_OK) {
    hb_log_info("subscribed to %s", cli->connect);
    /* the page has something to show at once: the stored view, or "waiting" */
    if (publish(&s) != 0) {
      hb_log_err("building the dashboard: %s", hb_strerror(HB_ENOMEM));
      ex = EX_SOFTWARE;
    }
  }
  if (ex == EX_OK)
    ex = loop(&s);
  if (ex == EX_OK && (sub_collect_any_dirty(&s.c) || s.hist.count) && flush(&s) != 0)
    ex = EX_IOERR;
  if (ex == EX_OK)
    hb_log_info("stopped");
  close_all(&s);
  return ex;
}
