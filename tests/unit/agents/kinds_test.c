/* kinds_test.c: indicators ('I') and cases ('C') go through the agent's
 * state, its rejections and its reports as activities and problems do; a
 * state holding only 'A' and 'P' keys (the version before) goes on working. */
#include "kinds.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb_err.h"
#include "report.h"
#include "state.h"
#include "test.h"

#define NOW 1800000000000000LL /* microseconds */

/* A ledger of one activity, indicators I1..In and cases C1..Cm. */
typedef struct ledger_ic {
  hb_ledger l;
  Huibao__V1__Activity act;
  Huibao__V1__Activity *actp[1];
  Huibao__V1__Indicator ind[4];
  Huibao__V1__Indicator *indp[4];
  Huibao__V1__Case cs[4];
  Huibao__V1__Case *csp[4];
  char ids[8][8];
  unsigned ind_lines[4], case_lines[4];
} ledger_ic;

static void ledger_ic_init(ledger_ic *g, size_t nind, size_t ncase)
{
  memset(g, 0, sizeof *g);
  huibao__v1__activity__init(&g->act);
  g->act.unit = "xq-dlz";
  g->act.id = "X1";
  g->act.campaign = "jiefang-2022";
  g->actp[0] = &g->act;
  for (size_t i = 0; i < 4; i++) {
    snprintf(g->ids[i], sizeof g->ids[i], "I%zu", i + 1);
    snprintf(g->ids[4 + i], sizeof g->ids[4 + i], "C%zu", i + 1);
    huibao__v1__indicator__init(&g->ind[i]);
    huibao__v1__case__init(&g->cs[i]);
    g->ind[i].unit = g->cs[i].unit = "xq-dlz";
    g->ind[i].campaign = g->cs[i].campaign = "jiefang-2022";
    g->ind[i].id = g->ids[i];
    g->cs[i].id = g->ids[4 + i];
    g->ind[i].indicator = "shishi";
    g->ind[i].has_value = g->cs[i].has_type = 1;
    g->ind[i].value = 30000 * (int64_t)(i + 1);
    g->cs[i].type = HUIBAO__V1__CASE_TYPE__CASE_PRACTICE;
    g->cs[i].title = "村规民约";
    g->indp[i] = &g->ind[i];
    g->csp[i] = &g->cs[i];
    g->ind_lines[i] = g->case_lines[i] = (unsigned)i + 2;
  }
  g->l.activities = g->actp;
  g->l.nactivities = 1;
  g->l.indicators = g->indp;
  g->l.nindicators = nind;
  g->l.indicator_lines = g->ind_lines;
  g->l.cases = g->csp;
  g->l.ncases = ncase;
  g->l.case_lines = g->case_lines;
}

