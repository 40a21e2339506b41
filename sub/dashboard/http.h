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

#define SUB_HTTP_MAX_CLIENTS 64     /* connections at once; more are refused */
#define SUB_HTTP_KEEPALIVE_MS 15000 /* an /events comment line when nothing changed */
#define SUB_HTTP_MAX_DOCS 8

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

/* Listens on addr and starts serving assets[0..n) (the array and the bytes
 * must outlive the server). err says why on failure ("127.0.0.1:80: bind:
 * Permission denied"). */
int sub_http_start(sub_http **out, const char *addr, const sub_http_asset *assets, size_t n,
                   char *err, size_t errlen);

/* The port actually listened on. */
unsigned sub_http_port(const sub_http *h);

/* Serves json (copied) at path from now on; paths not set yet answer 503.
 * At most SUB_HTTP_MAX_DOCS paths. Returns 0, HB_ENOMEM or HB_EFULL. */
int sub_http_set(sub_http *h, const char *path, const char *json);

/* Publishes json (one line, copied) as the current /events document: sent
 * as "event: dashboard" with id = version to every client, and first to
 * every client that connects later. Returns 0 or HB_ENOMEM. */
int sub_http_event(sub_http *h, uint64_t version, const char *json);

/* /events clients connected now. */
size_t sub_http_clients(sub_http *h);

/* Ends the /events streams, stops the server, frees h (NULL is fine). */
void sub_http_stop(sub_http *h);

#endif
