/* backup.c: huibao-aggregator backup: an online, compacted copy of the
 * county store.
 *
 * mdb_env_copy2(MDB_CP_COMPACT) copies inside one read transaction, so the
 * copy is the store as of one committed batch, however many the running
 * service commits meanwhile (LMDB readers never block the writer). The
 * copy is a complete store: restoring is putting its data.mdb in place of
 * the service's (docs/operations.md).
 *
 * The copy gets a new epoch and the "epoch-renew" mark (store.h): a store
 * started from it shows the agents and the city an epoch they never saw,
 * so the agents send again what the county acked after the backup and the
 * city accepts the county's lower seq. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "hb_cli.h"
#include "store.h"

#define BACKUP_PROGRAM "huibao-aggregator backup"

static const char *const backup_dbs[] = {"records", "aggs", "meta"};
#define BACKUP_NDBS 3

/* 1 if dir exists and holds nothing, 0 if it does not exist, -1 (errno)
 * if it exists but is not an empty folder. */
static int dir_state(const char *dir)
{
  DIR *d = opendir(dir);
  if (!d) {
    if (errno == ENOENT)
      return 0;
    return -1;
  }
  struct dirent *e;
  int empty = 1;
  while ((e = readdir(d)) != NULL)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      empty = 0;
      break;
    }
  closedir(d);
  if (!empty)
    errno = ENOTEMPTY;
  return empty ? 1 : -1;
}

/* fsync of a file or folder by path. */
static int sync_path(const char *path, bool dir)
{
  int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0)
    return -1;
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  errno = e;
  return rc;
}

/* Gives the copy (not in use: no lock file) a new epoch and the renew
 * mark, in one committed write transaction. Returns 0 or an LMDB code;
 * *epoch gets the new epoch. */
static int copy_new_epoch(const char *dir, uint64_t *epoch)
{
  if (store_epoch_new(epoch) != 0)
    return EIO;
  MDB_env *env = NULL;
  MDB_txn *txn = NULL;
  MDB_dbi meta;
  int rc = mdb_env_create(&env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(env, BACKUP_NDBS);
  if (rc == 0)
    rc = mdb_env_open(env, dir, MDB_NOLOCK, 0600);
  if (rc == 0)
    rc = mdb_txn_begin(env, NULL, 0, &txn);
  if (rc == 0)
    rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &meta);
  if (rc == 0)
    rc = store_epoch_write(txn, meta, *epoch);
  if (rc == 0) {
    MDB_val k = {strlen(STORE_META_EPOCH_RENEW), (void *)STORE_META_EPOCH_RENEW}, v = {1, "1"};
    rc = mdb_put(txn, meta, &k, &v, 0);
  }
  if (rc == 0) {
    rc = mdb_txn_commit(txn);
    txn = NULL;
  }
  if (txn)
    mdb_txn_abort(txn);
  if (env)
    mdb_env_close(env);
  return rc;
}

/* Opens the copy without a lock file (it is not in use) and reads how many
 * entries each database holds. Returns 0 or an LMDB code. */
static int copy_entries(const char *dir, size_t entries[BACKUP_NDBS])
{
  MDB_env *env = NULL;
  MDB_txn *txn = NULL;
  int rc = mdb_env_create(&env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(env, BACKUP_NDBS);
  if (rc == 0)
    rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOLOCK, 0600);
  if (rc == 0)
    rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
  for (int i = 0; rc == 0 && i < BACKUP_NDBS; i++) {
    MDB_dbi dbi;
    MDB_stat st;
    entries[i] = 0;
    rc = mdb_dbi_open(txn, backup_dbs[i], 0, &dbi);
    if (rc == 0)
      rc = mdb_stat(txn, dbi, &st);
    if (rc == 0)
      entries[i] = st.ms_entries;
  }
  if (txn)
    mdb_txn_abort(txn);
  if (env)
    mdb_env_close(env);
  return rc;
}

typedef struct backup_opts {
  const char *data, *out;
} backup_opts;

