/* hb_agg_review.c: the review counts of an aggregate (issue 14, see
 * hb_agg_add_review in hb_agg.h). STUB of the groundwork: H2 fills it. */
#include "hb_agg.h"
#include "hb_err.h"

int hb_agg_add_review(hb_agg *a, const Huibao__V1__Activity *act, const Huibao__V1__Problem *prob,
                      int status, int sign)
{
  (void)a, (void)act, (void)prob, (void)status, (void)sign;
  return 0;
}
