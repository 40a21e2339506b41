/* store_migrate_test.c: a store whose aggregates have no day cells (as the
 * version before issue 13 wrote them) verifies read-only, and gets them
 * rebuilt from its records at its first read-write open (meta
 * "agg-format" = 2), once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_be.h"
#include "hb_err.h"
#include "store.h"
#include "store_migrate.h"
#include "test.h"
#include "verify.h"

static char tmpdir[64];

static Huibao__V1__Record recs[6];
static Huibao__V1__Activity acts[3];
static Huibao__V1__Problem probs[3];

static void make_records(void)
{
  for (int i = 0; i < 3; i++) {
    static char aid[3][8], pid[3][8];
    snprintf(aid[i], sizeof aid[i], "A%d", i);
    snprintf(pid[i], sizeof pid[i], "P%d", i);
    Huibao__V1__Activity *a = &acts[i];
    huibao__v1__activity__init(a);
    a->unit = "xq-a";
    a->id = aid[i];
    a->version = 1;
    a->campaign = "jf";
    a->has_date = a->has_level = a->has_kind = a->has_sessions = a->has_participants = 1;
    a->date = 19150 + 4 * i;
    a->level = 1;
    a->kind = (Huibao__V1__ActivityKind)(1 + i % 2);
    a->sessions = 1;
    a->participants = 10 + (uint32_t)i;
    Huibao__V1__Problem *p = &probs[i];
    huibao__v1__problem__init(p);
    p->unit = "xq-a";
    p->id = pid[i];
    p->version = 1;
    p->campaign = "jf";
    p->category = "county";
    p->has_identified_on = p->has_status = p->has_deadline = 1;
    p->identified_on = 19150 + i;
    p->status = (Huibao__V1__ProblemStatus)(i + 1);
    p->deadline = 19155;
    if (i == 2) {
      p->has_resolved_on = 1;
      p->resolved_on = 19160;
    }
    huibao__v1__record__init(&recs[2 * i]);
    recs[2 * i].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    recs[2 * i].activity = a;
    huibao__v1__record__init(&recs[2 * i + 1]);
    recs[2 * i + 1].body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
    recs[2 * i + 1].problem = p;
  }
}

static int put_all(store *s, void *arg)
{
  (void)arg;
  for (int i = 0; i < 6; i++) {
    int code;
    uint64_t v;
    const char *reason;
    CHECK_EQ_INT(0, store_batch_put(s, &recs[i], &code, &v, &reason));
    CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, code);
  }
  return 0;
}

/* Rewrites every stored aggregate without its day cells and deletes meta
 * "agg-format": the store as the previous version left it. */
static void downgrade(const char *dir)
{
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi aggs, meta;
  MDB_cursor *cur;
  MDB_val k, v;
  CHECK_EQ_INT(0, mdb_env_create(&env));
  CHECK_EQ_INT(0, mdb_env_set_maxdbs(env, 8));
  CHECK_EQ_INT(0, mdb_env_open(env, dir, 0, 0600));
  CHECK_EQ_INT(0, mdb_txn_begin(env, NULL, 0, &txn));
  CHECK_EQ_INT(0, mdb_dbi_open(txn, "aggs", 0, &aggs));
  CHECK_EQ_INT(0, mdb_dbi_open(txn, "meta", 0, &meta));
  CHECK_EQ_INT(0, mdb_cursor_open(txn, aggs, &cur));
  int n = 0;
  while (mdb_cursor_get(cur, &k, &v, n ? MDB_NEXT : MDB_FIRST) == 0) {
    hb_agg a;
    uint8_t *buf;
    size_t len;
    CHECK_EQ_INT(0, hb_agg_unpack(v.mv_data, v.mv_size, &a));
    CHECK(a.ndacts > 0 && a.ndprobs > 0);
    hb_agg_days_drop(&a);
    CHECK_EQ_INT(0, hb_agg_pack(&a, &buf, &len));
    MDB_val nv = {len, buf};
    CHECK_EQ_INT(0, mdb_cursor_put(cur, &k, &nv, MDB_CURRENT));
    free(buf);
    hb_agg_free(&a);
    n++;
  }
  CHECK_EQ_INT(1, n);
  mdb_cursor_close(cur);
  MDB_val fk = {strlen(STORE_META_AGG_FORMAT), STORE_META_AGG_FORMAT};
  CHECK_EQ_INT(0, mdb_del(txn, meta, &fk, NULL));
  CHECK_EQ_INT(0, mdb_txn_commit(txn));
  mdb_env_close(env);
}

