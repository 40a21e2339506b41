/* console_internal.h: what the console's files share (console.c: the
 * server and its routing; console_api.c: the JSON endpoints;
 * console_decide.c: the decision channel to the main loop;
 * console_web/: the pages, embedded at build time). Private to them. */
#ifndef AGG_CONSOLE_INTERNAL_H
#define AGG_CONSOLE_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include "console.h"
#include "hb_http_auth.h"
#include "hb_http_list.h"
#include "store.h"

struct console {
  struct MHD_Daemon *d;
  hb_http_auth *auth;
  store *st;
  store_dbs dbs;            /* read by the HTTP threads in their own read transactions */
  void *zctx, *rep;         /* the decision channel (rep: the main loop's side) */
  char *addr, *hosts;       /* listened on; --http-host names (for the Host check) */
  char *tls_cert, *tls_key; /* PEM in memory (HTTPS), or NULL */
  int stopping;             /* set by console_close (__atomic): waiting threads give up */
  hb_http_list_slot names;  /* the 台账's names (console_list.c) */
};

/* A page's asset, embedded by console_web/embed (console_assets.c, generated). */
typedef struct console_asset {
  const char *path; /* "/index.html" */
  const char *type; /* Content-Type */
  const unsigned char *data;
  size_t len;
} console_asset;
extern const console_asset console_assets[];
extern const size_t console_nassets;

/* console.c: sends doc (taken; NULL: out of memory, 500) as JSON. */
enum MHD_Result console_send_json(struct MHD_Connection *conn, unsigned status, json_t *doc);
/* console.c: body[0..len) (malloc'd, taken) as type, with a
 * Content-Disposition unless disposition is "" (a download). */
enum MHD_Result console_send_bytes(struct MHD_Connection *conn, unsigned status, const char *type,
                                   const char *disposition, char *body, size_t len);
/* console.c: {"error": msg} with status. */
enum MHD_Result console_send_error(struct MHD_Connection *conn, unsigned status, const char *msg);

/* console_api.c: GET /api/queue?unit=&state=, GET /api/history?unit=&kind=&id=,
 * POST /api/decide (body: JSON {unit, kind, id, action, reason}), for the
 * session's user u. */
enum MHD_Result console_api_queue(console *c, struct MHD_Connection *conn,
                                  const hb_session_info *u);
enum MHD_Result console_api_history(console *c, struct MHD_Connection *conn,
                                    const hb_session_info *u);
enum MHD_Result console_api_decide(console *c, struct MHD_Connection *conn,
                                   const hb_session_info *u, const char *body, size_t len);

/* console_list.c: GET /api/list (hb_http_list.h: what, campaign, unit,
 * category, status, overdue, period, q, format json|csv|xlsx), the
 * county's 台账; any role. */
enum MHD_Result console_api_list(console *c, struct MHD_Connection *conn, const hb_session_info *u);

/* console_decide.c, in an HTTP thread: sends req to the main loop and
 * waits for its answer (given after the commit). Returns 0 with *n (the
 * decision's history index); the hb_err of store_batch_run with why (the
 * reason, Chinese first); HB_ETIMEDOUT when no answer came in time or the
 * console is stopping (the outcome is then unknown: why says to look
 * again). */
int console_decide_ask(console *c, const store_decision_req *req, uint64_t *n, char *why,
                       size_t whylen);

#endif
