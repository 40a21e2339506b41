/* hb_metrics.c: a small Prometheus registry and its HTTP endpoint. */
#include "hb_metrics.h"

#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "hb_addr.h"
#include "hb_err.h"
#include "hb_http.h"

typedef struct series {
  char *values[HB_METRIC_MAX_LABELS]; /* owned */
  double value;                       /* counter, gauge; histogram: sum */
  unsigned long long *buckets;        /* histogram: per bucket (not cumulative), nbounds + 1 */
  unsigned long long count;           /* histogram */
} series;

struct hb_metric {
  hb_metrics *reg;
  hb_metric_type type;
  char *name, *help;
  char *labels[HB_METRIC_MAX_LABELS];
  size_t nlabels;
  double bounds[HB_METRIC_MAX_BOUNDS];
  size_t nbounds;
  series *items;
  size_t count, cap;
};

struct hb_metrics {
  pthread_mutex_t lock;
  hb_metric **fams;
  size_t count, cap;
  struct MHD_Daemon *httpd;
  char *addr;  /* as served, for the Host check */
  char *hosts; /* hb_metrics_allow_hosts; NULL: none */
};

/* ------------------------------------------------------------- registry */

int hb_metrics_new(hb_metrics **out)
{
  hb_metrics *m = calloc(1, sizeof *m);
  if (!m)
    return HB_ENOMEM;
  if (pthread_mutex_init(&m->lock, NULL) != 0) {
    free(m);
    return HB_ENOMEM;
  }
  *out = m;
  return 0;
}

static void series_free(series *s)
{
  for (size_t i = 0; i < HB_METRIC_MAX_LABELS; i++)
    free(s->values[i]);
  free(s->buckets);
}

static void family_free(hb_metric *f)
{
  if (!f)
    return;
  for (size_t i = 0; i < f->count; i++)
    series_free(&f->items[i]);
  free(f->items);
  for (size_t i = 0; i < f->nlabels; i++)
    free(f->labels[i]);
  free(f->name);
  free(f->help);
  free(f);
}

void hb_metrics_free(hb_metrics *m)
{
  if (!m)
    return;
  hb_metrics_stop(m);
  for (size_t i = 0; i < m->count; i++)
    family_free(m->fams[i]);
  free(m->fams);
  free(m->addr);
  free(m->hosts);
  pthread_mutex_destroy(&m->lock);
  free(m);
}

