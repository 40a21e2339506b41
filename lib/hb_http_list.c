/* hb_http_list.c: a list over HTTP (hb_http_list.h). */
#include "hb_http_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
  const char *what = arg(conn, "what"), *od = arg(conn, "overdue");
  out->f.campaign = arg(conn, "campaign");
  out->f.unit = arg(conn, "unit");
  out->f.category = arg(conn, "category");
  out->f.status = arg(conn, "status");
  out->f.period = arg(conn, "period");
  out->f.today = today;
  out->county = arg(conn, "county");
  out->q = arg(conn, "q");
  out->format = arg(conn, "format") ? arg(conn, "format") : "json";
  const char *bad = NULL;
  if (!what || hb_list_what_parse(what, &out->what) != 0)
    bad = "what 只能是 problems、cases 或 activities (what: problems, cases or activities)";
  else if (out->f.status && !hb_list_status_known(out->f.status))
    bad = "未知的状态 (status: identified, rectifying, resolved, claimed, confirmed, returned, "
          "reopened, deletion, ... or their Chinese)";
  else if (od && strcmp(od, "1") != 0 && strcmp(od, "true") != 0 && strcmp(od, "yes") != 0 &&
           strcmp(od, "0") != 0 && strcmp(od, "false") != 0 && strcmp(od, "no") != 0)
    bad = "overdue 只能是 1 或 0 (overdue: 1 or 0)";
  else if (strcmp(out->format, "json") != 0 && strcmp(out->format, "csv") != 0 &&
           strcmp(out->format, "xlsx") != 0)
    bad = "format 只能是 json、csv 或 xlsx (format: json, csv or xlsx)";
  if (bad) {
    snprintf(why, whylen, "%s", bad);
    return HB_EINVAL;
  }
  out->f.overdue = od && (od[0] == '1' || od[0] == 't' || od[0] == 'y');
  return 0;
}

static bool has(const char *s, const char *q)
{
  return s && strstr(s, q);
}

int hb_http_list_add(void *ctx, const hb_list_rec *r)
{
  const hb_http_list_q *q = ctx;
  const Huibao__V1__Record *rec = r->rec;
  if (q->q && q->q[0]) {
    bool hit = false;
    if (rec->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM && rec->problem)
      hit = has(rec->problem->description, q->q) || has(rec->problem->owner, q->q) ||
            has(rec->problem->measures_text, q->q);
    else if (rec->body_case == HUIBAO__V1__RECORD__BODY_CASE_ROW && rec->case_row)
      hit = has(rec->case_row->title, q->q) || has(rec->case_row->summary, q->q);
    else if (rec->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY && rec->activity)
      hit = has(rec->activity->title, q->q);
    if (!hit)
      return 0;
  }
  return hb_list_add(q->l, r);
}

/* The rows of l in fmt (CSV or JSON) into out->body. */
static int reply_text(hb_list *l, hb_list_format fmt, hb_http_list_reply *out)
{
  FILE *f = open_memstream(&out->body, &out->len);
  if (!f)
    return HB_ENOMEM;
  int rc = hb_list_write(l, fmt, f);
  if (fclose(f) != 0 && rc == 0)
    rc = HB_ENOMEM;
  return rc == HB_EIO ? HB_ENOMEM : rc; /* a memory stream fails only for memory */
}

/* The 整改台账 .xlsx of l into out->body (libxlsxwriter writes a file: a
 * temporary one, removed at once). */
static int reply_xlsx(hb_list *l, const char *place, hb_http_list_reply *out, char *err,
                      size_t errlen)
{
  const char *dir = getenv("TMPDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/huibao-list-XXXXXX", dir && dir[0] ? dir : "/tmp");
  int fd = mkstemp(path);
  if (fd < 0) {
    snprintf(err, errlen, "%.200s: cannot create a temporary file", path);
    return HB_EIO;
  }
  close(fd);
  int rc = hb_list_xlsx_write(l, path, place, err, errlen);
  FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
  if (rc == 0 && !f)
    rc = HB_EIO;
  long n = f && fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (rc == 0 && (n < 0 || fseek(f, 0, SEEK_SET) != 0))
    rc = HB_EIO;
  if (rc == 0 && !(out->body = malloc(n ? (size_t)n : 1)))
    rc = HB_ENOMEM;
  if (rc == 0 && fread(out->body, 1, (size_t)n, f) != (size_t)n)
    rc = HB_EIO;
  if (rc == 0)
    out->len = (size_t)n;
  if (f)
    fclose(f);
  unlink(path);
  if (rc == HB_EIO && !err[0])
    snprintf(err, errlen, "%.200s: cannot read the workbook back", path);
  return rc;
}

static const char *what_name(hb_list_what w)
{
  return w == HB_LIST_CASES ? "cases" : w == HB_LIST_ACTIVITIES ? "activities" : "problems";
}

static int reply_error(hb_http_list_reply *out, unsigned status, const char *why)
{
  json_t *doc = json_pack("{s:s}", "error", why);
  out->body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  json_decref(doc);
  out->len = out->body ? strlen(out->body) : 0;
  out->status = status;
  out->type = "application/json; charset=utf-8";
  return out->body ? 0 : HB_ENOMEM;
}

int hb_http_list_answer(struct MHD_Connection *conn, struct hb_http_list_names *nm,
                        hb_http_list_walk_fn walk, void *wctx, const char *place,
                        hb_http_list_reply *out)
{
  memset(out, 0, sizeof *out);
  char why[512] = "";
  hb_http_list_q q;
  if (hb_http_list_query(conn, hb_date_today(), &q, why, sizeof why) != 0)
    return reply_error(out, MHD_HTTP_BAD_REQUEST, why);
  int rc = hb_list_new(&q.l, q.what, &q.f);
  if (rc == 0)
    rc = hb_http_list_names_apply(nm, q.l, q.f.campaign);
  if (rc == 0)
    rc = walk(wctx, &q, hb_http_list_add, &q, why, sizeof why);
  bool csv = strcmp(q.format, "csv") == 0, xlsx = strcmp(q.format, "xlsx") == 0;
  if (rc == 0 && xlsx)
    rc = reply_xlsx(q.l, place, out, why, sizeof why);
  else if (rc == 0)
    rc = reply_text(q.l, csv ? HB_LIST_CSV : HB_LIST_JSON, out);
  if (rc == 0) {
    char day[16] = "";
    hb_date_format(q.f.today, day, sizeof day);
    out->status = MHD_HTTP_OK;
    out->type = xlsx  ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                : csv ? "text/csv; charset=utf-8"
                      : "application/json; charset=utf-8";
    if (csv || xlsx) /* ASCII: every browser takes it */
      snprintf(out->disposition, sizeof out->disposition,
               "attachment; filename=\"huibao-%s-%s.%s\"", what_name(q.what), day, q.format);
  }
  hb_list_free(q.l);
  if (rc != 0 && rc != HB_ENOMEM) {
    free(out->body);
    out->body = NULL;
    return reply_error(out, MHD_HTTP_INTERNAL_SERVER_ERROR, why[0] ? why : hb_strerror(rc));
  }
  return rc;
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
