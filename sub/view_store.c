/* view_store.c: LMDB persistence of the city view. */
#include "view_store.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_wire.h"
#include "metrics.h"

#define KEY_MAX 511

int sub_store_open(sub_store *s, const char *dir, char *err, size_t errlen)
{
  static const char *const names[] = {"view"};
  memset(s, 0, sizeof *s);
  return hb_lmdb_open(&s->l, dir, 0, names, &s->dbi, 1, err, errlen);
}

void sub_store_close(sub_store *s)
{
  hb_lmdb_close(&s->l);
}

static size_t key_make(char *key, const char *origin, const char *campaign)
{
  size_t a = strlen(origin), b = strlen(campaign);
  if (a + 1 + b > KEY_MAX)
    return 0;
  memcpy(key, origin, a);
  key[a] = '\0';
  memcpy(key + a + 1, campaign, b);
  return a + 1 + b;
}

int sub_store_load(sub_store *s, sub_collect *c, int64_t now_ms, size_t *skipped)
{
  MDB_txn *txn;
  MDB_cursor *cur;
  size_t bad = 0;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  if ((rc = mdb_cursor_open(txn, s->dbi, &cur)) != 0) {
    mdb_txn_abort(txn);
    return hb_lmdb_err(rc);
  }
  MDB_val k, v;
  int out = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    const char *kp = k.mv_data;
    const char *nul = memchr(kp, '\0', k.mv_size);
    Huibao__V1__Rollup *r = NULL;
    if (!nul || v.mv_size < 1 ||
        hb_rollup_unpack((const uint8_t *)v.mv_data + 1, v.mv_size - 1, &r) != 0) {
      bad++;
      continue;
    }
    char origin[KEY_MAX + 1];
    size_t olen = (size_t)(nul - kp);
    memcpy(origin, kp, olen);
    origin[olen] = '\0';
    if (strlen(r->campaign) != k.mv_size - olen - 1 ||
        memcmp(r->campaign, nul + 1, k.mv_size - olen - 1) != 0) {
      protobuf_c_message_free_unpacked(&r->base, NULL);
      bad++;
      continue;
    }
    int lr = sub_collect_load(c, origin, r, ((const uint8_t *)v.mv_data)[0] != 0, now_ms);
    if (lr < 0) {
      out = lr;
      break;
    }
  }
  if (out == 0 && rc != MDB_NOTFOUND && rc != 0)
    out = hb_lmdb_err(rc);
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  if (skipped)
    *skipped = bad;
  return out;
}

static int flush_once(sub_store *s, sub_collect *c, size_t *written)
{
  MDB_txn *txn;
  int rc = mdb_txn_begin(s->l.env, NULL, 0, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  size_t n = 0;
  for (size_t i = 0; i < c->count; i++) {
    sub_entry *e = &c->items[i];
    char key[KEY_MAX];
    size_t klen;
    if (!e->dirty || (klen = key_make(key, e->origin, e->campaign)) == 0)
      continue;
    size_t len = huibao__v1__rollup__get_packed_size(e->r);
    MDB_val k = {klen, key}, v = {len + 1, NULL};
    if ((rc = mdb_put(txn, s->dbi, &k, &v, MDB_RESERVE)) != 0) {
      mdb_txn_abort(txn);
      return hb_lmdb_err(rc);
    }
    uint8_t *p = v.mv_data;
    p[0] = e->stale ? 1 : 0;
    huibao__v1__rollup__pack(e->r, p + 1);
    n++;
  }
  if ((rc = mdb_txn_commit(txn)) != 0)
    return hb_lmdb_err(rc);
  for (size_t i = 0; i < c->count; i++)
    c->items[i].dirty = false;
  *written = n;
  return 0;
}

int sub_store_flush(sub_store *s, sub_collect *c, size_t *written)
{
  size_t n = 0;
  int rc;
  while ((rc = flush_once(s, c, &n)) == HB_EFULL)
    if ((rc = hb_lmdb_grow(&s->l)) != 0)
      break;
  sub_metrics_flush(rc, n);
  if (written)
    *written = n;
  return rc;
}
