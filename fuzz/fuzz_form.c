/* fuzz_form: the body of a POST to the county console or the city
 * dashboard (issue 14), as anyone who can reach the port sends it, before
 * any login: hb_http_form_field reads the login form (name, password,
 * csrf) and the console's decision form (unit, kind, id, action,
 * reason). Every field that is found must come back NUL-ended within the
 * buffer and as valid UTF-8. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_err.h"
#include "hb_http_auth.h"
#include "hb_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char *const names[] = {"name", "password", "csrf",   "unit",
                                      "kind", "id",       "action", "reason"};
  /* the first byte picks the output buffer's size: the short ones cut */
  if (size < 1)
    return 0;
  size_t cap = (size_t)(data[0] % 64) + 1;
  char *out = malloc(cap);
  if (!out)
    return 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    memset(out, 'x', cap);
    int rc = hb_http_form_field((const char *)data + 1, size - 1, names[i], out, cap);
    if (rc == 0) {
      size_t n = strnlen(out, cap);
      if (n == cap || !hb_utf8_valid(out, n))
        abort();
    } else if (rc != HB_ENOTFOUND && rc != HB_ETOOBIG && rc != HB_EINVAL) {
      abort();
    }
  }
  free(out);
  return 0;
}
