/* report_doc.c: the lines of a filled report as blocks (report_doc.h). */
#include "report_doc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_text.h"

/* s[0..n) with every SUB_DOC_PIPE a '|' again. */
static char *dup_n(const char *s, size_t n)
{
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
    for (char *p = d; (p = strchr(p, SUB_DOC_PIPE)) != NULL; p++)
      *p = '|';
  }
  return d;
}

/* s[0..n) without leading and trailing blanks (ASCII and U+3000). */
static char *dup_trim(const char *s, size_t n)
{
  char *d = dup_n(s, n);
  if (!d)
    return NULL;
  char *t = hb_text_trim(d);
  if (t != d)
    memmove(d, t, strlen(t) + 1);
  return d;
}

static sub_doc_block *push(sub_doc *d, sub_doc_kind k)
{
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 32;
    sub_doc_block *v = realloc(d->v, cap * sizeof *v);
    if (!v)
      return NULL;
    d->v = v;
    d->cap = cap;
  }
  sub_doc_block *b = &d->v[d->n++];
  memset(b, 0, sizeof *b);
  b->kind = k;
  return b;
}

static bool is_rule(const char *s, size_t n)
{
  bool dash = false;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '-')
      dash = true;
    else if (s[i] != '|' && s[i] != ':' && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
      return false;
  }
  return dash;
}

/* Cells of one "| a | b |" line; *out malloc'd array of malloc'd strings. */
static int split_row(const char *s, size_t n, char ***out, size_t *ncells)
{
  *out = NULL;
  *ncells = 0;
  size_t a = 0, b = n;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r'))
    b--;
  if (a < b && s[a] == '|')
    a++;
  if (b > a && s[b - 1] == '|')
    b--;
  char **cells = NULL;
  size_t nc = 0;
  size_t start = a;
  for (size_t i = a; i <= b; i++) {
    if (i < b && s[i] != '|')
      continue;
    char **c2 = realloc(cells, (nc + 1) * sizeof *c2);
    if (!c2)
      goto fail;
    cells = c2;
    if (!(cells[nc] = dup_trim(s + start, i - start)))
      goto fail;
    nc++;
    start = i + 1;
  }
  *out = cells;
  *ncells = nc;
  return 0;
fail:
  for (size_t i = 0; i < nc; i++)
    free(cells[i]);
  free(cells);
  return HB_ENOMEM;
}

/* Adds the table made of lines [first, first + nlines) of text. */
static int add_table(sub_doc *d, const char *const *lines, const size_t *lens, size_t nlines)
{
  sub_doc_block *b = push(d, SUB_DOC_TABLE);
  if (!b)
    return HB_ENOMEM;
  char ***rows = calloc(nlines, sizeof *rows);
  size_t *nc = calloc(nlines, sizeof *nc);
  size_t nrows = 0, ncols = 0;
  int rc = 0;
  if (!rows || !nc) {
    rc = HB_ENOMEM;
    goto out;
  }
  for (size_t i = 0; i < nlines; i++) {
    if (is_rule(lines[i], lens[i])) {
      if (nrows == 1)
        b->header = true;
      continue;
    }
    if ((rc = split_row(lines[i], lens[i], &rows[nrows], &nc[nrows])) != 0)
      goto out;
    if (nc[nrows] > ncols)
      ncols = nc[nrows];
    nrows++;
  }
  b->cells = calloc(nrows * ncols > 0 ? nrows * ncols : 1, sizeof *b->cells);
  if (!b->cells) {
    rc = HB_ENOMEM;
    goto out;
  }
  b->nrows = nrows;
  b->ncols = ncols;
  for (size_t r = 0; r < nrows; r++)
    for (size_t c = 0; c < ncols; c++) {
      char *cell = c < nc[r] ? rows[r][c] : NULL;
      if (c < nc[r])
        rows[r][c] = NULL;
      b->cells[r * ncols + c] = cell ? cell : dup_n("", 0);
      if (!b->cells[r * ncols + c])
        rc = HB_ENOMEM;
    }
out:
  for (size_t r = 0; rows && r < nrows; r++) {
    for (size_t c = 0; c < nc[r]; c++)
      free(rows[r][c]);
    free(rows[r]);
  }
  free(rows);
  free(nc);
  return rc;
}

int sub_doc_parse(const char *text, sub_doc *d)
{
  memset(d, 0, sizeof d[0]);
  const char *p = text;
  const char *tl[4096];
  size_t tn[4096], nt = 0;
  int rc = 0;
  while (rc == 0 && (*p || nt)) {
    const char *e = *p ? strchr(p, '\n') : p;
    size_t n = e ? (size_t)(e - p) : strlen(p);
    size_t m = n;
    while (m > 0 && (p[m - 1] == '\r' || p[m - 1] == ' ' || p[m - 1] == '\t'))
      m--;
    size_t lead = 0;
    while (lead < m && (p[lead] == ' ' || p[lead] == '\t'))
      lead++;
    bool table_line = *p && lead < m && p[lead] == '|';
    if (nt && (!table_line || nt == sizeof tl / sizeof tl[0])) {
      rc = add_table(d, tl, tn, nt);
      nt = 0;
      if (!*p || rc)
        break;
    }
    if (!*p)
      break;
    if (table_line) {
      tl[nt] = p + lead;
      tn[nt++] = m - lead;
    } else {
      char *line = dup_trim(p, m);
      if (!line) {
        rc = HB_ENOMEM;
        break;
      }
      int hashes = 0;
      while (line[hashes] == '#')
        hashes++;
      sub_doc_kind k = SUB_DOC_PARA;
      size_t skip = 0;
      if (hashes >= 1 && hashes <= 4 && (line[hashes] == ' ' || line[hashes] == '\0')) {
        k = hashes == 1   ? SUB_DOC_TITLE
            : hashes == 2 ? SUB_DOC_H1
            : hashes == 3 ? SUB_DOC_H2
                          : SUB_DOC_H3;
        skip = (size_t)hashes;
      }
      char *body = line + skip;
      while (*body == ' ')
        body++;
      if (*body) {
        sub_doc_block *b = push(d, k);
        if (!b || !(b->text = dup_n(body, strlen(body))))
          rc = HB_ENOMEM;
      }
      free(line);
    }
    p = e ? e + 1 : p + n;
  }
  return rc;
}

