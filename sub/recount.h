/* recount.h: the city's recomputation of a county's figures from its
 * records (issue 15, docs/verify.md), compared with the Rollup the county
 * published.
 *
 * The records come from the replica (replica.h: sub_replica_foreach hands
 * every record that counts now, with its review state) and are counted
 * with the county's own code (lib/hb_agg.c hb_agg_add_*, lib/hb_agg_review.c
 * hb_agg_add_review), so the city and the county cannot count differently.
 * The comparison covers every figure of a county Rollup that follows from
 * the records alone (docs/verify.md lists them); last_sync and the period
 * states depend on the county's store times and are not compared. Overdue
 * is compared against the Rollup's own `today`. */
#ifndef SUB_RECOUNT_H
#define SUB_RECOUNT_H

#include <stddef.h>
#include <stdint.h>
#include "hb_list.h"
#include "huibao/v1/huibao.pb-c.h"

/* One difference. Everything is borrowed for the call of the callback. */
typedef struct sub_finding {
  const char *county;   /* the county's source code */
  const char *campaign; /* "" when the finding is not of one campaign */
  const char *unit;     /* "" when not of one unit (a county-wide figure) */
  const char *record;   /* kind and id ("P12"), "" when not of one record */
  const char *figure;   /* "participants", "problems.resolved", ...; "" for a record */
  const char *text;     /* the whole message, Chinese first, English in parentheses */
} sub_finding;

/* Called once per finding; its return value is ignored. */
typedef void (*sub_finding_fn)(void *ctx, const sub_finding *f);

/* The recount of one county: an hb_agg per (campaign, unit). */
typedef struct sub_recount sub_recount;

/* A new empty recount of county (copied). Returns 0 or HB_ENOMEM. */
int sub_recount_new(sub_recount **out, const char *county);
void sub_recount_free(sub_recount *rc);

/* An hb_list_rec_fn (ctx: the sub_recount): counts one record as the county
 * does, with its review state. A record that cannot be counted (the county
 * would have refused it) is remembered as a finding naming it and counts
 * nothing. Returns 0 or HB_ENOMEM. */
int sub_recount_add(void *ctx, const hb_list_rec *r);

/* Records counted so far (activities, problems, indicators, cases). */
uint64_t sub_recount_records(const sub_recount *rc);

/* Compares the recount with r, the Rollup of one campaign the county
 * published (compare only a Rollup whose log head n is the one the
 * records came from: the caller checks). Calls fn for every difference and
 * for every record sub_recount_add could not count (of r's campaign).
 * Returns the number of findings (>= 0) or HB_ENOMEM. */
long sub_recount_compare(const sub_recount *rc, const Huibao__V1__Rollup *r, sub_finding_fn fn,
                         void *ctx);

#endif
