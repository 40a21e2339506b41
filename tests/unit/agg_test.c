/* agg_test.c: hb_agg add/remove exactness, moves, overdue, pack/unpack, diff. */
#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_err.h"
#include "test.h"

static Huibao__V1__Activity act(const char *campaign, int level, int kind, uint32_t sessions,
                                uint32_t participants, uint32_t outputs)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = "A1";
  a.version = 1;
  a.campaign = (char *)campaign;
  a.has_level = a.has_kind = a.has_sessions = a.has_participants = a.has_outputs = 1;
  a.level = (Huibao__V1__ActivityLevel)level;
  a.kind = (Huibao__V1__ActivityKind)kind;
  a.sessions = sessions;
  a.participants = participants;
  a.outputs = outputs;
  return a;
}

static Huibao__V1__Problem prob(const char *category, int status, int scope, uint32_t measures,
                                int32_t deadline)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a";
  p.id = "P1";
  p.version = 1;
  p.campaign = "jf";
  p.category = (char *)category;
  p.has_status = p.has_scope = p.has_measures = p.has_deadline = 1;
  p.status = (Huibao__V1__ProblemStatus)status;
  p.scope = (Huibao__V1__ProblemScope)scope;
  p.measures = measures;
  p.deadline = deadline;
  return p;
}

static void test_activity_add_remove(void)
{
  hb_agg a;
  CHECK_EQ_INT(0, hb_agg_init(&a, "jf", "xq-a"));
  Huibao__V1__Activity r1 = act("jf", 1, 1, 2, 30, 1), r2 = act("jf", 2, 1, 5, 100, 0);
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &r1, +1));
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &r2, +1));
  CHECK_EQ_INT(2, a.records);
  CHECK_EQ_INT(1, a.act[1][1].records);
  CHECK_EQ_INT(5, a.act[2][1].sessions);
  hb_totals t = hb_agg_activity_totals(&a);
  CHECK_EQ_INT(2, t.records);
  CHECK_EQ_INT(7, t.sessions);
  CHECK_EQ_INT(130, t.participants);
  CHECK_EQ_INT(1, t.outputs);
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &r1, -1));
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &r2, -1));
  CHECK(hb_agg_is_empty(&a));
  /* removing what was never added is refused and changes nothing */
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_activity(&a, &r1, -1));
  CHECK(hb_agg_is_empty(&a));
  /* wrong campaign and tombstones */
  Huibao__V1__Activity other = act("zt", 1, 1, 1, 1, 1);
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_activity(&a, &other, +1));
  r1.has_deleted = 1;
  r1.deleted = 1;
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &r1, +1));
  CHECK(hb_agg_is_empty(&a));
  hb_agg_free(&a);
}

static void test_problem_status_move(void)
{
  hb_agg a;
  hb_agg_init(&a, "jf", "xq-a");
  Huibao__V1__Problem before = prob("county", 2, 1, 3, 19000);
  Huibao__V1__Problem after = prob("county", 3, 1, 4, 19000);
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &before, +1));
  CHECK_EQ_INT(1, a.by_status[2]);
  CHECK_EQ_INT(1, (long long)hb_agg_overdue(&a, 19001));
  CHECK_EQ_INT(0, (long long)hb_agg_overdue(&a, 19000));
  /* edit: rectifying -> resolved, as the county applies it */
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &after, +1));
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &before, -1));
  CHECK_EQ_INT(1, a.problems);
  CHECK_EQ_INT(1, a.records);
  CHECK_EQ_INT(0, a.by_status[2]);
  CHECK_EQ_INT(1, a.by_status[3]);
  CHECK_EQ_INT(4, a.measures);
  CHECK_EQ_INT(1, a.ncats);
  CHECK_EQ_STR("county", a.cats[0].code);
  CHECK_EQ_INT(1, a.cats[0].count);
  CHECK_EQ_INT(1, a.cats[0].resolved);
  CHECK_EQ_INT(0, a.ndeadlines); /* resolved problems are never overdue */
  CHECK_EQ_INT(0, (long long)hb_agg_overdue(&a, 30000));
  hb_agg_free(&a);
}

