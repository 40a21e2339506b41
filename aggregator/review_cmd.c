/* review_cmd.c: `huibao-aggregator review`: a reviewer's decision on one
 * record (see commands.h, docs/review.md). Applied as a second process on
 * the store, like `admin`: its batch reloads first and bumps admin-gen, so
 * the running service reloads and republishes within a heartbeat. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "commands.h"
#include "hb_account.h"
#include "hb_cli.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_log.h"
#include "hb_review.h"
#include "store.h"

static const char review_usage[] =
    "usage: huibao-aggregator review --data DIR --as NAME ACTION UNIT ID [--kind "
    "problem|activity]\n"
    "                                [--reason TEXT]\n"
    "       huibao-aggregator review --data DIR list [--unit U] [--state "
    "claimed|returned|deletion]\n"
    "                                [--format table|json]\n"
    "\n"
    "  ACTION  confirm         销号：确认单位已整改的问题 (a problem the unit marked 已整改)\n"
    "          return          退回：发回单位修改，须填原因 (back to the unit; --reason)\n"
    "          reopen          重新打开已销号的问题，须填原因 (a confirmed problem; --reason)\n"
    "          approve-delete  同意单位撤销该问题 (the unit's deletion takes effect)\n"
    "          refuse-delete   不同意撤销，须填原因 (the problem keeps counting; --reason)\n"
    "  --as NAME    the reviewer's account (huibao-aggregator account add); the password is\n"
    "               asked for (or read as one line of stdin), never given as a flag\n"
    "  --kind K     problem or activity, when ID names both\n"
    "\n"
    "Safe while the service runs: it reloads and republishes within a second.\n"
    "Exit codes: 64 usage, 65 the record's state forbids it, 66 no such record,\n"
    "77 wrong password or not a reviewer.\n";

typedef struct review_opts {
  const char *data, *as, *kind, *reason;
} review_opts;

static const hb_cli_opt review_table[] = {
    {.name = "data", .kind = HB_CLI_STR, .offset = offsetof(review_opts, data)},
    {.name = "as", .kind = HB_CLI_STR, .offset = offsetof(review_opts, as)},
    {.name = "kind", .kind = HB_CLI_STR, .offset = offsetof(review_opts, kind)},
    {.name = "reason", .kind = HB_CLI_STR, .offset = offsetof(review_opts, reason)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

/* Whether the first argument that is not an option (nor an option's
 * value) is "list": the queue, review_list.c's. */
static bool review_is_list(int argc, char **argv)
{
  static const char *const valued[] = {"--data", "--as",    "--kind",  "--reason",
                                       "--unit", "--state", "--format"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0)
      return i + 1 < argc && strcmp(argv[i + 1], "list") == 0;
    if (a[0] != '-')
      return strcmp(a, "list") == 0;
    for (size_t j = 0; j < sizeof valued / sizeof valued[0]; j++)
      if (strcmp(a, valued[j]) == 0)
        i++; /* its value */
  }
  return false;
}

typedef struct review_op {
  store_decision_req req;
  uint64_t n;      /* the decision's history index */
  const char *why; /* static: why it was refused */
  char note[512];  /* meta admin-last */
} review_op;

static int decide_body(store *s, void *arg)
{
  review_op *op = arg;
  op->why = NULL;
  int rc = store_batch_decide(s, &op->req, &op->n, &op->why);
  if (rc != 0)
    return rc;
  snprintf(op->note, sizeof op->note, "review (pid %ld): %s %s unit %s %s %s (history %llu)",
           (long)getpid(), op->req.reviewer, hb_review_action_name(op->req.action), op->req.unit,
           op->req.kind == 'P' ? "problem" : "activity", op->req.id, (unsigned long long)op->n);
  return store_batch_note(s, op->note);
}

/* In a read transaction: the reviewer's account, and the record's kind
 * when --kind was not given. Returns an exit code (0: go on). */
