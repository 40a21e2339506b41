/* hb_csv.h: an RFC 4180 CSV reader over an in-memory UTF-8 buffer, and
 * the one field writer (hb_csv_field_put).
 *
 * Quoted fields may hold commas, doubled quotes and newlines; CRLF and LF
 * both end records; a trailing empty line is not a record. Each row reports
 * the physical line it starts on, so messages can name it. Fields and rows
 * are bounded (HB_CSV_MAX_FIELD bytes, HB_CSV_MAX_FIELDS fields): a longer
 * one is an error for that line, not a crash. */
#ifndef HB_CSV_H
#define HB_CSV_H

#include <stddef.h>

#define HB_CSV_MAX_FIELD (64 * 1024)
#define HB_CSV_MAX_FIELDS 256

typedef struct hb_csv hb_csv;

typedef struct hb_csv_row {
  unsigned line; /* 1-based physical line the record starts on */
  size_t nfields;
  char **fields; /* NUL-terminated, owned by the reader, valid until the next call */
} hb_csv_row;

/* buf must stay valid while the reader is used. */
int hb_csv_open(hb_csv **out, const char *buf, size_t len);
void hb_csv_close(hb_csv *csv);

/* Returns 1 and sets *row, 0 at end of input, or HB_EPARSE with a message
 * such as "line 7: unterminated quoted field" in err. After an error the
 * reader skips to the next line, so the caller may go on. */
int hb_csv_next(hb_csv *csv, const hb_csv_row **row, char *err, size_t errlen);

/* Writes s as one CSV field for a spreadsheet: RFC 4180 quoted when it
 * holds a comma, a quote (doubled), CR or LF; text a spreadsheet would take
 * for a formula (OWASP "CSV injection": it starts with = + - @, a tab or a
 * CR) gets a leading ' (inside the quotes). out has room for
 * HB_CSV_FIELD_ROOM(strlen(s)) bytes; no NUL is written. Returns the bytes
 * written. */
#define HB_CSV_FIELD_ROOM(len) (2 * (len) + 3)
size_t hb_csv_field_put(char *out, const char *s);

#endif
