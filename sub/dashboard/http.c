/* http.c: assets, JSON documents and server-sent events over libmicrohttpd. */
#include "http.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "hb_addr.h"
#include "hb_err.h"
#include "hb_http_auth.h"
#include "hb_log.h"

/* One published event, shared by the clients sending it (refcounted under
 * the server's mutex): the SSE frame, ready to write. */
typedef struct sse_frame {
  size_t refs;
  uint64_t version;
  size_t len;
  char text[];
} sse_frame;

typedef struct doc {
  char *path;
  char *body; /* NULL: not set yet */
} doc;

struct sub_http {
  struct MHD_Daemon *d;
  unsigned port;
  char *addr;  /* as listened on, for the Host check */
  char *hosts; /* --http-host names; NULL: none */
  const sub_http_asset *assets;
  size_t nassets;
  pthread_mutex_t mu;
  pthread_cond_t changed; /* a new frame, or closing */
  doc docs[SUB_HTTP_MAX_DOCS];
  size_t ndocs;
  sse_frame *frame; /* latest; NULL before the first event */
  size_t clients;
  bool closing;
  hb_http_auth *auth; /* the login gate (not owned) */
  struct {
    char *path;
    sub_http_api_fn fn;
    void *ctx;
  } apis[SUB_HTTP_MAX_APIS]; /* endpoints answered in the request thread */
  size_t napis;
};

/* The body of a POST being received (the login form, a logout). */
typedef struct upload {
  size_t len;
  bool too_big;
  char body[SUB_HTTP_MAX_BODY];
} upload;

/* An /events client: what it is writing, and what it wrote last. */
typedef struct sse_client {
  sub_http *h;
  sse_frame *cur;      /* held reference, or NULL */
  const char *pending; /* bytes left to write: of cur, or a static text */
  size_t left;
  uint64_t sent; /* version last taken */
  bool started;
  char token[HB_SESSION_TOKEN_HEX]; /* the session it was opened in */
} sse_client;

static const char SSE_HELLO[] = "retry: 2000\n\n";
static const char SSE_PING[] = ": keepalive\n\n";

static void frame_unref(sub_http *h, sse_frame *f)
{
  (void)h; /* caller holds h->mu */
  if (f && --f->refs == 0)
    free(f);
}

/* ----------------------------------------------------------- addresses */

int sub_http_parse_addr(const char *addr, char *host, size_t hostlen, char *port, size_t portlen,
                        char *err, size_t errlen)
{
  hb_addr a;
  if (hb_addr_parse(addr, HB_ADDR_PORT_ANY, &a, err, errlen) != 0)
    return HB_EINVAL;
  if (strlen(a.host) >= hostlen || strlen(a.port) >= portlen) {
    snprintf(err, errlen, "'%s': too long", addr);
    return HB_EINVAL;
  }
  snprintf(host, hostlen, "%s", a.host);
  snprintf(port, portlen, "%s", a.port);
  return 0;
}

/* A listening socket on addr; -1 with err set. */
static int listen_on(const char *addr, unsigned *port_out, char *err, size_t errlen)
{
  char host[256], port[8];
  if (sub_http_parse_addr(addr, host, sizeof host, port, sizeof port, err, errlen) != 0)
    return -1;
  struct addrinfo hints, *ai = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = host[0] ? AF_UNSPEC : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int g = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
  if (g != 0) {
    snprintf(err, errlen, "%s: %s", addr, gai_strerror(g));
    return -1;
  }
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
  const char *step = "socket";
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    step = "bind";
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      step = "listen";
      if (listen(fd, 64) == 0) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        unsigned pn = 0;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
          pn = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
        freeaddrinfo(ai);
        *port_out = pn;
        return fd;
      }
    }
  }
  snprintf(err, errlen, "%s: %s: %s", addr, step, strerror(errno));
  if (fd >= 0)
    close(fd);
  freeaddrinfo(ai);
  return -1;
}

/* ------------------------------------------------------------ responses */

static enum MHD_Result send_static(struct MHD_Connection *c, unsigned status, const char *type,
                                   const void *data, size_t len, bool no_store)
{
  struct MHD_Response *r =
      MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_PERSISTENT);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  /* everything the page needs comes from here: no CDN, no inline script */
  MHD_add_response_header(r, "Content-Security-Policy",
                          "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  MHD_add_response_header(r, "Cache-Control", no_store ? "no-store" : "no-cache");
  enum MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
  return send_static(c, status, "text/plain; charset=utf-8", text, strlen(text), true);
}

