/* publish.h: the county's rollups, published by hb_publisher (on change,
 * coalesced so that an edit goes out at once and then at most every
 * HB_PUBLISHER_COALESCE_MS; on a heartbeat; at once for a new subscriber).
 *
 * Publishing state, not deltas: each message is the whole Rollup of one
 * campaign, built from the aggregates at the moment it is sent (cost:
 * units x cells, never records). */
#ifndef AGG_PUBLISH_H
#define AGG_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include "hb_campaigns.h"
#include "hb_cert.h"
#include "hb_publisher.h"
#include "hb_units.h"
#include "store.h"

/* Messages queued per subscribing city before the XPUB drops them (a
 * dropped state message is replaced by the next one). */
#define PUBLISH_SNDHWM 100000

/* What the county's rollups are built from. Everything is borrowed and
 * must outlive the publisher; units and campaigns are read at each send,
 * so a reload may replace their contents in place. */
typedef struct publish_source {
  const store *st;
  const hb_units *units;
  const hb_campaigns *campaigns;
  const char *code, *name; /* the county: the rollups' source and source_name */
  uint32_t heartbeat_ms;   /* the publisher's heartbeat, announced in every rollup */
} publish_source;

/* Binds the county's publisher on endpoint: CURVE with cert and the
 * subscribers' keyring (taken over in every case), or plain TCP when cert
 * is NULL. A refused subscriber is logged. Returns 0 with *out (free with
 * hb_publisher_close; src must outlive it), or HB_ENOMEM / HB_EZMQ with err
 * saying why. The county's campaigns are the topics, in the order of
 * campaigns.ini. */
int publish_open(hb_publisher **out, publish_source *src, const char *endpoint, const hb_cert *cert,
                 hb_keyring *subscribers, char *err, size_t errlen);

/* The packed Rollup of campaign, as hb_publisher_build_fn (arg: the
 * publish_source): 0 with *buf malloc'd, HB_ENOTFOUND for a campaign the
 * configuration no longer has, else the error of hb_rollup_build. */
int publish_build(void *src, const char *campaign, uint8_t **buf, size_t *len);

#endif
