/* store_log.c: the county's append-only, hash-chained history (issue 14,
 * docs/review.md "History"). STUB of the groundwork: H1 fills it. */
#include <string.h>
#include "hb_err.h"
#include "store_internal.h"

int store_log_append(store *s, Huibao__V1__LogEntry *e, uint64_t *n)
{
  (void)s, (void)e;
  if (n)
    *n = 0;
  return 0;
}

int store_log_record(store *s, const Huibao__V1__Record *rec)
{
  (void)s, (void)rec;
  return 0;
}

int store_log_load(store *s, MDB_txn *txn)
{
  (void)s, (void)txn;
  return 0;
}

void store_log_apply(store *s)
{
  (void)s;
}

void store_log_reset(store *s)
{
  (void)s;
}

void store_log_head(const store *s, uint64_t *n, uint8_t hash[32])
{
  *n = s->log_n;
  memcpy(hash, s->log_hash, 32);
}

int store_log_write(store *s)
{
  (void)s;
  return 0;
}
