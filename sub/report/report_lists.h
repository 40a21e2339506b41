/* report_lists.h: the lists a report template loops over (issue 15,
 * docs/templates/README.md "清单"): problems_list, cases_list and
 * activities_list, the rows of lib/hb_list.h (keys in docs/lists.md) of
 * the report's campaign, from the city's replica (sub/replica.h) when
 * `report --data DIR` has one; empty lists otherwise (then a template's
 * {% for %} renders its {% else %} branch). */
#ifndef SUB_REPORT_LISTS_H
#define SUB_REPORT_LISTS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "collect.h"

/* Sets model's problems_list, cases_list and activities_list (arrays,
 * always present) to the rows of campaign from the replica in data_dir
 * (NULL: none), with the names of the counties' rollups of campaign in c
 * (may be NULL); today (days since epoch, county local) for overdue.
 * *had_replica (may be NULL) tells whether a replica was read. Returns 0,
 * or an hb_err with err saying why (the replica could not be read);
 * a data_dir without a replica is no error. */
int sub_report_model_lists(json_t *model, const char *data_dir, const char *campaign,
                           const sub_collect *c, int32_t today, bool *had_replica, char *err,
                           size_t errlen);

#endif
