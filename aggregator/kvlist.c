/* kvlist.c: see kvlist.h. */
#include "kvlist.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

kv *kvlist_find(const kvlist *l, const char *key)
{
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->items[i].key, key) == 0)
      return &l->items[i];
  return NULL;
}

kv *kvlist_find_hint(const kvlist *l, const char *key, size_t *hint)
{
  if (*hint < l->n && strcmp(l->items[*hint].key, key) == 0)
    return &l->items[*hint];
  kv *e = kvlist_find(l, key);
  if (e)
    *hint = (size_t)(e - l->items);
  return e;
}

int kvlist_set(kvlist *l, const char *key, uint64_t v)
{
  kv *e = kvlist_find(l, key);
  if (e) {
    e->v = v;
    return 0;
  }
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    kv *n = realloc(l->items, cap * sizeof *n);
    if (!n)
      return HB_ENOMEM;
    l->items = n;
    l->cap = cap;
  }
  size_t len = strlen(key) + 1;
  char *k = malloc(len);
  if (!k)
    return HB_ENOMEM;
  memcpy(k, key, len);
  l->items[l->n++] = (kv){k, v};
  return 0;
}

void kvlist_clear(kvlist *l)
{
  for (size_t i = 0; i < l->n; i++)
    free(l->items[i].key);
  l->n = 0;
}

void kvlist_free(kvlist *l)
{
  kvlist_clear(l);
  free(l->items);
  memset(l, 0, sizeof *l);
}
