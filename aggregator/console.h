/* console.h: the county's review console (县级审核台, issue 14,
 * docs/review.md): `huibao-aggregator --console ADDR:PORT [--tls-cert F
 * --tls-key F]`, Chinese pages on libmicrohttpd (a thread per connection)
 * behind the login gate (hb_http_auth.h): the review queue by unit and
 * category, the decisions (销号 / 退回 / 重新打开 / 同意撤销 / 不同意撤销), a
 * record's history, and the JSON they use (/api/queue, /api/history,
 * POST /api/decide).
 *
 * Reads (queue, history, the gate's accounts) run in the HTTP threads' own
 * LMDB read transactions (store_dbs). A decision is written by the main
 * loop only: the HTTP thread sends it over an inproc ZeroMQ socket (REQ →
 * the REP of console_socket, polled by server_run), the loop applies it in
 * a store batch (store_batch_decide) and answers after the commit, and only
 * then the browser gets its answer: a decision acknowledged to a reviewer
 * is never lost. */
#ifndef AGG_CONSOLE_H
#define AGG_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "hb_campaigns.h"
#include "hb_units.h"
#include "store.h"

/* The inproc endpoint of the decision channel. */
#define CONSOLE_ENDPOINT "inproc://huibao-console"

typedef struct console console;

/* Binds the decision channel in zctx (the server's ZeroMQ context) and
 * starts serving cfg->console (HTTPS with cfg->tls_cert/tls_key). st: the
 * service's store (its env and dbs are read by the HTTP threads; never
 * written there). Returns 0 or an hb_err with err set ("127.0.0.1:8443:
 * cannot listen: Address already in use"). */
int console_open(console **out, const agg_config *cfg, void *zctx, store *st, char *err,
                 size_t errlen);

/* The names the 台账 (/api/list) shows, from the service's units and
 * campaigns (copied: a names-only Rollup per campaign, hb_rollup_build
 * without aggregates) and the county's code and name: called by the main
 * loop after console_open and after each reload. c NULL: nothing. Returns
 * 0 or an hb_err (then the previous names stay). */
int console_names_set(console *c, const hb_units *units, const hb_campaigns *campaigns,
                      const char *code, const char *name);

/* The socket server_run polls (ZMQ_POLLIN: a decision waits). */
void *console_socket(const console *c);

/* In the main loop, when console_socket is readable: applies the waiting
 * decision in one store batch and answers the HTTP thread after the
 * commit. Returns true when a batch was committed (then the campaigns of
 * store_changed go out again), false else (refused, or nothing there). */
bool console_handle(console *c);

/* Stops serving (waits for the HTTP threads: a thread waiting for a
 * decision's answer gives up within a second and says the outcome is
 * unknown), closes the socket; before the context is terminated. NULL: nothing. */
void console_close(console *c);

#endif
