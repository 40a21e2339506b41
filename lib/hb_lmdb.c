/* hb_lmdb.c: opening, growing and mapping errors of LMDB environments. */
#include "hb_lmdb.h"

#include <errno.h>
#ifndef _WIN32
#include <pthread.h>
#endif
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hb_err.h"

/* mdb_env_set_mapsize remaps the file: no read transaction of this process
 * may be open meanwhile (LMDB does not check). The lock is process-wide as
 * that rule is; hb_lmdb_grow holds it exclusively. Windows builds only the
 * agent, which reads in the thread that writes. */
#ifndef _WIN32
static pthread_rwlock_t grow_lock = PTHREAD_RWLOCK_INITIALIZER;
#endif

/* exclusive: for hb_lmdb_grow; else shared, for a reader */
static void grow_lock_take(bool exclusive)
{
#ifndef _WIN32
  if (exclusive)
    pthread_rwlock_wrlock(&grow_lock);
  else
    pthread_rwlock_rdlock(&grow_lock);
#else
  (void)exclusive;
#endif
}

static void grow_lock_release(void)
{
#ifndef _WIN32
  pthread_rwlock_unlock(&grow_lock);
#endif
}

int hb_lmdb_read_begin(MDB_env *env, MDB_txn **txn)
{
  grow_lock_take(false);
  int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, txn);
  if (rc != 0)
    grow_lock_release();
  return rc;
}

void hb_lmdb_read_end(MDB_txn *txn)
{
  mdb_txn_abort(txn);
  grow_lock_release();
}

int hb_lmdb_err(int rc)
{
  switch (rc) {
  case MDB_SUCCESS: return HB_OK;
  case MDB_MAP_FULL: return HB_EFULL;
  case ENOSPC: return HB_ENOSPC;
  case EDQUOT: return HB_ENOSPC;
  case MDB_NOTFOUND: return HB_ENOTFOUND;
  case EIO: return HB_EIO;
  case ENOMEM: return HB_ENOMEM;
  default: return HB_EDB;
  }
}

static int mkdir_p(const char *dir)
{
  char path[4096];
  size_t n = strlen(dir);
  if (n == 0 || n >= sizeof path)
    return -1;
  memcpy(path, dir, n + 1);
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
      return -1;
    *p = '/';
  }
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return -1;
  return 0;
}

int hb_lmdb_open(hb_lmdb *l, const char *dir, size_t mapsize, const char *const *names,
                 MDB_dbi *dbis, int ndbs, char *err, size_t errlen)
{
  memset(l, 0, sizeof *l);
  l->mapsize = mapsize ? mapsize : HB_LMDB_DEFAULT_MAP;
  if (mkdir_p(dir) != 0) {
    snprintf(err, errlen, "create %s: %s", dir, strerror(errno));
    return errno == ENOSPC ? HB_ENOSPC : HB_EIO;
  }

  int rc = mdb_env_create(&l->env);
  if (rc)
    goto fail;
  if ((rc = mdb_env_set_maxdbs(l->env, (MDB_dbi)(ndbs > 0 ? ndbs : 1))) != 0)
    goto env_close;
  /* The stored file may already be larger than what we ask for: LMDB then
   * keeps the file's size, and mdb_env_info tells us which it used. */
  if ((rc = mdb_env_set_mapsize(l->env, l->mapsize)) != 0)
    goto env_close;
  if ((rc = mdb_env_set_maxreaders(l->env, 126)) != 0)
    goto env_close;
  if ((rc = mdb_env_open(l->env, dir, MDB_NOTLS, 0600)) != 0)
    goto env_close;

  MDB_envinfo info;
  if (mdb_env_info(l->env, &info) == 0 && info.me_mapsize > l->mapsize)
    l->mapsize = info.me_mapsize;
  mdb_reader_check(l->env, &l->stale_readers);

  MDB_txn *txn;
  if ((rc = mdb_txn_begin(l->env, NULL, 0, &txn)) != 0)
    goto env_close;
  for (int i = 0; i < ndbs; i++) {
    if ((rc = mdb_dbi_open(txn, names[i], MDB_CREATE, &dbis[i])) != 0) {
      mdb_txn_abort(txn);
      goto env_close;
    }
  }
  if ((rc = mdb_txn_commit(txn)) != 0)
    goto env_close;
  return HB_OK;

env_close:
  mdb_env_close(l->env);
  l->env = NULL;
fail:
  snprintf(err, errlen, "open LMDB store in %s: %s", dir, mdb_strerror(rc));
  return hb_lmdb_err(rc);
}

