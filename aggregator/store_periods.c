/* store_periods.c: the county's period facts in the store (store.h,
 * issue 13).
 * STUB (issue 13 groundwork): the helper owning it fills it in. */
#include "store.h"
#include "store_internal.h"

const hb_period_facts *store_period_facts(const store *s, const char *campaign, const char *unit)
{
  (void)s, (void)campaign, (void)unit;
  return NULL;
}

void store_batch_clock(store *s, int64_t now_s)
{
  (void)s, (void)now_s;
}

int store_batch_note_report(store *s, const char *campaign, const char *unit, const char *period,
                            const char *id, bool nothing_new)
{
  (void)s, (void)campaign, (void)unit, (void)period, (void)id, (void)nothing_new;
  return 0;
}