static bool name_valid(const char *s, bool colon)
{
  if (!s || !*s)
    return false;
  for (const char *p = s; *p; p++) {
    bool alpha =
        (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' || (colon && *p == ':');
    bool digit = *p >= '0' && *p <= '9';
    if (!alpha && !(digit && p != s))
      return false;
  }
  return true;
}

/* Finds the series of values in f, making it if missing (lock held).
 * NULL when out of memory. */
static series *series_get(hb_metric *f, const char *const *values)
{
  for (size_t i = 0; i < f->count; i++) {
    size_t k = 0;
    while (k < f->nlabels && strcmp(f->items[i].values[k], values[k]) == 0)
      k++;
    if (k == f->nlabels)
      return &f->items[i];
  }
  if (f->count == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 4;
    series *n = realloc(f->items, cap * sizeof *n);
    if (!n)
      return NULL;
    f->items = n;
    f->cap = cap;
  }
  series s;
  memset(&s, 0, sizeof s);
  bool ok = true;
  for (size_t k = 0; k < f->nlabels && ok; k++)
    ok = (s.values[k] = strdup(values[k] ? values[k] : "")) != NULL;
  if (ok && f->type == HB_METRIC_HISTOGRAM)
    ok = (s.buckets = calloc(f->nbounds + 1, sizeof *s.buckets)) != NULL;
  if (!ok) {
    series_free(&s);
    return NULL;
  }
  f->items[f->count] = s;
  return &f->items[f->count++];
}

hb_metric *hb_metrics_add(hb_metrics *m, hb_metric_type type, const char *name, const char *help,
                          const char *const *labels, const double *bounds, size_t nbounds)
{
  if (!m || !name_valid(name, true) || !help)
    return NULL;
  if (type == HB_METRIC_HISTOGRAM) {
    if (!bounds || nbounds == 0 || nbounds > HB_METRIC_MAX_BOUNDS)
      return NULL;
    for (size_t i = 0; i < nbounds; i++)
      if (!isfinite(bounds[i]) || (i && bounds[i] <= bounds[i - 1]))
        return NULL;
  } else if (nbounds) {
    return NULL;
  }
  hb_metric *f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  f->reg = m;
  f->type = type;
  f->name = strdup(name);
  f->help = strdup(help);
  bool ok = f->name && f->help;
  for (size_t i = 0; ok && labels && labels[i]; i++) {
    if (i == HB_METRIC_MAX_LABELS || !name_valid(labels[i], false) ||
        strcmp(labels[i], "le") == 0 || strncmp(labels[i], "__", 2) == 0) {
      ok = false;
      break;
    }
    ok = (f->labels[i] = strdup(labels[i])) != NULL;
    f->nlabels = i + 1;
  }
  if (ok && nbounds)
    memcpy(f->bounds, bounds, nbounds * sizeof *bounds);
  f->nbounds = nbounds;
  pthread_mutex_lock(&m->lock);
  for (size_t i = 0; ok && i < m->count; i++)
    if (strcmp(m->fams[i]->name, name) == 0)
      ok = false;
  if (ok && m->count == m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 16;
    hb_metric **n = realloc(m->fams, cap * sizeof *n);
    if (n) {
      m->fams = n;
      m->cap = cap;
    } else {
      ok = false;
    }
  }
  if (ok && f->nlabels == 0)
    ok = series_get(f, NULL) != NULL;
  if (ok)
    m->fams[m->count++] = f;
  pthread_mutex_unlock(&m->lock);
  if (!ok) {
    family_free(f);
    return NULL;
  }
  return f;
}

/* ---------------------------------------------------------------- updates */

typedef enum { OP_ADD, OP_SET, OP_OBSERVE } update_op;

static void update(hb_metric *f, const char *const *values, double v, update_op op)
{
  if (!f || (f->nlabels && !values) || isnan(v))
    return;
  if (op == OP_OBSERVE ? f->type != HB_METRIC_HISTOGRAM : f->type == HB_METRIC_HISTOGRAM)
    return;
  if (op == OP_ADD && f->type == HB_METRIC_COUNTER && v < 0)
    return;
  pthread_mutex_lock(&f->reg->lock);
  series *s = series_get(f, values);
  if (s) {
    if (op == OP_ADD)
      s->value += v;
    else if (op == OP_SET)
      s->value = v;
    else {
      size_t b = 0;
      while (b < f->nbounds && v > f->bounds[b])
        b++;
      s->buckets[b]++;
      s->count++;
      s->value += v;
    }
  }
  pthread_mutex_unlock(&f->reg->lock);
}

void hb_metric_add(hb_metric *f, const char *const *values, double v)
{
  update(f, values, v, OP_ADD);
}

void hb_metric_set(hb_metric *f, const char *const *values, double v)
{
  update(f, values, v, OP_SET);
}

void hb_metric_observe(hb_metric *f, const char *const *values, double v)
{
  update(f, values, v, OP_OBSERVE);
}

void hb_metric_clear(hb_metric *f)
{
  if (!f || f->nlabels == 0)
    return;
  pthread_mutex_lock(&f->reg->lock);
  for (size_t i = 0; i < f->count; i++)
    series_free(&f->items[i]);
  f->count = 0;
  pthread_mutex_unlock(&f->reg->lock);
}

/* -------------------------------------------------------------- rendering */

typedef struct buf {
  char *p;
  size_t len, cap;
  bool oom;
} buf;

static void buf_put(buf *b, const char *s, size_t n)
{
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void buf_str(buf *b, const char *s)
{
  buf_put(b, s, strlen(s));
}

/* Escapes \ and newline (HELP text), and " too in label values. */
static void buf_escaped(buf *b, const char *s, bool quote)
{
  for (const char *p = s; *p; p++) {
    if (*p == '\\')
      buf_str(b, "\\\\");
    else if (*p == '\n')
      buf_str(b, "\\n");
    else if (quote && *p == '"')
      buf_str(b, "\\\"");
    else
      buf_put(b, p, 1);
  }
}

/* Integers print as integers (exact up to 2^53); others with the fewest
 * digits that read back to the same double. */
static void format_value(double v, char *out, size_t n)
{
  if (isnan(v))
    snprintf(out, n, "NaN");
  else if (isinf(v))
    snprintf(out, n, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor(v) && fabs(v) < 9007199254740992.0)
    snprintf(out, n, "%.0f", v);
  else {
    snprintf(out, n, "%.15g", v);
    if (strtod(out, NULL) != v)
      snprintf(out, n, "%.17g", v);
  }
}

static void buf_value(buf *b, double v)
{
  char s[64];
  format_value(v, s, sizeof s);
  buf_str(b, s);
}

/* NAME{a="x",b="y"[,le="..."]} VALUE\n; suffix is "" or "_bucket" etc. */
static void render_line(buf *b, const hb_metric *f, const series *s, const char *suffix,
                        const char *le, double v)
{
  buf_str(b, f->name);
  buf_str(b, suffix);
  if (f->nlabels || le) {
    buf_str(b, "{");
    for (size_t k = 0; k < f->nlabels; k++) {
      if (k)
        buf_str(b, ",");
      buf_str(b, f->labels[k]);
      buf_str(b, "=\"");
      buf_escaped(b, s->values[k], true);
      buf_str(b, "\"");
    }
    if (le) {
      buf_str(b, f->nlabels ? ",le=\"" : "le=\"");
      buf_str(b, le);
      buf_str(b, "\"");
    }
    buf_str(b, "}");
  }
  buf_str(b, " ");
  buf_value(b, v);
  buf_str(b, "\n");
}

static void render_family(buf *b, const hb_metric *f)
{
  static const char *const types[] = {"counter", "gauge", "histogram"};
  buf_str(b, "# HELP ");
  buf_str(b, f->name);
  buf_str(b, " ");
  buf_escaped(b, f->help, false);
  buf_str(b, "\n# TYPE ");
  buf_str(b, f->name);
  buf_str(b, " ");
  buf_str(b, types[f->type]);
  buf_str(b, "\n");
  for (size_t i = 0; i < f->count; i++) {
    const series *s = &f->items[i];
    if (f->type != HB_METRIC_HISTOGRAM) {
      render_line(b, f, s, "", NULL, s->value);
      continue;
    }
    unsigned long long cum = 0;
    for (size_t k = 0; k <= f->nbounds; k++) {
      char le[64];
      if (k < f->nbounds)
        format_value(f->bounds[k], le, sizeof le);
      else
        snprintf(le, sizeof le, "+Inf");
      cum += s->buckets[k];
      render_line(b, f, s, "_bucket", le, (double)cum);
    }
    render_line(b, f, s, "_sum", NULL, s->value);
    render_line(b, f, s, "_count", NULL, (double)s->count);
  }
}

int hb_metrics_render(hb_metrics *m, char **text, size_t *len)
{
  buf b = {NULL, 0, 0, false};
  buf_put(&b, "", 0);
  pthread_mutex_lock(&m->lock);
  for (size_t i = 0; i < m->count; i++)
    render_family(&b, m->fams[i]);
  pthread_mutex_unlock(&m->lock);
  if (b.oom) {
    free(b.p);
    return HB_ENOMEM;
  }
  *text = b.p;
  *len = b.len;
  return 0;
}

/* ---------------------------------------------------------------- serving */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
  (void)version;
  (void)upload_data;
  (void)upload_data_size;
  (void)con_cls;
  hb_metrics *m = cls;
  unsigned status = MHD_HTTP_OK;
  char *text = NULL;
  size_t len = 0;
  const char *type = "text/plain; version=0.0.4; charset=utf-8";
  const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
  if (!hb_addr_host_ok(m->addr, m->hosts, host)) {
    status = 421; /* Misdirected Request: another site's name (DNS rebinding) */
    text = strdup("unknown Host\n");
  } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
    status = MHD_HTTP_METHOD_NOT_ALLOWED;
    text = strdup("only GET /metrics\n");
  } else if (strcmp(url, "/metrics") != 0) {
    status = MHD_HTTP_NOT_FOUND;
    text = strdup("not found: the metrics are at /metrics\n");
  } else if (hb_metrics_render(m, &text, &len) != 0) {
    status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    text = NULL;
  }
  if (text && status != MHD_HTTP_OK)
    len = strlen(text);
  struct MHD_Response *r =
      MHD_create_response_from_buffer(text ? len : 0, text ? text : (void *)"",
                                      text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
  if (!r) {
    free(text);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                          status == MHD_HTTP_OK ? type : "text/plain; charset=utf-8");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  enum MHD_Result rc = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return rc;
}

/* Parses and resolves addr (hb_addr.h: ports 1..65535). */
int hb_metrics_addr_check(const char *addr, char *err, size_t errlen)
{
  return hb_http_addr_check(addr, err, errlen);
}

int hb_metrics_serve(hb_metrics *m, const char *addr, char *err, size_t errlen)
{
  if (m->httpd) {
    snprintf(err, errlen, "already serving");
    return HB_EAGAIN;
  }
  int rc = hb_http_addr_check(addr, err, errlen);
  if (rc != 0)
    return rc;
  free(m->addr);
  if (!(m->addr = strdup(addr))) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  const struct MHD_OptionItem opts[] = {
      {MHD_OPTION_CONNECTION_LIMIT, HB_METRICS_MAX_CONNECTIONS, NULL},
      {MHD_OPTION_PER_IP_CONNECTION_LIMIT, HB_METRICS_PER_IP, NULL},
      {MHD_OPTION_CONNECTION_TIMEOUT, HB_METRICS_TIMEOUT_S, NULL},
      {MHD_OPTION_END, 0, NULL}};
  return hb_http_daemon_start(&m->httpd, addr, MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
                              on_request, m, opts, err, errlen);
}

int hb_metrics_allow_hosts(hb_metrics *m, const char *names)
{
  char *copy = names ? strdup(names) : NULL;
  if (names && !copy)
    return HB_ENOMEM;
  free(m->hosts);
  m->hosts = copy;
  return 0;
}

void hb_metrics_stop(hb_metrics *m)
{
  if (m && m->httpd) {
    MHD_stop_daemon(m->httpd);
    m->httpd = NULL;
  }
}
