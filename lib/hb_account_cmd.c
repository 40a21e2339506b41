/* hb_account_cmd.c: the `account` command (see hb_account_cmd.h). */
#include "hb_account_cmd.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include "hb_account.h"
#include "hb_cli.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_text.h"

static const char usage_text[] =
    "usage: %1$s account add    --data DIR NAME [--role reviewer|viewer]\n"
    "       %1$s account passwd --data DIR NAME\n"
    "       %1$s account remove --data DIR NAME\n"
    "       %1$s account list   --data DIR\n"
    "\n"
    "  add      a new account (role viewer unless --role reviewer)\n"
    "  passwd   a new password for NAME\n"
    "  remove   deletes NAME (its sessions end at their next request)\n"
    "  list     every account: name, role, created\n"
    "\n"
    "The password is asked on the terminal without echo (twice), or read as one line\n"
    "of stdin; never from a flag. At least %2$d characters.\n"
    "Safe while the service runs: the next login reads the change.\n";

typedef struct cmd_opts {
  const char *data, *role;
} cmd_opts;

static const hb_cli_opt cmd_table[] = {
    {.name = "data", .kind = HB_CLI_STR, .offset = offsetof(cmd_opts, data)},
    {.name = "role", .kind = HB_CLI_STR, .offset = offsetof(cmd_opts, role)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

typedef enum verb { V_NONE, V_ADD, V_PASSWD, V_REMOVE, V_LIST } verb;

typedef struct cmd {
  const hb_account_store *st;
  verb v;
  const char *name;
  hb_role role;
  MDB_env *env;
  MDB_dbi db;
} cmd;

static verb verb_parse(const char *s)
{
  static const char *const names[] = {NULL, "add", "passwd", "remove", "list"};
  for (int i = 1; s && i <= V_LIST; i++)
    if (strcmp(s, names[i]) == 0)
      return (verb)i;
  return V_NONE;
}

/* The command line into c; 0 or an exit code (messages printed). */
static int cmd_parse(cmd *c, int argc, char **argv, cmd_opts *o)
{
  const char *prog = c->st->program;
  char err[512] = "";
  int npos = argc;
  int rc = hb_cli_parse(cmd_table, 0, o, argc, argv, &npos, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    printf(usage_text, prog, HB_PASSWORD_MIN);
    return -1;
  }
  const char *const *pos = (const char *const *)argv + npos;
  int n = argc - npos;
  c->v = rc == HB_CLI_RUN && n > 0 ? verb_parse(pos[0]) : V_NONE;
  c->name = n > 1 ? pos[1] : NULL;
  c->role = o->role ? hb_role_parse(o->role) : HB_ROLE_VIEWER;
  if (rc != HB_CLI_RUN)
    ;
  else if (c->v == V_NONE)
    snprintf(err, sizeof err, "%s",
             n == 0 ? "which command: add, passwd, remove or list?"
                    : "unknown command (add, passwd, remove or list)");
  else if (n != (c->v == V_LIST ? 1 : 2))
    snprintf(err, sizeof err, "%s", c->v == V_LIST ? "list takes no NAME" : "one NAME is needed");
  else if (!o->data)
    snprintf(err, sizeof err, "--data DIR is required");
  else if (o->role && (c->v != V_ADD || !c->role))
    snprintf(err, sizeof err, "--role is reviewer or viewer, and only for add");
  if (err[0]) {
    fprintf(stderr, "%s account: %s\n", prog, err);
    fprintf(stderr, usage_text, prog, HB_PASSWORD_MIN);
    return EX_USAGE;
  }
  return 0;
}

/* Prints one account of list. */
static int list_one(void *ctx, const hb_account *a)
{
  (void)ctx;
  char when[32] = "-";
  if (a->created_s > 0)
    hb_time_format_iso(a->created_s * 1000, when, sizeof when);
  size_t w = hb_utf8_width(a->name);
  printf("%s%*s  %-8s  %s\n", a->name, (int)(w < 20 ? 20 - w : 0), "", hb_role_name(a->role), when);
  return 0;
}

static int cmd_list(cmd *c)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return HB_EDB;
  rc = hb_account_foreach(txn, c->db, list_one, NULL);
  mdb_txn_abort(txn);
  return rc;
}

/* The account of c->name as stored now (HB_ENOTFOUND if none). */
static int cmd_get(cmd *c, hb_account *out)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(c->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return HB_EDB;
  rc = hb_account_get(txn, c->db, c->name, out);
  mdb_txn_abort(txn);
  return rc;
}

/* One write transaction: put a (add or passwd) or remove c->name. */
static int cmd_write(cmd *c, const hb_account *a)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(c->env, NULL, 0, &txn);
  if (rc)
    return rc == MDB_MAP_FULL ? HB_EFULL : HB_EDB;
  int err =
      a ? hb_account_put(txn, c->db, a, c->v == V_PASSWD) : hb_account_remove(txn, c->db, c->name);
  if (err) {
    mdb_txn_abort(txn);
    return err;
  }
  rc = mdb_txn_commit(txn);
  return rc ? (rc == MDB_MAP_FULL ? HB_EFULL : HB_EIO) : 0;
}

