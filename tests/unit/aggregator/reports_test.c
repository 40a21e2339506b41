/* reports_test.c: 报送 rows through ingest and the store (issue 13): stored
 * without an aggregate, 本期 resolved by the county's clock, period facts
 * noted only for what was STORED, nothing left by an abandoned batch,
 * kept across a reopen, and untouched by an admin removal. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "hb_err.h"
#include "hb_wire.h"
#include "ingest.h"
#include "test.h"
#include "verify.h"

/* 2022-06-09 09:00 and 2022-06-10 19:00 in Asia/Shanghai; a week after
 * the campaign's end */
#define THU_0900 1654736400
#define FRI_1900 1654858800
#define AFTER_END 1659661200
#define DAY_0609 19152

static char dir[64];
static hb_units units;
static hb_campaigns camps;

static void write_file(const char *name, const char *text)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

static store *setup(void)
{
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  snprintf(dir, sizeof dir, "/tmp/hb-reports-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  write_file("units.csv", "code,name,type\nxw,县委,county\ndlz,大罗镇,township\n");
  write_file("c.ini", "[jf]\nname = 解放思想\nstart = 2022-06-01\nend = 2022-07-29\n"
                      "cycle = weekly, 5, 18:00\n"
                      "[plain]\nname = 无周期\nstart = 2022-06-01\nend = 2022-12-31\n");
  char path[128], err[256];
  hb_diags d;
  hb_diags_init(&d);
  snprintf(path, sizeof path, "%s/units.csv", dir);
  CHECK_EQ_INT(0, hb_units_load(path, &units, &d));
  snprintf(path, sizeof path, "%s/c.ini", dir);
  CHECK_EQ_INT(0, hb_campaigns_load(path, &camps, &d));
  hb_diags_write(&d, stderr);
  hb_diags_free(&d);
  store *st = NULL;
  snprintf(path, sizeof path, "%s/data", dir);
  CHECK_EQ_INT(0, store_open(&st, path, 0, 0, err, sizeof err));
  return st;
}

static void teardown(store *st)
{
  store_close(st);
  hb_units_free(&units);
  hb_campaigns_free(&camps);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_EQ_INT(0, system(cmd));
}

static store *reopen(store *st)
{
  char path[128], err[256];
  store_close(st);
  snprintf(path, sizeof path, "%s/data", dir);
  CHECK_EQ_INT(0, store_open(&st, path, 0, 0, err, sizeof err));
  return st;
}

static Huibao__V1__Report report(const char *unit, const char *id, const char *campaign,
                                 const char *period, bool nil, uint64_t version)
{
  Huibao__V1__Report r = HUIBAO__V1__REPORT__INIT;
  r.unit = (char *)unit;
  r.id = (char *)id;
  r.version = version;
  r.campaign = (char *)campaign;
  r.period = (char *)period;
  r.filled_by = "张三";
  r.has_nothing_new = 1;
  r.nothing_new = nil;
  return r;
}

static Huibao__V1__Activity act(const char *unit, const char *id, uint64_t version)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = (char *)unit;
  a.id = (char *)id;
  a.version = version;
  a.campaign = "jf";
  a.has_date = a.has_kind = a.has_level = a.has_sessions = a.has_participants = 1;
  a.date = DAY_0609;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__SEMINAR;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.sessions = 1;
  a.participants = 10;
  return a;
}

/* One Submit of unit holding the given bodies (reports then activities),
 * ingested at now_s; codes[] get the result codes, reason the first
 * rejection's reason. */
