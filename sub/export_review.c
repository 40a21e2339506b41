/* export_review.c: the review figures of `huibao-sub export` (issue 14,
 * export_review.h). */
#include "export_review.h"

#include "hb_rollup.h"
#include "export_xlsx.h"

const char *const sub_export_review_headers[SUB_EXPORT_REVIEW_NCOLS] = {
    "已销号", "待销号", "退回", "重新打开", "待审批撤销", "活动退回"};

const char *const sub_export_review_cat_headers[SUB_EXPORT_REVIEW_NCAT] = {
    "已销号", "待销号", "退回", "重新打开", "待审批撤销"};

void sub_export_review_values(const Huibao__V1__ProblemCounts *p, uint64_t act_returned,
                              uint64_t out[SUB_EXPORT_REVIEW_NCOLS])
{
  hb_rollup_review v;
  hb_rollup_review_of_pc(p, &v);
  out[0] = v.confirmed;
  out[1] = v.claimed;
  out[2] = v.returned;
  out[3] = v.reopened;
  out[4] = v.deletion_pending;
  out[5] = act_returned;
}

void sub_export_review_cat_values(const Huibao__V1__CategoryCount *c,
                                  uint64_t out[SUB_EXPORT_REVIEW_NCAT])
{
  hb_rollup_review v;
  hb_rollup_review_of_cat(c, &v);
  out[0] = v.confirmed;
  out[1] = v.claimed;
  out[2] = v.returned;
  out[3] = v.reopened;
  out[4] = v.deletion_pending;
}

/* One row of the block: code, name, county as text, then resolved and the
 * six figures. */
static lxw_error block_row(lxw_worksheet *ws, lxw_row_t row, const char *const text[3],
                           uint64_t resolved, const uint64_t v[SUB_EXPORT_REVIEW_NCOLS],
                           lxw_format *tf, lxw_format *nf)
{
  lxw_error err = LXW_NO_ERROR;
  for (lxw_col_t c = 0; c < 3 && !err; c++)
    err = sub_export_xlsx_string(ws, row, c, text[c] ? text[c] : "", tf);
  if (!err)
    err = worksheet_write_number(ws, row, 3, (double)resolved, nf);
  for (lxw_col_t c = 0; c < SUB_EXPORT_REVIEW_NCOLS && !err; c++)
    err = worksheet_write_number(ws, row, 4 + c, (double)v[c], nf);
  return err;
}

lxw_error sub_export_review_block(lxw_worksheet *ws, const Huibao__V1__Rollup *r, lxw_row_t *row,
                                  lxw_format *head, lxw_format *integer, lxw_format *total_text,
                                  lxw_format *total_int)
{
  static const char *const fixed[] = {"单位编码", "单位名称", "县区", "已整改"};
  lxw_error err = LXW_NO_ERROR;
  *row += 2;
  for (lxw_col_t c = 0; c < 4 && !err; c++)
    err = worksheet_write_string(ws, *row, c, fixed[c], head);
  for (lxw_col_t c = 0; c < SUB_EXPORT_REVIEW_NCOLS && !err; c++)
    err = worksheet_write_string(ws, *row, 4 + c, sub_export_review_headers[c], head);
  uint64_t v[SUB_EXPORT_REVIEW_NCOLS];
  for (size_t i = 0; i < r->n_units && !err; i++) {
    const Huibao__V1__UnitRow *u = r->units[i];
    sub_export_review_values(u->problems, u->activities_returned, v);
    const char *text[3] = {u->code, u->name, u->county};
    err = block_row(ws, ++*row, text, u->problems ? u->problems->resolved : 0, v, NULL, integer);
  }
  if (err)
    return err;
  sub_export_review_values(r->problems, r->activities_returned, v);
  const char *text[3] = {"合计", "", ""};
  return block_row(ws, ++*row, text, r->problems ? r->problems->resolved : 0, v, total_text,
                   total_int);
}
