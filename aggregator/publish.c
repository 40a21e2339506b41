/* publish.c: the county's rollups, built from the store for hb_publisher. */
#include "publish.h"

#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_rollup.h"

/* The campaigns of campaigns.ini, in its order (hb_publisher_list_fn). */
static int publish_list(void *arg, const char ***ids, size_t *n)
{
  const publish_source *src = arg;
  const hb_campaigns *c = src->campaigns;
  *ids = calloc(c->count ? c->count : 1, sizeof **ids);
  if (!*ids)
    return HB_ENOMEM;
  for (size_t i = 0; i < c->count; i++)
    (*ids)[i] = c->items[i].id;
  *n = c->count;
  return 0;
}

int publish_build(void *arg, const char *campaign, uint8_t **buf, size_t *len)
{
  const publish_source *src = arg;
  const hb_campaign *camp = NULL;
  for (size_t i = 0; i < src->campaigns->count && !camp; i++)
    if (strcmp(src->campaigns->items[i].id, campaign) == 0)
      camp = &src->campaigns->items[i];
  if (!camp)
    return HB_ENOTFOUND;
  const aggmap *all = store_aggs(src->st);
  const hb_agg **aggs = calloc(all->count ? all->count : 1, sizeof *aggs);
  int64_t *last_sync = calloc(src->units->count ? src->units->count : 1, sizeof *last_sync);
  int rc = HB_ENOMEM;
  size_t n = 0;
  if (!aggs || !last_sync)
    goto out;
  size_t it;
  for (aggmap_node *nd = aggmap_first(all, &it); nd; nd = aggmap_next(all, nd, &it))
    if (strcmp(nd->agg->campaign, camp->id) == 0)
      aggs[n++] = nd->agg;
  for (size_t i = 0; i < src->units->count; i++)
    last_sync[i] = store_last_sync(src->st, src->units->items[i].code);
  hb_rollup_input in = {
      .source = src->code,
      .source_name = src->name,
      .campaign = camp,
      .units = src->units,
      .aggs = aggs,
      .naggs = n,
      .last_sync = last_sync,
      .seq = store_seq(src->st, camp->id),
      .epoch = store_epoch(src->st),
      .as_of_ms = hb_time_now_ms(),
      .heartbeat_ms = src->heartbeat_ms,
      .campaign_count = (uint32_t)src->campaigns->count,
      .today = hb_date_today(),
  };
  rc = hb_rollup_build(&in, buf, len);
out:
  free(aggs);
  free(last_sync);
  return rc;
}

static void on_refuse(void *arg, const char *domain, const char *address, const char *reason)
{
  (void)arg;
  (void)domain;
  hb_log_warn("refused a subscriber connection from %s: %s", address, reason);
}

int publish_open(hb_publisher **out, publish_source *src, const char *endpoint, const hb_cert *cert,
                 hb_keyring *subscribers, char *err, size_t errlen)
{
  hb_publisher_opts o = {.endpoint = endpoint,
                         .cert = cert,
                         .subscribers = subscribers,
                         .heartbeat_ms = src->heartbeat_ms,
                         .sndhwm = PUBLISH_SNDHWM,
                         .coalesce = HB_PUBLISHER_COALESCE_RATE,
                         .list = publish_list,
                         .build = publish_build,
                         .arg = src,
                         .on_refuse = on_refuse};
  return hb_publisher_open(out, &o, err, errlen);
}
