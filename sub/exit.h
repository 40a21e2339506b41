/* exit.h: the process exit code (sysexits.h) of huibao-sub for an hb_err
 * code. The one map of the program: every command that fails on an hb_err
 * exits with what this says. */
#ifndef SUB_EXIT_H
#define SUB_EXIT_H

/* Disk full, map full and I/O errors 74 (EX_IOERR), HB_EINVAL 64
 * (EX_USAGE), anything else 70 (EX_SOFTWARE). */
int sub_exit_for(int err);

#endif
