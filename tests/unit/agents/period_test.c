/* period_test.c: the agent's period lines (period.h): what the ledger holds
 * for the current period, what the county acknowledged (from the state),
 * the near-due warning and the 无新增 contradiction. Needs hb_period (the
 * periods of a weekly cycle, Fridays 18:00, Asia/Shanghai). */
#include "period.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_period.h"
#include "kinds.h"
#include "test.h"

static hb_campaigns camps;

/* A ledger: activity HD1 dated day (in campaign zhuti-2023) when day != 0,
 * and a 报送 row for period (NULL: none) saying 无新增. */
typedef struct ledger_pr {
  hb_ledger l;
  Huibao__V1__Activity act;
  Huibao__V1__Activity *actp[1];
  Huibao__V1__Report rep;
  Huibao__V1__Report *repp[1];
  unsigned lines[1];
} ledger_pr;

static void ledger_pr_init(ledger_pr *g, int32_t day, const char *period)
{
  memset(g, 0, sizeof *g);
  huibao__v1__activity__init(&g->act);
  g->act.unit = "xq-dlz";
  g->act.id = "HD1";
  g->act.campaign = "zhuti-2023";
  g->act.has_date = 1;
  g->act.date = day;
  g->act.has_kind = 1;
  g->act.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  g->actp[0] = &g->act;
  huibao__v1__report__init(&g->rep);
  g->rep.unit = "xq-dlz";
  g->rep.id = g->rep.period = (char *)period;
  g->rep.filled_by = "张三";
  g->rep.has_nothing_new = g->rep.nothing_new = 1;
  g->repp[0] = &g->rep;
  g->lines[0] = 2;
  g->l.activities = g->actp;
  g->l.nactivities = day != 0;
  g->l.reports = g->repp;
  g->l.nreports = period != NULL;
  g->l.report_lines = g->lines;
}

/* The lines printed for v. */
static void lines_of(const agent_period_view *v, char *buf, size_t len)
{
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  agent_period_view_print(v, f);
  fclose(f);
  snprintf(buf, len, "%s", text ? text : "");
  free(text);
}

static int64_t at(int y, int m, int d, int hh, int mm)
{
  return hb_local_unix(hb_date_from_ymd(y, m, d), hh * 60 + mm);
}

static void test_ledger_only(void)
{
  ledger_pr g;
  ledger_pr_init(&g, hb_date_from_ymd(2023, 6, 8), "2023-06-09");
  hb_diags d;
  hb_diags_init(&d);
  agent_period_view *v;
  CHECK_EQ_INT(0, agent_period_view_build(&v, &camps, &g.l, at(2023, 6, 8, 20, 0), &d));
  CHECK(v != NULL);
  CHECK_EQ_INT(1, d.count);
  char buf[2048];
  if (d.count) {
    hb_diag_format(&d.items[0], buf, sizeof buf);
    CHECK_CONTAINS(buf, "reports.csv:2: 无新增: 警告：报送期 2023-06-09 填了无新增，但台账中有 1 "
                        "条专项 zhuti-2023 的活动或问题日期在该期（2023-06-03 至 2023-06-09）内");
  }
  lines_of(v, buf, sizeof buf);
  CHECK_CONTAINS(buf, "本期（截至 6月9日 18:00）：台账中本期日期的活动和问题 1 条；报送表：无新增"
                      "（填报人 张三）");
  agent_period_view_free(v);
  hb_diags_free(&d);
  /* without campaigns, or outside every period: no view */
  CHECK_EQ_INT(0, agent_period_view_build(&v, NULL, &g.l, at(2023, 6, 8, 20, 0), &d));
  CHECK(v == NULL);
  CHECK_EQ_INT(0, agent_period_view_build(&v, &camps, &g.l, at(2025, 1, 1, 0, 0), &d));
  CHECK(v == NULL);
  hb_diags_free(&d); /* the contradiction notes of the two builds */
}

