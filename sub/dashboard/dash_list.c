/* dash_list.c: the city's 台账 on the dashboard (dash_list.h). */
#include "dash_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* hb_http_list_walk_fn over the replica (wctx: the replica); ?county=
 * narrows it to one county; ?unit= is the list's filter. */
static int walk(void *wctx, const hb_http_list_q *q, hb_list_rec_fn fn, void *fnctx, char *err,
                size_t errlen)
{
  return sub_replica_foreach(wctx, q->county, fn, fnctx, err, errlen);
}

int sub_dash_list_api(void *ctx, struct MHD_Connection *conn, sub_http_reply *out)
{
  sub_dash_list *dl = ctx;
  char why[512];
  hb_http_list_q q;
  if (!dl->rep && hb_http_list_query(conn, 0, &q, why, sizeof why) != 0) {
    json_t *doc = json_pack("{s:s}", "error", why);
    out->body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    out->len = out->body ? strlen(out->body) : 0;
    out->status = 400;
    out->type = "application/json; charset=utf-8";
    return out->body ? 0 : HB_ENOMEM;
  }
  if (!dl->rep) {
    json_t *doc = json_pack("{s:b, s:s, s:i, s:[]}", "available", 0, "message",
                            SUB_DASH_LIST_NO_DETAIL, "count", 0, "rows");
    out->body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    out->len = out->body ? strlen(out->body) : 0;
    out->status = 200;
    out->type = "application/json; charset=utf-8";
    return out->body ? 0 : HB_ENOMEM;
  }
  hb_http_list_names *nm = hb_http_list_slot_get(&dl->names);
  hb_http_list_reply rp;
  int rc = hb_http_list_answer(conn, nm, walk, dl->rep, "市级", &rp);
  hb_http_list_names_release(nm);
  if (rc != 0)
    return rc;
  out->body = rp.body;
  out->len = rp.len;
  out->status = rp.status;
  out->type = rp.type;
  snprintf(out->disposition, sizeof out->disposition, "%s", rp.disposition);
  return 0;
}
