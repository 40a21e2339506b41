/* hb_handshake.c: zmq_socket_monitor events, read into counts. */
#include "hb_handshake.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "hb_err.h"

#define EVENTS                                                                                     \
  (ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH |                               \
   ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |                    \
   ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED)

int hb_handshake_watch(hb_handshake *h, void *ctx, void *sock, const char *name)
{
  memset(h, 0, sizeof *h);
  char ep[128];
  snprintf(ep, sizeof ep, "inproc://hb-monitor-%s", name);
  if (zmq_socket_monitor(sock, ep, EVENTS) != 0)
    return HB_EZMQ;
  h->mon = zmq_socket(ctx, ZMQ_PAIR);
  if (!h->mon)
    return HB_EZMQ;
  int linger = 0;
  zmq_setsockopt(h->mon, ZMQ_LINGER, &linger, sizeof linger);
  if (zmq_connect(h->mon, ep) != 0) {
    zmq_close(h->mon);
    h->mon = NULL;
    return HB_EZMQ;
  }
  return HB_OK;
}

/* One event: frame 1 is a 16-bit event and a 32-bit value (host order),
 * frame 2 the endpoint. Returns 0 when one was read. */
static int read_event(void *mon, uint16_t *event, uint32_t *value)
{
  zmq_msg_t m;
  zmq_msg_init(&m);
  if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0) {
    zmq_msg_close(&m);
    return -1;
  }
  int ok = zmq_msg_size(&m) >= 6;
  if (ok) {
    memcpy(event, zmq_msg_data(&m), 2);
    memcpy(value, (uint8_t *)zmq_msg_data(&m) + 2, 4);
  }
  int more = zmq_msg_more(&m);
  zmq_msg_close(&m);
  while (more) { /* the endpoint frame */
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, mon, ZMQ_DONTWAIT) < 0)
      more = 0;
    else
      more = zmq_msg_more(&m);
    zmq_msg_close(&m);
  }
  return ok ? 0 : -1;
}

void hb_handshake_poll(hb_handshake *h)
{
  if (!h->mon)
    return;
  uint16_t ev;
  uint32_t val;
  while (read_event(h->mon, &ev, &val) == 0) {
    switch (ev) {
    case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
      h->succeeded++;
      h->up = 1;
      /* a success clears earlier failures: the peer was fixed */
      h->auth_status = h->protocol_error = 0;
      h->auth_failures = h->other_failures = 0;
      h->connected = h->disconnected = 0;
      break;
    case ZMQ_EVENT_CONNECTED: h->connected++; break;
    case ZMQ_EVENT_DISCONNECTED:
      h->disconnected++;
      h->drops++;
      h->lost += h->up;
      h->up = 0;
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
      h->auth_failures++;
      h->auth_status = (int)val;
      break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL: h->protocol_error = (int)val; break;
    case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      h->other_failures++;
      h->last_errno = (int)val;
      break;
    default: break;
    }
  }
}

const char *hb_handshake_explain(const hb_handshake *h, char *buf, size_t len)
{
  if (h->auth_failures) {
    snprintf(buf, len,
             "the peer refused our key (ZAP status %d, %d times): it does not have this "
             "program's public key installed, or has removed it",
             h->auth_status, h->auth_failures);
    return buf;
  }
  if (h->protocol_error) {
    const char *why = "the security handshake failed";
    if (h->protocol_error == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
      why = "the peer speaks another security mechanism (CURVE on one side, plain TCP, "
            "--insecure, on the other)";
    else if (h->protocol_error == ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC ||
             h->protocol_error == ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE)
      why = "the security handshake failed: the peer's public key given here is probably not "
            "the peer's";
    snprintf(buf, len, "%s (ZMTP protocol error 0x%x)", why, (unsigned)h->protocol_error);
    return buf;
  }
  /* Which side notices a mechanism mismatch first is a race: when the
   * peer does, we only see it close every connection it accepted. A peer
   * that is down accepts none. */
  if (h->succeeded == 0 && h->connected > 0 && h->disconnected >= h->connected &&
      h->disconnected > 0) {
    snprintf(buf, len,
             "the peer accepts the connection but closes it during the security handshake "
             "(%d times): one side runs --insecure (plain TCP) and the other CURVE, or the "
             "peer's public key given here is not its key",
             h->disconnected);
    return buf;
  }
  return NULL;
}

void hb_handshake_close(hb_handshake *h, void *sock)
{
  if (sock)
    zmq_socket_monitor(sock, NULL, 0);
  if (h->mon)
    zmq_close(h->mon);
  h->mon = NULL;
}
