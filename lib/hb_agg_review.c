/* hb_agg_review.c: the review counts of an aggregate (issue 14, see
 * hb_agg_add_review in hb_agg.h and docs/review.md). */
#include <string.h>
#include "hb_agg.h"
#include "hb_agg_internal.h"
#include "hb_err.h"
#include "hb_review.h"

/* The count of rv that a problem in status counts in, NULL for a status
 * counted nowhere (NONE, DELETION_REFUSED). */
static uint64_t *review_slot(hb_review_counts *rv, int status)
{
  switch (status) {
  case HB_REVIEW_CONFIRMED: return &rv->confirmed;
  case HB_REVIEW_RETURNED: return &rv->returned;
  case HB_REVIEW_REOPENED: return &rv->reopened;
  case HB_REVIEW_DELETION_PENDING: return &rv->deletion_pending;
  default: return NULL;
  }
}

bool hb_agg_rv_zero(const hb_review_counts *rv)
{
  return rv->confirmed == 0 && rv->returned == 0 && rv->reopened == 0 && rv->deletion_pending == 0;
}

static int review_activity(hb_agg *a, const Huibao__V1__Activity *r, int status, int sign)
{
  if (status != HB_REVIEW_RETURNED)
    return 0;
  if (sign < 0) {
    if (a->act_returned < 1)
      return HB_EINVAL;
    a->act_returned--;
  } else {
    a->act_returned++;
  }
  return 0;
}

static int review_problem(hb_agg *a, const Huibao__V1__Problem *r, int status, int sign)
{
  uint64_t *slot = review_slot(&a->rv, status);
  if (!slot)
    return 0;
  const char *cat = r->category && r->category[0] ? r->category : NULL;
  long ci = -1;
  uint64_t *cslot = NULL;
  if (cat) {
    ci = hb_agg_vec_find(a->cats, a->ncats, sizeof *a->cats, cat, hb_agg_code_cmp);
    if (ci < 0)
      return HB_EINVAL; /* the problem itself is not counted in a */
    cslot = review_slot(&a->cats[ci].rv, status);
  }
  if (sign < 0) {
    if (*slot < 1 || (cslot && *cslot < 1))
      return HB_EINVAL;
    (*slot)--;
    if (cslot) {
      (*cslot)--;
      hb_agg_cat_drop_if_empty(a, (size_t)ci);
    }
  } else {
    (*slot)++;
    if (cslot)
      (*cslot)++;
  }
  return 0;
}

int hb_agg_add_review(hb_agg *a, const Huibao__V1__Activity *act, const Huibao__V1__Problem *prob,
                      int status, int sign)
{
  if ((act != NULL) == (prob != NULL) || status < 0 || status > HB_REVIEW_MAX ||
      (sign != 1 && sign != -1))
    return HB_EINVAL;
  if (act ? act->deleted : prob->deleted)
    return 0; /* a tombstone is counted nowhere */
  const char *campaign = act ? act->campaign : prob->campaign;
  if (!campaign || strcmp(campaign, a->campaign) != 0)
    return HB_EINVAL;
  return act ? review_activity(a, act, status, sign) : review_problem(a, prob, status, sign);
}
