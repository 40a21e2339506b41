/* hb_session.c: login sessions (see hb_session.h). STUB of the
 * groundwork: H5 fills it. */
#include "hb_session.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

int hb_sessions_new(hb_sessions **out, int64_t ttl_s)
{
  (void)ttl_s;
  *out = NULL;
  return HB_EINVAL;
}

void hb_sessions_free(hb_sessions *s)
{
  (void)s;
}

int hb_sessions_create(hb_sessions *s, const char *name, hb_role role, int64_t now_s,
                       char token[HB_SESSION_TOKEN_HEX], hb_session_info *out)
{
  (void)s, (void)name, (void)role, (void)now_s, (void)token, (void)out;
  return HB_EINVAL;
}

int hb_sessions_find(hb_sessions *s, const char *token, int64_t now_s, hb_session_info *out)
{
  (void)s, (void)token, (void)now_s, (void)out;
  return HB_EPERM;
}

void hb_sessions_end(hb_sessions *s, const char *token)
{
  (void)s, (void)token;
}

void hb_sessions_end_name(hb_sessions *s, const char *name)
{
  (void)s, (void)name;
}

int64_t hb_sessions_login_wait(hb_sessions *s, const char *key, int64_t now_s)
{
  (void)s, (void)key, (void)now_s;
  return 0;
}

void hb_sessions_login_failed(hb_sessions *s, const char *key, int64_t now_s)
{
  (void)s, (void)key, (void)now_s;
}

void hb_sessions_login_ok(hb_sessions *s, const char *key)
{
  (void)s, (void)key;
}

bool hb_session_csrf_ok(const hb_session_info *in, const char *given)
{
  return given && strcmp(in->csrf, given) == 0;
}
