/* hb_zmq.h: socket set-up that every huibao socket facing the network needs
 * (see ../shared/ENGINEERING.md for why each option is set). */
#ifndef HB_ZMQ_H
#define HB_ZMQ_H

#include <stddef.h>
#include <stdint.h>

/* Common options: ZMQ_MAXMSGSIZE, ZMQ_LINGER, heartbeats (ivl/timeout ms). */
int hb_zmq_common(void *sock, int64_t maxmsgsize, int heartbeat_ivl_ms, int heartbeat_timeout_ms);

/* County ROUTER: ROUTER_MANDATORY=1, SNDHWM/RCVHWM = hwm. */
int hb_zmq_router(void *sock, int hwm);

/* Agent DEALER: LINGER=0, IMMEDIATE=1. */
int hb_zmq_dealer(void *sock);

/* Sends a message of n frames (last one without SNDMORE); flags are added
 * to each frame's send (e.g. ZMQ_DONTWAIT). Returns 0 or -errno. */
int hb_zmq_send_frames(void *sock, const void *const *data, const size_t *len, int n, int flags);

/* Checks that an endpoint looks like tcp://HOST:PORT, ipc://PATH or
 * inproc://NAME; err says what is wrong. */
int hb_zmq_endpoint_valid(const char *ep, char *err, size_t errlen);

#endif
