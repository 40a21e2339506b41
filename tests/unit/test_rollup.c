/* test_rollup.c: Rollups for unit tests (test_rollup.h). */
#include "test_rollup.h"

#include <stdlib.h>

uint8_t *test_rollup_pack(const Huibao__V1__Rollup *r, size_t *len)
{
  *len = huibao__v1__rollup__get_packed_size(r);
  uint8_t *buf = malloc(*len ? *len : 1);
  if (buf)
    huibao__v1__rollup__pack(r, buf);
  return buf;
}

Huibao__V1__Rollup *test_rollup_copy(const Huibao__V1__Rollup *r)
{
  size_t len;
  uint8_t *buf = test_rollup_pack(r, &len);
  if (!buf)
    return NULL;
  Huibao__V1__Rollup *out = huibao__v1__rollup__unpack(NULL, len, buf);
  free(buf);
  return out;
}

Huibao__V1__Rollup *test_rollup_make(const test_rollup *t)
{
  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  Huibao__V1__UnitRow u = HUIBAO__V1__UNIT_ROW__INIT, *up = &u;
  r.source = (char *)t->source;
  r.source_name = (char *)t->source_name;
  r.campaign = (char *)t->campaign;
  r.campaign_name = (char *)t->campaign_name;
  r.seq = t->seq;
  r.as_of_ms = t->as_of_ms;
  r.has_heartbeat_ms = t->heartbeat_ms != 0;
  r.heartbeat_ms = t->heartbeat_ms;
  r.has_campaign_count = t->campaign_count != 0;
  r.campaign_count = t->campaign_count;
  r.has_epoch = t->epoch != 0;
  r.epoch = t->epoch;
  r.problems = (Huibao__V1__ProblemCounts *)t->problems;
  r.activities = (Huibao__V1__Totals *)t->activities;
  if (t->unit) {
    u.code = (char *)t->unit;
    u.county = (char *)t->unit_county;
    u.has_records = 1;
    u.records = t->unit_records;
    u.problems = (Huibao__V1__ProblemCounts *)t->unit_problems;
    u.activities = (Huibao__V1__Totals *)t->unit_activities;
    r.n_units = 1;
    r.units = &up;
  }
  return test_rollup_copy(&r);
}
