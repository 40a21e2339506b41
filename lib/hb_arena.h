/* hb_arena.h: a bump allocator for what is unpacked from the network and
 * freed all at once (issue 17: the county's ingest decoded every field of
 * a Submit with its own malloc and free, ~1,450 instructions per record).
 *
 * Memory comes from blocks allocated as needed; free is a no-op; reset
 * gives everything back at once (keeping the first block for the next
 * use). A cap bounds what one message may take (hb_arena_cap), so that a
 * small hostile message cannot make its unpacking allocate without bound.
 * Not thread-safe: one arena per thread. */
#ifndef HB_ARENA_H
#define HB_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct hb_arena hb_arena;

/* A new empty arena, or NULL when out of memory. Free with hb_arena_free. */
hb_arena *hb_arena_new(void);
void hb_arena_free(hb_arena *a);

/* Frees everything allocated from a (every pointer it gave becomes
 * invalid); the first block is kept. The cap is lifted. */
void hb_arena_reset(hb_arena *a);

/* From now on, at most cap more bytes may be allocated (counted as asked,
 * as hb_wire's capped allocator counted them); more returns NULL. */
void hb_arena_cap(hb_arena *a, size_t cap);

/* n bytes aligned for any type, or NULL (out of memory, or over the cap).
 * Valid until hb_arena_reset / hb_arena_free. */
void *hb_arena_alloc(hb_arena *a, size_t n);

/* Where a stands, to give back what is allocated after it (issue 17: a
 * decoding attempt that gives up, hb_wire_fast.h). */
typedef struct hb_arena_mark {
  void *head;
  size_t used;
} hb_arena_mark;

hb_arena_mark hb_arena_where(const hb_arena *a);

/* Frees everything allocated from a since m (every pointer it gave since
 * becomes invalid; those before stay). The cap is left as it is. */
void hb_arena_rewind(hb_arena *a, hb_arena_mark m);

/* A copy of s in a, or NULL. */
char *hb_arena_strdup(hb_arena *a, const char *s);

/* The arena as a protobuf-c allocator (its free does nothing): messages
 * unpacked with it are freed by hb_arena_reset, never with
 * protobuf_c_message_free_unpacked(m, NULL) or free(). */
ProtobufCAllocator *hb_arena_allocator(hb_arena *a);

#endif
