/* hb_arena.c: a bump allocator freed all at once (hb_arena.h). */
#include "hb_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_FIRST (256u * 1024) /* bytes of the first block: one Submit of 500 records */
#define ARENA_GROW_MAX (8u * 1024 * 1024)

typedef struct arena_block {
  struct arena_block *next; /* the block allocated before this one */
  size_t size;              /* usable bytes after the header */
} arena_block;

/* the header rounded up so that the first allocation is aligned */
#define ARENA_HDR ((sizeof(arena_block) + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN)

struct hb_arena {
  arena_block *head; /* the newest block; the first is last in the list */
  size_t used;       /* bytes used in head */
  size_t budget;     /* bytes that may still be allocated (hb_arena_cap) */
  ProtobufCAllocator pc;
};

static void *arena_pc_alloc(void *data, size_t size)
{
  return hb_arena_alloc(data, size);
}

static void arena_pc_free(void *data, void *ptr)
{
  (void)data;
  (void)ptr; /* everything goes at hb_arena_reset */
}

hb_arena *hb_arena_new(void)
{
  hb_arena *a = calloc(1, sizeof *a);
  if (!a)
    return NULL;
  a->budget = SIZE_MAX;
  a->pc.alloc = arena_pc_alloc;
  a->pc.free = arena_pc_free;
  a->pc.allocator_data = a;
  return a;
}

static void arena_release(hb_arena *a, arena_block *keep)
{
  arena_block *b = a->head;
  while (b && b != keep) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
  a->head = keep;
  a->used = 0;
}

void hb_arena_free(hb_arena *a)
{
  if (!a)
    return;
  arena_release(a, NULL);
  free(a);
}

void hb_arena_reset(hb_arena *a)
{
  arena_block *first = a->head;
  while (first && first->next)
    first = first->next;
  arena_release(a, first);
  a->budget = SIZE_MAX;
}

void hb_arena_cap(hb_arena *a, size_t cap)
{
  a->budget = cap;
}

void *hb_arena_alloc(hb_arena *a, size_t n)
{
  if (n > a->budget)
    return NULL;
  size_t need = (n ? n : 1) + ARENA_ALIGN - 1;
  need -= need % ARENA_ALIGN;
  if (need < n)
    return NULL; /* overflow */
  if (!a->head || a->head->size - a->used < need) {
    size_t size = a->head ? a->head->size * 2 : ARENA_FIRST;
    if (size > ARENA_GROW_MAX)
      size = ARENA_GROW_MAX;
    if (size < need)
      size = need;
    if (size > SIZE_MAX - ARENA_HDR)
      return NULL;
    arena_block *b = malloc(ARENA_HDR + size);
    if (!b)
      return NULL;
    b->next = a->head;
    b->size = size;
    /* the rest of the current block is abandoned, and the first block kept
     * at reset stays the first */
    a->head = b;
    a->used = 0;
  }
  void *p = (uint8_t *)a->head + ARENA_HDR + a->used;
  a->used += need;
  a->budget -= n;
  return p;
}

char *hb_arena_strdup(hb_arena *a, const char *s)
{
  size_t n = strlen(s) + 1;
  char *d = hb_arena_alloc(a, n);
  if (d)
    memcpy(d, s, n);
  return d;
}

ProtobufCAllocator *hb_arena_allocator(hb_arena *a)
{
  return &a->pc;
}

hb_arena_mark hb_arena_where(const hb_arena *a)
{
  return (hb_arena_mark){a->head, a->used};
}

void hb_arena_rewind(hb_arena *a, hb_arena_mark m)
{
  while (a->head && a->head != m.head) {
    arena_block *next = a->head->next;
    free(a->head);
    a->head = next;
  }
  a->used = a->head ? m.used : 0;
}
