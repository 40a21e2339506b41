/* live.h: the subcommands that listen: snapshot, watch and run, and show
 * (run's stored view, offline). Each returns the process exit code
 * (sysexits.h) and prints its own messages. */
#ifndef SUB_LIVE_H
#define SUB_LIVE_H

#include <signal.h>
#include "cli.h"
#include "collect.h"
#include "view.h"

/* Set by the program's SIGINT/SIGTERM handler; the loops stop when it is. */
extern volatile sig_atomic_t sub_stop;
/* Set by the SIGHUP handler: `run --publish` reads --subscriber-keys again. */
extern volatile sig_atomic_t sub_reload;

int sub_snapshot(const sub_cli *cli);
int sub_watch(const sub_cli *cli);
int sub_run(const sub_cli *cli);
int sub_show(const sub_cli *cli);

/* The rollups a one-shot command (report, export) works from: with
 * cli->connect, those of the counties, received like `snapshot` does (until
 * every endpoint gave every campaign, or cli->timeout_ms); else the view
 * stored in cli->data by `run`. c must be initialised by the caller, who
 * frees it. origins and norigins (may be NULL) get the endpoints in --connect
 * order (free with sub_net_free_list), or NULL/0 for a stored view. Returns
 * EX_OK; EX_TEMPFAIL when some endpoint gave nothing in time (c holds what
 * arrived, each missing endpoint was named on stderr); or another exit code
 * after printing why. */
int sub_gather(const sub_cli *cli, sub_collect *c, char ***origins, size_t *norigins);

/* The exit code (sysexits.h) for an hb_err code: disk and map full and I/O
 * errors 74, HB_EINVAL 64, anything else 70. */
int sub_live_exit_for(int err);

/* sub_collect_mark_stale's callback of run and serve: logs the county. */
void sub_live_log_stale(const sub_entry *e, void *arg);

/* The view options (source, name, campaign) of the command line. */
void sub_view_opts_from_cli(const sub_cli *cli, sub_view_opts *o);

/* True when every origin has given every campaign it announced (at least
 * one), or the wanted campaign when campaign is not NULL. */
bool sub_snapshot_complete(const sub_collect *c, char *const *origins, size_t n,
                           const char *campaign);

/* The pieces of `run` that `serve` shares (sub/serve.c). sub_live_open_net
 * opens the sockets of cli->connect (keys, --insecure); on failure it prints
 * why and returns the exit code, else 0 (free *eps with sub_net_free_list,
 * close net with sub_net_close). sub_live_receive waits at most wait_ms for
 * one rollup and offers it to c keyed by the rollup's source (logging new
 * seqs); returns 1 if kept, 0 if not, <0 on a socket error. */
struct sub_net;
int sub_live_open_net(const sub_cli *cli, struct sub_net *net, char ***eps, size_t *neps);
int sub_live_receive(struct sub_net *net, sub_collect *c, const sub_cli *cli, int wait_ms);

#endif
