/* hb_list_internal.h: what the files of the list share (hb_list.c: the
 * list, its names and filters; hb_list_row.c: a record as a row object;
 * hb_list_out.c: the columns, table, CSV, JSON; hb_list_xlsx.c: the
 * workbook). Private to lib/hb_list*.c. */
#ifndef HB_LIST_INTERNAL_H
#define HB_LIST_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include "hb_list.h"

/* A name of the rollups: key = a type letter and parts separated by
 * LIST_SEP (see list_key), value owned. */
#define LIST_SEP '\x1f'
typedef struct list_name {
  char *key, *val;
  size_t seq; /* insertion order: of equal keys the first given wins */
} list_name;

typedef struct list_row {
  const char *county, *unit, *id; /* borrowed from o's strings */
  json_t *o;                      /* owned */
  bool overdue;
} list_row;

struct hb_list {
  hb_list_what what;
  hb_list_filter f; /* strings owned */
  list_name *names;
  size_t nnames, capnames;
  bool names_sorted;
  list_row *rows;
  size_t nrows, caprows;
  json_t *arr; /* the sorted rows, made by hb_list_rows (owned) */
};

/* The key "T" a LIST_SEP b LIST_SEP ... (parts NULL end it) into buf;
 * its length, 0 when it does not fit. */
size_t list_key(char *buf, size_t cap, char type, const char *a, const char *b, const char *c,
                const char *d);
/* The value under key, NULL if none (sorts the names first if needed). */
const char *list_name_get(hb_list *l, const char *key);

/* The row object of r (a record of the list's kind that passed the
 * filter), new reference or NULL when out of memory; *overdue whether it
 * is an overdue problem. (hb_list_row.c) */
json_t *list_row_make(hb_list *l, const hb_list_rec *r, bool *overdue);
/* The review state's words: code ("none", "claimed", "confirmed",
 * "returned", "reopened", "deletion", "deletion_refused") and Chinese, for
 * a record of kind with body rec; "" "" for kinds without review (cases). */
void list_review_words(char kind, const Huibao__V1__Record *rec, const Huibao__V1__ReviewState *st,
                       const char **code, const char **zh);

/* One column of the CSV, the xlsx and (when table) the terminal table. */
typedef enum list_col_type {
  LIST_COL_TEXT,
  LIST_COL_INT,
  LIST_COL_INT0,
  LIST_COL_DATE
} list_col_type;
typedef struct list_col {
  const char *key; /* the row object's key */
  const char *zh;  /* the header */
  list_col_type type;
  double width; /* xlsx column width */
  bool table;   /* also in the terminal table */
} list_col;
/* The columns of what (hb_list_out.c), *n their count. */
const list_col *list_cols(hb_list_what what, size_t *n);
/* The cell of a row as text (LIST_COL_INT0: "" for 0) into buf. */
const char *list_cell_text(json_t *row, const list_col *c, char *buf, size_t len);

#endif
