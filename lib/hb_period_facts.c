/* hb_period_facts.c: store-time facts and period states (hb_period_facts.h).
 * STUB (issue 13 groundwork): the helper owning it fills it in. */
#include "hb_period_facts.h"

#include <stdlib.h>
#include <string.h>

#include "hb_err.h"

const char *hb_period_state_name(hb_period_state s)
{
  switch (s) {
  case HB_PERIOD_REPORTED: return "reported";
  case HB_PERIOD_NIL: return "nil";
  case HB_PERIOD_LATE: return "late";
  case HB_PERIOD_MISSING: return "missing";
  default: return "pending";
  }
}

void hb_period_facts_free(hb_period_facts *f)
{
  for (size_t i = 0; i < f->nreports; i++)
    free(f->reports[i].record_id);
  free(f->reports);
  free(f->days);
  memset(f, 0, sizeof *f);
}

int hb_period_facts_copy(hb_period_facts *dst, const hb_period_facts *src)
{
  (void)src;
  memset(dst, 0, sizeof *dst);
  return 0;
}

int hb_period_facts_note_change(hb_period_facts *f, int64_t now_s)
{
  (void)f, (void)now_s;
  return 0;
}

int hb_period_facts_note_report(hb_period_facts *f, const char *period, const char *record_id,
                                bool nothing_new, int64_t now_s)
{
  (void)f, (void)period, (void)record_id, (void)nothing_new, (void)now_s;
  return 0;
}

void hb_period_facts_note_report_deleted(hb_period_facts *f, const char *record_id)
{
  (void)f, (void)record_id;
}

hb_period_state hb_period_facts_state(const hb_period_facts *f, const hb_period *p, int64_t now_s)
{
  (void)f;
  return now_s <= p->due_s ? HB_PERIOD_PENDING : HB_PERIOD_MISSING;
}

bool hb_period_facts_nil_now(const hb_period_facts *f, const char *period)
{
  (void)f, (void)period;
  return false;
}

int hb_period_facts_pack(const hb_period_facts *f, uint8_t **buf, size_t *len)
{
  (void)f;
  *buf = NULL;
  *len = 0;
  return HB_ENOMEM;
}

int hb_period_facts_unpack(const uint8_t *buf, size_t len, hb_period_facts *out)
{
  (void)buf, (void)len;
  memset(out, 0, sizeof *out);
  return 0;
}
