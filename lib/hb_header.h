/* hb_header.h: the header row of a table (units.csv, a ledger's CSV file or
 * sheet): which column holds which field.
 *
 * A table declares its columns (the header texts each accepts, in English
 * or Chinese; ASCII letters without regard to case) and which are required;
 * hb_header_map finds them in the header row, in any order, and words the
 * two errors a header can have the same way for every table:
 *
 *   列重复 (duplicate column): 编号
 *   缺少必需的列 (missing required columns): 类型/kind, 日期/date
 *
 * Columns the table does not know are ignored. */
#ifndef HB_HEADER_H
#define HB_HEADER_H

#include <stddef.h>
#include "hb_csv.h"

#define HB_HEADER_MAX 32  /* columns a table may declare */
#define HB_HEADER_NAMES 4 /* header texts one column may accept */

typedef struct hb_header_col {
  const char *names[HB_HEADER_NAMES]; /* accepted texts; unused ones NULL */
  const char *label;                  /* how a message names it: "类型/kind" */
  int required;
} hb_header_col;

typedef struct hb_header {
  int col[HB_HEADER_MAX];    /* declared column i -> field index in a row, -1 absent */
  char *text[HB_HEADER_MAX]; /* its header as written (trimmed), owned; NULL when absent */
  size_t nfields;            /* fields of the header row */
} hb_header;

/* Flags of hb_header_map: name only the first missing required column
 * ("missing required column: code/编码"), not all of them. */
enum { HB_HEADER_FIRST_MISSING = 1 };

/* Maps the header row (its fields are trimmed in place) to cols[0..ncols).
 * Returns 0 with *out filled (free with hb_header_free, also on failure);
 * HB_EINVAL with the message in msg and in *at the field index of a
 * duplicate column (-1 for missing columns); HB_ENOMEM. */
int hb_header_map(const hb_header_col *cols, size_t ncols, const hb_csv_row *row, int flags,
                  hb_header *out, char *msg, size_t msglen, int *at);

/* Frees the header texts of h (h itself is the caller's). */
void hb_header_free(hb_header *h);

#endif
