/* store_test.c: the aggregator's LMDB store in a temporary directory. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_campaigns.h"
#include "hb_err.h"
#include "backup.h"
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
  snprintf(tmpdir, sizeof tmpdir, "/tmp/hb-store-XXXXXX");
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

static Huibao__V1__Activity act(const char *id, uint64_t version, uint32_t participants)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = (char *)id;
  a.version = version;
  a.campaign = "jf";
  a.has_level = a.has_kind = a.has_sessions = a.has_participants = 1;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  a.sessions = 1;
  a.participants = participants;
  return a;
}

/* A Record with the activity a or else the problem p as its body. */
static Huibao__V1__Record rec_of(Huibao__V1__Activity *a, Huibao__V1__Problem *p)
{
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  if (a) {
    r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    r.activity = a;
  } else {
    r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
    r.problem = p;
  }
  return r;
}

/* One record to put in a batch (store_batch_fn), and what the store said. */
typedef struct put_one {
  Huibao__V1__Activity *a;
  Huibao__V1__Problem *p;
  int code;
  uint64_t v;
  int fail;                /* returned after the put, to abandon the batch */
  Huibao__V1__Record *rec; /* instead of a / p: a record of any kind */
} put_one;

static int put_one_fn(store *s, void *arg)
{
  put_one *o = arg;
  const char *reason;
  Huibao__V1__Record r = o->rec ? *o->rec : rec_of(o->a, o->p);
  CHECK_EQ_INT(0, store_batch_put(s, &r, &o->code, &o->v, &reason));
  CHECK_EQ_INT(0, store_batch_sync(s, "xq-a", 1700000000));
  return o->fail;
}

/* Puts one record in its own batch and commits; returns the result code. */
static int put1(store *s, Huibao__V1__Activity *a, Huibao__V1__Problem *p, uint64_t *sv)
{
  char err[256];
  put_one o = {a, p, 0, 0, 0, NULL};
  CHECK_EQ_INT(0, store_batch_run(s, put_one_fn, &o, err, sizeof err));
  if (sv)
    *sv = o.v;
  return o.code;
}

static long verify_diffs(store *s)
{
  char err[256] = "";
  size_t n;
  return verify_store(s, stderr, &n, err, sizeof err);
}

static void test_versions(void)
{
  store *s;
  char err[256];
  CHECK_EQ_INT(0, store_open(&s, fresh_dir(), 0, 0, err, sizeof err));
  Huibao__V1__Activity a1 = act("A1", 100, 30);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, &a1, NULL, NULL));
  CHECK_EQ_INT(1, store_seq(s, "jf"));
  CHECK_EQ_INT(1700000000, store_last_sync(s, "xq-a"));
  const hb_agg *g = store_agg(s, "jf", "xq-a");
  CHECK(g != NULL);
  CHECK_EQ_INT(30, g ? g->act[1][1].participants : 0);
  /* same content, same or lower version: duplicate, nothing changes */
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, put1(s, &a1, NULL, NULL));
  a1.version = 50;
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, put1(s, &a1, NULL, NULL));
  CHECK_EQ_INT(1, store_seq(s, "jf"));
  /* other content at a lower version: stale, with the stored version */
  Huibao__V1__Activity a1b = act("A1", 99, 31);
  uint64_t sv = 0;
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STALE, put1(s, &a1b, NULL, &sv));
  CHECK_EQ_INT(100, sv);
  /* higher version: replaces, the aggregate moves by the delta */
  a1b.version = 101;
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, &a1b, NULL, NULL));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(1, g->records);
  CHECK_EQ_INT(31, g->act[1][1].participants);
  CHECK_EQ_INT(2, store_seq(s, "jf"));
  /* problem: status move, then campaign move */
  Huibao__V1__Problem p1 = prob("P1", 10, "jf", 2, "county");
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, NULL, &p1, NULL));
  Huibao__V1__Problem p1b = prob("P1", 11, "jf", 3, "county");
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, NULL, &p1b, NULL));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(1, g->problems);
  CHECK_EQ_INT(0, g->by_status[2]);
  CHECK_EQ_INT(1, g->by_status[3]);
  Huibao__V1__Problem p1c = prob("P1", 12, "zt", 3, "study");
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, NULL, &p1c, NULL));
  CHECK_EQ_INT(0, store_agg(s, "jf", "xq-a")->problems);
  CHECK_EQ_INT(1, store_agg(s, "zt", "xq-a")->problems);
  CHECK_EQ_INT(1, store_seq(s, "zt"));
  /* tombstone: the old contribution leaves; the empty aggregate goes away */
  Huibao__V1__Problem tomb = HUIBAO__V1__PROBLEM__INIT;
  tomb.unit = "xq-a";
  tomb.id = "P1";
  tomb.version = 13;
  tomb.has_deleted = 1;
  tomb.deleted = 1;
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, NULL, &tomb, NULL));
  CHECK(store_agg(s, "zt", "xq-a") == NULL);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, put1(s, NULL, &tomb, NULL));
  /* an older edit arriving after the deletion is stale */
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STALE, put1(s, NULL, &p1c, &sv));
  CHECK_EQ_INT(13, sv);
  CHECK_EQ_INT(0, verify_diffs(s));
  CHECK_EQ_INT(0, store_inconsistencies(s));
  store_close(s);

  /* reopen: aggregates and meta come back from LMDB, equal to recomputation */
  CHECK_EQ_INT(0, store_open(&s, tmpdir, 0, 0, err, sizeof err));
  CHECK_EQ_INT(31, store_agg(s, "jf", "xq-a")->act[1][1].participants);
  CHECK_EQ_INT(2, store_seq(s, "zt")); /* the move in, the tombstone */
  CHECK_EQ_INT(1700000000, store_last_sync(s, "xq-a"));
  CHECK_EQ_INT(0, verify_diffs(s));
  store_close(s);
  CHECK_EQ_INT(0, store_open_readonly(&s, tmpdir, err, sizeof err));
  CHECK_EQ_INT(0, verify_diffs(s));
  put_one none = {&a1, NULL, 0, 0, 0, NULL};
  CHECK_EQ_INT(HB_EINVAL, store_batch_run(s, put_one_fn, &none, err, sizeof err));
  store_close(s);
}

