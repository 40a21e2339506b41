/* report.h: huibao-sub report: fills a report template with a campaign's rollup (issue 6). */
#ifndef SUB_REPORT_H
#define SUB_REPORT_H

#include "cli.h"

/* Runs the command; returns the process exit code (sysexits.h) after
 * printing its own messages. */
int sub_report(const sub_cli *cli);

#endif
