/* hb_http_auth.c: the login gate (see hb_http_auth.h). STUB of the
 * groundwork: H5 fills it (the stub lets every request through as the
 * reviewer "stub"). */
#include "hb_http_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

struct hb_http_auth {
  int unused;
};

int hb_http_auth_new(hb_http_auth **out, MDB_env *env, MDB_dbi accounts, const char *title,
                     bool tls)
{
  (void)env, (void)accounts, (void)title, (void)tls;
  *out = calloc(1, sizeof **out);
  return *out ? 0 : HB_ENOMEM;
}

void hb_http_auth_free(hb_http_auth *a)
{
  free(a);
}

bool hb_http_auth_gate(hb_http_auth *a, struct MHD_Connection *c, const char *url,
                       const char *method, const char *body, size_t body_len, hb_session_info *user,
                       enum MHD_Result *ret)
{
  (void)a, (void)c, (void)url, (void)method, (void)body, (void)body_len;
  memset(user, 0, sizeof *user);
  snprintf(user->name, sizeof user->name, "stub");
  user->role = HB_ROLE_REVIEWER;
  *ret = MHD_YES;
  return false;
}

int hb_http_form_field(const char *body, size_t body_len, const char *name, char *out,
                       size_t outlen)
{
  (void)body, (void)body_len, (void)name, (void)out, (void)outlen;
  return HB_ENOTFOUND;
}

int hb_http_tls_load(const char *cert_path, const char *key_path, char **cert, char **key,
                     char *err, size_t errlen)
{
  (void)cert_path, (void)key_path;
  *cert = *key = NULL;
  snprintf(err, errlen, "TLS not implemented yet");
  return HB_EINVAL;
}
