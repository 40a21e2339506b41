/* fuzz_cert: a zcert key file (public or secret) through hb_cert_parse,
 * the reader behind hb_cert_read and hb_keyring_load. The first byte
 * chooses need_secret. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_cert.h"
#include "hb_diag.h"
#include "hb_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  int need_secret = data[0] & 1;
  hb_cert c;
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_cert_parse("unit.key", (const char *)data + 1, size - 1, need_secret, &c, &d);
  if (rc == HB_OK) {
    if (strlen(c.public_key) != HB_Z85_KEY_LEN || (need_secret && !c.secret_key[0]))
      abort();
  } else if (hb_diags_errors(&d) == 0) {
    abort(); /* every refusal says why */
  }
  if (memchr(c.name, '\0', sizeof c.name) == NULL)
    abort();
  char line[1024];
  for (size_t i = 0; i < d.count; i++)
    hb_diag_format(&d.items[i], line, sizeof line);
  hb_diags_free(&d);
  return 0;
}
