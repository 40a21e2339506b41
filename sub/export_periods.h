/* export_periods.h: the sheets of reporting periods (issue 13) in
 * `huibao-sub export --format xlsx`: 报送情况 (units x periods, each
 * unit's state in Chinese) and 分期统计 (each period's figures). */
#ifndef SUB_EXPORT_PERIODS_H
#define SUB_EXPORT_PERIODS_H

#include <stddef.h>
#include <xlsxwriter.h>
#include "huibao/v1/huibao.pb-c.h"

/* The words of the 报送情况 sheet for a PeriodState value: 已报送 无新增
 * 迟报 未报 未到期. */
const char *sub_export_period_state_zh(int state);

/* Adds the two sheets of r (nothing when r has no cycle) to wb, named
 * 报送情况 and 分期统计 when alone (the only campaign with a cycle), else
 * with "-" and the campaign's name appended; the names are taken from and
 * added to used[0..*nused) (room for two more). head is the header
 * format. Returns an lxw_error. */
lxw_error sub_export_periods_sheets(lxw_workbook *wb, const Huibao__V1__Rollup *r, int alone,
                                    char used[][128], size_t *nused, lxw_format *head);

#endif
