/* store_review_test.c: the county's review in the store (issue 14):
 * decisions, deletion requests, review counts in the aggregates, and
 * verify's recount from effective versions + review counts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_campaigns.h"
#include "hb_err.h"
#include "hb_review.h"
#include "store.h"
#include "store_review.h"
#include "test.h"
#include "verify.h"

static char tmpdir[64];

static void rmrf(const char *dir)
{
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "cannot remove %s\n", dir);
}

static const char *fresh_dir(void)
{
  if (tmpdir[0])
    rmrf(tmpdir);
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hb-review-XXXXXX");
  if (!mkdtemp(tmpdir))
    abort();
  return tmpdir;
}

static Huibao__V1__Problem prob(const char *id, uint64_t version, const char *campaign, int status,
                                const char *category)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a";
  p.id = (char *)id;
  p.version = version;
  p.campaign = (char *)campaign;
  p.category = (char *)category;
  p.has_status = p.has_scope = p.has_measures = 1;
  p.status = (Huibao__V1__ProblemStatus)status;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  p.measures = 2;
  return p;
}

static Huibao__V1__Problem ptomb(const char *id, uint64_t version)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a";
  p.id = (char *)id;
  p.version = version;
  p.has_deleted = p.deleted = 1;
  return p;
}

static Huibao__V1__Activity act(const char *id, uint64_t version, bool deleted)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = (char *)id;
  a.version = version;
  if (deleted) {
    a.has_deleted = a.deleted = 1;
    return a;
  }
  a.campaign = "jf";
  a.has_level = a.has_kind = a.has_participants = 1;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  a.participants = 20;
  return a;
}

typedef struct put_one {
  Huibao__V1__Activity *a;
  Huibao__V1__Problem *p;
  int code;
} put_one;

static int put_fn(store *s, void *arg)
{
  put_one *o = arg;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  if (o->a) {
    r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    r.activity = o->a;
  } else {
    r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
    r.problem = o->p;
  }
  const char *reason;
  uint64_t sv;
  store_batch_clock(s, 1700000000);
  return store_batch_put(s, &r, &o->code, &sv, &reason);
}

static void put(store *s, Huibao__V1__Activity *a, Huibao__V1__Problem *p)
{
  char err[256];
  put_one o = {a, p, 0};
  CHECK_EQ_INT(0, store_batch_run(s, put_fn, &o, err, sizeof err));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, o.code);
}

typedef struct decide_one {
  store_decision_req req;
  uint64_t n;
  const char *why;
} decide_one;

static int decide_fn(store *s, void *arg)
{
  decide_one *d = arg;
  return store_batch_decide(s, &d->req, &d->n, &d->why);
}

/* Runs one decision in its own batch; returns store_batch_run's code. */
static int decide(store *s, char kind, const char *id, hb_review_action a, const char *reason,
                  const char **why)
{
  char err[256];
  decide_one d = {{"xq-a", id, kind, (int)a, reason, "张三"}, 0, NULL};
  int rc = store_batch_run(s, decide_fn, &d, err, sizeof err);
  if (why)
    *why = d.why;
  return rc;
}

static int status_of(store *s, char kind, const char *id)
{
  store_dbs d;
  store_dbs_get(s, &d);
  MDB_txn *txn;
  CHECK_EQ_INT(0, mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn));
  Huibao__V1__ReviewState *st;
  CHECK_EQ_INT(0, store_review_get(txn, &d, "xq-a", kind, id, &st));
  mdb_txn_abort(txn);
  int status = st ? (int)st->status : 0;
  if (st)
    huibao__v1__review_state__free_unpacked(st, NULL);
  return status;
}

static long diffs(store *s)
{
  char err[256] = "";
  size_t n;
  return verify_store(s, stderr, &n, err, sizeof err);
}

static const char ini[] = "[jf]\nname = J\nstart = 2022-01-01\nend = 2022-12-31\n"
                          "[fr]\nname = F\nstart = 2022-01-01\nend = 2022-12-31\n"
                          "problem_delete = free\n";

/* A fresh store that follows the campaigns of ini (jf: review, fr: free). */
static store *open_with(hb_campaigns *camps)
{
  hb_diags dg;
  hb_diags_init(&dg);
  CHECK_EQ_INT(0, hb_campaigns_parse("c.ini", ini, strlen(ini), camps, &dg));
  hb_diags_free(&dg);
  store *s;
  char err[256];
  if (store_open(&s, fresh_dir(), 0, 0, err, sizeof err) != 0)
    abort();
  store_campaigns_set(s, camps);
  return s;
}

