/* hb_zap.h: the ZAP handler that makes a CURVE server authenticate.
 *
 * A CURVE server with no ZAP handler accepts ANY client key. hb_zap binds
 * inproc://zeromq.zap.01 in the server's context (before the server socket
 * binds) and answers each handshake from a keyring: a known key gets status
 * 200 and its unit code as User-Id (which libzmq then attaches to every
 * message: zmq_msg_gets(msg, "User-Id")); an unknown key gets 400 and
 * cannot connect. The caller polls hb_zap_socket() with its other sockets
 * and calls hb_zap_handle() when it is readable: no thread is needed.
 * The keyring can be replaced at any time (SIGHUP). */
#ifndef HB_ZAP_H
#define HB_ZAP_H

#include <stddef.h>
#include "hb_cert.h"

#define HB_ZAP_DOMAIN "huibao"

typedef struct hb_zap hb_zap;

/* Binds the handler in ctx. *out owns the socket; free with hb_zap_close. */
int hb_zap_open(void *ctx, hb_zap **out);
void hb_zap_close(hb_zap *z);

/* Replaces the keyring; the zap handler takes ownership of *k (and zeroes it).
 * Several keyrings for several domains: name the domain each serves. */
void hb_zap_set_keyring(hb_zap *z, const char *domain, hb_keyring *k);

void *hb_zap_socket(hb_zap *z);

/* Answers every pending request without blocking. Returns the number of
 * requests answered, and for each refusal calls on_refuse (may be NULL). */
typedef void (*hb_zap_refuse_fn)(void *arg, const char *domain, const char *address,
                                 const char *reason);
int hb_zap_handle(hb_zap *z, hb_zap_refuse_fn on_refuse, void *arg);

/* Makes sock a CURVE server with this secret cert, in the huibao ZAP
 * domain, with ZAP enforced (option 93: draft macro in 4.3.4 headers). */
int hb_zap_server_socket(void *sock, const hb_cert *server, const char *domain);

/* Makes sock a CURVE client of a server with public key server_public. */
int hb_zap_client_socket(void *sock, const hb_cert *client, const char *server_public);

#endif
