/* http.h: the dashboard's HTTP server (libmicrohttpd).
 *
 * Serves fixed assets (the page, embedded at build time), JSON documents the
 * program replaces whenever its view changes, and one server-sent-events
 * stream (/events) that pushes the latest event document to every client.
 *
 * Threads: libmicrohttpd runs its own threads (one per connection, so an
 * /events client may wait for the next change without holding anyone up).
 * The program's loop only calls sub_http_set / sub_http_event, which copy
 * the text under a mutex; request threads never see the program's data
 * structures. Events are state, not deltas: a client that was slow gets the
 * latest one and skips those in between. */
#ifndef SUB_HTTP_H
#define SUB_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "hb_http_auth.h"

/* Limits. Each connection has a thread of its own, so a slow or long-lived
 * one holds nobody else up; these bound how many there may be. A client
 * that sends nothing for SUB_HTTP_TIMEOUT_S (a slow header, an idle
 * keep-alive) is closed; an /events stream writes at least every keepalive
 * and is closed only after SUB_HTTP_EVENTS_TIMEOUT_S without progress. */
#define SUB_HTTP_MAX_CONNECTIONS 600 /* at once, every client; more are refused */
#define SUB_HTTP_PER_IP 160          /* at once from one address (an office behind NAT) */
#define SUB_HTTP_MAX_EVENTS 300      /* /events streams at once; more answer 503 */
#define SUB_HTTP_TIMEOUT_S 5
#define SUB_HTTP_EVENTS_TIMEOUT_S 60
#define SUB_HTTP_KEEPALIVE_MS 15000 /* an /events comment line when nothing changed */
#define SUB_HTTP_MAX_DOCS 8
#define SUB_HTTP_MAX_BODY 8192 /* a POST's body (the login form); more answers 413 */

typedef struct sub_http sub_http;

typedef struct sub_http_asset {
  const char *path;          /* "/app.js"; "/" is served as "/index.html" */
  const char *type;          /* Content-Type */
  const unsigned char *data; /* static, not copied */
  size_t len;
} sub_http_asset;

/* Parses "ADDR:PORT": "127.0.0.1:8080", "[::1]:8080", "*:8080" (every IPv4
 * address), "localhost:8080". Port 0 picks a free one. Returns 0 with host
 * (NULL for "*") and port copied into the buffers, or HB_EINVAL with a reason
 * in err. */
int sub_http_parse_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen,
                        char *err, size_t errlen);

/* HTTPS: the PEM certificate and key in memory (hb_http_tls_load). */
typedef struct sub_http_tls {
  const char *cert, *key;
} sub_http_tls;

/* Listens on addr and starts serving assets[0..n) (the array and the bytes
 * must outlive the server), every request through the login gate auth
 * (lib/hb_http_auth.h: nothing answers without a session but /login; it
 * must outlive the server). tls: HTTPS with that certificate (NULL: plain
 * HTTP; copied by libmicrohttpd). A request whose Host header
 * hb_addr_host_ok refuses for addr and hosts (comma-separated extra names,
 * NULL: none; copied) is answered 421 (DNS rebinding), before the gate.
 * err says why on failure ("127.0.0.1:80: bind: Permission denied"). */
int sub_http_start(sub_http **out, const char *addr, const char *hosts,
                   const sub_http_asset *assets, size_t n, hb_http_auth *auth,
                   const sub_http_tls *tls, char *err, size_t errlen);

/* The port actually listened on. */
unsigned sub_http_port(const sub_http *h);

/* Serves json (copied) at path from now on; paths not set yet answer 503.
 * At most SUB_HTTP_MAX_DOCS paths. Returns 0, HB_ENOMEM or HB_EFULL. */
int sub_http_set(sub_http *h, const char *path, const char *json);

/* An endpoint answered in the request thread (issue 15: /api/list):
 * fn(ctx, conn, &reply) fills the reply (body malloc'd, taken by the
 * server) and returns 0, or not 0 for out of memory (500). fn and ctx must
 * outlive the server; fn runs in any request thread, several at once. At
 * most SUB_HTTP_MAX_APIS paths. Returns 0, HB_ENOMEM or HB_EFULL. */
#define SUB_HTTP_MAX_APIS 4
typedef struct sub_http_reply {
  char *body;
  size_t len;
  unsigned status;
  const char *type;      /* Content-Type */
  char disposition[128]; /* Content-Disposition (a download); "": none */
} sub_http_reply;
struct MHD_Connection;
typedef int (*sub_http_api_fn)(void *ctx, struct MHD_Connection *conn, sub_http_reply *out);
int sub_http_api(sub_http *h, const char *path, sub_http_api_fn fn, void *ctx);

/* Publishes json (one line, copied) as the current /events document: sent
 * as "event: dashboard" with id = version to every client, and first to
 * every client that connects later. Returns 0 or HB_ENOMEM. */
int sub_http_event(sub_http *h, uint64_t version, const char *json);

/* /events clients connected now. */
size_t sub_http_clients(sub_http *h);

/* Ends the /events streams, stops the server, frees h (NULL is fine). */
void sub_http_stop(sub_http *h);

#endif
