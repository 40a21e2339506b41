/* seedgen: writes the binary seeds of fuzz/corpus from real data (see
 * fuzz/make_corpus.sh). Not shipped.
 *
 *   seedgen CAMPAIGNS UNITS LEDGERS_DIR SUBMIT_OUT ROLLUP_OUT
 *
 * For every unit of UNITS with a ledger in LEDGERS_DIR/<code>: its records
 * as packed Submits of up to 8 records (the first three units only), and
 * for every campaign one packed Rollup over all units, plus one city
 * Rollup merging the first campaign's rollup with itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_agg.h"
#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_diag.h"
#include "hb_ledger.h"
#include "hb_rollup.h"
#include "hb_units.h"
#include "hb_wire.h"

#define BATCH 8
#define MAX_UNITS 64

static int write_file(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
    fprintf(stderr, "seedgen: cannot write %s\n", path);
    return 1;
  }
  return 0;
}

static int write_submits(const char *dir, const char *unit, const hb_ledger *l)
{
  size_t n = l->nactivities + l->nproblems;
  Huibao__V1__Record *recs = calloc(n ? n : 1, sizeof *recs);
  Huibao__V1__Record **ptrs = calloc(n ? n : 1, sizeof *ptrs);
  if (!recs || !ptrs)
    return 1;
  for (size_t i = 0; i < n; i++) {
    huibao__v1__record__init(&recs[i]);
    recs[i].seq = i + 1;
    if (i < l->nactivities) {
      recs[i].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
      recs[i].activity = l->activities[i];
      l->activities[i]->version = 1;
    } else {
      recs[i].body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
      recs[i].problem = l->problems[i - l->nactivities];
      recs[i].problem->version = 1;
    }
    ptrs[i] = &recs[i];
  }
  int bad = 0;
  for (size_t off = 0, b = 0; off < n && !bad; off += BATCH, b++) {
    Huibao__V1__Submit s = HUIBAO__V1__SUBMIT__INIT;
    s.batch_id = b + 1;
    s.unit = (char *)unit;
    s.agent_version = "0.1.0";
    s.records = ptrs + off;
    s.n_records = n - off < BATCH ? n - off : BATCH;
    uint8_t *buf;
    size_t len;
    char name[128];
    snprintf(name, sizeof name, "%s-%zu", unit, b + 1);
    bad = hb_wire_pack(&s.base, &buf, &len) != 0 || write_file(dir, name, buf, len);
    free(buf);
  }
  free(recs);
  free(ptrs);
  return bad;
}

/* One Submit with a row of each kind issue 12 and 13 added (an indicator,
 * a case, a 报送 row naming its campaign, one for every campaign, and a
 * deleted one), so that the fuzzer starts from every body of a Record. */
static int write_kinds(const char *dir, const char *unit, const char *campaign)
{
  Huibao__V1__Indicator ind = HUIBAO__V1__INDICATOR__INIT;
  ind.unit = (char *)unit, ind.id = "I1", ind.version = 1, ind.campaign = (char *)campaign;
  ind.has_date = 1, ind.date = hb_date_from_ymd(2023, 6, 1);
  ind.indicator = "shishi", ind.has_value = 1, ind.value = 30000, ind.note = "帮办实事";
  Huibao__V1__Case cs = HUIBAO__V1__CASE__INIT;
  cs.unit = (char *)unit, cs.id = "C1", cs.version = 1, cs.campaign = (char *)campaign;
  cs.has_date = 1, cs.date = hb_date_from_ymd(2023, 6, 2);
  cs.has_type = 1, cs.type = HUIBAO__V1__CASE_TYPE__CASE_PRACTICE;
  cs.title = "一线工作法", cs.summary = "经验做法";
  Huibao__V1__Report r1 = HUIBAO__V1__REPORT__INIT, r2 = HUIBAO__V1__REPORT__INIT,
                     r3 = HUIBAO__V1__REPORT__INIT;
  r1.unit = (char *)unit, r1.id = "2023-06-09@zhuti", r1.version = 1;
  r1.campaign = (char *)campaign, r1.period = "2023-06-09", r1.filled_by = "张三";
  r1.approved_by = "李四", r1.has_nothing_new = 1, r1.nothing_new = 1, r1.note = "本周无新增";
  r2.unit = (char *)unit, r2.id = "本期", r2.version = 2, r2.period = "本期";
  r2.filled_by = "张三";
  r3.unit = (char *)unit, r3.id = "2023-06-02", r3.version = 3, r3.has_deleted = 1;
  r3.deleted = 1;
  Huibao__V1__Record recs[5];
  Huibao__V1__Record *ptrs[5];
  for (size_t i = 0; i < 5; i++) {
    huibao__v1__record__init(&recs[i]);
    recs[i].seq = i + 1;
    ptrs[i] = &recs[i];
  }
  recs[0].body_case = HUIBAO__V1__RECORD__BODY_INDICATOR, recs[0].indicator = &ind;
  recs[1].body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW, recs[1].case_row = &cs;
  recs[2].body_case = HUIBAO__V1__RECORD__BODY_REPORT, recs[2].report = &r1;
  recs[3].body_case = HUIBAO__V1__RECORD__BODY_REPORT, recs[3].report = &r2;
  recs[4].body_case = HUIBAO__V1__RECORD__BODY_REPORT, recs[4].report = &r3;
  Huibao__V1__Submit s = HUIBAO__V1__SUBMIT__INIT;
  s.batch_id = 1, s.unit = (char *)unit, s.agent_version = "0.2.0";
  s.records = ptrs, s.n_records = 5;
  uint8_t *buf;
  size_t len;
  char name[128];
  snprintf(name, sizeof name, "%s-kinds", unit);
  int bad = hb_wire_pack(&s.base, &buf, &len) != 0 || write_file(dir, name, buf, len);
  free(buf);
  return bad;
}

