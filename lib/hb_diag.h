/* hb_diag.h: diagnostics a person can act on: "FILE:LINE: column: reason".
 *
 * Parsers append one hb_diag per problem found and go on, so that a clerk
 * sees every bad row of a ledger at once. The list owns copies of all
 * strings passed in. */
#ifndef HB_DIAG_H
#define HB_DIAG_H

#include <stddef.h>
#include <stdio.h>

typedef struct hb_diag {
  char *file;    /* path as given by the caller; may be NULL */
  unsigned line; /* 1-based physical line, 0 = whole file */
  char *column;  /* column/field name as the file names it; may be NULL */
  char *message; /* why, in words a clerk understands */
  int is_note;   /* 1: informational (e.g. "file not found, taken as empty"), not an error */
} hb_diag;

typedef struct hb_diags {
  hb_diag *items;
  size_t count;
  size_t cap;
  size_t limit;   /* stop storing after this many (0 = 1000); count goes on */
  size_t dropped; /* diagnostics not stored because of limit */
  size_t notes;   /* how many of items are notes (is_note) */
} hb_diags;

void hb_diags_init(hb_diags *d);
void hb_diags_free(hb_diags *d);

/* Appends a diagnostic; fmt is printf-style. Returns 0 or HB_ENOMEM. */
int hb_diags_add(hb_diags *d, const char *file, unsigned line, const char *column, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));

/* Like hb_diags_add, but the entry is a note (is_note = 1): something a
 * person should know that does not make the input invalid. */
int hb_diags_note(hb_diags *d, const char *file, unsigned line, const char *column, const char *fmt,
                  ...) __attribute__((format(printf, 5, 6)));

/* Adds msg (no column) as an error of file; a leading "line N: " in msg, as
 * hb_csv and hb_text write it, becomes the diagnostic's line. */
int hb_diags_add_lined(hb_diags *d, const char *file, const char *msg);

/* Errors recorded so far: entries that are not notes, plus dropped ones. */
size_t hb_diags_errors(const hb_diags *d);

/* Writes "file:line: column: message" (parts that are absent are left out)
 * into buf, always NUL-terminated. Returns the length it wanted. */
int hb_diag_format(const hb_diag *d, char *buf, size_t len);

/* Writes every diagnostic, one per line, to f (the program chooses f). */
void hb_diags_write(const hb_diags *d, FILE *f);

#endif
