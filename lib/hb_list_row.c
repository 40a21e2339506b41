/* hb_list_row.c: one record as a row object (issue 15; the keys are
 * documented in docs/lists.md, "Row keys"). Every key is always present:
 * "" for a text or date not given, 0 for a count not given. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hb_date.h"
#include "hb_list_internal.h"
#include "hb_review.h"
#include "hb_text.h"
#include "hb_vocab.h"

/* s as a JSON string: "" for NULL; text that is not UTF-8 (never from a
 * county, which refuses it) with U+FFFD for its bad bytes. */
static json_t *jstr(const char *s)
{
  json_t *j = json_string(s ? s : "");
  if (j)
    return j;
  char *clean = hb_text_xml_dup(s);
  j = clean ? json_string(clean) : NULL;
  free(clean);
  return j;
}

static const char *nz(const char *s)
{
  return s ? s : "";
}

/* A vocabulary word of v ("" for 0 or out of range: hb_vocab says "?"). */
static const char *word(const char *(*f)(int), int v)
{
  const char *w = f(v);
  return v && w && strcmp(w, "?") != 0 ? w : "";
}

typedef struct row_b {
  json_t *o;
  bool failed;
} row_b;

static void put(row_b *b, const char *k, json_t *v)
{
  if (!v || json_object_set_new(b->o, k, v) != 0)
    b->failed = true;
}

static void put_s(row_b *b, const char *k, const char *s)
{
  put(b, k, jstr(s));
}

static void put_i(row_b *b, const char *k, long long v)
{
  put(b, k, json_integer((json_int_t)v));
}

static void put_date(row_b *b, const char *k, int32_t days)
{
  char d[16] = "";
  if (days)
    hb_date_format(days, d, sizeof d);
  put_s(b, k, d);
}

/* The name under the key (type, county, campaign, code, sub) or the code. */
static const char *name_or(hb_list *l, char type, const char *county, const char *a, const char *b,
                           const char *c, const char *code)
{
  char key[1024];
  const char *n = list_key(key, sizeof key, type, county, a, b, c) ? list_name_get(l, key) : NULL;
  return n ? n : nz(code);
}

void list_review_words(char kind, const Huibao__V1__Record *rec, const Huibao__V1__ReviewState *st,
                       const char **code, const char **zh)
{
  static const char *const words[][2] = {
      [HB_REVIEW_NONE] = {"none", "未审核"},
      [HB_REVIEW_CONFIRMED] = {"confirmed", "已销号"},
      [HB_REVIEW_RETURNED] = {"returned", "已退回"},
      [HB_REVIEW_REOPENED] = {"reopened", "重新打开"},
      [HB_REVIEW_DELETION_PENDING] = {"deletion", "待审批撤销"},
      [HB_REVIEW_DELETION_REFUSED] = {"deletion_refused", "撤销未同意"},
  };
  *code = *zh = "";
  if (kind != 'P' && kind != 'A')
    return;
  int s = st ? (int)st->status : HB_REVIEW_NONE;
  if (s < 0 || s > HB_REVIEW_MAX)
    s = HB_REVIEW_NONE;
  *code = words[s][0];
  *zh = words[s][1];
  if (s == HB_REVIEW_NONE && kind == 'P' && rec && rec->problem &&
      rec->problem->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED) {
    *code = "claimed";
    *zh = "待销号";
  }
}

/* The keys every row has. */
static void row_common(row_b *b, hb_list *l, const hb_list_rec *r, const char *record,
                       const char *unit, const char *id, const char *campaign, uint64_t version)
{
  const char *county = nz(r->county);
  const char *code = name_or(l, 'O', county, NULL, NULL, NULL, county);
  put_s(b, "record", record);
  put_s(b, "county", code);
  put_s(b, "county_name", name_or(l, 'N', county, NULL, NULL, NULL, code));
  put_s(b, "unit", unit);
  put_s(b, "unit_name", name_or(l, 'U', county, unit, NULL, NULL, unit));
  put_s(b, "id", id);
  put_s(b, "campaign", campaign);
  put_s(b, "campaign_name", name_or(l, 'C', county, campaign, NULL, NULL, campaign));
  const char *rc, *rz;
  list_review_words(r->kind, r->rec, r->review, &rc, &rz);
  put_s(b, "review", rc);
  put_s(b, "review_zh", rz);
  put_s(b, "review_reason", r->review ? r->review->reason : "");
  put_s(b, "reviewer", r->review ? r->review->reviewer : "");
  put_i(b, "version", (long long)version);
  put_i(b, "n", (long long)r->n);
  put_i(b, "stored_s", (long long)r->stored_s);
  char when[32] = "";
  time_t t = (time_t)r->stored_s;
  struct tm tm;
  if (r->stored_s > 0 && localtime_r(&t, &tm))
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
  put_s(b, "stored", when);
  static const char *const sig[][2] = {
      {"unknown", ""}, {"none", "未签名"}, {"ok", "已验证"}, {"bad", "签名无效"}};
  int s = r->sig >= HB_LIST_SIG_UNKNOWN && r->sig <= HB_LIST_SIG_BAD ? r->sig : 0;
  put_s(b, "signature", sig[s][0]);
  put_s(b, "signature_zh", sig[s][1]);
}

