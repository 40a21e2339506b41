/* hb_campaigns_vocab.c: the vocabularies a campaign of campaigns.ini
 * declares (docs/campaigns.md): its activity kinds (kind.CODE = name), its
 * outcome indicators (indicator.CODE = name, unit[, places]), its problem
 * categories and their sub-categories (category.CODE = name,
 * category.CODE.SUB = name) and its stages (stage.N = name, start, end),
 * with their checks and lookups.
 *
 * Fields of a value are separated by ',' or the full-width '，' and trimmed.
 * A category key with a dot is a sub-category when the part before its
 * last dot is a category declared above it; otherwise it keeps the meaning
 * it had before sub-categories existed (a category whose code holds a dot),
 * unless that category is declared below it, which is an error. */
#include "hb_campaigns_vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_date.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "hb_vocab.h"

#define CATEGORIES_MAX 1000
#define SUBS_MAX 1000
#define KINDS_MAX 1000
#define INDICATORS_MAX 1000
#define STAGES_MAX 100
#define STAGE_N_MAX 9999
#define CODE_MAX 40  /* kind, indicator and sub-category codes: keys stay under 49 bytes */
#define UNIT_MAX 64  /* bytes of an indicator's unit (件, 万元) */
#define FIELDS_MAX 3 /* of a comma-separated value */

/* A code of a declared vocabulary: 1..CODE_MAX of A-Z a-z 0-9 _ -, no dot,
 * so that it can stand in a template path (indicators.juanzhu.value). */
static int code_valid(const char *s)
{
  return campaigns_id_valid(s, CODE_MAX) && !strchr(s, '.');
}

/* Checks a display name (what: Chinese, en: English, for the message);
 * reports and returns 0 when it is empty, too long or not text. */
static int name_ok(parse_ctx *x, const char *what, const char *en, const char *s, size_t max,
                   const char *code)
{
  char msg[200];
  if (!*s) {
    snprintf(msg, sizeof(msg), "%s为空 (%s is empty)", what, en);
    campaigns_error(x, x->lineno, NULL, msg, code);
    return 0;
  }
  if (strlen(s) > max || !hb_utf8_valid(s, strlen(s))) {
    snprintf(msg, sizeof(msg), "%s过长或无效 (%s over %zu bytes or not text)", what, en, max);
    campaigns_error(x, x->lineno, NULL, msg, s);
    return 0;
  }
  return 1;
}

/* Splits s at ',' and '，' into trimmed fields f[0..] (pointing into buf);
 * returns how many fields s has (only the first FIELDS_MAX are set). */
static size_t fields_split(const char *s, char *buf, size_t len, char **f)
{
  size_t n = strlen(s);
  if (n >= len)
    n = len - 1; /* inih values are shorter than a line (199 bytes) */
  memcpy(buf, s, n);
  buf[n] = '\0';
  size_t k = 0;
  char *p = buf;
  for (;;) {
    char *cut = strchr(p, ',');
    char *wide = strstr(p, "，");
    size_t w = 1;
    if (wide && (!cut || wide < cut)) {
      cut = wide;
      w = strlen("，");
    }
    if (cut)
      *cut = '\0';
    if (k < FIELDS_MAX)
      f[k] = hb_text_trim(p);
    k++;
    if (!cut)
      return k;
    p = cut + w;
  }
}

/* Grows *arr (of n elements of size sz) by one; 0 or -1 (x->nomem set). */
static int grow(parse_ctx *x, void **arr, size_t n, size_t sz)
{
  void *a = realloc(*arr, (n + 1) * sz);
  if (!a) {
    x->nomem = 1;
    return -1;
  }
  *arr = a;
  return 0;
}

/* strdup of both strings into *code and *name; 0 or -1 (x->nomem set,
 * nothing kept). */
