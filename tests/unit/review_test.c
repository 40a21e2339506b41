/* review_test.c: the review rules (hb_review), the review counts of an
 * aggregate (hb_agg_add_review, pack/unpack, diff) and the campaigns key
 * problem_delete (issue 14). */
#include <stdlib.h>
#include <string.h>
#include "hb_agg.h"
#include "hb_campaigns.h"
#include "hb_err.h"
#include "hb_review.h"
#include "test.h"

static int decide(char kind, bool live, bool resolved, hb_review_status cur, hb_review_action a,
                  hb_review_status *next, const char **why)
{
  hb_review_subject x = {kind, live, resolved, cur};
  return hb_review_decide(&x, a, next, why);
}

static void test_decide(void)
{
  hb_review_status n;
  const char *why;
  CHECK_EQ_INT(0, decide('P', true, true, HB_REVIEW_NONE, HB_ACTION_CONFIRM, &n, &why));
  CHECK_EQ_INT(HB_REVIEW_CONFIRMED, n);
  CHECK(why == NULL);
  CHECK_EQ_INT(HB_ESTATE, decide('P', true, false, HB_REVIEW_NONE, HB_ACTION_CONFIRM, &n, &why));
  CHECK_CONTAINS(why, "已整改");
  CHECK_EQ_INT(HB_REVIEW_NONE, n);
  CHECK_EQ_INT(HB_ESTATE, decide('A', true, true, HB_REVIEW_NONE, HB_ACTION_CONFIRM, &n, &why));
  CHECK_EQ_INT(HB_ESTATE,
               decide('P', true, true, HB_REVIEW_CONFIRMED, HB_ACTION_CONFIRM, &n, &why));
  CHECK_EQ_INT(HB_ESTATE,
               decide('P', true, true, HB_REVIEW_DELETION_PENDING, HB_ACTION_CONFIRM, &n, &why));
  /* return: activities and problems, live, not returned, no deletion request */
  CHECK_EQ_INT(0, decide('A', true, false, HB_REVIEW_NONE, HB_ACTION_RETURN, &n, &why));
  CHECK_EQ_INT(HB_REVIEW_RETURNED, n);
  CHECK_EQ_INT(0, decide('P', true, true, HB_REVIEW_CONFIRMED, HB_ACTION_RETURN, &n, &why));
  CHECK_EQ_INT(HB_REVIEW_RETURNED, n);
  CHECK_EQ_INT(HB_ESTATE, decide('A', true, false, HB_REVIEW_RETURNED, HB_ACTION_RETURN, &n, &why));
  CHECK_EQ_INT(HB_ESTATE, decide('A', false, false, HB_REVIEW_NONE, HB_ACTION_RETURN, &n, &why));
  /* reopen: a confirmed problem only */
  CHECK_EQ_INT(0, decide('P', true, true, HB_REVIEW_CONFIRMED, HB_ACTION_REOPEN, &n, &why));
  CHECK_EQ_INT(HB_REVIEW_REOPENED, n);
  CHECK_EQ_INT(HB_ESTATE, decide('P', true, true, HB_REVIEW_NONE, HB_ACTION_REOPEN, &n, &why));
  /* deletion requests */
  CHECK_EQ_INT(
      0, decide('P', true, false, HB_REVIEW_DELETION_PENDING, HB_ACTION_APPROVE_DELETE, &n, &why));
  CHECK_EQ_INT(HB_REVIEW_NONE, n);
  CHECK_EQ_INT(
      0, decide('P', true, false, HB_REVIEW_DELETION_REFUSED, HB_ACTION_APPROVE_DELETE, &n, &why));
  CHECK_EQ_INT(
      0, decide('P', true, false, HB_REVIEW_DELETION_PENDING, HB_ACTION_REFUSE_DELETE, &n, &why));
  CHECK_EQ_INT(HB_REVIEW_DELETION_REFUSED, n);
  CHECK_EQ_INT(HB_ESTATE, decide('P', true, false, HB_REVIEW_DELETION_REFUSED,
                                 HB_ACTION_REFUSE_DELETE, &n, &why));
  CHECK_EQ_INT(HB_ESTATE,
               decide('P', true, false, HB_REVIEW_NONE, HB_ACTION_APPROVE_DELETE, &n, &why));
  CHECK_EQ_INT(HB_EINVAL, decide('I', true, false, HB_REVIEW_NONE, HB_ACTION_RETURN, &n, &why));
  CHECK_EQ_INT(HB_EINVAL, decide('P', true, false, HB_REVIEW_NONE, (hb_review_action)9, &n, &why));
  /* the words */
  CHECK_EQ_STR("approve-delete", hb_review_action_name(HB_ACTION_APPROVE_DELETE));
  CHECK_EQ_INT(HB_ACTION_REFUSE_DELETE, hb_review_action_parse("refuse-delete"));
  CHECK_EQ_INT(0, hb_review_action_parse("delete"));
  CHECK_EQ_STR("已销号", hb_review_action_zh(HB_ACTION_CONFIRM));
  CHECK_EQ_STR("deletion_pending", hb_review_status_name(HB_REVIEW_DELETION_PENDING));
  CHECK(hb_review_needs_reason(HB_ACTION_RETURN) && hb_review_needs_reason(HB_ACTION_REOPEN) &&
        hb_review_needs_reason(HB_ACTION_REFUSE_DELETE));
  CHECK(!hb_review_needs_reason(HB_ACTION_CONFIRM) &&
        !hb_review_needs_reason(HB_ACTION_APPROVE_DELETE));
}

