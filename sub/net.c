/* net.c: one ZeroMQ SUB socket (ZMQ_SUB) per county endpoint, and frame decoding. */
#include "net.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>
#include <zmq.h>
#include "cli.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_rollup.h"
#include "hb_wire.h"
#include "hb_zap.h"
#include "hb_zmq.h"
#include "hb_date.h"
#include "hb_delta.h"
#include "net_delta.h"

#define TOPIC_MAX 512
/* ZMTP heartbeats on each SUB: a PING this often (its TTL, the timeout,
 * tells the publisher to drop us when they stop), and a connection that
 * answers nothing for the timeout after one is dropped and made again. The
 * beats already prove the publisher alive (a silent one goes stale whatever
 * TCP says); these only find a half-open connection, so they are rare: about
 * 12 bytes/s on the wire instead of ~200 at one a second (docs/protocol.md
 * "Quiet beats"). */
#define SUB_NET_PING_MS 20000
#define SUB_NET_PING_TIMEOUT_MS 45000

void sub_net_free_list(char **eps, size_t n)
{
  for (size_t i = 0; eps && i < n; i++)
    free(eps[i]);
  free(eps);
}

int sub_net_parse_list(const char *list, char ***eps, size_t *n, char *err, size_t errlen)
{
  *eps = NULL;
  *n = 0;
  char **v = calloc(SUB_MAX_ENDPOINTS, sizeof *v);
  if (!v)
    return HB_ENOMEM;
  size_t k = 0;
  const char *p = list;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == 0) {
      snprintf(err, errlen, "empty endpoint in '%s'", list);
      goto fail;
    }
    if (k == SUB_MAX_ENDPOINTS) {
      snprintf(err, errlen, "more than %d endpoints", SUB_MAX_ENDPOINTS);
      goto fail;
    }
    v[k] = strndup(p, len);
    if (!v[k])
      goto fail;
    char why[256];
    if (hb_zmq_endpoint_valid(v[k], why, sizeof why) != 0) {
      snprintf(err, errlen, "%s", why);
      k++;
      goto fail;
    }
    for (size_t j = 0; j < k; j++)
      if (strcmp(v[j], v[k]) == 0) {
        snprintf(err, errlen, "endpoint %s given twice", v[k]);
        k++;
        goto fail;
      }
    k++;
    if (!comma)
      break;
    p = comma + 1;
  }
  *eps = v;
  *n = k;
  return 0;
fail:
  sub_net_free_list(v, k);
  return HB_EINVAL;
}

int sub_net_open(sub_net *s, char *const *eps, size_t n, const char *campaign, char *err,
                 size_t errlen)
{
  return sub_net_open_secure(s, eps, n, campaign, NULL, NULL, err, errlen);
}

int sub_net_open_secure(sub_net *s, char *const *eps, size_t n, const char *campaign,
                        const hb_cert *key, char *const *server_public, char *err, size_t errlen)
{
  memset(s, 0, sizeof *s);
  char topic[TOPIC_MAX];
  int tl = snprintf(topic, sizeof topic, "%s%s", HB_WIRE_TOPIC_PREFIX, campaign ? campaign : "");
  if (tl < 0 || (size_t)tl >= sizeof topic) {
    snprintf(err, errlen, "campaign id too long");
    return HB_EINVAL;
  }
  s->ctx = zmq_ctx_new();
  s->socks = calloc(n ? n : 1, sizeof *s->socks);
  s->eps = calloc(n ? n : 1, sizeof *s->eps);
  s->hs = calloc(n ? n : 1, sizeof *s->hs);
  s->codes = calloc(n ? n : 1, sizeof *s->codes);
  s->delta = calloc(n ? n : 1, sizeof *s->delta);
  if (!s->ctx || !s->socks || !s->eps || !s->hs || !s->codes || !s->delta) {
    snprintf(err, errlen, "out of memory");
    sub_net_close(s);
    return HB_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    void *sock = zmq_socket(s->ctx, ZMQ_SUB);
    if (!sock) {
      snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
      sub_net_close(s);
      return HB_EZMQ;
    }
    s->socks[i] = sock;
    s->eps[i] = strdup(eps[i]);
    s->count = i + 1;
    if (!s->eps[i]) {
      snprintf(err, errlen, "out of memory");
      sub_net_close(s);
      return HB_ENOMEM;
    }
    if (key && hb_zap_client_socket(sock, key, server_public[i]) != HB_OK) {
      snprintf(err, errlen, "%s: CURVE options: %s", eps[i], zmq_strerror(errno));
      sub_net_close(s);
      return HB_EZMQ;
    }
    char name[32];
    snprintf(name, sizeof name, "county-%zu", i);
    if (hb_handshake_watch(&s->hs[i], s->ctx, sock, name) != HB_OK ||
        hb_zmq_common(sock, (int64_t)HB_WIRE_MAX_ROLLUP, SUB_NET_PING_MS,
                      SUB_NET_PING_TIMEOUT_MS) != 0 ||
        zmq_setsockopt(sock, ZMQ_SUBSCRIBE, topic, (size_t)tl) != 0 ||
        !(s->delta[i] = sub_netd_open(sock, campaign)) || zmq_connect(sock, eps[i]) != 0) {
      snprintf(err, errlen, "%s: %s", eps[i], zmq_strerror(errno));
      sub_net_close(s);
      return HB_EZMQ;
    }
  }
  return 0;
}

