/* console_list.c: the county's 台账 in the console (issue 15, docs/console.md
 * "台账"): GET /api/list (hb_http_list.h) over store_list_foreach, with the
 * names of the county's rollups (console_names_set). */
#include <stdlib.h>
#include <string.h>
#include "console_internal.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup_build.h"

/* The names-only Rollup of campaign (no aggregates: every unit with its
 * name, every category): added to nm under county "" (store.h). */
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

enum MHD_Result console_api_list(console *c, struct MHD_Connection *conn, const hb_session_info *u)
{
  char why[256];
  hb_http_list_q q;
  if (hb_http_list_query(conn, hb_date_today(), &q, why, sizeof why) != 0)
    return console_send_error(conn, MHD_HTTP_BAD_REQUEST, why);
  hb_list *l = NULL;
  int rc = hb_list_new(&l, q.what, &q.f);
  hb_http_list_names *nm = rc == 0 ? hb_http_list_slot_get(&c->names) : NULL;
  if (rc == 0)
    rc = hb_http_list_names_apply(nm, l, q.f.campaign);
  hb_http_list_names_release(nm);
  char err[256] = "";
  if (rc == 0)
    rc = store_list_foreach(&c->dbs, q.f.unit, hb_list_add, l, err, sizeof err);
  json_t *doc = rc == 0 ? hb_http_list_doc(l, &q) : NULL;
  hb_list_free(l);
  if (rc != 0)
    return console_send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err[0] ? err : hb_strerror(rc));
  if (doc && (json_object_set_new(doc, "user", json_string(u->name)) ||
              json_object_set_new(doc, "role", json_string(hb_role_name(u->role))))) {
    json_decref(doc);
    doc = NULL;
  }
  return console_send_json(conn, MHD_HTTP_OK, doc);
}
