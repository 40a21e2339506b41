/* server.h: huibao-aggregator's service: sockets, the poll loop, signals. */
#ifndef AGG_SERVER_H
#define AGG_SERVER_H

#include <stdio.h>
#include "config.h"
#include "hb_campaigns.h"
#include "hb_units.h"

/* Loads units and campaigns; every problem is written to diag_out as
 * "FILE:LINE: reason". Returns 0 or HB_EINVAL (caller frees u and c). */
int server_load_inputs(const agg_config *cfg, hb_units *u, hb_campaigns *c, FILE *diag_out);

/* --check-config: returns the exit code (0 or 78). */
int server_check_config(const agg_config *cfg);

/* Runs the service until SIGTERM/SIGINT; returns the exit code. */
int server_run(const agg_config *cfg);

#endif
