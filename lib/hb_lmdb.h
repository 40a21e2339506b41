/* hb_lmdb.h: the LMDB habits every store of huibao shares.
 *
 * - Default durability: no MDB_NOSYNC, no MDB_MAPASYNC, no MDB_WRITEMAP.
 * - A large map (ceiling, not allocation); on MDB_MAP_FULL the caller aborts
 *   its transaction and calls hb_lmdb_grow() while no transaction is open.
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
 * may be open. Returns HB_EFULL when the ceiling or the disk stops it. */
int hb_lmdb_grow(hb_lmdb *l);

/* Maps an LMDB return code to hb_err (MDB_MAP_FULL -> HB_EFULL: grow and
 * retry; ENOSPC/EDQUOT -> HB_ENOSPC: the disk is full and growing cannot
 * help; MDB_NOTFOUND -> HB_ENOTFOUND, EIO -> HB_EIO, else HB_EDB). */
int hb_lmdb_err(int rc);

/* Bytes used by the data (last page number * page size) and the map size. */
void hb_lmdb_usage(hb_lmdb *l, size_t *used, size_t *mapsize);

#endif
