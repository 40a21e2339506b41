/* huibao-agent: placeholder main, replaced by the real program. */
#include <stdio.h>
int main(void)
{
  fputs("huibao-agent: not built yet\n", stderr);
  return 70;
}
