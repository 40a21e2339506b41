/* hb_xlsx_xml.h: what the workbook reader (hb_xlsx.c) and the sheet reader
 * (hb_xlsx_sheet.c) share, private to them: the reader's state, an arena for
 * texts, and the streaming of one zip part through expat (hb_xlsx_xml.c). */
#ifndef HB_XLSX_XML_H
#define HB_XLSX_XML_H

#include <expat.h>
#include <stddef.h>
#include <stdint.h>
#include <zip.h>
#include "hb_xlsx.h"

#define XF_MAX 65536 /* cell formats (Excel allows 64000) */

struct hb_xlsx_arena {
  struct hb_xlsx_arena *next;
  size_t used, cap;
  max_align_t data[];
};

typedef struct sheet_ref {
  char *name;
  char *rid;
  char *path; /* zip entry; NULL when not a worksheet (e.g. a chart sheet) */
} sheet_ref;

struct hb_xlsx {
  zip_t *zip;
  uint64_t part_max; /* HB_XLSX_MAX_PART or less (hb_xlsx_limit_part) */
  char *owned;       /* the file's bytes when opened from a file */
  sheet_ref *sheets;
  size_t nsheets;
  int date1904;
  unsigned char *xf_date; /* per cell format: 1 = date */
  size_t nxf;
  char **sst;
  size_t nsst;
  struct hb_xlsx_arena *strings; /* shared strings */
};

/* The first member of every handler context. */
typedef struct xml_base {
  XML_Parser p;
  int rc; /* set by a handler: why the parse stopped */
  char msg[300];
  int collecting; /* character data goes to text */
  char *text;
  size_t tlen, tcap;
  unsigned depth;                /* open elements: bounded by HB_XLSX_MAX_DEPTH */
  XML_StartElementHandler start; /* the part's own handlers, behind the depth check */
  XML_EndElementHandler end;
} xml_base;

/* Arena: blocks of at least 1 MiB; everything freed at once. */
void xlsx_arena_free(struct hb_xlsx_arena *a);
void *xlsx_arena_alloc(struct hb_xlsx_arena **head, size_t n);
char *xlsx_arena_strdup(struct hb_xlsx_arena **head, const char *s, size_t n);

/* Stops the parse of b with rc and a message (the first one stands). */
void xlsx_xml_fail(xml_base *b, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An element or attribute name without its namespace. */
const char *xlsx_local(const char *name);
/* The value of attribute name (without namespace), or NULL. */
const char *xlsx_attr(const char **atts, const char *name);
/* Empties the collected character data of b. */
void xlsx_text_reset(xml_base *b);
/* A decimal of at most max: 0, or -1 (s NULL, empty, not digits, too big). */
int xlsx_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Streams zip entry `path` through expat with the given handlers (b is the
 * user data). Returns 0; HB_ENOTFOUND when the entry does not exist (err
 * untouched); else an error with err "PATH: reason". */
int xlsx_part_parse(hb_xlsx *x, const char *path, xml_base *b, XML_StartElementHandler start,
                    XML_EndElementHandler end, char *err, size_t errlen);

#endif
