/* dash_list.c: the city's 台账 on the dashboard (dash_list.h). */
#include "dash_list.h"

#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"

void sub_dash_list_init(sub_dash_list *dl, sub_replica *rep)
{
  dl->rep = rep;
  hb_http_list_slot_init(&dl->names);
}

void sub_dash_list_free(sub_dash_list *dl)
{
  hb_http_list_slot_destroy(&dl->names);
}

int sub_dash_list_names(sub_dash_list *dl, const sub_collect *c)
{
  if (!dl->rep)
    return 0;
  hb_http_list_names *nm = NULL;
  int rc = hb_http_list_names_new(&nm);
  for (size_t i = 0; rc == 0 && i < c->count; i++) {
    const sub_entry *e = &c->items[i];
    if (e->r)
      rc = hb_http_list_names_add(nm, e->r->source ? e->r->source : e->origin, e->r);
  }
  if (rc != 0) {
    hb_http_list_names_release(nm);
    return rc;
  }
  hb_http_list_slot_set(&dl->names, nm);
  return 0;
}

static char *error_doc(unsigned *status, unsigned code, const char *msg)
{
  *status = code;
  json_t *doc = json_pack("{s:s}", "error", msg);
  char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  return text;
}

char *sub_dash_list_api(void *ctx, struct MHD_Connection *conn, unsigned *status)
{
  sub_dash_list *dl = ctx;
  char why[256];
  hb_http_list_q q;
  if (hb_http_list_query(conn, hb_date_today(), &q, why, sizeof why) != 0)
    return error_doc(status, 400, why);
  json_t *doc = NULL;
  if (!dl->rep) {
    doc = json_pack("{s:s, s:b, s:s, s:i, s:[]}", "what", q.what_name, "available", 0, "message",
                    SUB_DASH_LIST_NO_DETAIL, "count", 0, "rows");
  } else {
    hb_list *l = NULL;
    char err[256] = "";
    int rc = hb_list_new(&l, q.what, &q.f);
    hb_http_list_names *nm = rc == 0 ? hb_http_list_slot_get(&dl->names) : NULL;
    if (rc == 0)
      rc = hb_http_list_names_apply(nm, l, q.f.campaign);
    hb_http_list_names_release(nm);
    /* the county filter of the city: ?county=CODE */
    const char *county = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "county");
    if (rc == 0)
      rc = sub_replica_foreach(dl->rep, county && county[0] ? county : NULL, hb_list_add, l, err,
                               sizeof err);
    doc = rc == 0 ? hb_http_list_doc(l, &q) : NULL;
    hb_list_free(l);
    if (rc != 0 && rc != HB_ENOMEM)
      return error_doc(status, 500, err[0] ? err : hb_strerror(rc));
    if (doc)
      json_object_set_new(doc, "available", json_true());
  }
  char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(doc);
  return text;
}
