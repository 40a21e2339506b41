/* period.h: what the agent tells the clerk about the reporting period
 * (issue 13, docs/ledger-format.md 报送).
 *
 * With a campaigns file, for each campaign with a cycle whose current
 * period (by the agent's own clock) exists, one line after a sync:
 *
 *   本期（截至 6月10日 18:00）已报送：新增 3 条 (...)
 *   本期无新增（已报送，填报人 张三） (...)
 *   本期（截至 6月10日 18:00）尚未报送 (...)
 *
 * plus a warning when the due is less than 24 hours away and nothing of the
 * period reached the county. A 报送 row saying 本期 counts for the period
 * in which the county stored it (its clock): left unchanged, it is not sent
 * again, so it never reports a later period by itself (a standing "nothing
 * new" would tell nothing); in a later period the agent says so and asks
 * for the period's date. "新增 N 条" counts the rows of the campaign
 * (activities, problems, indicators, cases) whose current version the agent
 * made within the period and the county acknowledged: read from the
 * agent's state (known versions are the times they were queued; deletions
 * are not counted). `huibao-agent check` shows the line from its --state
 * when given, else what the ledger holds for the period.
 *
 * And a warning (a note: the exit code does not change) for every 报送 row
 * that says 无新增 for a period in which the ledger has activities (日期)
 * or problems (查摆日期) of the campaign dated. */
#ifndef AGENT_PERIOD_H
#define AGENT_PERIOD_H

#include <stdint.h>
#include <stdio.h>
#include "hb_campaigns.h"
#include "hb_diag.h"
#include "hb_ledger.h"
#include "state.h"

typedef struct agent_period_view agent_period_view;

/* Takes from l and camps what the lines need (both may be freed after);
 * now_s is the agent's clock. Adds the 无新增 contradiction warnings to
 * diags (notes). *out is NULL when camps is NULL or no campaign with a cycle
 * has a current period. Returns 0 or HB_ENOMEM. */
int agent_period_view_build(agent_period_view **out, const hb_campaigns *camps, const hb_ledger *l,
                            int64_t now_s, hb_diags *diags);

/* Counts what the county acknowledged in the current periods, from s
 * (agent_state_known_each, agent_state_outbox_get). Returns 0 or an error
 * (the lines then say what the ledger holds). v may be NULL. */
int agent_period_view_count(agent_period_view *v, agent_state *s);

/* Writes the lines (and warnings) to f. v may be NULL: nothing. */
void agent_period_view_print(const agent_period_view *v, FILE *f);

void agent_period_view_free(agent_period_view *v);

#endif