/* Sends copy (taken), or 503 when the document is not set yet. */
static enum MHD_Result send_json(struct MHD_Connection *c, char *copy, bool unset)
{
  if (unset)
    return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no rollup received yet\n");
  if (!copy)
    return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(copy), copy, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(copy);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return ret;
}

/* Answers url from the documents; false when url is none of them. */
static bool send_doc(sub_http *h, struct MHD_Connection *c, const char *url, enum MHD_Result *ret)
{
  pthread_mutex_lock(&h->mu);
  size_t i = 0;
  while (i < h->ndocs && strcmp(url, h->docs[i].path) != 0)
    i++;
  bool found = i < h->ndocs;
  bool unset = found && h->docs[i].body == NULL;
  char *copy = found && !unset ? strdup(h->docs[i].body) : NULL;
  pthread_mutex_unlock(&h->mu);
  if (!found)
    return false;
  *ret = send_json(c, copy, unset);
  return true;
}

/* ---------------------------------------------------------------- /events */

static size_t take(sse_client *cl, char *buf, size_t max)
{
  size_t n = cl->left < max ? cl->left : max;
  memcpy(buf, cl->pending, n);
  cl->pending += n;
  cl->left -= n;
  return n;
}

/* Called by the connection's own thread whenever the socket can take more:
 * writes what is pending, else waits (at most the keepalive) for a newer
 * frame than the one sent. */
static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
  (void)pos;
  sse_client *cl = cls;
  sub_http *h = cl->h;
  if (!cl->started) {
    cl->started = true;
    cl->pending = SSE_HELLO;
    cl->left = sizeof SSE_HELLO - 1;
  }
  if (cl->left)
    return (ssize_t)take(cl, buf, max);
  /* every part of the stream is for a live session only (a logout, a
   * removed account or a new password ends it at the next part) */
  if (!hb_http_auth_live(h->auth, NULL, cl->token))
    return MHD_CONTENT_READER_END_OF_STREAM;
  pthread_mutex_lock(&h->mu);
  frame_unref(h, cl->cur);
  cl->cur = NULL;
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  until.tv_sec += SUB_HTTP_KEEPALIVE_MS / 1000;
  int w = 0;
  while (!h->closing && (!h->frame || h->frame->version == cl->sent) && w != ETIMEDOUT)
    w = pthread_cond_timedwait(&h->changed, &h->mu, &until);
  if (h->closing) {
    pthread_mutex_unlock(&h->mu);
    return MHD_CONTENT_READER_END_OF_STREAM;
  }
  if (h->frame && h->frame->version != cl->sent) {
    cl->cur = h->frame;
    cl->cur->refs++;
    cl->sent = cl->cur->version;
    cl->pending = cl->cur->text;
    cl->left = cl->cur->len;
  } else {
    cl->pending = SSE_PING;
    cl->left = sizeof SSE_PING - 1;
  }
  pthread_mutex_unlock(&h->mu);
  return (ssize_t)take(cl, buf, max);
}

static void sse_free(void *cls)
{
  sse_client *cl = cls;
  sub_http *h = cl->h;
  pthread_mutex_lock(&h->mu);
  frame_unref(h, cl->cur);
  h->clients--;
  pthread_mutex_unlock(&h->mu);
  free(cl);
}

static enum MHD_Result send_events(sub_http *h, struct MHD_Connection *c)
{
  sse_client *cl = calloc(1, sizeof *cl);
  if (!cl)
    return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
  cl->h = h;
  if (!hb_http_auth_live(h->auth, c, cl->token)) { /* the gate let it in: its cookie is live */
    free(cl);
    return send_text(c, MHD_HTTP_UNAUTHORIZED, "no session\n");
  }
  pthread_mutex_lock(&h->mu);
  bool full = h->clients >= SUB_HTTP_MAX_EVENTS;
  pthread_mutex_unlock(&h->mu);
  if (full) {
    free(cl);
    return send_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "too many /events clients\n");
  }
  /* the stream writes at least every keepalive: it outlives the short
   * timeout that closes slow and idle clients */
  MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)SUB_HTTP_EVENTS_TIMEOUT_S);
  struct MHD_Response *r =
      MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, sse_read, cl, sse_free);
  if (!r) {
    free(cl);
    return MHD_NO;
  }
  pthread_mutex_lock(&h->mu);
  h->clients++;
  pthread_mutex_unlock(&h->mu);
  MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Accel-Buffering", "no"); /* a reverse proxy must not buffer */
  enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r); /* sse_free runs when the connection ends */
  return ret;
}

/* --------------------------------------------------------------- routing */

/* Collects a request's body into *con_cls (bodies only of the methods
 * that carry one). True while more is to come: the caller returns MHD_YES. */