static int dup_pair(parse_ctx *x, char **code, const char *c, char **name, const char *n)
{
  *code = strdup(c);
  *name = strdup(n);
  if (!*code || !*name) {
    free(*code);
    free(*name);
    x->nomem = 1;
    return -1;
  }
  return 0;
}

static int category_by_code(const hb_campaign *c, const char *code)
{
  for (size_t i = 0; i < c->ncategories; i++)
    if (strcmp(c->categories[i].code, code) == 0)
      return (int)i;
  return -1;
}

static void category_add(parse_ctx *x, hb_campaign *c, section_info *si, const char *code,
                         const char *name)
{
  unsigned line = x->lineno;
  if (!campaigns_id_valid(code, INIH_MAX_NAME)) {
    campaigns_error(x, line, NULL, "类别代码无效 (invalid category code, use A-Z a-z 0-9 _ . -)",
                    code);
    return;
  }
  if (!*name) {
    campaigns_error(x, line, NULL, "类别名称为空 (category display name is empty)", code);
    return;
  }
  if (strlen(name) > HB_NAME_MAX || !hb_utf8_valid(name, strlen(name))) {
    campaigns_error(x, line, NULL, "类别名称过长或无效 (category name over 256 bytes or not text)",
                    name);
    return;
  }
  for (size_t i = 0; i < c->ncategories; i++) {
    if (strcmp(c->categories[i].code, code) == 0) {
      campaigns_error(x, line, NULL, "类别代码重复 (duplicate category code)", code);
      return;
    }
    if (strcmp(c->categories[i].name, name) == 0) {
      campaigns_error(x, line, NULL, "类别名称重复 (duplicate category name)", name);
      return;
    }
  }
  if (c->ncategories >= CATEGORIES_MAX) {
    campaigns_error(x, line, NULL, "类别过多 (too many categories)", NULL);
    return;
  }
  if (grow(x, (void **)&c->categories, c->ncategories, sizeof(hb_category)) ||
      grow(x, (void **)&si->category_lines, c->ncategories, sizeof(unsigned)))
    return;
  hb_category *g = &c->categories[c->ncategories];
  memset(g, 0, sizeof(*g));
  if (dup_pair(x, &g->code, code, &g->name, name))
    return;
  si->category_lines[c->ncategories++] = line;
}

static void subcategory_add(parse_ctx *x, hb_category *g, const char *sub, const char *name)
{
  unsigned line = x->lineno;
  if (!code_valid(sub)) {
    campaigns_error(x, line, NULL,
                    "子类别代码无效 (invalid sub-category code, use 1..40 of A-Z a-z 0-9 _ -)",
                    sub);
    return;
  }
  if (!name_ok(x, "子类别名称", "sub-category name", name, HB_NAME_MAX, sub))
    return;
  for (size_t i = 0; i < g->nsubs; i++) {
    if (strcmp(g->subs[i].code, sub) == 0) {
      campaigns_error(x, line, NULL, "子类别代码重复 (duplicate sub-category code)", sub);
      return;
    }
    if (strcmp(g->subs[i].name, name) == 0) {
      campaigns_error(x, line, NULL, "子类别名称重复 (duplicate sub-category name)", name);
      return;
    }
  }
  if (g->nsubs >= SUBS_MAX) {
    campaigns_error(x, line, NULL, "子类别过多 (too many sub-categories)", NULL);
    return;
  }
  if (grow(x, (void **)&g->subs, g->nsubs, sizeof(hb_subcategory)))
    return;
  hb_subcategory *s = &g->subs[g->nsubs];
  if (dup_pair(x, &s->code, sub, &s->name, name))
    return;
  g->nsubs++;
}

