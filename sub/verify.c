/* verify.c: the check of each county (verify.h, docs/verify.md): the
 * replica's findings, the signatures, the recount against the county's
 * Rollups at the replica's log head, and what run/serve remember of it
 * between passes. The command itself is in verify_cmd.c. */
#include "verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_log.h"
#include "metrics.h"
#include "recount.h"
#include "verify_internal.h"

/* ---------------------------------------------------------------- a county */

static int list_push(char ***v, size_t *n, size_t *cap, const char *s)
{
  if (*n == *cap) {
    size_t c = *cap ? *cap * 2 : 8;
    char **nv = realloc(*v, c * sizeof *nv);
    if (!nv)
      return HB_ENOMEM;
    *v = nv;
    *cap = c;
  }
  if (!((*v)[*n] = strdup(s)))
    return HB_ENOMEM;
  (*n)++;
  return 0;
}

void sub_vcounty_clear(sub_vcounty *k)
{
  for (size_t i = 0; i < k->nf; i++) {
    sub_vfind *f = &k->f[i];
    free(f->campaign), free(f->unit), free(f->record), free(f->figure), free(f->text);
  }
  free(k->f);
  for (size_t i = 0; i < k->nnotes; i++)
    free(k->notes[i]);
  free(k->notes);
  k->f = NULL;
  k->nf = k->capf = 0;
  k->notes = NULL;
  k->nnotes = k->capnotes = 0;
  k->failed = false;
}

static int vfind_add(sub_vcounty *k, const sub_finding *f)
{
  if (k->nf == k->capf) {
    size_t c = k->capf ? k->capf * 2 : 8;
    sub_vfind *v = realloc(k->f, c * sizeof *v);
    if (!v)
      return HB_ENOMEM;
    k->f = v;
    k->capf = c;
  }
  sub_vfind *e = &k->f[k->nf];
  e->campaign = strdup(f->campaign);
  e->unit = strdup(f->unit);
  e->record = strdup(f->record);
  e->figure = strdup(f->figure);
  e->text = strdup(f->text);
  if (!e->campaign || !e->unit || !e->record || !e->figure || !e->text) {
    free(e->campaign), free(e->unit), free(e->record), free(e->figure), free(e->text);
    return HB_ENOMEM;
  }
  k->nf++;
  k->failed = true;
  return 0;
}

/* The recount's findings go to the county; the first failure to copy one
 * is kept for the caller. */
typedef struct collect_ctx {
  sub_vcounty *k;
  int err;
} collect_ctx;

static void on_finding(void *ctx, const sub_finding *f)
{
  collect_ctx *cc = ctx;
  int rc = vfind_add(cc->k, f);
  if (rc && !cc->err)
    cc->err = rc;
}

static int finding_of(sub_vcounty *k, const char *campaign, const char *unit, const char *record,
                      const char *figure, const char *text)
{
  sub_finding f = {k->code, campaign, unit, record, figure, text};
  return vfind_add(k, &f);
}

/* The unit and id of a record's body ("" when it has none). */
static void rec_ids(const Huibao__V1__Record *rec, const char **unit, const char **id)
{
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY:
    *unit = rec->activity->unit, *id = rec->activity->id;
    break;
  case HUIBAO__V1__RECORD__BODY_PROBLEM: *unit = rec->problem->unit, *id = rec->problem->id; break;
  case HUIBAO__V1__RECORD__BODY_INDICATOR:
    *unit = rec->indicator->unit, *id = rec->indicator->id;
    break;
  case HUIBAO__V1__RECORD__BODY_CASE_ROW:
    *unit = rec->case_row->unit, *id = rec->case_row->id;
    break;
  case HUIBAO__V1__RECORD__BODY_REPORT: *unit = rec->report->unit, *id = rec->report->id; break;
  default: break;
  }
  if (!*unit)
    *unit = "";
  if (!*id)
    *id = "";
}

/* The walk over the county's records: counts each one and flags those
 * whose signature does not verify (naming them). */
