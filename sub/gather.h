/* gather.h: the rollups a one-shot command works from (snapshot, show,
 * report, export): received once from the counties, or read from the view
 * that `run` stored. Each function prints its own messages and returns an
 * exit code (sysexits.h). */
#ifndef SUB_GATHER_H
#define SUB_GATHER_H

#include <stdbool.h>
#include <stddef.h>
#include "cli.h"
#include "collect.h"

/* With cli->connect, the counties' rollups, keyed by endpoint, received
 * (sub_loop_run) until every endpoint gave every campaign (or cli->campaign)
 * or cli->timeout_ms passed; else the view stored in cli->data. c must be
 * initialised by the caller, who frees it. origins and norigins (may be
 * NULL) get the endpoints in --connect order (free with sub_net_free_list),
 * or NULL/0 for a stored view. Returns EX_OK; EX_TEMPFAIL when some endpoint
 * gave nothing in time (c holds what arrived, each missing endpoint was
 * named on stderr); or another exit code after printing why. */
int sub_gather(const sub_cli *cli, sub_collect *c, char ***origins, size_t *norigins);

/* The view stored by `run` in cli->data, loaded into c (initialised by the
 * caller). EX_NOINPUT when there is none. */
int sub_gather_stored(const sub_cli *cli, sub_collect *c);

/* True when every origin has given every campaign it announced (at least
 * one), or the wanted campaign when campaign is not NULL. */
bool sub_gather_complete(const sub_collect *c, char *const *origins, size_t n,
                         const char *campaign);

#endif