void campaigns_category_add(parse_ctx *x, hb_campaign *c, section_info *si, const char *rest,
                            const char *value)
{
  const char *dot = strrchr(rest, '.');
  if (dot && (size_t)(dot - rest) < INIH_MAX_NAME) {
    char parent[INIH_MAX_NAME];
    memcpy(parent, rest, (size_t)(dot - rest));
    parent[dot - rest] = '\0';
    int cat = category_by_code(c, parent);
    if (cat >= 0) {
      subcategory_add(x, &c->categories[cat], dot + 1, value);
      return;
    }
  }
  category_add(x, c, si, rest, value);
}

/* Reports a declared kind whose code or name is a built-in kind's. */
static int kind_builtin(parse_ctx *x, const char *code, const char *name)
{
  const char *s = hb_vocab_kind(code) ? code : hb_vocab_kind(name) ? name : NULL;
  if (!s)
    return 0;
  int v = hb_vocab_kind(s);
  char msg[200];
  snprintf(msg, sizeof(msg),
           "与内置类型“%s”(%s)相同，内置类型无需声明 (same as the built-in kind %s)",
           hb_vocab_kind_zh(v), hb_vocab_kind_code(v), hb_vocab_kind_code(v));
  campaigns_error(x, x->lineno, NULL, msg, s);
  return 1;
}

void campaigns_kind_add(parse_ctx *x, hb_campaign *c, const char *code, const char *value)
{
  unsigned line = x->lineno;
  if (!code_valid(code)) {
    campaigns_error(x, line, NULL, "类型代码无效 (invalid kind code, use 1..40 of A-Z a-z 0-9 _ -)",
                    code);
    return;
  }
  if (!name_ok(x, "类型名称", "kind name", value, HB_NAME_MAX, code) ||
      kind_builtin(x, code, value))
    return;
  for (size_t i = 0; i < c->nkinds; i++) {
    if (strcmp(c->kinds[i].code, code) == 0) {
      campaigns_error(x, line, NULL, "类型代码重复 (duplicate kind code)", code);
      return;
    }
    if (strcmp(c->kinds[i].name, value) == 0) {
      campaigns_error(x, line, NULL, "类型名称重复 (duplicate kind name)", value);
      return;
    }
  }
  if (c->nkinds >= KINDS_MAX) {
    campaigns_error(x, line, NULL, "类型过多 (too many kinds)", NULL);
    return;
  }
  if (grow(x, (void **)&c->kinds, c->nkinds, sizeof(hb_kind)))
    return;
  hb_kind *k = &c->kinds[c->nkinds];
  if (dup_pair(x, &k->code, code, &k->name, value))
    return;
  c->nkinds++;
}

/* "0".."4" to *places; 0 or -1. */
static int places_parse(const char *s, int *places)
{
  if (strlen(s) != 1 || s[0] < '0' || s[0] > '0' + HB_INDICATOR_PLACES_MAX)
    return -1;
  *places = s[0] - '0';
  return 0;
}

/* Checks the fields of indicator.CODE = name, unit[, places]; 0 or -1
 * (reported). */
static int indicator_fields(parse_ctx *x, const char *code, const char *value, char **f, size_t nf,
                            int *places)
{
  unsigned line = x->lineno;
  if (nf < 2 || nf > 3) {
    campaigns_error(x, line, NULL,
                    "应为 名称, 单位[, 小数位数] (expected: name, unit[, decimal places])", value);
    return -1;
  }
  if (!name_ok(x, "指标名称", "indicator name", f[0], HB_NAME_MAX, code) ||
      !name_ok(x, "指标单位", "indicator unit", f[1], UNIT_MAX, code))
    return -1;
  *places = 0;
  if (nf == 3 && places_parse(f[2], places) != 0) {
    campaigns_error(x, line, NULL, "小数位数应为 0 到 4 (decimal places must be 0..4)", f[2]);
    return -1;
  }
  return 0;
}

