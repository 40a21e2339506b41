/* feedback.c: the county's decisions kept in the agent's state (issue 14). */
#include "feedback.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "feedback_text.h"
#include "hb_be.h"
#include "hb_err.h"
#include "hb_text.h"
#include "hb_wire.h"

#define META_DECISIONS "decisions"
#define CSV_READ_MAX (256u * 1024 * 1024)

static int meta_after_get(MDB_txn *txn, MDB_dbi meta, uint64_t *after)
{
  MDB_val k = {sizeof META_DECISIONS - 1, META_DECISIONS}, v;
  int rc = mdb_get(txn, meta, &k, &v);
  *after = 0;
  if (rc == MDB_NOTFOUND)
    return 0;
  if (rc)
    return hb_lmdb_err(rc);
  if (v.mv_size != 8)
    return HB_EDB;
  *after = hb_be64_get(v.mv_data);
  return 0;
}

static int meta_after_put(MDB_txn *txn, MDB_dbi meta, uint64_t after)
{
  uint8_t b[8];
  hb_be64_put(b, after);
  MDB_val k = {sizeof META_DECISIONS - 1, META_DECISIONS}, v = {8, b};
  return mdb_put(txn, meta, &k, &v, 0);
}

int agent_feedback_after(agent_state *s, uint64_t *after)
{
  MDB_dbi meta, fb;
  hb_lmdb *l = agent_state_lmdb(s, &meta, &fb);
  MDB_txn *txn;
  *after = 0;
  int rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  rc = meta_after_get(txn, meta, after);
  mdb_txn_abort(txn);
  return rc;
}

typedef struct store_arg {
  MDB_dbi meta, fb;
  Huibao__V1__Decision *const *d;
  size_t n;
  bool *fresh;
  uint8_t **packed; /* packed[i] of plen[i] bytes */
  size_t *plen;
  uint64_t after;
} store_arg;

/* hb_lmdb_write's body: puts each decision, raises meta "decisions". */
static int store_body(MDB_txn *txn, void *arg)
{
  store_arg *a = arg;
  int rc = meta_after_get(txn, a->meta, &a->after);
  for (size_t i = 0; rc == 0 && i < a->n; i++) {
    uint8_t kb[8];
    hb_be64_put(kb, a->d[i]->n);
    MDB_val k = {8, kb}, old, v = {a->plen[i], a->packed[i]};
    rc = mdb_get(txn, a->fb, &k, &old);
    if (rc && rc != MDB_NOTFOUND)
      break;
    bool same =
        rc == 0 && old.mv_size == v.mv_size && memcmp(old.mv_data, v.mv_data, v.mv_size) == 0;
    if (a->fresh)
      a->fresh[i] = !same;
    rc = same ? 0 : mdb_put(txn, a->fb, &k, &v, 0);
    if (rc == 0 && a->d[i]->n > a->after)
      a->after = a->d[i]->n;
  }
  if (rc == 0 && a->n)
    rc = meta_after_put(txn, a->meta, a->after);
  return rc;
}

int agent_feedback_store(agent_state *s, Huibao__V1__Decision *const *d, size_t n, bool *fresh,
                         uint64_t *after)
{
  store_arg a = {0};
  hb_lmdb *l = agent_state_lmdb(s, &a.meta, &a.fb);
  a.d = d;
  a.n = n;
  a.fresh = fresh;
  int rc = HB_ENOMEM;
  a.packed = calloc(n ? n : 1, sizeof *a.packed);
  a.plen = calloc(n ? n : 1, sizeof *a.plen);
  if (!a.packed || !a.plen)
    goto done;
  for (size_t i = 0; i < n; i++)
    if (hb_wire_pack(&d[i]->base, &a.packed[i], &a.plen[i]) != 0)
      goto done;
  rc = hb_lmdb_write(l, store_body, &a, NULL, 0);
  if (rc == 0 && after)
    *after = a.after;
done:
  for (size_t i = 0; a.packed && i < n; i++)
    free(a.packed[i]);
  free(a.packed);
  free(a.plen);
  return rc;
}

static int reset_body(MDB_txn *txn, void *arg)
{
  const MDB_dbi *dbi = arg; /* meta, feedback */
  int rc = mdb_drop(txn, dbi[1], 0);
  return rc ? rc : meta_after_put(txn, dbi[0], 0);
}

int agent_feedback_reset(agent_state *s)
{
  MDB_dbi dbi[2];
  hb_lmdb *l = agent_state_lmdb(s, &dbi[0], &dbi[1]);
  return hb_lmdb_write(l, reset_body, dbi, NULL, 0);
}

