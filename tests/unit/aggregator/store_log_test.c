/* store_log_test.c: the county's history (aggregator/store_log.c): each
 * stored version is one entry, packed exactly as protobuf-c packs it (the
 * ingest path writes it by hand around the record's packed body), chained
 * by hashes, linked to the record's previous entry (issue 15: about_prev;
 * the records value points at the entry), with the head in meta and in
 * memory; a batch that fails leaves no entry; verify_log finds nothing on
 * a clean store. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_be.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "history.h"
#include "store.h"
#include "test.h"
#include "verify_log.h"

static char tmpdir[64];

static const char *fresh_dir(void)
{
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hb-storelog-XXXXXX");
  if (!mkdtemp(tmpdir))
    abort();
  return tmpdir;
}

static void rmrf(const char *dir)
{
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", dir);
}

typedef struct put_arg {
  Huibao__V1__Problem *p;
  int clock, fail, code;
} put_arg;

static int put_fn(store *s, void *arg)
{
  put_arg *a = arg;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.seq = 77; /* the history keeps seq 0 */
  r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r.problem = a->p;
  if (a->clock)
    store_batch_clock(s, a->clock);
  uint64_t sv;
  const char *reason;
  CHECK_EQ_INT(0, store_batch_put(s, &r, &a->code, &sv, &reason));
  return a->fail;
}

/* Entry n as stored, and protobuf-c's packing of what it should be. */
static void check_entry(store *s, uint64_t n, const uint8_t prev[32], Huibao__V1__Problem *p,
                        int64_t at_s, uint64_t about_prev, uint8_t hash[32])
{
  store_dbs d;
  store_dbs_get(s, &d);
  MDB_txn *txn;
  CHECK_EQ_INT(0, mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn));
  uint8_t nk[8];
  hb_be64_put(nk, n);
  MDB_val k = {8, nk}, v;
  CHECK_EQ_INT(0, mdb_get(txn, d.log, &k, &v));
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r.problem = p;
  Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
  e.n = n;
  e.prev.len = 32;
  e.prev.data = (uint8_t *)prev;
  e.at_s = at_s;
  e.actor_kind = HUIBAO__V1__LOG_ACTOR__ACTOR_UNIT;
  e.actor = p->unit;
  e.what_case = HUIBAO__V1__LOG_ENTRY__WHAT_RECORD;
  e.record = &r;
  e.has_about_prev = about_prev != 0;
  e.about_prev = about_prev;
  size_t len = huibao__v1__log_entry__get_packed_size(&e);
  uint8_t *want = malloc(len);
  huibao__v1__log_entry__pack(&e, want);
  CHECK_EQ_INT((int)len, (int)v.mv_size);
  CHECK(len == v.mv_size && memcmp(want, v.mv_data, len) == 0);
  free(want);
  CHECK_EQ_INT(0, hb_chain_hash(v.mv_data, v.mv_size, hash));
  /* the records value (issue 15): entry n, last entry n, the body's length */
  char rk[64];
  size_t kl = (size_t)snprintf(rk, sizeof rk, "%s", p->unit) + 1;
  rk[kl - 1] = '\0';
  rk[kl++] = 'P';
  memcpy(rk + kl, p->id, strlen(p->id));
  kl += strlen(p->id);
  MDB_val rkv = {kl, rk}, rv;
  CHECK_EQ_INT(0, mdb_get(txn, d.records, &rkv, &rv));
  CHECK_EQ_INT(20, (int)rv.mv_size);
  CHECK(rv.mv_size == 20 && hb_be64_get(rv.mv_data) == n &&
        hb_be64_get((uint8_t *)rv.mv_data + 8) == n);
  CHECK_EQ_INT((int)huibao__v1__problem__get_packed_size(p),
               (int)((const uint8_t *)rv.mv_data)[19]);
  MDB_val body;
  uint64_t bn;
  int64_t bat;
  CHECK_EQ_INT(0, store_dbs_current(txn, &d, &rv, &body, &bn, &bat));
  CHECK_EQ_INT((int)n, (int)bn);
  CHECK_EQ_INT((int)at_s, (int)bat);
  mdb_txn_abort(txn);
}

static int count_fn(void *ctx, const Huibao__V1__LogEntry *e)
{
  (void)e;
  (*(int *)ctx)++;
  return 0;
}

static void test_entries_chain_head(void)
{
  store *s;
  char err[256];
  const char *dir = fresh_dir();
  CHECK_EQ_INT(0, store_open(&s, dir, 0, 0, err, sizeof err));
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a";
  p.id = "P017";
  p.version = 100;
  p.campaign = "jf";
  p.category = "c1";
  p.has_status = p.has_scope = 1;
  p.status = HUIBAO__V1__PROBLEM_STATUS__RECTIFYING;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  put_arg a = {&p, 1700000000, 0, 0};
  CHECK_EQ_INT(0, store_batch_run(s, put_fn, &a, err, sizeof err));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, a.code);
  uint8_t zero[32] = {0}, h1[32], h2[32], head[32];
  check_entry(s, 1, zero, &p, 1700000000, 0, h1);

  /* a second version; then a batch that fails appends nothing */
  p.version = 200;
  p.status = HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  a.clock = 1700000100;
  CHECK_EQ_INT(0, store_batch_run(s, put_fn, &a, err, sizeof err));
  check_entry(s, 2, h1, &p, 1700000100, 1, h2);
  p.version = 300;
  a.fail = HB_EINVAL;
  CHECK(store_batch_run(s, put_fn, &a, err, sizeof err) != 0);
  uint64_t n;
  store_log_head(s, &n, head);
  CHECK_EQ_INT(2, (int)n);
  CHECK(memcmp(head, h2, 32) == 0);

  /* a duplicate is not stored: no entry */
  p.version = 200;
  a.fail = 0;
  CHECK_EQ_INT(0, store_batch_run(s, put_fn, &a, err, sizeof err));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, a.code);
  store_log_head(s, &n, head);
  CHECK_EQ_INT(2, (int)n);

  /* the history reads both versions; the head survives a reopen */
  store_dbs d;
  store_dbs_get(s, &d);
  MDB_txn *txn;
  int count = 0;
  CHECK_EQ_INT(0, mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn));
  CHECK_EQ_INT(0, history_foreach(txn, &d, "xq-a", 'P', "P017", count_fn, &count));
  CHECK_EQ_INT(HB_ENOTFOUND, history_foreach(txn, &d, "xq-a", 'P', "P01", count_fn, &count));
  mdb_txn_abort(txn);
  CHECK_EQ_INT(2, count);
  store_close(s);
  CHECK_EQ_INT(0, store_open_readonly(&s, dir, err, sizeof err));
  store_log_head(s, &n, head);
  CHECK_EQ_INT(2, (int)n);
  CHECK(memcmp(head, h2, 32) == 0);
  CHECK_EQ_INT(0, (int)verify_log(s, stderr, err, sizeof err));
  store_close(s);
  rmrf(dir);
}

int main(void)
{
  RUN(test_entries_chain_head);
  return test_summary();
}
