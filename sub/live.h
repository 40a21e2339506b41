/* live.h: the subcommands that listen: snapshot, watch and run, and show
 * (run's stored view, offline). Each returns the process exit code
 * (sysexits.h) and prints its own messages. */
#ifndef SUB_LIVE_H
#define SUB_LIVE_H

#include <signal.h>
#include "cli.h"

/* Set by the program's SIGINT/SIGTERM handler; the loops stop when it is. */
extern volatile sig_atomic_t sub_stop;

int sub_snapshot(const sub_cli *cli);
int sub_watch(const sub_cli *cli);
int sub_run(const sub_cli *cli);
int sub_show(const sub_cli *cli);

/* True when every origin has given every campaign it announced (at least
 * one), or the wanted campaign when campaign is not NULL. */
bool sub_snapshot_complete(const sub_collect *c, char *const *origins, size_t n,
                           const char *campaign);

#endif