/* The store epoch: made at creation, kept across reopens (read-write and
 * read-only), new in a backup copy, and new again at the copy's first
 * read-write open (so a copy restored twice never repeats an epoch). */
static void test_epoch(void)
{
  store *s;
  char err[256];
  char dir[64];
  snprintf(dir, sizeof dir, "%s", fresh_dir());
  CHECK_EQ_INT(0, store_open(&s, dir, 0, 0, err, sizeof err));
  uint64_t e1 = store_epoch(s);
  CHECK(e1 != 0);
  Huibao__V1__Activity a1 = act("A1", 100, 30);
  put1(s, &a1, NULL, NULL);
  store_close(s);
  CHECK_EQ_INT(0, store_open(&s, dir, 0, 0, err, sizeof err));
  CHECK(store_epoch(s) == e1);
  store_close(s);
  CHECK_EQ_INT(0, store_open_readonly(&s, dir, err, sizeof err));
  CHECK(store_epoch(s) == e1);
  store_close(s);

  char out[96];
  snprintf(out, sizeof out, "%s/copy", dir);
  char *argv[] = {"backup", "--data", dir, "--out", out, NULL};
  CHECK_EQ_INT(0, backup_main(5, argv));
  CHECK_EQ_INT(0, store_open_readonly(&s, out, err, sizeof err));
  uint64_t ecopy = store_epoch(s);
  CHECK(ecopy != 0 && ecopy != e1);
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->records);
  store_close(s);

  char again[96];
  snprintf(again, sizeof again, "%s/again", dir);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "mkdir '%s' && cp '%s/data.mdb' '%s/'", again, out, again);
  CHECK_EQ_INT(0, system(cmd));
  CHECK_EQ_INT(0, store_open(&s, out, 0, 0, err, sizeof err));
  uint64_t e2 = store_epoch(s);
  CHECK(e2 != 0 && e2 != e1 && e2 != ecopy);
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->records);
  store_close(s);
  CHECK_EQ_INT(0, store_open(&s, out, 0, 0, err, sizeof err));
  CHECK(store_epoch(s) == e2); /* the renew mark is gone: kept from now on */
  store_close(s);
  CHECK_EQ_INT(0, store_open(&s, again, 0, 0, err, sizeof err)); /* restored a second time */
  uint64_t e3 = store_epoch(s);
  CHECK(e3 != 0 && e3 != e1 && e3 != ecopy && e3 != e2);
  store_close(s);
  CHECK_EQ_INT(0, store_open(&s, dir, 0, 0, err, sizeof err)); /* the original is untouched */
  CHECK(store_epoch(s) == e1);
  store_close(s);
}

