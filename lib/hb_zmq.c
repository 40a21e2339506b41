/* hb_zmq.c: socket options every huibao socket that faces the network needs. */
#include "hb_zmq.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "hb_err.h"

static int setopt_int(void *sock, int opt, int value)
{
  return zmq_setsockopt(sock, opt, &value, sizeof value) == 0 ? HB_OK : HB_EZMQ;
}

int hb_zmq_common(void *sock, int64_t maxmsgsize, int heartbeat_ivl_ms, int heartbeat_timeout_ms)
{
  if (zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsgsize, sizeof maxmsgsize) != 0)
    return HB_EZMQ;
  if (setopt_int(sock, ZMQ_LINGER, 0))
    return HB_EZMQ;
  if (heartbeat_ivl_ms > 0) {
    if (setopt_int(sock, ZMQ_HEARTBEAT_IVL, heartbeat_ivl_ms))
      return HB_EZMQ;
    if (setopt_int(sock, ZMQ_HEARTBEAT_TIMEOUT,
                   heartbeat_timeout_ms > 0 ? heartbeat_timeout_ms : 3 * heartbeat_ivl_ms))
      return HB_EZMQ;
    /* TTL is in deciseconds: how long the peer may wait for us. */
    int ttl = (heartbeat_timeout_ms > 0 ? heartbeat_timeout_ms : 3 * heartbeat_ivl_ms) / 100;
    if (ttl > 0 && setopt_int(sock, ZMQ_HEARTBEAT_TTL, ttl * 100))
      return HB_EZMQ;
  }
  return HB_OK;
}

int hb_zmq_router(void *sock, int hwm)
{
  if (setopt_int(sock, ZMQ_ROUTER_MANDATORY, 1))
    return HB_EZMQ;
  if (setopt_int(sock, ZMQ_SNDHWM, hwm))
    return HB_EZMQ;
  if (setopt_int(sock, ZMQ_RCVHWM, hwm))
    return HB_EZMQ;
  return HB_OK;
}

int hb_zmq_dealer(void *sock)
{
  if (setopt_int(sock, ZMQ_LINGER, 0))
    return HB_EZMQ;
  if (setopt_int(sock, ZMQ_IMMEDIATE, 1))
    return HB_EZMQ;
  return HB_OK;
}

int hb_zmq_send_frames(void *sock, const void *const *data, const size_t *len, int n, int flags)
{
  for (int i = 0; i < n; i++) {
    int f = flags | (i + 1 < n ? ZMQ_SNDMORE : 0);
    if (zmq_send(sock, data[i], len[i], f) < 0)
      return -errno;
  }
  return 0;
}

int hb_zmq_endpoint_valid(const char *ep, char *err, size_t errlen)
{
  if (!ep || !*ep) {
    snprintf(err, errlen, "empty endpoint");
    return HB_EINVAL;
  }
  if (strncmp(ep, "tcp://", 6) == 0) {
    const char *colon = strrchr(ep + 6, ':');
    if (!colon || colon == ep + 6 || !colon[1]) {
      snprintf(err, errlen, "%s: expected tcp://HOST:PORT", ep);
      return HB_EINVAL;
    }
    if (strcmp(colon + 1, "*") != 0) {
      for (const char *p = colon + 1; *p; p++)
        if (*p < '0' || *p > '9') {
          snprintf(err, errlen, "%s: port must be a number or *", ep);
          return HB_EINVAL;
        }
    }
    return HB_OK;
  }
  if ((strncmp(ep, "ipc://", 6) == 0 || strncmp(ep, "inproc://", 9) == 0) && strchr(ep, '/')[2])
    return HB_OK;
  snprintf(err, errlen, "%s: expected tcp://HOST:PORT, ipc://PATH or inproc://NAME", ep);
  return HB_EINVAL;
}
