/* fuzz_wire_fast: a Submit decoded both ways (issue 17): by the one-pass
 * decoder (hb_wire_submit_decode, hb_wire_fast.c) and as the county did
 * before it (protobuf-c's unpack into an arena, hb_wire_submit_bodies,
 * hb_wire_canonical), with and without Submit.records_zstd inflated;
 * aborts on any difference: the answer, the error text, any field of any
 * message, a record's body or its canonical flag (tests/unit/test_wire_diff.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../tests/unit/test_wire_diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  for (int zstd = 0; zstd < 2; zstd++) {
    bool fast;
    int rc;
    const char *d = wire_diff(data, size, zstd, &fast, &rc);
    if (d) {
      fprintf(stderr, "fuzz_wire_fast: the two decoders differ (%s)\n", d);
      abort();
    }
  }
  return 0;
}
