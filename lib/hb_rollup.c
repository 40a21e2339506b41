/* hb_rollup.c: what the views of a Rollup share. The parts are in
 * hb_rollup_build.c, hb_rollup_merge.c, hb_rollup_unpack.c,
 * hb_rollup_json.c and hb_rollup_table.c (see hb_rollup.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include "hb_rollup.h"

double hb_rollup_share(uint64_t part, uint64_t whole)
{
  if (!whole)
    return 0.0;
  /* the double of the quotient's 15 significant digits, which JSON dumps
   * with JSON_REAL_PRECISION(15) print exactly and read back equal */
  char buf[40];
  snprintf(buf, sizeof buf, "%.15g", (double)part / (double)whole);
  return strtod(buf, NULL);
}

uint64_t hb_rollup_add_sat(uint64_t a, uint64_t b)
{
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static int64_t pow10i(uint32_t e)
{
  int64_t p = 1;
  while (e--)
    p *= 10;
  return p;
}

int64_t hb_rollup_value_scaled(int64_t value, uint32_t places)
{
  if (places > 4)
    places = 4;
  int64_t div = pow10i(4 - places), q = value / div, rem = value % div;
  /* rem has value's sign (C99); round half away from zero */
  if (rem * 2 >= div)
    q++;
  else if (rem * 2 <= -div)
    q--;
  return q;
}

const char *hb_rollup_value_text(int64_t value, uint32_t places, char *buf)
{
  if (places > 4)
    places = 4;
  int64_t q = hb_rollup_value_scaled(value, places), p = pow10i(places);
  /* magnitude as unsigned so INT64_MIN does not overflow */
  uint64_t mag = q < 0 ? (uint64_t)0 - (uint64_t)q : (uint64_t)q;
  const char *sign = q < 0 ? "-" : "";
  if (places == 0)
    snprintf(buf, HB_ROLLUP_VALUE_TEXT, "%s%" PRIu64, sign, mag);
  else
    snprintf(buf, HB_ROLLUP_VALUE_TEXT, "%s%" PRIu64 ".%0*" PRIu64, sign, mag / (uint64_t)p,
             (int)places, mag % (uint64_t)p);
  return buf;
}
