/* store.c: the city's LMDB store: the view and the weekly history (see
 * store.h for the stored forms). */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "hb_account.h"
#include "hb_err.h"
#include "hb_be.h"
#include "hb_lmdb.h"
#include "hb_rollup.h"
#include "metrics.h"

#define KEY_MAX 511
#define DB_VIEW 0
#define DB_HISTORY 1
#define DB_ACCOUNTS 2
#define NDBS 3

static const char *const db_names[NDBS] = {"view", "history", HB_ACCOUNT_DB};

struct sub_store {
  hb_lmdb l;
  MDB_dbi dbi[NDBS];
  char *dir;
  dev_t dev; /* of dir: a second open of it in this process is refused */
  ino_t ino;
  sub_store *next; /* the stores open in this process */
};

static sub_store *open_stores;

/* ---------------------------------------------------------------- opening */

/* True when dir exists and is the directory of a store open in this
 * process. */
static bool already_open(const char *dir)
{
  struct stat sb;
  if (stat(dir, &sb) != 0)
    return false;
  for (sub_store *s = open_stores; s; s = s->next)
    if (s->dev == sb.st_dev && s->ino == sb.st_ino)
      return true;
  return false;
}

int sub_store_open(sub_store **out, const char *dir, char *err, size_t errlen)
{
  *out = NULL;
  if (already_open(dir)) {
    snprintf(err, errlen, "%s: already open in this process", dir);
    return HB_EAGAIN;
  }
  sub_store *s = calloc(1, sizeof *s);
  if (!s || !(s->dir = strdup(dir))) {
    free(s);
    snprintf(err, errlen, "%s: out of memory", dir);
    return HB_ENOMEM;
  }
  int rc = hb_lmdb_open(&s->l, dir, 0, db_names, s->dbi, NDBS, err, errlen);
  struct stat sb;
  if (rc == 0 && stat(dir, &sb) != 0) {
    snprintf(err, errlen, "%s: cannot stat after opening", dir);
    hb_lmdb_close(&s->l);
    rc = HB_EIO;
  }
  if (rc != 0) {
    free(s->dir);
    free(s);
    return rc;
  }
  s->dev = sb.st_dev;
  s->ino = sb.st_ino;
  s->next = open_stores;
  open_stores = s;
  *out = s;
  return 0;
}

void sub_store_close(sub_store *s)
{
  if (!s)
    return;
  for (sub_store **p = &open_stores; *p; p = &(*p)->next) {
    if (*p == s) {
      *p = s->next;
      break;
    }
  }
  hb_lmdb_close(&s->l);
  free(s->dir);
  free(s);
}

const char *sub_store_dir(const sub_store *s)
{
  return s->dir;
}

/* ------------------------------------------------ reading and writing */

/* Called per stored entry: 0 taken, 1 skipped (does not decode), <0 an
 * hb_err that ends the walk. */
typedef int (*entry_fn)(const MDB_val *k, const MDB_val *v, void *arg);

/* Walks database db in key order in one read transaction. */
static int walk(sub_store *s, int db, entry_fn fn, void *arg, size_t *skipped)
{
  MDB_txn *txn;
  MDB_cursor *cur;
  size_t bad = 0;
  int rc = mdb_txn_begin(s->l.env, NULL, MDB_RDONLY, &txn);
  if (rc)
    return hb_lmdb_err(rc);
  if ((rc = mdb_cursor_open(txn, s->dbi[db], &cur)) != 0) {
    mdb_txn_abort(txn);
    return hb_lmdb_err(rc);
  }
  MDB_val k, v;
  int out = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    int er = fn(&k, &v, arg);
    if (er < 0) {
      out = er;
      break;
    }
    bad += (size_t)er;
  }
  if (out == 0 && rc != MDB_NOTFOUND && rc != 0)
    out = hb_lmdb_err(rc);
  mdb_cursor_close(cur);
  mdb_txn_abort(txn);
  if (skipped)
    *skipped = bad;
  return out;
}

/* One database as a flush sees it: entries 0..count of what, each with a
 * key when it is dirty, and a value to put under that key. */
typedef struct table {
  int db;
  void *what; /* a sub_collect or a sub_history */
  size_t count;
  /* Entry i's key into key (KEY_MAX bytes): its length, 0 when the entry
   * is not dirty (or its key would be too long). */
  size_t (*key)(const void *what, size_t i, uint8_t *key);
  /* Puts entry i's value under k; 0 or an hb_err. */
  int (*put)(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, const void *what, size_t i);
} table;

/* The body of a write transaction: puts the dirty entries of t; *n gets
 * how many. It may run more than once (after the map grew). */
