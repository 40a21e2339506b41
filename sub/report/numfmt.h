/* numfmt.h: numbers the way Chinese progress reports write them.
 *
 * "2.3万人次" for 23,000, "124" for 124, "20.47%" for a share, "一是/二是"
 * for an index, and shares of a whole rounded so that they add up to exactly
 * 100.00% (largest remainder). Every function writes a NUL-terminated string
 * into buf and returns 0, HB_ETOOBIG when buf is too small (buf then holds
 * "" ) or HB_EINVAL for arguments out of range. */
#ifndef SUB_NUMFMT_H
#define SUB_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

#define SUB_NUMFMT_MAX_DECIMALS 6

/* Below 10,000 the plain integer ("124", "9999"); from 10,000 the value in
 * 万 with at most `decimals` decimals, rounded half up, trailing zeros
 * dropped ("2.3万", "2.35万", "10万"); from 100,000,000 (or when rounding
 * reaches 10000万) in 亿 ("1.2亿"). decimals: 0..4. */
int sub_numfmt_wan(uint64_t n, int decimals, char *buf, size_t len);

/* ratio (0.2047) as a percentage with exactly `decimals` decimals, rounded
 * half up: "20.47%". A ratio computed as a/b with b < 1e9 rounds as the
 * exact fraction would (the representation error of the double is
 * absorbed). HB_EINVAL for NaN, infinities and negative ratios. */
int sub_numfmt_pct(double ratio, int decimals, char *buf, size_t len);

/* part/whole as a percentage computed exactly in integers ("0.00%" when
 * whole is 0). */
int sub_numfmt_pct_of(uint64_t part, uint64_t whole, int decimals, char *buf, size_t len);

/* The largest-remainder (Hamilton) rounding of counts[0..n) as shares of
 * their sum: out[i] is the share of counts[i] in units of 10^-decimals
 * percent (decimals 2: 2047 means 20.47%), and the out[i] add up to exactly
 * 100 x 10^decimals when the sum is > 0 (all 0 when it is 0). Each out[i] is
 * its exact share rounded down or up; the units left after rounding down go
 * to the largest remainders, ties to the larger count, then the earlier
 * index (1/3, 1/3, 1/3 -> 33.34, 33.33, 33.33). */
int sub_numfmt_largest_remainder(const uint64_t *counts, size_t n, int decimals, uint64_t *out);

/* An integer in Chinese numerals, as in "一是、二是": 0 零, 10 十, 11 十一,
 * 20 二十, 105 一百零五, 1010 一千零一十, 20000 二万. Values from
 * 100,000,000 on are written in digits. */
int sub_numfmt_cn(uint64_t n, char *buf, size_t len);

#endif