static int review_lookup(store *s, const char *name, hb_account *acc, review_op *op)
{
  store_dbs d;
  store_dbs_get(s, &d);
  MDB_txn *txn;
  if (mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn) != 0) {
    fputs("huibao-aggregator review: 无法读取数据库 (cannot read the store)\n", stderr);
    return EX_IOERR;
  }
  int code = 0;
  int rc = hb_account_get(txn, d.accounts, name, acc);
  if (rc != 0) {
    fprintf(stderr, "huibao-aggregator review: %s (%s)\n",
            rc == HB_ENOTFOUND ? "没有该账号或密码错误 (no such account or wrong password)"
                               : "账号无法读取 (the account does not decode)",
            name);
    code = rc == HB_ENOTFOUND ? EX_NOPERM : hb_exit_for(rc);
  }
  for (int k = 0; code == 0 && !op->req.kind && k < 2; k++) {
    char kind = k ? 'A' : 'P', key[1024];
    size_t ul = strlen(op->req.unit), il = strlen(op->req.id);
    if (ul + 2 + il > sizeof key)
      break;
    memcpy(key, op->req.unit, ul);
    key[ul] = '\0';
    key[ul + 1] = kind;
    memcpy(key + ul + 2, op->req.id, il);
    MDB_val kv = {ul + 2 + il, key}, v;
    if (mdb_get(txn, d.records, &kv, &v) != 0)
      continue;
    MDB_val kv2 = kv;
    key[ul + 1] = 'A';
    if (kind == 'P' && mdb_get(txn, d.records, &kv2, &v) == 0) {
      fprintf(
          stderr,
          "huibao-aggregator review: 单位 %s 的编号 %s 既有问题也有活动，请加 --kind problem 或 "
          "--kind activity (both a problem and an activity have this id: give --kind)\n",
          op->req.unit, op->req.id);
      code = EX_DATAERR;
    }
    op->req.kind = kind;
  }
  mdb_txn_abort(txn);
  if (code == 0 && !op->req.kind) {
    fprintf(stderr,
            "huibao-aggregator review: 单位 %s 没有编号为 %s 的问题或活动 (no such record)\n",
            op->req.unit, op->req.id);
    code = EX_NOINPUT;
  }
  return code;
}

/* The command line's checks; an exit code (0: go on). */
static int review_args(int argc, char **argv, review_opts *o, review_op *op)
{
  char err[512] = "";
  int npos = argc;
  int rc = hb_cli_parse(review_table, 0, o, argc, argv, &npos, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    fputs(review_usage, stdout);
    return -1;
  }
  const char *const *pos = (const char *const *)argv + npos;
  int n = argc - npos;
  hb_review_action action = n >= 1 ? hb_review_action_parse(pos[0]) : (hb_review_action)0;
  if (rc == HB_CLI_RUN && !o->data)
    snprintf(err, sizeof err, "--data DIR is required");
  else if (rc == HB_CLI_RUN && !action)
    snprintf(err, sizeof err, "%s",
             n == 0 ? "which action: confirm, return, reopen, approve-delete or refuse-delete?"
                    : "unknown action: use confirm, return, reopen, approve-delete, refuse-delete "
                      "or list");
  else if (rc == HB_CLI_RUN && n != 3)
    snprintf(err, sizeof err, "give ACTION UNIT ID");
  else if (rc == HB_CLI_RUN && !o->as)
    snprintf(err, sizeof err, "--as NAME is required (the reviewer's account)");
  else if (rc == HB_CLI_RUN && o->kind && strcmp(o->kind, "problem") && strcmp(o->kind, "activity"))
    snprintf(err, sizeof err, "--kind is problem or activity");
  else if (rc == HB_CLI_RUN && hb_review_needs_reason(action) && (!o->reason || !o->reason[0]))
    snprintf(err, sizeof err, "%s 须填写原因 --reason TEXT (a reason is required)", pos[0]);
  if (err[0]) {
    fprintf(stderr, "huibao-aggregator review: %s\n%s", err, review_usage);
    return EX_USAGE;
  }
  op->req.action = (int)action;
  op->req.unit = pos[1];
  op->req.id = pos[2];
  op->req.kind = o->kind ? (o->kind[0] == 'p' ? 'P' : 'A') : 0;
  op->req.reason = o->reason;
  op->req.reviewer = o->as;
  return 0;
}

