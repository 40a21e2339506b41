/* Tests lib/hb_lmdb.c against a real LMDB file in a temporary folder. */
#include <lmdb.h>
#include <stdlib.h>
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
  RUN(test_open_bad_dir);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 2;
  return test_summary();
}
