/* hb_rollup.c: what the views of a Rollup share. The parts are in
 * hb_rollup_build.c, hb_rollup_merge.c, hb_rollup_unpack.c,
 * hb_rollup_json.c and hb_rollup_table.c (see hb_rollup.h). */
#include "hb_rollup.h"

double hb_rollup_share(uint64_t part, uint64_t whole)
{
  return whole ? (double)part / (double)whole : 0.0;
}