static void test_decisions(void)
{
  hb_campaigns camps = {0};
  store *s = open_with(&camps);
  char err[256];
  const int RES = HUIBAO__V1__PROBLEM_STATUS__RESOLVED,
            IDF = HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED;

  /* a unit's 已整改 is claimed; confirm makes it 已销号 */
  Huibao__V1__Problem p1 = prob("P1", 10, "jf", RES, "county");
  put(s, NULL, &p1);
  const hb_agg *g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(1, g->by_status[RES]);
  CHECK_EQ_INT(0, g->rv.confirmed);
  uint64_t seq = store_seq(s, "jf");
  const char *why;
  CHECK_EQ_INT(0, decide(s, 'P', "P1", HB_ACTION_CONFIRM, NULL, &why));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(1, g->rv.confirmed);
  CHECK_EQ_INT(1, hb_agg_category(g, "county")->rv.confirmed);
  CHECK_EQ_INT(seq + 1, store_seq(s, "jf")); /* the rollup republishes */
  CHECK_EQ_INT(HB_REVIEW_CONFIRMED, status_of(s, 'P', "P1"));
  CHECK_EQ_INT(HB_ESTATE, decide(s, 'P', "P1", HB_ACTION_CONFIRM, NULL, &why));
  CHECK_CONTAINS(why, "已销号");
  CHECK_EQ_INT(HB_ENOTFOUND, decide(s, 'P', "P404", HB_ACTION_CONFIRM, NULL, &why));
  CHECK_EQ_INT(HB_EINVAL, decide(s, 'P', "P1", HB_ACTION_REOPEN, NULL, &why));
  /* a reason every agent accepts (hb_wire_ack_unpack): at most 1000 bytes of UTF-8 */
  char longer[1002];
  memset(longer, 'x', 1001);
  longer[1001] = '\0';
  CHECK_EQ_INT(HB_EINVAL, decide(s, 'P', "P1", HB_ACTION_REOPEN, longer, &why));
  CHECK_CONTAINS(why, "1000");
  CHECK_EQ_INT(HB_EINVAL, decide(s, 'P', "P1", HB_ACTION_REOPEN, "\xff\xfe", &why));
  CHECK_EQ_INT(HB_REVIEW_CONFIRMED, status_of(s, 'P', "P1"));
  CHECK_EQ_INT(0, diffs(s));

  /* the same content again keeps the confirmation */
  Huibao__V1__Problem p1b = prob("P1", 11, "jf", RES, "county");
  put(s, NULL, &p1b);
  CHECK_EQ_INT(HB_REVIEW_CONFIRMED, status_of(s, 'P', "P1"));
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->rv.confirmed);

  /* return, then the unit's edit answers it */
  Huibao__V1__Problem p2 = prob("P2", 10, "jf", IDF, "work");
  put(s, NULL, &p2);
  CHECK_EQ_INT(0, decide(s, 'P', "P2", HB_ACTION_RETURN, "材料不全", NULL));
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->rv.returned);
  CHECK_EQ_INT(0, diffs(s));
  Huibao__V1__Problem p2b = prob("P2", 11, "jf", IDF, "county");
  p2b.measures = 3;
  put(s, NULL, &p2b);
  CHECK_EQ_INT(0, store_agg(s, "jf", "xq-a")->rv.returned);
  CHECK(hb_agg_category(store_agg(s, "jf", "xq-a"), "work") == NULL);
  CHECK_EQ_INT(HB_REVIEW_NONE, status_of(s, 'P', "P2"));
  CHECK_EQ_INT(0, diffs(s));

  /* reopen, then a deletion: held and counted until approved */
  CHECK_EQ_INT(0, decide(s, 'P', "P1", HB_ACTION_REOPEN, "反弹", NULL));
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->rv.reopened);
  CHECK_EQ_INT(0, store_agg(s, "jf", "xq-a")->rv.confirmed);
  Huibao__V1__Problem t1 = ptomb("P1", 12);
  put(s, NULL, &t1);
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(2, g->problems);
  CHECK_EQ_INT(1, g->rv.deletion_pending);
  CHECK_EQ_INT(0, g->rv.reopened);
  CHECK_EQ_INT(HB_REVIEW_DELETION_PENDING, status_of(s, 'P', "P1"));
  CHECK_EQ_INT(0, diffs(s));
  Huibao__V1__Problem t1b = ptomb("P1", 13);
  put(s, NULL, &t1b);
  CHECK_EQ_INT(2, store_agg(s, "jf", "xq-a")->problems);
  CHECK_EQ_INT(HB_ESTATE, decide(s, 'P', "P1", HB_ACTION_CONFIRM, NULL, NULL));
  CHECK_EQ_INT(0, decide(s, 'P', "P1", HB_ACTION_REFUSE_DELETE, "不能撤销", NULL));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(2, g->problems);
  CHECK_EQ_INT(0, g->rv.deletion_pending);
  CHECK_EQ_INT(HB_REVIEW_DELETION_REFUSED, status_of(s, 'P', "P1"));
  CHECK_EQ_INT(0, diffs(s));
  CHECK_EQ_INT(0, decide(s, 'P', "P1", HB_ACTION_APPROVE_DELETE, NULL, NULL));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(1, g->problems);
  CHECK_EQ_INT(0, g->by_status[RES]);
  CHECK_EQ_INT(HB_REVIEW_NONE, status_of(s, 'P', "P1"));
  CHECK_EQ_INT(0, diffs(s));

  /* a deletion request the unit takes back: the new version counts */
  Huibao__V1__Problem t2 = ptomb("P2", 12);
  put(s, NULL, &t2);
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->rv.deletion_pending);
  Huibao__V1__Problem p2c = prob("P2", 13, "jf", RES, "county");
  put(s, NULL, &p2c);
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(1, g->problems);
  CHECK_EQ_INT(1, g->by_status[RES]);
  CHECK_EQ_INT(0, g->rv.deletion_pending);
  CHECK_EQ_INT(0, diffs(s));

  /* problem_delete = free: gone at once */
  Huibao__V1__Problem p3 = prob("P3", 10, "fr", IDF, NULL);
  put(s, NULL, &p3);
  CHECK_EQ_INT(1, store_agg(s, "fr", "xq-a")->problems);
  Huibao__V1__Problem t3 = ptomb("P3", 11);
  put(s, NULL, &t3);
  CHECK(store_agg(s, "fr", "xq-a") == NULL);
  CHECK_EQ_INT(HB_REVIEW_NONE, status_of(s, 'P', "P3"));

  /* activities: returned until changed; deleted freely */
  Huibao__V1__Activity a1 = act("A1", 10, false);
  put(s, &a1, NULL);
  CHECK_EQ_INT(HB_ESTATE, decide(s, 'A', "A1", HB_ACTION_CONFIRM, NULL, NULL));
  CHECK_EQ_INT(0, decide(s, 'A', "A1", HB_ACTION_RETURN, "照片缺失", NULL));
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->act_returned);
  CHECK_EQ_INT(0, diffs(s));
  Huibao__V1__Activity a1t = act("A1", 11, true);
  put(s, &a1t, NULL);
  CHECK_EQ_INT(0, store_agg(s, "jf", "xq-a")->act_returned);
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->records);
  CHECK_EQ_INT(0, diffs(s));
  CHECK_EQ_INT(0, store_inconsistencies(s));
  store_close(s);

  /* reopened: the counts come back from LMDB and equal the recount */
  CHECK_EQ_INT(0, store_open(&s, tmpdir, 0, 0, err, sizeof err));
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->by_status[RES]);
  CHECK_EQ_INT(0, diffs(s));
  store_close(s);
  CHECK_EQ_INT(0, store_open_readonly(&s, tmpdir, err, sizeof err));
  CHECK_EQ_INT(0, diffs(s));
  store_close(s);
  hb_campaigns_free(&camps);
}