static bool body_collect(const char *method, const char *upload_data, size_t *upload_data_size,
                         void **con_cls, enum MHD_Result *ret)
{
  bool has_body = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
  if (!has_body)
    return false;
  upload *u = *con_cls;
  *ret = MHD_YES;
  if (!u) { /* the headers: the body comes in the next calls */
    u = calloc(1, sizeof *u);
    if (!u) {
      *ret = MHD_NO;
      return true;
    }
    *con_cls = u;
    return true;
  }
  if (*upload_data_size) {
    if (u->len + *upload_data_size >= sizeof u->body)
      u->too_big = true;
    else {
      memcpy(u->body + u->len, upload_data, *upload_data_size);
      u->len += *upload_data_size;
    }
    *upload_data_size = 0;
    return true;
  }
  return false;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  (void)cls, (void)c, (void)toe;
  free(*con_cls);
  *con_cls = NULL;
}

int sub_http_api(sub_http *h, const char *path, sub_http_api_fn fn, void *ctx)
{
  char *p = strdup(path);
  if (!p)
    return HB_ENOMEM;
  pthread_mutex_lock(&h->mu);
  int rc = h->napis < SUB_HTTP_MAX_APIS ? 0 : HB_EFULL;
  if (rc == 0) {
    h->apis[h->napis].path = p;
    h->apis[h->napis].fn = fn;
    h->apis[h->napis++].ctx = ctx;
  }
  pthread_mutex_unlock(&h->mu);
  if (rc != 0)
    free(p);
  return rc;
}

/* Answers url from an endpoint of sub_http_api; false when url is none. */
static bool send_api(sub_http *h, struct MHD_Connection *c, const char *url, enum MHD_Result *ret)
{
  pthread_mutex_lock(&h->mu);
  size_t i = 0;
  while (i < h->napis && strcmp(url, h->apis[i].path) != 0)
    i++;
  sub_http_api_fn fn = i < h->napis ? h->apis[i].fn : NULL;
  void *ctx = fn ? h->apis[i].ctx : NULL;
  pthread_mutex_unlock(&h->mu);
  if (!fn)
    return false;
  sub_http_reply rp = {0};
  if (fn(ctx, c, &rp) != 0 || !rp.body) {
    free(rp.body);
    *ret = send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
    return true;
  }
  struct MHD_Response *r = MHD_create_response_from_buffer(rp.len, rp.body, MHD_RESPMEM_MUST_FREE);
  if (!r) {
    free(rp.body);
    *ret = MHD_NO;
    return true;
  }
  MHD_add_response_header(r, "Content-Type", rp.type);
  if (rp.disposition[0])
    MHD_add_response_header(r, "Content-Disposition", rp.disposition);
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  *ret = MHD_queue_response(c, rp.status ? rp.status : MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return true;
}

/* Behind the gate: the page, its assets, the documents and /events. */
static enum MHD_Result serve_gated(sub_http *h, struct MHD_Connection *c, const char *url)
{
  if (strcmp(url, "/") == 0)
    url = "/index.html";
  if (strcmp(url, "/events") == 0)
    return send_events(h, c);
  enum MHD_Result ret;
  if (send_api(h, c, url, &ret))
    return ret;
  if (send_doc(h, c, url, &ret))
    return ret;
  for (size_t i = 0; i < h->nassets; i++)
    if (strcmp(url, h->assets[i].path) == 0)
      return send_static(c, MHD_HTTP_OK, h->assets[i].type, h->assets[i].data, h->assets[i].len,
                         false);
  return send_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
  (void)version;
  sub_http *h = cls;
  enum MHD_Result ret;
  if (body_collect(method, upload_data, upload_data_size, con_cls, &ret))
    return ret;
  const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  if (!hb_addr_host_ok(h->addr, h->hosts, host))
    return send_text(c, 421, "unknown Host: name it with --http-host\n");
  const upload *u = *con_cls;
  if (u && u->too_big)
    return send_text(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body too large\n");
  hb_session_info user;
  if (hb_http_auth_gate(h->auth, c, url, method, u ? u->body : NULL, u ? u->len : 0, &user, &ret))
    return ret;
  if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
    return send_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
  return serve_gated(h, c, url);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
  (void)cls;
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  /* what libmicrohttpd reports is mostly what clients did (a request cut
   * short, the limits reached): any client could flood the log at warning */
  hb_log_debug("http: %s", line);
}

static void http_free(sub_http *h)
{
  pthread_cond_destroy(&h->changed);
  pthread_mutex_destroy(&h->mu);
  free(h->addr);
  free(h->hosts);
  free(h);
}

int sub_http_start(sub_http **out, const char *addr, const char *hosts,
                   const sub_http_asset *assets, size_t n, hb_http_auth *auth,
                   const sub_http_tls *tls, char *err, size_t errlen)
{
  *out = NULL;
  sub_http *h = calloc(1, sizeof *h);
  if (!h) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  h->assets = assets;
  h->nassets = n;
  h->auth = auth;
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->changed, &ca);
  pthread_condattr_destroy(&ca);
  h->addr = strdup(addr);
  h->hosts = hosts ? strdup(hosts) : NULL;
  if (!h->addr || (hosts && !h->hosts)) {
    snprintf(err, errlen, "out of memory");
    http_free(h);
    return HB_ENOMEM;
  }
  int fd = listen_on(addr, &h->port, err, errlen);
  if (fd < 0) {
    http_free(h);
    return HB_EIO;
  }
  /* poll, not select: several hundred sockets pass FD_SETSIZE's reach */
  unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
  struct MHD_OptionItem tls_opts[] = {
      {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, tls ? (void *)tls->cert : NULL},
      {MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? (void *)tls->key : NULL},
      {MHD_OPTION_END, 0, NULL},
  };
  if (tls)
    flags |= MHD_USE_TLS;
  h->d = MHD_start_daemon(
      flags, 0, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
      MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned)SUB_HTTP_MAX_CONNECTIONS,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)SUB_HTTP_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
      (unsigned)SUB_HTTP_TIMEOUT_S, MHD_OPTION_THREAD_STACK_SIZE, (size_t)256 * 1024,
      MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
  if (!h->d) {
    snprintf(err, errlen, "%s: libmicrohttpd could not start", addr);
    close(fd);
    http_free(h);
    return HB_EIO;
  }
  *out = h;
  return 0;
}