static void test_category_move_and_tombstone(void)
{
  hb_agg a;
  hb_agg_init(&a, "jf", "xq-a");
  Huibao__V1__Problem p1 = prob("philosophy", 1, 2, 0, 0), p2 = prob("county", 1, 2, 0, 0);
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p1, +1));
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p2, +1));
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p1, -1));
  CHECK_EQ_INT(1, a.ncats);
  CHECK_EQ_STR("county", a.cats[0].code);
  CHECK_EQ_INT(1, a.by_scope[2]);
  Huibao__V1__Problem tomb = HUIBAO__V1__PROBLEM__INIT;
  tomb.unit = "xq-a";
  tomb.id = "P1";
  tomb.version = 9;
  tomb.has_deleted = 1;
  tomb.deleted = 1;
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &tomb, +1)); /* contributes nothing */
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p2, -1));   /* the old record leaves */
  CHECK(hb_agg_is_empty(&a));
  CHECK_EQ_INT(0, a.ncats);
  hb_agg_free(&a);
}

static void test_overdue(void)
{
  hb_agg a;
  hb_agg_init(&a, "jf", "xq-a");
  Huibao__V1__Problem p1 = prob("c", 1, 1, 0, 100), p2 = prob("c", 2, 1, 0, 200),
                      p3 = prob("c", 2, 1, 0, 200), p4 = prob("c", 1, 1, 0, 0);
  hb_agg_add_problem(&a, &p1, +1);
  hb_agg_add_problem(&a, &p2, +1);
  hb_agg_add_problem(&a, &p3, +1);
  hb_agg_add_problem(&a, &p4, +1);
  CHECK_EQ_INT(0, (long long)hb_agg_overdue(&a, 100));
  CHECK_EQ_INT(1, (long long)hb_agg_overdue(&a, 101));
  CHECK_EQ_INT(1, (long long)hb_agg_overdue(&a, 200));
  CHECK_EQ_INT(3, (long long)hb_agg_overdue(&a, 201));
  CHECK_EQ_INT(2, a.ndeadlines);
  hb_agg_free(&a);
}

static void fill(hb_agg *a)
{
  hb_agg_init(a, "jf", "xq-a");
  Huibao__V1__Activity r1 = act("jf", 1, 3, 2, 30, 1), r2 = act("jf", 2, 12, 1, 7, 2);
  Huibao__V1__Problem p1 = prob("county", 2, 1, 3, 19000), p2 = prob("philosophy", 3, 2, 1, 0),
                      p3 = prob("county", 1, 0, 0, 18000);
  hb_agg_add_activity(a, &r1, +1);
  hb_agg_add_activity(a, &r2, +1);
  hb_agg_add_problem(a, &p1, +1);
  hb_agg_add_problem(a, &p2, +1);
  hb_agg_add_problem(a, &p3, +1);
}

static void test_pack_roundtrip_and_diff(void)
{
  hb_agg a, b, c;
  fill(&a);
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_agg_pack(&a, &buf, &len));
  CHECK_EQ_INT(0, hb_agg_unpack(buf, len, &b));
  free(buf);
  CHECK(hb_agg_equal(&a, &b));
  CHECK_EQ_INT(1, b.by_scope[0]); /* derived: problems without scope */
  CHECK_EQ_INT(2, (long long)hb_agg_overdue(&b, 19001));
  CHECK_EQ_INT(0, hb_agg_copy(&c, &b));
  CHECK(hb_agg_equal(&a, &c));
  char line[256];
  hb_agg_diff(&a, &c, line, sizeof line);
  CHECK_EQ_STR("", line);
  c.act[1][3].participants++;
  CHECK(!hb_agg_equal(&a, &c));
  hb_agg_diff(&a, &c, line, sizeof line);
  CHECK_EQ_STR("jf/xq-a: activities unit/lecture records,sessions,participants,outputs "
               "1,2,30,1 != 1,2,31,1",
               line);
  c.act[1][3].participants--;
  c.cats[0].resolved = 5;
  hb_agg_diff(&a, &c, line, sizeof line);
  CHECK_EQ_STR("jf/xq-a: category county count,resolved 2,0 != 2,5", line);
  hb_agg_free(&b);
  CHECK_EQ_INT(HB_EPARSE, hb_agg_unpack((const uint8_t *)"\xff\xff", 2, &b));
  hb_agg_free(&a);
  hb_agg_free(&c);
}

int main(void)
{
  RUN(test_activity_add_remove);
  RUN(test_problem_status_move);
  RUN(test_category_move_and_tombstone);
  RUN(test_overdue);
  RUN(test_pack_roundtrip_and_diff);
  return test_summary();
}