static void row_problem(row_b *b, hb_list *l, const hb_list_rec *r, bool *overdue)
{
  const Huibao__V1__Problem *p = r->rec->problem;
  const char *county = nz(r->county), *camp = nz(p->campaign);
  row_common(b, l, r, "problem", p->unit, p->id, p->campaign, p->version);
  put_s(b, "category", p->category);
  put_s(b, "category_name", name_or(l, 'G', county, camp, nz(p->category), NULL, p->category));
  put_s(b, "subcategory", p->subcategory);
  put_s(b, "subcategory_name",
        p->subcategory && *p->subcategory
            ? name_or(l, 'S', county, camp, nz(p->category), p->subcategory, p->subcategory)
            : "");
  put_s(b, "scope", word(hb_vocab_scope_code, (int)p->scope));
  put_s(b, "scope_zh", word(hb_vocab_scope_zh, (int)p->scope));
  put_s(b, "description", p->description);
  put_s(b, "owner", p->owner);
  put_i(b, "measures", p->measures);
  put_s(b, "measures_text", p->measures_text);
  put_s(b, "source", word(hb_vocab_source_code, (int)p->source));
  put_s(b, "source_zh", word(hb_vocab_source_zh, (int)p->source));
  put_s(b, "term", word(hb_vocab_term_code, (int)p->term));
  put_s(b, "term_zh", word(hb_vocab_term_zh, (int)p->term));
  put_date(b, "identified_on", p->identified_on);
  put_date(b, "deadline", p->deadline);
  put_s(b, "status", word(hb_vocab_status_code, (int)p->status));
  put_s(b, "status_zh", word(hb_vocab_status_zh, (int)p->status));
  put_date(b, "resolved_on", p->resolved_on);
  int32_t today = l->f.today;
  *overdue =
      p->status != HUIBAO__V1__PROBLEM_STATUS__RESOLVED && p->deadline && p->deadline < today;
  put(b, "overdue", json_boolean(*overdue));
  put_i(b, "days_overdue", *overdue ? (long long)today - p->deadline : 0);
}

static void row_activity(row_b *b, hb_list *l, const hb_list_rec *r)
{
  const Huibao__V1__Activity *a = r->rec->activity;
  const char *county = nz(r->county), *camp = nz(a->campaign);
  row_common(b, l, r, "activity", a->unit, a->id, a->campaign, a->version);
  put_date(b, "date", a->date);
  if (a->kind_code && *a->kind_code) {
    put_s(b, "type", a->kind_code);
    put_s(b, "type_zh", name_or(l, 'K', county, camp, a->kind_code, NULL, a->kind_code));
  } else {
    put_s(b, "type", word(hb_vocab_kind_code, (int)a->kind));
    put_s(b, "type_zh", word(hb_vocab_kind_zh, (int)a->kind));
  }
  put_s(b, "level", word(hb_vocab_level_code, (int)a->level));
  put_s(b, "level_zh", word(hb_vocab_level_zh, (int)a->level));
  put_i(b, "sessions", a->sessions);
  put_i(b, "participants", a->participants);
  put_i(b, "outputs", a->outputs);
  put_s(b, "title", a->title);
}

static void row_case(row_b *b, hb_list *l, const hb_list_rec *r)
{
  const Huibao__V1__Case *c = r->rec->case_row;
  row_common(b, l, r, "case", c->unit, c->id, c->campaign, c->version);
  put_date(b, "date", c->date);
  put_s(b, "type", word(hb_vocab_case_type_code, (int)c->type));
  put_s(b, "type_zh", word(hb_vocab_case_type_zh, (int)c->type));
  put_s(b, "title", c->title);
  put_s(b, "summary", c->summary);
}

json_t *list_row_make(hb_list *l, const hb_list_rec *r, bool *overdue)
{
  row_b b = {json_object(), false};
  *overdue = false;
  if (!b.o)
    return NULL;
  if (r->kind == 'P')
    row_problem(&b, l, r, overdue);
  else if (r->kind == 'A')
    row_activity(&b, l, r);
  else
    row_case(&b, l, r);
  if (b.failed) {
    json_decref(b.o);
    return NULL;
  }
  return b.o;
}