static agent_state *state_new(char *dir, size_t len)
{
  snprintf(dir, len, "/tmp/hb-period-test-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  agent_state *s = NULL;
  char err[256] = "";
  CHECK_EQ_INT(0, agent_state_open(&s, dir, "xq-dlz", err, sizeof err));
  return s;
}

static int collect(void *arg, const uint8_t *key, size_t keylen, const uint8_t *val, size_t vallen)
{
  agent_result *r = arg;
  size_t i = 0;
  while (r[i].key)
    i++;
  Huibao__V1__Record *rec = huibao__v1__record__unpack(NULL, vallen, val);
  uint8_t *k = malloc(keylen);
  memcpy(k, key, keylen);
  r[i] = (agent_result){k, keylen, rec ? rec->seq : 0, HUIBAO__V1__RESULT_CODE__STORED, 0, 0};
  huibao__v1__record__free_unpacked(rec, NULL);
  return 0;
}

/* Acknowledges the whole outbox as STORED. */
static void ack_all(agent_state *s)
{
  agent_result r[8];
  memset(r, 0, sizeof r);
  size_t n;
  CHECK_EQ_INT(0, agent_state_outbox_scan(s, NULL, 0, 7, collect, r, &n));
  CHECK_EQ_INT(0, agent_state_apply(s, r, n, 0));
  for (size_t i = 0; i < n; i++)
    free((void *)r[i].key);
}

static void test_from_state(void)
{
  char dir[64], buf[2048];
  hb_diags d;
  hb_diags_init(&d);
  int64_t now = at(2023, 6, 8, 20, 0); /* 22 h before the due of 2023-06-09 */
  agent_state *s = state_new(dir, sizeof dir);

  /* a row queued last week: nothing this period, the due is near */
  ledger_pr g;
  ledger_pr_init(&g, hb_date_from_ymd(2023, 6, 1), NULL);
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, at(2023, 6, 1, 9, 0) * 1000000, NULL));
  ack_all(s);
  agent_period_view *v;
  CHECK_EQ_INT(0, agent_period_view_build(&v, &camps, &g.l, now, &d));
  CHECK_EQ_INT(0, agent_period_view_count(v, s));
  lines_of(v, buf, sizeof buf);
  CHECK_CONTAINS(buf, "本期（截至 6月9日 18:00）尚未报送");
  CHECK_CONTAINS(buf, "警告：本期报送将于 6月9日 18:00 截止（还有约 22 小时）");
  agent_period_view_free(v);

  /* a 报送 row saying 本期 无新增, acked: nil */
  ledger_pr_init(&g, hb_date_from_ymd(2023, 6, 1), "本期");
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, now * 1000000, NULL));
  CHECK_EQ_INT(0, agent_period_view_build(&v, &camps, &g.l, now, &d));
  CHECK_EQ_INT(0, agent_period_view_count(v, s));
  lines_of(v, buf, sizeof buf);
  CHECK_CONTAINS(buf, "尚未报送"); /* still in the outbox */
  agent_period_view_free(v);
  ack_all(s);
  CHECK_EQ_INT(0, agent_period_view_build(&v, &camps, &g.l, now, &d));
  CHECK_EQ_INT(0, agent_period_view_count(v, s));
  lines_of(v, buf, sizeof buf);
  CHECK_CONTAINS(buf, "本期无新增（已报送，填报人 张三）");
  CHECK(strstr(buf, "警告") == NULL);
  agent_period_view_free(v);

  /* the activity edited this period and acked: 新增 1 条 */
  g.act.date = hb_date_from_ymd(2023, 6, 5);
  CHECK_EQ_INT(0, agent_state_diff(s, &g.l, now * 1000000, NULL));
  ack_all(s);
  CHECK_EQ_INT(0, agent_period_view_build(&v, &camps, &g.l, now, &d));
  CHECK_EQ_INT(0, agent_period_view_count(v, s));
  lines_of(v, buf, sizeof buf);
  CHECK_CONTAINS(buf, "本期（截至 6月9日 18:00）已报送：新增 1 条");
  agent_period_view_free(v);
  hb_diags_free(&d);

  agent_state_close(s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

int main(void)
{
  setenv("TZ", "Asia/Shanghai", 1);
  tzset();
  static const char ini[] = "[zhuti-2023]\nname = 主题教育\nstart = 2023-04-01\nend = 2024-01-31\n"
                            "category.theory = 理论学习不到位\n";
  hb_diags d;
  hb_diags_init(&d);
  if (hb_campaigns_parse("c.ini", ini, strlen(ini), &camps, &d) != 0 || camps.count != 1) {
    hb_diags_write(&d, stderr);
    return 1;
  }
  hb_diags_free(&d);
  camps.items[0].cycle = (hb_cycle){HB_CYCLE_WEEKLY, 5, 18 * 60};
  RUN(test_ledger_only);
  RUN(test_from_state);
  hb_campaigns_free(&camps);
  return test_summary();
}