static uint64_t format_of(store *s)
{
  char err[256];
  uint64_t f = 0;
  CHECK_EQ_INT(0, store_agg_format(s, &f, err, sizeof err));
  return f;
}

static void test_upgrade(void)
{
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hb-migrate-XXXXXX");
  if (!mkdtemp(tmpdir))
    abort();
  make_records();
  store *s;
  char err[256];
  size_t nrec;
  CHECK_EQ_INT(0, store_open(&s, tmpdir, 0, 0, err, sizeof err));
  CHECK_EQ_INT(STORE_AGG_FORMAT, format_of(s)); /* a new store is of the current format */
  CHECK_EQ_INT(0, store_batch_run(s, put_all, NULL, err, sizeof err));
  const hb_agg *g = store_agg(s, "jf", "xq-a");
  size_t ndacts = g->ndacts, ndprobs = g->ndprobs;
  CHECK(ndacts == 3 && ndprobs >= 3);
  CHECK_EQ_INT(0, verify_store(s, stderr, &nrec, err, sizeof err));
  store_close(s);

  downgrade(tmpdir);
  /* read-only (verify): old aggregates, compared without day cells */
  CHECK_EQ_INT(0, store_open_readonly(&s, tmpdir, err, sizeof err));
  CHECK_EQ_INT(1, format_of(s));
  CHECK_EQ_INT(0, store_agg(s, "jf", "xq-a")->ndacts);
  char *text = NULL;
  size_t tlen = 0;
  FILE *out = open_memstream(&text, &tlen);
  CHECK_EQ_INT(0, verify_store(s, out, &nrec, err, sizeof err));
  fclose(out);
  CHECK_CONTAINS(text, "without day cells");
  free(text);
  store_close(s);

  /* the first read-write open rebuilds them */
  CHECK_EQ_INT(0, store_open(&s, tmpdir, 0, 0, err, sizeof err));
  CHECK_EQ_INT(STORE_AGG_FORMAT, format_of(s));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(ndacts, g->ndacts);
  CHECK_EQ_INT(ndprobs, g->ndprobs);
  CHECK_EQ_INT(6, g->records);
  hb_period_sum sum;
  memset(&sum, 0, sizeof sum);
  CHECK_EQ_INT(0, hb_agg_period_add(g, 19150, 19156, &sum));
  CHECK_EQ_INT(2, sum.act.records);
  CHECK_EQ_INT(3, sum.identified);
  CHECK_EQ_INT(3, sum.overdue_at_end); /* deadline 19155; P2 resolved on 19160 */
  hb_period_sum_free(&sum);
  CHECK_EQ_INT(0, hb_agg_period_add(g, 19157, 19163, &sum));
  CHECK_EQ_INT(1, sum.resolved);
  CHECK_EQ_INT(2, sum.overdue_at_end);
  hb_period_sum_free(&sum);
  text = NULL;
  out = open_memstream(&text, &tlen);
  CHECK_EQ_INT(0, verify_store(s, out, &nrec, err, sizeof err));
  fclose(out);
  CHECK(strstr(text, "without day cells") == NULL);
  free(text);
  uint64_t epoch = store_epoch(s);
  store_close(s);
  /* once: a second open changes nothing */
  CHECK_EQ_INT(0, store_open(&s, tmpdir, 0, 0, err, sizeof err));
  CHECK(store_epoch(s) == epoch);
  CHECK_EQ_INT(ndacts, store_agg(s, "jf", "xq-a")->ndacts);
  store_close(s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", tmpdir);
}

int main(void)
{
  RUN(test_upgrade);
  return test_summary();
}
