/* store_migrate.c: aggregates rebuilt from the stored records (verify and
 * the upgrade of an older store at its first read-write open). */
#include "store_migrate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_be.h"
#include "hb_err.h"
#include "store_internal.h"

int store_recount_add(aggmap *m, const Huibao__V1__Record *rec)
{
  store_row row;
  if (store_row_of((Huibao__V1__Record *)rec, &row) != 0 || row.deleted ||
      !strchr("APIC", row.kind))
    return 0;
  if (!row.campaign)
    return HB_EINVAL;
  hb_agg *g = aggmap_get(m, row.campaign, row.unit);
  bool made = false;
  if (!g) {
    g = malloc(sizeof *g);
    if (!g || hb_agg_init(g, row.campaign, row.unit) != 0) {
      free(g);
      return HB_ENOMEM;
    }
    made = true;
  }
  int rc = store_rec_add(g, rec, +1);
  if (made && (rc != 0 || aggmap_put(m, g) != 0)) {
    hb_agg_free(g);
    free(g);
    return rc ? rc : HB_ENOMEM;
  }
  return rc;
}

static int format_get(store *s, MDB_txn *txn, uint64_t *format)
{
  MDB_val k = {strlen(STORE_META_AGG_FORMAT), (void *)STORE_META_AGG_FORMAT}, v;
  int rc = mdb_get(txn, s->meta, &k, &v);
  *format = 1;
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc != 0)
    return rc;
  if (v.mv_size == 8)
    *format = hb_be64_get(v.mv_data);
  return 0;
}

int store_agg_format(store *s, uint64_t *format, char *err, size_t errlen)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc == 0) {
    rc = format_get(s, txn, format);
    mdb_txn_abort(txn);
  }
  if (rc != 0) {
    snprintf(err, errlen, "meta %s: %s", STORE_META_AGG_FORMAT, mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  return 0;
}

typedef struct migrate_run {
  store *s;
  aggmap aggs;
  size_t uncountable;
  bool upgraded; /* this run rebuilt the aggregates */
  char *err;
  size_t errlen;
} migrate_run;

static int migrate_record(void *ctx, const Huibao__V1__Record *rec)
{
  migrate_run *m = ctx;
  int rc = store_recount_add(&m->aggs, rec);
  if (rc == HB_EINVAL) { /* never stored by a county (REJECTED): counted nowhere */
    m->uncountable++;
    return 0;
  }
  return rc;
}

/* Replaces the aggs db by m->aggs and sets the format, in txn. */
static int migrate_write(migrate_run *m, MDB_txn *txn)
{
  int rc = mdb_drop(txn, m->s->aggs, 0);
  if (rc != 0)
    return hb_lmdb_err(rc);
  if ((rc = store_aggs_put(txn, m->s->aggs, &m->aggs)) != 0)
    return rc;
  uint8_t b[8];
  hb_be64_put(b, STORE_AGG_FORMAT);
  MDB_val k = {strlen(STORE_META_AGG_FORMAT), (void *)STORE_META_AGG_FORMAT}, v = {8, b};
  rc = mdb_put(txn, m->s->meta, &k, &v, 0);
  return rc ? hb_lmdb_err(rc) : 0;
}

/* hb_lmdb_write's body (it may run again in a larger map: from scratch).
 * The records are read in a read transaction begun while this write
 * transaction holds the writer lock (the environment is MDB_NOTLS): it
 * sees exactly what this transaction started from. */
static int migrate_body(MDB_txn *txn, void *arg)
{
  migrate_run *m = arg;
  aggmap_clear(&m->aggs);
  m->uncountable = 0;
  m->upgraded = false;
  uint64_t format;
  int rc = format_get(m->s, txn, &format);
  if (rc != 0)
    return rc;
  if (format >= STORE_AGG_FORMAT)
    return 0;
  if ((rc = store_records_foreach(m->s, migrate_record, m, m->err, m->errlen)) != 0 ||
      (rc = migrate_write(m, txn)) != 0)
    return rc;
  m->upgraded = true;
  return 0;
}

int store_migrate(store *s, char *err, size_t errlen)
{
  if (s->readonly)
    return 0;
  uint64_t format;
  int rc = store_agg_format(s, &format, err, errlen);
  if (rc != 0 || format >= STORE_AGG_FORMAT)
    return rc;
  migrate_run m;
  memset(&m, 0, sizeof m);
  m.s = s;
  m.err = err;
  m.errlen = errlen;
  aggmap_init(&m.aggs);
  char why[256] = "";
  rc = hb_lmdb_write(&s->l, migrate_body, &m, why, sizeof why);
  aggmap_free(&m.aggs);
  if (rc != 0) {
    if (why[0] || !err[0])
      snprintf(err, errlen, "升级旧版数据库失败 (rebuilding the aggregates of an older store): %s",
               why[0] ? why : hb_strerror(rc));
    return rc;
  }
  return m.upgraded ? store_reload_aggs(s, err, errlen) : 0;
}