static void ingest(store *st, int64_t now_s, const char *unit, Huibao__V1__Report *reps,
                   size_t nrep, Huibao__V1__Activity *acts, size_t nact, int *codes, char *reason,
                   size_t rlen)
{
  Huibao__V1__Submit s = HUIBAO__V1__SUBMIT__INIT;
  Huibao__V1__Record r[8], *rp[8];
  size_t n = 0;
  for (size_t i = 0; i < nrep + nact && n < 8; i++, n++) {
    huibao__v1__record__init(&r[n]);
    r[n].seq = n + 1;
    if (i < nrep) {
      r[n].body_case = HUIBAO__V1__RECORD__BODY_REPORT;
      r[n].report = &reps[i];
    } else {
      r[n].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
      r[n].activity = &acts[i - nrep];
    }
    rp[n] = &r[n];
  }
  s.batch_id = 1;
  s.unit = (char *)unit;
  s.n_records = n;
  s.records = rp;
  ingest_item it;
  memset(&it, 0, sizeof it);
  uint8_t *buf;
  hb_wire_pack(&s.base, &buf, &it.len);
  it.data = buf;
  ingest_ctx ctx = {st,   &units, &camps, (int32_t)(now_s / 86400), now_s, NULL, false,
                    NULL, false,  0};
  ingest_stats stats;
  memset(&stats, 0, sizeof stats);
  char err[256];
  CHECK_EQ_INT(0, ingest_run(&ctx, &it, 1, &stats, err, sizeof err));
  Huibao__V1__Ack *a = NULL;
  CHECK_EQ_INT(0, hb_wire_ack_unpack(it.ack, it.acklen, &a));
  if (reason)
    reason[0] = '\0';
  for (size_t i = 0; a && i < n && i < a->n_results; i++) {
    codes[i] = a->results[i]->code;
    if (reason && !reason[0] && a->results[i]->reason)
      snprintf(reason, rlen, "%s", a->results[i]->reason);
  }
  if (a)
    protobuf_c_message_free_unpacked(&a->base, NULL);
  free(it.ack);
  free(buf);
}

/* The stored Report of (unit, id): its period and campaign. */
typedef struct found_report {
  const char *unit, *id;
  char period[40], campaign[40];
  int found;
} found_report;

static int find_report(void *ctx, const Huibao__V1__Record *rec)
{
  found_report *f = ctx;
  if (rec->body_case == HUIBAO__V1__RECORD__BODY_REPORT && !strcmp(rec->report->unit, f->unit) &&
      !strcmp(rec->report->id, f->id)) {
    f->found = 1;
    snprintf(f->period, sizeof f->period, "%s", rec->report->period ? rec->report->period : "");
    snprintf(f->campaign, sizeof f->campaign, "%s",
             rec->report->campaign ? rec->report->campaign : "");
  }
  return 0;
}

static const hb_report_fact *fact_of(const hb_period_facts *f, const char *period)
{
  for (size_t i = 0; f && i < f->nreports; i++)
    if (!strcmp(f->reports[i].period, period))
      return &f->reports[i];
  return NULL;
}

/* A 报送 row naming its campaign by name with 本期 is stored with the
 * campaign's id and the current period's id; it counts in the unit's
 * usage but in no aggregate; its facts are noted, a DUPLICATE notes
 * nothing; activities note change days. */
