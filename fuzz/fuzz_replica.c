/* fuzz_replica: a county's DetailReply as the city's replica receives it
 * (issue 15, docs/replica.md): unpacked, then its entries checked and
 * replayed into a fresh replica (replica_apply: the chain, the review
 * replay of versions, decisions and removals), the records read back
 * (sub_replica_foreach) and the audit digest of what was held; and the
 * same bytes as a DetailRequest, as the county's endpoint unpacks it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb_list.h"
#include "replica_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count_rec(void *ctx, const hb_list_rec *r)
{
  (void)r;
  (*(size_t *)ctx)++;
  return 0;
}

static void rm_tree(const char *dir)
{
  char p[300];
  snprintf(p, sizeof p, "%s/replica/data.mdb", dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/replica/lock.mdb", dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/replica", dir);
  rmdir(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Huibao__V1__DetailRequest *q = huibao__v1__detail_request__unpack(NULL, size, data);
  if (q)
    huibao__v1__detail_request__free_unpacked(q, NULL);
  Huibao__V1__DetailReply *rep = huibao__v1__detail_reply__unpack(NULL, size, data);
  if (!rep)
    return 0;
  static char dir[64];
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/fuzz-replica-XXXXXX");
    if (!mkdtemp(dir))
      abort();
  }
  rm_tree(dir);
  sub_replica *r;
  char err[256];
  if (sub_replica_open(&r, dir, false, err, sizeof err) != 0)
    abort();
  size_t applied = 0, n = 0;
  const char *county = rep->source && rep->source[0] && strlen(rep->source) < 100 ? rep->source : "fz";
  if (replica_apply(r, county, rep->epoch, rep->entries, rep->n_entries, rep->delete_free,
                    rep->n_delete_free, &applied, err, sizeof err) == 0) {
    (void)sub_replica_foreach(r, NULL, count_rec, &n, err, sizeof err);
    MDB_txn *txn;
    uint8_t d[32];
    if (applied && hb_lmdb_read_begin(r->l.env, &txn) == 0) {
      (void)replica_audit_digest(r, txn, county, 1, applied, d);
      hb_lmdb_read_end(txn);
    }
  }
  sub_replica_close(r);
  huibao__v1__detail_reply__free_unpacked(rep, NULL);
  return 0;
}