/* Reads the city's key pair and one server key per endpoint into key and
 * servers (printing the diagnostics); returns 0 or the exit code. */
static int read_keys(const sub_cli *cli, size_t neps, hb_cert *key, hb_cert *servers)
{
  if (cli->nserver_keys != neps) {
    fprintf(stderr,
            "%s: %zu --connect endpoints but %zu --server-key: give one per endpoint, "
            "in the same order\n",
            SUB_PROGRAM, neps, cli->nserver_keys);
    return EX_USAGE;
  }
  hb_diags d;
  hb_diags_init(&d);
  int krc = hb_cert_read(cli->key, 1, key, &d);
  for (size_t i = 0; krc == HB_OK && i < neps; i++)
    krc = hb_cert_read(cli->server_keys[i], 0, &servers[i], &d);
  hb_diags_write(&d, stderr);
  hb_diags_free(&d);
  return krc == HB_OK ? 0 : EX_CONFIG;
}

int sub_net_open_cli(sub_net *net, const sub_cli *cli, char ***eps, size_t *neps)
{
  char err[512];
  if (sub_net_parse_list(cli->connect, eps, neps, err, sizeof err) != 0) {
    fprintf(stderr, "%s: --connect: %s\n", SUB_PROGRAM, err);
    return EX_USAGE;
  }
  static hb_cert key, servers[SUB_MAX_ENDPOINTS]; /* large: not on the stack */
  char *publics[SUB_MAX_ENDPOINTS];
  int ex = 0, rc = 0;
  if (cli->insecure)
    hb_log_warn("insecure: plain TCP to %s, not encrypted, not authenticated", cli->connect);
  else if ((ex = read_keys(cli, *neps, &key, servers)) == 0)
    for (size_t i = 0; i < *neps; i++)
      publics[i] = servers[i].public_key;
  if (ex == 0 && cli->nserver_codes && cli->nserver_codes != *neps) {
    fprintf(stderr,
            "%s: %zu --connect endpoints but %zu --server-code: give one per endpoint, "
            "in the same order\n",
            SUB_PROGRAM, *neps, cli->nserver_codes);
    ex = EX_USAGE;
  }
  if (ex == 0) {
    rc = sub_net_open_secure(net, *eps, *neps, cli->campaign, cli->insecure ? NULL : &key, publics,
                             err, sizeof err);
    if (rc != 0) {
      fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
      ex = rc == HB_EINVAL ? EX_USAGE : EX_SOFTWARE;
    } else if (cli->nserver_codes && (rc = sub_net_bind_codes(net, (char *const *)cli->server_codes,
                                                              *neps, err, sizeof err)) != 0) {
      fprintf(stderr, "%s: --server-code: %s\n", SUB_PROGRAM, err);
      ex = rc == HB_EINVAL ? EX_CONFIG : EX_SOFTWARE;
      sub_net_close(net);
    }
  }
  if (ex != 0) {
    sub_net_free_list(*eps, *neps);
    *eps = NULL;
    *neps = 0;
  }
  return ex;
}

int sub_net_bind_codes(sub_net *s, char *const *codes, size_t n, char *err, size_t errlen)
{
  if (n != s->count) {
    snprintf(err, errlen, "%zu codes for %zu endpoints", n, s->count);
    return HB_EINVAL;
  }
  for (size_t i = 0; i < n; i++) {
    if (!codes[i][0]) {
      snprintf(err, errlen, "an empty code for %s", s->eps[i]);
      return HB_EINVAL;
    }
    for (size_t j = 0; j < i; j++)
      if (strcmp(codes[i], codes[j]) == 0) {
        snprintf(err, errlen,
                 "%s and %s are both configured as source %s: two counties with one code "
                 "would speak for each other",
                 s->eps[j], s->eps[i], codes[i]);
        return HB_EINVAL;
      }
  }
  for (size_t i = 0; i < n; i++) {
    free(s->codes[i]);
    if (!(s->codes[i] = strdup(codes[i]))) {
      snprintf(err, errlen, "out of memory");
      return HB_ENOMEM;
    }
  }
  s->configured = true;
  return 0;
}

