/* hb_ledger_cells.h: the columns of the ledger tables and the reading of one
 * row's cells, shared by hb_ledger.c (tables, headers, files) and
 * hb_ledger_rows.c (a row -> its record). Internal to hb_ledger*.c.
 *
 * A cell that cannot be read is reported ("activities.csv:12: 日期: 不是有效
 * 日期 (not a date): 2022-13-01", or "台账.xlsx:活动!C12: ..." for a sheet)
 * under the header the clerk wrote, and the row is left out. */
#ifndef HB_LEDGER_CELLS_H
#define HB_LEDGER_CELLS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hb_ledger.h"

/* Every column any table has. A column is named in messages by its proto
 * field (hb_validate's violation field) and its Chinese header. */
enum {
  F_ID,
  F_CAMPAIGN,
  F_DATE,
  F_KIND,
  F_LEVEL,
  F_SESSIONS,
  F_PARTICIPANTS,
  F_OUTPUTS,
  F_TITLE,
  F_IDENTIFIED_ON,
  F_SCOPE,
  F_CATEGORY,
  F_STATUS,
  F_MEASURES,
  F_DEADLINE,
  F_RESOLVED_ON,
  F_DESCRIPTION,
  F_SUBCATEGORY,
  F_OWNER,
  F_MEASURES_TEXT,
  F_SOURCE,
  F_TERM,
  F_INDICATOR,
  F_VALUE,
  F_NOTE,
  F_CASE_TYPE,
  F_CASE_TITLE,
  F_SUMMARY,
  F_PERIOD,
  F_FILLED_BY,
  F_APPROVED_BY,
  F_NOTHING_NEW,
  F_REPORT_CAMPAIGN, /* 专项 of a 报送 row: optional */
  F_COUNT
};

typedef struct hb_ledger_field {
  const char *field; /* proto field name, as hb_validate names it */
  const char *zh;
  int required; /* the header must have this column */
} hb_ledger_field;

extern const hb_ledger_field hb_ledger_fields[F_COUNT];

/* The columns of table (hb_ledger_table_id) in documented order, ended by
 * -1; NULL for an unknown table. */
const int *hb_ledger_table_fields(int table);

/* A table being read: where it is, what it checks against, what it found. */
typedef struct hb_ledger_ctx {
  const char *name;
  const char *sheet; /* sheet of a workbook (name is the file), NULL for CSV */
  int table;         /* hb_ledger_table_id */
  const char *unit;
  const hb_campaigns *campaigns;
  int32_t today;
  hb_ledger *out;
  hb_diags *diags;
  int col[F_COUNT];   /* field -> column index, -1 absent */
  char *hdr[F_COUNT]; /* header text as the clerk wrote it, owned */
  size_t ncols;
  size_t errors;
  int nomem;
  size_t cap_rows, cap_lines, cap_inv; /* capacities of this table's arrays in out */
} hb_ledger_ctx;

/* Reports a problem of a row (field -1: of the row or the header). A sheet
 * of a workbook is named "台账.xlsx:问题!E7": the cell of column index col,
 * or of the field's column, or column A when it has none. Counts an error. */
void hb_ledger_verror(hb_ledger_ctx *t, unsigned line, int col, int field, const char *fmt,
                      va_list ap) __attribute__((format(printf, 5, 0)));
void hb_ledger_error(hb_ledger_ctx *t, unsigned line, int field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same at the cell of column index col (for workbooks). */
void hb_ledger_error_at(hb_ledger_ctx *t, unsigned line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The cell of field f in row ("" when the column is absent). */
const char *hb_ledger_cell(const hb_csv_row *row, const hb_ledger_ctx *t, int f);

/* Cell readers: each returns 0, or 1 when the cell was reported. */
/* A date; empty leaves *has 0. */
int hb_ledger_cell_date(hb_ledger_ctx *t, const hb_csv_row *row, int f, protobuf_c_boolean *has,
                        int32_t *day);
/* A count (ASCII or full-width digits, "1,200"); empty gives dflt. */
int hb_ledger_cell_count(hb_ledger_ctx *t, const hb_csv_row *row, int f, uint32_t dflt,
                         uint32_t max, protobuf_c_boolean *has, uint32_t *val);
/* A vocabulary word: empty gives dflt (0 = none, the validator reports a
 * missing value); an unknown word is reported with the allowed ones. */
int hb_ledger_cell_word(hb_ledger_ctx *t, const hb_csv_row *row, int f, int (*lookup)(const char *),
                        int dflt, const char *allowed, protobuf_c_boolean *has, int *val);
/* A decimal number in 1/HB_INDICATOR_SCALE ("1.25" -> 12500, exactly, no
 * floating point); empty leaves *has 0. */
int hb_ledger_cell_decimal(hb_ledger_ctx *t, const hb_csv_row *row, int f, protobuf_c_boolean *has,
                           int64_t *val);

/* Outcomes of hb_ledger_decimal_parse. */
enum { HB_DECIMAL_OK, HB_DECIMAL_NOT_NUMBER, HB_DECIMAL_PLACES, HB_DECIMAL_TOO_BIG };

/* Parses s (trimmed): an optional sign ("-", full-width "－"), digits (ASCII
 * or full-width) with optional "," thousands separators in groups of three,
 * an optional fraction after "." (or full-width "．") and an optional
 * exponent ("1.5E-3", as a workbook may store a number). The value must be
 * a whole number of ten-thousandths (trailing zeros past the fourth place
 * are fine: "1.250000") and |value| <= HB_INDICATOR_VALUE_MAX. */
int hb_ledger_decimal_parse(const char *s, int64_t *out);

/* Adds "A:"/"P:"/"I:"/"C:"/"R:" + id to out->invalid_ids. */
void hb_ledger_add_invalid(hb_ledger_ctx *t, const char *id);

/* Reports violation v of a row under the column its field names. */
void hb_ledger_report(hb_ledger_ctx *t, unsigned line, const char *field, const char *reason);

/* Grows *arr (elements of elem bytes, capacity *cap) to hold need. */
int hb_ledger_grow(void **arr, size_t *cap, size_t need, size_t elem);

/* Copies s to *p and advances it past the NUL; returns the copy. */
char *hb_ledger_place(char **p, const char *s);

/* A valid row of the table, from its cells: built, validated, stored in
 * t->out (or reported and its id marked invalid). id is NULL when the id
 * cell was unreadable; bad is 1 when something was already reported. */
void hb_ledger_row_activity(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad);
void hb_ledger_row_problem(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad);
void hb_ledger_row_indicator(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad);
void hb_ledger_row_case(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad);
/* A 报送 row: its id was made by hb_ledger_report_row_id. */
void hb_ledger_row_report(hb_ledger_ctx *t, const hb_csv_row *row, const char *id, int bad);

/* The id of a 报送 row (hb_ledger_report_id) into buf (HB_ID_MAX + 1
 * bytes), or NULL when the 报送期 cell is empty or unreadable (reported). */
const char *hb_ledger_report_row_id(hb_ledger_ctx *t, const hb_csv_row *row, char *buf, size_t len);

#endif
