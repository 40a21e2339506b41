/* dashboard.c: the JSON documents of the live dashboard. */
#include "dashboard.h"

#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_rollup.h"
#include "hb_vocab.h"

static json_int_t jclamp(uint64_t v)
{
  return v > (uint64_t)INT64_MAX ? INT64_MAX : (json_int_t)v;
}

static int entry_by_code(const void *a, const void *b)
{
  const sub_entry *x = *(const sub_entry *const *)a, *y = *(const sub_entry *const *)b;
  return strcmp(x->r->source, y->r->source);
}

static json_t *county_json(const sub_entry *e)
{
  sub_week_figures f;
  sub_history_figures(e->r, &f);
  char iso[40];
  hb_time_format_iso(e->r->as_of_ms, iso, sizeof iso);
  double rate = f.problems ? (double)f.resolved / (double)f.problems : 0.0;
  json_t *o = json_pack(
      "{s:s, s:s?, s:b, s:I, s:s, s:I, s:I, s:I,"
      " s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:f, s:{s:I, s:I, s:I, s:I}}",
      "code", e->r->source, "name", e->r->source_name, "stale", e->stale ? 1 : 0, "seq",
      jclamp(e->r->seq), "as_of", iso, "units", (json_int_t)e->r->n_units, "expected",
      jclamp(f.units_expected), "reported", jclamp(f.units_reported), "problems", "total",
      jclamp(f.problems), "identified", jclamp(f.identified), "rectifying", jclamp(f.rectifying),
      "resolved", jclamp(f.resolved), "overdue", jclamp(f.overdue), "measures", jclamp(f.measures),
      "resolution_rate", rate, "activities", "records", jclamp(f.activities), "sessions",
      jclamp(f.sessions), "participants", jclamp(f.participants), "outputs", jclamp(f.outputs));
  /* issue 14: the county's review (hb_rollup_review.h: 0 and claimed =
   * resolved for a county of the previous version) */
  hb_rollup_review v;
  hb_rollup_review_of_pc(e->r->problems, &v);
  json_t *p = json_object_get(o, "problems");
  if (p) {
    json_object_set_new(p, "confirmed", json_integer(jclamp(v.confirmed)));
    json_object_set_new(p, "claimed", json_integer(jclamp(v.claimed)));
    json_object_set_new(p, "returned", json_integer(jclamp(v.returned)));
    json_object_set_new(p, "deletion_pending", json_integer(jclamp(v.deletion_pending)));
    json_object_set_new(p, "reopened", json_integer(jclamp(v.reopened)));
  }
  json_t *a = json_object_get(o, "activities");
  if (a)
    json_object_set_new(a, "returned", json_integer(jclamp(e->r->activities_returned)));
  return o;
}

static json_t *campaign_counties(const sub_collect *c, const char *campaign)
{
  const sub_entry **es = calloc(c->count ? c->count : 1, sizeof *es);
  json_t *arr = json_array();
  if (!es || !arr)
    goto fail;
  size_t n = 0;
  const char *name = NULL;
  for (size_t i = 0; i < c->count; i++) {
    if (strcmp(c->items[i].campaign, campaign) != 0)
      continue;
    es[n++] = &c->items[i];
    if (!name && c->items[i].r->campaign_name && c->items[i].r->campaign_name[0])
      name = c->items[i].r->campaign_name;
  }
  if (n > 1) /* qsort's array may be NULL when empty */
    qsort(es, n, sizeof *es, entry_by_code);
  for (size_t i = 0; i < n; i++) {
    json_t *o = county_json(es[i]);
    if (!o || json_array_append_new(arr, o) != 0)
      goto fail;
  }
  free(es);
  return json_pack("{s:s, s:s?, s:o}", "campaign", campaign, "campaign_name", name, "counties",
                   arr);
fail:
  free(es);
  json_decref(arr);
  return NULL;
}

json_t *sub_dash_counties_json(const sub_collect *c, const char *campaign)
{
  const char **ids = NULL;
  size_t n = 0;
  if (sub_collect_campaigns(c, &ids, &n) != 0)
    return NULL;
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < n; i++) {
    if (campaign && strcmp(campaign, ids[i]) != 0)
      continue;
    json_t *o = campaign_counties(c, ids[i]);
    if (!o || json_array_append_new(arr, o) != 0) {
      json_decref(arr);
      arr = NULL;
    }
  }
  free(ids);
  return arr ? json_pack("{s:o}", "campaigns", arr) : NULL;
}

static json_t *vocab_map(int max, const char *(*code)(int), const char *(*zh)(int))
{
  json_t *o = json_object();
  for (int v = 1; o && v <= max; v++)
    if (json_object_set_new(o, code(v), json_string(zh(v))) != 0) {
      json_decref(o);
      return NULL;
    }
  return o;
}