int sub_net_bindings_load(sub_net *s, const char *path)
{
  if (s->configured)
    return 0;
  FILE *f = fopen(path, "r");
  if (!f)
    return errno == ENOENT ? 0 : HB_EIO;
  char line[1024];
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char *sp = strchr(line, ' ');
    if (!sp || sp == line || !sp[1])
      continue;
    *sp = '\0';
    const char *code = line, *ep = sp + 1;
    size_t i = 0, other;
    while (i < s->count && strcmp(s->eps[i], ep) != 0)
      i++;
    if (i == s->count)
      continue;
    int rc = sub_net_claim(s, i, code, &other);
    if (rc == HB_ENOMEM) {
      fclose(f);
      return rc;
    }
    n += rc == SUB_CLAIM_BOUND;
  }
  fclose(f);
  return n;
}

int sub_net_bindings_save(const sub_net *s, const char *path)
{
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp)
    return HB_EIO;
  FILE *f = fopen(tmp, "w");
  if (!f)
    return HB_EIO;
  for (size_t i = 0; i < s->count; i++)
    if (s->codes[i] && !strchr(s->codes[i], ' ') && !strchr(s->codes[i], '\n'))
      fprintf(f, "%s %s\n", s->codes[i], s->eps[i]);
  int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    unlink(tmp);
    return HB_EIO;
  }
  return 0;
}

int sub_net_claim(sub_net *s, size_t ep, const char *code, size_t *other)
{
  *other = ep;
  if (ep >= s->count)
    return SUB_CLAIM_OTHER_CODE;
  if (s->codes[ep])
    return strcmp(s->codes[ep], code) == 0 ? SUB_CLAIM_OK : SUB_CLAIM_OTHER_CODE;
  for (size_t i = 0; i < s->count; i++)
    if (s->codes[i] && strcmp(s->codes[i], code) == 0) {
      *other = i;
      return SUB_CLAIM_TAKEN;
    }
  if (s->configured) /* every endpoint has its code: not reached */
    return SUB_CLAIM_OTHER_CODE;
  if (!(s->codes[ep] = strdup(code)))
    return HB_ENOMEM;
  return SUB_CLAIM_BOUND;
}

void sub_net_close(sub_net *s)
{
  for (size_t i = 0; i < s->count; i++) {
    if (s->hs)
      hb_handshake_close(&s->hs[i], s->socks[i]);
    if (s->socks[i])
      zmq_close(s->socks[i]);
    free(s->eps ? s->eps[i] : NULL);
    free(s->codes ? s->codes[i] : NULL);
    sub_netd_free(s->delta ? s->delta[i] : NULL);
  }
  free(s->delta);
  free(s->socks);
  free(s->eps);
  free(s->hs);
  free(s->codes);
  if (s->ctx)
    zmq_ctx_term(s->ctx);
  memset(s, 0, sizeof *s);
}

/* Reads one whole multipart message from socket ep (which is ready). Returns
 * 1 with *r for a good one, 0 if it was dropped or went to the delta topics
 * (what it gave is queued there), HB_EZMQ. */