static void test_abort_keeps_memory(void)
{
  store *s;
  char err[256];
  CHECK_EQ_INT(0, store_open(&s, fresh_dir(), 0, 0, err, sizeof err));
  Huibao__V1__Activity a1 = act("A1", 100, 30);
  put1(s, &a1, NULL, NULL);
  Huibao__V1__Activity a2 = act("A2", 100, 5);
  put_one o = {&a2, NULL, 0, 0, HB_EAGAIN, NULL};
  CHECK_EQ_INT(HB_EAGAIN, store_batch_run(s, put_one_fn, &o, err, sizeof err));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, o.code); /* put, then abandoned */
  CHECK_EQ_INT(1, store_agg(s, "jf", "xq-a")->records);
  CHECK_EQ_INT(1, store_seq(s, "jf"));
  CHECK_EQ_INT(0, verify_diffs(s));
  store_close(s);
}

/* Puts every record of recs[0..n) in one batch; counts the attempts. */
typedef struct put_many {
  Huibao__V1__Activity *recs;
  int n;
  int runs;
  int last_rc; /* of the last put */
} put_many;

static int put_many_fn(store *s, void *arg)
{
  put_many *m = arg;
  m->runs++;
  int rc = 0;
  for (int i = 0; i < m->n && rc == 0; i++) {
    int code;
    uint64_t v;
    const char *reason;
    Huibao__V1__Record r = rec_of(&m->recs[i], NULL);
    rc = store_batch_put(s, &r, &code, &v, &reason);
  }
  m->last_rc = rc;
  return rc;
}

static void test_map_full_grows(void)
{
  store *s;
  char err[256];
  CHECK_EQ_INT(0, store_open(&s, fresh_dir(), 64 * 1024, 0, err, sizeof err));
  enum { N = 3000 };
  static char ids[N][16];
  Huibao__V1__Activity *recs = calloc(N, sizeof *recs);
  for (int i = 0; i < N; i++) {
    snprintf(ids[i], sizeof ids[i], "A%05d", i);
    recs[i] = act(ids[i], 5, (uint32_t)i);
    recs[i].title = "集中学习 / a title long enough to fill pages quickly";
  }
  put_many m = {recs, N, 0, 0};
  int rc = store_batch_run(s, put_many_fn, &m, err, sizeof err);
  CHECK_EQ_INT(0, rc);
  int grows = m.runs - 1; /* every run after the first followed a growth */
  CHECK(grows >= 1);
  size_t used, map;
  store_usage(s, &used, &map);
  CHECK(map >= (64u * 1024) << grows);
  CHECK_EQ_INT(N, store_agg(s, "jf", "xq-a")->records);
  CHECK_EQ_INT((long long)N * (N - 1) / 2, store_agg(s, "jf", "xq-a")->act[1][1].participants);
  CHECK_EQ_INT(1, store_seq(s, "jf"));
  CHECK_EQ_INT(0, verify_diffs(s));
  store_close(s);
  /* a ceiling that stops growth: HB_EFULL, nothing stored */
  CHECK_EQ_INT(0, store_open(&s, fresh_dir(), 64 * 1024, 64 * 1024, err, sizeof err));
  m = (put_many){recs, N, 0, 0};
  rc = store_batch_run(s, put_many_fn, &m, err, sizeof err);
  CHECK_EQ_INT(HB_EFULL, m.last_rc);
  CHECK_EQ_INT(HB_EFULL, rc);
  CHECK_EQ_INT(1, m.runs); /* the map could not grow: not run again */
  CHECK_CONTAINS(err, "cannot grow");
  store_usage(s, &used, &map);
  CHECK_EQ_INT(64 * 1024, map);
  CHECK(store_agg(s, "jf", "xq-a") == NULL);
  store_close(s);
  free(recs);
}

/* One admin removal (store_batch_fn of store_admin tests). */
typedef struct rm_one {
  const char *unit, *id;
  char kind;
  uint64_t version;
  size_t removed; /* reset-unit when id is NULL */
} rm_one;

static int rm_one_fn(store *s, void *arg)
{
  rm_one *o = arg;
  if (!o->id)
    return store_batch_remove_unit(s, o->unit, &o->removed);
  return store_batch_remove(s, o->unit, o->kind, o->id, &o->version);
}

/* Per-unit quota: growth past records or bytes is REJECTED with the
 * figures; replacing a record by one no larger passes. */