/* What was done, for the reviewer (Chinese first). */
static void review_print(const review_op *op, size_t changed)
{
  const store_decision_req *q = &op->req;
  printf("已记录：%s %s %s（单位 %s，审核人 %s，历史第 %llu 条）", hb_review_action_zh(q->action),
         q->kind == 'P' ? "问题" : "活动", q->id, q->unit, q->reviewer, (unsigned long long)op->n);
  if (q->reason && q->reason[0])
    printf("，原因：%s", q->reason);
  printf("\n(recorded: %s %s %s of unit %s by %s, history entry %llu; %zu campaign%s changed: a "
         "running service republishes within a second)\n",
         hb_review_action_name(q->action), q->kind == 'P' ? "problem" : "activity", q->id, q->unit,
         q->reviewer, (unsigned long long)op->n, changed, changed == 1 ? "" : "s");
}

/* The exit code of a refused or failed batch. */
static int review_failed(int rc, const review_op *op, const char *err)
{
  if (op->why)
    fprintf(stderr, "huibao-aggregator review: %s %s %s（单位 %s）：%s\n",
            hb_review_action_name(op->req.action), op->req.kind == 'P' ? "问题" : "活动",
            op->req.id, op->req.unit, op->why);
  else
    fprintf(stderr, "huibao-aggregator review: %s\n", err[0] ? err : hb_strerror(rc));
  if (rc == HB_ESTATE)
    return EX_DATAERR;
  if (rc == HB_ENOTFOUND)
    return EX_NOINPUT;
  if (rc == HB_EINVAL && op->why)
    return EX_USAGE;
  return hb_exit_for(rc);
}

int review_main(int argc, char **argv)
{
  if (review_is_list(argc, argv))
    return review_list_main(argc, argv);
  review_opts o = {0};
  review_op op;
  memset(&op, 0, sizeof op);
  int code = review_args(argc, argv, &o, &op);
  if (code != 0)
    return code < 0 ? 0 : code;
  hb_log_init("huibao-aggregator", HB_LOG_INFO);
  char path[4096], err[512] = "";
  struct stat st;
  snprintf(path, sizeof path, "%s/data.mdb", o.data);
  if (stat(path, &st) != 0) {
    fprintf(stderr, "huibao-aggregator review: no store: %s: %s\n", path, strerror(errno));
    return EX_NOINPUT;
  }
  char password[HB_PASSWORD_MAX + 2];
  int rc = hb_password_read("密码 (password): ", false, password, sizeof password, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "huibao-aggregator review: 未能读取密码 (no password read)%s%s\n",
            err[0] ? ": " : "", err);
    return EX_NOPERM;
  }
  store *s;
  if ((rc = store_open(&s, o.data, 0, 0, err, sizeof err)) != 0) {
    fprintf(stderr, "huibao-aggregator review: %s\n", err);
    memset(password, 0, sizeof password);
    return hb_exit_for(rc);
  }
  hb_account acc;
  code = review_lookup(s, o.as, &acc, &op);
  if (code == 0 && !hb_account_check_password(&acc, password)) { /* slow: outside any write */
    fprintf(stderr, "huibao-aggregator review: 没有该账号或密码错误 (no such account or wrong "
                    "password)\n");
    code = EX_NOPERM;
  } else if (code == 0 && acc.role != HB_ROLE_REVIEWER) {
    fprintf(stderr,
            "huibao-aggregator review: 账号 %s 是%s，不能审核 (a %s account cannot review)\n", o.as,
            acc.role == HB_ROLE_VIEWER ? "只读账号" : "未知角色", hb_role_name(acc.role));
    code = EX_NOPERM;
  }
  memset(password, 0, sizeof password);
  if (code == 0) {
    store_set_admin(s);
    rc = store_batch_run(s, decide_body, &op, err, sizeof err);
    if (rc != 0) {
      code = review_failed(rc, &op, err);
    } else {
      const char *const *ids;
      size_t nc = store_changed(s, &ids);
      hb_log_notice("%s", op.note);
      review_print(&op, nc);
    }
  }
  store_close(s);
  return code;
}
