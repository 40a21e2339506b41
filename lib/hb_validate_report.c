/* hb_validate_report.c: checks of a 报送 row (hb_validate.h, issue 13).
 * STUB (issue 13 groundwork): the helper owning it fills it in. */
#include <string.h>

#include "hb_validate.h"

int hb_validate_report(const Huibao__V1__Report *r, const hb_campaigns *campaigns, int32_t today,
                       hb_violation *v, hb_canon *canon)
{
  (void)r, (void)campaigns, (void)today, (void)v;
  if (canon)
    memset(canon, 0, sizeof *canon),
        canon->category = canon->subcategory = canon->kind = canon->indicator = -1;
  return 0;
}
