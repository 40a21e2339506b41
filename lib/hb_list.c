/* hb_list.c: the rows of a list (issue 15; hb_list.h). Groundwork stub:
 * an empty list. */
#include "hb_list.h"

#include <jansson.h>
#include <stdlib.h>
#include "hb_err.h"

struct hb_list {
  hb_list_what what;
  json_t *rows;
};

int hb_list_new(hb_list **out, hb_list_what what, const hb_list_filter *f)
{
  (void)f;
  hb_list *l = calloc(1, sizeof *l);
  if (!l || !(l->rows = json_array())) {
    free(l);
    return HB_ENOMEM;
  }
  l->what = what;
  *out = l;
  return 0;
}

void hb_list_free(hb_list *l)
{
  if (!l)
    return;
  json_decref(l->rows);
  free(l);
}

int hb_list_names_from_rollup(hb_list *l, const char *county, const Huibao__V1__Rollup *r)
{
  (void)l, (void)county, (void)r;
  return 0;
}

int hb_list_add(void *ctx, const hb_list_rec *r)
{
  (void)ctx, (void)r;
  return 0;
}

json_t *hb_list_rows(hb_list *l)
{
  return l->rows;
}