typedef struct walk_ctx {
  sub_recount *rc;
  sub_vcounty *k;
} walk_ctx;

static int walk_one(void *ctx, const hb_list_rec *r)
{
  walk_ctx *w = ctx;
  if (r->sig == HB_LIST_SIG_BAD && r->rec) {
    const char *unit = "", *id = "";
    rec_ids(r->rec, &unit, &id);
    char rec[300], text[1200];
    snprintf(rec, sizeof rec, "%c%s", r->kind, id ? id : "");
    snprintf(text, sizeof text,
             "县 %s 单位 %s 记录 %s：签名验证失败 (county %s unit %s record %s: its signature does "
             "not verify against the city's registry)",
             w->k->code, unit, rec, w->k->code, unit, rec);
    int e = finding_of(w->k, "", unit ? unit : "", rec, "signature", text);
    if (e)
      return e;
  }
  return sub_recount_add(w->rc, r);
}

static int note_add(sub_vcounty *k, const char *text)
{
  return list_push(&k->notes, &k->nnotes, &k->capnotes, text);
}

/* Whether rollup r can be compared with a replica holding head h; when not,
 * a note says why. */
static int comparable(sub_vcounty *k, const sub_replica_county *h, const Huibao__V1__Rollup *r,
                      bool *ok)
{
  char text[1024];
  *ok = false;
  if (!r->log) {
    snprintf(text, sizeof text,
             "专项 %s：上报无历史记录头，无法核验 (campaign %s: the rollup has no log head, from a "
             "county of an earlier version: not comparable)",
             r->campaign, r->campaign);
    return note_add(k, text);
  }
  if (h->epoch && r->has_epoch && h->epoch != r->epoch) {
    snprintf(text, sizeof text,
             "专项 %s：县库已更换，副本尚未跟上 (campaign %s: the county's store changed (epoch); "
             "not comparable yet)",
             r->campaign, r->campaign);
    return note_add(k, text);
  }
  if (r->log->n != h->n) {
    snprintf(text, sizeof text,
             "专项 %s：上报于第 %" PRIu64 " 条，副本有 %" PRIu64
             " 条，暂不可比 (campaign %s: published at log head %" PRIu64 ", replica holds %" PRIu64
             ": not comparable yet)",
             r->campaign, r->log->n, h->n, r->campaign, r->log->n, h->n);
    return note_add(k, text);
  }
  *ok = true;
  return 0;
}

/* The record of a broken county whose held version is history entry
 * n_bad (the entry the replica's `why` names): the finding names its unit
 * and record. */
typedef struct entry_ctx {
  sub_vcounty *k;
  uint64_t n_bad;
  bool named; /* a record whose current version is that entry was found */
} entry_ctx;

static int entry_one(void *ctx, const hb_list_rec *r)
{
  entry_ctx *e = ctx;
  if (r->n != e->n_bad || !r->rec)
    return 0;
  e->named = true;
  const char *unit = "", *id = "";
  rec_ids(r->rec, &unit, &id);
  char rec[300], text[1200];
  snprintf(rec, sizeof rec, "%c%s", r->kind, id);
  snprintf(text, sizeof text,
           "县 %s 单位 %s 记录 %s：其版本（历史第 %" PRIu64
           " 条）校验失败 (county %s unit %s record %s: its version, history entry %" PRIu64
           ", does not check)",
           e->k->code, unit, rec, e->n_bad, e->k->code, unit, rec, e->n_bad);
  return finding_of(e->k, "", unit, rec, "history", text);
}

/* An entry changed or removed at the county that is not the current
 * version of a record (an older version, a decision, a removal): the
 * finding names the unit and record from the city's own copy of it. */
