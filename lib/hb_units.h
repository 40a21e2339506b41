/* hb_units.h: units.csv, the units a county expects to report.
 *
 * Columns (any order, English or Chinese header): code/编码, name/名称,
 * type/类型 with type county|township|department (县|乡镇|街道|部门).
 * Same encodings as ledgers (hb_text). */
#ifndef HB_UNITS_H
#define HB_UNITS_H

#include <stddef.h>
#include "hb_diag.h"
#include "hb_vocab.h"

#define HB_UNIT_CODE_MAX 64 /* bytes; codes are [A-Za-z0-9_.-] */

typedef struct hb_unit {
  char *code;
  char *name;
  hb_unit_type type;
} hb_unit;

typedef struct hb_units {
  hb_unit *items; /* in file order */
  size_t count;
} hb_units;

/* Loads path into *out (which the caller frees with hb_units_free, also on
 * failure). Every problem becomes a diagnostic; returns HB_EINVAL if any. */
int hb_units_load(const char *path, hb_units *out, hb_diags *diags);

/* Parses the bytes of a units.csv (any hb_text encoding; need not be
 * NUL-terminated); path names it in messages. Same contract as
 * hb_units_load, which reads the file and calls this. */
int hb_units_parse(const char *path, const char *bytes, size_t len, hb_units *out, hb_diags *diags);
void hb_units_free(hb_units *u);

/* The unit with this code, or NULL. Pointer valid while u lives. */
const hb_unit *hb_units_find(const hb_units *u, const char *code);

/* True if code is a syntactically valid unit code. */
int hb_unit_code_valid(const char *code);

#endif
