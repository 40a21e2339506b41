/* hb_http.c: starting the HTTP servers of huibao (see hb_http.h). */
#include "hb_http.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "hb_addr.h"
#include "hb_err.h"
#include "hb_log.h"

static int addr_resolve(const char *addr, struct sockaddr_storage *ss, char *err, size_t errlen)
{
  hb_addr a;
  socklen_t sslen;
  int rc = hb_addr_parse(addr, 0, &a, err, errlen);
  if (rc != 0)
    return rc;
  char why[256];
  if ((rc = hb_addr_resolve(&a, ss, &sslen, why, sizeof why)) != 0)
    snprintf(err, errlen, "'%s': %s", addr, why);
  return rc;
}

int hb_http_addr_check(const char *addr, char *err, size_t errlen)
{
  struct sockaddr_storage ss;
  return addr_resolve(addr, &ss, err, errlen);
}

int hb_http_daemon_start(struct MHD_Daemon **out, const char *addr, unsigned flags,
                         MHD_AccessHandlerCallback handler, void *cls,
                         const struct MHD_OptionItem *opts, char *err, size_t errlen)
{
  static const struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};
  struct sockaddr_storage ss;
  *out = NULL;
  int rc = addr_resolve(addr, &ss, err, errlen);
  if (rc != 0)
    return rc;
  uint16_t port;
  if (ss.ss_family == AF_INET6) {
    flags |= MHD_USE_IPv6;
    port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
  } else {
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  }
  /* libmicrohttpd's threads inherit this mask */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  errno = 0;
  *out = MHD_start_daemon(flags, port, NULL, NULL, handler, cls, MHD_OPTION_SOCK_ADDR,
                          (struct sockaddr *)&ss, MHD_OPTION_ARRAY, opts ? opts : none,
                          MHD_OPTION_END);
  int e = errno;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (!*out) {
    snprintf(err, errlen, "%s: cannot listen: %s", addr, e ? strerror(e) : "libmicrohttpd failed");
    return HB_EIO;
  }
  return 0;
}

__attribute__((format(printf, 2, 0))) void hb_http_mhd_log(void *cls, const char *fmt, va_list ap)
{
  char line[512];
  vsnprintf(line, sizeof line, fmt, ap);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  hb_log_debug("%s%s", cls ? (const char *)cls : "", line);
}
