/* net.h: one ZeroMQ SUB socket (ZMQ_SUB) per endpoint, so every message is known by the
 * endpoint it came from. Frames are [topic "rollup/<campaign>"][Rollup], and from a
 * publisher of issue 17 [topic "state/<campaign>"][RollupDelta], ["tick"][RollupBeat] and
 * the one frame ["tock" RollupBeat] (net_delta.h: what they give is handed out as whole
 * Rollups, as if sent in full). */
#ifndef SUB_NET_H
#define SUB_NET_H

#include <stdbool.h>
#include <stddef.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_cert.h"
#include "hb_handshake.h"

typedef struct sub_net {
  void *ctx;
  void **socks;
  char **eps; /* copies of the endpoints, index = socket index */
  size_t count;
  size_t next;             /* round robin start among ready sockets */
  size_t bad;              /* messages dropped as malformed (for the log) */
  hb_handshake *hs;        /* handshake events per socket (why a county gives nothing) */
  char **codes;            /* per endpoint, the source code bound to it: given (--server-code) or
                              that of the first rollup accepted from it; NULL: none yet (owned) */
  bool configured;         /* codes were given: none is learned */
  struct sub_netd **delta; /* per endpoint, its delta topics (net_delta.h; owned) */
  size_t gaps;             /* deltas and beats that did not fit the state held (full asked) */
} sub_net;

/* The file in `run --data DIR` that keeps the learned bindings. */
#define SUB_BINDINGS_FILE "bindings"

/* What sub_net_claim decided about a rollup's source code. */
typedef enum sub_claim {
  SUB_CLAIM_OK = 0,         /* the endpoint is bound to that code */
  SUB_CLAIM_BOUND = 1,      /* neither was bound: they are now, for the life of s */
  SUB_CLAIM_OTHER_CODE = 2, /* the endpoint is bound to another code: refuse */
  SUB_CLAIM_TAKEN = 3,      /* the code is bound to another endpoint (*other): refuse */
} sub_claim;

/* Splits "EP[,EP...]" into a malloc'd array of malloc'd strings, checking
 * each with hb_zmq_endpoint_valid. Empty items, duplicates and more than 64
 * endpoints are refused with a message in err. Free with sub_net_free_list. */
int sub_net_parse_list(const char *list, char ***eps, size_t *n, char *err, size_t errlen);
void sub_net_free_list(char **eps, size_t n);

/* Creates a context and connects one SUB socket per endpoint, subscribed to
 * "rollup/" or "rollup/<campaign>" (campaign may be NULL) and to the delta
 * topics (net_delta.h), with
 * ZMQ_MAXMSGSIZE = HB_WIRE_MAX_ROLLUP and ZMQ_LINGER = 0. */
int sub_net_open(sub_net *s, char *const *eps, size_t n, const char *campaign, char *err,
                 size_t errlen);

/* The same, as a CURVE client with key pair key of the servers whose Z85
 * public keys are server_public[0..n), one per endpoint. key NULL = plain. */
int sub_net_open_secure(sub_net *s, char *const *eps, size_t n, const char *campaign,
                        const hb_cert *key, char *const *server_public, char *err, size_t errlen);
void sub_net_close(sub_net *s);

/* sub_net_open_secure as the command line says: the endpoints of
 * cli->connect (copied into *eps, in order; free with sub_net_free_list),
 * the city's key cli->key and one server key per endpoint, or plain TCP
 * with cli->insecure (logged as a warning), and the source codes of
 * --server-code bound to the endpoints (sub_net_bind_codes). On failure
 * prints why on stderr and returns the exit code (64: bad endpoints, key or
 * code count, 78: a key file, or two endpoints given one code, 70: the
 * sockets), with *eps NULL; else 0 (close net with sub_net_close). */
struct sub_cli;
int sub_net_open_cli(sub_net *net, const struct sub_cli *cli, char ***eps, size_t *neps);

/* Why endpoint i gave nothing, when its handshake events say (its county
 * refused our key, or one side runs --insecure), in buf; NULL when they do
 * not (the county may simply be down). */
const char *sub_net_explain(sub_net *s, size_t i, char *buf, size_t len);

/* Binds endpoint i to codes[i] for every endpoint of s (n must equal
 * s->count): the code each is configured to publish. Returns 0, or
 * HB_EINVAL with err naming the two endpoints given one code (two
 * counties configured with one code: a configuration error). */
int sub_net_bind_codes(sub_net *s, char *const *codes, size_t n, char *err, size_t errlen);

/* The bindings learned by an earlier run, kept in the file path (one line
 * "CODE ENDPOINT" each, written by sub_net_bindings_save): each whose
 * endpoint is one of s's and whose code no endpoint of s holds yet is
 * bound again; the others are ignored (an endpoint no longer connected).
 * Nothing happens when the codes were given (configured) or the file does
 * not exist. Returns how many were bound, or HB_EIO / HB_ENOMEM. */
int sub_net_bindings_load(sub_net *s, const char *path);

/* Writes every binding of s to path (path.new, fsync, rename). Returns 0
 * or HB_EIO. */
int sub_net_bindings_save(const sub_net *s, const char *path);

/* Who may speak for a source code: a rollup of source code that came on
 * endpoint ep is accepted only if the endpoint and the code are bound to
 * each other, or neither is bound yet (then they are, unless the codes
 * were configured: an endpoint configured with one code is never bound to
 * another). A code is never moved from one endpoint to another while s
 * lives. Returns a sub_claim (*other: the endpoint holding code for
 * SUB_CLAIM_TAKEN), or HB_ENOMEM. */
int sub_net_claim(sub_net *s, size_t ep, const char *code, size_t *other);

/* The next_ms of endpoint i's last quiet beat (sub_netd_quiet_ms; 0:
 * none): how long its publisher may say nothing (hb_delta_silence_ms). */
uint32_t sub_net_quiet_ms(const sub_net *s, size_t i);

/* Whether endpoint i's connection closed since the last call (its
 * publisher was stopped or killed: what it announced no longer holds). */
bool sub_net_take_lost(sub_net *s, size_t i);

/* Waits at most timeout_ms for one well-formed rollup (a full one, one
 * rebuilt from a delta, or the one held again on a beat). Returns 1 with
 * *ep (socket index) and *r (caller frees with
 * protobuf_c_message_free_unpacked), 0 on timeout or signal, HB_EZMQ. Messages
 * whose frames, topic or content are wrong are dropped and counted in bad;
 * a topic must be exactly "rollup/" + the rollup's campaign. */
int sub_net_recv(sub_net *s, int timeout_ms, size_t *ep, Huibao__V1__Rollup **r);

#endif
