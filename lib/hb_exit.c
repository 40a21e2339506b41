/* hb_exit.c: hb_err -> exit code (see hb_exit.h). */
#include "hb_exit.h"

#include "hb_err.h"

int hb_exit_for(int err)
{
  switch (err) {
  case HB_OK: return EX_OK;
  case HB_EIO:
  case HB_EFULL:
  case HB_ENOSPC:
  case HB_EDB: return EX_IOERR;
  case HB_EPARSE:
  case HB_EINVAL:
  case HB_ETOOBIG:
  case HB_EPROTO: return EX_DATAERR;
  case HB_ENOTFOUND: return EX_NOINPUT;
  case HB_EPERM: return EX_NOPERM;
  case HB_ESTATE: return EX_DATAERR;
  case HB_ETIMEDOUT:
  case HB_EAGAIN:
  case HB_EZMQ: return EX_TEMPFAIL;
  default: return EX_SOFTWARE;
  }
}

int hb_exit_for_input(int err)
{
  return err == HB_EIO ? EX_NOINPUT : hb_exit_for(err);
}