static int put_dirty(MDB_txn *txn, MDB_dbi dbi, const table *t, size_t *n)
{
  *n = 0;
  for (size_t i = 0; i < t->count; i++) {
    uint8_t key[KEY_MAX];
    MDB_val k = {t->key(t->what, i, key), key};
    if (k.mv_size == 0)
      continue;
    int rc = t->put(txn, dbi, &k, t->what, i);
    if (rc != 0)
      return rc;
    (*n)++;
  }
  return 0;
}

/* put_dirty as an hb_lmdb_write body. */
typedef struct dirty_write {
  MDB_dbi dbi;
  const table *t;
  size_t n;
} dirty_write;

static int dirty_body(MDB_txn *txn, void *arg)
{
  dirty_write *w = arg;
  return put_dirty(txn, w->dbi, w->t, &w->n);
}

/* Writes the dirty entries of t in one write transaction and commits it
 * (hb_lmdb_write: a full map grows and the body runs again). *written (may
 * be NULL) gets how many entries were written, 0 on failure. */
static int write_txn(sub_store *s, const table *t, size_t *written)
{
  dirty_write w = {s->dbi[t->db], t, 0};
  int rc = hb_lmdb_write(&s->l, dirty_body, &w, NULL, 0);
  if (written)
    *written = rc == 0 ? w.n : 0;
  return rc;
}

/* ------------------------------------------------------------------ view */

static size_t view_key(char *key, const char *origin, const char *campaign)
{
  size_t a = strlen(origin), b = strlen(campaign);
  if (a + 1 + b > KEY_MAX)
    return 0;
  memcpy(key, origin, a);
  key[a] = '\0';
  memcpy(key + a + 1, campaign, b);
  return a + 1 + b;
}

typedef struct view_load {
  sub_collect *c;
  int64_t now_ms;
} view_load;

static int view_entry(const MDB_val *k, const MDB_val *v, void *arg)
{
  view_load *vl = arg;
  const char *kp = k->mv_data;
  const char *nul = memchr(kp, '\0', k->mv_size);
  Huibao__V1__Rollup *r = NULL;
  if (!nul || (size_t)(nul - kp) > KEY_MAX || v->mv_size < 1 ||
      hb_rollup_unpack((const uint8_t *)v->mv_data + 1, v->mv_size - 1, &r) != 0)
    return 1;
  char origin[KEY_MAX + 1];
  size_t olen = (size_t)(nul - kp);
  memcpy(origin, kp, olen);
  origin[olen] = '\0';
  if (strlen(r->campaign) != k->mv_size - olen - 1 ||
      memcmp(r->campaign, nul + 1, k->mv_size - olen - 1) != 0) {
    protobuf_c_message_free_unpacked(&r->base, NULL);
    return 1;
  }
  int rc = sub_collect_load(vl->c, origin, r, ((const uint8_t *)v->mv_data)[0] != 0, vl->now_ms);
  return rc < 0 ? rc : 0;
}

int sub_store_load_view(sub_store *s, sub_collect *c, int64_t now_ms, size_t *skipped)
{
  view_load vl = {c, now_ms};
  return walk(s, DB_VIEW, view_entry, &vl, skipped);
}

static size_t view_dirty_key(const void *what, size_t i, uint8_t *key)
{
  const sub_entry *e = &((const sub_collect *)what)->items[i];
  return e->dirty ? view_key((char *)key, e->origin, e->campaign) : 0;
}

/* The stale flag, then the packed rollup, packed in place. */
static int view_value(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, const void *what, size_t i)
{
  const sub_entry *e = &((const sub_collect *)what)->items[i];
  MDB_val v = {huibao__v1__rollup__get_packed_size(e->r) + 1, NULL};
  int rc = mdb_put(txn, dbi, k, &v, MDB_RESERVE);
  if (rc != 0)
    return hb_lmdb_err(rc);
  uint8_t *val = v.mv_data;
  val[0] = e->stale ? 1 : 0;
  huibao__v1__rollup__pack(e->r, val + 1);
  return 0;
}

int sub_store_flush_view(sub_store *s, sub_collect *c, size_t *written)
{
  table t = {DB_VIEW, c, c->count, view_dirty_key, view_value};
  size_t n;
  int rc = write_txn(s, &t, &n);
  if (rc == 0)
    sub_collect_clear_dirty(c);
  sub_metrics_flush(rc, n);
  if (written)
    *written = n;
  return rc;
}

/* --------------------------------------------------------------- history */

/* The stored figures, by name; the order is the stored JSON's. */
/* clang-format off */
#define FIELDS(X)                                                                                  \
  X(problems) X(identified) X(rectifying) X(resolved) X(overdue) X(measures) X(activities)         \
  X(sessions) X(participants) X(outputs) X(units_expected) X(units_reported) X(cases)
/* clang-format on */

#define JINT(v) json_integer((v) > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)(v))

