/* state_test.c: the agent's LMDB state on a real LMDB in a temporary folder. */
#include "state.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb_err.h"
#include "hb_wire.h"
#include "test.h"

#define T0 1700000000000000LL /* a fixed "now" in microseconds */

/* A small hand-made ledger: activities A1..An, problems P1..Pm. */
typedef struct fixture {
  char dir[64];
  agent_state *s;
  hb_ledger l;
  Huibao__V1__Activity acts[8];
  Huibao__V1__Activity *actp[8];
  Huibao__V1__Problem probs[8];
  Huibao__V1__Problem *probp[8];
  char ids[16][24];
  char *invalid[4];
} fixture;

static void fixture_init(fixture *f, size_t nact, size_t nprob)
{
  memset(f, 0, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/hb-state-test-XXXXXX");
  CHECK(mkdtemp(f->dir) != NULL);
  char err[256] = "";
  CHECK_EQ_INT(0, agent_state_open(&f->s, f->dir, "xq-dlz", err, sizeof err));
  for (size_t i = 0; i < nact; i++) {
    Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
    snprintf(f->ids[i], sizeof f->ids[i], "A%zu", i + 1);
    a.unit = "xq-dlz";
    a.id = f->ids[i];
    a.campaign = "jiefang-2022";
    a.has_date = 1;
    a.date = 19200;
    a.has_kind = 1;
    a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
    a.has_participants = 1;
    a.participants = 10 + (uint32_t)i;
    f->acts[i] = a;
    f->actp[i] = &f->acts[i];
  }
  for (size_t i = 0; i < nprob; i++) {
    Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
    snprintf(f->ids[8 + i], sizeof f->ids[8 + i], "P%zu", i + 1);
    p.unit = "xq-dlz";
    p.id = f->ids[8 + i];
    p.campaign = "jiefang-2022";
    p.has_status = 1;
    p.status = HUIBAO__V1__PROBLEM_STATUS__RECTIFYING;
    f->probs[i] = p;
    f->probp[i] = &f->probs[i];
  }
  f->l.activities = f->actp;
  f->l.nactivities = nact;
  f->l.problems = f->probp;
  f->l.nproblems = nprob;
  f->l.invalid_ids = f->invalid;
}

static void fixture_free(fixture *f)
{
  agent_state_close(f->s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  CHECK_EQ_INT(0, system(cmd));
}

/* Collects the outbox: keys and unpacked records. */
typedef struct outbox_list {
  size_t n;
  char keys[32][AGENT_KEY_MAX + 1];
  Huibao__V1__Record *recs[32];
} outbox_list;

static int collect(void *arg, const uint8_t *key, size_t keylen, const uint8_t *val, size_t vallen)
{
  outbox_list *o = arg;
  if (o->n >= 32)
    return 1;
  memcpy(o->keys[o->n], key, keylen);
  o->keys[o->n][keylen] = '\0';
  o->recs[o->n] = huibao__v1__record__unpack(NULL, vallen, val);
  o->n++;
  return 0;
}

static void outbox_read(fixture *f, outbox_list *o)
{
  size_t visited;
  memset(o, 0, sizeof *o);
  CHECK_EQ_INT(0, agent_state_outbox_scan(f->s, NULL, 0, 100, collect, o, &visited));
  CHECK_EQ_INT(o->n, visited);
}

static void outbox_free(outbox_list *o)
{
  for (size_t i = 0; i < o->n; i++)
    if (o->recs[i])
      huibao__v1__record__free_unpacked(o->recs[i], NULL);
}

static uint64_t rec_version(const Huibao__V1__Record *r)
{
  return r->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY ? r->activity->version
                                                           : r->problem->version;
}

/* Acks every outbox entry with code (STORED by default). */
static void ack_all(fixture *f, int code)
{
  outbox_list o;
  outbox_read(f, &o);
  agent_result r[32];
  for (size_t i = 0; i < o.n; i++)
    r[i] =
        (agent_result){(const uint8_t *)o.keys[i], strlen(o.keys[i]), o.recs[i]->seq, code, 0, 0};
  CHECK_EQ_INT(0, agent_state_apply(f->s, r, o.n, T0));
  outbox_free(&o);
}

static void test_first_diff_puts_all_rows(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(5, st.added);
  CHECK_EQ_INT(0, st.changed);
  CHECK_EQ_INT(5, agent_state_outbox_count(f.s));
  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(5, o.n);
  CHECK_EQ_STR("AA1", o.keys[0]);
  CHECK_EQ_STR("PP2", o.keys[4]);
  CHECK(o.recs[0] != NULL);
  if (o.recs[0]) {
    CHECK_EQ_INT(HUIBAO__V1__RECORD__BODY_ACTIVITY, o.recs[0]->body_case);
    CHECK_EQ_STR("xq-dlz", o.recs[0]->activity->unit);
    CHECK_EQ_INT(10, o.recs[0]->activity->participants);
    CHECK_EQ_INT(T0, o.recs[0]->activity->version);
    CHECK_EQ_INT(1, o.recs[0]->seq);
  }
  if (o.recs[4]) {
    CHECK_EQ_INT(T0 + 4, o.recs[4]->problem->version);
    CHECK_EQ_INT(5, o.recs[4]->seq);
  }
  CHECK_EQ_INT(T0 + 4, agent_state_floor(f.s));
  CHECK_EQ_INT(6, agent_state_next_seq(f.s));
  outbox_free(&o);
  fixture_free(&f);
}

static void test_same_ledger_twice_puts_nothing(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0 + 100, &st));
  CHECK_EQ_INT(0, st.added + st.changed + st.tombstones);
  CHECK_EQ_INT(5, st.unchanged);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
  fixture_free(&f);
}

