/* numfmt_test.c: 万 form, percentages, largest remainder, Chinese numerals. */
#include "numfmt.h"

#include "hb_err.h"
#include "test.h"

static const char *wan(uint64_t n, int d)
{
  static char buf[64];
  if (sub_numfmt_wan(n, d, buf, sizeof buf) != 0)
    return "(error)";
  return buf;
}

static void test_wan(void)
{
  CHECK_EQ_STR("0", wan(0, 2));
  CHECK_EQ_STR("124", wan(124, 2));
  CHECK_EQ_STR("9999", wan(9999, 2));
  CHECK_EQ_STR("1万", wan(10000, 2));
  CHECK_EQ_STR("2.3万", wan(23000, 2));
  CHECK_EQ_STR("2.35万", wan(23456, 2));
  CHECK_EQ_STR("2.3万", wan(23456, 1));
  CHECK_EQ_STR("2万", wan(23456, 0));
  CHECK_EQ_STR("2.35万", wan(23450, 2)); /* half up */
  CHECK_EQ_STR("2.34万", wan(23449, 2));
  CHECK_EQ_STR("10万", wan(99995, 2));
  CHECK_EQ_STR("9999.99万", wan(99999940, 2));
  CHECK_EQ_STR("1亿", wan(99999950, 2)); /* rounds to 10000万: written in 亿 */
  CHECK_EQ_STR("1.02亿", wan(102400000, 2));
  CHECK_EQ_STR("184467440737.1亿", wan(UINT64_MAX, 2));
  char small[4];
  CHECK_EQ_INT(HB_ETOOBIG, sub_numfmt_wan(23000, 2, small, sizeof small));
  CHECK_EQ_STR("", small);
  CHECK_EQ_INT(HB_EINVAL, sub_numfmt_wan(1, 5, small, sizeof small));
}

static const char *pct(double r, int d)
{
  static char buf[64];
  if (sub_numfmt_pct(r, d, buf, sizeof buf) != 0)
    return "(error)";
  return buf;
}

static const char *pct_of(uint64_t a, uint64_t b, int d)
{
  static char buf[64];
  if (sub_numfmt_pct_of(a, b, d, buf, sizeof buf) != 0)
    return "(error)";
  return buf;
}

static void test_pct(void)
{
  CHECK_EQ_STR("20.47%", pct(0.2047, 2));
  CHECK_EQ_STR("0.00%", pct(0, 2));
  CHECK_EQ_STR("100.00%", pct(1, 2));
  CHECK_EQ_STR("33.33%", pct(1.0 / 3, 2));
  CHECK_EQ_STR("66.67%", pct(2.0 / 3, 2));
  CHECK_EQ_STR("20.47%", pct(4093.0 / 20000, 2)); /* 20.465: half up despite the double */
  CHECK_EQ_STR("20.5%", pct(0.2047, 1));
  CHECK_EQ_STR("20%", pct(0.2047, 0));
  CHECK_EQ_STR("(error)", pct(-0.1, 2));
  CHECK_EQ_STR("(error)", pct(0.0 / 0.0, 2));
  CHECK_EQ_STR("20.47%", pct_of(4093, 20000, 2));
  CHECK_EQ_STR("20.46%", pct_of(40929, 200000, 2));
  CHECK_EQ_STR("0.00%", pct_of(5, 0, 2));
  CHECK_EQ_STR("75.6%", pct_of(1225, 1620, 1));
}

static void lr(const uint64_t *c, size_t n, int d, uint64_t *out)
{
  CHECK_EQ_INT(0, sub_numfmt_largest_remainder(c, n, d, out));
}