static int entry_about(sub_replica *rep, sub_vcounty *k, uint64_t n)
{
  char unit[256], rec[300], text[2048];
  if (sub_replica_entry_about(rep, k->code, n, unit, sizeof unit, rec, sizeof rec) != 0 || !unit[0])
    return 0;
  snprintf(text, sizeof text,
           "县 %s 单位 %s 记录 %s：历史第 %" PRIu64
           " 条与本级所存不符或已被删除 (county %s unit %s record %s: history entry %" PRIu64
           " differs from the city's copy or was removed)",
           k->code, unit, rec, n, k->code, unit, rec, n);
  return finding_of(k, "", unit, rec, "history", text);
}

/* The replica's own findings of the county: its chain and history. */
static int replica_findings(sub_replica *rep, sub_vcounty *k, const sub_replica_county *h)
{
  char text[2048];
  if (h->broken) {
    snprintf(text, sizeof text,
             "县 %s：历史记录校验失败：%s (county %s: its history does not check: %s)", k->code,
             h->why ? h->why : "", k->code, h->why ? h->why : "");
    int e = finding_of(k, "", "", "", "history", text);
    if (e)
      return e;
    const char *at = h->why ? strstr(h->why, "history entry ") : NULL;
    entry_ctx ec = {k, at ? strtoull(at + strlen("history entry "), NULL, 10) : 0, false};
    char err[256];
    if (ec.n_bad > 0 && rep)
      e = sub_replica_foreach(rep, k->code, entry_one, &ec, err, sizeof err);
    if (e == 0 && ec.n_bad > 0 && rep && !ec.named)
      e = entry_about(rep, k, ec.n_bad);
    return e;
  }
  return 0;
}

int sub_verify_county(sub_replica *rep, const sub_replica_county *h, const sub_collect *c,
                      sub_vcounty *k)
{
  sub_vcounty_clear(k);
  k->held_n = h->n;
  int e = replica_findings(rep, k, h);
  size_t ncmp = 0;
  for (size_t i = 0; i < c->count && e == 0; i++) {
    const sub_entry *en = &c->items[i];
    if (strcmp(en->origin, k->code) != 0)
      continue;
    bool ok;
    e = comparable(k, h, en->r, &ok);
    ncmp += ok;
  }
  if (e != 0 || (ncmp == 0 && h->bad_signatures == 0))
    return e;
  sub_recount *rc;
  if ((e = sub_recount_new(&rc, k->code)) != 0)
    return e;
  walk_ctx w = {rc, k};
  char err[512] = "";
  e = sub_replica_foreach(rep, k->code, walk_one, &w, err, sizeof err);
  collect_ctx cc = {k, 0};
  for (size_t i = 0; i < c->count && e == 0 && ncmp; i++) {
    const sub_entry *en = &c->items[i];
    bool ok;
    if (strcmp(en->origin, k->code) != 0)
      continue;
    /* the same test as above, without a second note */
    ok = en->r->log && en->r->log->n == h->n &&
         !(h->epoch && en->r->has_epoch && h->epoch != en->r->epoch);
    if (ok && sub_recount_compare(rc, en->r, on_finding, &cc) < 0)
      e = HB_ENOMEM;
  }
  sub_recount_free(rc);
  return e ? e : cc.err;
}

/* ---------------------------------------------------------------- the loop */

struct sub_verify {
  sub_replica *rep;
  sub_vcounty *k; /* sorted by code */
  size_t n, cap;
  uint64_t version;
};

int sub_verify_new(sub_verify **out, sub_replica *replica)
{
  *out = calloc(1, sizeof **out);
  if (!*out)
    return HB_ENOMEM;
  (*out)->rep = replica;
  return 0;
}

void sub_verify_free(sub_verify *v)
{
  if (!v)
    return;
  for (size_t i = 0; i < v->n; i++) {
    sub_vcounty_clear(&v->k[i]);
    free(v->k[i].code);
  }
  free(v->k);
  free(v);
}

uint64_t sub_verify_version(const sub_verify *v)
{
  return v->version;
}