static void test_edit_puts_that_row_with_higher_version(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  f.probs[1].status = HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  /* The clock went back: the version still grows above the floor. */
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0 - 1000000, &st));
  CHECK_EQ_INT(1, st.changed);
  CHECK_EQ_INT(4, st.unchanged);
  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(1, o.n);
  CHECK_EQ_STR("PP2", o.keys[0]);
  if (o.recs[0]) {
    CHECK_EQ_INT(T0 + 5, rec_version(o.recs[0]));
    CHECK_EQ_INT(HUIBAO__V1__PROBLEM_STATUS__RESOLVED, o.recs[0]->problem->status);
    CHECK_EQ_INT(6, o.recs[0]->seq);
  }
  uint64_t v = 0;
  int del = -1;
  CHECK_EQ_INT(0, agent_state_known_get(f.s, (const uint8_t *)"PP2", 3, &v, &del));
  CHECK_EQ_INT(T0 + 5, v);
  CHECK_EQ_INT(0, del);
  outbox_free(&o);
  fixture_free(&f);
}

static void test_pending_edit_replaces_older_pending(void)
{
  fixture f;
  fixture_init(&f, 2, 0);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  f.acts[0].participants = 99;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(2, o.n);
  if (o.recs[0]) {
    CHECK_EQ_INT(99, o.recs[0]->activity->participants);
    CHECK_EQ_INT(3, o.recs[0]->seq);
  }
  outbox_free(&o);
  fixture_free(&f);
}

static void test_removed_row_becomes_tombstone_once(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  f.l.nactivities = 2; /* A3 removed */
  f.l.nproblems = 1;   /* P2 removed */
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(2, st.tombstones);
  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(2, o.n);
  CHECK_EQ_STR("AA3", o.keys[0]);
  CHECK_EQ_STR("PP2", o.keys[1]);
  if (o.recs[0] && o.recs[1]) {
    CHECK_EQ_INT(1, o.recs[0]->activity->deleted);
    CHECK_EQ_STR("A3", o.recs[0]->activity->id);
    CHECK_EQ_STR("xq-dlz", o.recs[0]->activity->unit);
    CHECK(o.recs[0]->activity->campaign == NULL);
    CHECK_EQ_INT(T0 + 5, o.recs[0]->activity->version);
    CHECK_EQ_INT(1, o.recs[1]->problem->deleted);
    CHECK_EQ_INT(T0 + 6, o.recs[1]->problem->version);
  }
  outbox_free(&o);
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(0, st.tombstones);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));

  /* The row comes back: new content again, above the tombstone's version. */
  f.l.nactivities = 3;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(1, st.added);
  outbox_read(&f, &o);
  CHECK_EQ_INT(1, o.n);
  if (o.recs[0]) {
    CHECK_EQ_INT(0, o.recs[0]->activity->deleted);
    CHECK_EQ_INT(T0 + 7, o.recs[0]->activity->version);
  }
  outbox_free(&o);
  fixture_free(&f);
}