void campaigns_indicator_add(parse_ctx *x, hb_campaign *c, const char *code, const char *value)
{
  unsigned line = x->lineno;
  char buf[256];
  char *f[FIELDS_MAX];
  int places;
  if (!code_valid(code)) {
    campaigns_error(x, line, NULL,
                    "指标代码无效 (invalid indicator code, use 1..40 of A-Z a-z 0-9 _ -)", code);
    return;
  }
  size_t nf = fields_split(value, buf, sizeof(buf), f);
  if (indicator_fields(x, code, value, f, nf, &places) != 0)
    return;
  for (size_t i = 0; i < c->nindicators; i++) {
    if (strcmp(c->indicators[i].code, code) == 0) {
      campaigns_error(x, line, NULL, "指标代码重复 (duplicate indicator code)", code);
      return;
    }
    if (strcmp(c->indicators[i].name, f[0]) == 0) {
      campaigns_error(x, line, NULL, "指标名称重复 (duplicate indicator name)", f[0]);
      return;
    }
  }
  if (c->nindicators >= INDICATORS_MAX) {
    campaigns_error(x, line, NULL, "指标过多 (too many indicators)", NULL);
    return;
  }
  if (grow(x, (void **)&c->indicators, c->nindicators, sizeof(hb_indicator)))
    return;
  hb_indicator *d = &c->indicators[c->nindicators];
  memset(d, 0, sizeof(*d));
  if (dup_pair(x, &d->code, code, &d->name, f[0]))
    return;
  if (!(d->unit = strdup(f[1]))) {
    free(d->code);
    free(d->name);
    x->nomem = 1;
    return;
  }
  d->places = places;
  c->nindicators++;
}

/* "1".."9999" to *n; 0 or -1. */
static int stage_n_parse(const char *s, unsigned *n)
{
  size_t len = strlen(s);
  if (len < 1 || len > 4 || strspn(s, "0123456789") != len)
    return -1;
  *n = (unsigned)atoi(s);
  return *n >= 1 && *n <= STAGE_N_MAX ? 0 : -1;
}

/* Checks the fields of stage.N = name, start, end into st (name borrowed
 * from f); 0 or -1 (reported). */
static int stage_fields(parse_ctx *x, const char *key, const char *value, char **f, size_t nf,
                        hb_stage *st)
{
  unsigned line = x->lineno;
  if (nf != 3) {
    campaigns_error(x, line, NULL,
                    "应为 名称, 开始日期, 结束日期 (expected: name, start date, end date)", value);
    return -1;
  }
  if (!name_ok(x, "阶段名称", "stage name", f[0], HB_NAME_MAX, key))
    return -1;
  if (hb_date_parse(f[1], &st->start) != 0) {
    campaigns_error(x, line, NULL, "阶段开始日期无效 (stage start is not a date)", f[1]);
    return -1;
  }
  if (hb_date_parse(f[2], &st->end) != 0) {
    campaigns_error(x, line, NULL, "阶段结束日期无效 (stage end is not a date)", f[2]);
    return -1;
  }
  if (st->end < st->start) {
    campaigns_error(x, line, NULL, "阶段结束日期早于开始日期 (stage ends before it starts)", f[2]);
    return -1;
  }
  return 0;
}

void campaigns_stage_add(parse_ctx *x, hb_campaign *c, section_info *si, const char *n,
                         const char *value)
{
  unsigned line = x->lineno;
  char buf[256];
  char *f[FIELDS_MAX];
  hb_stage st = {0};
  if (stage_n_parse(n, &st.n) != 0) {
    campaigns_error(x, line, NULL, "阶段编号应为 1 到 9999 的整数 (stage number must be 1..9999)",
                    n);
    return;
  }
  size_t nf = fields_split(value, buf, sizeof(buf), f);
  if (stage_fields(x, n, value, f, nf, &st) != 0)
    return;
  for (size_t i = 0; i < c->nstages; i++) {
    if (c->stages[i].n == st.n) {
      campaigns_error(x, line, NULL, "阶段编号重复 (duplicate stage number)", n);
      return;
    }
    if (strcmp(c->stages[i].name, f[0]) == 0) {
      campaigns_error(x, line, NULL, "阶段名称重复 (duplicate stage name)", f[0]);
      return;
    }
  }
  if (c->nstages >= STAGES_MAX) {
    campaigns_error(x, line, NULL, "阶段过多 (too many stages)", NULL);
    return;
  }
  if (grow(x, (void **)&c->stages, c->nstages, sizeof(hb_stage)) ||
      grow(x, (void **)&si->stage_lines, c->nstages, sizeof(unsigned)))
    return;
  if (!(st.name = strdup(f[0]))) {
    x->nomem = 1;
    return;
  }
  c->stages[c->nstages] = st;
  si->stage_lines[c->nstages++] = line;
}

