/* account_cmd.c: `huibao-aggregator account add|passwd|remove|list`: the
 * county's reviewer and viewer accounts in the store's `accounts` db (the
 * command's body is lib/hb_account_cmd.c, shared with huibao-sub). A
 * plain write transaction: the service reads accounts per login, so no
 * admin-gen bump is needed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "commands.h"
#include "hb_account_cmd.h"
#include "hb_err.h"
#include "hb_log.h"
#include "store.h"

/* hb_account_store_open_fn over store_open; ctx: a store *. */
static int county_open(void *ctx, const char *dir, bool create, MDB_env **env, MDB_dbi *accounts,
                       char *err, size_t errlen)
{
  store **s = ctx;
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  if (!create && stat(path, &st) != 0) {
    snprintf(err, errlen, "no store: %s: %s", path, strerror(errno));
    return HB_ENOTFOUND;
  }
  int rc = store_open(s, dir, 0, 0, err, errlen);
  if (rc != 0)
    return rc;
  store_dbs d;
  store_dbs_get(*s, &d);
  *env = d.env;
  *accounts = d.accounts;
  return 0;
}

static void county_close(void *ctx)
{
  store **s = ctx;
  store_close(*s);
  *s = NULL;
}

int account_main(int argc, char **argv)
{
  hb_log_init("huibao-aggregator", HB_LOG_WARNING);
  store *s = NULL;
  hb_account_store st = {
      .program = "huibao-aggregator", .open = county_open, .close = county_close, .ctx = &s};
  return hb_account_cmd_main(&st, argc, argv);
}
