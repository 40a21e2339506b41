/* hb_http_list.h: a list (hb_list.h, docs/lists.md) over HTTP, the same
 * for the county's console (/api/list) and the city's dashboard
 * (/api/list): the query's parameters and the JSON document answered.
 *
 *   what      problems | cases | activities (required)
 *   campaign, unit, category, status, period: hb_list_filter's (empty: all)
 *   overdue   1 / true / yes: only overdue rows
 *   q         text: only rows whose description, owner, measures, title
 *             or summary contains it (after the filter; exact bytes)
 *
 * The answer: {"what", "today" (YYYY-MM-DD), "count", "total" (rows before
 * q), "rows": [...]} (rows as docs/lists.md says). */
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
  const char *what_name; /* "problems", ... */
  const char *q;         /* text search; NULL: none */
} hb_http_list_q;

/* Reads the query of conn into *out (f.today = today). Returns 0, or
 * HB_EINVAL with why (Chinese first, the parameter named) for a bad
 * request (400). */
int hb_http_list_query(struct MHD_Connection *conn, int32_t today, hb_http_list_q *out, char *why,
                       size_t whylen);

/* True when row (a row object of hb_list_rows) contains q in one of its
 * text fields (description, owner, measures_text, title, summary); q NULL
 * or "": true. */
bool hb_http_list_match(const json_t *row, const char *q);

/* The answer document for q from l's rows (after the caller added them):
 * a new object (caller decrefs), NULL when out of memory. */
json_t *hb_http_list_doc(hb_list *l, const hb_http_list_q *q);

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
