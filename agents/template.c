/* template.c: huibao-agent template. Placeholder until it is written. */
#include "template.h"

#include <stdio.h>

int agent_template_main(int argc, char **argv)
{
  (void)argc;
  (void)argv;
  fprintf(stderr, "huibao-agent: template: not implemented yet\n");
  return 70;
}