static void test_on_version(void)
{
  bool hold;
  /* a tombstone of a live problem: a deletion request, unless free */
  CHECK_EQ_INT(HB_REVIEW_DELETION_PENDING,
               hb_review_on_version('P', HB_REVIEW_NONE, true, false, true, false, &hold));
  CHECK(hold);
  CHECK_EQ_INT(HB_REVIEW_DELETION_PENDING,
               hb_review_on_version('P', HB_REVIEW_CONFIRMED, true, false, true, false, &hold));
  CHECK(hold);
  CHECK_EQ_INT(HB_REVIEW_NONE,
               hb_review_on_version('P', HB_REVIEW_NONE, true, false, true, true, &hold));
  CHECK(!hold);
  /* of a problem already deleted, and of an activity: nothing held */
  CHECK_EQ_INT(HB_REVIEW_NONE,
               hb_review_on_version('P', HB_REVIEW_NONE, false, false, true, false, &hold));
  CHECK(!hold);
  CHECK_EQ_INT(HB_REVIEW_NONE,
               hb_review_on_version('A', HB_REVIEW_RETURNED, true, false, true, false, &hold));
  CHECK(!hold);
  /* while a request waits: another tombstone keeps it, a live version restores */
  CHECK_EQ_INT(HB_REVIEW_DELETION_REFUSED, hb_review_on_version('P', HB_REVIEW_DELETION_REFUSED,
                                                                true, false, true, false, &hold));
  CHECK(hold);
  CHECK_EQ_INT(HB_REVIEW_NONE, hb_review_on_version('P', HB_REVIEW_DELETION_PENDING, true, true,
                                                    false, false, &hold));
  CHECK(!hold);
  /* the same content keeps the status, other content answers it */
  CHECK_EQ_INT(HB_REVIEW_CONFIRMED,
               hb_review_on_version('P', HB_REVIEW_CONFIRMED, true, true, false, false, &hold));
  CHECK_EQ_INT(HB_REVIEW_NONE,
               hb_review_on_version('P', HB_REVIEW_CONFIRMED, true, false, false, false, &hold));
  CHECK_EQ_INT(HB_REVIEW_NONE,
               hb_review_on_version('A', HB_REVIEW_RETURNED, true, false, false, false, &hold));
  CHECK_EQ_INT(HB_REVIEW_NONE,
               hb_review_on_version('I', HB_REVIEW_RETURNED, true, true, false, false, &hold));
}

static Huibao__V1__Problem prob(const char *id, const char *category, int status)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a";
  p.id = (char *)id;
  p.version = 1;
  p.campaign = "jf";
  p.category = (char *)category;
  p.has_status = p.has_scope = 1;
  p.status = (Huibao__V1__ProblemStatus)status;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  return p;
}

static Huibao__V1__Activity act(const char *id)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = (char *)id;
  a.version = 1;
  a.campaign = "jf";
  a.has_level = a.has_kind = 1;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  return a;
}

static void roundtrip(const hb_agg *a)
{
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_agg_pack(a, &buf, &len));
  hb_agg b;
  CHECK_EQ_INT(0, hb_agg_unpack(buf, len, &b));
  CHECK(hb_agg_equal(a, &b));
  CHECK_EQ_INT(a->rv.confirmed, b.rv.confirmed);
  CHECK_EQ_INT(a->rv.deletion_pending, b.rv.deletion_pending);
  CHECK_EQ_INT(a->act_returned, b.act_returned);
  hb_agg c;
  CHECK_EQ_INT(0, hb_agg_copy(&c, &b));
  CHECK(hb_agg_equal(&b, &c));
  hb_agg_free(&c);
  hb_agg_free(&b);
  free(buf);
}

