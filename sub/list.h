/* list.h: `huibao-sub list problems|cases|activities` (issue 15,
 * docs/lists.md): the records of the city's counties as a list
 * (lib/hb_list.h), from the replica (replica.h):
 *   --data DIR   the replica that `run`/`serve` keep in DIR, read while
 *                they run; the names from the view's stored rollups;
 *   --connect EP...  without --data: a replica in a temporary directory,
 *                caught up once from the counties (sub_replica_catch_up_once),
 *                the names from the rollups received.
 * Filters --campaign --unit --category --status --overdue --period; output
 * --format table|csv|json|xlsx [--out FILE].
 *
 * Exit codes: 0 listed; 64 a bad command line; 66 no replica in --data;
 * 70 internal error; 74 the replica or --out could not be read or
 * written; 75 a county could not be reached in time (--connect). */
#ifndef SUB_LIST_H
#define SUB_LIST_H

#include "cli.h"

int sub_list(const sub_cli *cli);

#endif
