/* quota.c: the per-unit quota settings (--unit-quota-records,
 * --unit-quota-bytes, or the same keys in the -c file); the quota itself is
 * enforced by store.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "config.h"

/* A whole number >= 1, times K, M or G when suffixes is set. */
static int quota_parse(const char *value, int suffixes, unsigned long long *out)
{
  char *end;
  errno = 0;
  unsigned long long v = strtoull(value, &end, 10);
  unsigned long long mult = 1;
  if (suffixes && end != value && end[0] && !end[1]) {
    mult = end[0] == 'K' ? 1ull << 10 : end[0] == 'M' ? 1ull << 20 : end[0] == 'G' ? 1ull << 30 : 0;
    end += mult != 0;
  }
  if (errno || end == value || *end || value[0] == '-' || v == 0 || mult == 0 || v > ~0ull / mult)
    return -1;
  *out = v * mult;
  return 0;
}

int quota_records_set(void *dest, const char *value, char *why, size_t whylen)
{
  if (quota_parse(value, 0, dest) == 0)
    return 0;
  snprintf(why, whylen, "'%s' is not a whole number of records above 0", value);
  return -1;
}

int quota_bytes_set(void *dest, const char *value, char *why, size_t whylen)
{
  if (quota_parse(value, 1, dest) == 0)
    return 0;
  snprintf(why, whylen, "'%s' is not a whole number of bytes above 0 (may end in K, M or G)",
           value);
  return -1;
}
