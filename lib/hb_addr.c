/* hb_addr.c: ADDR:PORT (see hb_addr.h). */
#include "hb_addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

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

/* The name of a Host header: without ":port" and brackets, into buf; false
 * when it does not fit or is malformed. */
static int host_name(const char *host, char *buf, size_t len)
{
  const char *end;
  if (host[0] == '[') {
    host++;
    end = strchr(host, ']');
    if (!end || (end[1] != '\0' && end[1] != ':'))
      return 0;
  } else {
    end = strchr(host, ':');
    if (end && strchr(end + 1, ':'))
      end = host + strlen(host); /* a bare IPv6 address */
    if (!end)
      end = host + strlen(host);
  }
  size_t n = (size_t)(end - host);
  if (n == 0 || n >= len)
    return 0;
  memcpy(buf, host, n);
  buf[n] = '\0';
  return 1;
}

static int is_ip_literal(const char *name)
{
  unsigned char b[16];
  return inet_pton(AF_INET, name, b) == 1 || inet_pton(AF_INET6, name, b) == 1;
}

static int is_loopback(const char *name)
{
  return strcasecmp(name, "localhost") == 0 || strcmp(name, "::1") == 0 ||
         (strncmp(name, "127.", 4) == 0 && is_ip_literal(name));
}

/* Whether name is one of the comma-separated list (spaces around ignored). */
static int in_list(const char *list, const char *name)
{
  size_t nl = strlen(name);
  while (list && *list) {
    while (*list == ' ' || *list == ',')
      list++;
    size_t n = strcspn(list, ",");
    size_t t = n;
    while (t && list[t - 1] == ' ')
      t--;
    if (t && t == nl && strncasecmp(list, name, nl) == 0)
      return 1;
    list += n;
  }
  return 0;
}

int hb_addr_host_ok(const char *listen, const char *names, const char *host)
{
  if (!host || !host[0])
    return 1;
  char name[256];
  hb_addr a;
  char err[128];
  if (!host_name(host, name, sizeof name) ||
      hb_addr_parse(listen, HB_ADDR_PORT_ANY, &a, err, sizeof err) != 0)
    return 0;
  if (strcasecmp(name, a.host) == 0 || in_list(names, name))
    return 1;
  if (a.host[0] == '\0' || strcmp(a.host, "0.0.0.0") == 0 || strcmp(a.host, "::") == 0)
    return is_ip_literal(name);
  return is_loopback(a.host) && is_loopback(name);
}
