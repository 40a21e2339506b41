/* bench-merge: the city's merge of many counties' rollups.
 *
 *   bench-merge --units FILE --campaigns FILE [--counties N] [--repeat R]
 *
 * Builds, with the county's own code (hb_agg, hb_rollup_build), the Rollup
 * of the campaign zhuti-2023 of N counties (default 100) that each have the
 * units of FILE (60 in run.sh's county), every unit with 30 records; decodes
 * them as huibao-sub does (hb_rollup_unpack); then times R times (default
 * 21) hb_rollup_merge of all N plus packing the merged Rollup (what the
 * city does on every change before it prints, stores or republishes).
 * Prints one JSON line with the median and min/max in milliseconds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_rec.h"
#include "hb_agg.h"
#include "hb_campaigns.h"
#include "hb_diag.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_units.h"
#include "hb_wire.h"

#define RECORDS_PER_UNIT 30

static int build_county(const hb_units *units, const hb_campaign *camp, int k, uint8_t **out,
                        size_t *len)
{
  hb_agg *aggs = calloc(units->count, sizeof *aggs);
  const hb_agg **ptrs = calloc(units->count, sizeof *ptrs);
  uint8_t buf[1024];
  int rc = 0;
  for (size_t u = 0; u < units->count && rc == 0; u++) {
    hb_agg_init(&aggs[u], camp->id, units->items[u].code);
    bench_rec_spec spec = {units->items[u].code, camp->id, camp->categories[0].code, 1};
    for (uint64_t i = 0; i < RECORDS_PER_UNIT && rc == 0; i++) {
      size_t n = bench_rec_pack(&spec, i + (uint64_t)k, buf, sizeof buf);
      Huibao__V1__Record *r = huibao__v1__record__unpack(NULL, n, buf);
      if (!r)
        return -1;
      /* activity and problem are a oneof: they share storage, so ask body_case */
      rc = r->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY
               ? hb_agg_add_activity(&aggs[u], r->activity, 1)
               : hb_agg_add_problem(&aggs[u], r->problem, 1);
      huibao__v1__record__free_unpacked(r, NULL);
    }
    ptrs[u] = &aggs[u];
  }
  char code[32];
  snprintf(code, sizeof code, "c%03d", k);
  hb_rollup_input in = {.source = code,
                        .source_name = code,
                        .campaign = camp,
                        .units = units,
                        .aggs = ptrs,
                        .naggs = units->count,
                        .seq = 1 + (uint64_t)k,
                        .as_of_ms = 1700000000000,
                        .heartbeat_ms = 1000,
                        .campaign_count = 1,
                        .today = 19722};
  if (rc == 0)
    rc = hb_rollup_build(&in, out, len);
  for (size_t u = 0; u < units->count; u++)
    hb_agg_free(&aggs[u]);
  free(aggs);
  free(ptrs);
  return rc;
}

int main(int argc, char **argv)
{
  const char *units_path = NULL, *camps_path = NULL;
  int counties = 100, repeat = 21;
  static const struct option lo[] = {{"units", 1, 0, 'u'},
                                     {"campaigns", 1, 0, 'c'},
                                     {"counties", 1, 0, 'n'},
                                     {"repeat", 1, 0, 'r'},
                                     {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    if (c == 'u')
      units_path = optarg;
    else if (c == 'c')
      camps_path = optarg;
    else if (c == 'n')
      counties = atoi(optarg);
    else if (c == 'r')
      repeat = atoi(optarg);
    else
      return 64;
  }
  if (!units_path || !camps_path || counties < 1 || repeat < 1) {
    fprintf(stderr, "usage: bench-merge --units FILE --campaigns FILE [--counties N] "
                    "[--repeat R]\n");
    return 64;
  }
  hb_units units;
  hb_campaigns camps;
  hb_diags d;
  hb_diags_init(&d);
  if (hb_units_load(units_path, &units, &d) || hb_campaigns_load(camps_path, &camps, &d)) {
    hb_diags_write(&d, stderr);
    return 1;
  }
  hb_diags_free(&d);
  const hb_campaign *camp = hb_campaigns_find(&camps, "zhuti-2023");
  if (!camp) {
    fprintf(stderr, "bench-merge: no campaign zhuti-2023 in %s\n", camps_path);
    return 1;
  }
  Huibao__V1__Rollup **in = calloc((size_t)counties, sizeof *in);
  size_t bytes = 0;
  for (int k = 0; k < counties; k++) {
    uint8_t *buf;
    size_t len;
    int rc = build_county(&units, camp, k, &buf, &len);
    if (rc != 0 || (rc = hb_rollup_unpack(buf, len, &in[k])) != 0) {
      fprintf(stderr, "bench-merge: building county %d failed: %s\n", k, hb_strerror(rc));
      return 1;
    }
    bytes += len;
    free(buf);
  }
  double *ms = calloc((size_t)repeat, sizeof *ms);
  size_t merged_len = 0, merged_units = 0;
  for (int r = 0; r < repeat; r++) {
    uint64_t t0 = bench_now_ns();
    Huibao__V1__Rollup *m = NULL;
    uint8_t *out = NULL;
    if (hb_rollup_merge((const Huibao__V1__Rollup *const *)in, (size_t)counties, NULL, "city", "市",
                        1700000000000, &m) != 0 ||
        hb_wire_pack(&m->base, &out, &merged_len) != 0) {
      fprintf(stderr, "bench-merge: merge failed\n");
      return 1;
    }
    ms[r] = (double)(bench_now_ns() - t0) / 1e6;
    merged_units = m->n_units;
    free(out);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  }
  double lo_ = bench_quantile(ms, (size_t)repeat, 0), hi = bench_quantile(ms, (size_t)repeat, 1);
  double med = bench_quantile(ms, (size_t)repeat, 0.5);
  printf("{\"counties\": %d, \"units\": %zu, \"merge_ms\": %.3f, \"min_ms\": %.3f, "
         "\"max_ms\": %.3f, \"input_bytes\": %zu, \"merged_bytes\": %zu}\n",
         counties, merged_units, med, lo_, hi, bytes, merged_len);
  for (int k = 0; k < counties; k++)
    protobuf_c_message_free_unpacked(&in[k]->base, NULL);
  free(in);
  free(ms);
  hb_units_free(&units);
  hb_campaigns_free(&camps);
  return 0;
}
