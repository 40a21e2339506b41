/* hb_http_list.c: a list over HTTP (hb_http_list.h). */
#include "hb_http_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_date.h"
#include "hb_err.h"

static const char *arg(struct MHD_Connection *conn, const char *name)
{
  const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
  return v && v[0] ? v : NULL;
}

int hb_http_list_query(struct MHD_Connection *conn, int32_t today, hb_http_list_q *out, char *why,
                       size_t whylen)
{
  memset(out, 0, sizeof *out);
  const char *what = arg(conn, "what");
  if (what && strcmp(what, "problems") == 0)
    out->what = HB_LIST_PROBLEMS;
  else if (what && strcmp(what, "cases") == 0)
    out->what = HB_LIST_CASES;
  else if (what && strcmp(what, "activities") == 0)
    out->what = HB_LIST_ACTIVITIES;
  else {
    snprintf(why, whylen,
             "what 只能是 problems、cases 或 activities (what: problems, cases or activities)");
    return HB_EINVAL;
  }
  out->what_name = what;
  out->f.campaign = arg(conn, "campaign");
  out->f.unit = arg(conn, "unit");
  out->f.category = arg(conn, "category");
  out->f.status = arg(conn, "status");
  out->f.period = arg(conn, "period");
  out->f.today = today;
  const char *od = arg(conn, "overdue");
  if (od && strcmp(od, "1") != 0 && strcmp(od, "true") != 0 && strcmp(od, "yes") != 0 &&
      strcmp(od, "0") != 0 && strcmp(od, "false") != 0 && strcmp(od, "no") != 0) {
    snprintf(why, whylen, "overdue 只能是 1 或 0 (overdue: 1 or 0)");
    return HB_EINVAL;
  }
  out->f.overdue = od && (od[0] == '1' || od[0] == 't' || od[0] == 'y');
  out->q = arg(conn, "q");
  return 0;
}

bool hb_http_list_match(const json_t *row, const char *q)
{
  static const char *const keys[] = {"description", "owner", "measures_text", "title", "summary"};
  if (!q || !q[0])
    return true;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    const char *s = json_string_value(json_object_get(row, keys[i]));
    if (s && strstr(s, q))
      return true;
  }
  return false;
}

json_t *hb_http_list_doc(hb_list *l, const hb_http_list_q *q)
{
  json_t *all = hb_list_rows(l), *rows = json_array();
  size_t i;
  json_t *row;
  json_array_foreach(all, i, row)
  {
    if (rows && hb_http_list_match(row, q->q) && json_array_append(rows, row) != 0) {
      json_decref(rows);
      rows = NULL;
    }
  }
  char today[16] = "";
  hb_date_format(q->f.today, today, sizeof today);
  json_t *doc = rows ? json_pack("{s:s, s:s, s:I, s:I, s:o}", "what", q->what_name, "today", today,
                                 "count", (json_int_t)json_array_size(rows), "total",
                                 (json_int_t)json_array_size(all), "rows", rows)
                     : NULL;
  return doc;
}

/* ------------------------------------------------------------ names */

struct hb_http_list_names {
  int refs;
  size_t n, cap;
  char **county;
  Huibao__V1__Rollup **r;
};

int hb_http_list_names_new(hb_http_list_names **out)
{
  *out = calloc(1, sizeof **out);
  if (!*out)
    return HB_ENOMEM;
  (*out)->refs = 1;
  return 0;
}

int hb_http_list_names_add(hb_http_list_names *nm, const char *county, const Huibao__V1__Rollup *r)
{
  if (nm->n == nm->cap) {
    size_t cap = nm->cap ? nm->cap * 2 : 8;
    char **c = realloc(nm->county, cap * sizeof *c);
    if (c)
      nm->county = c;
    Huibao__V1__Rollup **v = c ? realloc(nm->r, cap * sizeof *v) : NULL;
    if (!v)
      return HB_ENOMEM;
    nm->r = v;
    nm->cap = cap;
  }
  size_t len = huibao__v1__rollup__get_packed_size(r);
  uint8_t *buf = malloc(len ? len : 1);
  if (!buf)
    return HB_ENOMEM;
  huibao__v1__rollup__pack(r, buf);
  Huibao__V1__Rollup *copy = huibao__v1__rollup__unpack(NULL, len, buf);
  free(buf);
  char *c = strdup(county);
  if (!copy || !c) {
    if (copy)
      huibao__v1__rollup__free_unpacked(copy, NULL);
    free(c);
    return HB_ENOMEM;
  }
  nm->county[nm->n] = c;
  nm->r[nm->n++] = copy;
  return 0;
}

int hb_http_list_names_apply(const hb_http_list_names *nm, hb_list *l, const char *campaign)
{
  int rc = 0;
  for (size_t i = 0; nm && i < nm->n && rc == 0; i++)
    if (!campaign || (nm->r[i]->campaign && strcmp(nm->r[i]->campaign, campaign) == 0))
      rc = hb_list_names_from_rollup(l, nm->county[i], nm->r[i]);
  return rc;
}

void hb_http_list_names_release(hb_http_list_names *nm)
{
  if (!nm || __atomic_sub_fetch(&nm->refs, 1, __ATOMIC_ACQ_REL) != 0)
    return;
  for (size_t i = 0; i < nm->n; i++) {
    free(nm->county[i]);
    huibao__v1__rollup__free_unpacked(nm->r[i], NULL);
  }
  free(nm->county);
  free(nm->r);
  free(nm);
}

void hb_http_list_slot_init(hb_http_list_slot *s)
{
  pthread_mutex_init(&s->mu, NULL);
  s->cur = NULL;
}

void hb_http_list_slot_destroy(hb_http_list_slot *s)
{
  hb_http_list_names_release(s->cur);
  s->cur = NULL;
  pthread_mutex_destroy(&s->mu);
}

void hb_http_list_slot_set(hb_http_list_slot *s, hb_http_list_names *nm)
{
  pthread_mutex_lock(&s->mu);
  hb_http_list_names *old = s->cur;
  s->cur = nm;
  pthread_mutex_unlock(&s->mu);
  hb_http_list_names_release(old);
}

hb_http_list_names *hb_http_list_slot_get(hb_http_list_slot *s)
{
  pthread_mutex_lock(&s->mu);
  hb_http_list_names *nm = s->cur;
  if (nm)
    __atomic_add_fetch(&nm->refs, 1, __ATOMIC_ACQ_REL);
  pthread_mutex_unlock(&s->mu);
  return nm;
}
