/* hb_exit.h: the one map from an hb_err code to a process exit code.
 *
 * Every program (huibao-agent, huibao-aggregator, huibao-sub, huibao-keygen)
 * exits with the sysexits.h codes of docs/architecture.md ("Exit codes"):
 *
 *   0  done                    70 internal error (EX_SOFTWARE)
 *   64 bad command line        74 I/O error, disk full (EX_IOERR)
 *   65 bad input data          75 try again later, nothing lost (EX_TEMPFAIL)
 *   66 input file missing      78 bad configuration (EX_CONFIG)
 *   77 not allowed (EX_NOPERM: a wrong password, a viewer reviewing)
 *
 * A program decides the codes that depend on where an error came from
 * (64 for its command line, 78 for its configuration file) itself; for an
 * hb_err returned by the library it calls hb_exit_for, so the same error
 * gives the same code in every program. */
#ifndef HB_EXIT_H
#define HB_EXIT_H

#include <sysexits.h>

/* The exit code for err (an hb_err, 0 or negative):
 *   HB_OK 0;
 *   HB_EIO, HB_EFULL, HB_ENOSPC, HB_EDB: 74 (the disk or the store);
 *   HB_EPARSE, HB_EINVAL, HB_ETOOBIG, HB_EPROTO: 65 (the data is bad);
 *   HB_ENOTFOUND: 66;
 *   HB_EPERM: 77; HB_ESTATE: 65 (a decision the record's state forbids);
 *   HB_ETIMEDOUT, HB_EAGAIN, HB_EZMQ: 75 (the peer; run again);
 *   HB_ENOMEM and anything else: 70. */
int hb_exit_for(int err);

/* The exit code for err from reading an input the user named (a ledger, a
 * campaigns or units file, a template): as hb_exit_for, except that a file
 * that cannot be read (HB_EIO) is a missing input, 66, like HB_ENOTFOUND. */
int hb_exit_for_input(int err);

#endif