/* An admin removal (`admin unlock`) of a record under review takes its
 * review entry, its counts and a held version out with it
 * (store_review_on_remove, called by store_batch_remove). */
typedef struct rm_one {
  const char *id;
} rm_one;

static int rm_fn(store *s, void *arg)
{
  rm_one *o = arg;
  uint64_t v;
  return store_batch_remove(s, "xq-a", 'P', o->id, &v);
}

static void test_admin_remove(void)
{
  hb_campaigns camps = {0};
  store *s = open_with(&camps);
  char err[256];
  Huibao__V1__Problem p1 = prob("P1", 10, "jf", HUIBAO__V1__PROBLEM_STATUS__RESOLVED, "county");
  Huibao__V1__Problem p2 = prob("P2", 10, "jf", HUIBAO__V1__PROBLEM_STATUS__RESOLVED, "county");
  put(s, NULL, &p1);
  put(s, NULL, &p2);
  CHECK_EQ_INT(0, decide(s, 'P', "P1", HB_ACTION_CONFIRM, NULL, NULL));
  Huibao__V1__Problem t2 = ptomb("P2", 11);
  put(s, NULL, &t2);
  CHECK_EQ_INT(0, diffs(s));
  rm_one o = {"P1"};
  CHECK_EQ_INT(0, store_batch_run(s, rm_fn, &o, err, sizeof err));
  o.id = "P2";
  CHECK_EQ_INT(0, store_batch_run(s, rm_fn, &o, err, sizeof err));
  CHECK(store_agg(s, "jf", "xq-a") == NULL);
  CHECK_EQ_INT(HB_REVIEW_NONE, status_of(s, 'P', "P2"));
  CHECK_EQ_INT(0, diffs(s));
  CHECK_EQ_INT(0, store_inconsistencies(s));
  store_close(s);
  hb_campaigns_free(&camps);
}

int main(void)
{
  RUN(test_decisions);
  RUN(test_admin_remove);
  rmrf(tmpdir);
  return test_summary();
}