json_t *sub_dash_vocab_json(void)
{
  return json_pack("{s:o, s:o, s:o, s:o, s:o}", "kind",
                   vocab_map(HB_KIND_MAX, hb_vocab_kind_code, hb_vocab_kind_zh), "level",
                   vocab_map(HB_LEVEL_MAX, hb_vocab_level_code, hb_vocab_level_zh), "unit_type",
                   vocab_map(HB_UNIT_TYPE_MAX, hb_vocab_unit_type_code, hb_vocab_unit_type_zh),
                   "scope", vocab_map(HB_SCOPE_MAX, hb_vocab_scope_code, hb_vocab_scope_zh),
                   "status", vocab_map(HB_STATUS_MAX, hb_vocab_status_code, hb_vocab_status_zh));
}

/* Records the merged figures of every campaign shown. Returns 0 or the
 * first error of sub_history_record / the merge. */
static int record_history(const sub_collect *c, const sub_view_opts *o, sub_history *h,
                          int32_t today, int64_t now_ms)
{
  const char **ids = NULL;
  size_t n = 0;
  int rc = sub_collect_campaigns(c, &ids, &n);
  if (rc)
    return rc;
  for (size_t i = 0; i < n && rc >= 0; i++) {
    if (o->campaign && strcmp(o->campaign, ids[i]) != 0)
      continue;
    Huibao__V1__Rollup *m = NULL;
    if ((rc = sub_view_merge(c, ids[i], o, &m)) != 0 || !m)
      continue;
    sub_week_figures f;
    sub_history_figures(m, &f);
    protobuf_c_message_free_unpacked(&m->base, NULL);
    rc = sub_history_record(h, ids[i], today, now_ms, &f);
  }
  free(ids);
  return rc < 0 ? rc : 0;
}

static char *dump(json_t *j)
{
  return j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
}

static int origin_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct origins of c, sorted: the merge order when the caller gave
 * none, so that the merged units do not depend on which county spoke first
 * (snapshot merges in --connect order; list the counties in code order there
 * and both agree). *out is malloc'd, pointing into c. */
static int sorted_origins(const sub_collect *c, char ***out, size_t *n)
{
  char **v = malloc((c->count ? c->count : 1) * sizeof *v);
  if (!v)
    return HB_ENOMEM;
  size_t k = 0;
  for (size_t i = 0; i < c->count; i++) {
    size_t j = 0;
    while (j < k && strcmp(v[j], c->items[i].origin) != 0)
      j++;
    if (j == k)
      v[k++] = c->items[i].origin;
  }
  qsort(v, k, sizeof *v, origin_cmp);
  *out = v;
  *n = k;
  return 0;
}

int sub_dash_build(const sub_collect *c, const sub_view_opts *opts, sub_history *h, int32_t today,
                   int64_t now_ms, uint64_t version, sub_dash_docs *out)
{
  memset(out, 0, sizeof *out);
  sub_view_opts ov = *opts, *o = &ov;
  char **origins = NULL;
  if (!o->origins) {
    if (sorted_origins(c, &origins, &o->norigins) != 0)
      return HB_ENOMEM;
    o->origins = origins;
    o->mark_missing = false;
  }
  int hrc = record_history(c, o, h, today, now_ms);
  if (hrc == HB_ENOMEM) {
    free(origins);
    return hrc;
  }
  json_t *view = sub_view_json(c, o);
  json_t *counties = sub_dash_counties_json(c, o->campaign);
  json_t *history = sub_history_json(h, o->campaign);
  json_t *vocab = sub_dash_vocab_json();
  char iso[40];
  hb_time_format_iso(now_ms, iso, sizeof iso);
  int rc = HB_ENOMEM;
  if (!view || !counties || !history || !vocab)
    goto out;
  out->view = dump(view);
  out->counties = dump(counties);
  out->history = dump(history);
  json_t *ev =
      json_pack("{s:I, s:s, s:O, s:O, s:O, s:O}", "version", (json_int_t)version, "generated_at",
                iso, "vocab", vocab, "view", view, "counties", counties, "history", history);
  out->event = dump(ev);
  json_decref(ev);
  if (out->view && out->counties && out->history && out->event)
    rc = hrc;
out:
  json_decref(view);
  json_decref(counties);
  json_decref(history);
  json_decref(vocab);
  free(origins);
  if (rc == HB_ENOMEM)
    sub_dash_docs_free(out);
  return rc;
}

void sub_dash_docs_free(sub_dash_docs *d)
{
  free(d->view);
  free(d->counties);
  free(d->history);
  free(d->event);
  memset(d, 0, sizeof *d);
}
