/* hb_xlsx.h: the cells of an .xlsx workbook, read as text.
 *
 * An .xlsx file is a zip (read with libzip) of XML parts (parsed with
 * expat, streamed, DOCTYPEs refused). A sheet comes back in the form hb_csv
 * gives a CSV file, so that the ledger reads either the same way: rows of
 * NUL-terminated fields, each row with its 1-based number (the Excel row
 * number, as a CSV row has its line). Cells are rendered as a clerk sees
 * them in Excel or WPS:
 *   - shared strings, inline strings and formula results: their text;
 *   - numbers: as written ("35", "2.5"); a whole number written as "35.0"
 *     or "3.5E1" becomes "35";
 *   - numbers in a date-formatted cell (built-in date formats and custom
 *     ones with y or d, per styles.xml): "YYYY-MM-DD" (1900 or 1904 date
 *     system; the time of day is dropped);
 *   - booleans: "TRUE" / "FALSE"; errors: their text ("#N/A").
 *
 * Limits (bad input is an error, never a crash): the file's size, each
 * part's uncompressed size (counted while reading, not taken from the zip
 * headers: a zip bomb stops at the limit), sheets, shared strings, rows,
 * columns, bytes per cell and per sheet. */
#ifndef HB_XLSX_H
#define HB_XLSX_H

#include <stddef.h>
#include "hb_csv.h"

#define HB_XLSX_MAX_FILE (200u * 1024 * 1024) /* bytes of the .xlsx file */
#define HB_XLSX_MAX_PART (256u * 1024 * 1024) /* uncompressed bytes of one XML part */
#define HB_XLSX_MAX_SHEETS 1000
#define HB_XLSX_MAX_STRINGS 2000000           /* shared strings */
#define HB_XLSX_MAX_ROWS 1048576              /* Excel's own limit */
#define HB_XLSX_MAX_COLS HB_CSV_MAX_FIELDS    /* columns A.. with a value */
#define HB_XLSX_MAX_CELL HB_CSV_MAX_FIELD     /* bytes of one cell's text */
#define HB_XLSX_MAX_TEXT (256u * 1024 * 1024) /* bytes of all cells of a sheet */
#define HB_XLSX_MAX_DEPTH 64                  /* nesting of XML elements (a sheet uses ~7) */

typedef struct hb_xlsx hb_xlsx;

/* One row of a sheet, as stored: only its non-empty cells (memory follows
 * the cells present, never the highest column). texts[k] is the text of
 * column cols[k] (0 = A); cols ascend. nfields is the row's width: its last
 * non-empty column + 1. hb_xlsx_row_expand gives it as a CSV-like row. */
typedef struct hb_xlsx_row {
  unsigned line; /* the sheet's row number */
  size_t nfields;
  size_t ncells;
  unsigned *cols;
  char **texts;
} hb_xlsx_row;

/* One sheet's non-empty rows (rows without any non-empty cell are left out,
 * so rows[i].line may jump). Everything is owned by the table (one arena)
 * until hb_xlsx_table_free; the texts may be trimmed in place. */
typedef struct hb_xlsx_table {
  hb_xlsx_row *rows;
  size_t nrows;
  struct hb_xlsx_arena *arena; /* private */
} hb_xlsx_table;

/* Row r as a CSV-like row: out->fields = fields, a caller's array of at
 * least HB_XLSX_MAX_COLS pointers, filled with column c's text or "" up to
 * nfields. The texts stay r's; the caller may replace pointers in fields
 * (they are its own). Returns out. */
hb_csv_row *hb_xlsx_row_expand(const hb_xlsx_row *r, hb_csv_row *out, char **fields);

/* Opens a workbook held in memory; buf must stay valid until hb_xlsx_close.
 * Reads the workbook, its relationships, styles and shared strings. Returns
 * 0, HB_EPARSE (not a zip, not a workbook, bad XML: err says which part and
 * why), HB_ETOOBIG (a limit) or HB_ENOMEM. *out is NULL on failure. */
int hb_xlsx_open_buffer(const void *buf, size_t len, hb_xlsx **out, char *err, size_t errlen);

/* Reads the file (at most HB_XLSX_MAX_FILE bytes) and opens it. Also
 * HB_ENOTFOUND and HB_EIO. */
int hb_xlsx_open_file(const char *path, hb_xlsx **out, char *err, size_t errlen);

void hb_xlsx_close(hb_xlsx *x);

/* Lowers the limit on a part's uncompressed bytes for the sheets read from
 * now on (tests use it to reach the limit with small files). */
void hb_xlsx_limit_part(hb_xlsx *x, size_t max);

/* Sheets in workbook order; names are owned by x. */
size_t hb_xlsx_sheet_count(const hb_xlsx *x);
const char *hb_xlsx_sheet_name(const hb_xlsx *x, size_t i);

/* Streams sheet i: fn(arg, row) for each non-empty row in order, the row
 * (cols, texts) valid only during the call; memory stays that of one row, so
 * a sheet of any size is read in a few MB. fn returns 0 to go on; anything
 * else stops the reading and is returned (err ""). Else returns 0, or as
 * hb_xlsx_sheet_read. Rows already given stand when a later cell fails: a
 * caller that must not act on part of a sheet reads it twice (first with a
 * callback that keeps nothing). */
typedef int (*hb_xlsx_row_fn)(void *arg, const hb_xlsx_row *row);
int hb_xlsx_sheet_each(hb_xlsx *x, size_t i, hb_xlsx_row_fn fn, void *arg, char *err,
                       size_t errlen);

/* Reads sheet i into *out (zeroed first; free with hb_xlsx_table_free in
 * every case). Returns 0, HB_EPARSE or HB_ETOOBIG with err "E7: reason"
 * when a cell is to blame, else "reason"; or HB_ENOMEM. */
int hb_xlsx_sheet_read(hb_xlsx *x, size_t i, hb_xlsx_table *out, char *err, size_t errlen);
void hb_xlsx_table_free(hb_xlsx_table *t);

/* "E7" for column index 4 (0-based) and row 7. buf of at least 16 bytes. */
void hb_xlsx_cell_name(unsigned col, unsigned row, char *buf, size_t len);

#endif
