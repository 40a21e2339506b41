/* hb_header.c: a table's header row (see hb_header.h). */
#include "hb_header.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_err.h"
#include "hb_text.h"

/* The declared column that accepts text h, or -1. */
static int col_of(const hb_header_col *cols, size_t ncols, const char *h)
{
  for (size_t i = 0; i < ncols; i++)
    for (size_t k = 0; k < HB_HEADER_NAMES && cols[i].names[k]; k++)
      if (strcasecmp(h, cols[i].names[k]) == 0)
        return (int)i;
  return -1;
}

/* Writes the missing-columns message to msg; returns 1 if any is missing. */
static int missing(const hb_header_col *cols, size_t ncols, const hb_header *out, int flags,
                   char *msg, size_t msglen)
{
  char list[512] = "";
  size_t n = 0, count = 0;
  for (size_t i = 0; i < ncols; i++) {
    if (!cols[i].required || out->col[i] >= 0)
      continue;
    if (count++ && flags & HB_HEADER_FIRST_MISSING)
      break;
    snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", cols[i].label);
    n = strlen(list);
  }
  if (!count)
    return 0;
  snprintf(msg, msglen, "缺少必需的列 (missing required column%s): %s",
           flags & HB_HEADER_FIRST_MISSING ? "" : "s", list);
  return 1;
}

int hb_header_map(const hb_header_col *cols, size_t ncols, const hb_csv_row *row, int flags,
                  hb_header *out, char *msg, size_t msglen, int *at)
{
  memset(out->text, 0, sizeof out->text);
  for (size_t i = 0; i < HB_HEADER_MAX; i++)
    out->col[i] = -1;
  out->nfields = row->nfields;
  *at = -1;
  if (ncols > HB_HEADER_MAX) {
    snprintf(msg, msglen, "more than %d columns declared", HB_HEADER_MAX);
    return HB_EINVAL;
  }
  for (size_t f = 0; f < row->nfields; f++) {
    char *h = hb_text_trim(row->fields[f]);
    int c = col_of(cols, ncols, h);
    if (c < 0)
      continue;
    if (out->col[c] >= 0) {
      snprintf(msg, msglen, "列重复 (duplicate column): %s", h);
      *at = (int)f;
      return HB_EINVAL;
    }
    out->col[c] = (int)f;
    if (!(out->text[c] = strdup(h)))
      return HB_ENOMEM;
  }
  return missing(cols, ncols, out, flags, msg, msglen) ? HB_EINVAL : 0;
}

void hb_header_free(hb_header *h)
{
  for (size_t i = 0; i < HB_HEADER_MAX; i++) {
    free(h->text[i]);
    h->text[i] = NULL;
  }
}
