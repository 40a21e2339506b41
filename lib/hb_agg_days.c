/* hb_agg_days.c: per-date figures of an aggregate and their sums over a
 * period (hb_agg.h, issue 13).
 * STUB (issue 13 groundwork): the helper owning it fills it in. */
#include <stdlib.h>
#include <string.h>

#include "hb_agg.h"
#include "hb_err.h"

int hb_agg_period_add(const hb_agg *a, int32_t from, int32_t to, hb_period_sum *out)
{
  (void)a, (void)from, (void)to, (void)out;
  return 0;
}

void hb_period_sum_free(hb_period_sum *s)
{
  for (size_t i = 0; i < s->nkinds; i++)
    free(s->kinds[i].code);
  free(s->kinds);
  memset(s, 0, sizeof *s);
}
