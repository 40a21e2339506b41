/* Tests lib/hb_lmdb.c against a real LMDB file in a temporary folder:
 * opening, growing, and hb_lmdb_write's grow-and-retry. */
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hb_err.h"
#include "hb_lmdb.h"
#include "test.h"

static char dir[64];

static void test_open_creates_dbs(void)
{
  hb_lmdb l;
  MDB_dbi dbis[2];
  const char *names[] = {"a", "b"};
  char err[256] = "";
  CHECK_EQ_INT(HB_OK, hb_lmdb_open(&l, dir, 0, names, dbis, 2, err, sizeof err));
  CHECK_EQ_INT(HB_LMDB_DEFAULT_MAP, l.mapsize);
  hb_lmdb_close(&l);
}

/* A tiny map fills; after an abort and hb_lmdb_grow the same write fits. */
static void test_map_full_then_grow(void)
{
  hb_lmdb l;
  MDB_dbi dbi;
  const char *names[] = {"data"};
  char err[256] = "";
  CHECK_EQ_INT(HB_OK, hb_lmdb_open(&l, dir, 64 * 1024, names, &dbi, 1, err, sizeof err));
  static char value[4000];
  int rc = 0, full_at = -1;
  for (int attempt = 0; attempt < 12 && full_at < 0; attempt++) {
    MDB_txn *txn;
    CHECK_EQ_INT(0, mdb_txn_begin(l.env, NULL, 0, &txn));
    for (int i = 0; i < 40 && rc == 0; i++) {
      char k[16];
      snprintf(k, sizeof k, "k%03d", i);
      MDB_val key = {strlen(k), k}, val = {sizeof value, value};
      rc = mdb_put(txn, dbi, &key, &val, 0);
    }
    if (rc == MDB_MAP_FULL) {
      mdb_txn_abort(txn);
      CHECK_EQ_INT(HB_EFULL, hb_lmdb_err(rc));
      CHECK_EQ_INT(HB_OK, hb_lmdb_grow(&l));
      rc = 0;
      continue;
    }
    CHECK_EQ_INT(0, rc);
    CHECK_EQ_INT(0, mdb_txn_commit(txn));
    full_at = attempt;
  }
  CHECK(full_at > 0); /* it had to grow at least once */
  CHECK(l.mapsize >= 256 * 1024);
  size_t used, map;
  hb_lmdb_usage(&l, &used, &map);
  CHECK(used >= 40 * sizeof value);
  hb_lmdb_close(&l);
}

/* What write_body puts, and how often it ran. */
typedef struct write_arg {
  MDB_dbi dbi;
  int n;       /* values of 4000 bytes */
  int runs;    /* bodies run */
  int fail;    /* returned instead of 0 when not 0 */
  int full_at; /* the run that first saw MDB_MAP_FULL (0 = none) */
} write_arg;

static int write_body(MDB_txn *txn, void *arg)
{
  write_arg *w = arg;
  static char value[4000];
  w->runs++;
  for (int i = 0; i < w->n; i++) {
    char k[16];
    snprintf(k, sizeof k, "k%03d", i);
    MDB_val key = {strlen(k), k}, val = {sizeof value, value};
    int rc = mdb_put(txn, w->dbi, &key, &val, 0);
    if (rc == MDB_MAP_FULL && !w->full_at)
      w->full_at = w->runs;
    if (rc)
      return rc;
  }
  return w->fail;
}

static size_t entries(hb_lmdb *l, MDB_dbi dbi)
{
  MDB_txn *txn;
  MDB_stat st;
  if (mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn))
    return (size_t)-1;
  size_t n = mdb_stat(txn, dbi, &st) == 0 ? st.ms_entries : (size_t)-1;
  mdb_txn_abort(txn);
  return n;
}

/* Opens folder name of the test folder with a 64 KiB map and one db. */
static void open_tiny(hb_lmdb *l, const char *name, MDB_dbi *dbi)
{
  char sub[96], err[256] = "";
  const char *names[] = {"data"};
  snprintf(sub, sizeof sub, "%s/%s", dir, name);
  CHECK_EQ_INT(HB_OK, hb_lmdb_open(l, sub, 64 * 1024, names, dbi, 1, err, sizeof err));
}

/* hb_lmdb_write in a tiny map: the put fills it, the transaction is
 * aborted, the map grows and the body runs again until it fits; one
 * commit holds everything. */
