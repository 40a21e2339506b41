/* hb_lmdb.h: the LMDB habits every store of huibao shares.
 *
 * - Default durability: no MDB_NOSYNC, no MDB_MAPASYNC, no MDB_WRITEMAP.
 * - A large map (ceiling, not allocation); on MDB_MAP_FULL the transaction
 *   is aborted, the map grows (hb_lmdb_grow, while no transaction is open)
 *   and the transaction runs again: hb_lmdb_write does all of it.
 * - A full disk is told apart from a full map (growing cannot help there).
 * - mdb_reader_check() at open, to clear slots of crashed processes.
 * - Named databases are opened once, in a committed transaction. */
#ifndef HB_LMDB_H
#define HB_LMDB_H

#include <lmdb.h>
#include <stddef.h>

#define HB_LMDB_DEFAULT_MAP (1ull << 30) /* 1 GiB to start; grows */
#define HB_LMDB_MAX_MAP (256ull << 30)   /* growth ceiling when map_max is 0 */

typedef struct hb_lmdb {
  MDB_env *env;
  size_t mapsize;
  size_t map_max;    /* growth ceiling (0 = unlimited) */
  int stale_readers; /* cleared by mdb_reader_check at open */
} hb_lmdb;

/* Creates dir if missing (mode 0700), opens the environment with maxdbs
 * named databases, then opens each of names[0..ndbs) (MDB_CREATE) into
 * dbis[]. mapsize 0 means HB_LMDB_DEFAULT_MAP. On failure nothing is left open
 * and err says why ("open /var/lib/huibao/data.mdb: Permission denied"). */
int hb_lmdb_open(hb_lmdb *l, const char *dir, size_t mapsize, const char *const *names,
                 MDB_dbi *dbis, int ndbs, char *err, size_t errlen);
void hb_lmdb_close(hb_lmdb *l);

/* Doubles the map size (bounded by map_max). No transaction of this process
 * may be open: the read transactions of other threads begun with
 * hb_lmdb_read_begin are waited for (the map moves under a reader
 * otherwise). Returns HB_EFULL when the ceiling or the disk stops it. */
int hb_lmdb_grow(hb_lmdb *l);

/* A read transaction in a thread other than the one that writes (the
 * HTTP threads of the county's console and of the city's dashboard): the
 * writer's map growth waits until it ends, and it waits while the map
 * grows. Keep it short, and never wait in it for the writing thread.
 * Returns an LMDB code (0: *txn is open, end it with hb_lmdb_read_end). */
int hb_lmdb_read_begin(MDB_env *env, MDB_txn **txn);
void hb_lmdb_read_end(MDB_txn *txn);

/* Another process (`huibao-aggregator review`, `admin`, `account`) grew
 * the map (a transaction began with MDB_MAP_RESIZED): takes its size
 * (mdb_env_set_mapsize 0), waiting for the reads of hb_lmdb_read_begin.
 * Only from the thread that writes, with no transaction of it open;
 * hb_lmdb_write does it itself. Returns an LMDB code. */
int hb_lmdb_adopt_map(hb_lmdb *l);

/* Maps an LMDB return code to hb_err (MDB_MAP_FULL -> HB_EFULL: grow and
 * retry; ENOSPC/EDQUOT -> HB_ENOSPC: the disk is full and growing cannot
 * help; MDB_NOTFOUND -> HB_ENOTFOUND, EIO -> HB_EIO, else HB_EDB). */
int hb_lmdb_err(int rc);

/* The body of a write transaction: makes its changes in txn (open, owned
 * by hb_lmdb_write) and returns 0 to have them committed, else an LMDB code
 * or a negative hb_err to have them aborted. It may run more than once:
 * each run must start from what was committed (keep nothing it decided in
 * an earlier run, or reset it first). */
typedef int (*hb_lmdb_write_fn)(MDB_txn *txn, void *arg);

/* Runs body in a write transaction of l and commits it. On MDB_MAP_FULL
 * (or HB_EFULL from body), at the put or at the commit, it aborts, grows
 * the map (hb_lmdb_grow) and runs body again, until the map reaches its
 * ceiling. No other transaction of this process may be open.
 * Returns 0 once committed, else (nothing committed):
 *   HB_EFULL     the map cannot grow further (map_max, or the system);
 *   HB_ENOSPC    the disk is full: ENOSPC or EDQUOT, or an EIO (LMDB's
 *                word for a short write) with less than 1 MiB left on the
 *                filesystem of the environment;
 *   body's own negative hb_err as it returned it;
 *   else hb_lmdb_err of the LMDB code (HB_EIO, HB_EDB...).
 * err (may be NULL) gets why, for a log: "commit: No space left on
 * device"; "" on success. When body fails with an hb_err, err is left as
 * body's arg may have filled it (the same buffer), else hb_strerror. */
int hb_lmdb_write(hb_lmdb *l, hb_lmdb_write_fn body, void *arg, char *err, size_t errlen);

/* Bytes used by the data (last page number * page size) and the map size. */
void hb_lmdb_usage(hb_lmdb *l, size_t *used, size_t *mapsize);

#endif
