/* hb_validate_report.c: the rules of a 报送 row (hb_validate.h, issue 13).
 *
 * A 报送 row says "unit U reports for period P" (of one campaign, or of
 * every campaign with a cycle when it names none). Its period is 本期 (the
 * county resolves it when it stores the row) or a period id, the due date
 * "YYYY-MM-DD". With the campaigns file, a named campaign must exist and
 * have a cycle, and a date must be the due date of one of its periods (of
 * at least one campaign with a cycle when none is named): a clerk who
 * writes the day of the meeting instead of the due gets the due of the
 * period that day falls in as the example. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_period.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "hb_validate_internal.h"

/* "每周五 18:00" / "每月 25 日 18:00" and "weekly, Friday 18:00" /
 * "monthly, day 25, 18:00". */
static void cycle_words(const hb_cycle *c, char *zh, size_t zhlen, char *en, size_t enlen)
{
  static const char *const wd_zh[8] = {"", "一", "二", "三", "四", "五", "六", "日"};
  static const char *const wd_en[8] = {"",         "Monday", "Tuesday",  "Wednesday",
                                       "Thursday", "Friday", "Saturday", "Sunday"};
  int d = c->day >= 1 && c->day <= 7 ? c->day : 0;
  int h = c->minute / 60, m = c->minute % 60;
  if (c->kind == HB_CYCLE_WEEKLY) {
    snprintf(zh, zhlen, "每周%s %02d:%02d", wd_zh[d], h, m);
    snprintf(en, enlen, "weekly, %s %02d:%02d", wd_en[d], h, m);
  } else {
    snprintf(zh, zhlen, "每月 %d 日 %02d:%02d", c->day, h, m);
    snprintf(en, enlen, "monthly, day %d, %02d:%02d", c->day, h, m);
  }
}

/* Whether period id (a canonical date) is a period of c: 1 yes, 0 no
 * (*example: the id of the period whose days hold that date, else the
 * nearest one; "" when c has none), or HB_ENOMEM. */
static int campaign_has(const hb_campaign *c, const char *id, int32_t day, char *example,
                        size_t exlen)
{
  hb_period *p;
  size_t n;
  example[0] = '\0';
  if (hb_periods_of(c, &p, &n) != 0)
    return HB_ENOMEM;
  int found = hb_period_find(p, n, id) >= 0;
  if (!found && n) {
    int i = hb_period_index_of_day(p, n, day);
    if (i < 0)
      i = day < p[0].start_day ? 0 : (int)n - 1;
    snprintf(example, exlen, "%s", p[i].id);
  }
  free(p);
  return found;
}

static int not_a_due(hb_violation *v, const hb_campaign *c, const char *id, const char *example,
                     int named)
{
  char zh[64], en[64], who[96];
  cycle_words(&c->cycle, zh, sizeof zh, en, sizeof en);
  if (named)
    snprintf(who, sizeof who, "本专项");
  else
    snprintf(who, sizeof who, "专项 %.64s ", c->id);
  if (!example[0])
    return hb_validate_fail(
        v, "period", "报送期 %s 不是报送截止日（%s%s 截止） (period %s is not a due date: %s)", id,
        who, zh, id, en);
  return hb_validate_fail(
      v, "period",
      "报送期 %s 不是报送截止日（%s%s 截止，如 %s） (period %s is not a due date: %s, "
      "e.g. %s)",
      id, who, zh, example, id, en, example);
}

/* The period against the campaigns: c the named campaign (with a cycle),
 * or NULL for every campaign with a cycle. */
static int check_period_ids(hb_violation *v, const hb_campaigns *campaigns, const hb_campaign *c,
                            const char *id, int32_t day)
{
  char example[HB_PERIOD_ID_LEN];
  if (c) {
    int has = campaign_has(c, id, day, example, sizeof example);
    if (has < 0)
      return has;
    return has ? 0 : not_a_due(v, c, id, example, 1);
  }
  const hb_campaign *first = NULL;
  char first_example[HB_PERIOD_ID_LEN] = "";
  for (size_t i = 0; i < campaigns->count; i++) {
    const hb_campaign *k = &campaigns->items[i];
    if (k->cycle.kind == HB_CYCLE_NONE)
      continue;
    int has = campaign_has(k, id, day, example, sizeof example);
    if (has < 0)
      return has;
    if (has)
      return 0;
    if (!first) {
      first = k;
      memcpy(first_example, example, sizeof example);
    }
  }
  if (!first)
    return hb_validate_fail(
        v, "period", "没有设报送周期（cycle）的专项，不能报送 (no campaign has a reporting cycle)");
  return not_a_due(v, first, id, first_example, 0);
}

/* The campaign cell: optional; with campaigns, a known one with a cycle. */
static int check_campaign(hb_violation *v, const char *s, const hb_campaigns *campaigns,
                          const hb_campaign **out)
{
  int rc = hb_validate_campaign(v, s, campaigns, 0, out);
  if (rc || !*out)
    return rc;
  if ((*out)->cycle.kind == HB_CYCLE_NONE)
    return hb_validate_fail(
        v, "campaign",
        "专项 %s 未设报送周期（cycle），不能报送 (campaign %s has no reporting cycle)", (*out)->id,
        (*out)->id);
  return 0;
}

int hb_validate_report(const Huibao__V1__Report *r, const hb_campaigns *campaigns, int32_t today,
                       hb_violation *v, hb_canon *canon)
{
  (void)today; /* a report for a future period, sent early, counts as by the due */
  hb_validate_canon_clear(canon);
  int tombstone = r->has_deleted && r->deleted;
  int rc = hb_validate_key(v, r->unit, r->id, tombstone, r->version);
  if (rc || tombstone)
    return rc;
  const char *period = r->period ? r->period : "";
  if (!*period)
    return hb_validate_fail(v, "period", "缺少报送期 (period is missing)");
  int current = strcmp(period, HB_PERIOD_CURRENT) == 0;
  int32_t day = 0;
  char canon_date[32] = "";
  if (!current) {
    if (hb_date_parse(period, &day) == 0)
      hb_date_format(day, canon_date, sizeof canon_date);
    if (strcmp(canon_date, period) != 0) {
      char ex[100];
      hb_text_excerpt(period, 64, ex, sizeof ex);
      return hb_validate_fail(
          v, "period", "报送期应为日期 YYYY-MM-DD 或“本期” (period must be YYYY-MM-DD or 本期): %s",
          ex);
    }
  }
  const hb_campaign *c = NULL;
  if ((rc = check_campaign(v, r->campaign, campaigns, &c)) ||
      (rc = hb_validate_text(v, "filled_by", "填报人", r->filled_by, 0, HB_OWNER_MAX, 1)) ||
      (rc = hb_validate_text(v, "approved_by", "审核人", r->approved_by, 0, HB_OWNER_MAX, 1)) ||
      (rc = hb_validate_text(v, "note", "说明", r->note, 0, HB_NOTE_MAX, 0)))
    return rc;
  if (campaigns) {
    if (current && !c) {
      size_t i = 0;
      while (i < campaigns->count && campaigns->items[i].cycle.kind == HB_CYCLE_NONE)
        i++;
      if (i == campaigns->count)
        return hb_validate_fail(
            v, "period",
            "没有设报送周期（cycle）的专项，不能报送 (no campaign has a reporting cycle)");
    } else if (!current && (rc = check_period_ids(v, campaigns, c, period, day))) {
      return rc;
    }
  }
  if (canon)
    canon->campaign = c;
  return 0;
}
