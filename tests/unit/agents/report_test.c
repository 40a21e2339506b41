/* report_test.c: the agent's messages: rejections and the summary line. */
#include "report.h"

#include "test.h"

static void test_reject_line(void)
{
  char buf[256];
  agent_report_reject(buf, sizeof buf, 'P', "P2", 18, NULL, "category",
                      "类别未知 / unknown category");
  CHECK_EQ_STR("problems.csv:18: id P2: category: 类别未知 / unknown category", buf);
  agent_report_reject(buf, sizeof buf, 'A', "A9", 0, NULL, NULL, NULL);
  CHECK_EQ_STR("activities.csv: id A9: record: rejected by the county", buf);
  /* from a workbook: Excel's reference to the whole row */
  agent_report_reject(buf, sizeof buf, 'P', "P2", 18, "台账.xlsx:问题", "category", "类别未知");
  CHECK_EQ_STR("台账.xlsx:问题!18:18: id P2: category: 类别未知", buf);
  agent_report_reject(buf, sizeof buf, 'P', "P2", 0, "台账.xlsx:问题", NULL, NULL);
  CHECK_EQ_STR("台账.xlsx:问题: id P2: record: rejected by the county", buf);
}

static void test_summary_line(void)
{
  char buf[256];
  agent_send_stats st = {.sent = 120, .stored = 118, .rejected = 2};
  agent_report_summary(buf, sizeof buf, &st);
  CHECK_EQ_STR("sent 120, stored 118, duplicate 0, rejected 2, pending 0", buf);
  st.stale = 3;
  st.pending = 1;
  agent_report_summary(buf, sizeof buf, &st);
  CHECK_EQ_STR("sent 120, stored 118, duplicate 0, rejected 2, pending 1, stale 3", buf);
}

static void test_line_index(void)
{
  Huibao__V1__Activity a1 = HUIBAO__V1__ACTIVITY__INIT, a2 = HUIBAO__V1__ACTIVITY__INIT;
  Huibao__V1__Problem p1 = HUIBAO__V1__PROBLEM__INIT;
  a1.id = "A1";
  a2.id = "X7";
  p1.id = "A1";
  Huibao__V1__Activity *acts[] = {&a1, &a2};
  Huibao__V1__Problem *probs[] = {&p1};
  unsigned alines[] = {2, 5}, plines[] = {9};
  hb_ledger l = {.activities = acts,
                 .nactivities = 2,
                 .problems = probs,
                 .nproblems = 1,
                 .activity_lines = alines,
                 .problem_lines = plines};
  agent_line_index ix;
  CHECK_EQ_INT(0, agent_line_index_build(&ix, &l));
  a1.id = "changed"; /* the index holds copies */
  CHECK_EQ_INT(5, agent_line_find(&ix, 'A', "X7"));
  CHECK_EQ_INT(2, agent_line_find(&ix, 'A', "A1"));
  CHECK_EQ_INT(9, agent_line_find(&ix, 'P', "A1"));
  CHECK_EQ_INT(0, agent_line_find(&ix, 'P', "X7"));
  agent_line_index_free(&ix);
}

int main(void)
{
  RUN(test_reject_line);
  RUN(test_summary_line);
  RUN(test_line_index);
  return test_summary();
}
