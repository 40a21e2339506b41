/* hb_rollup_review.c: the review counts of a Rollup (hb_rollup_review.h). */
#include "hb_rollup_review.h"

#include <string.h>
#include "hb_rollup.h"

static uint64_t claimed_of(bool has, uint64_t claimed, uint64_t resolved, uint64_t confirmed)
{
  if (has)
    return claimed;
  return resolved >= confirmed ? resolved - confirmed : 0;
}

void hb_rollup_review_of_pc(const Huibao__V1__ProblemCounts *p, hb_rollup_review *out)
{
  memset(out, 0, sizeof *out);
  if (!p)
    return;
  out->confirmed = p->confirmed;
  out->claimed = claimed_of(p->has_claimed, p->claimed, p->resolved, p->confirmed);
  out->returned = p->returned;
  out->deletion_pending = p->deletion_pending;
  out->reopened = p->reopened;
}

void hb_rollup_review_of_cat(const Huibao__V1__CategoryCount *c, hb_rollup_review *out)
{
  memset(out, 0, sizeof *out);
  if (!c)
    return;
  out->confirmed = c->confirmed;
  out->claimed = claimed_of(c->has_claimed, c->claimed, c->resolved, c->confirmed);
  out->returned = c->returned;
  out->deletion_pending = c->deletion_pending;
  out->reopened = c->reopened;
}

bool hb_rollup_review_present(const Huibao__V1__ProblemCounts *p)
{
  return p && p->has_confirmed;
}

void hb_rollup_review_set_pc(Huibao__V1__ProblemCounts *p, const hb_rollup_review *v)
{
  p->has_confirmed = p->has_claimed = p->has_returned = 1;
  p->has_deletion_pending = p->has_reopened = 1;
  p->confirmed = v->confirmed;
  p->claimed = v->claimed;
  p->returned = v->returned;
  p->deletion_pending = v->deletion_pending;
  p->reopened = v->reopened;
}

void hb_rollup_review_set_cat(Huibao__V1__CategoryCount *c, const hb_rollup_review *v)
{
  c->has_confirmed = c->has_claimed = c->has_returned = 1;
  c->has_deletion_pending = c->has_reopened = 1;
  c->confirmed = v->confirmed;
  c->claimed = v->claimed;
  c->returned = v->returned;
  c->deletion_pending = v->deletion_pending;
  c->reopened = v->reopened;
}

void hb_rollup_review_add(hb_rollup_review *sum, const hb_rollup_review *v)
{
  sum->confirmed = hb_rollup_add_sat(sum->confirmed, v->confirmed);
  sum->claimed = hb_rollup_add_sat(sum->claimed, v->claimed);
  sum->returned = hb_rollup_add_sat(sum->returned, v->returned);
  sum->deletion_pending = hb_rollup_add_sat(sum->deletion_pending, v->deletion_pending);
  sum->reopened = hb_rollup_add_sat(sum->reopened, v->reopened);
}
