/* console.c: the county's review console, its HTTP server and routing
 * (see console.h). Every request goes through the login gate first. */
#include "console.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "console_internal.h"
#include "hb_addr.h"
#include "hb_http.h"
#include "hb_err.h"
#include "hb_log.h"

#define CONSOLE_MAX_CONNECTIONS 64
#define CONSOLE_PER_IP 16
#define CONSOLE_TIMEOUT_S 60
#define CONSOLE_BODY_MAX (64u * 1024) /* a decision or a login is a few hundred bytes */

/* Everything the pages use comes from here: no CDN, no inline script. */
#define CONSOLE_CSP                                                                                \
  "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"

/* ------------------------------------------------------------ responses */

static void headers_common(struct MHD_Response *r)
{
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Content-Security-Policy", CONSOLE_CSP);
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(r, "Cache-Control", "no-store");
}

static enum MHD_Result send_static(struct MHD_Connection *conn, unsigned status, const char *type,
                                   const void *data, size_t len)
{
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  headers_common(r);
  enum MHD_Result ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ret;
}

enum MHD_Result console_send_json(struct MHD_Connection *conn, unsigned status, json_t *doc)
{
  char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  if (!text)
    return send_static(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                       "out of memory\n", 14);
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(text);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
  headers_common(r);
  enum MHD_Result ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ret;
}

enum MHD_Result console_send_bytes(struct MHD_Connection *conn, unsigned status, const char *type,
                                   const char *disposition, char *body, size_t len)
{
  struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(body);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", type);
  if (disposition && disposition[0])
    MHD_add_response_header(r, "Content-Disposition", disposition);
  headers_common(r);
  enum MHD_Result ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ret;
}

enum MHD_Result console_send_error(struct MHD_Connection *conn, unsigned status, const char *msg)
{
  return console_send_json(conn, status, json_pack("{s:s}", "error", msg));
}

/* --------------------------------------------------------------- routing */

/* A request's body as it arrives (POST), freed when the request ends. */
typedef struct req_body {
  char *data;
  size_t len;
  bool too_big;
} req_body;

static const console_asset *asset_find(const char *url)
{
  if (strcmp(url, "/") == 0)
    url = "/index.html";
  for (size_t i = 0; i < console_nassets; i++)
    if (strcmp(url, console_assets[i].path) == 0)
      return &console_assets[i];
  return NULL;
}

/* The request once its body is complete and the gate let it through for u. */
static enum MHD_Result route(console *c, struct MHD_Connection *conn, const char *url,
                             const char *method, const req_body *b, const hb_session_info *u)
{
  bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  if (strcmp(url, "/api/decide") == 0) {
    if (strcmp(method, "POST") != 0)
      return console_send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only POST");
    return console_api_decide(c, conn, u, b->data, b->len);
  }
  if (!get)
    return console_send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD");
  if (strcmp(url, "/api/queue") == 0)
    return console_api_queue(c, conn, u);
  if (strcmp(url, "/api/history") == 0)
    return console_api_history(c, conn, u);
  if (strcmp(url, "/api/list") == 0)
    return console_api_list(c, conn, u);
  const console_asset *a = asset_find(url);
  if (a)
    return send_static(conn, MHD_HTTP_OK, a->type, a->data, a->len);
  return console_send_error(conn, MHD_HTTP_NOT_FOUND, "没有这个页面 (not found)");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
  (void)version;
  console *c = cls;
  req_body *b = *con_cls;
  if (!b) { /* first call: headers only */
    if (!(b = calloc(1, sizeof *b)))
      return MHD_NO;
    *con_cls = b;
    return MHD_YES;
  }
  if (*upload_size) { /* a piece of the body */
    if (b->len + *upload_size > CONSOLE_BODY_MAX) {
      b->too_big = true;
    } else if (!b->too_big) {
      char *p = realloc(b->data, b->len + *upload_size + 1);
      if (!p)
        return MHD_NO;
      memcpy(p + b->len, upload, *upload_size);
      b->data = p;
      b->len += *upload_size;
      b->data[b->len] = '\0';
    }
    *upload_size = 0;
    return MHD_YES;
  }
  const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  if (!hb_addr_host_ok(c->addr, c->hosts, host))
    return console_send_error(conn, 421, "unknown Host: name it with --http-host");
  if (b->too_big)
    return console_send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE, "request too large");
  hb_session_info u;
  enum MHD_Result ret;
  if (hb_http_auth_gate(c->auth, conn, url, method, b->data, b->len, &u, &ret))
    return ret;
  return route(c, conn, url, method, b, &u);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls, (void)conn, (void)toe;
  req_body *b = *con_cls;
  if (b) {
    free(b->data);
    free(b);
  }
  *con_cls = NULL;
}