/* A category "a.b" declared above category "a": the sub-category came
 * before its category. */
static void check_sub_order(parse_ctx *x, hb_campaign *c, section_info *si)
{
  for (size_t i = 0; i < c->ncategories; i++) {
    const char *code = c->categories[i].code;
    const char *dot = strrchr(code, '.');
    if (!dot)
      continue;
    for (size_t j = i + 1; j < c->ncategories; j++) {
      if (strlen(c->categories[j].code) != (size_t)(dot - code) ||
          strncmp(c->categories[j].code, code, (size_t)(dot - code)) != 0)
        continue;
      char msg[200];
      snprintf(msg, sizeof(msg),
               "子类别写在其类别之前，类别在第 %u 行 (sub-category before its category, "
               "declared on line %u)",
               si->category_lines[j], si->category_lines[j]);
      campaigns_error(x, si->category_lines[i], NULL, msg, code);
    }
  }
}

/* Sorts stages (and their lines) by start, then n; insertion sort: few. */
static void stages_sort(hb_campaign *c, section_info *si)
{
  for (size_t i = 1; i < c->nstages; i++) {
    hb_stage st = c->stages[i];
    unsigned line = si->stage_lines[i];
    size_t j = i;
    while (j > 0 && (c->stages[j - 1].start > st.start ||
                     (c->stages[j - 1].start == st.start && c->stages[j - 1].n > st.n))) {
      c->stages[j] = c->stages[j - 1];
      si->stage_lines[j] = si->stage_lines[j - 1];
      j--;
    }
    c->stages[j] = st;
    si->stage_lines[j] = line;
  }
}

static void check_stages_inside(parse_ctx *x, hb_campaign *c, section_info *si)
{
  if (!si->have_start || !si->have_end || c->end < c->start)
    return;
  char a[16], b[16], msg[200], key[32];
  hb_date_format(c->start, a, sizeof(a));
  hb_date_format(c->end, b, sizeof(b));
  snprintf(msg, sizeof(msg), "阶段不在专项期间 %s..%s 内 (stage outside the campaign %s..%s)", a, b,
           a, b);
  for (size_t i = 0; i < c->nstages; i++) {
    if (c->stages[i].start >= c->start && c->stages[i].end <= c->end)
      continue;
    snprintf(key, sizeof(key), "stage.%u", c->stages[i].n);
    campaigns_error(x, si->stage_lines[i], NULL, msg, key);
  }
}

/* Stages sorted by start: stage i overlaps an earlier one iff it starts
 * on or before the latest end so far (stage m). Reported on the later
 * line of the two. */
static void check_stages_overlap(parse_ctx *x, hb_campaign *c, section_info *si)
{
  size_t m = 0;
  for (size_t i = 1; i < c->nstages; i++) {
    if (c->stages[i].start <= c->stages[m].end) {
      size_t at = si->stage_lines[i] > si->stage_lines[m] ? i : m;
      size_t other = at == i ? m : i;
      char msg[200], key[32];
      snprintf(msg, sizeof(msg),
               "阶段日期与第 %u 阶段（第 %u 行）重叠 (stage overlaps stage %u on line %u)",
               c->stages[other].n, si->stage_lines[other], c->stages[other].n,
               si->stage_lines[other]);
      snprintf(key, sizeof(key), "stage.%u", c->stages[at].n);
      campaigns_error(x, si->stage_lines[at], NULL, msg, key);
    }
    if (c->stages[i].end > c->stages[m].end)
      m = i;
  }
}