static sub_vcounty *county_get(sub_verify *v, const char *code)
{
  size_t at = 0;
  while (at < v->n && strcmp(v->k[at].code, code) < 0)
    at++;
  if (at < v->n && strcmp(v->k[at].code, code) == 0)
    return &v->k[at];
  if (v->n == v->cap) {
    size_t c = v->cap ? v->cap * 2 : 8;
    sub_vcounty *nk = realloc(v->k, c * sizeof *nk);
    if (!nk)
      return NULL;
    v->k = nk;
    v->cap = c;
  }
  char *dup = strdup(code);
  if (!dup)
    return NULL;
  memmove(&v->k[at + 1], &v->k[at], (v->n - at) * sizeof *v->k);
  memset(&v->k[at], 0, sizeof *v->k);
  v->k[at].code = dup;
  v->n++;
  return &v->k[at];
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 1099511628211ULL;
  return h;
}

/* What the county's check depends on: its replica head and its rollups'
 * campaigns, seqs, epochs and log heads. */
static uint64_t county_sig(const sub_replica_county *h, const sub_collect *c)
{
  uint64_t s = 14695981039346656037ULL;
  s = fnv(s, &h->n, sizeof h->n);
  s = fnv(s, h->hash, sizeof h->hash);
  s = fnv(s, &h->epoch, sizeof h->epoch);
  s = fnv(s, &h->broken, sizeof h->broken);
  s = fnv(s, &h->bad_signatures, sizeof h->bad_signatures);
  for (size_t i = 0; i < c->count; i++) {
    const sub_entry *e = &c->items[i];
    if (strcmp(e->origin, h->county) != 0)
      continue;
    uint64_t ln = e->r->log ? e->r->log->n : 0;
    s = fnv(s, e->campaign, strlen(e->campaign) + 1);
    s = fnv(s, &e->r->seq, sizeof e->r->seq);
    s = fnv(s, &e->r->epoch, sizeof e->r->epoch);
    s = fnv(s, &ln, sizeof ln);
  }
  return s;
}

/* Logs the findings of k not in old, and a county that passes again;
 * sets the metric. */
static void log_changes(const sub_vcounty *k, const sub_vcounty *old)
{
  for (size_t i = 0; i < k->nf; i++) {
    bool seen = false;
    for (size_t j = 0; j < old->nf && !seen; j++)
      seen = strcmp(old->f[j].text, k->f[i].text) == 0;
    if (!seen)
      hb_log_warn("数据核验未通过 (verify failed): %s", k->f[i].text);
  }
  if (old->failed && !k->failed)
    hb_log_notice("县 %s 数据核验通过 (county %s passes verification again)", k->code, k->code);
  sub_metrics_verify(k->code, k->failed);
}

/* True if the findings or notes of k and old differ (in order). */
static bool texts_differ(const sub_vcounty *k, const sub_vcounty *old)
{
  if (k->failed != old->failed || k->nf != old->nf || k->nnotes != old->nnotes)
    return true;
  for (size_t i = 0; i < k->nf; i++)
    if (strcmp(old->f[i].text, k->f[i].text) != 0)
      return true;
  for (size_t i = 0; i < k->nnotes; i++)
    if (strcmp(old->notes[i], k->notes[i]) != 0)
      return true;
  return false;
}

/* The counties the replica holds, copied (sub_replica_counties lends them
 * for the call only; the walk of records needs its own transaction). */
typedef struct heads {
  sub_replica_county *v;
  size_t n, cap;
} heads;

static int heads_add(void *ctx, const sub_replica_county *c)
{
  heads *hs = ctx;
  if (hs->n == hs->cap) {
    size_t cap = hs->cap ? hs->cap * 2 : 8;
    sub_replica_county *v = realloc(hs->v, cap * sizeof *v);
    if (!v)
      return HB_ENOMEM;
    hs->v = v;
    hs->cap = cap;
  }
  sub_replica_county *e = &hs->v[hs->n];
  *e = *c;
  e->county = strdup(c->county ? c->county : "");
  e->why = strdup(c->why ? c->why : "");
  if (!e->county || !e->why) {
    free((char *)e->county), free((char *)e->why);
    return HB_ENOMEM;
  }
  hs->n++;
  return 0;
}

