/* feedback_test.c: issue 14, the county's decisions at the agent: the
 * clerk's line, the bytes of 县级反馈.csv (BOM, quoting, CRLF), its path,
 * and keeping them in the state (fresh, meta "decisions", reset, open
 * returns) on a real LMDB in a temporary folder. */
#include "feedback.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feedback_text.h"
#include "hb_err.h"
#include "hb_text.h"
#include "test.h"

/* 2026-12-03 14:05 in Asia/Shanghai (06:05 UTC) */
#define AT_S 1796277900

static Huibao__V1__Decision decision(uint64_t n, const char *kind, const char *id, int action,
                                     const char *reason)
{
  Huibao__V1__Decision d = HUIBAO__V1__DECISION__INIT;
  d.n = n;
  d.unit = "xq-dlz";
  d.kind = (char *)kind;
  d.id = (char *)id;
  d.action = action;
  d.reason = (char *)reason;
  d.reviewer = "李四";
  d.at_s = AT_S;
  d.has_version = 1;
  d.version = 0;
  return d;
}

static void test_line(void)
{
  char buf[512];
  Huibao__V1__Decision d =
      decision(7, "P", "P017", HUIBAO__V1__DECISION_ACTION__RETURN, "整改材料不全");
  agent_feedback_text_line(buf, sizeof buf, &d);
  CHECK_EQ_STR("县里退回 问题 P017：整改材料不全（审核人 李四，12月3日）", buf);
  d.action = HUIBAO__V1__DECISION_ACTION__CONFIRM;
  d.reason = NULL;
  agent_feedback_text_line(buf, sizeof buf, &d);
  CHECK_EQ_STR("县里已销号 问题 P017（审核人 李四，12月3日）", buf);
  d.action = HUIBAO__V1__DECISION_ACTION__REOPEN;
  d.reason = "问题反弹";
  agent_feedback_text_line(buf, sizeof buf, &d);
  CHECK_EQ_STR("县里重新打开 问题 P017：问题反弹（审核人 李四，12月3日）", buf);
  d.action = HUIBAO__V1__DECISION_ACTION__APPROVE_DELETE;
  d.reason = "";
  agent_feedback_text_line(buf, sizeof buf, &d);
  CHECK_EQ_STR("县里撤销已同意 问题 P017（审核人 李四，12月3日）", buf);
  d.action = HUIBAO__V1__DECISION_ACTION__REFUSE_DELETE;
  d.reason = "问题仍存在";
  agent_feedback_text_line(buf, sizeof buf, &d);
  CHECK_EQ_STR("县里撤销未同意 问题 P017：问题仍存在（审核人 李四，12月3日）", buf);
  d = decision(8, "A", "A3", HUIBAO__V1__DECISION_ACTION__RETURN, "缺少照片");
  d.at_s = AT_S + 10 * 3600; /* 00:05 the next day in Shanghai */
  agent_feedback_text_line(buf, sizeof buf, &d);
  CHECK_EQ_STR("县里退回 活动 A3：缺少照片（审核人 李四，12月4日）", buf);
}

static void test_csv(void)
{
  Huibao__V1__Decision d[3] = {
      decision(3, "P", "P017", HUIBAO__V1__DECISION_ACTION__RETURN, "材料不全,缺\"签字\""),
      decision(5, "A", "A3", HUIBAO__V1__DECISION_ACTION__CONFIRM, NULL),
      decision(9, "P", "P2", HUIBAO__V1__DECISION_ACTION__REOPEN, "=反弹\n见附件"),
  };
  d[1].action = HUIBAO__V1__DECISION_ACTION__CONFIRM;
  d[2].at_s = AT_S + 10 * 3600;
  Huibao__V1__Decision *dp[3] = {&d[0], &d[1], &d[2]};
  char *csv;
  size_t len;
  CHECK_EQ_INT(0, agent_feedback_text_csv(dp, 3, &csv, &len));
  const char want[] = "\xEF\xBB\xBF台账,编号,结果,原因,审核人,时间\r\n"
                      "问题,P017,退回,\"材料不全,缺\"\"签字\"\"\",李四,2026-12-03 14:05\r\n"
                      "活动,A3,已销号,,李四,2026-12-03 14:05\r\n"
                      "问题,P2,重新打开,\"'=反弹\n见附件\",李四,2026-12-04 00:05\r\n";
  CHECK_EQ_INT(sizeof want - 1, len);
  CHECK(len == sizeof want - 1 && memcmp(csv, want, len) == 0);
  free(csv);
  CHECK_EQ_INT(0, agent_feedback_text_csv(dp, 0, &csv, &len));
  CHECK_EQ_INT(strlen("\xEF\xBB\xBF台账,编号,结果,原因,审核人,时间\r\n"), len);
  free(csv);
}

static void test_csv_path(void)
{
  char *p;
  CHECK_EQ_INT(0, agent_feedback_text_csv_path("/home/dlz/台账", 0, &p));
  CHECK_EQ_STR("/home/dlz/台账/县级反馈.csv", p);
  free(p);
  CHECK_EQ_INT(0, agent_feedback_text_csv_path("/home/dlz/台账.xlsx", 1, &p));
  CHECK_EQ_STR("/home/dlz/县级反馈.csv", p);
  free(p);
  CHECK_EQ_INT(0, agent_feedback_text_csv_path("台账.xlsx", 1, &p));
  CHECK_EQ_STR("县级反馈.csv", p);
  free(p);
}

