/* fuzz_ledger: a unit's ledger files as hb_ledger_load reads them: raw
 * bytes (UTF-8 with or without BOM, GBK, UTF-16) into hb_ledger_parse,
 * which decodes with hb_text_to_utf8 first.
 *
 * Input: if it contains the line "--8<--", the parts it separates are
 * activities.csv, problems.csv, indicators.csv and cases.csv (up to four;
 * the last part takes the rest), parsed in that order into one ledger (as
 * the loader does); otherwise the whole input is one table, problems.csv if
 * its length is odd, activities.csv if even. */
#define _GNU_SOURCE /* memmem */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "hb_err.h"
#include "hb_ledger.h"
#include "hb_text.h"
#include "hb_validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sep[] = "\n--8<--\n";

static void check(const hb_ledger *l)
{
  for (size_t i = 0; i < l->nactivities; i++) {
    const Huibao__V1__Activity *a = l->activities[i];
    if (!a || strcmp(a->unit, "xq-dlz") != 0 || !hb_utf8_valid(a->id, strlen(a->id)) ||
        l->activity_lines[i] == 0)
      abort();
  }
  for (size_t i = 0; i < l->nproblems; i++) {
    const Huibao__V1__Problem *p = l->problems[i];
    if (!p || strcmp(p->unit, "xq-dlz") != 0 || !hb_utf8_valid(p->id, strlen(p->id)) ||
        l->problem_lines[i] == 0)
      abort();
  }
  for (size_t i = 0; i < l->nindicators; i++) {
    const Huibao__V1__Indicator *r = l->indicators[i];
    if (!r || strcmp(r->unit, "xq-dlz") != 0 || !r->has_value || l->indicator_lines[i] == 0 ||
        r->value > HB_INDICATOR_VALUE_MAX || r->value < -HB_INDICATOR_VALUE_MAX)
      abort();
  }
  for (size_t i = 0; i < l->ncases; i++) {
    const Huibao__V1__Case *r = l->cases[i];
    if (!r || strcmp(r->unit, "xq-dlz") != 0 || !r->title || l->case_lines[i] == 0)
      abort();
  }
  for (size_t i = 0; i < l->nreports; i++) {
    const Huibao__V1__Report *r = l->reports[i];
    if (!r || strcmp(r->unit, "xq-dlz") != 0 || !r->period || strlen(r->id) > HB_ID_MAX ||
        !hb_utf8_valid(r->id, strlen(r->id)) || l->report_lines[i] == 0)
      abort();
  }
  for (size_t i = 0; i < l->ninvalid; i++)
    if (!l->invalid_ids[i])
      abort();
}

/* Parses one table; a table that parsed with 0 must not have added errors. */
static int parse(const char *name, const char *bytes, size_t len, int is_problems, hb_ledger *l,
                 hb_diags *d)
{
  size_t before = hb_diags_errors(d);
  int rc = hb_ledger_parse(name, bytes, len, is_problems, "xq-dlz", fuzz_campaigns(), fuzz_today(),
                           l, d);
  if (rc == HB_OK && hb_diags_errors(d) != before)
    abort();
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *bytes = (const char *)data;
  hb_ledger l;
  memset(&l, 0, sizeof l);
  hb_diags d;
  hb_diags_init(&d);
  static const char *const names[HB_TABLE_COUNT] = {HB_LEDGER_ACTIVITIES, HB_LEDGER_PROBLEMS,
                                                    HB_LEDGER_INDICATORS, HB_LEDGER_CASES,
                                                    HB_LEDGER_REPORTS};
  const char *cut = size >= sizeof sep - 1 ? memmem(bytes, size, sep, sizeof sep - 1) : NULL;
  if (cut) {
    const char *p = bytes;
    for (int table = 0; table < HB_TABLE_COUNT; table++) {
      size_t left = size - (size_t)(p - bytes);
      cut = table + 1 < HB_TABLE_COUNT && left >= sizeof sep - 1
                ? memmem(p, left, sep, sizeof sep - 1)
                : NULL;
      size_t len = cut ? (size_t)(cut - p) + 1 : left; /* keep the newline ending the last row */
      if (parse(names[table], p, len, table, &l, &d) == HB_ENOMEM || !cut)
        break;
      p = cut + sizeof sep - 1;
    }
  } else {
    int is_problems = (int)(size & 1);
    parse(is_problems ? HB_LEDGER_PROBLEMS : HB_LEDGER_ACTIVITIES, bytes, size, is_problems, &l,
          &d);
  }
  check(&l);
  char line[1024];
  for (size_t i = 0; i < d.count; i++)
    hb_diag_format(&d.items[i], line, sizeof line);
  hb_diags_free(&d);
  hb_ledger_free(&l);
  return 0;
}
