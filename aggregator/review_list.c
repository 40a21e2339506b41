/* review_list.c: see commands.h. STUB of the groundwork: H6 fills it. */
#include <stdio.h>
#include <sysexits.h>
#include "commands.h"

int review_list_main(int argc, char **argv)
{
  (void)argc, (void)argv;
  fputs("huibao-aggregator: not implemented yet\n", stderr);
  return EX_SOFTWARE;
}
