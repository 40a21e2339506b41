/* huibao-aggregator: placeholder main, replaced by the real program. */
#include <stdio.h>
int main(void)
{
  fputs("huibao-aggregator: not built yet\n", stderr);
  return 70;
}