static void test_quota(void)
{
  store *s;
  char err[256];
  CHECK_EQ_INT(0, store_open(&s, fresh_dir(), 0, 0, err, sizeof err));
  store_set_quota(s, 2, 1 << 20);
  Huibao__V1__Activity a1 = act("A1", 10, 5), a2 = act("A2", 10, 6), a3 = act("A3", 10, 7);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, &a1, NULL, NULL));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, &a2, NULL, NULL));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, put1(s, &a3, NULL, NULL));
  uint64_t recs, bytes;
  store_usage_of(s, "xq-a", &recs, &bytes);
  CHECK_EQ_INT(2, recs);
  CHECK(bytes > 0);
  Huibao__V1__Activity a1b = act("A1", 11, 9); /* same size: passes */
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, &a1b, NULL, NULL));
  store_set_quota(s, 10, bytes);
  Huibao__V1__Activity a1c = act("A1", 12, 9);
  a1c.title = "a longer record than before";
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, put1(s, &a1c, NULL, NULL));
  store_close(s);
  /* usage is counted again at the next open */
  CHECK_EQ_INT(0, store_open(&s, tmpdir, 0, 0, err, sizeof err));
  uint64_t recs2, bytes2;
  store_usage_of(s, "xq-a", &recs2, &bytes2);
  CHECK_EQ_INT(2, recs2);
  CHECK(bytes2 == bytes);
  store_close(s);
}

/* An admin's removal (a second store handle on the same folder, as
 * `huibao-aggregator admin` in another process): records, aggregates, seq
 * and usage move in one transaction, the service's handle notices at its
 * next poll (or its next batch) and verify passes. */
static void test_admin_remove(void)
{
  store *svc, *adm;
  char err[256];
  CHECK_EQ_INT(0, store_open(&svc, fresh_dir(), 0, 0, err, sizeof err));
  Huibao__V1__Activity a1 = act("A1", 10, 5), a2 = act("A2", 10, 6);
  Huibao__V1__Problem p1 = prob("P1", 10, "jf", HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED, "c1");
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(svc, &a1, NULL, NULL));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(svc, &a2, NULL, NULL));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(svc, NULL, &p1, NULL));
  uint64_t seq0 = store_seq(svc, "jf");

  CHECK_EQ_INT(0, store_open(&adm, tmpdir, 0, 0, err, sizeof err));
  store_set_admin(adm);
  rm_one o = {"xq-a", "A1", 'A', 0, 0};
  CHECK_EQ_INT(0, store_batch_run(adm, rm_one_fn, &o, err, sizeof err));
  CHECK_EQ_INT(10, o.version);
  rm_one none = {"xq-a", "A1", 'P', 0, 0};
  CHECK_EQ_INT(HB_ENOTFOUND, store_batch_run(adm, rm_one_fn, &none, err, sizeof err));

  bool changed = false;
  CHECK_EQ_INT(0, store_poll_external(svc, &changed, err, sizeof err));
  CHECK(changed);
  CHECK_EQ_INT(seq0 + 1, store_seq(svc, "jf"));
  const hb_agg *g = store_agg(svc, "jf", "xq-a");
  CHECK_EQ_INT(6, g ? g->act[1][1].participants : 0);
  CHECK_EQ_INT(0, verify_diffs(svc));
  CHECK_EQ_INT(0, store_poll_external(svc, &changed, err, sizeof err));
  CHECK(!changed);

  /* a batch of the service right after an admin change, before any poll:
   * it reloads inside its transaction, so the admin's removal holds */
  rm_one all = {"xq-a", NULL, 0, 0, 0};
  CHECK_EQ_INT(0, store_batch_run(adm, rm_one_fn, &all, err, sizeof err));
  CHECK_EQ_INT(2, all.removed);
  Huibao__V1__Activity a3 = act("A3", 10, 7);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(svc, &a3, NULL, NULL));
  g = store_agg(svc, "jf", "xq-a");
  CHECK_EQ_INT(7, g ? g->act[1][1].participants : 0);
  CHECK_EQ_INT(0, verify_diffs(svc));
  uint64_t recs, bytes;
  store_usage_of(svc, "xq-a", &recs, &bytes);
  CHECK_EQ_INT(1, recs);
  /* the record removed by unlock can be stored again at any version */
  Huibao__V1__Activity again = act("A1", 1, 5);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(svc, &again, NULL, NULL));
  CHECK_EQ_INT(0, verify_diffs(svc));
  store_close(adm);
  store_close(svc);
}

