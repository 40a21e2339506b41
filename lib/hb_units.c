/* hb_units.c: units.csv, the units a county expects to report. */
#include "hb_units.h"

#include <stdlib.h>
#include <string.h>

#include "hb_csv.h"
#include "hb_err.h"
#include "hb_header.h"
#include "hb_text.h"

#define UNITS_MAX_FILE (16u * 1024 * 1024)
#define UNITS_MAX 10000

enum { COL_CODE, COL_NAME, COL_TYPE, NCOLS };

static const hb_header_col cols[NCOLS] = {
    [COL_CODE] = {{"code", "编码", "代码", "单位编码"}, "code/编码", 1},
    [COL_NAME] = {{"name", "名称", "单位名称", "单位"}, "name/名称", 0},
    [COL_TYPE] = {{"type", "类型", "单位类型"}, "type/类型", 1},
};

int hb_unit_code_valid(const char *code)
{
  if (!code)
    return 0;
  size_t n = strlen(code);
  if (n < 1 || n > HB_UNIT_CODE_MAX)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = code[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

void hb_units_free(hb_units *u)
{
  if (!u)
    return;
  for (size_t i = 0; i < u->count; i++) {
    free(u->items[i].code);
    free(u->items[i].name);
  }
  free(u->items);
  u->items = NULL;
  u->count = 0;
}

const hb_unit *hb_units_find(const hb_units *u, const char *code)
{
  if (!u || !code)
    return NULL;
  for (size_t i = 0; i < u->count; i++)
    if (strcmp(u->items[i].code, code) == 0)
      return &u->items[i];
  return NULL;
}

/* Adds the unit of one data row to out, or a diagnostic. Returns 0, 1 for
 * a row left out, 2 when no more units may follow (too many), HB_ENOMEM. */
static int unit_row(const char *path, const hb_csv_row *row, const hb_header *h, hb_units *out,
                    size_t *cap, hb_diags *diags)
{
  const char *cell[NCOLS];
  int blank = 1;
  for (int c = 0; c < NCOLS; c++) {
    cell[c] = h->col[c] >= 0 && (size_t)h->col[c] < row->nfields
                  ? hb_text_trim(row->fields[h->col[c]])
                  : "";
    if (*cell[c])
      blank = 0;
  }
  if (blank)
    return 0;
  char ex[160];
  hb_text_excerpt(cell[COL_CODE], 64, ex, sizeof(ex));
  if (!hb_unit_code_valid(cell[COL_CODE])) {
    hb_diags_add(diags, path, row->line, h->text[COL_CODE],
                 "单位编码无效 (invalid unit code, use 1..64 of A-Z a-z 0-9 _ . -): %s", ex);
    return 1;
  }
  if (hb_units_find(out, cell[COL_CODE])) {
    hb_diags_add(diags, path, row->line, h->text[COL_CODE],
                 "单位编码重复 (duplicate unit code): %s", ex);
    return 1;
  }
  int type = hb_vocab_unit_type(cell[COL_TYPE]);
  if (!type) {
    hb_text_excerpt(cell[COL_TYPE], 64, ex, sizeof(ex));
    hb_diags_add(diags, path, row->line, h->text[COL_TYPE],
                 "未知单位类型 (unknown unit type, use county 县 | township 乡镇 | department "
                 "部门): %s",
                 ex);
    return 1;
  }
  if (*cell[COL_NAME] && !hb_utf8_valid(cell[COL_NAME], strlen(cell[COL_NAME]))) {
    hb_diags_add(diags, path, row->line, h->text[COL_NAME],
                 "名称不是有效文本 (name is not valid text)");
    return 1;
  }
  if (out->count >= UNITS_MAX) {
    hb_diags_add(diags, path, row->line, NULL, "单位过多 (more than %d units)", UNITS_MAX);
    return 2;
  }
  if (out->count == *cap) {
    size_t ncap = *cap ? *cap * 2 : 64;
    hb_unit *items = realloc(out->items, ncap * sizeof(*items));
    if (!items)
      return HB_ENOMEM;
    out->items = items;
    *cap = ncap;
  }
  hb_unit *u = &out->items[out->count];
  u->code = strdup(cell[COL_CODE]);
  u->name = strdup(*cell[COL_NAME] ? cell[COL_NAME] : cell[COL_CODE]);
  u->type = (hb_unit_type)type;
  if (!u->code || !u->name) {
    free(u->code);
    free(u->name);
    return HB_ENOMEM;
  }
  out->count++;
  return 0;
}

/* Reads the rows of a units.csv in UTF-8: the header, then one unit per
 * row. Returns 0, HB_EINVAL when anything was reported, or HB_ENOMEM. */
static int units_parse(const char *path, const char *text, size_t len, hb_units *out,
                       hb_diags *diags)
{
  hb_csv *csv;
  int rc = hb_csv_open(&csv, text, len);
  if (rc)
    return rc;
  const hb_csv_row *row;
  char err[256];
  hb_header h = {0};
  size_t cap = 0, errors = 0;
  int have_header = 0, r;
  while (rc == 0 && (r = hb_csv_next(csv, &row, err, sizeof(err))) != 0) {
    if (r == HB_ENOMEM) {
      rc = HB_ENOMEM;
    } else if (r < 0) {
      hb_diags_add_lined(diags, path, err);
      errors++;
      if (!have_header)
        break;
    } else if (!have_header) {
      have_header = 1;
      int at;
      rc = hb_header_map(cols, NCOLS, row, HB_HEADER_FIRST_MISSING, &h, err, sizeof err, &at);
      if (rc == HB_EINVAL) {
        hb_diags_add(diags, path, row->line, NULL, "%s", err);
        errors++;
        rc = 0;
        break;
      }
    } else {
      rc = unit_row(path, row, &h, out, &cap, diags);
      errors += rc == 1 || rc == 2;
      if (rc == 2)
        break;
      if (rc == 1)
        rc = 0;
    }
  }
  hb_header_free(&h);
  hb_csv_close(csv);
  if (rc == 2)
    rc = 0;
  if (!rc && errors)
    rc = HB_EINVAL;
  return rc;
}

int hb_units_parse(const char *path, const char *bytes, size_t len, hb_units *out, hb_diags *diags)
{
  memset(out, 0, sizeof(*out));
  char *text;
  size_t tlen;
  char err[512];
  int rc = hb_text_to_utf8(bytes, len, &text, &tlen, NULL, err, sizeof(err));
  if (rc) {
    if (rc == HB_EPARSE)
      hb_diags_add_lined(diags, path, err);
    return rc == HB_EPARSE ? HB_EINVAL : rc;
  }
  rc = units_parse(path, text, tlen, out, diags);
  free(text);
  return rc;
}

int hb_units_load(const char *path, hb_units *out, hb_diags *diags)
{
  memset(out, 0, sizeof(*out));
  char *raw;
  size_t len;
  char err[512];
  int rc = hb_file_read(path, UNITS_MAX_FILE, &raw, &len, err, sizeof(err));
  if (rc) {
    if (rc == HB_ETOOBIG || rc == HB_EIO || rc == HB_ENOTFOUND)
      hb_diags_add_lined(diags, NULL, err);
    return rc;
  }
  rc = hb_units_parse(path, raw, len, out, diags);
  free(raw);
  return rc;
}
