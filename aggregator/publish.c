/* publish.c: building and sending rollups on XPUB. */
#include "publish.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_wire.h"

int publisher_init(publisher *p, void *xpub, const store *st, const hb_units *units,
                   const hb_campaigns *campaigns, const char *source, const char *source_name,
                   uint32_t heartbeat_ms)
{
  memset(p, 0, sizeof *p);
  p->xpub = xpub;
  p->st = st;
  p->source = source;
  p->source_name = source_name;
  p->heartbeat_ms = heartbeat_ms;
  return publisher_set_config(p, units, campaigns);
}

void publisher_free(publisher *p)
{
  free(p->dirty);
  p->dirty = NULL;
}

int publisher_set_config(publisher *p, const hb_units *units, const hb_campaigns *campaigns)
{
  bool *d = calloc(campaigns->count ? campaigns->count : 1, sizeof *d);
  if (!d)
    return HB_ENOMEM;
  free(p->dirty);
  p->dirty = d;
  p->units = units;
  p->campaigns = campaigns;
  for (size_t i = 0; i < campaigns->count; i++)
    d[i] = true;
  p->any_dirty = true;
  return 0;
}

void publisher_mark(publisher *p, const char *campaign_id)
{
  for (size_t i = 0; i < p->campaigns->count; i++)
    if (strcmp(p->campaigns->items[i].id, campaign_id) == 0) {
      p->dirty[i] = true;
      p->any_dirty = true;
      return;
    }
}

int publisher_send(publisher *p, size_t ci)
{
  const hb_campaign *camp = &p->campaigns->items[ci];
  const aggmap *all = store_aggs(p->st);
  const hb_agg **aggs = calloc(all->count ? all->count : 1, sizeof *aggs);
  int64_t *last_sync = calloc(p->units->count ? p->units->count : 1, sizeof *last_sync);
  int rc = HB_ENOMEM;
  uint8_t *buf = NULL;
  size_t len = 0, n = 0;
  if (!aggs || !last_sync)
    goto out;
  size_t it;
  for (aggmap_node *nd = aggmap_first(all, &it); nd; nd = aggmap_next(all, nd, &it))
    if (strcmp(nd->agg->campaign, camp->id) == 0)
      aggs[n++] = nd->agg;
  for (size_t i = 0; i < p->units->count; i++)
    last_sync[i] = store_last_sync(p->st, p->units->items[i].code);
  hb_rollup_input in = {
      .source = p->source,
      .source_name = p->source_name,
      .campaign = camp,
      .units = p->units,
      .aggs = aggs,
      .naggs = n,
      .last_sync = last_sync,
      .seq = store_seq(p->st, camp->id),
      .epoch = store_epoch(p->st),
      .as_of_ms = hb_time_now_ms(),
      .heartbeat_ms = p->heartbeat_ms,
      .campaign_count = (uint32_t)p->campaigns->count,
      .today = hb_date_today(),
  };
  if ((rc = hb_rollup_build(&in, &buf, &len)) != 0)
    goto out;
  char topic[256];
  int tl = snprintf(topic, sizeof topic, "%s%s", HB_WIRE_TOPIC_PREFIX, camp->id);
  if (tl < 0 || (size_t)tl >= sizeof topic) {
    rc = HB_EINVAL;
    goto out;
  }
  if (zmq_send(p->xpub, topic, (size_t)tl, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
      zmq_send(p->xpub, buf, len, ZMQ_DONTWAIT) < 0) {
    p->dropped++;
    rc = errno == EAGAIN ? HB_EAGAIN : HB_EZMQ;
    goto out;
  }
  p->sent++;
  rc = 0;
out:
  p->last_error = rc;
  free(buf);
  free(aggs);
  free(last_sync);
  return rc;
}

int publisher_send_all(publisher *p)
{
  int first = 0;
  for (size_t i = 0; i < p->campaigns->count; i++) {
    int rc = publisher_send(p, i);
    if (rc != 0 && first == 0)
      first = rc;
    p->dirty[i] = false;
  }
  p->any_dirty = false;
  return first;
}

int publisher_tick(publisher *p, int64_t now_ms)
{
  if (now_ms - p->last_beat_ms >= (int64_t)p->heartbeat_ms) {
    /* The heartbeat does not restart the coalescing window: a change just
     * after it goes out at once, not up to 50 ms later (city freshness,
     * docs/performance.md); changes alone still go out at most every 50 ms. */
    publisher_send_all(p);
    p->last_beat_ms = now_ms;
  } else if (p->any_dirty && now_ms - p->last_dirty_ms >= PUBLISH_COALESCE_MS) {
    for (size_t i = 0; i < p->campaigns->count; i++)
      if (p->dirty[i]) {
        publisher_send(p, i);
        p->dirty[i] = false;
      }
    p->any_dirty = false;
    p->last_dirty_ms = now_ms;
  }
  int64_t next = p->last_beat_ms + p->heartbeat_ms - now_ms;
  if (p->any_dirty) {
    int64_t d = p->last_dirty_ms + PUBLISH_COALESCE_MS - now_ms;
    if (d < next)
      next = d;
  }
  return next < 0 ? 0 : (int)next;
}

int publisher_on_readable(publisher *p)
{
  bool subscribed = false;
  for (int i = 0; i < 1000; i++) {
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, p->xpub, ZMQ_DONTWAIT) < 0) {
      zmq_msg_close(&m);
      break;
    }
    const uint8_t *d = zmq_msg_data(&m);
    if (zmq_msg_size(&m) >= 1 && d[0] == 1)
      subscribed = true;
    zmq_msg_close(&m);
  }
  return subscribed ? publisher_send_all(p) : 0;
}
