/* export.h: huibao-sub export: the per-unit table and totals as CSV or .xlsx (issue 6). */
#ifndef SUB_EXPORT_H
#define SUB_EXPORT_H

#include "cli.h"

/* Runs the command; returns the process exit code (sysexits.h) after
 * printing its own messages. */
int sub_export(const sub_cli *cli);

#endif
