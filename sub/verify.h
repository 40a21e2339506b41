/* verify.h: the city's check of its counties (issue 15, docs/verify.md):
 * the replica's own findings (sub_replica_counties: a broken or rewritten
 * history, records whose signature does not verify) and the recount of
 * each county's figures from the replica's records (recount.h) against
 * the Rollup the county published at the same log head n.
 *
 * `huibao-sub verify --data DIR` checks once (sub_verify_main); run and
 * serve keep a sub_verify and call sub_verify_step every loop pass: a
 * county is checked again when its rollups or its replica move, each new
 * finding is logged once (warning), the metric huibao_county_verify_failed
 * {county} is set, and the dashboard shows the flag (sub_verify_json). */
#ifndef SUB_VERIFY_H
#define SUB_VERIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>
#include "collect.h"
#include "replica.h"

struct sub_cli;

/* The least time between two checks of one county (a county that keeps
 * changing is checked at this pace; within one heartbeat of 1 s). */
#define SUB_VERIFY_MIN_MS 500

typedef struct sub_verify sub_verify;

/* A new checker over replica (borrowed: it must outlive the checker; NULL:
 * every county is "not comparable yet"). Returns 0 or HB_ENOMEM. */
int sub_verify_new(sub_verify **out, sub_replica *replica);
void sub_verify_free(sub_verify *v);

/* Checks every county whose replica head or rollups in c moved since its
 * last check (every county at the first call), at most once every
 * SUB_VERIFY_MIN_MS each. Logs each finding the first time it is found
 * (warning) and a county that passes again (notice); sets the metric.
 * Returns 0 or an hb_err (the replica could not be read: logged by the
 * caller; the flags stay as they were). */
int sub_verify_step(sub_verify *v, const sub_collect *c, int64_t now_ms);

/* A number that changes whenever a county's flag, findings or notes change
 * (the dashboard publishes again when it moves). */
uint64_t sub_verify_version(const sub_verify *v);

/* {"failed": N, "counties": [{"code", "failed", "held_n", "findings": [{"campaign",
 * "unit", "record", "figure", "text"}], "notes": [text]}]} in code order
 * (docs/verify.md). NULL on ENOMEM; the caller owns the reference. */
json_t *sub_verify_json(const sub_verify *v);

/* The county's entry of sub_verify_json (borrowed from j), NULL if none. */
json_t *sub_verify_json_county(json_t *j, const char *county);

/* huibao-sub verify --data DIR [--format table|json]: every county once.
 * Exit 0 clean (a county whose replica is not at its rollup's log head yet
 * is said so, and is not a finding), 1 when a county differs (each finding
 * printed, naming county, unit and record or figure), 66 no store or no
 * replica in DIR, 74 the store cannot be read. */
int sub_verify_main(const struct sub_cli *cli);

#endif
