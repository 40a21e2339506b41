/* exit.h: the process exit code (sysexits.h) of huibao-sub for an hb_err
 * code. The one map of the program: every command that fails on an hb_err
 * exits with what this says. */
#ifndef SUB_EXIT_H
#define SUB_EXIT_H

/* hb_exit_for (lib/hb_exit.h: the map every program shares; HB_EDB is 74
 * here as in the agent and the county), except that HB_EINVAL is 64
 * (EX_USAGE): huibao-sub's invalid input is what its command line named. */
int sub_exit_for(int err);

#endif
