/* hb_table.h: a table of text cells for terminals, columns aligned by
 * display width (CJK characters take two columns) and separated by two
 * spaces; no '|' is drawn, so a '|' in a name is one character of its
 * cell. Cells are sanitised copies: control characters from the network
 * never reach the terminal, and characters whose width a terminal does not
 * agree on with hb_utf8_width (C1 controls, U+FFFE/U+FFFF, zero-width and
 * bidi controls, which could also reorder the columns on screen) print as
 * '?', so names cannot shift the columns. A cell longer than about
 * HB_TABLE_CELL - 8 bytes is cut with "…".
 *
 * The same mechanism as the static tbl of hb_rollup_table.c (which should
 * adopt this one). */
#ifndef HB_TABLE_H
#define HB_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define HB_TABLE_MAXCOL 16
#define HB_TABLE_CELL 96

typedef struct hb_table {
  size_t ncols, nrows, cap;
  char (*cells)[HB_TABLE_MAXCOL][HB_TABLE_CELL];
  bool right[HB_TABLE_MAXCOL];
  bool failed; /* out of memory: rows were dropped */
} hb_table;

/* align: one letter per column, 'l' left, 'r' right (at most
 * HB_TABLE_MAXCOL). */
void hb_table_init(hb_table *t, const char *align);
void hb_table_free(hb_table *t);
/* Adds a row of ncols cells (copied); NULL cells print empty. */
void hb_table_row(hb_table *t, const char *const *cells);
/* Text as a cell prints it (for a line outside a table): an excerpt of s
 * of at most about max bytes (hb_text_excerpt), then every character of
 * odd width replaced by '?'. buf is always NUL-terminated. */
void hb_table_printable(const char *s, size_t max, char *buf, size_t len);
/* Writes the rows, each line starting with indent. */
void hb_table_print(const hb_table *t, FILE *f, const char *indent);

#endif
