/* fuzz_rollup: a county's published Rollup as the city receives it:
 * hb_rollup_unpack, then the JSON view (hb_rollup_to_json) and the
 * terminal table (hb_rollup_write_table) that huibao-sub derives from it,
 * and a merge of the rollup with itself, as a city with two counties does. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "hb_rollup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Huibao__V1__Rollup *r;
  if (hb_rollup_unpack(data, size, &r) != 0)
    return 0;
  json_t *j = hb_rollup_to_json(r);
  if (j) {
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)); /* as sub/ dumps it */
    free(text);
    json_decref(j);
  }
  FILE *f = fopen("/dev/null", "w");
  if (f) {
    hb_rollup_write_table(r, f);
    fclose(f);
  }
  const Huibao__V1__Rollup *in[2] = {r, r};
  bool stale[2] = {false, true};
  Huibao__V1__Rollup *m = NULL;
  if (hb_rollup_merge(in, 2, stale, "city", "市", 0, &m) == 0 && m) {
    json_t *jm = hb_rollup_to_json(m);
    json_decref(jm);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  }
  protobuf_c_message_free_unpacked(&r->base, NULL);
  return 0;
}
