/* hb_diag.c: a growing list of "FILE:LINE: column: reason" diagnostics. */
#include "hb_diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hb_err.h"

#define HB_DIAGS_DEFAULT_LIMIT 1000

void hb_diags_init(hb_diags *d)
{
  memset(d, 0, sizeof(*d));
}

static void diag_free(hb_diag *g)
{
  free(g->file);
  free(g->column);
  free(g->message);
}

void hb_diags_free(hb_diags *d)
{
  if (!d)
    return;
  for (size_t i = 0; i < d->count; i++)
    diag_free(&d->items[i]);
  free(d->items);
  size_t limit = d->limit;
  hb_diags_init(d);
  d->limit = limit;
}

static char *dup_or_null(const char *s, int *failed)
{
  if (!s)
    return NULL;
  char *c = strdup(s);
  if (!c)
    *failed = 1;
  return c;
}

__attribute__((format(printf, 6, 0))) static int diags_vadd(hb_diags *d, int is_note,
                                                            const char *file, unsigned line,
                                                            const char *column, const char *fmt,
                                                            va_list ap)
{
  size_t limit = d->limit ? d->limit : HB_DIAGS_DEFAULT_LIMIT;
  if (d->count >= limit) {
    d->dropped++;
    return 0;
  }
  if (d->count == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    hb_diag *items = realloc(d->items, cap * sizeof(*items));
    if (!items)
      return HB_ENOMEM;
    d->items = items;
    d->cap = cap;
  }
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    n = 0;
  char *msg = malloc((size_t)n + 1);
  if (!msg)
    return HB_ENOMEM;
  vsnprintf(msg, (size_t)n + 1, fmt, ap);
  int failed = 0;
  hb_diag g = {0};
  g.file = dup_or_null(file, &failed);
  g.column = dup_or_null(column, &failed);
  g.message = msg;
  g.line = line;
  g.is_note = is_note;
  if (failed) {
    diag_free(&g);
    return HB_ENOMEM;
  }
  d->items[d->count++] = g;
  if (is_note)
    d->notes++;
  return 0;
}

int hb_diags_add(hb_diags *d, const char *file, unsigned line, const char *column, const char *fmt,
                 ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = diags_vadd(d, 0, file, line, column, fmt, ap);
  va_end(ap);
  return rc;
}

int hb_diags_note(hb_diags *d, const char *file, unsigned line, const char *column, const char *fmt,
                  ...)
{
  va_list ap;
  va_start(ap, fmt);
  int rc = diags_vadd(d, 1, file, line, column, fmt, ap);
  va_end(ap);
  return rc;
}

size_t hb_diags_errors(const hb_diags *d)
{
  return d->count - d->notes + d->dropped;
}

int hb_diag_format(const hb_diag *d, char *buf, size_t len)
{
  char line[24] = "";
  if (d->line)
    snprintf(line, sizeof(line), ":%u", d->line);
  const char *file = d->file ? d->file : "";
  const char *sep1 = d->file ? ": " : "";
  int n;
  if (!d->file && d->line)
    n = snprintf(buf, len, "line %u: %s%s%s", d->line, d->column ? d->column : "",
                 d->column ? ": " : "", d->message ? d->message : "");
  else
    n = snprintf(buf, len, "%s%s%s%s%s%s", file, d->file ? line : "", sep1,
                 d->column ? d->column : "", d->column ? ": " : "", d->message ? d->message : "");
  if (len && n < 0)
    buf[0] = '\0';
  return n;
}

void hb_diags_write(const hb_diags *d, FILE *f)
{
  char small[512];
  for (size_t i = 0; i < d->count; i++) {
    int n = hb_diag_format(&d->items[i], small, sizeof(small));
    if (n < 0)
      continue;
    if ((size_t)n < sizeof(small)) {
      fprintf(f, "%s\n", small);
      continue;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
      fprintf(f, "%s\n", small);
      continue;
    }
    hb_diag_format(&d->items[i], big, (size_t)n + 1);
    fprintf(f, "%s\n", big);
    free(big);
  }
  if (d->dropped)
    fprintf(f, "... 另有 %zu 条未列出 (%zu more not shown)\n", d->dropped, d->dropped);
}

int hb_diags_add_lined(hb_diags *d, const char *file, const char *msg)
{
  unsigned line = 0;
  if (strncmp(msg, "line ", 5) == 0 && msg[5] >= '0' && msg[5] <= '9') {
    char *end;
    unsigned long v = strtoul(msg + 5, &end, 10);
    if (end[0] == ':' && end[1] == ' ' && v <= 0xFFFFFFFFul) {
      line = (unsigned)v;
      msg = end + 2;
    }
  }
  return hb_diags_add(d, file, line, NULL, "%s", msg);
}
