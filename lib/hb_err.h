/* hb_err.h: error codes returned by every fallible function of libhuibao.
 *
 * Functions return 0 (HB_OK) on success and a negative hb_err otherwise.
 * errno, LMDB and libzmq codes are mapped once, at the module boundary, and
 * the detail a person needs (file, line, reason) travels in an hb_diags or a
 * caller-supplied message buffer, never on stderr: libraries do not print. */
#ifndef HB_ERR_H
#define HB_ERR_H

typedef enum hb_err {
  HB_OK = 0,
  HB_ENOMEM = -1,    /* allocation failed */
  HB_EIO = -2,       /* read/write/fsync failed (see errno-derived message) */
  HB_EPARSE = -3,    /* input could not be parsed; details in diagnostics */
  HB_EINVAL = -4,    /* input parsed but is invalid; details in diagnostics */
  HB_ENOTFOUND = -5, /* no such file / key / unit / campaign */
  HB_EFULL = -6,     /* LMDB map full: abort, grow the map, retry (or a ceiling reached) */
  HB_ETIMEDOUT = -7, /* peer did not answer in time */
  HB_EPROTO = -8,    /* peer spoke the protocol wrongly */
  HB_ETOOBIG = -9,   /* input over a documented size limit */
  HB_EDB = -10,      /* LMDB failed in a way not listed above */
  HB_EZMQ = -11,     /* libzmq failed */
  HB_EAGAIN = -12,   /* try again later (would block, busy) */
  HB_ENOSPC = -13,   /* the disk is full (ENOSPC, EDQUOT): growing the map cannot help */
  HB_EPERM = -14,    /* not allowed: wrong password, a viewer reviewing, no session (issue 14) */
  HB_ESTATE = -15, /* not allowed in the record's state: confirm what is not 已整改 (issue 14) */
} hb_err;

/* A static, English description of err; never NULL. */
const char *hb_strerror(int err);

#endif
