/* hb_addr.c: ADDR:PORT (see hb_addr.h). */
#include "hb_addr.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "hb_err.h"

int hb_addr_parse(const char *text, int flags, hb_addr *out, char *err, size_t errlen)
{
  const char *colon = strrchr(text, ':');
  if (!colon || colon[1] == '\0') {
    snprintf(err, errlen, "'%s': expected ADDR:PORT (e.g. 127.0.0.1:9101, [::1]:9101, *:9101)",
             text);
    return HB_EINVAL;
  }
  const char *p = colon + 1;
  size_t pl = strlen(p);
  long port = 0;
  int digits = pl > 0 && strspn(p, "0123456789") == pl;
  for (size_t i = 0; digits && i < pl && port <= 65535; i++)
    port = port * 10 + (p[i] - '0');
  long lo = flags & HB_ADDR_PORT_ANY ? 0 : 1;
  if (!digits || port < lo || port > 65535) {
    snprintf(err, errlen, "'%s': port '%s' is not a number %ld..65535", text, p, lo);
    return HB_EINVAL;
  }
  const char *h = text;
  size_t hl = (size_t)(colon - text);
  if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
    h++;
    hl -= 2;
  }
  if (hl == 1 && h[0] == '*')
    hl = 0;
  if (hl >= sizeof out->host) {
    snprintf(err, errlen, "'%s': host name too long", text);
    return HB_EINVAL;
  }
  memcpy(out->host, h, hl);
  out->host[hl] = '\0';
  snprintf(out->port, sizeof out->port, "%ld", port);
  return 0;
}

int hb_addr_resolve(const hb_addr *a, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
                    size_t errlen)
{
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = a->host[0] ? AF_UNSPEC : AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  int grc = getaddrinfo(a->host[0] ? a->host : NULL, a->port, &hints, &res);
  if (grc != 0 || !res || res->ai_addrlen > sizeof *ss) {
    snprintf(err, errlen, "%s", grc ? gai_strerror(grc) : "no address");
    if (res)
      freeaddrinfo(res);
    return HB_EINVAL;
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *sslen = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}
