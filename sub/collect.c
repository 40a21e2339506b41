/* collect.c: keep-latest per (origin, campaign). */
#include "collect.h"

#include <stdlib.h>
#include <string.h>
#include "hb_delta.h"
#include "hb_date.h"
#include "hb_err.h"

void sub_collect_init(sub_collect *c)
{
  memset(c, 0, sizeof *c);
}

static void entry_free(sub_entry *e)
{
  free(e->origin);
  free(e->campaign);
  if (e->r)
    protobuf_c_message_free_unpacked(&e->r->base, NULL);
}

void sub_collect_free(sub_collect *c)
{
  for (size_t i = 0; i < c->count; i++)
    entry_free(&c->items[i]);
  free(c->items);
  memset(c, 0, sizeof *c);
}

bool sub_collect_rollup_newer(const Huibao__V1__Rollup *a, const Huibao__V1__Rollup *b)
{
  /* Another store (restored from a backup, or replaced): its seq started
   * again lower, and it is the truth now, if it speaks later than the one
   * held (as_of). Requiring a later as_of keeps two publishers that claim
   * the same code, or a delayed message of the old store, from replacing
   * each other back and forth. */
  if (a->has_epoch && b->has_epoch && a->epoch != b->epoch)
    return a->as_of_ms > b->as_of_ms;
  if (a->seq != b->seq)
    return a->seq > b->seq;
  return a->as_of_ms > b->as_of_ms;
}

bool sub_collect_from_future(const Huibao__V1__Rollup *r, int64_t wall_now_ms)
{
  return r->as_of_ms > wall_now_ms && r->as_of_ms - wall_now_ms > SUB_COLLECT_MAX_SKEW_MS;
}

sub_entry *sub_collect_find(sub_collect *c, const char *origin, const char *campaign)
{
  for (size_t i = 0; i < c->count; i++)
    if (strcmp(c->items[i].origin, origin) == 0 && strcmp(c->items[i].campaign, campaign) == 0)
      return &c->items[i];
  return NULL;
}

static void drop(Huibao__V1__Rollup *r)
{
  protobuf_c_message_free_unpacked(&r->base, NULL);
}

/* A new entry for (origin, r->campaign); takes r. */
static int entry_add(sub_collect *c, const char *origin, Huibao__V1__Rollup *r, int64_t now_ms,
                     bool stale, bool dirty)
{
  if (c->count >= SUB_COLLECT_MAX) {
    drop(r);
    return HB_EFULL;
  }
  if (c->count == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 8;
    sub_entry *p = realloc(c->items, cap * sizeof *p);
    if (!p) {
      drop(r);
      return HB_ENOMEM;
    }
    c->items = p;
    c->cap = cap;
  }
  sub_entry *e = &c->items[c->count];
  memset(e, 0, sizeof *e);
  e->origin = strdup(origin);
  e->campaign = strdup(r->campaign);
  if (!e->origin || !e->campaign) {
    free(e->origin);
    free(e->campaign);
    drop(r);
    return HB_ENOMEM;
  }
  e->r = r;
  e->rx_ms = now_ms;
  e->stale = stale;
  e->dirty = dirty;
  c->count++;
  return 1;
}

int sub_collect_offer(sub_collect *c, const char *origin, Huibao__V1__Rollup *r, int64_t now_ms,
                      bool *was_stale)
{
  sub_entry *e = sub_collect_find(c, origin, r->campaign);
  if (was_stale)
    *was_stale = e && e->stale;
  if (!e)
    return entry_add(c, origin, r, now_ms, false, true);
  e->rx_ms = now_ms;
  if (e->stale) {
    e->stale = false;
    e->dirty = true;
  }
  if (!sub_collect_rollup_newer(r, e->r)) {
    drop(r);
    return 0;
  }
  drop(e->r);
  e->r = r;
  e->dirty = true;
  return 1;
}

int sub_collect_load(sub_collect *c, const char *origin, Huibao__V1__Rollup *r, bool stale,
                     int64_t now_ms)
{
  if (sub_collect_from_future(r, hb_time_now_ms())) { /* stored before the clock was checked */
    drop(r);
    return 0;
  }
  sub_entry *e = sub_collect_find(c, origin, r->campaign);
  if (!e)
    return entry_add(c, origin, r, now_ms, stale, false);
  if (!sub_collect_rollup_newer(r, e->r)) {
    drop(r);
    return 0;
  }
  drop(e->r);
  e->r = r;
  e->stale = stale;
  return 1;
}