static void test_invalid_ids_are_not_tombstoned(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  /* A2 and P1 turned invalid (left out of the rows, listed as invalid). */
  f.acts[1] = f.acts[2];
  f.l.nactivities = 2;
  f.probs[0] = f.probs[1];
  f.l.nproblems = 1;
  f.invalid[0] = "A:A2";
  f.invalid[1] = "P:P1";
  f.l.ninvalid = 2;
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(0, st.tombstones);
  CHECK_EQ_INT(3, st.unchanged);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
  fixture_free(&f);
}

static void test_incomplete_table_is_not_tombstoned(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  /* problems.csv could not be read (no rows), activities.csv lost A3. */
  f.l.nproblems = 0;
  f.l.problems_incomplete = 1;
  f.l.nactivities = 2;
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(1, st.tombstones);
  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(1, o.n);
  CHECK_EQ_STR("AA3", o.keys[0]);
  outbox_free(&o);
  fixture_free(&f);
}

static void test_ack_removes_only_the_acked_seq(void)
{
  fixture f;
  fixture_init(&f, 2, 0);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL)); /* A1 seq 1, A2 seq 2 */
  f.acts[0].participants = 77;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL)); /* A1 seq 3 */
  agent_result r[3] = {
      {(const uint8_t *)"AA1", 3, 1, HUIBAO__V1__RESULT_CODE__STORED, 0, 0},
      {(const uint8_t *)"AA2", 3, 2, HUIBAO__V1__RESULT_CODE__DUPLICATE, 0, 0},
      {(const uint8_t *)"AA9", 3, 9, HUIBAO__V1__RESULT_CODE__STORED, 0, 0},
  };
  CHECK_EQ_INT(0, agent_state_apply(f.s, r, 3, T0));
  CHECK_EQ_INT(AGENT_SUPERSEDED, r[0].outcome);
  CHECK_EQ_INT(AGENT_DONE, r[1].outcome);
  CHECK_EQ_INT(AGENT_SUPERSEDED, r[2].outcome);
  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(1, o.n);
  CHECK_EQ_STR("AA1", o.keys[0]);
  if (o.recs[0])
    CHECK_EQ_INT(77, o.recs[0]->activity->participants);
  outbox_free(&o);
  fixture_free(&f);
}

static void test_rejected_leaves_known_so_next_run_resends(void)
{
  fixture f;
  fixture_init(&f, 2, 0);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  agent_result r[2] = {
      {(const uint8_t *)"AA1", 3, 1, HUIBAO__V1__RESULT_CODE__REJECTED, 0, 0},
      {(const uint8_t *)"AA2", 3, 2, HUIBAO__V1__RESULT_CODE__STORED, 0, 0},
  };
  CHECK_EQ_INT(0, agent_state_apply(f.s, r, 2, T0));
  CHECK_EQ_INT(AGENT_DONE, r[0].outcome);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
  uint64_t v;
  int del;
  CHECK_EQ_INT(HB_ENOTFOUND, agent_state_known_get(f.s, (const uint8_t *)"AA1", 3, &v, &del));
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(1, st.added);
  CHECK_EQ_INT(1, st.unchanged);
  CHECK_EQ_INT(0, st.tombstones);
  fixture_free(&f);
}

