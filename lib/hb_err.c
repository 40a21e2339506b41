#include "hb_err.h"

const char *hb_strerror(int err)
{
  switch (err) {
  case HB_OK: return "success";
  case HB_ENOMEM: return "out of memory";
  case HB_EIO: return "input/output error";
  case HB_EPARSE: return "cannot parse input";
  case HB_EINVAL: return "invalid input";
  case HB_ENOTFOUND: return "not found";
  case HB_EFULL: return "storage full";
  case HB_ETIMEDOUT: return "timed out";
  case HB_EPROTO: return "protocol error";
  case HB_ETOOBIG: return "input too large";
  case HB_EDB: return "database error";
  case HB_EZMQ: return "messaging error";
  case HB_EAGAIN: return "try again later";
  case HB_ENOSPC: return "disk full";
  case HB_EPERM: return "permission denied";
  case HB_ESTATE: return "not allowed in the record's state";
  default: return "unknown error";
  }
}