void sub_doc_free(sub_doc *d)
{
  for (size_t i = 0; i < d->n; i++) {
    free(d->v[i].text);
    for (size_t k = 0; k < d->v[i].nrows * d->v[i].ncols; k++)
      free(d->v[i].cells[k]);
    free(d->v[i].cells);
  }
  free(d->v);
  memset(d, 0, sizeof *d);
}

static void pad(FILE *f, size_t n)
{
  while (n--)
    fputc(' ', f);
}

/* s as one line of a text or Markdown file, malloc'd (NULL when out of
 * memory): C0 and C1 controls and DEL as spaces, U+FFFE and U+FFFF dropped,
 * bytes that are not UTF-8 as '?'; in text also the invisible format
 * characters (hb_cp_format) dropped. Its display width is then what a
 * terminal shows. With md, '\' and '|' are escaped with a backslash. */
static char *line_text(const char *s, bool md)
{
  size_t len = strlen(s), j = 0;
  char *out = malloc(len * 2 + 1);
  if (!out)
    return NULL;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = hb_utf8_decode(s + i, len - i, &cp);
    if (!n) {
      out[j++] = '?';
      i++;
      continue;
    }
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
      out[j++] = ' ';
    else if (cp == 0xFFFE || cp == 0xFFFF || (!md && hb_cp_format(cp)))
      ;
    else {
      if (md && (cp == '|' || cp == '\\'))
        out[j++] = '\\';
      memcpy(out + j, s + i, n);
      j += n;
    }
    i += n;
  }
  out[j] = '\0';
  return out;
}

static void free_cells(char **v, size_t n)
{
  for (size_t i = 0; v && i < n; i++)
    free(v[i]);
  free(v);
}

/* The cells of table b as line_text makes them; NULL when out of memory. */
static char **table_text(const sub_doc_block *b, bool md)
{
  size_t n = b->nrows * b->ncols;
  char **v = calloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; v && i < n; i++)
    if (!(v[i] = line_text(b->cells[i] ? b->cells[i] : "", md))) {
      free_cells(v, n);
      return NULL;
    }
  return v;
}

int sub_doc_write_text(const sub_doc *d, FILE *f)
{
  for (size_t i = 0; i < d->n; i++) {
    const sub_doc_block *b = &d->v[i];
    if (b->kind != SUB_DOC_TABLE) {
      char *t = line_text(b->text ? b->text : "", false);
      if (!t)
        return HB_ENOMEM;
      fprintf(f, "%s\n", t);
      free(t);
      continue;
    }
    size_t *w = calloc(b->ncols ? b->ncols : 1, sizeof *w);
    char **cells = table_text(b, false);
    if (!w || !cells) {
      free(w);
      free_cells(cells, b->nrows * b->ncols);
      return HB_ENOMEM;
    }
    for (size_t r = 0; r < b->nrows; r++)
      for (size_t c = 0; c < b->ncols; c++) {
        size_t x = hb_utf8_width(cells[r * b->ncols + c]);
        if (x > w[c])
          w[c] = x;
      }
    for (size_t r = 0; r < b->nrows; r++) {
      for (size_t c = 0; c < b->ncols; c++) {
        const char *cell = cells[r * b->ncols + c];
        fputs(cell, f);
        if (c + 1 < b->ncols)
          pad(f, w[c] - hb_utf8_width(cell) + 2);
      }
      fputc('\n', f);
    }
    free(w);
    free_cells(cells, b->nrows * b->ncols);
  }
  return ferror(f) ? HB_EIO : 0;
}

int sub_doc_write_md(const sub_doc *d, FILE *f)
{
  static const char *const marks[] = {"", "# ", "## ", "### ", "#### ", "", ""};
  for (size_t i = 0; i < d->n; i++) {
    const sub_doc_block *b = &d->v[i];
    if (i)
      fputc('\n', f);
    if (b->kind != SUB_DOC_TABLE) {
      char *t = line_text(b->text ? b->text : "", false);
      if (!t)
        return HB_ENOMEM;
      fprintf(f, "%s%s\n", marks[b->kind], t);
      free(t);
      continue;
    }
    char **cells = table_text(b, true);
    if (!cells)
      return HB_ENOMEM;
    for (size_t r = 0; r < b->nrows; r++) {
      fputc('|', f);
      for (size_t c = 0; c < b->ncols; c++)
        fprintf(f, " %s |", cells[r * b->ncols + c]);
      fputc('\n', f);
      if (r == 0) {
        fputc('|', f);
        for (size_t c = 0; c < b->ncols; c++)
          fputs(" --- |", f);
        fputc('\n', f);
      }
    }
    free_cells(cells, b->nrows * b->ncols);
  }
  return ferror(f) ? HB_EIO : 0;
}
