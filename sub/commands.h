/* commands.h: the commands of the view itself: snapshot and watch (print
 * the counties' rollups merged), run (keep them in --data, republish them)
 * and show (print what run kept). report (report/report.h), export
 * (export.h) and serve (dashboard/serve.h) have their own files. Each
 * returns the process exit code (sysexits.h) and prints its own messages. */
#ifndef SUB_COMMANDS_H
#define SUB_COMMANDS_H

#include "cli.h"

int sub_snapshot(const sub_cli *cli);
int sub_watch(const sub_cli *cli);
int sub_run(const sub_cli *cli);
int sub_show(const sub_cli *cli);

#endif
