/* serve.c: huibao-sub serve. Placeholder until it is written. */
#include "serve.h"

#include <stdio.h>
#include <sysexits.h>

int sub_serve(const sub_cli *cli)
{
  (void)cli;
  fprintf(stderr, "%s: serve: not implemented yet\n", SUB_PROGRAM);
  return EX_SOFTWARE;
}
