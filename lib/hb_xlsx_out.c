/* hb_xlsx_out.c: text cells of the .xlsx files written with
 * libxlsxwriter (hb_xlsx_out.h). */
#include "hb_xlsx_out.h"

#include <stdlib.h>
#include <string.h>
#include "hb_text.h"

static int is_hex(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char *hb_xlsx_out_text(const char *s)
{
  char *clean = hb_text_xml_dup(s ? s : "");
  if (!clean)
    return NULL;
  char *w = clean;
  for (const char *p = clean; *p; p++)
    if (*p != '\r')
      *w++ = *p;
    else if (p[1] != '\n')
      *w++ = '\n';
  *w = '\0';
  size_t n = 0;
  for (const char *p = clean; (p = strstr(p, "_x")) != NULL; p += 2)
    n++;
  if (!n)
    return clean;
  char *out = malloc(strlen(clean) + n * 6 + 1);
  if (out) {
    char *o = out;
    for (const char *p = clean; *p;) {
      if (p[0] == '_' && p[1] == 'x' && is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) &&
          is_hex(p[5]) && p[6] == '_') {
        memcpy(o, "_x005F", 6);
        o += 6;
      }
      *o++ = *p++;
    }
    *o = '\0';
  }
  free(clean);
  return out;
}

lxw_error hb_xlsx_out_string(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *s,
                             lxw_format *fmt)
{
  char *t = hb_xlsx_out_text(s);
  if (!t)
    return LXW_ERROR_MEMORY_MALLOC_FAILED;
  lxw_error err = *t ? worksheet_write_string(ws, row, col, t, fmt)
                     : (fmt ? worksheet_write_blank(ws, row, col, fmt) : LXW_NO_ERROR);
  free(t);
  return err;
}