static Huibao__V1__Indicator sind(const char *id, uint64_t version, const char *code, int64_t v)
{
  Huibao__V1__Indicator r = HUIBAO__V1__INDICATOR__INIT;
  r.unit = "xq-a";
  r.id = (char *)id;
  r.version = version;
  r.campaign = "jf";
  r.indicator = (char *)code;
  r.has_value = 1;
  r.value = v;
  return r;
}

static Huibao__V1__Case scase(const char *id, uint64_t version, int type)
{
  Huibao__V1__Case r = HUIBAO__V1__CASE__INIT;
  r.unit = "xq-a";
  r.id = (char *)id;
  r.version = version;
  r.campaign = "jf";
  r.has_type = 1;
  r.type = (Huibao__V1__CaseType)type;
  r.title = "典型";
  return r;
}

/* Puts an indicator (i) or a case (c) in its own batch. */
static int put_ic(store *s, Huibao__V1__Indicator *i, Huibao__V1__Case *c, uint64_t *sv)
{
  char err[256];
  Huibao__V1__Record rec = HUIBAO__V1__RECORD__INIT;
  if (i) {
    rec.body_case = HUIBAO__V1__RECORD__BODY_INDICATOR;
    rec.indicator = i;
  } else {
    rec.body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW;
    rec.case_row = c;
  }
  put_one o = {NULL, NULL, 0, 0, 0, &rec};
  CHECK_EQ_INT(0, store_batch_run(s, put_one_fn, &o, err, sizeof err));
  if (sv)
    *sv = o.v;
  return o.code;
}

/* Indicators and cases: versions, duplicates, stale, edits, tombstones,
 * admin removal and verify as for activities and problems; the same id may
 * name an activity, an indicator and a case (kinds 'A', 'I', 'C'). */
static void test_indicators_cases(void)
{
  store *s;
  char err[256];
  CHECK_EQ_INT(0, store_open(&s, fresh_dir(), 0, 0, err, sizeof err));
  Huibao__V1__Indicator i1 = sind("X1", 10, "juanzhu", 1000), i2 = sind("X2", 10, "juanzhu", 2000);
  Huibao__V1__Case c1 = scase("X1", 10, 1);
  Huibao__V1__Activity a1 = act("X1", 10, 3);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put_ic(s, &i1, NULL, NULL));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put_ic(s, &i2, NULL, NULL));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put_ic(s, NULL, &c1, NULL));
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put1(s, &a1, NULL, NULL));
  const hb_agg *g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(3000, g ? hb_agg_indicator(g, "juanzhu")->value : 0);
  CHECK_EQ_INT(1, g ? g->cases : 0);
  CHECK_EQ_INT(1, g ? g->records : 0);
  uint64_t seq = store_seq(s, "jf");
  /* the same again: duplicate; other content at the same version: stale */
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, put_ic(s, &i1, NULL, NULL));
  Huibao__V1__Indicator i1s = sind("X1", 10, "juanzhu", 9999);
  uint64_t sv = 0;
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STALE, put_ic(s, &i1s, NULL, &sv));
  CHECK_EQ_INT(10, sv);
  CHECK_EQ_INT(seq, store_seq(s, "jf"));
  /* an edit moves the sum by the difference; a case changes type */
  Huibao__V1__Indicator i1e = sind("X1", 11, "juanzhu", 1500);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put_ic(s, &i1e, NULL, NULL));
  Huibao__V1__Case c1e = scase("X1", 11, 3);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put_ic(s, NULL, &c1e, NULL));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(3500, g ? hb_agg_indicator(g, "juanzhu")->value : 0);
  CHECK_EQ_INT(2, g ? hb_agg_indicator(g, "juanzhu")->records : 0);
  CHECK_EQ_INT(0, g ? g->by_case[1] : 9);
  CHECK_EQ_INT(1, g ? g->by_case[3] : 0);
  CHECK_EQ_INT(0, verify_diffs(s));
  /* a tombstone takes it out */
  Huibao__V1__Indicator i2d = HUIBAO__V1__INDICATOR__INIT;
  i2d.unit = "xq-a";
  i2d.id = "X2";
  i2d.version = 12;
  i2d.has_deleted = i2d.deleted = 1;
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, put_ic(s, &i2d, NULL, NULL));
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(1500, g ? hb_agg_indicator(g, "juanzhu")->value : 0);
  CHECK_EQ_INT(0, verify_diffs(s));
  /* an indicator without its code cannot be counted */
  Huibao__V1__Indicator bad = sind("X3", 10, NULL, 1);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, put_ic(s, &bad, NULL, NULL));
  store_close(s);
  /* reopened: the aggregates read back equal; the admin removes a case */
  CHECK_EQ_INT(0, store_open(&s, tmpdir, 0, 0, err, sizeof err));
  CHECK_EQ_INT(0, verify_diffs(s));
  store_set_admin(s);
  rm_one o = {"xq-a", "X1", 'C', 0, 0};
  CHECK_EQ_INT(0, store_batch_run(s, rm_one_fn, &o, err, sizeof err));
  CHECK_EQ_INT(11, o.version);
  g = store_agg(s, "jf", "xq-a");
  CHECK_EQ_INT(0, g ? g->cases : 9);
  CHECK_EQ_INT(1, g ? g->records : 0); /* the activity X1 stays */
  CHECK_EQ_INT(1500, g ? hb_agg_indicator(g, "juanzhu")->value : 0);
  CHECK_EQ_INT(0, verify_diffs(s));
  rm_one all = {"xq-a", NULL, 0, 0, 0};
  CHECK_EQ_INT(0, store_batch_run(s, rm_one_fn, &all, err, sizeof err));
  CHECK_EQ_INT(3, all.removed); /* A X1, I X1, I X2 (tombstone) */
  CHECK(store_agg(s, "jf", "xq-a") == NULL);
  store_close(s);
}

