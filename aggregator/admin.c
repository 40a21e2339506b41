/* admin.c: `huibao-aggregator admin`: unlock a record, reset a unit. */
#include "admin.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "hb_err.h"
#include "hb_log.h"
#include "store.h"

static const char admin_usage[] =
    "usage: huibao-aggregator admin --data DIR unlock UNIT ID [--kind activity|problem]\n"
    "       huibao-aggregator admin --data DIR reset-unit UNIT\n"
    "\n"
    "  unlock UNIT ID   delete one record of UNIT (e.g. one locked by a version from the\n"
    "                   future): it leaves the aggregates; the agent's next version is stored\n"
    "  reset-unit UNIT  delete every record of UNIT; then remove the unit's agent --state\n"
    "                   folder and sync: the agent sends every row again\n"
    "  --kind K         activity or problem, when ID names one of each\n"
    "\n"
    "Safe while the service runs: it reloads and republishes within a second.\n";

typedef struct admin_op {
  const char *unit, *id;
  char kind; /* 'A', 'P', 0 = whichever exists */
  /* results */
  char found; /* the kind removed */
  uint64_t version;
  size_t removed;
  char note[512];
} admin_op;

/* store_batch_fn of unlock: removes the record of the given kind, or of
 * the only kind that exists. */
static int unlock_body(store *s, void *arg)
{
  admin_op *op = arg;
  op->found = 0;
  const char kinds[2] = {'A', 'P'};
  for (int i = 0; i < 2; i++) {
    if (op->kind && op->kind != kinds[i])
      continue;
    uint64_t v;
    int rc = store_batch_remove(s, op->unit, kinds[i], op->id, &v);
    if (rc == HB_ENOTFOUND)
      continue;
    if (rc != 0)
      return rc;
    if (op->found)
      return HB_EINVAL; /* both kinds exist: --kind (the batch is abandoned) */
    op->found = kinds[i];
    op->version = v;
  }
  if (!op->found)
    return HB_ENOTFOUND;
  snprintf(op->note, sizeof op->note, "admin (pid %ld): unlocked unit %s %s %s (version %llu)",
           (long)getpid(), op->unit, op->found == 'A' ? "activity" : "problem", op->id,
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

int admin_main(int argc, char **argv)
{
  const char *data = NULL, *kind = NULL, *pos[3] = {NULL, NULL, NULL};
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      fputs(admin_usage, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--data") || !strcmp(argv[i], "--kind")) {
      if (i + 1 >= argc) {
        fprintf(stderr, "huibao-aggregator admin: %s needs a value\n", argv[i]);
        return EX_USAGE;
      }
      *(!strcmp(argv[i], "--data") ? &data : &kind) = argv[i + 1];
      i++;
      continue;
    }
    if (argv[i][0] == '-' || npos == 3) {
      fprintf(stderr, "huibao-aggregator admin: unexpected '%s'\n%s", argv[i], admin_usage);
      return EX_USAGE;
    }
    pos[npos++] = argv[i];
  }
  admin_op op;
  memset(&op, 0, sizeof op);
  bool unlock = npos == 3 && !strcmp(pos[0], "unlock");
  bool reset = npos == 2 && !strcmp(pos[0], "reset-unit");
  if (!data || (!unlock && !reset) || (kind && !unlock)) {
    fprintf(stderr, "huibao-aggregator admin: %s\n%s",
            !data ? "--data DIR is required" : "unknown command or wrong arguments", admin_usage);
    return EX_USAGE;
  }
  if (kind && strcmp(kind, "activity") && strcmp(kind, "problem")) {
    fprintf(stderr, "huibao-aggregator admin: --kind is activity or problem, not '%s'\n", kind);
    return EX_USAGE;
  }
  op.unit = pos[1];
  op.id = unlock ? pos[2] : NULL;
  op.kind = !kind ? 0 : kind[0] == 'a' ? 'A' : 'P';

  hb_log_init("huibao-aggregator", HB_LOG_INFO);
  char path[4096], err[512] = "";
  struct stat st;
  snprintf(path, sizeof path, "%s/data.mdb", data);
  if (stat(path, &st) != 0) {
    fprintf(stderr, "huibao-aggregator admin: no store: %s: %s\n", path, strerror(errno));
    return EX_NOINPUT;
  }
  store *s;
  int rc = store_open(&s, data, 0, 0, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "huibao-aggregator admin: %s\n", err);
    return rc == HB_EIO || rc == HB_EFULL || rc == HB_ENOSPC ? EX_IOERR : EX_NOINPUT;
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
            "huibao-aggregator admin: unit %s has an activity and a problem %s: give --kind "
            "activity or --kind problem\n",
            op.unit, op.id);
    code = EX_DATAERR;
  } else if (rc != 0) {
    fprintf(stderr, "huibao-aggregator admin: %s\n", err[0] ? err : hb_strerror(rc));
    code = EX_IOERR;
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
