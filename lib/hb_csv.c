/* hb_csv.c: RFC 4180 reader over a buffer, one record per call. */
#include "hb_csv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_err.h"

struct hb_csv {
  const char *buf;
  size_t len;
  size_t pos;
  unsigned line; /* physical line at pos */
  char *text;    /* field bytes of the current record, NUL-separated */
  size_t text_len, text_cap;
  size_t *offs; /* start of each field in text */
  char **fields;
  size_t nfields;
  hb_csv_row row;
};

int hb_csv_open(hb_csv **out, const char *buf, size_t len)
{
  hb_csv *c = calloc(1, sizeof(*c));
  if (!c)
    return HB_ENOMEM;
  c->offs = malloc(HB_CSV_MAX_FIELDS * sizeof(*c->offs));
  c->fields = malloc(HB_CSV_MAX_FIELDS * sizeof(*c->fields));
  c->text_cap = 4096;
  c->text = malloc(c->text_cap);
  if (!c->offs || !c->fields || !c->text) {
    hb_csv_close(c);
    return HB_ENOMEM;
  }
  c->buf = buf;
  c->len = len;
  c->line = 1;
  *out = c;
  return 0;
}

void hb_csv_close(hb_csv *c)
{
  if (!c)
    return;
  free(c->offs);
  free(c->fields);
  free(c->text);
  free(c);
}

static int text_put(hb_csv *c, const char *s, size_t n)
{
  if (c->text_len + n + 1 > c->text_cap) {
    size_t cap = c->text_cap;
    while (c->text_len + n + 1 > cap)
      cap *= 2;
    char *t = realloc(c->text, cap);
    if (!t)
      return HB_ENOMEM;
    c->text = t;
    c->text_cap = cap;
  }
  memcpy(c->text + c->text_len, s, n);
  c->text_len += n;
  return 0;
}

/* Moves pos past the end of physical line `line` (the line a bad record
 * started on), counting lines, so that the caller can go on after an error. */
static void skip_to_line_after(hb_csv *c, size_t start_pos, unsigned start_line)
{
  const char *nl = memchr(c->buf + start_pos, '\n', c->len - start_pos);
  c->pos = nl ? (size_t)(nl - c->buf) + 1 : c->len;
  c->line = start_line + 1;
}

static int fail(hb_csv *c, size_t start_pos, unsigned start_line, char *err, size_t errlen,
                const char *what)
{
  snprintf(err, errlen, "line %u: %s", start_line, what);
  skip_to_line_after(c, start_pos, start_line);
  return HB_EPARSE;
}

int hb_csv_next(hb_csv *c, const hb_csv_row **row, char *err, size_t errlen)
{
  char dummy[1];
  if (!err || !errlen) {
    err = dummy;
    errlen = sizeof(dummy);
  }
  err[0] = '\0';
  const char *b = c->buf;
  size_t n = c->len;
  /* Empty physical lines are not records. */
  while (c->pos < n && (b[c->pos] == '\n' || b[c->pos] == '\r')) {
    if (b[c->pos] == '\r' && c->pos + 1 < n && b[c->pos + 1] == '\n')
      c->pos++;
    c->pos++;
    c->line++;
  }
  if (c->pos >= n)
    return 0;

  size_t start_pos = c->pos;
  unsigned start_line = c->line;
  c->text_len = 0;
  c->nfields = 0;
  size_t p = c->pos;
  for (;;) {
    if (c->nfields == HB_CSV_MAX_FIELDS) {
      char what[96];
      snprintf(what, sizeof(what), "字段过多 (more than %d fields)", HB_CSV_MAX_FIELDS);
      return fail(c, start_pos, start_line, err, errlen, what);
    }
    c->offs[c->nfields++] = c->text_len;
    size_t field_start = c->text_len;
    if (p < n && b[p] == '"') {
      p++;
      for (;;) {
        const char *q = memchr(b + p, '"', n - p);
        if (!q)
          return fail(c, start_pos, start_line, err, errlen,
                      "引号未闭合 (unterminated quoted field)");
        size_t chunk = (size_t)(q - (b + p));
        if (c->text_len - field_start + chunk > HB_CSV_MAX_FIELD)
          return fail(c, start_pos, start_line, err, errlen,
                      "字段过长 (field longer than 65536 bytes)");
        for (const char *s = b + p; s < q; s++)
          if (*s == '\n')
            c->line++;
        if (text_put(c, b + p, chunk) != 0)
          return HB_ENOMEM;
        p = (size_t)(q - b) + 1;
        if (p < n && b[p] == '"') {
          if (text_put(c, "\"", 1) != 0)
            return HB_ENOMEM;
          p++;
          continue;
        }
        break;
      }
      if (p < n && b[p] != ',' && b[p] != '\n' && b[p] != '\r')
        return fail(c, start_pos, start_line, err, errlen,
                    "右引号后有多余文字 (text after a closing quote)");
    } else {
      size_t s = p;
      while (p < n && b[p] != ',' && b[p] != '\n' && b[p] != '\r')
        p++;
      if (p - s > HB_CSV_MAX_FIELD)
        return fail(c, start_pos, start_line, err, errlen,
                    "字段过长 (field longer than 65536 bytes)");
      if (text_put(c, b + s, p - s) != 0)
        return HB_ENOMEM;
    }
    if (text_put(c, "", 1) != 0)
      return HB_ENOMEM;
    if (p < n && b[p] == ',') {
      p++;
      continue;
    }
    if (p < n && b[p] == '\r')
      p++;
    if (p < n && b[p] == '\n')
      p++;
    c->line++;
    break;
  }
  c->pos = p;
  for (size_t i = 0; i < c->nfields; i++)
    c->fields[i] = c->text + c->offs[i];
  c->row.line = start_line;
  c->row.nfields = c->nfields;
  c->row.fields = c->fields;
  *row = &c->row;
  return 1;
}

/* ---------------------------------------------------------------- writing */

size_t hb_csv_field_put(char *out, const char *s)
{
  char *o = out;
  bool formula = *s && strchr("=+-@\t\r", *s) != NULL;
  bool quote = strpbrk(s, ",\"\r\n") != NULL;
  if (quote)
    *o++ = '"';
  if (formula)
    *o++ = '\'';
  for (; *s; s++) {
    if (*s == '"')
      *o++ = '"';
    *o++ = *s;
  }
  if (quote)
    *o++ = '"';
  return (size_t)(o - out);
}