static void test_report_stored(void)
{
  store *st = setup();
  Huibao__V1__Report r[2] = {report("dlz", "本期@解放思想", "解放思想", "本期", true, 100),
                             report("dlz", "2022-06-17", NULL, "2022-06-17", false, 100)};
  Huibao__V1__Activity a[1] = {act("dlz", "A1", 100)};
  int codes[3] = {0};
  char reason[256];
  ingest(st, THU_0900, "dlz", r, 2, a, 1, codes, reason, sizeof reason);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, codes[0]);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, codes[1]);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, codes[2]);
  found_report fr = {"dlz", "本期@解放思想", "", "", 0};
  char err[256];
  CHECK_EQ_INT(0, store_records_foreach(st, find_report, &fr, err, sizeof err));
  CHECK(fr.found);
  CHECK_EQ_STR("2022-06-10", fr.period);
  CHECK_EQ_STR("jf", fr.campaign);
  uint64_t recs, bytes;
  store_usage_of(st, "dlz", &recs, &bytes);
  CHECK_EQ_INT(3, recs);
  const hb_agg *g = store_agg(st, "jf", "dlz");
  CHECK_EQ_INT(1, g ? g->records : 0); /* the activity only */
  const hb_period_facts *f = store_period_facts(st, "jf", "dlz");
  CHECK(f != NULL);
  const hb_report_fact *rf = fact_of(f, "2022-06-10");
  CHECK(rf != NULL);
  CHECK_EQ_INT(THU_0900, rf ? rf->first_nil_s : 0);
  CHECK(hb_period_facts_nil_now(f, "2022-06-10"));
  rf = fact_of(f, "2022-06-17"); /* the row without campaign, for jf (it has a cycle) */
  CHECK_EQ_INT(THU_0900, rf ? rf->first_s : 0);
  CHECK_EQ_INT(0, rf ? rf->first_nil_s : 1);
  CHECK_EQ_INT(1, f ? f->ndays : 0);
  CHECK_EQ_INT(THU_0900, f && f->ndays ? f->days[0].last_s : 0);
  CHECK(store_period_facts(st, "plain", "dlz") == NULL);
  CHECK_EQ_INT(1, store_seq(st, "jf")); /* one batch */

  /* the same rows again an hour later: DUPLICATE, no fact moves */
  ingest(st, THU_0900 + 3600, "dlz", r, 2, a, 1, codes, reason, sizeof reason);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, codes[0]);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, codes[1]);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, codes[2]);
  f = store_period_facts(st, "jf", "dlz");
  CHECK_EQ_INT(THU_0900, f && f->ndays ? f->days[0].last_s : 0);
  CHECK_EQ_INT(1, store_seq(st, "jf"));

  /* verify: the report rows pass the form check, aggregates agree */
  size_t nrec = 0;
  FILE *out = tmpfile();
  CHECK_EQ_INT(0, verify_store(st, out, &nrec, err, sizeof err));
  fclose(out);
  CHECK_EQ_INT(3, nrec);

  /* after the due: a new version for the period is late; the deletion of
   * the 无新增 row clears nil_now (the first stamps stay: history) */
  Huibao__V1__Report del = HUIBAO__V1__REPORT__INIT;
  del.unit = "dlz";
  del.id = "本期@解放思想";
  del.version = 200;
  del.has_deleted = del.deleted = 1;
  ingest(st, FRI_1900, "dlz", &del, 1, NULL, 0, codes, reason, sizeof reason);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, codes[0]);
  f = store_period_facts(st, "jf", "dlz");
  CHECK(!hb_period_facts_nil_now(f, "2022-06-10"));
  rf = fact_of(f, "2022-06-10");
  CHECK_EQ_INT(THU_0900, rf ? rf->first_nil_s : 0);

  /* reopen: the facts are read back */
  st = reopen(st);
  f = store_period_facts(st, "jf", "dlz");
  CHECK(f != NULL);
  rf = fact_of(f, "2022-06-17");
  CHECK_EQ_INT(THU_0900, rf ? rf->first_s : 0);
  CHECK_EQ_INT(1, f ? f->ndays : 0);
  teardown(st);
}

/* 本期 after the campaign's end is refused; a row without campaign whose
 * period is no period of any campaign notes nothing. */
static void test_report_current_over(void)
{
  store *st = setup();
  Huibao__V1__Report r = report("dlz", "本期@jf", "jf", "本期", true, 100);
  int codes[1] = {0};
  char reason[256];
  ingest(st, AFTER_END, "dlz", &r, 1, NULL, 0, codes, reason, sizeof reason);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, codes[0]);
  CHECK_CONTAINS(reason, "本期: 专项已结束");
  CHECK(store_period_facts(st, "jf", "dlz") == NULL);

  /* the form: 填报人 at most HB_OWNER_MAX bytes, 说明 valid UTF-8 */
  char longname[300];
  memset(longname, 'x', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  Huibao__V1__Report bad[2] = {report("dlz", "2022-06-10", NULL, "2022-06-10", true, 100),
                               report("dlz", "2022-06-17", NULL, "2022-06-17", true, 100)};
  bad[0].filled_by = longname;
  bad[1].note = "\xff\xfe";
  int two[2] = {0};
  ingest(st, THU_0900, "dlz", bad, 2, NULL, 0, two, reason, sizeof reason);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, two[0]);
  CHECK_CONTAINS(reason, "填报人过长");
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, two[1]);
  teardown(st);
}

typedef struct fail_arg {
  Huibao__V1__Record *rec;
} fail_arg;

/* A batch that notes a change and a report, then fails. */
static int fail_batch(store *st, void *arg)
{
  fail_arg *fa = arg;
  store_batch_clock(st, THU_0900);
  int code;
  uint64_t sv;
  const char *reason;
  int rc = store_batch_put(st, fa->rec, &code, &sv, &reason);
  if (rc == 0)
    rc = store_batch_note_report(st, "jf", "xw", "2022-06-10", "2022-06-10", true);
  return rc ? rc : HB_EIO;
}

