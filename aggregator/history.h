/* history.h: reading a record's history (issue 14, H1): every version the
 * county stored and every decision on it, in log order, and what changed
 * between two versions. Used by `huibao-aggregator history` and by the
 * console's history page (from its HTTP threads: read transactions only). */
#ifndef AGG_HISTORY_H
#define AGG_HISTORY_H

#include <lmdb.h>
#include "huibao/v1/huibao.pb-c.h"
#include "store.h"

/* Calls fn for each history entry about record (unit, kind, id), kind
 * 'A' 'P' 'I' 'C' 'R', in n order, read in txn (logidx, then log). e is
 * borrowed for the call. Stops at fn's non-zero value and returns it;
 * HB_ENOTFOUND if the record has no history; HB_EPARSE if an entry does
 * not decode. */
typedef int (*history_fn)(void *ctx, const Huibao__V1__LogEntry *e);
int history_foreach(MDB_txn *txn, const store_dbs *d, const char *unit, char kind, const char *id,
                    history_fn fn, void *ctx);

/* What changed from old to new (two versions of one record; old NULL =
 * the first version): fn(ctx, field, before, after) per field that
 * differs, field named as the ledger's Chinese column (类型, 状态, 整改时限
 * ...), values as the ledger writes them ("已整改", "2022-06-10"; "" for
 * absent). A deletion is the field "删除" from "" to "是". */
typedef int (*history_diff_fn)(void *ctx, const char *field, const char *before, const char *after);
int history_diff(const Huibao__V1__Record *old, const Huibao__V1__Record *new_, history_diff_fn fn,
                 void *ctx);

#endif