static void test_keep(void)
{
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/hb-feedback-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  char err[256];
  agent_state *s;
  CHECK_EQ_INT(0, agent_state_open(&s, dir, "xq-dlz", err, sizeof err));
  uint64_t after = 99;
  CHECK_EQ_INT(0, agent_feedback_after(s, &after));
  CHECK_EQ_INT(0, after);

  /* a ledger with problem P1 and activity A1, known at version V */
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT, *pp = &p;
  p.unit = "xq-dlz";
  p.id = "P1";
  p.campaign = "jf";
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT, *ap = &a;
  a.unit = "xq-dlz";
  a.id = "A1";
  a.campaign = "jf";
  hb_ledger l;
  memset(&l, 0, sizeof l);
  l.problems = &pp;
  l.nproblems = 1;
  l.activities = &ap;
  l.nactivities = 1;
  agent_diff_stats ds;
  CHECK_EQ_INT(0, agent_state_diff(s, &l, 1000, &ds));
  uint64_t v;
  int deleted;
  CHECK_EQ_INT(0, agent_state_known_get(s, (const uint8_t *)"PP1", 3, &v, &deleted));

  Huibao__V1__Decision d[3] = {
      decision(4, "P", "P1", HUIBAO__V1__DECISION_ACTION__RETURN, "材料不全"),
      decision(6, "A", "A1", HUIBAO__V1__DECISION_ACTION__RETURN, "缺照片"),
      decision(7, "A", "A1", HUIBAO__V1__DECISION_ACTION__CONFIRM, NULL),
  };
  d[0].version = v;
  d[1].version = v;
  Huibao__V1__Decision *dp[3] = {&d[0], &d[1], &d[2]};
  bool fresh[3] = {false, false, false};
  CHECK_EQ_INT(0, agent_feedback_store(s, dp, 2, fresh, &after));
  CHECK(fresh[0] && fresh[1]);
  CHECK_EQ_INT(6, after);
  /* again (a resent Submit's Ack): nothing new, the cursor stays */
  CHECK_EQ_INT(0, agent_feedback_store(s, dp, 3, fresh, &after));
  CHECK(!fresh[0] && !fresh[1] && fresh[2]);
  CHECK_EQ_INT(7, after);
  CHECK_EQ_INT(0, agent_feedback_store(s, dp, 1, fresh, &after));
  CHECK_EQ_INT(7, after); /* never lowered */

  /* open: P1 (returned, not changed); A1's last decision is a confirm */
  size_t n = 0;
  CHECK_EQ_INT(0, agent_feedback_open_returns(s, NULL, NULL, &n));
  CHECK_EQ_INT(1, n);
  /* the clerk edits P1: a new version, no longer open */
  p.category = "改过";
  CHECK_EQ_INT(0, agent_state_diff(s, &l, 2000, &ds));
  CHECK_EQ_INT(0, agent_feedback_open_returns(s, NULL, NULL, &n));
  CHECK_EQ_INT(0, n);

  /* the csv beside a ledger folder, rewritten from the state */
  char *path;
  CHECK_EQ_INT(0, agent_feedback_csv_write(s, dir, 0, &path));
  char *text;
  size_t len;
  CHECK_EQ_INT(0, hb_file_read(path, 1 << 20, &text, &len, err, sizeof err));
  Huibao__V1__Decision **all;
  size_t nall;
  CHECK_EQ_INT(0, agent_feedback_load(s, &all, &nall));
  CHECK_EQ_INT(3, nall);
  CHECK_EQ_INT(4, nall ? all[0]->n : 0);
  char *want;
  size_t wlen;
  CHECK_EQ_INT(0, agent_feedback_text_csv(all, nall, &want, &wlen));
  CHECK(len == wlen && memcmp(text, want, len) == 0);
  free(text);
  free(want);
  agent_feedback_free(all, nall);
  free(path);

  /* the county's epoch changed: all taken again from 0 */
  CHECK_EQ_INT(0, agent_feedback_reset(s));
  CHECK_EQ_INT(0, agent_feedback_after(s, &after));
  CHECK_EQ_INT(0, after);
  CHECK_EQ_INT(0, agent_feedback_load(s, &all, &nall));
  CHECK_EQ_INT(0, nall);
  agent_feedback_free(all, nall);
  CHECK_EQ_INT(0, agent_feedback_csv_write(s, dir, 0, &path)); /* header only now */
  CHECK_EQ_INT(0, hb_file_read(path, 1 << 20, &text, &len, err, sizeof err));
  CHECK_EQ_INT(strlen("\xEF\xBB\xBF台账,编号,结果,原因,审核人,时间\r\n"), len);
  free(text);
  free(path);

  agent_state_close(s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

int main(void)
{
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  RUN(test_line);
  RUN(test_csv);
  RUN(test_csv_path);
  RUN(test_keep);
  return test_summary();
}
