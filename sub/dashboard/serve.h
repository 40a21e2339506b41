/* serve.h: huibao-sub serve: the live web dashboard (issue 7). */
#ifndef SUB_SERVE_H
#define SUB_SERVE_H

#include "cli.h"

/* Runs the command; returns the process exit code (sysexits.h) after
 * printing its own messages. */
int sub_serve(const sub_cli *cli);

#endif