size_t sub_collect_mark_stale(sub_collect *c, int64_t now_ms, int64_t stale_after_ms,
                              void (*on_stale)(const sub_entry *e, void *arg), void *arg)
{
  size_t n = 0;
  for (size_t i = 0; i < c->count; i++) {
    sub_entry *e = &c->items[i];
    uint32_t hb = e->r->has_heartbeat_ms && e->r->heartbeat_ms ? e->r->heartbeat_ms
                                                               : HB_PUBLISHER_HEARTBEAT_MS;
    int64_t after = stale_after_ms, quiet = hb_delta_silence_ms(hb, e->quiet_ms);
    if (after <= 0 || (e->quiet_ms && after < quiet))
      after = quiet;
    if (!e->stale && now_ms - e->rx_ms > after) {
      e->stale = true;
      e->dirty = true;
      n++;
      if (on_stale)
        on_stale(e, arg);
    }
  }
  return n;
}

static int cmp_str(const void *x, const void *y)
{
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int sub_collect_campaigns(const sub_collect *c, const char ***ids, size_t *n)
{
  *ids = calloc(c->count ? c->count : 1, sizeof **ids);
  *n = 0;
  if (!*ids)
    return HB_ENOMEM;
  for (size_t i = 0; i < c->count; i++)
    (*ids)[i] = c->items[i].campaign;
  if (c->count > 1) /* qsort's array may be NULL when empty */
    qsort(*ids, c->count, sizeof **ids, cmp_str);
  size_t k = 0;
  for (size_t i = 0; i < c->count; i++)
    if (k == 0 || strcmp((*ids)[k - 1], (*ids)[i]) != 0)
      (*ids)[k++] = (*ids)[i];
  *n = k;
  return 0;
}

size_t sub_collect_origin_count(const sub_collect *c, const char *origin, uint32_t *announced)
{
  size_t n = 0;
  *announced = 0;
  for (size_t i = 0; i < c->count; i++)
    if (strcmp(c->items[i].origin, origin) == 0) {
      n++;
      if (c->items[i].r->has_campaign_count && c->items[i].r->campaign_count > *announced)
        *announced = c->items[i].r->campaign_count;
    }
  return n;
}

void sub_collect_quiet_reset(sub_collect *c, const char *origin)
{
  for (size_t i = 0; i < c->count; i++)
    if (strcmp(c->items[i].origin, origin) == 0)
      c->items[i].quiet_ms = 0;
}

bool sub_collect_any_dirty(const sub_collect *c)
{
  for (size_t i = 0; i < c->count; i++)
    if (c->items[i].dirty)
      return true;
  return false;
}

void sub_collect_clear_dirty(sub_collect *c)
{
  for (size_t i = 0; i < c->count; i++)
    c->items[i].dirty = false;
}

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

uint64_t sub_collect_signature(const sub_collect *c, const char *campaign)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < c->count; i++) {
    const sub_entry *e = &c->items[i];
    if (campaign && strcmp(e->campaign, campaign) != 0)
      continue;
    int32_t today = e->r->has_today ? e->r->today : 0;
    uint8_t stale = e->stale ? 1 : 0;
    h = fnv1a(h, e->origin, strlen(e->origin) + 1);
    h = fnv1a(h, e->campaign, strlen(e->campaign) + 1);
    h = fnv1a(h, &e->r->seq, sizeof e->r->seq);
    h = fnv1a(h, &e->r->epoch, sizeof e->r->epoch);
    h = fnv1a(h, &today, sizeof today);
    h = fnv1a(h, &stale, 1);
    /* a due passing turns pending into missing without a new seq */
    const char *pc = e->r->period_current ? e->r->period_current : "";
    const char *pl = e->r->period_last_closed ? e->r->period_last_closed : "";
    h = fnv1a(h, pc, strlen(pc) + 1);
    h = fnv1a(h, pl, strlen(pl) + 1);
  }
  return h;
}
