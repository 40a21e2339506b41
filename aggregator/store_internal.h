/* store_internal.h: the county store's state, shared by store.c (open,
 * batches, reads) and store_admin.c (removals by an operator, and noticing
 * them from the running service). Private to those two files. */
#ifndef AGG_STORE_INTERNAL_H
#define AGG_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include "aggmap.h"
#include "hb_lmdb.h"
#include "hb_wire.h"
#include "kvlist.h"
#include "store.h"

#define STORE_KEY_MAX 511

struct store {
  hb_lmdb l;
  MDB_dbi records, aggs, meta;
  bool readonly;
  uint64_t epoch; /* meta "epoch"; 0 = none (a read-only open of an old store) */
  aggmap cache;
  kvlist seqs, syncs;
  /* the open batch */
  MDB_txn *txn;
  aggmap work;
  kvlist bsync, changed;
  const char **changed_ids;
  size_t changed_cap;
  hb_wire_buf buf; /* scratch: a packed record */
  uint64_t inconsistent;
  /* changes by another process (`huibao-aggregator admin`) */
  uint64_t admin_gen; /* meta "admin-gen" as last loaded */
  bool admin;         /* this process is the admin: reload first, bump admin-gen */
  bool external;      /* memory was reloaded after another process's change */
  /* per-unit usage (records, bytes of packed records) and its quota */
  uint64_t quota_records, quota_bytes;
  kvlist urecs, ubytes;   /* committed */
  kvlist burecs, bubytes; /* the open batch's working copies */
  char reason[256];       /* a REJECTED reason with figures (store_batch_put) */
  char note[512];         /* meta "admin-last" as last reloaded */
};

typedef struct rec_view {
  char kind; /* 'A' or 'P' */
  Huibao__V1__Activity *a;
  Huibao__V1__Problem *p;
  const char *unit, *id, *campaign;
  uint64_t *version;
  bool deleted;
} rec_view;

/* The record a or p (one is NULL) seen through one view. */
rec_view store_rec_view_of(Huibao__V1__Activity *a, Huibao__V1__Problem *p);
/* Adds (sign 1) or takes out (-1) the record from agg. */
int store_rec_add(hb_agg *agg, const rec_view *r, int sign);
/* Marks campaign (may be NULL) as changed by the open batch. */
int store_mark_changed(store *s, const char *campaign);
/* The open batch's usage of unit (working copies, made on first use). */
int store_usage_work(store *s, const char *unit, kv **recs, kv **bytes);
/* The working copy of (campaign, unit), made on first use in a batch. */
int store_work_get(store *s, const char *campaign, const char *unit, hb_agg **out);
/* Reloads the aggregates, seqs, sync times and usage from txn. */
int store_load_txn(store *s, MDB_txn *txn, char *err, size_t errlen);

#endif
