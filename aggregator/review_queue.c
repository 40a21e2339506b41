/* review_queue.c: the review queue (see review_queue.h). One pass over the
 * records db (from the unit's first key when a unit is asked for): each
 * activity and problem's review entry is read through store_review_get
 * (the one reader of the review db), a deletion request's held version is
 * decoded with store_row_unpack like a stored one. */
#include "review_queue.h"

#include <string.h>
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_review.h"
#include "store_internal.h"

/* Which queue a record is in ("claimed", "returned", "reopened",
 * "deletion"), NULL for none: rec is the stored version, st its review
 * entry (NULL: NONE). */
static const char *queue_of(char kind, const Huibao__V1__Record *rec,
                            const Huibao__V1__ReviewState *st)
{
  int status = st ? (int)st->status : HB_REVIEW_NONE;
  if (status == HB_REVIEW_RETURNED)
    return "returned";
  if (status == HB_REVIEW_REOPENED && kind == 'P')
    return "reopened";
  if (status == HB_REVIEW_DELETION_PENDING && kind == 'P')
    return "deletion";
  if (status == HB_REVIEW_NONE && kind == 'P' && rec->problem && !rec->problem->deleted &&
      rec->problem->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED)
    return "claimed";
  return NULL;
}

/* Whether queue q passes the filter's state. */
static bool state_matches(const review_filter *f, const char *q)
{
  if (!f || !f->state)
    return true;
  if (strcmp(f->state, "returned") == 0)
    return strcmp(q, "returned") == 0 || strcmp(q, "reopened") == 0;
  return strcmp(f->state, q) == 0;
}

/* One record of the records db (key unit \0 kind id, value v): calls fn
 * if it is in a queue matching f. */
static int queue_one(MDB_txn *txn, const store_dbs *d, const review_filter *f, const MDB_val *k,
                     const MDB_val *v, review_queue_fn fn, void *ctx)
{
  const char *kb = k->mv_data;
  const char *nul = memchr(kb, '\0', k->mv_size);
  if (!nul || (size_t)(nul - kb) + 2 > k->mv_size || k->mv_size > STORE_KEY_MAX)
    return HB_EPARSE;
  char kind = nul[1];
  if (kind != 'A' && kind != 'P')
    return 0;
  char unit[STORE_KEY_MAX + 1], id[STORE_KEY_MAX + 1];
  size_t ul = (size_t)(nul - kb), il = k->mv_size - ul - 2;
  memcpy(unit, kb, ul);
  unit[ul] = '\0';
  memcpy(id, nul + 2, il);
  id[il] = '\0';
  Huibao__V1__ReviewState *st = NULL;
  int rc = d->has_review ? store_review_get(txn, d, unit, kind, id, &st) : 0;
  if (rc != 0)
    return rc;
  Huibao__V1__Record rec, held;
  held.body_case = HUIBAO__V1__RECORD__BODY__NOT_SET;
  MDB_val body;
  uint64_t n;
  int64_t at;
  if ((rc = store_dbs_current(txn, d, v, &body, &n, &at)) != 0 || /* issue 15 */
      (rc = store_row_unpack(kind, &body, &rec)) != 0)
    goto free_state;
  const char *q = queue_of(kind, &rec, st);
  if (!q || !state_matches(f, q))
    goto free_rec;
  review_item it = {&rec, st, q};
  if (strcmp(q, "deletion") == 0 && st->has_held) {
    MDB_val hv = {st->held.len, st->held.data};
    if ((rc = store_row_unpack(kind, &hv, &held)) != 0)
      goto free_rec;
    it.rec = &held;
  }
  rc = fn(ctx, &it);
  store_row_unpacked_free(&held);
free_rec:
  store_row_unpacked_free(&rec);
free_state:
  if (st)
    huibao__v1__review_state__free_unpacked(st, NULL);
  return rc;
}

int review_queue_foreach(MDB_txn *txn, const store_dbs *d, const review_filter *f,
                         review_queue_fn fn, void *ctx)
{
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn, d->records, &cur);
  if (rc != 0)
    return hb_lmdb_err(rc);
  const char *unit = f ? f->unit : NULL;
  size_t ul = unit ? strlen(unit) : 0;
  MDB_val k = {unit ? ul + 1 : 0, (void *)unit}, v; /* unit \0: its first key */
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, unit ? MDB_SET_RANGE : MDB_FIRST); rc == 0 && ret == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (unit && (k.mv_size <= ul || memcmp(k.mv_data, unit, ul + 1) != 0))
      break; /* past the unit's keys */
    ret = queue_one(txn, d, f, &k, &v, fn, ctx);
  }
  mdb_cursor_close(cur);
  if (ret != 0)
    return ret;
  return rc == 0 || rc == MDB_NOTFOUND ? 0 : hb_lmdb_err(rc);
}
