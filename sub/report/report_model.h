/* report_model.h: the data a report template sees (docs/templates/README.md
 * lists every name): the JSON of `huibao-sub snapshot --format json` for
 * one campaign, with what reports need on top of it: every activity kind,
 * level, unit type and cube cell present (zeros included, so a template does
 * not fail on a county without lectures), category shares rounded by largest
 * remainder (share_lr, adding up to exactly 100.00%), the units of each
 * category ordered by their problems in it (unit_list), per-unit category
 * counts, units by code and by type, the missing units by name. */
#ifndef SUB_REPORT_MODEL_H
#define SUB_REPORT_MODEL_H

#include <jansson.h>
#include "huibao/v1/huibao.pb-c.h"

/* A new object (caller decrefs), or NULL when out of memory. */
json_t *sub_report_model(const Huibao__V1__Rollup *r);

#endif
