/* commands.h: the issue-14 subcommands of huibao-aggregator, each in its
 * own file; argv[0] is the subcommand's name, the return value the exit
 * code (docs/architecture.md "Exit codes"; 77 for a wrong password or a
 * viewer reviewing).
 *
 *   review   review_cmd.c   confirm|return|reopen|approve-delete|refuse-delete (H2)
 *            review_list.c  review --data DIR list ... (H6; review_main calls it)
 *   history  history_cmd.c  a record's versions and decisions (H1)
 *   account  account_cmd.c  add|remove|passwd|list (H5)
 *   list     list_cmd.c     problems|cases|activities: the county's lists (issue 15) */
#ifndef AGG_COMMANDS_H
#define AGG_COMMANDS_H

int review_main(int argc, char **argv);
int review_list_main(int argc, char **argv);
int history_main(int argc, char **argv);
int account_main(int argc, char **argv);
int list_main(int argc, char **argv);

#endif