int main(int argc, char **argv)
{
  if (argc != 6) {
    fprintf(stderr, "usage: seedgen CAMPAIGNS UNITS LEDGERS_DIR SUBMIT_OUT ROLLUP_OUT\n");
    return 2;
  }
  hb_diags d;
  hb_diags_init(&d);
  hb_campaigns c;
  hb_units u;
  if (hb_campaigns_load(argv[1], &c, &d) != 0 || hb_units_load(argv[2], &u, &d) != 0 ||
      u.count > MAX_UNITS) {
    hb_diags_write(&d, stderr);
    return 1;
  }
  int32_t today = hb_date_from_ymd(2023, 12, 31);
  size_t nagg = c.count * u.count;
  hb_agg *aggs = calloc(nagg, sizeof *aggs);
  if (!aggs)
    return 1;
  for (size_t ci = 0; ci < c.count; ci++)
    for (size_t ui = 0; ui < u.count; ui++)
      if (hb_agg_init(&aggs[ci * u.count + ui], c.items[ci].id, u.items[ui].code) != 0)
        return 1;
  int bad = 0;
  for (size_t ui = 0; ui < u.count; ui++) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", argv[3], u.items[ui].code);
    hb_ledger l;
    hb_ledger_load(dir, u.items[ui].code, &c, today, &l, &d);
    for (size_t i = 0; i < l.nactivities; i++) {
      const hb_campaign *cp = hb_campaigns_find(&c, l.activities[i]->campaign);
      if (cp)
        hb_agg_add_activity(&aggs[(size_t)(cp - c.items) * u.count + ui], l.activities[i], 1);
    }
    for (size_t i = 0; i < l.nproblems; i++) {
      const hb_campaign *cp = hb_campaigns_find(&c, l.problems[i]->campaign);
      if (cp)
        hb_agg_add_problem(&aggs[(size_t)(cp - c.items) * u.count + ui], l.problems[i], 1);
    }
    if (ui < 3)
      bad |= write_submits(argv[4], u.items[ui].code, &l);
    if (ui == 0 && c.count)
      bad |= write_kinds(argv[4], u.items[ui].code, c.items[0].id);
    hb_ledger_free(&l);
  }
  int64_t *last_sync = calloc(u.count, sizeof *last_sync);
  const hb_agg **ptrs = calloc(u.count, sizeof *ptrs);
  if (!last_sync || !ptrs)
    return 1;
  for (size_t ui = 0; ui < u.count; ui++)
    last_sync[ui] = ui % 3 ? 1703980800 + (int64_t)ui : 0;
  for (size_t ci = 0; ci < c.count && !bad; ci++) {
    for (size_t ui = 0; ui < u.count; ui++)
      ptrs[ui] = &aggs[ci * u.count + ui];
    hb_rollup_input in = {0};
    in.source = "xq";
    in.source_name = "示例县";
    in.campaign = &c.items[ci];
    in.units = &u;
    in.aggs = ptrs;
    in.naggs = u.count;
    in.last_sync = last_sync;
    in.seq = 40 + ci;
    in.as_of_ms = 1703980800000;
    in.heartbeat_ms = 5000;
    in.campaign_count = (uint32_t)c.count;
    in.today = today;
    uint8_t *buf;
    size_t len;
    char name[128];
    if (hb_rollup_build(&in, &buf, &len) != 0)
      return 1;
    snprintf(name, sizeof name, "county-%s", c.items[ci].id);
    bad |= write_file(argv[5], name, buf, len);
    if (ci == 0) {
      Huibao__V1__Rollup *r, *m;
      if (hb_rollup_unpack(buf, len, &r) != 0)
        return 1;
      const Huibao__V1__Rollup *two[2] = {r, r};
      bool stale[2] = {false, true};
      if (hb_rollup_merge(two, 2, stale, "city", "示例市", 1703980801000, &m) != 0)
        return 1;
      uint8_t *mb;
      size_t ml;
      if (hb_wire_pack(&m->base, &mb, &ml) != 0)
        return 1;
      bad |= write_file(argv[5], "city-merged", mb, ml);
      free(mb);
      protobuf_c_message_free_unpacked(&m->base, NULL);
      protobuf_c_message_free_unpacked(&r->base, NULL);
    }
    free(buf);
  }
  for (size_t i = 0; i < nagg; i++)
    hb_agg_free(&aggs[i]);
  free(aggs);
  free(ptrs);
  free(last_sync);
  hb_units_free(&u);
  hb_campaigns_free(&c);
  hb_diags_free(&d);
  return bad;
}
