/* backup.c: huibao-aggregator backup. Placeholder until it is written. */
#include "backup.h"

#include <stdio.h>

int backup_main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fprintf(stderr, "huibao-aggregator: backup: not implemented yet\n");
  return 70;
}
