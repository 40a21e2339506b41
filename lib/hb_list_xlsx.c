/* hb_list_xlsx.c: the 整改台账 a county hands in, as an .xlsx (issue 15;
 * hb_list.h hb_list_xlsx_write, docs/lists.md): one sheet (问题整改台账,
 * 典型案例, 活动), a title row naming the place, the campaign and the date,
 * a header row frozen with the first four columns (县区 ... 编号) and an
 * autofilter over it, one row per list row with the columns of the CSV,
 * dates as Excel dates (yyyy-mm-dd), counts as numbers, and the overdue
 * problems on a red fill (Excel's "bad" style: light red fill, dark red
 * text). Printed landscape on A4, one page wide, the title and header on
 * every page. Text cells go through hb_xlsx_out_string (never a formula;
 * a name reads back as typed). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_list_internal.h"
#include "hb_xlsx_out.h"

#define EXCEL_EPOCH_1970 25569 /* the serial number of 1970-01-01 */
#define FILL_BAD 0xFFC7CE
#define FONT_BAD 0x9C0006

typedef struct xfmts {
  lxw_format *title, *head, *text[2], *num[2], *date[2]; /* [overdue] */
} xfmts;

static void fmts_make(lxw_workbook *wb, xfmts *f)
{
  f->title = workbook_add_format(wb);
  format_set_bold(f->title);
  format_set_font_size(f->title, 14);
  f->head = workbook_add_format(wb);
  format_set_bold(f->head);
  format_set_bg_color(f->head, 0xD9E1F2);
  format_set_border(f->head, LXW_BORDER_THIN);
  format_set_text_wrap(f->head);
  format_set_align(f->head, LXW_ALIGN_CENTER);
  format_set_align(f->head, LXW_ALIGN_VERTICAL_CENTER);
  for (int o = 0; o < 2; o++) {
    f->text[o] = workbook_add_format(wb);
    f->num[o] = workbook_add_format(wb);
    f->date[o] = workbook_add_format(wb);
    format_set_num_format(f->date[o], "yyyy-mm-dd");
    lxw_format *all[] = {f->text[o], f->num[o], f->date[o]};
    for (size_t i = 0; i < 3; i++) {
      format_set_border(all[i], LXW_BORDER_THIN);
      format_set_align(all[i], LXW_ALIGN_VERTICAL_TOP);
      if (o) {
        format_set_bg_color(all[i], FILL_BAD);
        format_set_font_color(all[i], FONT_BAD);
      }
    }
  }
}

/* One cell of a data row. */
static lxw_error cell_write(lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, json_t *row,
                            const list_col *col, const xfmts *f, int o)
{
  json_t *v = json_object_get(row, col->key);
  if (col->type == LIST_COL_DATE) {
    int32_t days;
    const char *s = json_string_value(v);
    if (s && *s && hb_date_parse(s, &days) == 0)
      return worksheet_write_number(ws, r, c, (double)days + EXCEL_EPOCH_1970, f->date[o]);
    return worksheet_write_blank(ws, r, c, f->text[o]);
  }
  if (col->type == LIST_COL_INT || col->type == LIST_COL_INT0) {
    json_int_t i = json_integer_value(v);
    if (col->type == LIST_COL_INT0 && i == 0)
      return worksheet_write_blank(ws, r, c, f->num[o]);
    return worksheet_write_number(ws, r, c, (double)i, f->num[o]);
  }
  return hb_xlsx_out_string(ws, r, c, json_string_value(v), f->text[o]);
}

/* The sheet: title, header, rows, then the sheet's settings. */
static lxw_error sheet_write(hb_list *l, lxw_workbook *wb, const char *place)
{
  static const char *const sheet_zh[] = {"问题整改台账", "典型案例", "活动"};
  lxw_worksheet *ws = workbook_add_worksheet(wb, sheet_zh[l->what]);
  if (!ws)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  xfmts f;
  fmts_make(wb, &f);
  size_t n;
  const list_col *cols = list_cols(l->what, &n);
  json_t *rows = hb_list_rows(l);
  if (!rows)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  char title[1024];
  hb_list_title(l, place, title, sizeof title);
  char *t = hb_xlsx_out_text(title);
  if (!t)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  lxw_error e = worksheet_merge_range(ws, 0, 0, 0, (lxw_col_t)(n - 1), t, f.title);
  free(t);
  worksheet_set_row(ws, 0, 24, NULL);
  for (size_t c = 0; e == LXW_NO_ERROR && c < n; c++) {
    e = worksheet_write_string(ws, 1, (lxw_col_t)c, cols[c].zh, f.head);
    if (e == LXW_NO_ERROR)
      e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, cols[c].width, NULL);
  }
  size_t nr = json_array_size(rows);
  for (size_t i = 0; e == LXW_NO_ERROR && i < nr; i++) {
    json_t *row = json_array_get(rows, i);
    int o = json_is_true(json_object_get(row, "overdue"));
    for (size_t c = 0; e == LXW_NO_ERROR && c < n; c++)
      e = cell_write(ws, (lxw_row_t)(i + 2), (lxw_col_t)c, row, &cols[c], &f, o);
  }
  if (e != LXW_NO_ERROR)
    return e;
  worksheet_freeze_panes(ws, 2, 4);
  e = worksheet_autofilter(ws, 1, 0, (lxw_row_t)(nr + 1), (lxw_col_t)(n - 1));
  worksheet_set_landscape(ws);
  worksheet_set_paper(ws, 9); /* A4 */
  worksheet_fit_to_pages(ws, 1, 0);
  if (e == LXW_NO_ERROR)
    e = worksheet_repeat_rows(ws, 0, 1);
  return e;
}

int hb_list_xlsx_write(hb_list *l, const char *path, const char *place, char *err, size_t errlen)
{
  lxw_workbook_options opt = {.constant_memory = LXW_FALSE, .use_zip64 = LXW_TRUE};
  lxw_workbook *wb = workbook_new_opt(path, &opt);
  if (!wb) {
    snprintf(err, errlen, "cannot create %s", path);
    return HB_EIO;
  }
  lxw_error e = sheet_write(l, wb, place);
  lxw_error ce = workbook_close(wb);
  if (e == LXW_NO_ERROR)
    e = ce;
  if (e == LXW_NO_ERROR)
    return 0;
  snprintf(err, errlen, "cannot write %s: %s", path, lxw_strerror(e));
  return e == LXW_ERROR_MEMORY_MALLOC_FAILED ? HB_ENOMEM : HB_EIO;
}
