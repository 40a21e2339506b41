/* dashboard.h: the documents `huibao-sub serve` publishes, built from the
 * collected rollups and the weekly history (docs/dashboard.md):
 *
 *   view      the JSON of `huibao-sub snapshot --format json` (sub_view_json)
 *   counties  per campaign, one row per county (origin) with its own figures
 *             and stale flag
 *   history   sub_history_json
 *   event     what /events pushes: {"version", "generated_at", "vocab",
 *             "view", "counties", "history"} on one line
 *
 * Pure: no I/O, no clock (the caller passes today and now). */
#ifndef SUB_DASHBOARD_H
#define SUB_DASHBOARD_H

#include <stdint.h>
#include <jansson.h>
#include "collect.h"
#include "history.h"
#include "view.h"

typedef struct sub_dash_docs {
  char *view, *counties, *history, *event; /* malloc'd JSON texts, owned */
} sub_dash_docs;

/* Per campaign (only o_campaign's when not NULL), the counties that sent it,
 * by code: {"campaigns": [{"campaign", "campaign_name", "counties": [{"code",
 * "name", "stale", "seq", "as_of", "units", "expected", "reported",
 * "problems": {total, identified, rectifying, resolved, overdue, measures,
 * confirmed, claimed, returned, deletion_pending, reopened}, "resolution_rate",
 * "activities": {records, sessions, participants, outputs, returned}}]}]}. NULL on ENOMEM; the
 * caller owns the reference. */
json_t *sub_dash_counties_json(const sub_collect *c, const char *campaign);

/* The Chinese names of the codes the view uses: {"kind": {code: name},
 * "level": {...}, "unit_type": {...}}. */
json_t *sub_dash_vocab_json(void);

/* Merges in o->origins order, or, when o->origins is NULL, in the order of
 * the origins' codes (never arrival order: the view must not depend on which
 * county spoke first). Records each campaign's merged figures in h for the ISO week of today
 * (sub_history_record, as of now_ms), then builds every document into *out
 * (freed with sub_dash_docs_free, also on failure). Returns 0, HB_ENOMEM, or
 * what sub_history_record returned (HB_EFULL: the documents are still built
 * from the history held). */
int sub_dash_build(const sub_collect *c, const sub_view_opts *o, sub_history *h, int32_t today,
                   int64_t now_ms, uint64_t version, sub_dash_docs *out);

void sub_dash_docs_free(sub_dash_docs *d);

#endif