void hb_lmdb_close(hb_lmdb *l)
{
  if (l->env)
    mdb_env_close(l->env);
  l->env = NULL;
}

int hb_lmdb_grow(hb_lmdb *l)
{
  /* A ceiling even when none was set: a failed mdb_env_set_mapsize leaves
   * the environment without a map, so never ask for absurd sizes. */
  size_t ceiling = l->map_max ? l->map_max : HB_LMDB_MAX_MAP;
  size_t next = l->mapsize * 2;
  if (next > ceiling)
    next = ceiling;
  if (next <= l->mapsize)
    return HB_EFULL;
  grow_lock_take(true);
  int rc = mdb_env_set_mapsize(l->env, next);
  grow_lock_release();
  if (rc != 0)
    return hb_lmdb_err(rc) == HB_EDB ? HB_EFULL : hb_lmdb_err(rc);
  l->mapsize = next;
  return HB_OK;
}

int hb_lmdb_adopt_map(hb_lmdb *l)
{
  grow_lock_take(true);
  int rc = mdb_env_set_mapsize(l->env, 0);
  grow_lock_release();
  MDB_envinfo info;
  if (rc == 0 && mdb_env_info(l->env, &info) == 0)
    l->mapsize = info.me_mapsize;
  return rc;
}

/* LMDB reports a write that came up short as EIO, and that is how a full
 * disk usually shows (only a write that stored nothing says ENOSPC). An EIO
 * on a filesystem with less than 1 MiB left is a full disk: say so, so
 * that a person is told to free space rather than to suspect the disk. */
static int lmdb_write_err(hb_lmdb *l, int rc)
{
  const char *path;
  struct statvfs fs;
  if (rc == EIO && mdb_env_get_path(l->env, &path) == 0 && statvfs(path, &fs) == 0 &&
      (unsigned long long)fs.f_bavail * fs.f_frsize < (1ull << 20))
    return HB_ENOSPC;
  return hb_lmdb_err(rc);
}

/* hb_err codes are small negative numbers; LMDB's own start at
 * MDB_KEYEXIST (-30799) and errno values are positive. */
static bool lmdb_is_hb_err(int rc)
{
  return rc < 0 && rc > MDB_KEYEXIST;
}

int hb_lmdb_write(hb_lmdb *l, hb_lmdb_write_fn body, void *arg, char *err, size_t errlen)
{
  char none[1];
  if (!err || errlen == 0) {
    err = none;
    errlen = sizeof none;
  }
  for (int resized = 0;;) {
    err[0] = '\0';
    MDB_txn *txn;
    const char *step = "begin write transaction";
    int rc = mdb_txn_begin(l->env, NULL, 0, &txn);
    if (rc == MDB_MAP_RESIZED && resized++ < 8 && (rc = hb_lmdb_adopt_map(l)) == 0)
      continue;
    if (rc == 0) {
      step = "write";
      rc = body(txn, arg);
      if (rc == 0) {
        step = "commit";
        rc = mdb_txn_commit(txn); /* frees txn, committed or not */
      } else {
        mdb_txn_abort(txn);
      }
    }
    if (rc == 0)
      return HB_OK;
    if (rc != MDB_MAP_FULL && rc != HB_EFULL) {
      if (!lmdb_is_hb_err(rc)) {
        snprintf(err, errlen, "%s: %s", step, mdb_strerror(rc));
        return lmdb_write_err(l, rc);
      }
      if (!err[0])
        snprintf(err, errlen, "%s", hb_strerror(rc));
      return rc;
    }
    int g = hb_lmdb_grow(l);
    if (g != 0) {
      snprintf(err, errlen, "storage full: the map cannot grow (disk full or at its limit)");
      return g;
    }
  }
}

void hb_lmdb_usage(hb_lmdb *l, size_t *used, size_t *mapsize)
{
  MDB_envinfo info;
  MDB_stat st;
  *used = 0;
  *mapsize = l->mapsize;
  if (!l->env || mdb_env_info(l->env, &info) != 0 || mdb_env_stat(l->env, &st) != 0)
    return;
  *used = (info.me_last_pgno + 1) * (size_t)st.ms_psize;
  *mapsize = info.me_mapsize;
}