/* One batch of activities alternating between units and campaigns, and
 * back (issue 17: store_work_get answers the last pair first): each
 * aggregate counts its own records only. */
static int work_pairs_fn(store *s, void *arg)
{
  (void)arg;
  static const char *const pairs[][2] = {{"xq-a", "jf"}, {"xq-a", "jf"}, {"xq-b", "jf"},
                                         {"xq-a", "zz"}, {"xq-a", "jf"}, {"xq-b", "zz"}};
  for (int i = 0; i < 12; i++) {
    char id[16];
    snprintf(id, sizeof id, "W%02d", i);
    Huibao__V1__Activity a = act(id, 10, (uint32_t)(1 + i));
    a.unit = (char *)pairs[i % 6][0];
    a.campaign = (char *)pairs[i % 6][1];
    Huibao__V1__Record r = rec_of(&a, NULL);
    int code;
    uint64_t v;
    const char *reason;
    CHECK_EQ_INT(0, store_batch_put(s, &r, &code, &v, &reason));
    CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, code);
  }
  return 0;
}

static void test_work_pairs(void)
{
  store *s;
  char err[256];
  CHECK_EQ_INT(0, store_open(&s, fresh_dir(), 0, 0, err, sizeof err));
  CHECK_EQ_INT(0, store_batch_run(s, work_pairs_fn, NULL, err, sizeof err));
  const hb_agg *aj = store_agg(s, "jf", "xq-a"), *bj = store_agg(s, "jf", "xq-b"),
               *az = store_agg(s, "zz", "xq-a"), *bz = store_agg(s, "zz", "xq-b");
  CHECK_EQ_INT(6, aj ? aj->records : 0);
  CHECK_EQ_INT(2, bj ? bj->records : 0);
  CHECK_EQ_INT(2, az ? az->records : 0);
  CHECK_EQ_INT(2, bz ? bz->records : 0);
  /* participants 1 + i of i = 0, 1, 4, 6, 7, 10 */
  CHECK_EQ_INT(1 + 2 + 5 + 7 + 8 + 11, aj ? aj->act[1][1].participants : 0);
  const char *const *ids; /* each changed campaign once */
  CHECK_EQ_INT(2, store_changed(s, &ids));
  CHECK(strcmp(ids[0], "jf") == 0 && strcmp(ids[1], "zz") == 0);
  CHECK_EQ_INT(0, verify_diffs(s));
  store_close(s);
}

/* One step of test_batch_cursors: a version of a record of kind "APIC"[k]
 * (id K<id>, version v; a problem's status st, deleted when del), or the
 * admin removal of a record (rm). */
typedef struct cstep {
  int k, id, rm, del;
  uint64_t v;
  int st;
  int bad; /* an indicator without its code: refused (issue 17: its key put, then taken out) */
} cstep;

typedef struct csteps {
  const cstep *steps;
  size_t from, to; /* the steps this batch runs */
} csteps;

