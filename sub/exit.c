/* exit.c: hb_err -> exit code (see exit.h). */
#include "exit.h"

#include <sysexits.h>
#include "hb_err.h"

int sub_exit_for(int err)
{
  switch (err) {
  case HB_EIO: return EX_IOERR;
  case HB_EFULL: return EX_IOERR;
  case HB_ENOSPC: return EX_IOERR;
  case HB_EINVAL: return EX_USAGE;
  default: return EX_SOFTWARE;
  }
}
