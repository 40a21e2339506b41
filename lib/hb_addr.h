/* hb_addr.h: ADDR:PORT, the listening address of the HTTP endpoints
 * (aggregator and huibao-sub --metrics, huibao-sub serve --http).
 *
 * Spellings accepted (one parser, so every endpoint takes all of them):
 *   127.0.0.1:9101    an IPv4 address or a host name that resolves
 *   [::1]:9101        an IPv6 address in brackets
 *   ::1:9101          an IPv6 address without them (the last colon ends it)
 *   *:9101, :9101     every IPv4 address
 * The port is a decimal number 1..65535 (0 as well with HB_ADDR_PORT_ANY:
 * the system picks a free one). */
#ifndef HB_ADDR_H
#define HB_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

enum { HB_ADDR_PORT_ANY = 1 }; /* flags of hb_addr_parse: accept port 0 */

typedef struct hb_addr {
  char host[256]; /* without brackets; "" = every IPv4 address */
  char port[6];   /* decimal */
} hb_addr;

/* Parses text into *out. Returns 0, or HB_EINVAL with the reason in err
 * ("'9101': expected ADDR:PORT (e.g. 127.0.0.1:9101, [::1]:9101, *:9101)"). */
int hb_addr_parse(const char *text, int flags, hb_addr *out, char *err, size_t errlen);

/* Resolves a (for listening: AI_PASSIVE; no host = every IPv4 address) into
 * the first address found. Returns 0, or HB_EINVAL with the resolver's
 * reason in err ("Name or service not known"). */
int hb_addr_resolve(const hb_addr *a, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
                    size_t errlen);

/* Whether an HTTP request's Host header may be answered by an endpoint
 * listening on listen (an ADDR:PORT as above), so that a page of another
 * site cannot read it through DNS rebinding (its requests carry that site's
 * name). host: the header as received (NULL or "" when absent: accepted, no
 * browser sends that), with or without ":port" and IPv6 brackets. Accepted,
 * case-insensitively: the listening host itself; any IP address literal
 * when listening on every address; localhost, 127.0.0.1 and ::1 when the
 * listening host is one of those or starts with "127."; and each name of
 * names, a comma-separated list (NULL: none). */
int hb_addr_host_ok(const char *listen, const char *names, const char *host);

#endif
