/* replica.c: the city's replica (issue 15; replica.h). Groundwork stub:
 * an empty replica. */
#include "replica.h"

#include <stdlib.h>
#include "hb_err.h"

struct sub_replica {
  int unused;
};

int sub_replica_open(sub_replica **out, const char *data_dir, bool readonly, char *err,
                     size_t errlen)
{
  (void)data_dir, (void)readonly, (void)err, (void)errlen;
  *out = calloc(1, sizeof **out);
  return *out ? 0 : HB_ENOMEM;
}

void sub_replica_close(sub_replica *r)
{
  free(r);
}

int sub_replica_foreach(sub_replica *r, const char *county, hb_list_rec_fn fn, void *ctx, char *err,
                        size_t errlen)
{
  (void)r, (void)county, (void)fn, (void)ctx, (void)err, (void)errlen;
  return 0;
}

int sub_replica_counties(sub_replica *r, int (*fn)(void *ctx, const sub_replica_county *c),
                         void *ctx, char *err, size_t errlen)
{
  (void)r, (void)fn, (void)ctx, (void)err, (void)errlen;
  return 0;
}

int sub_replica_catch_up_once(sub_replica *r, const struct sub_cli *cli, int64_t timeout_ms,
                              char *err, size_t errlen)
{
  (void)r, (void)cli, (void)timeout_ms, (void)err, (void)errlen;
  return 0;
}
