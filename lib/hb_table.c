/* hb_table.c: aligned text tables for terminals (see hb_table.h). */
#include "hb_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hb_text.h"

void hb_table_init(hb_table *t, const char *align)
{
  memset(t, 0, sizeof *t);
  t->ncols = strlen(align) < HB_TABLE_MAXCOL ? strlen(align) : HB_TABLE_MAXCOL;
  for (size_t i = 0; i < t->ncols; i++)
    t->right[i] = align[i] == 'r';
}

void hb_table_free(hb_table *t)
{
  free(t->cells);
  t->cells = NULL;
}

/* True for the characters printable shows as '?' (besides what
 * hb_text_excerpt already replaces). */
static bool odd_width(uint32_t cp)
{
  return (cp >= 0x80 && cp < 0xA0) || cp == 0xFFFE || cp == 0xFFFF || hb_cp_format(cp);
}

void hb_table_printable(const char *s, size_t max, char *buf, size_t len)
{
  hb_text_excerpt(s, max, buf, len);
  size_t n = strlen(buf), j = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = hb_utf8_decode(buf + i, n - i, &cp);
    if (!k)
      k = 1;
    if (odd_width(cp)) {
      buf[j++] = '?';
    } else {
      memmove(buf + j, buf + i, k);
      j += k;
    }
    i += k;
  }
  buf[j] = '\0';
}

void hb_table_row(hb_table *t, const char *const *cells)
{
  if (t->failed)
    return;
  if (t->nrows == t->cap) {
    size_t cap = t->cap ? t->cap * 2 : 16;
    void *p = realloc(t->cells, cap * sizeof *t->cells);
    if (!p) {
      t->failed = true;
      return;
    }
    t->cells = p;
    t->cap = cap;
  }
  for (size_t i = 0; i < t->ncols; i++)
    hb_table_printable(cells[i] ? cells[i] : "", HB_TABLE_CELL - 8, t->cells[t->nrows][i],
                       HB_TABLE_CELL);
  t->nrows++;
}

static void pad(FILE *f, size_t n)
{
  while (n--)
    fputc(' ', f);
}

void hb_table_print(const hb_table *t, FILE *f, const char *indent)
{
  size_t w[HB_TABLE_MAXCOL] = {0};
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++) {
      size_t cw = hb_utf8_width(t->cells[r][c]);
      if (cw > w[c])
        w[c] = cw;
    }
  for (size_t r = 0; r < t->nrows; r++) {
    size_t last = t->ncols;
    while (last > 1 && !t->cells[r][last - 1][0])
      last--;
    fputs(indent, f);
    for (size_t c = 0; c < last; c++) {
      const char *s = t->cells[r][c];
      size_t gap = w[c] - hb_utf8_width(s);
      if (c)
        fputs("  ", f);
      if (t->right[c])
        pad(f, gap);
      fputs(s, f);
      if (!t->right[c] && c + 1 < last)
        pad(f, gap);
    }
    fputc('\n', f);
  }
}