typedef struct remove_arg {
  const char *unit, *id;
  char kind;
} remove_arg;

static int remove_batch(store *st, void *arg)
{
  remove_arg *ra = arg;
  uint64_t version;
  return store_batch_remove(st, ra->unit, ra->kind, ra->id, &version);
}

/* An abandoned batch leaves no fact; an admin removal of a record or a
 * 报送 row keeps the facts (history). */
static void test_facts_rollback_and_remove(void)
{
  store *st = setup();
  Huibao__V1__Activity a = act("xw", "A9", 100);
  Huibao__V1__Record rec = HUIBAO__V1__RECORD__INIT;
  rec.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  rec.activity = &a;
  fail_arg fa = {&rec};
  char err[256];
  CHECK_EQ_INT(HB_EIO, store_batch_run(st, fail_batch, &fa, err, sizeof err));
  CHECK(store_period_facts(st, "jf", "xw") == NULL);
  CHECK(store_agg(st, "jf", "xw") == NULL);
  st = reopen(st);
  CHECK(store_period_facts(st, "jf", "xw") == NULL);

  Huibao__V1__Report r = report("xw", "2022-06-10", NULL, "2022-06-10", true, 100);
  int codes[2] = {0};
  ingest(st, THU_0900, "xw", &r, 1, &a, 1, codes, NULL, 0);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, codes[0]);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, codes[1]);
  remove_arg ra = {"xw", "A9", 'A'};
  CHECK_EQ_INT(0, store_batch_run(st, remove_batch, &ra, err, sizeof err));
  remove_arg rr = {"xw", "2022-06-10", 'R'};
  CHECK_EQ_INT(0, store_batch_run(st, remove_batch, &rr, err, sizeof err));
  uint64_t recs, bytes;
  store_usage_of(st, "xw", &recs, &bytes);
  CHECK_EQ_INT(0, recs);
  const hb_period_facts *f = store_period_facts(st, "jf", "xw");
  CHECK_EQ_INT(1, f ? f->ndays : 0);
  CHECK(fact_of(f, "2022-06-10") != NULL);
  CHECK_EQ_INT(0, store_inconsistencies(st));
  teardown(st);
}

/* A period facts value that does not decode fails the (read-only) open
 * that verify makes, naming its campaign and unit. */
static void test_corrupt_facts(void)
{
  store *st = setup();
  Huibao__V1__Report r = report("dlz", "2022-06-10", NULL, "2022-06-10", true, 100);
  int codes[1] = {0};
  ingest(st, THU_0900, "dlz", &r, 1, NULL, 0, codes, NULL, 0);
  CHECK(store_period_facts(st, "jf", "dlz") != NULL);
  store_close(st);
  char path[128], err[256] = "";
  snprintf(path, sizeof path, "%s/data", dir);
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi dbi;
  CHECK_EQ_INT(0, mdb_env_create(&env));
  CHECK_EQ_INT(0, mdb_env_set_maxdbs(env, 4));
  CHECK_EQ_INT(0, mdb_env_open(env, path, 0, 0600));
  CHECK_EQ_INT(0, mdb_txn_begin(env, NULL, 0, &txn));
  CHECK_EQ_INT(0, mdb_dbi_open(txn, "periods", 0, &dbi));
  MDB_val k = {sizeof "jf\0dlz" - 1, "jf\0dlz"}, v = {3, "\xff\xff\xff"};
  CHECK_EQ_INT(0, mdb_put(txn, dbi, &k, &v, 0));
  CHECK_EQ_INT(0, mdb_txn_commit(txn));
  mdb_env_close(env);
  st = NULL;
  CHECK(store_open_readonly(&st, path, err, sizeof err) != 0);
  CHECK_CONTAINS(err, "campaign jf, unit dlz");
  st = NULL;
  CHECK(store_open(&st, path, 0, 0, err, sizeof err) != 0);
  teardown(st);
}

int main(void)
{
  RUN(test_report_stored);
  RUN(test_report_current_over);
  RUN(test_facts_rollback_and_remove);
  RUN(test_corrupt_facts);
  return test_summary();
}
