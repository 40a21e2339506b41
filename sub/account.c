/* account.c: huibao-sub account (see account.h). */
#include "account.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "hb_account_cmd.h"
#include "hb_err.h"
#include "hb_log.h"
#include "store.h"

/* hb_account_store_open_fn over sub_store_open; ctx: a sub_store *. add
 * may create the store (serve refuses to start before an account exists). */
static int city_open(void *ctx, const char *dir, bool create, MDB_env **env, MDB_dbi *accounts,
                     char *err, size_t errlen)
{
  sub_store **s = ctx;
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  if (!create && stat(path, &st) != 0) {
    snprintf(err, errlen, "no store: %s: %s", path, strerror(errno));
    return HB_ENOTFOUND;
  }
  int rc = sub_store_open(s, dir, err, errlen);
  if (rc == 0)
    sub_store_accounts(*s, env, accounts);
  return rc;
}

static void city_close(void *ctx)
{
  sub_store **s = ctx;
  sub_store_close(*s);
  *s = NULL;
}

int sub_account_main(int argc, char **argv)
{
  hb_log_init(SUB_PROGRAM, HB_LOG_WARNING);
  sub_store *s = NULL;
  hb_account_store st = {.program = SUB_PROGRAM, .open = city_open, .close = city_close, .ctx = &s};
  return hb_account_cmd_main(&st, argc, argv);
}
