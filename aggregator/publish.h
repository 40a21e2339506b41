/* publish.h: rollups out on XPUB: on change (coalesced), on a heartbeat,
 * and at once when a new subscription arrives (XPUB_VERBOSE).
 *
 * Publishing state, not deltas: each message is the whole Rollup of one
 * campaign, so a message an XPUB drops for a slow subscriber is harmless. */
#ifndef AGG_PUBLISH_H
#define AGG_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_campaigns.h"
#include "hb_units.h"
#include "store.h"

#define PUBLISH_COALESCE_MS 50

typedef struct publisher {
  void *xpub;                    /* borrowed */
  const store *st;               /* borrowed */
  const hb_units *units;         /* borrowed; replaced on reload */
  const hb_campaigns *campaigns; /* borrowed; replaced on reload */
  const char *source, *source_name;
  uint32_t heartbeat_ms;
  bool *dirty; /* per campaign index */
  bool any_dirty;
  int64_t last_dirty_ms, last_beat_ms; /* monotonic */
  uint64_t sent, dropped;
  int last_error;
} publisher;

/* xpub must already have ZMQ_XPUB_VERBOSE set. Marks every campaign dirty. */
int publisher_init(publisher *p, void *xpub, const store *st, const hb_units *units,
                   const hb_campaigns *campaigns, const char *source, const char *source_name,
                   uint32_t heartbeat_ms);
void publisher_free(publisher *p);

/* After a reload: new units and campaigns; publishes everything next tick. */
int publisher_set_config(publisher *p, const hb_units *units, const hb_campaigns *campaigns);

void publisher_mark(publisher *p, const char *campaign_id);

/* Builds and sends one campaign's rollup now. */
int publisher_send(publisher *p, size_t campaign_index);
int publisher_send_all(publisher *p);

/* Does what is due at monotonic time now_ms (dirty after the coalescing
 * interval, everything on the heartbeat). Returns how many ms until
 * something is due next. */
int publisher_tick(publisher *p, int64_t now_ms);

/* Reads the XPUB's subscription messages; a new subscription republishes
 * everything at once. */
int publisher_on_readable(publisher *p);

#endif
