/* fuzz_units: the county's units.csv, any encoding, through hb_units_parse
 * (what hb_units_load does after reading the file). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_diag.h"
#include "hb_units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  hb_units u;
  hb_diags d;
  hb_diags_init(&d);
  hb_units_parse("units.csv", (const char *)data, size, &u, &d);
  for (size_t i = 0; i < u.count; i++) {
    const hb_unit *x = &u.items[i];
    if (!hb_unit_code_valid(x->code) || hb_units_find(&u, x->code) != x || !x->name)
      abort(); /* codes returned are valid and unique */
  }
  char line[1024];
  for (size_t i = 0; i < d.count; i++)
    hb_diag_format(&d.items[i], line, sizeof line);
  hb_diags_free(&d);
  hb_units_free(&u);
  return 0;
}
