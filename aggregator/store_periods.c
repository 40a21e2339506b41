/* store_periods.c: the county's period facts in the store (store.h,
 * issue 13, docs/periods.md).
 *
 * The facts of each (campaign, unit) live in LMDB db "periods" (key
 * campaign \0 unit, value PeriodFacts) and in memory, exactly like the
 * aggregates: a batch notes them in working copies (bfacts), batch_write
 * puts the touched ones into the batch's transaction, and only after the
 * commit do they replace the committed ones (facts). An abandoned batch
 * leaves nothing. Facts are history: removing a record (admin) does not
 * take anything out of them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_lmdb.h"
#include "store.h"
#include "store_internal.h"

/* ---------------------------------------------------------------- the list */

static int fact_cmp(const char *campaign, const char *unit, const store_fact *e)
{
  int c = strcmp(campaign, e->campaign);
  return c ? c : strcmp(unit, e->unit);
}

/* Index of (campaign, unit) in l, or where it would go (*found false). */
static size_t facts_search(const store_facts *l, const char *campaign, const char *unit,
                           bool *found)
{
  size_t lo = 0, hi = l->n;
  *found = false;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = fact_cmp(campaign, unit, &l->items[mid]);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

static store_fact *facts_find(const store_facts *l, const char *campaign, const char *unit)
{
  bool found;
  size_t i = facts_search(l, campaign, unit, &found);
  return found ? &l->items[i] : NULL;
}

/* Inserts an entry for (campaign, unit) at its place, taking f (moved:
 * the caller no longer frees it). Returns the entry, NULL when out of
 * memory (then f is still the caller's). The key must not be in l. */
static store_fact *facts_insert(store_facts *l, const char *campaign, const char *unit,
                                hb_period_facts *f)
{
  bool found;
  size_t i = facts_search(l, campaign, unit, &found);
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 64;
    store_fact *items = realloc(l->items, cap * sizeof *items);
    if (!items)
      return NULL;
    l->items = items;
    l->cap = cap;
  }
  char *c = strdup(campaign), *u = strdup(unit);
  if (!c || !u) {
    free(c);
    free(u);
    return NULL;
  }
  memmove(&l->items[i + 1], &l->items[i], (l->n - i) * sizeof *l->items);
  l->items[i].campaign = c;
  l->items[i].unit = u;
  l->items[i].f = *f;
  memset(f, 0, sizeof *f);
  l->n++;
  return &l->items[i];
}

/* Frees every entry; frees_facts false: the facts were moved elsewhere. */
static void facts_clear(store_facts *l, bool free_facts)
{
  for (size_t i = 0; i < l->n; i++) {
    free(l->items[i].campaign);
    free(l->items[i].unit);
    if (free_facts)
      hb_period_facts_free(&l->items[i].f);
  }
  l->n = 0;
}

void store_facts_free(store *s)
{
  facts_clear(&s->facts, true);
  facts_clear(&s->bfacts, true);
  free(s->facts.items);
  free(s->bfacts.items);
  memset(&s->facts, 0, sizeof s->facts);
  memset(&s->bfacts, 0, sizeof s->bfacts);
}

void store_facts_reset(store *s)
{
  facts_clear(&s->bfacts, true);
  s->bclock = 0;
  s->bnoted_len = 0;
}

/* ---------------------------------------------------------------- load */

