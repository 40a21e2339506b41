/* tmpl_filters.c: the filters of the template language ({{ x | wan }},
 * {% set top = units | sort_desc(problems.total) | top(3) %}), under their
 * English and Chinese names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_text.h"
#include "numfmt.h"
#include "tmpl_internal.h"

static bool want_uint(rctx *c, const expr *fe, const json_t *v, const char *what, uint64_t *out)
{
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return true;
  }
  if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 1.8e19 &&
      floor(json_real_value(v)) == json_real_value(v)) {
    *out = (uint64_t)json_real_value(v);
    return true;
  }
  RERR(c, fe->off, HB_EINVAL, "filter '%s' needs %s (a whole number of 0 or more), got %s",
       fe->f->name, what, tmpl_value_type(v));
  return false;
}

static bool want_decimals(rctx *c, const expr *fe, json_t *arg, int max, int dflt, int *out)
{
  *out = dflt;
  if (!arg)
    return true;
  if (!json_is_integer(arg) || json_integer_value(arg) < 0 || json_integer_value(arg) > max) {
    RERR(c, fe->off, HB_EINVAL, "filter '%s': decimals must be a whole number 0 to %d", fe->f->name,
         max);
    return false;
  }
  *out = (int)json_integer_value(arg);
  return true;
}

static json_t *fmt_result(rctx *c, const expr *fe, int rc, const char *buf)
{
  if (rc != 0) {
    RERR(c, fe->off, HB_EINVAL, "filter '%s': value out of range", fe->f->name);
    return NULL;
  }
  return json_string(buf);
}

static json_t *f_wan(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)item;
  uint64_t n;
  int d;
  if (!want_uint(c, fe, in, "a count", &n) || !want_decimals(c, fe, a[0], 4, 2, &d))
    return NULL;
  char buf[64];
  return fmt_result(c, fe, sub_numfmt_wan(n, d, buf, sizeof buf), buf);
}

static json_t *f_pct(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)item;
  int d;
  if (!json_is_number(in) || json_number_value(in) < 0) {
    RERR(c, fe->off, HB_EINVAL, "filter '%s' needs a ratio (0.2047 for 20.47%%), got %s",
         fe->f->name, tmpl_value_type(in));
    return NULL;
  }
  if (!want_decimals(c, fe, a[0], SUB_NUMFMT_MAX_DECIMALS, 2, &d))
    return NULL;
  char buf[64];
  return fmt_result(c, fe, sub_numfmt_pct(json_number_value(in), d, buf, sizeof buf), buf);
}

static json_t *f_pct_of(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)item;
  uint64_t part, whole;
  int d;
  if (!want_uint(c, fe, in, "a count", &part) || !want_uint(c, fe, a[0], "a whole", &whole) ||
      !want_decimals(c, fe, a[1], SUB_NUMFMT_MAX_DECIMALS, 2, &d))
    return NULL;
  char buf[64];
  return fmt_result(c, fe, sub_numfmt_pct_of(part, whole, d, buf, sizeof buf), buf);
}

static json_t *f_cn(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  uint64_t n;
  if (!want_uint(c, fe, in, "a number", &n))
    return NULL;
  char buf[128];
  return fmt_result(c, fe, sub_numfmt_cn(n, buf, sizeof buf), buf);
}

static json_t *f_date(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  int y, m, d;
  if (!json_is_string(in) || sscanf(json_string_value(in), "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      m < 1 || m > 12 || d < 1 || d > 31) {
    RERR(c, fe->off, HB_EINVAL, "filter '%s' needs a date such as 2023-12-31, got %s", fe->f->name,
         tmpl_value_type(in));
    return NULL;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%d年%d月%d日", y, m, d);
  return json_string(buf);
}

static json_t *f_default(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)c, (void)fe, (void)item;
  if (json_is_null(in) || (json_is_string(in) && json_string_length(in) == 0))
    return json_incref(a[0]);
  return json_incref(in);
}

static json_t *f_count(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  if (json_is_array(in))
    return json_integer((json_int_t)json_array_size(in));
  if (json_is_object(in))
    return json_integer((json_int_t)json_object_size(in));
  if (json_is_string(in))
    return json_integer((json_int_t)hb_utf8_chars(json_string_value(in)));
  RERR(c, fe->off, HB_EINVAL, "filter '%s' needs a list, got %s", fe->f->name, tmpl_value_type(in));
  return NULL;
}
/* The list a list filter works on: arrays as they are, objects as the list
 * of their values. New reference. */