static const hb_cli_opt backup_table[] = {
    {.name = "data", .kind = HB_CLI_STR, .offset = offsetof(backup_opts, data)},
    {.name = "out", .kind = HB_CLI_STR, .offset = offsetof(backup_opts, out)},
    {.name = "help", .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

int backup_main(int argc, char **argv)
{
  backup_opts o = {0};
  char err[512] = "";
  int crc = hb_cli_parse(backup_table, 0, &o, argc, argv, NULL, err, sizeof err);
  if (crc == HB_CLI_HELP_ASKED) {
    printf("usage: huibao-aggregator backup --data DIR --out DIR\n"
           "  copies the store in --data (compacted, consistent, while the service runs)\n"
           "  into --out, a new or empty folder\n");
    return 0;
  }
  if (crc == HB_CLI_RUN && (!o.data || !o.out))
    snprintf(err, sizeof err, "--data DIR and --out DIR are required");
  if (err[0]) {
    fprintf(stderr, "%s: %s\n", BACKUP_PROGRAM, err);
    return EX_USAGE;
  }
  const char *data = o.data, *out = o.out;

  char src[4096], dst[4096];
  struct stat sb;
  snprintf(src, sizeof src, "%s/data.mdb", data);
  if (stat(src, &sb) != 0) {
    fprintf(stderr, "%s: no store in %s (%s: %s)\n", BACKUP_PROGRAM, data, src, strerror(errno));
    return EX_NOINPUT;
  }
  int st = dir_state(out);
  if (st < 0) {
    fprintf(stderr, "%s: %s: %s; a backup goes into a new or empty folder\n", BACKUP_PROGRAM, out,
            strerror(errno));
    return EX_CANTCREAT;
  }
  if (st == 0 && mkdir(out, 0700) != 0) {
    fprintf(stderr, "%s: cannot create %s: %s\n", BACKUP_PROGRAM, out, strerror(errno));
    return EX_CANTCREAT;
  }

  /* The copy is made and given its new epoch in a work folder inside
   * --out, and only then renamed to --out/data.mdb: a backup that failed
   * or was killed half-way never leaves a data.mdb with the live store's
   * epoch, which, restored, would hide the restore from the agents. */
  char work[4096];
  snprintf(work, sizeof work, "%s/.incomplete", out);
  if (mkdir(work, 0700) != 0) {
    fprintf(stderr, "%s: cannot create %s: %s\n", BACKUP_PROGRAM, work, strerror(errno));
    return EX_CANTCREAT;
  }
  char wdst[4200];
  snprintf(wdst, sizeof wdst, "%s/data.mdb", work);

  /* Read-only, as a second process next to the service: the copy runs in
   * a read transaction of this environment. */
  MDB_env *env = NULL;
  int rc = mdb_env_create(&env);
  if (rc == 0)
    rc = mdb_env_set_maxdbs(env, BACKUP_NDBS);
  if (rc == 0)
    rc = mdb_env_open(env, data, MDB_RDONLY, 0600);
  size_t used = 0;
  if (rc == 0) {
    MDB_envinfo info;
    MDB_stat est;
    if (mdb_env_info(env, &info) == 0 && mdb_env_stat(env, &est) == 0)
      used = (info.me_last_pgno + 1) * (size_t)est.ms_psize;
    rc = mdb_env_copy2(env, work, MDB_CP_COMPACT);
    /* The service grew its map meanwhile: adopt the new size, copy again. */
    for (int tries = 0; rc == MDB_MAP_RESIZED && tries < 8; tries++) {
      unlink(wdst);
      rc = mdb_env_set_mapsize(env, 0);
      if (rc == 0)
        rc = mdb_env_copy2(env, work, MDB_CP_COMPACT);
    }
  }
  if (env)
    mdb_env_close(env);
  if (rc != 0) {
    fprintf(stderr, "%s: copying %s to %s: %s\n", BACKUP_PROGRAM, data, out, mdb_strerror(rc));
    unlink(wdst);
    rmdir(work);
    return EX_IOERR;
  }
  uint64_t epoch = 0;
  if ((rc = copy_new_epoch(work, &epoch)) != 0) {
    fprintf(stderr, "%s: giving the copy a new epoch: %s\n", BACKUP_PROGRAM, mdb_strerror(rc));
    unlink(wdst);
    rmdir(work);
    return EX_IOERR;
  }
  snprintf(dst, sizeof dst, "%s/data.mdb", out);
  if (chmod(wdst, 0600) != 0 || sync_path(wdst, false) != 0 || rename(wdst, dst) != 0 ||
      rmdir(work) != 0 || sync_path(out, true) != 0 || stat(dst, &sb) != 0) {
    fprintf(stderr, "%s: %s: %s\n", BACKUP_PROGRAM, dst, strerror(errno));
    unlink(wdst);
    rmdir(work);
    return EX_IOERR;
  }
  size_t entries[BACKUP_NDBS];
  if ((rc = copy_entries(out, entries)) != 0) {
    fprintf(stderr, "%s: the copy %s cannot be read back: %s\n", BACKUP_PROGRAM, dst,
            mdb_strerror(rc));
    return EX_IOERR;
  }
  printf("backup: wrote %s: %lld bytes (store in use: %zu bytes), %zu records, %zu aggregates, "
         "%zu meta entries\n",
         dst, (long long)sb.st_size, used, entries[0], entries[1], entries[2]);
  printf("epoch: the copy has the new store epoch %016llx; a service started from it takes "
         "another new one, and the agents then send again, on their next run, what was "
         "acked after this backup\n",
         (unsigned long long)epoch);
  printf("restore: stop the service, put %s in place of %s/data.mdb, start it; "
         "check with: huibao-aggregator verify --data %s\n",
         dst, data, data);
  return 0;
}