static agent_state *state_new(char *dir, size_t len)
{
  snprintf(dir, len, "/tmp/hb-kinds-test-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  agent_state *s = NULL;
  char err[256] = "";
  CHECK_EQ_INT(0, agent_state_open(&s, dir, "xq-dlz", err, sizeof err));
  return s;
}

static void state_remove(agent_state *s, const char *dir)
{
  agent_state_close(s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

/* The outbox as "key:version:deleted" entries, one string. */
typedef struct outbox_text {
  char text[1024];
  uint64_t seq[16];
  char keys[16][AGENT_KEY_MAX + 1];
  size_t n;
} outbox_text;

static int outbox_visit(void *arg, const uint8_t *key, size_t keylen, const uint8_t *val,
                        size_t vallen)
{
  outbox_text *o = arg;
  Huibao__V1__Record *rec = huibao__v1__record__unpack(NULL, vallen, val);
  CHECK(rec != NULL);
  if (!rec || o->n >= 16)
    return 1;
  const agent_kind *k;
  ProtobufCMessage *m = agent_record_row(rec, &k);
  CHECK(m != NULL && k != NULL && k->byte == (char)key[0]);
  const ProtobufCFieldDescriptor *vf =
      protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "version");
  const ProtobufCFieldDescriptor *df =
      protobuf_c_message_descriptor_get_field_by_name(m->descriptor, "deleted");
  uint64_t v;
  protobuf_c_boolean del;
  memcpy(&v, (const char *)m + vf->offset, sizeof v);
  memcpy(&del, (const char *)m + df->offset, sizeof del);
  size_t used = strlen(o->text);
  snprintf(o->text + used, sizeof o->text - used, "%s%.*s:%lld%s", used ? " " : "", (int)keylen,
           (const char *)key, (long long)(v - NOW), del ? ":deleted" : "");
  memcpy(o->keys[o->n], key, keylen);
  o->keys[o->n][keylen] = '\0';
  o->seq[o->n++] = rec->seq;
  huibao__v1__record__free_unpacked(rec, NULL);
  return 0;
}

static void outbox_get(agent_state *s, outbox_text *o)
{
  size_t visited;
  memset(o, 0, sizeof *o);
  CHECK_EQ_INT(0, agent_state_outbox_scan(s, NULL, 0, 100, outbox_visit, o, &visited));
}

/* Answers every outbox entry with code. */
static void outbox_answer(agent_state *s, int code, uint64_t stored)
{
  outbox_text o;
  outbox_get(s, &o);
  agent_result r[16];
  for (size_t i = 0; i < o.n; i++)
    r[i] = (agent_result){(const uint8_t *)o.keys[i], strlen(o.keys[i]), o.seq[i], code, stored, 0};
  CHECK_EQ_INT(0, agent_state_apply(s, r, o.n, NOW));
}

/* A new state in dir and a ledger of nind indicators, ncase cases, whose
 * first diff is done (and stored by the county when stored is set). */
static agent_state *start(char *dir, size_t len, ledger_ic *g, size_t nind, size_t ncase,
                          int stored)
{
  agent_state *s = state_new(dir, len);
  ledger_ic_init(g, nind, ncase);
  CHECK_EQ_INT(0, agent_state_diff(s, &g->l, NOW, NULL));
  if (stored)
    outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);
  return s;
}

static void test_table_lookups(void)
{
  CHECK_EQ_STR("indicators.csv", agent_kind_of_byte('I')->file);
  CHECK_EQ_STR("典型", agent_kind_of_byte('C')->sheet);
  CHECK_EQ_STR("case", agent_kind_of_body(HUIBAO__V1__RECORD__BODY_CASE_ROW)->name);
  CHECK_EQ_INT('P', agent_kind_of_body(HUIBAO__V1__RECORD__BODY_PROBLEM)->byte);
  CHECK(agent_kind_of_byte('X') == NULL);
  CHECK(agent_kind_of_body(HUIBAO__V1__RECORD__BODY__NOT_SET) == NULL);
  for (size_t i = 0; i < HB_TABLE_COUNT; i++)
    CHECK_EQ_INT((int)i, (int)agent_kinds[i].table);
}

static void test_indicators_and_cases_diff_edit_delete(void)
{
  char dir[64];
  ledger_ic g;
  agent_state *s = start(dir, sizeof dir, &g, 2, 2, 0);
  agent_diff_stats st;
  outbox_text o;
  outbox_get(s, &o);
  CHECK_EQ_STR("AX1:0 CC1:3 CC2:4 II1:1 II2:2", o.text);
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);

  /* Unchanged: nothing; one edited value: only that row, a higher version. */
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  CHECK_EQ_INT(5, st.unchanged);
  CHECK_EQ_INT(0, agent_state_outbox_count(s));
  g.ind[1].value = 12500;
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  CHECK_EQ_INT(1, st.changed);
  outbox_get(s, &o);
  CHECK_EQ_STR("II2:5", o.text);
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);

  /* Gone from an incomplete indicator table: no tombstone; a case gone
   * from a complete one, and an invalid indicator row kept: as before. */
  g.l.nindicators = 0;
  g.l.indicators_incomplete = 1;
  g.l.ncases = 1;
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  CHECK_EQ_INT(1, st.tombstones);
  outbox_get(s, &o);
  CHECK_EQ_STR("CC2:6:deleted", o.text);
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);
  char *invalid[] = {"I:I1"};
  g.l.invalid_ids = invalid;
  g.l.ninvalid = 1;
  g.l.nindicators = 1; /* I1 invalid, I2 gone: only I2's tombstone */
  g.indp[0] = &g.ind[1];
  g.l.indicators_incomplete = 0;
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  outbox_get(s, &o);
  CHECK_EQ_STR("", o.text); /* I2 is the remaining valid row: nothing gone */
  g.l.nindicators = 0;
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  outbox_get(s, &o);
  CHECK_EQ_STR("II2:7:deleted", o.text);
  state_remove(s, dir);
}