static int csteps_fn(store *s, void *arg)
{
  const csteps *c = arg;
  store_batch_clock(s, 1700000000); /* review entries and history: the same times */
  for (size_t i = c->from; i < c->to; i++) {
    const cstep *t = &c->steps[i];
    char id[16];
    snprintf(id, sizeof id, "K%05d", t->id);
    if (t->rm) {
      uint64_t version;
      int rc = store_batch_remove(s, "xq-a", "APIC"[t->k], id, &version);
      CHECK_EQ_INT(0, rc);
      continue;
    }
    Huibao__V1__Activity a = act(id, t->v, (uint32_t)t->id);
    Huibao__V1__Problem p = prob(id, t->v, "jf", t->st, "c1");
    Huibao__V1__Indicator in = sind(id, t->v, t->bad ? NULL : "juanzhu", t->id);
    Huibao__V1__Case cs = scase(id, t->v, 1 + t->id % 3);
    p.has_deleted = p.deleted = t->del;
    Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT; /* the body is a oneof */
    if (t->k == 0)
      r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY, r.activity = &a;
    else if (t->k == 1)
      r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM, r.problem = &p;
    else if (t->k == 2)
      r.body_case = HUIBAO__V1__RECORD__BODY_INDICATOR, r.indicator = &in;
    else
      r.body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW, r.case_row = &cs;
    int code;
    uint64_t sv;
    const char *reason;
    CHECK_EQ_INT(0, store_batch_put(s, &r, &code, &sv, &reason));
    CHECK_EQ_INT(t->bad ? HUIBAO__V1__RESULT_CODE__REJECTED : HUIBAO__V1__RESULT_CODE__STORED,
                 code);
    if (code != HUIBAO__V1__RESULT_CODE__STORED && !t->bad)
      fprintf(stderr, "step %zu (%c %s v%llu): %s\n", i, "APIC"[t->k], id,
              (unsigned long long)t -> v, reason ? reason : "-");
  }
  return 0;
}

/* Every key and value of db dbi, concatenated with their lengths into a
 * malloc'd buffer (*len bytes). */
static uint8_t *db_bytes(store *s, MDB_dbi dbi, size_t *len, size_t *entries)
{
  store_dbs d;
  store_dbs_get(s, &d);
  MDB_txn *txn;
  MDB_cursor *cur;
  MDB_val k, v;
  uint8_t *out = NULL;
  *len = *entries = 0;
  CHECK_EQ_INT(0, mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn));
  CHECK_EQ_INT(0, mdb_cursor_open(txn, dbi, &cur));
  for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    out = realloc(out, *len + 16 + k.mv_size + v.mv_size);
    if (!out)
      abort();
    memcpy(out + *len, &k.mv_size, 8);
    memcpy(out + *len + 8, k.mv_data, k.mv_size);
    memcpy(out + *len + 8 + k.mv_size, &v.mv_size, 8);
    memcpy(out + *len + 16 + k.mv_size, v.mv_data, v.mv_size);
    *len += 16 + k.mv_size + v.mv_size;
    (*entries)++;
  }
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  return out;
}

/* The batch's cursors (records per kind, review, log): the same steps in
 * one batch and in one batch each leave the same bytes in records, gone
 * and review, and the same aggregates: versions of the four kinds
 * alternating, enough to split pages, new versions of records stored
 * earlier in the same batch and before it, resolved problems (review
 * entries written and read in the batch), deleted problems (deletion
 * requests), removals, and a removed record stored again. */
