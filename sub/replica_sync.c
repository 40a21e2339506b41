/* replica_sync.c: the replica's links and their thread (replica_sync.h),
 * and the one-shot catch-up (replica.h sub_replica_catch_up_once). */
#include "replica_sync.h"

#include <errno.h>
#include <pthread.h>
#include <sysexits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "cli.h"
#include "hb_cert.h"
#include "hb_date.h"
#include "hb_diag.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_zap.h"
#include "hb_zmq.h"
#include "exit.h"
#include "hb_sign.h"
#include "replica_link.h"

struct sub_replica_sync {
  void *ctx;
  replica_link links[SUB_MAX_ENDPOINTS];
  size_t n;
  pthread_t thread;
  bool started;
  atomic_bool stop;
};

/* The CURVE keys of link i: the city's key pair and the county's public key. */
static int link_keys(void *sock, const sub_cli *cli, size_t i, char *err, size_t errlen)
{
  static hb_cert key, server; /* large: not on the stack; read at start-up only */
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_cert_read(cli->key, 1, &key, &d);
  if (rc == HB_OK)
    rc = hb_cert_read(cli->server_keys[i], 0, &server, &d);
  if (rc != HB_OK && d.count)
    hb_diag_format(&d.items[0], err, errlen);
  hb_diags_free(&d);
  if (rc == HB_OK && hb_zap_client_socket(sock, &key, server.public_key) != HB_OK) {
    snprintf(err, errlen, "CURVE options: %s", zmq_strerror(errno));
    rc = HB_EZMQ;
  }
  memset(&key, 0, sizeof key);
  return rc;
}

int sub_replica_sync_new(sub_replica_sync **out, sub_replica *r, const sub_cli *cli, char *err,
                         size_t errlen)
{
  *out = NULL;
  if (!cli->insecure && (!cli->key || cli->nserver_keys < cli->ndetails)) {
    snprintf(err, errlen,
             "--detail needs --key and one --server-key per --connect endpoint "
             "(or --insecure)");
    return HB_EINVAL;
  }
  sub_replica_sync *s = calloc(1, sizeof *s);
  if (!s || !(s->ctx = zmq_ctx_new())) {
    free(s);
    return HB_ENOMEM;
  }
  int rc = 0;
  for (size_t i = 0; i < cli->ndetails && rc == 0; i++) {
    replica_link *l = &s->links[s->n];
    l->r = r;
    l->ep = cli->details[i];
    l->code = i < cli->nserver_codes ? cli->server_codes[i] : NULL;
    char mon[64];
    snprintf(mon, sizeof mon, "replica-%zu", i);
    if (!(l->sock = zmq_socket(s->ctx, ZMQ_DEALER)) || hb_zmq_dealer(l->sock) != 0 ||
        hb_zmq_common(l->sock, 64 << 20, SUB_REPLICA_PING_MS, SUB_REPLICA_PING_TIMEOUT_MS) != 0) {
      snprintf(err, errlen, "%s: socket: %s", l->ep, zmq_strerror(errno));
      rc = HB_EZMQ;
    } else if (!cli->insecure && (rc = link_keys(l->sock, cli, i, err, errlen)) != 0) {
      /* err says why */
    } else if (hb_handshake_watch(&l->hs, s->ctx, l->sock, mon) != 0) {
      snprintf(err, errlen, "%s: socket monitor: %s", l->ep, zmq_strerror(errno));
      rc = HB_EZMQ;
    } else if (zmq_connect(l->sock, l->ep) != 0) {
      snprintf(err, errlen, "--detail %s: %s", l->ep, zmq_strerror(errno));
      rc = HB_EINVAL;
    }
    s->n++;
  }
  if (rc != 0) {
    sub_replica_sync_free(s);
    return rc;
  }
  *out = s;
  return 0;
}

void sub_replica_sync_free(sub_replica_sync *s)
{
  if (!s)
    return;
  if (s->started) {
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
  }
  for (size_t i = 0; i < s->n; i++) {
    if (s->links[i].hs.mon)
      hb_handshake_close(&s->links[i].hs, s->links[i].sock);
    if (s->links[i].sock)
      zmq_close(s->links[i].sock);
  }
  zmq_ctx_term(s->ctx);
  free(s);
}

void sub_replica_sync_hint(sub_replica_sync *s, size_t ep, uint64_t n)
{
  if (s && ep < s->n && n > atomic_load(&s->links[ep].want))
    atomic_store(&s->links[ep].want, n);
}

