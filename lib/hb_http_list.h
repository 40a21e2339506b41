/* hb_http_list.h: a list (hb_list.h, docs/lists.md) over HTTP, the same
 * for the county's console and the city's dashboard: GET /api/list with
 *
 *   what      problems | cases | activities (required; 问题 典型 活动 too)
 *   campaign, unit, category, status, period: hb_list_filter's (empty: all;
 *             status as hb_list_status_known says)
 *   overdue   1 / true / yes: only overdue rows (0 / false / no: all)
 *   county    at the city: only that county's records
 *   q         text: only records whose description, owner or measures
 *             (problems), title or summary (cases), title (activities)
 *             contain it (exact bytes)
 *   format    json (default) | csv | xlsx: the rows as the lists' own
 *             writers make them (hb_list_write, hb_list_xlsx_write: the
 *             整改台账), as a download
 *
 * JSON answer: {"list", "today", "count", "rows": [...]} (hb_list_write's
 * JSON: rows as docs/lists.md says); a bad request: 400 {"error": why}. */
#ifndef HB_HTTP_LIST_H
#define HB_HTTP_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include "hb_list.h"

/* A list query. Strings are borrowed from the connection (valid for the
 * request). */
typedef struct hb_http_list_q {
  hb_list_what what;
  hb_list_filter f;
  const char *county; /* NULL: every county */
  const char *q;      /* text search; NULL: none */
  const char *format; /* "json", "csv", "xlsx" */
  hb_list *l;         /* the list hb_http_list_add adds to */
} hb_http_list_q;

/* Reads the query of conn into *out (f.today = today). Returns 0, or
 * HB_EINVAL with why (Chinese first, the parameter named) for a bad
 * request (400). */
int hb_http_list_query(struct MHD_Connection *conn, int32_t today, hb_http_list_q *out, char *why,
                       size_t whylen);

/* An hb_list_rec_fn (ctx: the hb_http_list_q): hb_list_add(q->l, r) when
 * r's text contains q->q (or there is no q). */
int hb_http_list_add(void *ctx, const hb_list_rec *r);

/* The answer: body (malloc'd, the caller frees), its length, status,
 * Content-Type and, for a download, the Content-Disposition. */
typedef struct hb_http_list_reply {
  char *body;
  size_t len;
  unsigned status;
  const char *type;
  char disposition[128]; /* "" for JSON */
} hb_http_list_reply;

/* Walks the level's records for q (q->f.unit, q->county) into fn(fnctx, r). */
typedef int (*hb_http_list_walk_fn)(void *wctx, const hb_http_list_q *q, hb_list_rec_fn fn,
                                    void *fnctx, char *err, size_t errlen);

/* The whole of GET /api/list on conn: the query, the names of nm (NULL:
 * codes), the records of walk(wctx), the answer in the asked format into
 * *out (place names the level in the xlsx title; may be NULL). Returns 0
 * (out->status 200 or 400) or HB_ENOMEM; a walk's error gives status 500
 * with its message. */
struct hb_http_list_names;
int hb_http_list_answer(struct MHD_Connection *conn, struct hb_http_list_names *nm,
                        hb_http_list_walk_fn walk, void *wctx, const char *place,
                        hb_http_list_reply *out);

/* ------------------------------------------------------------ names
 * The names a list shows (hb_list_names_from_rollup) as the HTTP threads
 * see them: a snapshot of rollups (copies, per county), made by the
 * program's main loop and swapped into a slot; each request takes a
 * reference to the current snapshot, so a new one never waits for a
 * request and a request never sees half of one. */
typedef struct hb_http_list_names hb_http_list_names;

/* A new empty snapshot (one reference, the caller's). Returns 0 or HB_ENOMEM. */
int hb_http_list_names_new(hb_http_list_names **out);
/* Adds a copy of r, the rollup of county ("" at the county itself).
 * Returns 0 or HB_ENOMEM. */
int hb_http_list_names_add(hb_http_list_names *nm, const char *county, const Huibao__V1__Rollup *r);
/* Gives l the names of every rollup held of campaign (NULL: of every
 * campaign). Returns 0 or hb_list_names_from_rollup's error. */
int hb_http_list_names_apply(const hb_http_list_names *nm, hb_list *l, const char *campaign);
/* Drops a reference (NULL: nothing); the last frees the snapshot. */
void hb_http_list_names_release(hb_http_list_names *nm);

/* Where the current snapshot lives. */
typedef struct hb_http_list_slot {
  pthread_mutex_t mu;
  hb_http_list_names *cur; /* NULL: none yet */
} hb_http_list_slot;
void hb_http_list_slot_init(hb_http_list_slot *s);
/* Releases the snapshot held and the mutex. */
void hb_http_list_slot_destroy(hb_http_list_slot *s);
/* Makes nm (the caller's reference, taken) the current snapshot. */
void hb_http_list_slot_set(hb_http_list_slot *s, hb_http_list_names *nm);
/* The current snapshot with a reference for the caller (release it), or NULL. */
hb_http_list_names *hb_http_list_slot_get(hb_http_list_slot *s);

#endif
