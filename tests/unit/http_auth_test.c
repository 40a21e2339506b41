/* Tests the parts of lib/hb_http_auth.c that need no server: form fields
 * and loading the TLS files (the gate itself: integration.logins). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb_err.h"
#include "hb_http_auth.h"
#include "test.h"

static void test_form_field(void)
{
  const char *b = "name=%E6%9D%8E%E5%9B%9B&password=a+b%26c%3D&csrf=&x";
  size_t n = strlen(b);
  char out[64];
  CHECK_EQ_INT(0, hb_http_form_field(b, n, "name", out, sizeof out));
  CHECK_EQ_STR("李四", out);
  CHECK_EQ_INT(0, hb_http_form_field(b, n, "password", out, sizeof out));
  CHECK_EQ_STR("a b&c=", out);
  CHECK_EQ_INT(0, hb_http_form_field(b, n, "csrf", out, sizeof out));
  CHECK_EQ_STR("", out);
  CHECK_EQ_INT(0, hb_http_form_field(b, n, "x", out, sizeof out));
  CHECK_EQ_STR("", out);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_http_form_field(b, n, "nam", out, sizeof out));
  CHECK_EQ_INT(HB_ENOTFOUND, hb_http_form_field(NULL, 0, "name", out, sizeof out));
  char small[4];
  CHECK_EQ_INT(HB_ETOOBIG, hb_http_form_field(b, n, "password", small, sizeof small));
  /* a body cut short: only its first n bytes count; a broken escape stays */
  CHECK_EQ_INT(0, hb_http_form_field("a=1%2&b=2", 5, "a", out, sizeof out));
  CHECK_EQ_STR("1%2", out);
}

static void test_tls_load(void)
{
  char dir[] = "/tmp/hb_http_auth_test.XXXXXX", cert[64], key[64], err[256];
  if (!mkdtemp(dir))
    return;
  snprintf(cert, sizeof cert, "%s/cert.pem", dir);
  snprintf(key, sizeof key, "%s/key.pem", dir);
  char *c = NULL, *k = NULL;
  int rc = hb_http_tls_load(cert, key, &c, &k, err, sizeof err);
  if (rc == HB_EINVAL && strstr(err, "TLS")) { /* a libmicrohttpd without TLS */
    rmdir(dir);
    return;
  }
  CHECK_EQ_INT(HB_ENOTFOUND, rc);
  CHECK_CONTAINS(err, "cert.pem");
  FILE *f = fopen(cert, "w");
  fputs("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", f);
  fclose(f);
  f = fopen(key, "w");
  fputs("not a key\n", f);
  fclose(f);
  CHECK_EQ_INT(HB_EINVAL, hb_http_tls_load(cert, key, &c, &k, err, sizeof err));
  CHECK_CONTAINS(err, "key.pem");
  CHECK(c == NULL && k == NULL);
  f = fopen(key, "w");
  fputs("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", f);
  fclose(f);
  CHECK_EQ_INT(0, hb_http_tls_load(cert, key, &c, &k, err, sizeof err));
  CHECK_CONTAINS(c, "BEGIN CERTIFICATE");
  CHECK_CONTAINS(k, "BEGIN PRIVATE KEY");
  free(c);
  free(k);
  unlink(cert);
  unlink(key);
  rmdir(dir);
}

int main(void)
{
  RUN(test_form_field);
  RUN(test_tls_load);
  return test_summary();
}
