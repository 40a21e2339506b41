/* account.h: huibao-sub account add|passwd|remove|list --data DIR: the
 * city dashboard's accounts in the --data store (issue 14; the body is
 * lib/hb_account_cmd.c, the same as huibao-aggregator's). */
#ifndef SUB_ACCOUNT_H
#define SUB_ACCOUNT_H

/* Runs the command with argv[0] = "account"; returns the exit code. */
int sub_account_main(int argc, char **argv);

#endif
