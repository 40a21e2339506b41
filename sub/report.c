/* report.c: huibao-sub report. Placeholder until it is written. */
#include "report.h"

#include <stdio.h>
#include <sysexits.h>

int sub_report(const sub_cli *cli)
{
  (void)cli;
  fprintf(stderr, "%s: report: not implemented yet\n", SUB_PROGRAM);
  return EX_SOFTWARE;
}