static void test_agg_review(void)
{
  hb_agg a;
  CHECK_EQ_INT(0, hb_agg_init(&a, "jf", "xq-a"));
  Huibao__V1__Problem p1 = prob("P1", "theory", HUIBAO__V1__PROBLEM_STATUS__RESOLVED);
  Huibao__V1__Problem p2 = prob("P2", "work", HUIBAO__V1__PROBLEM_STATUS__RECTIFYING);
  Huibao__V1__Problem p3 = prob("P3", NULL, HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED);
  Huibao__V1__Activity a1 = act("A1");
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p1, +1));
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p2, +1));
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p3, +1));
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &a1, +1));
  roundtrip(&a);
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p1, HB_REVIEW_CONFIRMED, +1));
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p2, HB_REVIEW_RETURNED, +1));
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p3, HB_REVIEW_DELETION_PENDING, +1));
  CHECK_EQ_INT(0, hb_agg_add_review(&a, &a1, NULL, HB_REVIEW_RETURNED, +1));
  /* counted nowhere: NONE, a refused deletion, an activity confirmed */
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p2, HB_REVIEW_NONE, +1));
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p2, HB_REVIEW_DELETION_REFUSED, +1));
  CHECK_EQ_INT(0, hb_agg_add_review(&a, &a1, NULL, HB_REVIEW_CONFIRMED, +1));
  CHECK_EQ_INT(1, a.rv.confirmed);
  CHECK_EQ_INT(1, a.rv.returned);
  CHECK_EQ_INT(1, a.rv.deletion_pending);
  CHECK_EQ_INT(0, a.rv.reopened);
  CHECK_EQ_INT(1, a.act_returned);
  const hb_cat_count *th = hb_agg_category(&a, "theory"), *wk = hb_agg_category(&a, "work");
  CHECK(th && th->rv.confirmed == 1 && th->rv.returned == 0);
  CHECK(wk && wk->rv.returned == 1 && wk->rv.confirmed == 0);
  roundtrip(&a);

  /* diff names the review count that differs */
  hb_agg b;
  CHECK_EQ_INT(0, hb_agg_copy(&b, &a));
  CHECK_EQ_INT(0, hb_agg_add_review(&b, NULL, &p1, HB_REVIEW_CONFIRMED, -1));
  char line[256];
  hb_agg_diff(&a, &b, line, sizeof line);
  CHECK_CONTAINS(line, "confirmed 1 != 0");
  CHECK(!hb_agg_equal(&a, &b));
  CHECK_EQ_INT(0, hb_agg_add_review(&b, &a1, NULL, HB_REVIEW_RETURNED, -1));
  CHECK_EQ_INT(0, hb_agg_add_review(&b, NULL, &p1, HB_REVIEW_CONFIRMED, +1));
  hb_agg_diff(&a, &b, line, sizeof line);
  CHECK_CONTAINS(line, "activities returned 1 != 0");
  hb_agg_free(&b);

  /* refused: removing what is not there, a status out of range, another
   * campaign, a category the aggregate does not hold, both or no record */
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_review(&a, NULL, &p1, HB_REVIEW_REOPENED, -1));
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_review(&a, NULL, &p1, 9, +1));
  Huibao__V1__Problem other = prob("P9", "nowhere", HUIBAO__V1__PROBLEM_STATUS__RESOLVED);
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_review(&a, NULL, &other, HB_REVIEW_CONFIRMED, +1));
  other.category = "theory";
  other.campaign = "zz";
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_review(&a, NULL, &other, HB_REVIEW_CONFIRMED, +1));
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_review(&a, &a1, &p1, HB_REVIEW_CONFIRMED, +1));
  CHECK_EQ_INT(HB_EINVAL, hb_agg_add_review(&a, NULL, NULL, HB_REVIEW_CONFIRMED, +1));
  CHECK_EQ_INT(1, a.rv.confirmed);

  /* a category whose last problem leaves before its review count stays
   * until the count leaves too */
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p1, -1));
  th = hb_agg_category(&a, "theory");
  CHECK(th && th->count == 0 && th->rv.confirmed == 1);
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p1, HB_REVIEW_CONFIRMED, -1));
  CHECK(hb_agg_category(&a, "theory") == NULL);
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p2, HB_REVIEW_RETURNED, -1));
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p3, HB_REVIEW_DELETION_PENDING, -1));
  CHECK(!hb_agg_is_empty(&a));
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p2, -1));
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p3, -1));
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &a1, -1));
  CHECK(!hb_agg_is_empty(&a)); /* act_returned is still 1 */
  CHECK_EQ_INT(0, hb_agg_add_review(&a, &a1, NULL, HB_REVIEW_RETURNED, -1));
  CHECK(hb_agg_is_empty(&a));
  hb_agg_free(&a);
}

