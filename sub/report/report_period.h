/* report_period.h: the reporting periods of a campaign with a cycle (issue
 * 13, docs/periods.md) as a report template sees them
 * (docs/templates/README.md, "报送期"), on top of the rollup JSON's
 * periods, period_last_closed and contradictions:
 *
 *   periods      every period, chronological; each with what the rollup
 *                JSON gives (id, start, end, due, counts, units, activities,
 *                problems) and n (its number, 1 = the first), due_date,
 *                due_time, and its units by state: reported, nil, late,
 *                missing, pending, each a list of {code, name, county} in
 *                units.csv order
 *   period       the chosen period (one of periods): --period ID, else the
 *                last closed one; null when there is none (no cycle, or no
 *                period closed yet)
 *   contradictions  as in the rollup JSON, each with unit_name
 *
 * A campaign without a cycle: periods and contradictions are empty lists,
 * period is null. */
#ifndef SUB_REPORT_PERIOD_H
#define SUB_REPORT_PERIOD_H

#include <stddef.h>
#include <jansson.h>

/* Completes the model m (sub_report_model's, which must hold "unit", the
 * units by code) in place. period_id: the period asked for (--period), or
 * NULL for the last closed one. Returns 0; HB_ENOTFOUND when period_id is
 * not a period of the campaign (err: the ids it has, in Chinese and
 * English); HB_ENOMEM. */
int sub_report_model_periods(json_t *m, const char *period_id, char *err, size_t errlen);

#endif
