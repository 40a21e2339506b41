/* pipeline.h: the thread that decodes the next drain (ingest_decode) while
 * the main thread stores the one before it (ingest_store; issue 17).
 *
 * One drain at a time: pipeline_start hands it over, pipeline_wait takes
 * it back decoded. Between the two the caller must not touch the items
 * nor the arena it gave, nor change the units, campaigns or signing keys
 * the context points at (server.c reloads only with the pipeline empty). */
#ifndef AGG_PIPELINE_H
#define AGG_PIPELINE_H

#include <stddef.h>
#include "ingest.h"

typedef struct pipeline pipeline;

/* Starts the thread (signals blocked in it: they stay the main thread's).
 * Returns 0 with *out, HB_ENOMEM, or HB_EIO when no thread could be made. */
int pipeline_open(pipeline **out);

/* Waits for a drain in progress, then stops and joins the thread. NULL: no-op. */
void pipeline_close(pipeline *p);

/* ingest_decode(c, items, n) on the thread (c is copied). Only when no
 * drain is in progress. */
void pipeline_start(pipeline *p, const ingest_ctx *c, ingest_item *items, size_t n);

/* Waits for the drain started last and returns what ingest_decode did:
 * *out to hand to ingest_store (NULL when out of memory). */
void pipeline_wait(pipeline *p, ingest_drain **out);

#endif
