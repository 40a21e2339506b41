/* hb_list.h: the problem list (一本台账), the cases and the activities as
 * rows (issue 15, docs/lists.md), the same at every level: the county
 * (aggregator/store_list.c reads its store) and the city and above
 * (sub/replica.c reads the replica) hand each record to the list through
 * one callback type, and every output (table, CSV, xlsx, JSON, the
 * console, the dashboard, report templates) is made from the rows
 * hb_list_build returns.
 *
 * A row is a JSON object (jansson) with fixed keys, documented in
 * docs/lists.md; unknown keys are never read by an output, so a later
 * version may add some. */
#ifndef HB_LIST_H
#define HB_LIST_H

#include <stdbool.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

/* The signature state of a record (issue 15, lib/hb_sign.h). */
enum { HB_LIST_SIG_UNKNOWN = 0, HB_LIST_SIG_NONE = 1, HB_LIST_SIG_OK = 2, HB_LIST_SIG_BAD = 3 };

/* One record as a level holds it: what counts now. A deletion request
 * (REVIEW_DELETION_PENDING) is handed over as the held live version with
 * its review state; a tombstone that counts nothing is not handed over at
 * all. Everything is borrowed for the call. */
typedef struct hb_list_rec {
  const char *county;                    /* the county's source code ("" at the county itself) */
  char kind;                             /* 'A' 'P' 'I' 'C' 'R' (the records key byte) */
  const Huibao__V1__Record *rec;         /* the body of that kind; seq 0 */
  const Huibao__V1__ReviewState *review; /* NULL: no review status */
  int64_t stored_s; /* the county's clock when this version was stored; 0: unknown */
  uint64_t n;       /* its index in the county's history; 0: unknown */
  int sig;          /* HB_LIST_SIG_* */
} hb_list_rec;

/* Called once per record; a value other than 0 stops the walk and is
 * returned by the walker. */
typedef int (*hb_list_rec_fn)(void *ctx, const hb_list_rec *r);

/* What a list holds. */
typedef enum hb_list_what { HB_LIST_PROBLEMS, HB_LIST_CASES, HB_LIST_ACTIVITIES } hb_list_what;

/* The filters of `list` (NULL / false / 0: no filter). status is a
 * ProblemStatus or review word in English or Chinese (rectifying, 整改中,
 * resolved, claimed, confirmed, 已销号, returned, 退回, deletion, ...);
 * period is a period id (YYYY-MM-DD, the due date) of the campaign. */
typedef struct hb_list_filter {
  const char *campaign, *unit, *category, *status, *period;
  bool overdue;
  int32_t today; /* days since epoch, county local: for overdue and days overdue */
} hb_list_filter;

typedef struct hb_list hb_list;

/* A new empty list of what, with filter f (copied). Returns 0 or HB_ENOMEM. */
int hb_list_new(hb_list **out, hb_list_what what, const hb_list_filter *f);
void hb_list_free(hb_list *l);
/* The names a row shows (unit names, category and sub-category names,
 * the county's name, kinds, periods) from a Rollup of county (the county's
 * own rollups at the county; each county's at the city). Call before the
 * rows are made; rows of a county without names show codes. */
int hb_list_names_from_rollup(hb_list *l, const char *county, const Huibao__V1__Rollup *r);
/* An hb_list_rec_fn: adds r as a row if it is of the list's kind and
 * passes the filter (ctx is the hb_list). Returns 0 or HB_ENOMEM. */
int hb_list_add(void *ctx, const hb_list_rec *r);
/* The rows (a json_t array, borrowed from l), sorted by county, unit and
 * id; keys in docs/lists.md. */
struct json_t;
struct json_t *hb_list_rows(hb_list *l);

#endif
