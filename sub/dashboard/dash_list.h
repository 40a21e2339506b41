/* dash_list.h: the city's 台账 on the dashboard (issue 15, docs/dashboard.md
 * "台账"): GET /api/list (lib/hb_http_list.h) over the replica's records
 * (sub_replica_foreach), with the names of the counties' rollups, answered
 * in the HTTP request threads. Without a replica (serve without --detail)
 * it answers {"available": false, "message": "本级未保存明细（需 --detail）"}. */
#ifndef SUB_DASH_LIST_H
#define SUB_DASH_LIST_H

#include <stdbool.h>
#include "collect.h"
#include "hb_http_list.h"
#include "http.h"
#include "replica.h"

#define SUB_DASH_LIST_NO_DETAIL "本级未保存明细（需 --detail）"

typedef struct sub_dash_list {
  sub_replica *rep;        /* borrowed; NULL: no replica at this level */
  hb_http_list_slot names; /* the counties' rollups, replaced by the loop */
} sub_dash_list;

/* rep: the replica the lists read (borrowed: it must outlive the server;
 * its foreach must be callable from any thread), NULL for none. */
void sub_dash_list_init(sub_dash_list *dl, sub_replica *rep);
void sub_dash_list_free(sub_dash_list *dl);

/* In the loop's thread, after a change: the names from every rollup of c
 * (each county's, keyed by its source code). Returns 0 or HB_ENOMEM (the
 * previous names stay). */
int sub_dash_list_names(sub_dash_list *dl, const sub_collect *c);

/* The handler of /api/list for sub_http_api (ctx: the sub_dash_list). */
int sub_dash_list_api(void *ctx, struct MHD_Connection *conn, sub_http_reply *out);

#endif