/* ------------------------------------------------------------ lifetime */

/* Starts libmicrohttpd on c->addr (a thread per connection). */
static int http_start(console *c, char *err, size_t errlen)
{
  struct MHD_OptionItem opts[] = {
      {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, c},
      {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)hb_http_mhd_log, "console http: "},
      {MHD_OPTION_CONNECTION_LIMIT, CONSOLE_MAX_CONNECTIONS, NULL},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, CONSOLE_PER_IP, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, CONSOLE_TIMEOUT_S, NULL},
      {c->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, c->tls_cert},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, c->tls_key},
      {MHD_OPTION_END, 0, NULL}};
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD |
                   MHD_USE_ERROR_LOG | (c->tls_cert ? MHD_USE_TLS : 0);
  return hb_http_daemon_start(&c->d, c->addr, flags, on_request, c, opts, err, errlen);
}

int console_open(console **out, const agg_config *cfg, void *zctx, store *st, char *err,
                 size_t errlen)
{
  *out = NULL;
  console *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  c->st = st;
  c->zctx = zctx;
  hb_http_list_slot_init(&c->names);
  store_dbs_get(st, &c->dbs);
  c->addr = strdup(cfg->console);
  c->hosts = cfg->http_host ? strdup(cfg->http_host) : NULL;
  int rc = c->addr && (!cfg->http_host || c->hosts) ? 0 : HB_ENOMEM;
  if (rc == 0 && cfg->tls_cert)
    rc = hb_http_tls_load(cfg->tls_cert, cfg->tls_key, &c->tls_cert, &c->tls_key, err, errlen);
  if (rc == 0)
    rc = hb_http_auth_new(&c->auth, c->dbs.env, c->dbs.accounts, "县级审核台",
                          cfg->tls_cert != NULL);
  if (rc == 0 && (!(c->rep = zmq_socket(zctx, ZMQ_REP)) || zmq_bind(c->rep, CONSOLE_ENDPOINT))) {
    snprintf(err, errlen, "%s: %s", CONSOLE_ENDPOINT, zmq_strerror(errno));
    rc = HB_EZMQ;
  }
  if (rc == 0)
    rc = http_start(c, err, errlen);
  if (rc != 0) {
    if (rc == HB_ENOMEM)
      snprintf(err, errlen, "out of memory");
    console_close(c);
    return rc;
  }
  hb_log_notice("console (县级审核台) on %s://%s", c->tls_cert ? "https" : "http", c->addr);
  *out = c;
  return 0;
}

void *console_socket(const console *c)
{
  return c ? c->rep : NULL;
}

void console_close(console *c)
{
  if (!c)
    return;
  __atomic_store_n(&c->stopping, 1, __ATOMIC_RELEASE);
  if (c->d)
    MHD_stop_daemon(c->d); /* joins every connection thread */
  if (c->rep)
    zmq_close(c->rep);
  hb_http_auth_free(c->auth);
  hb_http_list_slot_destroy(&c->names);
  free(c->tls_cert);
  free(c->tls_key);
  free(c->addr);
  free(c->hosts);
  free(c);
}
