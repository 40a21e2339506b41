/* hb_period.c: a campaign's reporting periods (hb_period.h).
 * STUB (issue 13 groundwork): the helper owning it fills it in. */
#include "hb_period.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_err.h"

int hb_periods_of(const hb_campaign *c, hb_period **out, size_t *n)
{
  (void)c;
  *out = NULL;
  *n = 0;
  return 0;
}

int hb_period_index_of_day(const hb_period *p, size_t n, int32_t day)
{
  (void)p, (void)n, (void)day;
  return -1;
}

int hb_period_index_at(const hb_period *p, size_t n, int64_t t_s)
{
  (void)p, (void)n, (void)t_s;
  return -1;
}

int hb_period_find(const hb_period *p, size_t n, const char *id)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(p[i].id, id) == 0)
      return (int)i;
  return -1;
}

void hb_cycle_format(const hb_cycle *c, char *buf, size_t len)
{
  (void)c;
  snprintf(buf, len, "%s", "");
}

int hb_cycle_parse(const char *s, hb_cycle *out, char *why, size_t whylen)
{
  (void)s;
  memset(out, 0, sizeof *out);
  snprintf(why, whylen, "not implemented");
  return HB_EPARSE;
}

int64_t hb_local_unix(int32_t day, int minute)
{
  return (int64_t)day * 86400 + minute * 60;
}

int32_t hb_local_day(int64_t t_s)
{
  return (int32_t)(t_s / 86400);
}