static int read_one(sub_net *s, size_t ep, Huibao__V1__Rollup **r)
{
  void *sock = s->socks[ep];
  zmq_msg_t parts[2];
  int nparts = 0, more = 0, rc = 0;
  do {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, sock, ZMQ_DONTWAIT) < 0) {
      int e = errno;
      zmq_msg_close(&m);
      rc = (e == EAGAIN || e == EINTR) ? 0 : HB_EZMQ;
      goto out;
    }
    more = zmq_msg_more(&m);
    if (nparts < 2)
      parts[nparts] = m;
    else
      zmq_msg_close(&m);
    nparts++;
  } while (more);
  size_t kl = strlen(HB_DELTA_TOPIC_TOCK);
  if (nparts == 1 && zmq_msg_size(&parts[0]) >= kl &&
      memcmp(zmq_msg_data(&parts[0]), HB_DELTA_TOPIC_TOCK, kl) == 0) { /* one frame */
    const uint8_t *b = zmq_msg_data(&parts[0]);
    if (sub_netd_handle(s->delta[ep], sock, HB_DELTA_TOPIC_TOCK, kl, b + kl,
                        zmq_msg_size(&parts[0]) - kl, hb_time_mono_ms(), &s->gaps) == HB_EPROTO)
      s->bad++;
    goto out;
  }
  if (nparts != 2) {
    s->bad++;
    goto out;
  }
  size_t tlen = zmq_msg_size(&parts[0]);
  const char *topic = zmq_msg_data(&parts[0]);
  size_t plen = strlen(HB_WIRE_TOPIC_PREFIX);
  if (sub_netd_topic(topic, tlen)) {
    if (sub_netd_handle(s->delta[ep], sock, topic, tlen, zmq_msg_data(&parts[1]),
                        zmq_msg_size(&parts[1]), hb_time_mono_ms(), &s->gaps) == HB_EPROTO)
      s->bad++;
    goto out;
  }
  Huibao__V1__Rollup *got = NULL;
  if (hb_rollup_unpack(zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]), &got) != 0) {
    s->bad++;
    goto out;
  }
  if (tlen != plen + strlen(got->campaign) || memcmp(topic, HB_WIRE_TOPIC_PREFIX, plen) != 0 ||
      memcmp(topic + plen, got->campaign, tlen - plen) != 0) {
    s->bad++;
    protobuf_c_message_free_unpacked(&got->base, NULL);
    goto out;
  }
  *r = got;
  rc = 1;
out:
  for (int i = 0; i < nparts && i < 2; i++)
    zmq_msg_close(&parts[i]);
  return rc;
}

bool sub_net_take_lost(sub_net *s, size_t i)
{
  return s->delta && i < s->count && sub_netd_take_lost(s->delta[i]);
}

uint32_t sub_net_quiet_ms(const sub_net *s, size_t i)
{
  return s->delta && i < s->count ? sub_netd_quiet_ms(s->delta[i]) : 0;
}

const char *sub_net_explain(sub_net *s, size_t i, char *buf, size_t len)
{
  if (!s->hs || i >= s->count)
    return NULL;
  hb_handshake_poll(&s->hs[i]);
  return hb_handshake_explain(&s->hs[i], buf, len);
}

int sub_net_recv(sub_net *s, int timeout_ms, size_t *ep, Huibao__V1__Rollup **r)
{
  *r = NULL;
  if (s->count == 0)
    return 0;
  zmq_pollitem_t items[SUB_MAX_ENDPOINTS];
  size_t n = s->count < SUB_MAX_ENDPOINTS ? s->count : SUB_MAX_ENDPOINTS;
  /* Read the handshake events on every call: libzmq sends them on a PAIR
   * socket from its I/O thread and blocks that thread once ~2,000 are
   * unread (a county refusing our key adds one every few seconds), which
   * would stop every subscription of a long-running `run` or `serve`. */
  for (size_t i = 0; s->hs && i < n; i++) {
    hb_handshake_poll(&s->hs[i]);
    sub_netd_dropped(s->delta[i], s->hs[i].drops);
  }
  /* what the delta topics gave first (a beat gives one rollup a campaign) */
  int64_t now = hb_time_mono_ms();
  for (size_t k = 0; k < n; k++) {
    size_t i = (s->next + k) % n;
    sub_netd_tick(s->delta[i], s->socks[i], now);
    if (sub_netd_pop(s->delta[i], r) == 1) {
      *ep = i;
      s->next = (i + 1) % n;
      return 1;
    }
  }
  for (size_t i = 0; i < n; i++)
    items[i] = (zmq_pollitem_t){s->socks[i], 0, ZMQ_POLLIN, 0};
  int rc = zmq_poll(items, (int)n, timeout_ms);
  if (rc < 0)
    return errno == EINTR ? 0 : HB_EZMQ;
  for (size_t k = 0; k < n; k++) {
    size_t i = (s->next + k) % n;
    if (!(items[i].revents & ZMQ_POLLIN))
      continue;
    /* drain this socket's queue until one good message, bad ones dropped */
    for (int tries = 0; tries < 64; tries++) {
      int got = read_one(s, i, r);
      if (got < 0)
        return got;
      if (got == 1 || sub_netd_pop(s->delta[i], r) == 1) {
        *ep = i;
        s->next = (i + 1) % n;
        return 1;
      }
      int ev = 0;
      size_t evl = sizeof ev;
      if (zmq_getsockopt(s->socks[i], ZMQ_EVENTS, &ev, &evl) != 0 || !(ev & ZMQ_POLLIN))
        break;
    }
  }
  return 0;
}