static void test_stale_bumps_version_above_stored(void)
{
  fixture f;
  fixture_init(&f, 1, 0);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  agent_result r = {(const uint8_t *)"AA1", 3, 1, HUIBAO__V1__RESULT_CODE__STALE, T0 + 5000000, 0};
  CHECK_EQ_INT(0, agent_state_apply(f.s, &r, 1, T0));
  CHECK_EQ_INT(AGENT_RESEND, r.outcome);
  CHECK_EQ_INT(T0 + 5000001, agent_state_floor(f.s));
  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(1, o.n);
  if (o.recs[0]) {
    CHECK_EQ_INT(T0 + 5000001, o.recs[0]->activity->version);
    CHECK_EQ_INT(2, o.recs[0]->seq);
    CHECK_EQ_INT(10, o.recs[0]->activity->participants);
  }
  outbox_free(&o);
  uint64_t v;
  int del;
  CHECK_EQ_INT(0, agent_state_known_get(f.s, (const uint8_t *)"AA1", 3, &v, &del));
  CHECK_EQ_INT(T0 + 5000001, v);
  /* Acked at the new seq: done; the old seq would have been ignored. */
  agent_result old = {(const uint8_t *)"AA1", 3, 1, HUIBAO__V1__RESULT_CODE__STORED, 0, 0};
  CHECK_EQ_INT(0, agent_state_apply(f.s, &old, 1, T0));
  CHECK_EQ_INT(AGENT_SUPERSEDED, old.outcome);
  agent_result now = {(const uint8_t *)"AA1", 3, 2, HUIBAO__V1__RESULT_CODE__STORED, 0, 0};
  CHECK_EQ_INT(0, agent_state_apply(f.s, &now, 1, T0));
  CHECK_EQ_INT(AGENT_DONE, now.outcome);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
  /* Unchanged afterwards. */
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(1, st.unchanged);
  fixture_free(&f);
}

static void test_state_survives_reopen_and_refuses_other_unit(void)
{
  fixture f;
  fixture_init(&f, 2, 0);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  agent_state_close(f.s);
  char err[256] = "";
  CHECK_EQ_INT(HB_EINVAL, agent_state_open(&f.s, f.dir, "xq-other", err, sizeof err));
  CHECK_CONTAINS(err, "holds the state of unit xq-dlz, not xq-other");
  CHECK_EQ_INT(0, agent_state_open(&f.s, f.dir, "xq-dlz", err, sizeof err));
  CHECK_EQ_INT(T0 + 1, agent_state_floor(f.s));
  CHECK_EQ_INT(3, agent_state_next_seq(f.s));
  CHECK_EQ_INT(2, agent_state_outbox_count(f.s));
  fixture_free(&f);
}

static void test_scan_continues_after_key(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  outbox_list o;
  memset(&o, 0, sizeof o);
  size_t visited;
  CHECK_EQ_INT(0,
               agent_state_outbox_scan(f.s, (const uint8_t *)"AA2", 3, 2, collect, &o, &visited));
  CHECK_EQ_INT(2, visited);
  CHECK_EQ_STR("AA3", o.keys[0]);
  CHECK_EQ_STR("PP1", o.keys[1]);
  outbox_free(&o);
  uint64_t seq = 0;
  const uint8_t packed[] = {0x08, 0xac, 0x02, 0x12, 0x00};
  CHECK_EQ_INT(0, hb_wire_record_seq(packed, sizeof packed, &seq));
  CHECK_EQ_INT(300, seq);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_record_seq(packed + 3, 2, &seq));
  fixture_free(&f);
}

/* The county's store changed: every known row goes out again as its known
 * content with a new version, every known deletion as a tombstone; a
 * pending edit is replaced by its re-sent self; the epoch is stored. */
