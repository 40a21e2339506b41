/* admin.c: `huibao-aggregator admin`: unlock a record, reset a unit. */
#include "admin.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "hb_cli.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_log.h"
#include "store.h"

static const char admin_usage[] =
    "usage: huibao-aggregator admin --data DIR unlock UNIT ID [--kind KIND]\n"
    "       huibao-aggregator admin --data DIR reset-unit UNIT\n"
    "\n"
    "  unlock UNIT ID   delete one record of UNIT (e.g. one locked by a version from the\n"
    "                   future): it leaves the aggregates; the agent's next version is stored\n"
    "  reset-unit UNIT  delete every record of UNIT; then remove the unit's agent --state\n"
    "                   folder and sync: the agent sends every row again\n"
    "  --kind K         activity, problem, indicator, case or report (报送), when ID\n"
    "                   names rows of more than one kind\n"
    "\n"
    "Safe while the service runs: it reloads and republishes within a second.\n";

typedef struct admin_op {
  const char *unit, *id;
  char kind; /* 'A', 'P', 'I', 'C', 'R', 0 = whichever exists */
  /* results */
  char found; /* the kind removed */
  uint64_t version;
  size_t removed;
  char note[512];
} admin_op;

/* The row kinds by their --kind name and store key byte. */
static const struct {
  const char *name;
  char kind;
} admin_kinds[] = {
    {"activity", 'A'}, {"problem", 'P'}, {"indicator", 'I'}, {"case", 'C'}, {"report", 'R'}};
#define ADMIN_NKINDS (sizeof admin_kinds / sizeof admin_kinds[0])

static const char *admin_kind_name(char kind)
{
  for (size_t i = 0; i < ADMIN_NKINDS; i++)
    if (admin_kinds[i].kind == kind)
      return admin_kinds[i].name;
  return "record";
}

/* store_batch_fn of unlock: removes the record of the given kind, or of
 * the only kind that exists. */
static int unlock_body(store *s, void *arg)
{
  admin_op *op = arg;
  op->found = 0;
  for (size_t i = 0; i < ADMIN_NKINDS; i++) {
    char k = admin_kinds[i].kind;
    if (op->kind && op->kind != k)
      continue;
    uint64_t v;
    int rc = store_batch_remove(s, op->unit, k, op->id, &v);
    if (rc == HB_ENOTFOUND)
      continue;
    if (rc != 0)
      return rc;
    if (op->found)
      return HB_EINVAL; /* two kinds exist: --kind (the batch is abandoned) */
    op->found = k;
    op->version = v;
  }
  if (!op->found)
    return HB_ENOTFOUND;
  snprintf(op->note, sizeof op->note, "admin (pid %ld): unlocked unit %s %s %s (version %llu)",
           (long)getpid(), op->unit, admin_kind_name(op->found), op->id,
           (unsigned long long)op->version);
  return store_batch_note(s, op->note);
}

static int reset_body(store *s, void *arg)
{
  admin_op *op = arg;
  int rc = store_batch_remove_unit(s, op->unit, &op->removed);
  if (rc != 0)
    return rc;
  snprintf(op->note, sizeof op->note, "admin (pid %ld): reset unit %s: %zu records deleted",
           (long)getpid(), op->unit, op->removed);
  return store_batch_note(s, op->note);
}

typedef struct admin_opts {
  const char *data, *kind;
} admin_opts;

static const hb_cli_opt admin_table[] = {
    {.name = "data", .kind = HB_CLI_STR, .offset = offsetof(admin_opts, data)},
    {.name = "kind", .kind = HB_CLI_STR, .offset = offsetof(admin_opts, kind)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

int admin_main(int argc, char **argv)
{
  admin_opts o = {0};
  char err[512] = "";
  int npos = argc;
  int rc = hb_cli_parse(admin_table, 0, &o, argc, argv, &npos, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    fputs(admin_usage, stdout);
    return 0;
  }
  const char *const *pos = (const char *const *)argv + npos;
  int n = argc - npos;
  bool unlock = rc == HB_CLI_RUN && n == 3 && !strcmp(pos[0], "unlock");
  bool reset = rc == HB_CLI_RUN && n == 2 && !strcmp(pos[0], "reset-unit");
  const char *data = o.data, *kind = o.kind;
  char kind_byte = 0;
  for (size_t i = 0; kind && i < ADMIN_NKINDS; i++)
    if (strcmp(kind, admin_kinds[i].name) == 0)
      kind_byte = admin_kinds[i].kind;
  if (rc == HB_CLI_RUN && !data)
    snprintf(err, sizeof err, "--data DIR is required");
  else if (rc == HB_CLI_RUN && !unlock && !reset)
    snprintf(err, sizeof err, "%s",
             n == 0 ? "which command: unlock or reset-unit?"
                    : "unknown command or wrong number of arguments");
  else if (rc == HB_CLI_RUN && kind && (!unlock || !kind_byte))
    snprintf(err, sizeof err,
             "--kind is activity, problem, indicator, case or report, and only for unlock");
  if (err[0]) {
    fprintf(stderr, "huibao-aggregator admin: %s\n%s", err, admin_usage);
    return EX_USAGE;
  }
  admin_op op;
  memset(&op, 0, sizeof op);
  op.unit = pos[1];
  op.id = unlock ? pos[2] : NULL;
  op.kind = kind_byte;

  hb_log_init("huibao-aggregator", HB_LOG_INFO);
  char path[4096];
  struct stat st;
  snprintf(path, sizeof path, "%s/data.mdb", data);
  if (stat(path, &st) != 0) {
    fprintf(stderr, "huibao-aggregator admin: no store: %s: %s\n", path, strerror(errno));
    return EX_NOINPUT;
  }
  store *s;
  rc = store_open(&s, data, 0, 0, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "huibao-aggregator admin: %s\n", err);
    return hb_exit_for(rc);
  }
  store_set_admin(s);
  rc = store_batch_run(s, unlock ? unlock_body : reset_body, &op, err, sizeof err);
  int code = 0;
  if (rc == HB_ENOTFOUND) {
    fprintf(stderr, "huibao-aggregator admin: unit %s has no %s %s (nothing changed)\n", op.unit,
            !kind ? "record" : kind, op.id);
    code = EX_DATAERR;
  } else if (rc == HB_EINVAL && unlock) {
    fprintf(stderr,
            "huibao-aggregator admin: unit %s has rows of more than one kind with id %s: give "
            "--kind activity, problem, indicator or case\n",
            op.unit, op.id);
    code = EX_DATAERR;
  } else if (rc != 0) {
    fprintf(stderr, "huibao-aggregator admin: %s\n", err[0] ? err : hb_strerror(rc));
    code = hb_exit_for(rc);
  } else {
    const char *const *ids;
    size_t nc = store_changed(s, &ids);
    hb_log_notice("%s; %zu campaign%s changed", op.note, nc, nc == 1 ? "" : "s");
    printf("%s; %zu campaign%s changed (a running service republishes them within a second)\n",
           op.note, nc, nc == 1 ? "" : "s");
    if (reset)
      printf("next: remove the --state folder of unit %s's agent and sync: it sends every row "
             "again\n",
             op.unit);
  }
  store_close(s);
  return code;
}