static void test_batch_cursors(void)
{
  enum { N = 1600 };
  static cstep steps[3 * N];
  size_t n = 0;
  for (int i = 0; i < N; i++) /* first versions, the kinds alternating */
    steps[n++] = (cstep){i % 4, i, 0, 0, 10, 1 + i % 3, 0};
  for (int i = 0; i < N; i += 3) /* new versions, some of them new records */
    steps[n++] = (cstep){i % 4, i % 5 == 0 ? i + N : i, 0, 0, 11, 3, 0};
  for (int i = 1; i < N; i += 97) {
    steps[n++] = (cstep){i % 4, i, 1, 0, 0, 0, 0}; /* removed */
    if (i % 2)
      steps[n++] = (cstep){i % 4, i, 0, 0, 20, 3, 0}; /* and stored again */
  }
  for (int i = 5; i < N; i += 8) /* problems deleted: deletion requests */
    steps[n++] = (cstep){1, i, 0, 1, 30, 3, 0};
  for (int i = 5; i < N; i += 24) /* some of them restored by the unit */
    steps[n++] = (cstep){1, i, 0, 0, 31, 2, 0};
  for (int i = 0; i < N; i += 50) { /* refused new records, between stored ones */
    steps[n++] = (cstep){2, 3 * N + i, 0, 0, 40, 0, 1};
    steps[n++] = (cstep){2, 3 * N + i + 1, 0, 0, 40, 0, 0};
  }
  static const char ini[] = "[jf]\nname = J\nstart = 2022-01-01\nend = 2022-12-31\n";
  hb_campaigns camps = {0};
  hb_diags dg;
  hb_diags_init(&dg);
  CHECK_EQ_INT(0, hb_campaigns_parse("c.ini", ini, strlen(ini), &camps, &dg));
  hb_diags_free(&dg);
  char err[256];
  store *one, *each;
  CHECK_EQ_INT(0, store_open(&one, fresh_dir(), 0, 0, err, sizeof err));
  store_campaigns_set(one, &camps);
  store_set_admin(one);
  csteps all = {steps, 0, n};
  CHECK_EQ_INT(0, store_batch_run(one, csteps_fn, &all, err, sizeof err));
  char dir_one[64];
  snprintf(dir_one, sizeof dir_one, "%s", tmpdir);
  tmpdir[0] = '\0'; /* keep it: fresh_dir removes the last one */
  CHECK_EQ_INT(0, store_open(&each, fresh_dir(), 0, 0, err, sizeof err));
  store_campaigns_set(each, &camps);
  store_set_admin(each);
  for (size_t i = 0; i < n; i++) {
    csteps c = {steps, i, i + 1};
    CHECK_EQ_INT(0, store_batch_run(each, csteps_fn, &c, err, sizeof err));
  }
  store_dbs d1, d2;
  store_dbs_get(one, &d1);
  store_dbs_get(each, &d2);
  MDB_dbi dbis[4][2] = {
      {d1.records, d2.records}, {d1.gone, d2.gone}, {d1.review, d2.review}, {d1.log, d2.log}};
  size_t want_min[4] = {N, 8, 100, N + N / 3}; /* the paths were taken */
  for (int i = 0; i < 4; i++) {
    size_t l1, l2, e1, e2;
    uint8_t *b1 = db_bytes(one, dbis[i][0], &l1, &e1), *b2 = db_bytes(each, dbis[i][1], &l2, &e2);
    CHECK_EQ_INT(e1, e2);
    CHECK(e1 >= want_min[i]);
    CHECK_EQ_INT(l1, l2);
    CHECK(l1 == l2 && (l1 == 0 || memcmp(b1, b2, l1) == 0));
    free(b1);
    free(b2);
  }
  /* a refused record left no key (the one after it did) */
  MDB_txn *rt;
  CHECK_EQ_INT(0, mdb_txn_begin(d1.env, NULL, MDB_RDONLY, &rt));
  for (int i = 0; i < N; i += 50)
    for (int j = 0; j < 2; j++) {
      char key[32];
      int kl = snprintf(key, sizeof key, "xq-a%cIK%05d", '\0', 3 * N + i + j);
      MDB_val k = {(size_t)kl, key}, v;
      CHECK_EQ_INT(j ? 0 : MDB_NOTFOUND, mdb_get(rt, d1.records, &k, &v));
    }
  mdb_txn_abort(rt);
  const hb_agg *g1 = store_agg(one, "jf", "xq-a"), *g2 = store_agg(each, "jf", "xq-a");
  CHECK(g1 && g2);
  CHECK_EQ_INT(g1 ? g1->records : 0, g2 ? g2->records : 1);
  CHECK_EQ_INT(g1 ? g1->cases : 0, g2 ? g2->cases : 1);
  CHECK_EQ_INT(g1 ? hb_agg_indicator(g1, "juanzhu")->value : 0,
               g2 ? hb_agg_indicator(g2, "juanzhu")->value : 1);
  uint64_t h1n, h2n;
  uint8_t h1[32], h2[32];
  store_log_head(one, &h1n, h1);
  store_log_head(each, &h2n, h2);
  CHECK_EQ_INT(h1n, h2n);
  CHECK(memcmp(h1, h2, 32) == 0);
  CHECK_EQ_INT(0, verify_diffs(one));
  CHECK_EQ_INT(0, verify_diffs(each));
  store_close(one);
  store_close(each);
  hb_campaigns_free(&camps);
  rmrf(dir_one);
}

int main(void)
{
  RUN(test_versions);
  RUN(test_epoch);
  RUN(test_abort_keeps_memory);
  RUN(test_map_full_grows);
  RUN(test_quota);
  RUN(test_work_pairs);
  RUN(test_admin_remove);
  RUN(test_indicators_cases);
  RUN(test_batch_cursors);
  if (tmpdir[0])
    rmrf(tmpdir);
  return test_summary();
}
