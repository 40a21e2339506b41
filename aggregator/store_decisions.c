/* store_decisions.c: the decisions waiting for a unit's agent (issue 14,
 * Ack.decisions). STUB of the groundwork: H4 fills it. */
#include <stdlib.h>
#include "hb_err.h"
#include "store_internal.h"

int store_decisions_after(MDB_txn *txn, const store_dbs *d, const char *unit, uint64_t after,
                          size_t max, Huibao__V1__Decision ***out, size_t *count, bool *more)
{
  (void)txn, (void)d, (void)unit, (void)after, (void)max;
  *out = NULL;
  *count = 0;
  *more = false;
  return 0;
}

void store_decisions_free(Huibao__V1__Decision **v, size_t count)
{
  for (size_t i = 0; i < count; i++)
    huibao__v1__decision__free_unpacked(v[i], NULL);
  free(v);
}