/* add and passwd: the password read and hashed, then one write. */
static int cmd_set(cmd *c)
{
  const char *prog = c->st->program;
  hb_account a;
  int rc = cmd_get(c, &a);
  if (c->v == V_ADD && rc == 0) {
    fprintf(stderr, "%s account: 账户 %s 已存在（account %s exists）\n", prog, c->name, c->name);
    return EX_DATAERR;
  }
  if (rc != 0 && !(c->v == V_ADD && rc == HB_ENOTFOUND))
    return rc;
  if (c->v == V_ADD) {
    memset(&a, 0, sizeof a);
    snprintf(a.name, sizeof a.name, "%s", c->name);
    a.role = c->role;
    a.created_s = (int64_t)time(NULL);
  }
  char pw[HB_PASSWORD_MAX + 2], why[256];
  char prompt[160];
  snprintf(prompt, sizeof prompt, "%s 的新密码（new password for %s）: ", c->name, c->name);
  rc = hb_password_read(prompt, true, pw, sizeof pw, why, sizeof why);
  if (rc == 0)
    rc = hb_account_hash(&a, pw, why, sizeof why);
  sodium_memzero(pw, sizeof pw);
  if (rc != 0) {
    fprintf(stderr, "%s account: %s\n", prog, why);
    return rc == HB_ENOMEM ? EX_OSERR : EX_DATAERR;
  }
  rc = cmd_write(c, &a);
  sodium_memzero(a.pwhash, sizeof a.pwhash);
  if (rc == HB_EINVAL) {
    fprintf(stderr, "%s account: 账户 %s 已存在（account %s exists）\n", prog, c->name, c->name);
    return EX_DATAERR;
  }
  if (rc == 0)
    printf("%s %s (%s)\n", c->v == V_ADD ? "added" : "password changed:", c->name,
           hb_role_name(a.role));
  return rc;
}

/* Runs the parsed command on the open store: 0, an exit code, or an hb_err. */
static int cmd_run(cmd *c)
{
  const char *prog = c->st->program;
  char why[256];
  if (c->v == V_LIST)
    return cmd_list(c);
  if (c->v != V_REMOVE && hb_account_name_check(c->name, why, sizeof why) != 0) {
    fprintf(stderr, "%s account: %s\n", prog, why);
    return EX_DATAERR;
  }
  int rc = c->v == V_REMOVE ? cmd_write(c, NULL) : cmd_set(c);
  if (rc == HB_ENOTFOUND) {
    fprintf(stderr, "%s account: 没有账户 %s（no account %s）\n", prog, c->name, c->name);
    return EX_NOINPUT;
  }
  if (rc == 0 && c->v == V_REMOVE)
    printf("removed %s\n", c->name);
  return rc;
}

int hb_account_cmd_main(const hb_account_store *st, int argc, char **argv)
{
  cmd c = {.st = st};
  cmd_opts o = {0};
  int ex = cmd_parse(&c, argc, argv, &o);
  if (ex)
    return ex < 0 ? EX_OK : ex;
  char err[512] = "";
  int rc = st->open(st->ctx, o.data, c.v == V_ADD, &c.env, &c.db, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s account: %s\n", st->program, err[0] ? err : hb_strerror(rc));
    return rc == HB_ENOTFOUND ? EX_NOINPUT : hb_exit_for(rc);
  }
  rc = cmd_run(&c);
  st->close(st->ctx);
  if (rc < 0) {
    fprintf(stderr, "%s account: %s: %s\n", st->program, o.data, hb_strerror(rc));
    return hb_exit_for(rc);
  }
  return rc;
}