unsigned sub_http_port(const sub_http *h)
{
  return h->port;
}

int sub_http_set(sub_http *h, const char *path, const char *json)
{
  char *body = strdup(json);
  if (!body)
    return HB_ENOMEM;
  pthread_mutex_lock(&h->mu);
  size_t i = 0;
  while (i < h->ndocs && strcmp(h->docs[i].path, path) != 0)
    i++;
  int rc = 0;
  if (i == h->ndocs) {
    char *p = h->ndocs < SUB_HTTP_MAX_DOCS ? strdup(path) : NULL;
    if (!p) {
      rc = h->ndocs < SUB_HTTP_MAX_DOCS ? HB_ENOMEM : HB_EFULL;
    } else {
      h->docs[i].path = p;
      h->docs[i].body = NULL;
      h->ndocs++;
    }
  }
  if (rc == 0) {
    free(h->docs[i].body);
    h->docs[i].body = body;
    body = NULL;
  }
  pthread_mutex_unlock(&h->mu);
  free(body);
  return rc;
}

int sub_http_event(sub_http *h, uint64_t version, const char *json)
{
  char head[64];
  int hn = snprintf(head, sizeof head,
                    "id: %llu\nevent: dashboard\ndata: ", (unsigned long long)version);
  size_t jl = strlen(json);
  sse_frame *f = malloc(sizeof *f + (size_t)hn + jl + 3);
  if (!f)
    return HB_ENOMEM;
  f->refs = 1;
  f->version = version;
  memcpy(f->text, head, (size_t)hn);
  memcpy(f->text + hn, json, jl);
  memcpy(f->text + hn + jl, "\n\n", 3);
  f->len = (size_t)hn + jl + 2;
  pthread_mutex_lock(&h->mu);
  frame_unref(h, h->frame);
  h->frame = f;
  pthread_cond_broadcast(&h->changed);
  pthread_mutex_unlock(&h->mu);
  return 0;
}

size_t sub_http_clients(sub_http *h)
{
  pthread_mutex_lock(&h->mu);
  size_t n = h->clients;
  pthread_mutex_unlock(&h->mu);
  return n;
}

void sub_http_stop(sub_http *h)
{
  if (!h)
    return;
  pthread_mutex_lock(&h->mu);
  h->closing = true;
  pthread_cond_broadcast(&h->changed);
  pthread_mutex_unlock(&h->mu);
  MHD_stop_daemon(h->d); /* joins every connection thread; closes the listen socket */
  frame_unref(h, h->frame);
  for (size_t i = 0; i < h->napis; i++)
    free(h->apis[i].path);
  for (size_t i = 0; i < h->ndocs; i++) {
    free(h->docs[i].path);
    free(h->docs[i].body);
  }
  http_free(h);
}
