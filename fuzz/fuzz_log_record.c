/* fuzz_log_record: the bytes of a stored history entry (a county store's
 * db "log", read by the records db's readers since issue 15, and by a
 * city's replica): hb_wire_log_record must locate the record's body
 * inside the entry or refuse it, never read past it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hb_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  hb_wire_log_rec lr;
  if (hb_wire_log_record(data, size, &lr) != 0)
    return 0;
  if (!lr.body || lr.body < data || lr.blen > size || lr.body + lr.blen > data + size ||
      lr.body_field < 2 || lr.body_field > 6)
    abort(); /* a located body lies inside the entry */
  return 0;
}
