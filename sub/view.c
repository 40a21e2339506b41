/* view.c: merging per campaign and printing the city view. */
#include "view.h"

#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"

sub_format sub_view_format_parse(const char *s)
{
  if (strcmp(s, "json") == 0)
    return SUB_FORMAT_JSON;
  if (strcmp(s, "table") == 0)
    return SUB_FORMAT_TABLE;
  return 0;
}

void sub_view_opts_from_cli(const sub_cli *cli, sub_view_opts *o)
{
  memset(o, 0, sizeof *o);
  o->source = cli->source;
  o->source_name = cli->source_name;
  o->campaign = cli->campaign;
}

static size_t origin_rank(const sub_view_opts *o, const char *origin)
{
  for (size_t i = 0; o->origins && i < o->norigins; i++)
    if (strcmp(o->origins[i], origin) == 0)
      return i;
  return (size_t)-1;
}

int sub_view_merge(const sub_collect *c, const char *campaign, const sub_view_opts *o,
                   Huibao__V1__Rollup **out)
{
  *out = NULL;
  const Huibao__V1__Rollup **in = calloc(c->count ? c->count : 1, sizeof *in);
  bool *stale = calloc(c->count ? c->count : 1, sizeof *stale);
  size_t *rank = calloc(c->count ? c->count : 1, sizeof *rank);
  int rc = HB_ENOMEM;
  if (!in || !stale || !rank)
    goto out;
  size_t n = 0;
  for (size_t i = 0; i < c->count; i++) {
    const sub_entry *e = &c->items[i];
    if (strcmp(e->campaign, campaign) != 0)
      continue;
    /* insertion by origin rank keeps arrival order among equal ranks */
    size_t r = origin_rank(o, e->origin), at = n;
    while (at > 0 && rank[at - 1] > r) {
      in[at] = in[at - 1];
      stale[at] = stale[at - 1];
      rank[at] = rank[at - 1];
      at--;
    }
    in[at] = e->r;
    stale[at] = e->stale;
    rank[at] = r;
    n++;
  }
  rc = n ? hb_rollup_merge(in, n, stale, o->source, o->source_name, hb_time_now_ms(), out) : 0;
out:
  free(in);
  free(stale);
  free(rank);
  return rc;
}

static int add_missing(json_t *obj, const sub_collect *c, const char *campaign,
                       const sub_view_opts *o)
{
  if (!o->mark_missing)
    return 0;
  json_t *counties = json_object_get(obj, "counties");
  if (!json_is_array(counties)) {
    counties = json_array();
    if (!counties || json_object_set_new(obj, "counties", counties) != 0)
      return HB_ENOMEM;
  }
  for (size_t i = 0; i < o->norigins; i++) {
    if (sub_collect_find((sub_collect *)c, o->origins[i], campaign))
      continue;
    if (json_array_append_new(counties,
                              json_pack("{s:s, s:b}", "code", o->origins[i], "missing", 1)) != 0)
      return HB_ENOMEM;
  }
  return 0;
}

static json_t *campaign_json(const sub_collect *c, const char *campaign, const sub_view_opts *o)
{
  Huibao__V1__Rollup *m = NULL;
  if (sub_view_merge(c, campaign, o, &m) != 0)
    return NULL;
  json_t *obj = m ? hb_rollup_to_json(m) : json_pack("{s:s}", "campaign", campaign);
  if (m)
    protobuf_c_message_free_unpacked(&m->base, NULL);
  if (obj && add_missing(obj, c, campaign, o) != 0) {
    json_decref(obj);
    return NULL;
  }
  return obj;
}

json_t *sub_view_json(const sub_collect *c, const sub_view_opts *o)
{
  if (o->campaign)
    return campaign_json(c, o->campaign, o);
  const char **ids = NULL;
  size_t n = 0;
  if (sub_collect_campaigns(c, &ids, &n) != 0)
    return NULL;
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < n; i++) {
    json_t *obj = campaign_json(c, ids[i], o);
    if (!obj || json_array_append_new(arr, obj) != 0) {
      json_decref(arr);
      arr = NULL;
    }
  }
  free(ids);
  if (!arr)
    return NULL;
  json_t *doc = json_pack("{s:o}", "campaigns", arr);
  if (doc && o->mark_missing) {
    /* origins that gave nothing at all */
    json_t *miss = json_array();
    for (size_t i = 0; miss && i < o->norigins; i++) {
      uint32_t ann;
      if (sub_collect_origin_count(c, o->origins[i], &ann) == 0)
        json_array_append_new(miss, json_string(o->origins[i]));
    }
    if (!miss || json_object_set_new(doc, "missing", miss) != 0) {
      json_decref(doc);
      return NULL;
    }
  }
  return doc;
}

static int campaign_table(const sub_collect *c, const char *campaign, const sub_view_opts *o,
                          FILE *f)
{
  Huibao__V1__Rollup *m = NULL;
  int rc = sub_view_merge(c, campaign, o, &m);
  if (rc != 0)
    return rc;
  if (m) {
    rc = hb_rollup_write_table(m, f);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  } else {
    fprintf(f, "专项 %s: 未收到汇总 (no rollup received)\n", campaign);
  }
  if (o->mark_missing) {
    size_t shown = 0;
    for (size_t i = 0; i < o->norigins; i++) {
      if (sub_collect_find((sub_collect *)c, o->origins[i], campaign))
        continue;
      fprintf(f, "%s%s", shown++ ? ", " : "缺失 missing: ", o->origins[i]);
    }
    if (shown)
      fputc('\n', f);
  }
  return rc;
}

int sub_view_print(const sub_collect *c, const sub_view_opts *o, sub_format fmt, FILE *f)
{
  int rc = 0;
  if (fmt == SUB_FORMAT_JSON) {
    json_t *doc = sub_view_json(c, o);
    if (!doc)
      return HB_ENOMEM;
    rc = json_dumpf(doc, f, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) != 0 ? HB_EIO : 0;
    fputc('\n', f);
    json_decref(doc);
  } else if (o->campaign) {
    rc = campaign_table(c, o->campaign, o, f);
  } else {
    const char **ids = NULL;
    size_t n = 0;
    if (sub_collect_campaigns(c, &ids, &n) != 0)
      return HB_ENOMEM;
    if (n == 0) {
      fputs("未收到任何汇总 (no rollup received)\n", f);
      if (o->mark_missing && o->norigins) {
        fputs("缺失 missing: ", f);
        for (size_t i = 0; i < o->norigins; i++)
          fprintf(f, "%s%s", i ? ", " : "", o->origins[i]);
        fputc('\n', f);
      }
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
      if (i)
        fputs("\n────────────────────────────────────────\n\n", f);
      rc = campaign_table(c, ids[i], o, f);
    }
    free(ids);
  }
  if (rc == 0 && (fflush(f) != 0 || ferror(f)))
    rc = HB_EIO;
  return rc;
}
