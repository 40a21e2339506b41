/* numfmt.c: 万 form, percentages, largest remainder, Chinese numerals. */
#include "numfmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

static const uint64_t pow10_tab[] = {1ULL,         10ULL,         100ULL,        1000ULL,
                                     10000ULL,     100000ULL,     1000000ULL,    10000000ULL,
                                     100000000ULL, 1000000000ULL, 10000000000ULL};

/* snprintf into buf; HB_ETOOBIG (and "") when it does not fit. */
__attribute__((format(printf, 3, 4))) static int put(char *buf, size_t len, const char *fmt, ...)
{
  if (!buf || len == 0)
    return HB_ETOOBIG;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= len) {
    buf[0] = '\0';
    return HB_ETOOBIG;
  }
  return 0;
}

/* n / divisor rounded half up, without overflow. */
static uint64_t div_round(uint64_t n, uint64_t divisor)
{
  uint64_t q = n / divisor, r = n % divisor;
  return q + (r >= divisor - r ? 1 : 0);
}

/* q in units of 10^-decimals, written with trailing zeros dropped. */
static int put_scaled_trim(char *buf, size_t len, uint64_t q, int decimals, const char *suffix)
{
  uint64_t scale = pow10_tab[decimals];
  uint64_t ip = q / scale, fp = q % scale;
  if (fp == 0)
    return put(buf, len, "%" PRIu64 "%s", ip, suffix);
  int d = decimals;
  while (fp % 10 == 0) {
    fp /= 10;
    d--;
  }
  return put(buf, len, "%" PRIu64 ".%0*" PRIu64 "%s", ip, d, fp, suffix);
}

int sub_numfmt_wan(uint64_t n, int decimals, char *buf, size_t len)
{
  if (decimals < 0 || decimals > 4)
    return HB_EINVAL;
  if (n < 10000)
    return put(buf, len, "%" PRIu64, n);
  uint64_t scale = pow10_tab[decimals];
  if (n < 100000000ULL) {
    uint64_t q = div_round(n, pow10_tab[4 - decimals]); /* 10^-decimals 万 */
    if (q < 10000 * scale)
      return put_scaled_trim(buf, len, q, decimals, "万");
  }
  uint64_t q = div_round(n, pow10_tab[8 - decimals]); /* 10^-decimals 亿 */
  return put_scaled_trim(buf, len, q, decimals, "亿");
}

static int put_fixed(char *buf, size_t len, uint64_t q, int decimals)
{
  if (decimals == 0)
    return put(buf, len, "%" PRIu64 "%%", q);
  uint64_t scale = pow10_tab[decimals];
  return put(buf, len, "%" PRIu64 ".%0*" PRIu64 "%%", q / scale, decimals, q % scale);
}

int sub_numfmt_pct(double ratio, int decimals, char *buf, size_t len)
{
  if (decimals < 0 || decimals > SUB_NUMFMT_MAX_DECIMALS || !isfinite(ratio) || ratio < 0 ||
      ratio > 1e9)
    return HB_EINVAL;
  /* The epsilon is far below the distance of any a/b (b < 1e9) from a
   * rounding boundary, and far above the error of the double. */
  double x = ratio * 100.0 * (double)pow10_tab[decimals];
  uint64_t q = (uint64_t)floor(x + 0.5 + 1e-7);
  return put_fixed(buf, len, q, decimals);
}

int sub_numfmt_pct_of(uint64_t part, uint64_t whole, int decimals, char *buf, size_t len)
{
  if (decimals < 0 || decimals > SUB_NUMFMT_MAX_DECIMALS)
    return HB_EINVAL;
  if (whole == 0)
    return put_fixed(buf, len, 0, decimals);
  unsigned __int128 num = (unsigned __int128)part * (100 * pow10_tab[decimals]);
  unsigned __int128 q = num / whole, r = num % whole;
  if (r >= whole - r)
    q++;
  if (q > UINT64_MAX)
    return HB_EINVAL;
  return put_fixed(buf, len, (uint64_t)q, decimals);
}

typedef struct lr_item {
  size_t index;
  uint64_t count;
  unsigned __int128 rem;
} lr_item;

static int lr_cmp(const void *x, const void *y)
{
  const lr_item *a = x, *b = y;
  if (a->rem != b->rem)
    return a->rem > b->rem ? -1 : 1;
  if (a->count != b->count)
    return a->count > b->count ? -1 : 1;
  return a->index < b->index ? -1 : a->index > b->index;
}

int sub_numfmt_largest_remainder(const uint64_t *counts, size_t n, int decimals, uint64_t *out)
{
  if (decimals < 0 || decimals > SUB_NUMFMT_MAX_DECIMALS)
    return HB_EINVAL;
  unsigned __int128 total = 0;
  for (size_t i = 0; i < n; i++)
    total += counts[i];
  if (n == 0)
    return 0;
  if (total == 0) {
    memset(out, 0, n * sizeof *out);
    return 0;
  }
  uint64_t target = 100 * pow10_tab[decimals];
  lr_item *it = malloc(n * sizeof *it);
  if (!it)
    return HB_ENOMEM;
  uint64_t given = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned __int128 num = (unsigned __int128)counts[i] * target;
    out[i] = (uint64_t)(num / total);
    given += out[i];
    it[i] = (lr_item){i, counts[i], num % total};
  }
  if (n > 1) /* qsort's array may be NULL when empty */
    qsort(it, n, sizeof *it, lr_cmp);
  /* fewer than n units are left: each gets at most one */
  for (size_t k = 0; given < target && k < n; k++, given++)
    out[it[k].index]++;
  free(it);
  return 0;
}

/* 0..9999 appended to s. Leading zeros are the caller's ("一万零五");
 * first: the section starts the number, so 10..19 read "十…" not "一十…". */
static void cn_section(unsigned v, char *s, size_t len, int first)
{
  static const char *const dig[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
  static const char *const pos[] = {"千", "百", "十", ""};
  static const unsigned div[] = {1000, 100, 10, 1};
  int zero = 0, started = 0;
  for (int i = 0; i < 4; i++) {
    unsigned d = v / div[i] % 10;
    if (d == 0) {
      zero = started;
      continue;
    }
    if (zero)
      strncat(s, "零", len - strlen(s) - 1);
    zero = 0;
    if (!(i == 2 && d == 1 && !started && first))
      strncat(s, dig[d], len - strlen(s) - 1);
    strncat(s, pos[i], len - strlen(s) - 1);
    started = 1;
  }
}

int sub_numfmt_cn(uint64_t n, char *buf, size_t len)
{
  if (n >= 100000000ULL)
    return put(buf, len, "%" PRIu64, n);
  if (n == 0)
    return put(buf, len, "零");
  char s[128] = "";
  unsigned hi = (unsigned)(n / 10000), lo = (unsigned)(n % 10000);
  if (hi) {
    cn_section(hi, s, sizeof s, 1);
    strncat(s, "万", sizeof s - strlen(s) - 1);
    if (lo) {
      if (lo < 1000)
        strncat(s, "零", sizeof s - strlen(s) - 1);
      cn_section(lo, s, sizeof s, 0);
    }
  } else {
    cn_section(lo, s, sizeof s, 1);
  }
  return put(buf, len, "%s", s);
}
