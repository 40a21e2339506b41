/* huibao-sub: placeholder main, replaced by the real program. */
#include <stdio.h>
int main(void)
{
  fputs("huibao-sub: not built yet\n", stderr);
  return 70;
}