static json_t *as_list(rctx *c, const expr *fe, json_t *in)
{
  if (json_is_array(in) || json_is_object(in))
    return tmpl_list_of(c, in);
  RERR(c, fe->off, HB_EINVAL, "filter '%s' needs a list, got %s", fe->f->name, tmpl_value_type(in));
  return NULL;
}

static json_t *f_sum(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  json_t *l = as_list(c, fe, in);
  if (!l)
    return NULL;
  json_int_t si = 0;
  double sr = 0;
  bool real = false;
  size_t i;
  json_t *v;
  json_array_foreach(l, i, v)
  {
    json_t *x = fe->nargs ? tmpl_eval(c, fe->args[0], v) : json_incref(v);
    if (!x)
      break;
    if (!json_is_number(x)) {
      RERR(c, fe->args ? fe->args[0]->off : fe->off, HB_EINVAL,
           "filter '%s': item %zu is %s, not a number", fe->f->name, i + 1, tmpl_value_type(x));
      json_decref(x);
      break;
    }
    if (json_is_real(x))
      real = true;
    sr += json_number_value(x);
    if (json_is_integer(x) && __builtin_add_overflow(si, json_integer_value(x), &si))
      real = true;
    json_decref(x);
  }
  json_decref(l);
  if (c->rc)
    return NULL;
  return real ? json_real(sr) : json_integer(si);
}

typedef struct sort_item {
  json_t *v, *key;
  size_t index;
} sort_item;

static int key_cmp(const json_t *a, const json_t *b)
{
  /* null < numbers < text < the rest */
  int ra = json_is_null(a) ? 0 : json_is_number(a) ? 1 : json_is_string(a) ? 2 : 3;
  int rb = json_is_null(b) ? 0 : json_is_number(b) ? 1 : json_is_string(b) ? 2 : 3;
  if (ra != rb)
    return ra < rb ? -1 : 1;
  if (ra == 1) {
    if (json_is_integer(a) && json_is_integer(b)) {
      json_int_t x = json_integer_value(a), y = json_integer_value(b);
      return x < y ? -1 : x > y;
    }
    double x = json_number_value(a), y = json_number_value(b);
    return x < y ? -1 : x > y;
  }
  if (ra == 2)
    return strcmp(json_string_value(a), json_string_value(b));
  return 0;
}

static int sort_asc(const void *x, const void *y)
{
  const sort_item *a = x, *b = y;
  int c = key_cmp(a->key, b->key);
  return c ? c : a->index < b->index ? -1 : 1;
}

static int sort_desc(const void *x, const void *y)
{
  const sort_item *a = x, *b = y;
  int c = key_cmp(b->key, a->key);
  return c ? c : a->index < b->index ? -1 : 1;
}

/* sort, sort_desc: stable (equal keys keep the list's order). */
static json_t *do_sort(rctx *c, const expr *fe, json_t *in, bool desc)
{
  json_t *l = as_list(c, fe, in);
  if (!l)
    return NULL;
  size_t n = json_array_size(l);
  sort_item *it = calloc(n ? n : 1, sizeof *it);
  json_t *r = NULL;
  if (!it) {
    c->rc = HB_ENOMEM;
    goto out;
  }
  size_t i;
  for (i = 0; i < n; i++) {
    it[i].v = json_array_get(l, i);
    it[i].index = i;
    it[i].key = fe->nargs ? tmpl_eval(c, fe->args[0], it[i].v) : json_incref(it[i].v);
    if (!it[i].key)
      break;
  }
  if (i == n) {
    if (n > 1) /* qsort's array may be NULL when empty */
      qsort(it, n, sizeof *it, desc ? sort_desc : sort_asc);
    r = json_array();
    for (size_t k = 0; r && k < n; k++)
      if (json_array_append(r, it[k].v) != 0) {
        json_decref(r);
        r = NULL;
      }
  }
  for (size_t k = 0; k < i; k++)
    json_decref(it[k].key);
out:
  free(it);
  json_decref(l);
  return r;
}