void sub_verify_heads_free(sub_replica_county *v, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free((char *)v[i].county);
    free((char *)v[i].why);
  }
  free(v);
}

int sub_verify_heads(sub_replica *rep, sub_replica_county **out, size_t *n, char *err,
                     size_t errlen)
{
  heads hs = {NULL, 0, 0};
  int rc = rep ? sub_replica_counties(rep, heads_add, &hs, err, errlen) : 0;
  if (rc != 0) {
    sub_verify_heads_free(hs.v, hs.n);
    return rc;
  }
  *out = hs.v;
  *n = hs.n;
  return 0;
}

/* Checks one county again (h: its replica head). The county keeps what
 * its last complete check found when this one fails. */
static int step_county(sub_verify *v, const sub_replica_county *h, const sub_collect *c,
                       int64_t now_ms)
{
  sub_vcounty *k = county_get(v, h->county);
  if (!k)
    return HB_ENOMEM;
  uint64_t sig = county_sig(h, c);
  if (k->checked && (sig == k->sig || now_ms - k->checked_ms < SUB_VERIFY_MIN_MS))
    return 0;
  sub_vcounty next;
  memset(&next, 0, sizeof next);
  next.code = k->code;
  int rc = sub_verify_county(v->rep, h, c, &next);
  if (rc != 0) {
    sub_vcounty_clear(&next);
    return rc;
  }
  log_changes(&next, k);
  if (texts_differ(&next, k))
    v->version++;
  sub_vcounty_clear(k);
  next.sig = sig;
  next.checked = true;
  next.checked_ms = now_ms;
  *k = next;
  return 0;
}

int sub_verify_step(sub_verify *v, const sub_collect *c, int64_t now_ms)
{
  if (!v->rep)
    return 0;
  sub_replica_county *hs;
  size_t n;
  char err[512] = "";
  int rc = sub_verify_heads(v->rep, &hs, &n, err, sizeof err);
  if (rc != 0)
    return rc;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = step_county(v, &hs[i], c, now_ms);
  sub_verify_heads_free(hs, n);
  return rc;
}

/* ---------------------------------------------------------------- JSON */

json_t *sub_vcounty_json(const sub_vcounty *k)
{
  json_t *f = json_array(), *notes = json_array();
  json_t *o = json_pack("{s:s, s:b, s:I, s:o, s:o}", "code", k->code, "failed", k->failed, "held_n",
                        (json_int_t)k->held_n, "findings", f, "notes", notes);
  if (!o)
    return NULL;
  for (size_t i = 0; i < k->nf; i++) {
    const sub_vfind *e = &k->f[i];
    if (json_array_append_new(f, json_pack("{s:s, s:s, s:s, s:s, s:s}", "campaign", e->campaign,
                                           "unit", e->unit, "record", e->record, "figure",
                                           e->figure, "text", e->text)) != 0) {
      json_decref(o);
      return NULL;
    }
  }
  for (size_t i = 0; i < k->nnotes; i++)
    if (json_array_append_new(notes, json_string(k->notes[i])) != 0) {
      json_decref(o);
      return NULL;
    }
  return o;
}

json_t *sub_verify_json(const sub_verify *v)
{
  json_t *arr = json_array();
  json_int_t failed = 0;
  for (size_t i = 0; arr && i < v->n; i++) {
    failed += v->k[i].failed;
    if (json_array_append_new(arr, sub_vcounty_json(&v->k[i])) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr ? json_pack("{s:I, s:o}", "failed", failed, "counties", arr) : NULL;
}

json_t *sub_verify_json_county(json_t *j, const char *county)
{
  json_t *arr = json_object_get(j, "counties");
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e)
  {
    const char *code = json_string_value(json_object_get(e, "code"));
    if (code && strcmp(code, county) == 0)
      return e;
  }
  return NULL;
}