static char *week_encode(const sub_week *e)
{
  json_t *o = json_object();
  if (!o)
    return NULL;
  json_object_set_new(o, "as_of_ms", json_integer(e->as_of_ms));
#define X(n) json_object_set_new(o, #n, JINT(e->f.n));
  FIELDS(X)
#undef X
  json_t *inds = json_object(); /* {code: [value, places, records]}, issue 12 */
  for (size_t i = 0; inds && i < SUB_HISTORY_INDICATORS && e->f.indicators[i].code[0]; i++) {
    const sub_week_indicator *w = &e->f.indicators[i];
    json_object_set_new(
        inds, w->code,
        json_pack("[I, I, o]", (json_int_t)w->value, (json_int_t)w->places, JINT(w->records)));
  }
  json_object_set_new(o, "indicators", inds);
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
  json_decref(o);
  return s;
}

static uint64_t jget_i(json_t *v)
{
  return json_is_integer(v) && json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
}

static uint64_t jget(json_t *o, const char *k)
{
  return jget_i(json_object_get(o, k));
}

/* The indicators of a stored week (absent before issue 12: none). */
static void week_decode_indicators(json_t *inds, sub_week_figures *f)
{
  const char *code;
  json_t *v;
  size_t k = 0;
  json_object_foreach(inds, code, v)
  {
    if (k == SUB_HISTORY_INDICATORS || strlen(code) >= SUB_HISTORY_CODE || !json_is_array(v))
      continue;
    sub_week_indicator *w = &f->indicators[k++];
    memcpy(w->code, code, strlen(code) + 1);
    w->value = json_integer_value(json_array_get(v, 0));
    w->places = json_integer_value(json_array_get(v, 1));
    w->records = jget_i(json_array_get(v, 2));
  }
}

static int week_decode(const void *data, size_t len, int64_t *as_of_ms, sub_week_figures *f)
{
  json_error_t jerr;
  json_t *o = json_loadb(data, len, 0, &jerr);
  if (!json_is_object(o)) {
    json_decref(o);
    return HB_EPARSE;
  }
  json_t *t = json_object_get(o, "as_of_ms");
  *as_of_ms = json_is_integer(t) ? json_integer_value(t) : 0;
  memset(f, 0, sizeof *f);
#define X(n) f->n = jget(o, #n);
  FIELDS(X)
#undef X
  week_decode_indicators(json_object_get(o, "indicators"), f);
  json_decref(o);
  return 0;
}

static size_t week_key(uint8_t *key, const char *campaign, int32_t week)
{
  size_t n = strlen(campaign);
  if (n == 0 || n + 5 > KEY_MAX)
    return 0;
  memcpy(key, campaign, n);
  key[n] = 0;
  hb_be32_put(key + n + 1, (uint32_t)week);
  return n + 5;
}

static int week_entry(const MDB_val *k, const MDB_val *v, void *arg)
{
  sub_history *h = arg;
  const uint8_t *kp = k->mv_data;
  /* campaign, NUL, 4 bytes: the NUL must be exactly 5 bytes from the end */
  if (k->mv_size < 6 || k->mv_size > KEY_MAX || kp[k->mv_size - 5] != 0 ||
      memchr(kp, 0, k->mv_size - 5) != NULL)
    return 1;
  char campaign[KEY_MAX];
  memcpy(campaign, kp, k->mv_size - 5);
  campaign[k->mv_size - 5] = '\0';
  const uint8_t *w = kp + k->mv_size - 4;
  int32_t week = (int32_t)hb_be32_get(w);
  int64_t as_of_ms;
  sub_week_figures f;
  if (sub_history_week_monday(week) == 0 || week_decode(v->mv_data, v->mv_size, &as_of_ms, &f))
    return 1;
  return sub_history_put(h, campaign, week, as_of_ms, &f);
}

int sub_store_load_history(sub_store *s, sub_history *h, size_t *skipped)
{
  return walk(s, DB_HISTORY, week_entry, h, skipped);
}

static size_t week_dirty_key(const void *what, size_t i, uint8_t *key)
{
  const sub_week *e = &((const sub_history *)what)->items[i];
  return e->dirty ? week_key(key, e->campaign, e->week) : 0;
}

static int week_value(MDB_txn *txn, MDB_dbi dbi, MDB_val *k, const void *what, size_t i)
{
  char *json = week_encode(&((const sub_history *)what)->items[i]);
  if (!json)
    return HB_ENOMEM;
  MDB_val v = {strlen(json), json};
  int rc = mdb_put(txn, dbi, k, &v, 0);
  free(json);
  return hb_lmdb_err(rc);
}

int sub_store_flush_history(sub_store *s, sub_history *h, size_t *written)
{
  table t = {DB_HISTORY, h, h->count, week_dirty_key, week_value};
  int rc = write_txn(s, &t, written);
  if (rc == 0)
    sub_history_clear_dirty(h);
  return rc;
}

void sub_store_accounts(const sub_store *s, MDB_env **env, MDB_dbi *accounts)
{
  *env = s->l.env;
  *accounts = s->dbi[DB_ACCOUNTS];
}
