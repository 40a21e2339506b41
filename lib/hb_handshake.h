/* hb_handshake.h: what became of a socket's connection handshakes.
 *
 * A refused CURVE handshake and a peer that is down look the same to a
 * DEALER or SUB socket: nothing arrives. libzmq tells them apart only
 * through zmq_socket_monitor events (HANDSHAKE_SUCCEEDED, _FAILED_AUTH with
 * the ZAP status, _FAILED_PROTOCOL, _FAILED_NO_DETAIL), so a program that
 * must say why it got nothing watches them with this. */
#ifndef HB_HANDSHAKE_H
#define HB_HANDSHAKE_H

#include <stddef.h>

typedef struct hb_handshake {
  void *mon;          /* PAIR socket receiving the events; owned */
  int succeeded;      /* handshakes that succeeded */
  int auth_status;    /* ZAP status of the last refusal (300, 400, 500), or 0 */
  int auth_failures;  /* handshakes the peer refused (authentication) */
  int protocol_error; /* ZMQ_PROTOCOL_ERROR_* of the last protocol failure, or 0 */
  int other_failures; /* handshakes that failed without detail (errno in last_errno) */
  int connected;      /* TCP connections made (ZMQ_EVENT_CONNECTED) since the last success */
  int disconnected;   /* ... and closed again (ZMQ_EVENT_DISCONNECTED) */
  int drops;          /* connections closed since the watch began (never cleared) */
  int last_errno;
  int up;   /* a connection is up now: its handshake succeeded, it is not closed yet */
  int lost; /* connections closed after their handshake succeeded (never reset): what
             * was queued on one may not have arrived, so a sender sends it again */
} hb_handshake;

/* Starts watching sock (before it connects). name makes the inproc
 * endpoint unique within ctx. Returns 0 or HB_EZMQ. */
int hb_handshake_watch(hb_handshake *h, void *ctx, void *sock, const char *name);

/* Reads the events that arrived, without blocking. */
void hb_handshake_poll(hb_handshake *h);

/* A one-line explanation of why nothing came through, in buf, when the
 * events explain it (a refusal or a failed handshake and no success since);
 * NULL when they do not (the peer may simply be down). */
const char *hb_handshake_explain(const hb_handshake *h, char *buf, size_t len);

/* Stops watching; call before closing sock's context. */
void hb_handshake_close(hb_handshake *h, void *sock);

#endif