static void test_resend_all_puts_every_known_row_and_tombstone(void)
{
  fixture f;
  fixture_init(&f, 3, 2);
  uint64_t e = 7;
  CHECK_EQ_INT(0, agent_state_epoch(f.s, &e)); /* none before the first Ack */
  CHECK_EQ_INT(0, e);
  CHECK_EQ_INT(0, agent_state_epoch_set(f.s, 0x1111));
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL)); /* versions T0..T0+4, seq 1..5 */
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  f.l.nactivities = 2;                                    /* A3 removed */
  f.l.nproblems = 1;                                      /* P2 removed */
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL)); /* T0+5, T0+6, seq 6, 7 */
  ack_all(&f, HUIBAO__V1__RESULT_CODE__STORED);
  f.acts[1].participants = 99; /* a pending edit of A2: T0+7, seq 8 */
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  CHECK_EQ_INT(1, agent_state_outbox_count(f.s));

  agent_resend_stats rs;
  CHECK_EQ_INT(0, agent_state_resend_all(f.s, 0x2222, T0, &rs));
  CHECK_EQ_INT(3, rs.rows);
  CHECK_EQ_INT(2, rs.tombstones);
  CHECK_EQ_INT(1, agent_state_epoch(f.s, &e));
  CHECK_EQ_INT(0x2222, e);
  CHECK_EQ_INT(T0 + 12, agent_state_floor(f.s));
  CHECK_EQ_INT(14, agent_state_next_seq(f.s));

  outbox_list o;
  outbox_read(&f, &o);
  CHECK_EQ_INT(5, o.n);
  static const char *const keys[] = {"AA1", "AA2", "AA3", "PP1", "PP2"};
  for (size_t i = 0; i < 5 && i < o.n; i++) {
    CHECK_EQ_STR(keys[i], o.keys[i]);
    CHECK(o.recs[i] != NULL);
    if (!o.recs[i])
      continue;
    CHECK_EQ_INT(9 + i, o.recs[i]->seq);
    CHECK_EQ_INT(T0 + 8 + (int64_t)i, rec_version(o.recs[i]));
  }
  if (o.n == 5 && o.recs[0] && o.recs[1] && o.recs[2] && o.recs[3] && o.recs[4]) {
    const Huibao__V1__Activity *a1 = o.recs[0]->activity, *a2 = o.recs[1]->activity,
                               *a3 = o.recs[2]->activity;
    CHECK_EQ_STR("xq-dlz", a1->unit);
    CHECK_EQ_STR("A1", a1->id);
    CHECK_EQ_STR("jiefang-2022", a1->campaign);
    CHECK_EQ_INT(19200, a1->date);
    CHECK_EQ_INT(HUIBAO__V1__ACTIVITY_KIND__STUDY, a1->kind);
    CHECK_EQ_INT(10, a1->participants);
    CHECK_EQ_INT(0, a1->deleted);
    CHECK_EQ_INT(99, a2->participants); /* the pending edit, re-versioned */
    CHECK_EQ_STR("A3", a3->id);
    CHECK_EQ_INT(1, a3->deleted);
    CHECK(a3->campaign == NULL);
    CHECK_EQ_STR("P1", o.recs[3]->problem->id);
    CHECK_EQ_STR("jiefang-2022", o.recs[3]->problem->campaign);
    CHECK_EQ_INT(HUIBAO__V1__PROBLEM_STATUS__RECTIFYING, o.recs[3]->problem->status);
    CHECK_EQ_INT(0, o.recs[3]->problem->deleted);
    CHECK_EQ_STR("P2", o.recs[4]->problem->id);
    CHECK_EQ_STR("xq-dlz", o.recs[4]->problem->unit);
    CHECK_EQ_INT(1, o.recs[4]->problem->deleted);
  }
  outbox_free(&o);

  /* known took the new versions: the next diff finds nothing changed */
  uint64_t v;
  int deleted;
  CHECK_EQ_INT(0, agent_state_known_get(f.s, (const uint8_t *)"PP2", 3, &v, &deleted));
  CHECK_EQ_INT(T0 + 12, v);
  CHECK_EQ_INT(1, deleted);
  ack_all(&f, HUIBAO__V1__RESULT_CODE__DUPLICATE);
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &st));
  CHECK_EQ_INT(3, st.unchanged);
  CHECK_EQ_INT(0, st.added + st.changed + st.tombstones);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));

  /* the epoch survives a reopen */
  agent_state_close(f.s);
  char err[256];
  CHECK_EQ_INT(0, agent_state_open(&f.s, f.dir, "xq-dlz", err, sizeof err));
  CHECK_EQ_INT(1, agent_state_epoch(f.s, &e));
  CHECK_EQ_INT(0x2222, e);
  fixture_free(&f);
}

int main(void)
{
  RUN(test_first_diff_puts_all_rows);
  RUN(test_same_ledger_twice_puts_nothing);
  RUN(test_edit_puts_that_row_with_higher_version);
  RUN(test_pending_edit_replaces_older_pending);
  RUN(test_removed_row_becomes_tombstone_once);
  RUN(test_invalid_ids_are_not_tombstoned);
  RUN(test_incomplete_table_is_not_tombstoned);
  RUN(test_ack_removes_only_the_acked_seq);
  RUN(test_rejected_leaves_known_so_next_run_resends);
  RUN(test_stale_bumps_version_above_stored);
  RUN(test_state_survives_reopen_and_refuses_other_unit);
  RUN(test_scan_continues_after_key);
  RUN(test_resend_all_puts_every_known_row_and_tombstone);
  return test_summary();
}