static void test_stale_reject_and_resend_of_new_kinds(void)
{
  char dir[64];
  ledger_ic g;
  agent_state *s = start(dir, sizeof dir, &g, 1, 1, 1);
  g.ind[0].value = 1;
  g.cs[0].title = "新时代文明实践";
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, NULL));
  /* STALE: re-versioned above what the county holds, body intact. */
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STALE, NOW + 100);
  outbox_text o;
  outbox_get(s, &o);
  CHECK_EQ_STR("CC1:101 II1:102", o.text);
  /* REJECTED (an older county does not know the kind): out of the outbox
   * and of known, so the next sync sends the row again. */
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__REJECTED, 0);
  CHECK_EQ_INT(0, agent_state_outbox_count(s));
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  CHECK_EQ_INT(2, st.added);
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);
  /* The county's epoch changed: rows and tombstones of every kind again. */
  g.l.ncases = 0;
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);
  agent_resend_stats rs;
  CHECK_EQ_INT(0, agent_state_resend_all(s, 42, NOW, &rs));
  CHECK_EQ_INT(2, rs.rows);
  CHECK_EQ_INT(1, rs.tombstones);
  outbox_get(s, &o);
  CHECK_EQ_STR("AX1:106 CC1:107:deleted II1:108", o.text);
  state_remove(s, dir);
}

/* A state of the version before (activities and problems only) opens, its
 * rows stay unchanged, and the new tables are added beside them. */
static void test_old_state_goes_on(void)
{
  char dir[64];
  agent_state *s = state_new(dir, sizeof dir);
  ledger_ic g;
  ledger_ic_init(&g, 1, 1);
  hb_ledger old = {.activities = g.actp, .nactivities = 1};
  CHECK_EQ_INT(0, agent_state_diff(s, &old, NOW, NULL));
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);
  agent_state_close(s);
  char err[256];
  CHECK_EQ_INT(0, agent_state_open(&s, dir, "xq-dlz", err, sizeof err));
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, NOW, &st));
  CHECK_EQ_INT(1, st.unchanged);
  CHECK_EQ_INT(2, st.added);
  CHECK_EQ_INT(0, st.tombstones);
  outbox_text o;
  outbox_get(s, &o);
  CHECK_EQ_STR("CC1:2 II1:1", o.text);
  state_remove(s, dir);
}