int sub_replica_sync_step(sub_replica_sync *s, int wait_ms)
{
  int64_t now = hb_time_mono_ms();
  zmq_pollitem_t items[SUB_MAX_ENDPOINTS];
  for (size_t i = 0; i < s->n; i++) {
    replica_link_events(&s->links[i]);
    int rc = replica_link_due(&s->links[i], now);
    if (rc != 0)
      return rc;
    items[i] = (zmq_pollitem_t){s->links[i].sock, 0, ZMQ_POLLIN, 0};
  }
  int k = zmq_poll(items, (int)s->n, wait_ms);
  if (k < 0)
    return errno == EINTR ? 0 : HB_EZMQ;
  now = hb_time_mono_ms();
  for (size_t i = 0; i < s->n; i++) {
    if (!(items[i].revents & ZMQ_POLLIN))
      continue;
    int rc;
    while ((rc = replica_link_recv(&s->links[i], now)) == 1)
      ;
    if (rc < 0)
      return rc;
  }
  return 0;
}

bool sub_replica_sync_caught_up(const sub_replica_sync *s)
{
  for (size_t i = 0; i < s->n; i++)
    if (!s->links[i].synced || s->links[i].inflight)
      return false;
  return true;
}

uint64_t sub_replica_sync_fetched(const sub_replica_sync *s)
{
  uint64_t t = 0;
  for (size_t i = 0; i < s->n; i++)
    t += s->links[i].fetched;
  return t;
}

static void *sync_thread(void *arg)
{
  sub_replica_sync *s = arg;
  int64_t logged = 0;
  while (!atomic_load(&s->stop)) {
    int rc = sub_replica_sync_step(s, 100);
    if (rc != 0 && hb_time_mono_ms() - logged > 60000) {
      hb_log_err("replica: %s (retrying)", hb_strerror(rc));
      logged = hb_time_mono_ms();
    }
    if (rc != 0) /* a full disk, a damaged replica: no busy loop */
      zmq_poll(NULL, 0, 1000);
  }
  return NULL;
}

int sub_replica_sync_start(sub_replica_sync *s)
{
  if (pthread_create(&s->thread, NULL, sync_thread, s) != 0)
    return HB_ENOMEM;
  s->started = true;
  return 0;
}

int sub_replica_catch_up_once(sub_replica *r, const struct sub_cli *cli, int64_t timeout_ms,
                              char *err, size_t errlen)
{
  sub_replica_sync *s;
  int rc = sub_replica_sync_new(&s, r, cli, err, errlen);
  if (rc != 0)
    return rc;
  int64_t end = hb_time_mono_ms() + timeout_ms;
  while (rc == 0 && !sub_replica_sync_caught_up(s)) {
    int64_t left = end - hb_time_mono_ms();
    if (left <= 0) {
      snprintf(err, errlen, "the detail endpoints did not all answer within %lld ms",
               (long long)timeout_ms);
      rc = HB_ETIMEDOUT;
      break;
    }
    rc = sub_replica_sync_step(s, left < 100 ? (int)left : 100);
    if (rc != 0)
      snprintf(err, errlen, "replica: %s", hb_strerror(rc));
  }
  sub_replica_sync_free(s);
  return rc;
}

int sub_replica_run_start(sub_replica_run *x, const sub_cli *cli)
{
  memset(x, 0, sizeof *x);
  if (!cli->ndetails)
    return 0;
  char err[1024];
  int rc = 0;
  if (cli->unit_keys &&
      (rc = hb_sign_registry_load(&x->reg, cli->unit_keys, err, sizeof err)) != 0) {
    fprintf(stderr, "%s: --unit-keys %s\n", SUB_PROGRAM, err);
    return EX_CONFIG;
  }
  if ((rc = sub_replica_open(&x->r, cli->data, false, err, sizeof err)) != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, err);
    sub_replica_run_stop(x);
    return sub_exit_for(rc);
  }
  sub_replica_set_registry(x->r, x->reg);
  if ((rc = sub_replica_sync_new(&x->s, x->r, cli, err, sizeof err)) != 0 ||
      (rc = sub_replica_sync_start(x->s)) != 0) {
    fprintf(stderr, "%s: --detail: %s\n", SUB_PROGRAM, err);
    sub_replica_run_stop(x);
    return rc == HB_EINVAL ? EX_USAGE : EX_CONFIG;
  }
  hb_log_info("keeping a replica of %zu counties' records in %s/replica", cli->ndetails, cli->data);
  return 0;
}

void sub_replica_run_stop(sub_replica_run *x)
{
  sub_replica_sync_free(x->s);
  sub_replica_close(x->r);
  hb_sign_registry_free(x->reg);
  memset(x, 0, sizeof *x);
}
