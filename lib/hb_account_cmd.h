/* hb_account_cmd.h: the `account` command of huibao-aggregator (the
 * county's accounts, in its store) and of huibao-sub (the city's, in its
 * --data store): one body for both programs, which differ only in how
 * they open their store (docs/security.md).
 *
 *   PROGRAM account add    --data DIR NAME [--role reviewer|viewer]
 *   PROGRAM account passwd --data DIR NAME
 *   PROGRAM account remove --data DIR NAME
 *   PROGRAM account list   --data DIR
 *
 * add's role is viewer unless --role says reviewer (least privilege). The
 * password comes from the terminal without echo (typed twice) or from one
 * line of stdin, never from a flag; it is hashed (slow) before the write
 * transaction begins. A service running on the store sees the change at
 * its next login (accounts are read per login and per request). Exit
 * codes: 0; 64 bad command line; 65 the name exists (add), a bad name, a
 * short password, entries that differ; 66 no such account or store; 74
 * the store failed. Like a program's main, it prints its own messages. */
#ifndef HB_ACCOUNT_CMD_H
#define HB_ACCOUNT_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <lmdb.h>

/* How a program opens its store for the command: dir; create: whether a
 * missing store may be made (add only; else HB_ENOTFOUND for none). On
 * success *env and *accounts name the environment and its accounts db,
 * valid until close is called. Else an hb_err with err saying why. */
typedef int (*hb_account_store_open_fn)(void *ctx, const char *dir, bool create, MDB_env **env,
                                        MDB_dbi *accounts, char *err, size_t errlen);
typedef void (*hb_account_store_close_fn)(void *ctx);

typedef struct hb_account_store {
  const char *program; /* "huibao-aggregator" in messages and usage */
  hb_account_store_open_fn open;
  hb_account_store_close_fn close;
  void *ctx;
} hb_account_store;

/* Runs `account` with argv[0] = "account"; returns the exit code. */
int hb_account_cmd_main(const hb_account_store *st, int argc, char **argv);

#endif
