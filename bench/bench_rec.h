/* bench_rec.h: the synthetic ledger records every benchmark sends.
 *
 * Record i of a unit is an Activity (two in three) or a Problem of the
 * given campaign, valid for today = 2023-12-31 (HUIBAO_TODAY), packing to
 * about 200 bytes: the size of a real ledger row. Ids grow with i
 * ("A0000123", "P0000124"), as a clerk's rows do, so one unit's keys arrive
 * in order. The same bytes go to huibao, the limit program and the peers. */
#ifndef BENCH_REC_H
#define BENCH_REC_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_rec_spec {
  const char *unit;
  const char *campaign; /* e.g. zhuti-2023 */
  const char *category; /* a category code of that campaign, for problems */
  uint64_t version;     /* > 0 */
} bench_rec_spec;

/* Packs record i as a Record message (seq = i + 1) into buf (cap bytes).
 * Returns its length, or 0 when cap is too small. */
size_t bench_rec_pack(const bench_rec_spec *s, uint64_t i, uint8_t *buf, size_t cap);

/* Packs a Submit of records first .. first + n - 1 (n <= 1000) into *buf,
 * grown with realloc as needed (*cap its size). Returns the length or 0 on
 * out of memory. */
size_t bench_submit_pack(const bench_rec_spec *s, uint64_t batch_id, uint64_t first, size_t n,
                         uint8_t **buf, size_t *cap);

/* Monotonic clock in nanoseconds. */
uint64_t bench_now_ns(void);

/* Sorts v[0..n) and returns the q-quantile (0..1); 0 for n = 0. */
double bench_quantile(double *v, size_t n, double q);

#endif
