/* console_list.c: the county's 台账 in the console (issue 15, docs/console.md
 * "台账"): GET /api/list (lib/hb_http_list.h) over store_list_foreach, with
 * the names of the county's rollups (console_names_set). */
#include <stdlib.h>
#include <string.h>
#include "console_internal.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup_build.h"

/* The names-only Rollup of campaigns->items[i] (no aggregates: every unit
 * with its name, every category): added to nm under county "" (store.h). */
static int names_add(hb_http_list_names *nm, const hb_units *units, const hb_campaigns *campaigns,
                     size_t i, const char *code, const char *name)
{
  hb_rollup_input in = {.source = code,
                        .source_name = name,
                        .campaign = &campaigns->items[i],
                        .units = units,
                        .campaign_count = (uint32_t)campaigns->count,
                        .today = hb_date_today()};
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = hb_rollup_build(&in, &buf, &len);
  Huibao__V1__Rollup *r = rc == 0 ? huibao__v1__rollup__unpack(NULL, len, buf) : NULL;
  free(buf);
  if (rc == 0 && !r)
    rc = HB_ENOMEM;
  if (rc == 0)
    rc = hb_http_list_names_add(nm, "", r);
  if (r)
    huibao__v1__rollup__free_unpacked(r, NULL);
  return rc;
}

int console_names_set(console *c, const hb_units *units, const hb_campaigns *campaigns,
                      const char *code, const char *name)
{
  if (!c)
    return 0;
  hb_http_list_names *nm = NULL;
  int rc = hb_http_list_names_new(&nm);
  for (size_t i = 0; rc == 0 && i < campaigns->count; i++)
    rc = names_add(nm, units, campaigns, i, code, name);
  if (rc != 0) {
    hb_http_list_names_release(nm);
    return rc;
  }
  hb_http_list_slot_set(&c->names, nm);
  return 0;
}

/* hb_http_list_walk_fn over the county's store (wctx: the console). */
static int walk(void *wctx, const hb_http_list_q *q, hb_list_rec_fn fn, void *fnctx, char *err,
                size_t errlen)
{
  console *c = wctx;
  return store_list_foreach(&c->dbs, q->f.unit, fn, fnctx, err, errlen);
}

enum MHD_Result console_api_list(console *c, struct MHD_Connection *conn, const hb_session_info *u)
{
  (void)u; /* every role reads */
  hb_http_list_names *nm = hb_http_list_slot_get(&c->names);
  hb_http_list_reply out;
  int rc = hb_http_list_answer(conn, nm, walk, c, NULL, &out);
  hb_http_list_names_release(nm);
  if (rc != 0)
    return console_send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
  return console_send_bytes(conn, out.status, out.type, out.disposition, out.body, out.len);
}
