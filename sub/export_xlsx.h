/* export_xlsx.h: what the sheets of `huibao-sub export --format xlsx`
 * share (export.c, export_periods.c): text cells written defensively, as
 * export.c's header comment says, and sheet names. */
#ifndef SUB_EXPORT_XLSX_H
#define SUB_EXPORT_XLSX_H

#include <stddef.h>
#include <xlsxwriter.h>

/* s as the text of an .xlsx cell, malloc'd (the caller frees it; NULL when
 * out of memory): without the characters XML 1.0 forbids, CR as LF, and
 * Excel's _xHHHH_ escape itself escaped, so a name reads back as typed. */
char *sub_export_xlsx_text(const char *s);

/* A text cell: always a shared string (never a formula), as
 * sub_export_xlsx_text makes it; an empty text writes a blank cell when fmt
 * is given, nothing otherwise. */
lxw_error sub_export_xlsx_string(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                                 lxw_format *fmt);

/* A sheet name Excel accepts made from name, unique (case-insensitively)
 * among used[0..nused): without []:*?/\ and outer apostrophes, cut to 31
 * UTF-16 units, "~2", "~3" ... appended on a clash. */
void sub_export_sheet_name(const char *name, char used[][128], size_t nused, char *out, size_t len);

#endif
