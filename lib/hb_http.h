/* hb_http.h: what the HTTP servers of huibao share on libmicrohttpd (the
 * county's /metrics and review console, the city's dashboard): starting a
 * daemon on an ADDR:PORT (hb_addr.h) with the signals kept for the
 * program's main thread, and libmicrohttpd's own messages in the log. */
#ifndef HB_HTTP_H
#define HB_HTTP_H

#include <stdarg.h>
#include <stddef.h>
#include <microhttpd.h>

/* Starts libmicrohttpd listening on addr ("127.0.0.1:9101", "[::1]:8443",
 * "*:8443"): flags as MHD_start_daemon's (MHD_USE_IPv6 is added for an
 * IPv6 address), handler(cls) for every request, opts: further options
 * (an array ending with MHD_OPTION_END; NULL: none). Every signal is
 * blocked in its threads (the main thread's handlers set the flags its
 * loop reads). Returns 0 with *out, HB_EINVAL for a bad address ("'x':
 * expected ADDR:PORT ..."), HB_EIO when it cannot listen ("127.0.0.1:9101:
 * cannot listen: Address already in use"). */
int hb_http_daemon_start(struct MHD_Daemon **out, const char *addr, unsigned flags,
                         MHD_AccessHandlerCallback handler, void *cls,
                         const struct MHD_OptionItem *opts, char *err, size_t errlen);

/* Resolves addr as hb_http_daemon_start would, without listening (for
 * --check-config): 0 or HB_EINVAL with err set. */
int hb_http_addr_check(const char *addr, char *err, size_t errlen);

/* A logger for MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's messages (mostly
 * what clients did: a request cut short, a limit reached, so any client
 * could flood a log at a higher level) at debug, after the prefix cls (a
 * const char *, "http: "; NULL: none). */
void hb_http_mhd_log(void *cls, const char *fmt, va_list ap);

#endif