static void test_rejections_name_the_new_files_and_sheets(void)
{
  ledger_ic g;
  ledger_ic_init(&g, 2, 1);
  g.l.case_sheet = "台账.xlsx:典型";
  agent_line_index ix;
  CHECK_EQ_INT(0, agent_line_index_build(&ix, &g.l));
  CHECK_EQ_INT(3, agent_line_find(&ix, 'I', "I2"));
  CHECK_EQ_INT(2, agent_line_find(&ix, 'C', "C1"));
  CHECK_EQ_INT(0, agent_line_find(&ix, 'A', "I2"));
  CHECK(agent_line_sheet(&ix, 'I') == NULL);
  CHECK_EQ_STR("台账.xlsx:典型", agent_line_sheet(&ix, 'C'));
  char buf[256];
  agent_report_reject(buf, sizeof buf, 'I', "I2", 3, NULL, "indicator", "unknown");
  CHECK_EQ_STR("indicators.csv:3: id I2: indicator: unknown", buf);
  agent_report_reject(buf, sizeof buf, 'C', "C1", 2, agent_line_sheet(&ix, 'C'), NULL, NULL);
  CHECK_EQ_STR("台账.xlsx:典型!2:2: id C1: record: rejected by the county", buf);
  CHECK_EQ_STR("cases.csv", agent_report_file('C'));
  agent_line_index_free(&ix);
}

/* 报送 rows ('R', issue 13): keyed by their period (plus campaign); left
 * unchanged, neither a dated row nor one saying 本期 is sent again (a
 * standing 本期 无新增 must not report every later period by itself). */
static void test_reports_not_renewed(void)
{
  CHECK_EQ_STR("reports.csv", agent_kind_of_byte('R')->file);
  CHECK_EQ_STR("报送", agent_kind_of_byte('R')->sheet);
  CHECK_EQ_STR("report", agent_kind_of_body(HUIBAO__V1__RECORD__BODY_REPORT)->name);
  CHECK_EQ_INT(2, agent_kind_of_byte('R')->old_county_refuses); /* not with I and C */
  CHECK_EQ_INT(1, agent_kind_of_byte('I')->old_county_refuses);
  char dir[64];
  agent_state *s = state_new(dir, sizeof dir);
  Huibao__V1__Report r[2];
  Huibao__V1__Report *rp[2] = {&r[0], &r[1]};
  unsigned lines[2] = {2, 3};
  for (int i = 0; i < 2; i++) {
    huibao__v1__report__init(&r[i]);
    r[i].unit = "xq-dlz";
    r[i].filled_by = "张三";
  }
  r[0].id = r[0].period = "2022-06-10";
  r[0].has_nothing_new = r[0].nothing_new = 1;
  r[1].id = r[1].period = "本期";
  hb_ledger l = {.reports = rp, .nreports = 2, .report_lines = lines};
  agent_diff_stats st;
  CHECK_EQ_INT(0, agent_state_diff(s, &l, NOW, &st));
  CHECK_EQ_INT(2, st.added);
  outbox_text o;
  outbox_get(s, &o);
  CHECK_EQ_STR("R2022-06-10:0 R本期:1", o.text);
  outbox_answer(s, HUIBAO__V1__RESULT_CODE__STORED, 0);
  CHECK_EQ_INT(0, agent_state_diff(s, &l, NOW, &st));
  CHECK_EQ_INT(2, st.unchanged);
  CHECK_EQ_INT(0, agent_state_diff(s, &l, NOW + 7 * 86400 * 1000000LL, &st)); /* a week on */
  CHECK_EQ_INT(2, st.unchanged);
  CHECK_EQ_INT(0, st.changed);
  agent_line_index ix;
  CHECK_EQ_INT(0, agent_line_index_build(&ix, &l));
  CHECK_EQ_INT(3, agent_line_find(&ix, 'R', "本期"));
  agent_line_index_free(&ix);
  char buf[256];
  agent_report_reject(buf, sizeof buf, 'R', "本期", 3, NULL, "period", "本期: 专项已结束");
  CHECK_EQ_STR("reports.csv:3: id 本期: period: 本期: 专项已结束", buf);
  state_remove(s, dir);
}

int main(void)
{
  RUN(test_table_lookups);
  RUN(test_reports_not_renewed);
  RUN(test_indicators_and_cases_diff_edit_delete);
  RUN(test_stale_reject_and_resend_of_new_kinds);
  RUN(test_old_state_goes_on);
  RUN(test_rejections_name_the_new_files_and_sheets);
  return test_summary();
}
