/* hb_period_facts.h: what the county knows about when one unit's changes
 * of one campaign were stored, and what each period's state is
 * (issue 13, docs/periods.md).
 *
 * Facts are noted at store time with the county's clock and cannot be
 * derived from the records (a record keeps only its latest version):
 *   - for every local day on which a change (any new version of an
 *     activity, problem, indicator or case, tombstones included; not a
 *     报送 row) was stored, the first and the last store time that day.
 *     Two stamps per day decide "a change stored within (a, b]" exactly
 *     for any due time, and do not depend on the cycle;
 *   - for every (period, 报送 row): when a row for the period was first
 *     stored, when one saying 无新增 was first stored, and whether the
 *     row's latest version says 无新增.
 * Stored as the PeriodFacts message of huibao.proto. */
#ifndef HB_PERIOD_FACTS_H
#define HB_PERIOD_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_period.h"

typedef struct hb_change_day {
  int32_t day; /* county-local */
  int64_t first_s, last_s;
} hb_change_day;

typedef struct hb_report_fact {
  char period[HB_PERIOD_ID_LEN];
  char *record_id;     /* owned */
  int64_t first_s;     /* 0 = none */
  int64_t first_nil_s; /* 0 = none */
  bool nil_now;
} hb_report_fact;

typedef struct hb_period_facts {
  hb_change_day *days; /* sorted by day */
  size_t ndays, capdays;
  hb_report_fact *reports; /* sorted by (period, record_id) */
  size_t nreports, capreports;
} hb_period_facts;

typedef enum hb_period_state {
  HB_PERIOD_REPORTED = 1, /* values of huibao.v1.PeriodState */
  HB_PERIOD_NIL = 2,
  HB_PERIOD_LATE = 3,
  HB_PERIOD_MISSING = 4,
  HB_PERIOD_PENDING = 5,
} hb_period_state;

/* "reported" "nil" "late" "missing" "pending" (the rollup JSON's words). */
const char *hb_period_state_name(hb_period_state s);

void hb_period_facts_free(hb_period_facts *f);
/* Deep copy; dst is overwritten (not freed first). */
int hb_period_facts_copy(hb_period_facts *dst, const hb_period_facts *src);

/* A change was stored at now_s. Returns 0 or HB_ENOMEM (f unchanged). */
int hb_period_facts_note_change(hb_period_facts *f, int64_t now_s);
/* A version of 报送 row record_id for period was stored at now_s; its other
 * periods' nil_now are cleared (the row now says something else).
 * Returns 0 or HB_ENOMEM (f unchanged). */
int hb_period_facts_note_report(hb_period_facts *f, const char *period, const char *record_id,
                                bool nothing_new, int64_t now_s);
/* Row record_id was deleted: nil_now of its entries is cleared. */
void hb_period_facts_note_report_deleted(hb_period_facts *f, const char *record_id);

/* The unit's state for period p judged at now_s (f NULL: no facts). */
hb_period_state hb_period_facts_state(const hb_period_facts *f, const hb_period *p, int64_t now_s);
/* True if a live 报送 row for period says 无新增 now. */
bool hb_period_facts_nil_now(const hb_period_facts *f, const char *period);

/* PeriodFacts bytes (*buf malloc'd) and back (out zeroed by the caller;
 * freed with hb_period_facts_free also on failure). HB_EPARSE for bytes
 * that are not a PeriodFacts. */
int hb_period_facts_pack(const hb_period_facts *f, uint8_t **buf, size_t *len);
int hb_period_facts_unpack(const uint8_t *buf, size_t len, hb_period_facts *out);

#endif