static void test_largest_remainder(void)
{
  uint64_t out[8];
  uint64_t thirds[] = {1, 1, 1};
  lr(thirds, 3, 2, out);
  CHECK_EQ_INT(3334, out[0]);
  CHECK_EQ_INT(3333, out[1]);
  CHECK_EQ_INT(3333, out[2]);

  uint64_t sixths[] = {1, 1, 1, 1, 1, 1}; /* 16.666..: four round up */
  lr(sixths, 6, 2, out);
  uint64_t sum = 0;
  for (int i = 0; i < 6; i++)
    sum += out[i];
  CHECK_EQ_INT(10000, sum);
  CHECK_EQ_INT(1667, out[0]);
  CHECK_EQ_INT(1667, out[3]);
  CHECK_EQ_INT(1666, out[4]);

  /* the sample report: 1620 problems in five categories */
  uint64_t seed[] = {332, 327, 314, 311, 336};
  lr(seed, 5, 2, out);
  CHECK_EQ_INT(2049, out[0]); /* 20.4938 */
  CHECK_EQ_INT(2019, out[1]); /* 20.1852 */
  CHECK_EQ_INT(1938, out[2]); /* 19.3827 */
  CHECK_EQ_INT(1920, out[3]); /* 19.1975 */
  CHECK_EQ_INT(2074, out[4]); /* 20.7407 */
  CHECK_EQ_INT(10000, out[0] + out[1] + out[2] + out[3] + out[4]);

  /* plain rounding would give 33.33 x 2 + 33.33 = 99.99 or 100.01 */
  uint64_t skew[] = {2, 2, 2, 1}; /* 28.571428.. x3 + 14.285714.. */
  lr(skew, 4, 2, out);
  CHECK_EQ_INT(2857, out[0]);
  CHECK_EQ_INT(2857, out[1]);
  CHECK_EQ_INT(2857, out[2]);
  CHECK_EQ_INT(1429, out[3]);

  uint64_t ties[] = {1, 4, 1}; /* equal remainders (4/6): the larger count, then the earlier */
  lr(ties, 3, 2, out);
  CHECK_EQ_INT(1667, out[0]);
  CHECK_EQ_INT(6667, out[1]);
  CHECK_EQ_INT(1666, out[2]);

  uint64_t zero[] = {0, 0, 0};
  out[0] = out[1] = out[2] = 99;
  lr(zero, 3, 2, out);
  CHECK_EQ_INT(0, out[0] + out[1] + out[2]);

  uint64_t one[] = {0, 7, 0};
  lr(one, 3, 0, out);
  CHECK_EQ_INT(0, out[0]);
  CHECK_EQ_INT(100, out[1]);

  uint64_t big[] = {UINT64_MAX / 2, UINT64_MAX / 2};
  lr(big, 2, 6, out);
  CHECK_EQ_INT(50000000, out[0]);
  CHECK_EQ_INT(50000000, out[1]);
  CHECK_EQ_INT(HB_EINVAL, sub_numfmt_largest_remainder(one, 3, 7, out));
}

static const char *cn(uint64_t n)
{
  static char buf[128];
  if (sub_numfmt_cn(n, buf, sizeof buf) != 0)
    return "(error)";
  return buf;
}

static void test_cn(void)
{
  CHECK_EQ_STR("零", cn(0));
  CHECK_EQ_STR("一", cn(1));
  CHECK_EQ_STR("五", cn(5));
  CHECK_EQ_STR("十", cn(10));
  CHECK_EQ_STR("十一", cn(11));
  CHECK_EQ_STR("二十", cn(20));
  CHECK_EQ_STR("二十七", cn(27));
  CHECK_EQ_STR("一百", cn(100));
  CHECK_EQ_STR("一百零五", cn(105));
  CHECK_EQ_STR("一百一十", cn(110));
  CHECK_EQ_STR("一千零一十", cn(1010));
  CHECK_EQ_STR("二千零二十三", cn(2023));
  CHECK_EQ_STR("一万", cn(10000));
  CHECK_EQ_STR("一万零五", cn(10005));
  CHECK_EQ_STR("一万零一十", cn(10010));
  CHECK_EQ_STR("十二万三千四百五十六", cn(123456));
  CHECK_EQ_STR("九千九百九十九万九千九百九十九", cn(99999999));
  CHECK_EQ_STR("100000000", cn(100000000));
}

int main(void)
{
  RUN(test_wan);
  RUN(test_pct);
  RUN(test_largest_remainder);
  RUN(test_cn);
  return test_summary();
}