static json_t *f_sort(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  return do_sort(c, fe, in, false);
}

static json_t *f_sort_desc(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  return do_sort(c, fe, in, true);
}

/* True when x equals the wanted value w (where's second argument): text
 * with text, a number with a number (1 == 1.0), else the same JSON. */
static bool where_equal(const json_t *x, const json_t *w)
{
  if (json_is_string(x) && json_is_string(w))
    return strcmp(json_string_value(x), json_string_value(w)) == 0;
  if (json_is_number(x) && json_is_number(w))
    return json_is_integer(x) && json_is_integer(w) ? json_integer_value(x) == json_integer_value(w)
                                                    : json_number_value(x) == json_number_value(w);
  return json_equal(x, w);
}

/* where(COND): the items for which COND (evaluated against each item) is
 * true; where(FIELD, VALUE): the items whose FIELD equals VALUE. */
static json_t *f_where(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  json_t *l = as_list(c, fe, in);
  if (!l)
    return NULL;
  json_t *r = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(l, i, v)
  {
    if (!r)
      break;
    json_t *x = tmpl_eval(c, fe->args[0], v);
    json_t *w = x && fe->nargs > 1 ? tmpl_eval(c, fe->args[1], v) : NULL;
    bool keep = false, ok = x && (fe->nargs < 2 || w);
    if (ok)
      keep = fe->nargs > 1 ? where_equal(x, w) : tmpl_truthy(x);
    if (!ok || (keep && json_array_append(r, v) != 0)) {
      json_decref(r);
      r = NULL;
    }
    json_decref(x);
    json_decref(w);
  }
  json_decref(l);
  return r;
}

static json_t *f_map(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  json_t *l = as_list(c, fe, in);
  if (!l)
    return NULL;
  json_t *r = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(l, i, v)
  {
    if (!r)
      break;
    json_t *x = tmpl_eval(c, fe->args[0], v);
    if (!x || json_array_append_new(r, x) != 0) {
      json_decref(r);
      r = NULL;
    }
  }
  json_decref(l);
  return r;
}

static json_t *slice(rctx *c, const expr *fe, json_t *in, json_t *nv, bool head)
{
  uint64_t n;
  if (!want_uint(c, fe, nv, "a count", &n))
    return NULL;
  json_t *l = as_list(c, fe, in);
  if (!l)
    return NULL;
  size_t len = json_array_size(l);
  size_t a = head ? 0 : (n < len ? (size_t)n : len);
  size_t b = head ? (n < len ? (size_t)n : len) : len;
  json_t *r = json_array();
  for (size_t i = a; r && i < b; i++)
    if (json_array_append(r, json_array_get(l, i)) != 0) {
      json_decref(r);
      r = NULL;
    }
  json_decref(l);
  return r;
}

static json_t *f_top(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)item;
  return slice(c, fe, in, a[0], true);
}

static json_t *f_skip(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)item;
  return slice(c, fe, in, a[0], false);
}

static json_t *f_first_last(rctx *c, const expr *fe, json_t *in, bool first)
{
  json_t *l = as_list(c, fe, in);
  if (!l)
    return NULL;
  size_t n = json_array_size(l);
  json_t *r = n ? json_incref(json_array_get(l, first ? 0 : n - 1)) : json_null();
  json_decref(l);
  return r;
}

static json_t *f_first(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  return f_first_last(c, fe, in, true);
}

static json_t *f_last(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)a, (void)item;
  return f_first_last(c, fe, in, false);
}

