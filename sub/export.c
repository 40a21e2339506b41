/* export.c: huibao-sub export. Placeholder until it is written. */
#include "export.h"

#include <stdio.h>
#include <sysexits.h>

int sub_export(const sub_cli *cli)
{
  (void)cli;
  fprintf(stderr, "%s: export: not implemented yet\n", SUB_PROGRAM);
  return EX_SOFTWARE;
}