void agent_feedback_free(Huibao__V1__Decision **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    huibao__v1__decision__free_unpacked(v[i], NULL);
  free(v);
}

int agent_feedback_load(agent_state *s, Huibao__V1__Decision ***out, size_t *count)
{
  MDB_dbi meta, fb;
  hb_lmdb *l = agent_state_lmdb(s, &meta, &fb);
  *out = NULL;
  *count = 0;
  MDB_txn *txn;
  MDB_cursor *cur;
  int rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  if ((rc = mdb_cursor_open(txn, fb, &cur)) != 0) {
    mdb_txn_abort(txn);
    return hb_lmdb_err(rc);
  }
  Huibao__V1__Decision **v = NULL;
  size_t n = 0, cap = 0;
  MDB_val k, d;
  for (rc = mdb_cursor_get(cur, &k, &d, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &d, MDB_NEXT)) {
    if (n == cap) {
      size_t c = cap ? 2 * cap : 64;
      Huibao__V1__Decision **p = realloc(v, c * sizeof *p);
      if (!p) {
        rc = HB_ENOMEM;
        break;
      }
      v = p;
      cap = c;
    }
    if (!(v[n] = huibao__v1__decision__unpack(NULL, d.mv_size, d.mv_data))) {
      rc = HB_EDB;
      break;
    }
    n++;
  }
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  if (rc != MDB_NOTFOUND) {
    agent_feedback_free(v, n);
    return rc < 0 ? rc : hb_lmdb_err(rc);
  }
  *out = v;
  *count = n;
  return 0;
}

/* Whether the file at path holds exactly data[0..len). */
static bool file_same(const char *path, const char *data, size_t len)
{
  char *old;
  size_t olen;
  char err[256];
  if (hb_file_read(path, CSV_READ_MAX, &old, &olen, err, sizeof err) != 0)
    return false;
  bool same = olen == len && memcmp(old, data, len) == 0;
  free(old);
  return same;
}

int agent_feedback_csv_write(agent_state *s, const char *ledger, int is_workbook, char **path)
{
  *path = NULL;
  int rc = agent_feedback_text_csv_path(ledger, is_workbook, path);
  if (rc)
    return rc;
  Huibao__V1__Decision **v;
  size_t n;
  if ((rc = agent_feedback_load(s, &v, &n)) != 0)
    return rc;
  char *csv = NULL;
  size_t len = 0;
  struct stat sb;
  bool exists = stat(*path, &sb) == 0;
  if ((n > 0 || exists) && (rc = agent_feedback_text_csv(v, n, &csv, &len)) == 0 &&
      !file_same(*path, csv, len))
    rc = hb_file_write_atomic(*path, csv, len, 0644);
  free(csv);
  agent_feedback_free(v, n);
  return rc;
}

/* The index of the last decision on d[i]'s record (kind, id) in d[0..n). */
static size_t last_on_record(Huibao__V1__Decision *const *d, size_t n, size_t i)
{
  size_t last = i;
  for (size_t j = i + 1; j < n; j++)
    if (strcmp(d[j]->kind, d[i]->kind) == 0 && strcmp(d[j]->id, d[i]->id) == 0)
      last = j;
  return last;
}

int agent_feedback_open_returns(agent_state *s, agent_feedback_open_fn fn, void *arg, size_t *count)
{
  *count = 0;
  Huibao__V1__Decision **v;
  size_t n;
  int rc = agent_feedback_load(s, &v, &n);
  if (rc)
    return rc;
  for (size_t i = 0; i < n; i++) {
    const Huibao__V1__Decision *d = v[i];
    if ((d->action != HUIBAO__V1__DECISION_ACTION__RETURN &&
         d->action != HUIBAO__V1__DECISION_ACTION__REOPEN) ||
        last_on_record(v, n, i) != i || !d->kind || strlen(d->kind) != 1 || !d->id ||
        strlen(d->id) > HB_ID_MAX)
      continue;
    uint8_t key[AGENT_KEY_MAX];
    key[0] = (uint8_t)d->kind[0];
    memcpy(key + 1, d->id, strlen(d->id));
    uint64_t version;
    int deleted;
    int k = agent_state_known_get(s, key, 1 + strlen(d->id), &version, &deleted);
    if (k == 0 && (deleted || version > d->version))
      continue; /* changed (or deleted) since the county decided */
    if (k != 0 && k != HB_ENOTFOUND) {
      rc = k;
      break;
    }
    (*count)++;
    if (fn)
      fn(arg, d);
  }
  agent_feedback_free(v, n);
  return rc;
}
