/* test_rollup.h: Rollups for unit tests, built by hand and turned into the
 * one-tree shape every Rollup in huibao has (protobuf-c unpack), so that
 * protobuf_c_message_free_unpacked(&r->base, NULL) frees them.
 *
 *   Huibao__V1__Rollup *r = test_rollup_make(&(test_rollup){
 *       .source = "xq", .campaign = "jf", .seq = 3, .as_of_ms = 1000});
 *
 * Linked into every unit test (tests/CMakeLists.txt). */
#ifndef HB_TEST_ROLLUP_H
#define HB_TEST_ROLLUP_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

/* The figures of a small county rollup; zero and NULL fields are left out
 * of the message. All borrowed for the call. */
typedef struct test_rollup {
  const char *source, *source_name, *campaign, *campaign_name;
  uint64_t seq;
  int64_t as_of_ms;
  uint32_t heartbeat_ms;   /* 0: no heartbeat_ms */
  uint32_t campaign_count; /* 0: no campaign_count */
  uint64_t epoch;          /* 0: no epoch */
  const Huibao__V1__ProblemCounts *problems;
  const Huibao__V1__Totals *activities;
  /* one unit row when unit is set (its records always present) */
  const char *unit, *unit_county;
  uint64_t unit_records;
  const Huibao__V1__ProblemCounts *unit_problems;
  const Huibao__V1__Totals *unit_activities;
} test_rollup;

/* Packs r; returns the malloc'd bytes (caller frees) and their size. */
uint8_t *test_rollup_pack(const Huibao__V1__Rollup *r, size_t *len);

/* A copy of r as one unpacked tree (caller frees it with
 * protobuf_c_message_free_unpacked); NULL if r does not pack and unpack. */
Huibao__V1__Rollup *test_rollup_copy(const Huibao__V1__Rollup *r);

/* The rollup t describes, as test_rollup_copy returns it. */
Huibao__V1__Rollup *test_rollup_make(const test_rollup *t);

#endif