int store_facts_load(store *s, MDB_txn *txn, char *err, size_t errlen)
{
  facts_clear(&s->facts, true);
  if (!s->has_periods)
    return 0;
  MDB_cursor *cur;
  MDB_val k, v;
  int rc = mdb_cursor_open(txn, s->periods, &cur);
  if (rc != 0) {
    snprintf(err, errlen, "periods db: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  int r = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0 && r == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    char key[STORE_KEY_MAX + 1];
    const char *nul = memchr(k.mv_data, '\0', k.mv_size);
    if (k.mv_size > STORE_KEY_MAX || !nul) {
      snprintf(err, errlen, "periods db: malformed key of %zu bytes", k.mv_size);
      r = HB_EPARSE;
      break;
    }
    memcpy(key, k.mv_data, k.mv_size);
    key[k.mv_size] = '\0';
    const char *campaign = key, *unit = key + strlen(key) + 1;
    hb_period_facts f;
    memset(&f, 0, sizeof f);
    r = hb_period_facts_unpack(v.mv_data, v.mv_size, &f);
    if (r == 0 && !facts_insert(&s->facts, campaign, unit, &f))
      r = HB_ENOMEM;
    if (r != 0) {
      hb_period_facts_free(&f);
      snprintf(err, errlen, "periods db: facts of campaign %s, unit %s (%zu bytes): %s", campaign,
               unit, v.mv_size, hb_strerror(r));
    }
  }
  mdb_cursor_close(cur);
  if (r != 0)
    return r;
  if (rc != MDB_NOTFOUND) {
    snprintf(err, errlen, "periods db: %s", mdb_strerror(rc));
    return hb_lmdb_err(rc);
  }
  return 0;
}

/* ---------------------------------------------------------------- batch */

/* The working copy of (campaign, unit)'s facts, made on first use in a
 * batch (from the committed one, or empty). */
static int work_facts(store *s, const char *campaign, const char *unit, hb_period_facts **out)
{
  store_fact *w = facts_find(&s->bfacts, campaign, unit);
  if (!w) {
    const store_fact *c = facts_find(&s->facts, campaign, unit);
    hb_period_facts f;
    memset(&f, 0, sizeof f);
    int rc = c ? hb_period_facts_copy(&f, &c->f) : 0;
    if (rc == 0 && !(w = facts_insert(&s->bfacts, campaign, unit, &f)))
      rc = HB_ENOMEM;
    if (rc != 0) {
      hb_period_facts_free(&f);
      return rc;
    }
  }
  *out = &w->f;
  return 0;
}

int store_facts_note_change(store *s, const char *campaign, const char *unit)
{
  if (!s->txn || s->bclock == 0 || !campaign || !unit)
    return 0;
  size_t cl = strlen(campaign), ul = strlen(unit);
  if (cl + 1 + ul == s->bnoted_len && memcmp(s->bnoted, campaign, cl + 1) == 0 &&
      memcmp(s->bnoted + cl + 1, unit, ul) == 0)
    return 0;
  hb_period_facts *f;
  int rc = work_facts(s, campaign, unit, &f);
  if (rc == 0)
    rc = hb_period_facts_note_change(f, s->bclock);
  if (rc == 0 && cl + 1 + ul <= STORE_KEY_MAX) {
    memcpy(s->bnoted, campaign, cl + 1);
    memcpy(s->bnoted + cl + 1, unit, ul);
    s->bnoted_len = cl + 1 + ul;
  }
  return rc;
}

void store_batch_clock(store *s, int64_t now_s)
{
  if (s->txn) {
    s->bclock = now_s;
    s->bnoted_len = 0;
  }
}

int store_batch_note_report(store *s, const char *campaign, const char *unit, const char *period,
                            const char *id, bool nothing_new)
{
  if (!s->txn || !campaign || !unit || !id)
    return HB_EINVAL;
  if (s->bclock == 0)
    return 0;
  /* a deletion changes only what exists: no entry is made for it */
  if (!period && !facts_find(&s->bfacts, campaign, unit) && !facts_find(&s->facts, campaign, unit))
    return 0;
  hb_period_facts *f;
  int rc = work_facts(s, campaign, unit, &f);
  if (rc != 0)
    return rc;
  if (period)
    rc = hb_period_facts_note_report(f, period, id, nothing_new, s->bclock);
  else
    hb_period_facts_note_report_deleted(f, id);
  /* the campaign's period states may have moved: its seq grows, so the
   * rollup is published again */
  return rc ? rc : kvlist_set(&s->changed, campaign, 0);
}

int store_facts_write(store *s)
{
  if (s->bfacts.n && !s->has_periods)
    return HB_EINVAL;
  for (size_t i = 0; i < s->bfacts.n; i++) {
    const store_fact *e = &s->bfacts.items[i];
    char key[STORE_KEY_MAX];
    size_t kl = store_key2(key, e->campaign, '\0', e->unit);
    if (kl == 0)
      return HB_EINVAL;
    MDB_val k = {kl, key};
    int r;
    if (e->f.ndays == 0 && e->f.nreports == 0) {
      r = mdb_del(s->txn, s->periods, &k, NULL);
      r = r == MDB_NOTFOUND ? 0 : r;
    } else {
      uint8_t *packed;
      size_t len;
      int rc = hb_period_facts_pack(&e->f, &packed, &len);
      if (rc != 0)
        return rc;
      MDB_val v = {len, packed};
      r = mdb_put(s->txn, s->periods, &k, &v, 0);
      free(packed);
    }
    if (r != 0)
      return hb_lmdb_err(r);
  }
  return 0;
}

int store_facts_apply(store *s)
{
  int rc = 0;
  for (size_t i = 0; i < s->bfacts.n; i++) {
    store_fact *w = &s->bfacts.items[i];
    store_fact *c = facts_find(&s->facts, w->campaign, w->unit);
    if (c) {
      hb_period_facts_free(&c->f);
      c->f = w->f;
      memset(&w->f, 0, sizeof w->f);
    } else if (!facts_insert(&s->facts, w->campaign, w->unit, &w->f)) {
      rc = HB_ENOMEM;
    }
  }
  store_facts_reset(s);
  return rc;
}

const hb_period_facts *store_period_facts(const store *s, const char *campaign, const char *unit)
{
  const store_fact *e = facts_find(&s->facts, campaign, unit);
  return e ? &e->f : NULL;
}
