/* fuzz_submit: one ZeroMQ message from an agent, through the path the
 * aggregator's ingest takes: hb_wire_submit_unpack, then per record
 * hb_validate_record_form, the unit check, hb_validate_activity or
 * hb_validate_problem against a fixed campaigns file, and the use of the
 * canonical campaign and category a valid record resolves to. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "hb_err.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "hb_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_violation(const hb_violation *v)
{
  size_t n = strnlen(v->reason, sizeof v->reason);
  if (n == sizeof v->reason || n == 0 || !v->field)
    abort(); /* every rejection names a field and a reason */
}

static void check_record(const char *unit, const Huibao__V1__Record *rec, const hb_campaigns *c,
                         int32_t today)
{
  hb_violation v;
  memset(&v, 0, sizeof v);
  if (hb_validate_record_form(rec, &v) != 0) {
    check_violation(&v);
    return;
  }
  const Huibao__V1__Activity *act =
      rec->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY ? rec->activity : NULL;
  const Huibao__V1__Problem *prob =
      rec->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM ? rec->problem : NULL;
  const char *rec_unit = act ? act->unit : prob->unit;
  if (!rec_unit || strcmp(rec_unit, unit) != 0)
    return;
  hb_canon canon = {NULL, -1};
  int rc = act ? hb_validate_activity(act, c, today, &v, &canon)
               : hb_validate_problem(prob, c, today, &v, &canon);
  if (rc != 0) {
    check_violation(&v);
    return;
  }
  /* A valid record is stored: its strings must be valid UTF-8. */
  const char *id = act ? act->id : prob->id;
  if (!hb_utf8_valid(id, strlen(id)))
    abort();
  if (canon.campaign) {
    if (canon.campaign < c->items || canon.campaign >= c->items + c->count)
      abort();
    volatile size_t n = strlen(canon.campaign->id);
    (void)n;
    if (canon.category >= 0) {
      if ((size_t)canon.category >= canon.campaign->ncategories)
        abort();
      n = strlen(canon.campaign->categories[canon.category].code);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const hb_campaigns *c = fuzz_campaigns();
  int32_t today = fuzz_today();
  Huibao__V1__Submit *s;
  char err[200];
  err[0] = '\0';
  int rc = hb_wire_submit_unpack(data, size, &s, err, sizeof err);
  if (rc != 0) {
    if (s != NULL || err[0] == '\0')
      abort(); /* a refusal leaves nothing behind and says why */
    return 0;
  }
  for (size_t i = 0; i < s->n_records; i++)
    check_record(s->unit, s->records[i], c, today);
  hb_wire_submit_free(s);
  return 0;
}