static json_t *f_join(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)item;
  const char *sep = "、";
  if (fe->nargs) {
    if (!json_is_string(a[0])) {
      RERR(c, fe->off, HB_EINVAL, "filter '%s': the separator must be a \"text\"", fe->f->name);
      return NULL;
    }
    sep = json_string_value(a[0]);
  }
  json_t *l = as_list(c, fe, in);
  if (!l)
    return NULL;
  size_t cap = 256, len = 0;
  char *s = malloc(cap);
  size_t i;
  json_t *v;
  json_array_foreach(l, i, v)
  {
    if (!s)
      break;
    char buf[64], what[32];
    const char *t;
    snprintf(what, sizeof what, "item %zu", i + 1);
    if (!tmpl_scalar_text(c, fe->off, v, what, buf, sizeof buf, &t)) {
      free(s);
      s = NULL;
      break;
    }
    size_t need = len + strlen(sep) + strlen(t) + 1;
    if (need > SUB_TMPL_MAX_OUTPUT) {
      RERR(c, fe->off, HB_ETOOBIG, "filter '%s': text too long", fe->f->name);
      free(s);
      s = NULL;
      break;
    }
    if (need > cap) {
      cap = need * 2;
      char *s2 = realloc(s, cap);
      if (!s2) {
        free(s);
        s = NULL;
        break;
      }
      s = s2;
    }
    if (i) {
      memcpy(s + len, sep, strlen(sep));
      len += strlen(sep);
    }
    memcpy(s + len, t, strlen(t));
    len += strlen(t);
  }
  json_decref(l);
  if (!s)
    return NULL;
  json_t *r = json_stringn(s, len);
  free(s);
  return r;
}

/* get("CODE"): the member CODE of an object, or null (empty) when it has
 * none, so that a template can ask for what one campaign declares and
 * another does not ({% set x = indicators | get("juanzhu") %}{% if x %}). */
static json_t *f_get(rctx *c, const expr *fe, json_t *in, json_t **a, json_t *item)
{
  (void)item;
  if (!json_is_string(a[0])) {
    RERR(c, fe->off, HB_EINVAL, "filter '%s': the name must be a \"text\"", fe->f->name);
    return NULL;
  }
  if (json_is_null(in))
    return json_null();
  if (!json_is_object(in)) {
    RERR(c, fe->off, HB_EINVAL, "filter '%s' needs names with values, got %s", fe->f->name,
         tmpl_value_type(in));
    return NULL;
  }
  json_t *v = json_object_get(in, json_string_value(a[0]));
  return v ? json_incref(v) : json_null();
}

/* English names, and the Chinese names a clerk may write instead. */
static const filter_def filters[] = {
    {"wan", 0, 1, false, f_wan},       {"pct", 0, 1, false, f_pct},
    {"pct_of", 1, 2, false, f_pct_of}, {"cn", 0, 0, false, f_cn},
    {"date", 0, 0, false, f_date},     {"default", 1, 1, false, f_default},
    {"count", 0, 0, false, f_count},   {"sum", 0, 1, true, f_sum},
    {"sort", 0, 1, true, f_sort},      {"sort_desc", 0, 1, true, f_sort_desc},
    {"where", 1, 2, true, f_where},    {"map", 1, 1, true, f_map},
    {"top", 1, 1, false, f_top},       {"skip", 1, 1, false, f_skip},
    {"first", 0, 0, false, f_first},   {"last", 0, 0, false, f_last},
    {"join", 0, 1, false, f_join},     {"get", 1, 1, false, f_get},
    {"查", 1, 1, false, f_get},        {"万", 0, 1, false, f_wan},
    {"百分比", 0, 1, false, f_pct},    {"占比", 1, 2, false, f_pct_of},
    {"中文数字", 0, 0, false, f_cn},   {"日期", 0, 0, false, f_date},
    {"默认", 1, 1, false, f_default},  {"个数", 0, 0, false, f_count},
    {"合计", 0, 1, true, f_sum},       {"升序", 0, 1, true, f_sort},
    {"降序", 0, 1, true, f_sort_desc}, {"筛选", 1, 2, true, f_where},
    {"取", 1, 1, true, f_map},         {"前", 1, 1, false, f_top},
    {"跳过", 1, 1, false, f_skip},     {"第一个", 0, 0, false, f_first},
    {"最后一个", 0, 0, false, f_last}, {"连接", 0, 1, false, f_join},
};

const filter_def *tmpl_filter_find(const char *name)
{
  for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
    if (strcmp(filters[i].name, name) == 0)
      return &filters[i];
  return NULL;
}

const char *tmpl_filter_names(void)
{
  return "wan, pct, pct_of, cn, date, default, count, sum, sort, sort_desc, where, map, top, "
         "skip, first, last, join, get";
}