/* An aggregate without review counts packs as before issue 14 (no fields
 * 13, 15-17, 12), and an old UnitAggregate unpacks with zeros. */
static void test_pack_old(void)
{
  hb_agg a;
  CHECK_EQ_INT(0, hb_agg_init(&a, "jf", "xq-a"));
  Huibao__V1__Problem p1 = prob("P1", "theory", HUIBAO__V1__PROBLEM_STATUS__RESOLVED);
  CHECK_EQ_INT(0, hb_agg_add_problem(&a, &p1, +1));
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_agg_pack(&a, &buf, &len));
  Huibao__V1__UnitAggregate *u = huibao__v1__unit_aggregate__unpack(NULL, len, buf);
  CHECK(u && u->problems);
  if (u && u->problems) {
    CHECK(!u->problems->has_confirmed && !u->problems->has_returned &&
          !u->problems->has_deletion_pending && !u->problems->has_reopened);
    CHECK(!u->has_activities_returned);
    CHECK(u->n_categories == 1 && !u->categories[0]->has_confirmed);
  }
  huibao__v1__unit_aggregate__free_unpacked(u, NULL);
  hb_agg b;
  CHECK_EQ_INT(0, hb_agg_unpack(buf, len, &b));
  CHECK_EQ_INT(0, b.rv.confirmed + b.rv.returned + b.rv.reopened + b.rv.deletion_pending);
  CHECK_EQ_INT(0, b.act_returned);
  hb_agg_free(&b);
  free(buf);
  /* with counts: the fields are there */
  CHECK_EQ_INT(0, hb_agg_add_review(&a, NULL, &p1, HB_REVIEW_REOPENED, +1));
  CHECK_EQ_INT(0, hb_agg_pack(&a, &buf, &len));
  u = huibao__v1__unit_aggregate__unpack(NULL, len, buf);
  CHECK(u && u->problems && u->problems->has_reopened && u->problems->reopened == 1);
  CHECK(u && u->n_categories == 1 && u->categories[0]->reopened == 1);
  huibao__v1__unit_aggregate__free_unpacked(u, NULL);
  free(buf);
  hb_agg_free(&a);
}

static void test_campaign_problem_delete(void)
{
  static const char ini[] = "[a]\n"
                            "name = A\n"
                            "start = 2022-01-01\n"
                            "end = 2022-12-31\n"
                            "problem_delete = free\n"
                            "[b]\n"
                            "name = B\n"
                            "start = 2022-01-01\n"
                            "end = 2022-12-31\n"
                            "problem_delete = review\n"
                            "[c]\n"
                            "name = C\n"
                            "start = 2022-01-01\n"
                            "end = 2022-12-31\n";
  hb_campaigns c = {0};
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_campaigns_parse("c.ini", ini, strlen(ini), &c, &d));
  CHECK_EQ_INT(3, c.count);
  CHECK(c.items[0].problem_delete_free);
  CHECK(!c.items[1].problem_delete_free);
  CHECK(!c.items[2].problem_delete_free);
  hb_campaigns_free(&c);
  hb_diags_free(&d);

  static const char bad[] = "[a]\n"
                            "name = A\n"
                            "start = 2022-01-01\n"
                            "end = 2022-12-31\n"
                            "problem_delete = never\n"
                            "problem_delete = free\n"
                            "problem_delete = review\n";
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_EINVAL, hb_campaigns_parse("c.ini", bad, strlen(bad), &c, &d));
  CHECK_EQ_INT(2, d.count);
  char buf[512];
  if (d.count == 2) {
    hb_diag_format(&d.items[0], buf, sizeof buf);
    CHECK_EQ_STR(
        "c.ini:5: problem_delete: 问题删除方式无效，应为 review（须审批）或 free（直接删除） "
        "(invalid problem_delete: use review or free): never",
        buf);
    hb_diag_format(&d.items[1], buf, sizeof buf);
    CHECK_EQ_STR("c.ini:7: problem_delete: 键重复 (duplicate key)", buf);
  }
  hb_campaigns_free(&c);
  hb_diags_free(&d);
}

int main(void)
{
  RUN(test_decide);
  RUN(test_on_version);
  RUN(test_agg_review);
  RUN(test_pack_old);
  RUN(test_campaign_problem_delete);
  return test_summary();
}
