/* exit.c: hb_err -> exit code (see exit.h). */
#include "exit.h"

#include "hb_err.h"
#include "hb_exit.h"

int sub_exit_for(int err)
{
  return err == HB_EINVAL ? EX_USAGE : hb_exit_for(err);
}