void campaigns_vocab_check(parse_ctx *x, hb_campaign *c, section_info *si)
{
  check_sub_order(x, c, si);
  stages_sort(c, si);
  check_stages_inside(x, c, si);
  check_stages_overlap(x, c, si);
}

void campaigns_vocab_free(hb_campaign *c)
{
  for (size_t j = 0; j < c->ncategories; j++) {
    hb_category *g = &c->categories[j];
    free(g->code);
    free(g->name);
    for (size_t s = 0; s < g->nsubs; s++) {
      free(g->subs[s].code);
      free(g->subs[s].name);
    }
    free(g->subs);
  }
  free(c->categories);
  for (size_t j = 0; j < c->nkinds; j++) {
    free(c->kinds[j].code);
    free(c->kinds[j].name);
  }
  free(c->kinds);
  for (size_t j = 0; j < c->nindicators; j++) {
    free(c->indicators[j].code);
    free(c->indicators[j].name);
    free(c->indicators[j].unit);
  }
  free(c->indicators);
  for (size_t j = 0; j < c->nstages; j++)
    free(c->stages[j].name);
  free(c->stages);
}

void campaigns_section_free(section_info *si)
{
  free(si->category_lines);
  free(si->stage_lines);
}

int hb_campaign_category(const hb_campaign *c, const char *s)
{
  if (!c || !s)
    return -1;
  campaigns_key k = campaigns_key_of(s);
  for (size_t i = 0; i < c->ncategories; i++)
    if (campaigns_key_eq(k, c->categories[i].code))
      return (int)i;
  for (size_t i = 0; i < c->ncategories; i++)
    if (campaigns_key_eq(k, c->categories[i].name))
      return (int)i;
  return -1;
}

int hb_campaign_subcategory(const hb_campaign *c, int cat, const char *s)
{
  if (!c || !s || cat < 0 || (size_t)cat >= c->ncategories)
    return -1;
  const hb_category *g = &c->categories[cat];
  campaigns_key k = campaigns_key_of(s);
  for (size_t i = 0; i < g->nsubs; i++)
    if (campaigns_key_eq(k, g->subs[i].code))
      return (int)i;
  for (size_t i = 0; i < g->nsubs; i++)
    if (campaigns_key_eq(k, g->subs[i].name))
      return (int)i;
  return -1;
}

int hb_campaign_kind(const hb_campaign *c, const char *s)
{
  if (!c || !s)
    return -1;
  campaigns_key k = campaigns_key_of(s);
  for (size_t i = 0; i < c->nkinds; i++)
    if (campaigns_key_eq(k, c->kinds[i].code))
      return (int)i;
  for (size_t i = 0; i < c->nkinds; i++)
    if (campaigns_key_eq(k, c->kinds[i].name))
      return (int)i;
  return -1;
}

int hb_campaign_indicator(const hb_campaign *c, const char *s)
{
  if (!c || !s)
    return -1;
  campaigns_key k = campaigns_key_of(s);
  for (size_t i = 0; i < c->nindicators; i++)
    if (campaigns_key_eq(k, c->indicators[i].code))
      return (int)i;
  for (size_t i = 0; i < c->nindicators; i++)
    if (campaigns_key_eq(k, c->indicators[i].name))
      return (int)i;
  return -1;
}

int hb_campaign_stage_at(const hb_campaign *c, int32_t day)
{
  if (!c)
    return -1;
  for (size_t i = 0; i < c->nstages; i++)
    if (day >= c->stages[i].start && day <= c->stages[i].end)
      return (int)i;
  return -1;
}