static void test_write_grows_and_retries(void)
{
  hb_lmdb l;
  write_arg w = {0, 40, 0, 0, 0};
  char err[256] = "x";
  open_tiny(&l, "write", &w.dbi);
  CHECK_EQ_INT(HB_OK, hb_lmdb_write(&l, write_body, &w, err, sizeof err));
  CHECK_EQ_STR("", err);
  CHECK_EQ_INT(1, w.full_at);
  CHECK(w.runs >= 2);
  CHECK(l.mapsize >= (64u * 1024) << (w.runs - 1));
  CHECK_EQ_INT(40, entries(&l, w.dbi));
  /* the body's own error aborts: nothing of it is kept, err says why */
  w = (write_arg){w.dbi, 60, 0, HB_EINVAL, 0};
  CHECK_EQ_INT(HB_EINVAL, hb_lmdb_write(&l, write_body, &w, err, sizeof err));
  CHECK_EQ_STR(hb_strerror(HB_EINVAL), err);
  CHECK_EQ_INT(40, entries(&l, w.dbi));
  /* HB_EFULL from the body means the same as MDB_MAP_FULL */
  write_arg again = {w.dbi, 0, 0, HB_EFULL, 0};
  size_t before = l.mapsize;
  l.map_max = before * 2;
  CHECK_EQ_INT(HB_EFULL, hb_lmdb_write(&l, write_body, &again, NULL, 0));
  CHECK_EQ_INT(2, again.runs); /* grew once to the ceiling, then gave up */
  CHECK_EQ_INT(before * 2, l.mapsize);
  hb_lmdb_close(&l);
}

/* At the ceiling (map_max) the write fails with HB_EFULL, says so, and
 * stores nothing; the map stays as it was. */
static void test_write_ceiling(void)
{
  hb_lmdb l;
  write_arg w = {0, 40, 0, 0, 0};
  char err[256] = "";
  open_tiny(&l, "ceiling", &w.dbi);
  l.map_max = 64 * 1024;
  CHECK_EQ_INT(HB_EFULL, hb_lmdb_write(&l, write_body, &w, err, sizeof err));
  CHECK_CONTAINS(err, "cannot grow");
  CHECK_EQ_INT(1, w.runs);
  CHECK_EQ_INT(64 * 1024, l.mapsize);
  CHECK_EQ_INT(0, entries(&l, w.dbi));
  hb_lmdb_close(&l);
}

/* Another process grows the map (the review or admin command while the
 * service runs): this process's next write adopts the new size instead
 * of failing with MDB_MAP_RESIZED. */
static void test_write_after_other_process_grew(void)
{
  hb_lmdb l;
  write_arg w = {0, 1, 0, 0, 0};
  open_tiny(&l, "resized", &w.dbi);
  CHECK_EQ_INT(HB_OK, hb_lmdb_write(&l, write_body, &w, NULL, 0));
  pid_t pid = fork();
  if (pid == 0) { /* a second process with its own environment */
    hb_lmdb o;
    write_arg ow = {0, 40, 0, 0, 0};
    char sub[96], err[256] = "";
    const char *names[] = {"data"};
    snprintf(sub, sizeof sub, "%s/resized", dir);
    if (hb_lmdb_open(&o, sub, 64 * 1024, names, &ow.dbi, 1, err, sizeof err) != 0 ||
        hb_lmdb_write(&o, write_body, &ow, err, sizeof err) != 0 || o.mapsize <= 64 * 1024)
      _exit(1);
    hb_lmdb_close(&o);
    _exit(0);
  }
  int status = -1;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK_EQ_INT(0, status);
  char err[256] = "";
  w = (write_arg){w.dbi, 2, 0, 0, 0};
  CHECK_EQ_INT(HB_OK, hb_lmdb_write(&l, write_body, &w, err, sizeof err));
  CHECK_EQ_STR("", err);
  CHECK(l.mapsize > 64 * 1024);
  CHECK_EQ_INT(40, entries(&l, w.dbi));
  hb_lmdb_close(&l);
}

static void test_open_bad_dir(void)
{
  hb_lmdb l;
  MDB_dbi dbi;
  const char *names[] = {"x"};
  char err[256] = "";
  CHECK(hb_lmdb_open(&l, "/proc/no/such/place", 0, names, &dbi, 1, err, sizeof err) < 0);
  CHECK_CONTAINS(err, "/proc/no/such/place");
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/hb-lmdb-test-XXXXXX");
  if (!mkdtemp(dir))
    return 2;
  RUN(test_open_creates_dbs);
  RUN(test_map_full_then_grow);
  RUN(test_write_grows_and_retries);
  RUN(test_write_ceiling);
  RUN(test_write_after_other_process_grew);
  RUN(test_open_bad_dir);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 2;
  return test_summary();
}
