/* hb_xlsx_out.h: text cells of the .xlsx files the county and the city
 * write with libxlsxwriter (sub/export.c's workbook, the lists'
 * 整改台账 of hb_list_xlsx.c): one sanitiser, so a name reads back as typed
 * in every file (docs/security.md, "Outputs carry what names carry"). */
#ifndef HB_XLSX_OUT_H
#define HB_XLSX_OUT_H

#include <xlsxwriter.h>

/* s as the text of an .xlsx cell, malloc'd (the caller frees it; NULL when
 * out of memory): without the characters XML 1.0 forbids (hb_text_xml_dup);
 * a CR, alone or before LF, as LF, Excel's line break in a cell
 * (libxlsxwriter would write it as "_x000D_", which readers other than
 * Excel show as it is); and every "_xHHHH_" turned into "_x005F_xHHHH_":
 * Excel reads _xHHHH_ in a string as the character U+HHHH, so a name
 * holding "_x003D_" would otherwise show as "=". */
char *hb_xlsx_out_text(const char *s);

/* A text cell: always a shared string (never a formula), as
 * hb_xlsx_out_text makes it; an empty text writes a blank cell when fmt is
 * given, nothing otherwise. */
lxw_error hb_xlsx_out_string(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                             lxw_format *fmt);

#endif
