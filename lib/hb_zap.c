/* hb_zap.c: a ZAP (RFC 27) handler answering from keyrings, polled by the
 * server's own loop. */
#include "hb_zap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hb_err.h"

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* draft macro in 4.3.4 headers; the option works */
#endif

#define ZAP_MAX_DOMAINS 4

struct hb_zap {
  void *sock; /* REP bound to inproc://zeromq.zap.01 */
  struct {
    char domain[64];
    hb_keyring ring;
  } domains[ZAP_MAX_DOMAINS];
  int ndomains;
};

int hb_zap_open(void *ctx, hb_zap **out)
{
  hb_zap *z = calloc(1, sizeof *z);
  if (!z)
    return HB_ENOMEM;
  z->sock = zmq_socket(ctx, ZMQ_REP);
  if (!z->sock)
    goto free_z;
  int linger = 0;
  zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_bind(z->sock, "inproc://zeromq.zap.01") != 0)
    goto close_sock;
  *out = z;
  return HB_OK;

close_sock:
  zmq_close(z->sock);
free_z:
  free(z);
  return HB_EZMQ;
}

void hb_zap_close(hb_zap *z)
{
  if (!z)
    return;
  for (int i = 0; i < z->ndomains; i++)
    hb_keyring_free(&z->domains[i].ring);
  zmq_close(z->sock);
  free(z);
}

void hb_zap_set_keyring(hb_zap *z, const char *domain, hb_keyring *k)
{
  int i;
  for (i = 0; i < z->ndomains; i++)
    if (strcmp(z->domains[i].domain, domain) == 0)
      break;
  if (i == z->ndomains) {
    if (z->ndomains == ZAP_MAX_DOMAINS) {
      hb_keyring_free(k);
      return;
    }
    z->ndomains++;
    snprintf(z->domains[i].domain, sizeof z->domains[i].domain, "%s", domain);
  } else {
    hb_keyring_free(&z->domains[i].ring);
  }
  z->domains[i].ring = *k;
  memset(k, 0, sizeof *k);
}

void *hb_zap_socket(hb_zap *z)
{
  return z->sock;
}

enum { F_VERSION, F_REQUEST_ID, F_DOMAIN, F_ADDRESS, F_IDENTITY, F_MECHANISM, F_CRED, F_MAX = 8 };

/* Answers one request whose frames are in msgs[0..n). */
static int zap_answer(hb_zap *z, zmq_msg_t *msgs, int n, hb_zap_refuse_fn on_refuse, void *arg)
{
  char domain[64] = "", address[64] = "", mechanism[16] = "";
  const char *status = "400", *text = "unknown key", *user = "";
  if (n >= F_CRED) {
    size_t dl = zmq_msg_size(&msgs[F_DOMAIN]), al = zmq_msg_size(&msgs[F_ADDRESS]);
    size_t ml = zmq_msg_size(&msgs[F_MECHANISM]);
    if (dl < sizeof domain)
      memcpy(domain, zmq_msg_data(&msgs[F_DOMAIN]), dl);
    if (al < sizeof address)
      memcpy(address, zmq_msg_data(&msgs[F_ADDRESS]), al);
    if (ml < sizeof mechanism)
      memcpy(mechanism, zmq_msg_data(&msgs[F_MECHANISM]), ml);
  }
  if (n != F_CRED + 1 || zmq_msg_size(&msgs[F_VERSION]) != 3 ||
      memcmp(zmq_msg_data(&msgs[F_VERSION]), "1.0", 3) != 0) {
    text = "malformed ZAP request";
  } else if (strcmp(mechanism, "CURVE") != 0) {
    text = "only CURVE is accepted";
  } else if (zmq_msg_size(&msgs[F_CRED]) != 32) {
    text = "bad CURVE credentials";
  } else {
    char z85[HB_Z85_KEY_LEN + 1];
    zmq_z85_encode(z85, zmq_msg_data(&msgs[F_CRED]), 32);
    text = "unknown key";
    for (int i = 0; i < z->ndomains; i++) {
      if (strcmp(z->domains[i].domain, domain) != 0)
        continue;
      const char *code = hb_keyring_find(&z->domains[i].ring, z85);
      if (code) {
        status = "200";
        text = "OK";
        user = code;
      }
      break;
    }
  }
  if (strcmp(status, "200") != 0 && on_refuse)
    on_refuse(arg, domain, address, text);

  const char *rid = n > F_REQUEST_ID ? zmq_msg_data(&msgs[F_REQUEST_ID]) : "";
  size_t ridlen = n > F_REQUEST_ID ? zmq_msg_size(&msgs[F_REQUEST_ID]) : 0;
  struct {
    const void *p;
    size_t n;
  } reply[] = {{"1.0", 3},           {rid, ridlen},        {status, 3},
               {text, strlen(text)}, {user, strlen(user)}, {"", 0}};
  for (int i = 0; i < 6; i++)
    if (zmq_send(z->sock, reply[i].p, reply[i].n, i < 5 ? ZMQ_SNDMORE : 0) < 0)
      return HB_EZMQ;
  return HB_OK;
}

int hb_zap_handle(hb_zap *z, hb_zap_refuse_fn on_refuse, void *arg)
{
  int answered = 0;
  for (;;) {
    zmq_msg_t msgs[F_MAX];
    int n = 0, more = 1, rc = 0;
    while (more) {
      zmq_msg_t m;
      zmq_msg_init(&m);
      if (zmq_msg_recv(&m, z->sock, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
        zmq_msg_close(&m);
        rc = -1;
        break;
      }
      more = zmq_msg_more(&m);
      if (n < F_MAX)
        msgs[n++] = m;
      else
        zmq_msg_close(&m);
    }
    if (rc < 0 && n == 0)
      return answered; /* nothing pending */
    if (rc == 0) {
      if (zap_answer(z, msgs, n, on_refuse, arg) == HB_OK)
        answered++;
    }
    for (int i = 0; i < n; i++)
      zmq_msg_close(&msgs[i]);
    if (rc < 0)
      return answered;
  }
}

int hb_zap_server_socket(void *sock, const hb_cert *server, const char *domain)
{
  int one = 1;
  if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0)
    return HB_EZMQ;
  if (zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one) != 0)
    return HB_EZMQ;
  if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0)
    return HB_EZMQ;
  if (zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, server->secret_key, HB_Z85_KEY_LEN) != 0)
    return HB_EZMQ;
  return HB_OK;
}

int hb_zap_client_socket(void *sock, const hb_cert *client, const char *server_public)
{
  if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server_public, HB_Z85_KEY_LEN) != 0)
    return HB_EZMQ;
  if (zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, client->public_key, HB_Z85_KEY_LEN) != 0)
    return HB_EZMQ;
  if (zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, client->secret_key, HB_Z85_KEY_LEN) != 0)
    return HB_EZMQ;
  return HB_OK;
}
