/* export_review.h: the county's review of the problems (issue 14) in
 * `huibao-sub export`: 已销号, 待销号, 退回, 重新打开, 待审批撤销 and 活动退回 per
 * unit and in total (hb_rollup_review.h reads them, so a county of the
 * previous version shows 0 and its resolved problems as 待销号).
 *
 * The .xlsx keeps its unit table's columns (the fixed ones, then one per
 * category: what other programs read by position) and shows the review in
 * a block of its own below the categories block, one row per unit and a
 * 合计 row; the categories block gains the five columns. The CSV, which has
 * no per-category columns, appends the six to every row when any rollup
 * exported carries the review counts (hb_rollup_review_present: a CSV of
 * counties of the previous version only keeps its earlier columns). */
#ifndef SUB_EXPORT_REVIEW_H
#define SUB_EXPORT_REVIEW_H

#include <stdint.h>
#include <stdio.h>
#include <xlsxwriter.h>
#include "huibao/v1/huibao.pb-c.h"

#define SUB_EXPORT_REVIEW_NCOLS 6

/* The CSV's header cells, in order (static strings). */
extern const char *const sub_export_review_headers[SUB_EXPORT_REVIEW_NCOLS];

/* The six figures of p and act_returned (p may be NULL), in the order of
 * sub_export_review_headers. */
void sub_export_review_values(const Huibao__V1__ProblemCounts *p, uint64_t act_returned,
                              uint64_t out[SUB_EXPORT_REVIEW_NCOLS]);

/* The five review columns of the categories block (headers). */
#define SUB_EXPORT_REVIEW_NCAT 5
extern const char *const sub_export_review_cat_headers[SUB_EXPORT_REVIEW_NCAT];

/* A category's five figures, in the order of sub_export_review_cat_headers. */
void sub_export_review_cat_values(const Huibao__V1__CategoryCount *c,
                                  uint64_t out[SUB_EXPORT_REVIEW_NCAT]);

/* The block 审核情况: after a blank row below *row, a header row (单位编码,
 * 单位名称, 县区, 已整改, then the six), one row per unit of r and a 合计
 * row of r's own counts; *row becomes the last row written. head formats
 * the header, integer the figures, total_text/total_int the 合计 row. */
lxw_error sub_export_review_block(lxw_worksheet *ws, const Huibao__V1__Rollup *r, lxw_row_t *row,
                                  lxw_format *head, lxw_format *integer, lxw_format *total_text,
                                  lxw_format *total_int);

#endif
