/* tmpl_eval.c: the values of the template language: the render context
 * (output, variables, work limit), paths resolved against the data,
 * operators, and the evaluation of an expression. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tmpl_internal.h"

bool tmpl_step(rctx *c, size_t off)
{
  if (++c->steps > SUB_TMPL_MAX_STEPS) {
    RERR(c, off, HB_ETOOBIG, "too much work (more than %u steps: loops nested too deeply?)",
         SUB_TMPL_MAX_STEPS);
    return false;
  }
  return c->rc == 0;
}

int tmpl_emit(rctx *c, const char *s, size_t n, size_t off)
{
  if (c->len + n > SUB_TMPL_MAX_OUTPUT) {
    RERR(c, off, HB_ETOOBIG, "output larger than %u bytes", SUB_TMPL_MAX_OUTPUT);
    return c->rc;
  }
  if (c->len + n + 1 > c->outcap) {
    size_t cap = c->outcap ? c->outcap : 4096;
    while (cap < c->len + n + 1)
      cap *= 2;
    char *o = realloc(c->out, cap);
    if (!o)
      return c->rc = HB_ENOMEM;
    c->out = o;
    c->outcap = cap;
  }
  memcpy(c->out + c->len, s, n);
  c->len += n;
  c->out[c->len] = '\0';
  return 0;
}

int tmpl_bind(rctx *c, char *name, json_t *val)
{
  if (c->nvars == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 16;
    binding *v = realloc(c->vars, cap * sizeof *v);
    if (!v) {
      json_decref(val);
      return c->rc = HB_ENOMEM;
    }
    c->vars = v;
    c->cap = cap;
  }
  c->vars[c->nvars++] = (binding){name, val};
  return 0;
}

void tmpl_unbind_to(rctx *c, size_t n)
{
  while (c->nvars > n)
    json_decref(c->vars[--c->nvars].val);
}

static json_t *lookup_var(const rctx *c, const char *name)
{
  for (size_t i = c->nvars; i > 0; i--)
    if (strcmp(c->vars[i - 1].name, name) == 0)
      return c->vars[i - 1].val;
  return NULL;
}

const char *tmpl_value_type(const json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "a group of values (object)";
  case JSON_ARRAY: return "a list";
  case JSON_STRING: return "text";
  case JSON_INTEGER:
  case JSON_REAL: return "a number";
  case JSON_TRUE:
  case JSON_FALSE: return "true/false";
  default: return "empty (null)";
  }
}

/* "total, identified, ..." : the keys of an object, for messages. */
static void keys_of(const json_t *o, char *buf, size_t len)
{
  buf[0] = '\0';
  const char *k;
  json_t *v;
  size_t n = 0, used = 0;
  json_object_foreach((json_t *)o, k, v)
  {
    (void)v;
    int w = snprintf(buf + used, len - used, "%s%s", n ? ", " : "", k);
    if (w < 0 || used + (size_t)w >= len - 8 || n == 24) {
      snprintf(buf + used, len - used, ", ...");
      return;
    }
    used += (size_t)w;
    n++;
  }
}

static void path_text(const rctx *c, const expr *e, size_t nseg, char *buf, size_t len)
{
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < nseg && used < len; i++) {
    int w;
    if (e->segs[i].key)
      w = snprintf(buf + used, len - used, "%s%s", i ? "." : "", e->segs[i].key);
    else
      w = snprintf(buf + used, len - used, ".%ld", e->segs[i].idx);
    if (w < 0)
      break;
    used += (size_t)w;
  }
  (void)c;
}

/* Resolves a path. item: relative to that item (filter arguments) instead
 * of the variables and the data. Returns a borrowed value or NULL (error
 * set). */
json_t *tmpl_resolve(rctx *c, const expr *e, json_t *item, bool checking)
{
  json_t *cur;
  size_t i = 0;
  if (item) {
    cur = item;
  } else if ((cur = lookup_var(c, e->segs[0].key)) != NULL) {
    i = 1;
  } else {
    cur = c->root;
  }
  for (; i < e->nseg; i++) {
    const seg *s = &e->segs[i];
    json_t *next = NULL;
    char p[256], keys[512];
    if (json_is_array(cur)) {
      long idx = s->idx;
      if (s->key) {
        char *end;
        idx = strtol(s->key, &end, 10);
        if (*end || idx < 1)
          idx = 0;
      }
      if (idx >= 1)
        next = json_array_get(cur, (size_t)idx - 1);
      if (!next) {
        path_text(c, e, i, p, sizeof p);
        if (checking && json_array_size(cur) == 0)
          return NULL; /* an empty list: nothing to check against */
        if (s->key)
          RERR(c, e->off, HB_EINVAL,
               "'%s' is a list of %zu: '%s' is not a position in it "
               "(write 1 to %zu)",
               p, json_array_size(cur), s->key, json_array_size(cur));
        else
          RERR(c, e->off, HB_EINVAL, "'%s' is a list of %zu: there is no item %ld (1 to %zu)", p,
               json_array_size(cur), s->idx, json_array_size(cur));
        return NULL;
      }
    } else if (json_is_object(cur) && s->key) {
      next = json_object_get(cur, s->key);
      if (!next) {
        keys_of(cur, keys, sizeof keys);
        if (i == 0 && item)
          RERR(c, e->off, HB_EINVAL, "unknown name '%s' in a list item (it has: %s)", s->key, keys);
        else if (i == 0) {
          char vars[256] = "";
          size_t used = 0;
          for (size_t v = 0; v < c->nvars && used < sizeof vars - 40; v++) {
            int w = snprintf(vars + used, sizeof vars - used, "%s%s", used ? ", " : "",
                             c->vars[v].name);
            if (w > 0)
              used += (size_t)w;
          }
          RERR(c, e->off, HB_EINVAL, "unknown placeholder '%s' (known names: %s%s%s)", s->key, keys,
               vars[0] ? "; variables: " : "", vars);
        } else {
          path_text(c, e, i, p, sizeof p);
          RERR(c, e->off, HB_EINVAL, "unknown placeholder: '%s' has no '%s' (it has: %s)", p,
               s->key, keys);
        }
        return NULL;
      }
    } else {
      path_text(c, e, i, p, sizeof p);
      if (checking && json_is_null(cur))
        return NULL;
      RERR(c, e->off, HB_EINVAL, "unknown placeholder: '%s' is %s, it has no '%s'", p,
           tmpl_value_type(cur), s->key ? s->key : "position");
      return NULL;
    }
    cur = next;
  }
  return cur;
}

bool tmpl_truthy(const json_t *v)
{
  switch (json_typeof(v)) {
  case JSON_OBJECT: return json_object_size(v) > 0;
  case JSON_ARRAY: return json_array_size(v) > 0;
  case JSON_STRING: return json_string_length(v) > 0;
  case JSON_INTEGER: return json_integer_value(v) != 0;
  case JSON_REAL: return json_real_value(v) != 0.0;
  case JSON_TRUE: return true;
  default: return false;
  }
}

static json_t *eval_bin(rctx *c, const expr *e, json_t *item)
{
  if (e->op == OP_AND || e->op == OP_OR) {
    json_t *a = tmpl_eval(c, e->a, item);
    if (!a)
      return NULL;
    bool ta = tmpl_truthy(a);
    json_decref(a);
    if ((e->op == OP_AND && !ta) || (e->op == OP_OR && ta))
      return json_boolean(ta);
    json_t *b = tmpl_eval(c, e->b, item);
    if (!b)
      return NULL;
    bool tb = tmpl_truthy(b);
    json_decref(b);
    return json_boolean(tb);
  }
  json_t *a = tmpl_eval(c, e->a, item);
  if (!a)
    return NULL;
  json_t *b = tmpl_eval(c, e->b, item);
  if (!b) {
    json_decref(a);
    return NULL;
  }
  json_t *r = NULL;
  bool nums = json_is_number(a) && json_is_number(b);
  if (e->op == OP_ADD || e->op == OP_SUB) {
    if (nums && json_is_integer(a) && json_is_integer(b)) {
      json_int_t x = json_integer_value(a), y = json_integer_value(b), z;
      bool ovf =
          e->op == OP_ADD ? __builtin_add_overflow(x, y, &z) : __builtin_sub_overflow(x, y, &z);
      if (ovf)
        RERR(c, e->off, HB_EINVAL, "number too large");
      else
        r = json_integer(z);
    } else if (nums) {
      double x = json_number_value(a), y = json_number_value(b);
      r = json_real(e->op == OP_ADD ? x + y : x - y);
    } else if (e->op == OP_ADD && json_is_string(a) && json_is_string(b)) {
      size_t la = json_string_length(a), lb = json_string_length(b);
      char *s = malloc(la + lb + 1);
      if (s) {
        memcpy(s, json_string_value(a), la);
        memcpy(s + la, json_string_value(b), lb);
        s[la + lb] = '\0';
        r = json_stringn_nocheck(s, la + lb);
        free(s);
      }
      if (!r)
        c->rc = HB_ENOMEM;
    } else {
      RERR(c, e->off, HB_EINVAL, "'%s' needs two numbers (or two texts for '+'), got %s and %s",
           e->op == OP_ADD ? "+" : "-", tmpl_value_type(a), tmpl_value_type(b));
    }
  } else {
    int cmp = 0;
    bool ordered = true;
    if (nums) {
      if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        cmp = x < y ? -1 : x > y;
      } else {
        double x = json_number_value(a), y = json_number_value(b);
        cmp = x < y ? -1 : x > y;
      }
    } else if (json_is_string(a) && json_is_string(b)) {
      cmp = strcmp(json_string_value(a), json_string_value(b));
    } else {
      ordered = false;
    }
    bool res = false;
    switch (e->op) {
    case OP_EQ: res = ordered ? cmp == 0 : json_equal(a, b); break;
    case OP_NE: res = ordered ? cmp != 0 : !json_equal(a, b); break;
    default:
      if (!ordered) {
        RERR(c, e->off, HB_EINVAL, "cannot compare %s with %s", tmpl_value_type(a),
             tmpl_value_type(b));
        break;
      }
      res = e->op == OP_LT   ? cmp < 0
            : e->op == OP_LE ? cmp <= 0
            : e->op == OP_GT ? cmp > 0
                             : cmp >= 0;
    }
    if (c->rc == 0)
      r = json_boolean(res);
  }
  json_decref(a);
  json_decref(b);
  if (!r && c->rc == 0)
    c->rc = HB_ENOMEM;
  return r;
}

json_t *tmpl_eval(rctx *c, const expr *e, json_t *item)
{
  if (!tmpl_step(c, e->off))
    return NULL;
  switch (e->t) {
  case E_LIT: return json_incref(e->lit);
  case E_PATH: {
    json_t *v = tmpl_resolve(c, e, item, false);
    return v ? json_incref(v) : NULL;
  }
  case E_NOT: {
    json_t *a = tmpl_eval(c, e->a, item);
    if (!a)
      return NULL;
    bool t = tmpl_truthy(a);
    json_decref(a);
    return json_boolean(!t);
  }
  case E_BIN: return eval_bin(c, e, item);
  case E_FILTER: {
    json_t *in = tmpl_eval(c, e->in, item);
    if (!in)
      return NULL;
    json_t *args[TMPL_MAX_ARGS] = {NULL};
    if (!e->f->relative) {
      for (size_t i = 0; i < e->nargs; i++) {
        args[i] = tmpl_eval(c, e->args[i], item);
        if (!args[i]) {
          for (size_t k = 0; k < i; k++)
            json_decref(args[k]);
          json_decref(in);
          return NULL;
        }
      }
    }
    json_t *r = e->f->fn(c, e, in, args, item);
    for (size_t i = 0; i < e->nargs; i++)
      json_decref(args[i]);
    json_decref(in);
    if (!r && c->rc == 0)
      c->rc = HB_ENOMEM;
    return r;
  }
  default: break;
  }
  return NULL;
}

json_t *tmpl_list_of(rctx *c, json_t *in)
{
  if (json_is_array(in))
    return json_incref(in);
  json_t *l = json_array();
  const char *k;
  json_t *v;
  json_object_foreach(in, k, v)
  {
    (void)k;
    if (l && json_array_append(l, v) != 0) {
      json_decref(l);
      l = NULL;
    }
  }
  if (!l)
    c->rc = HB_ENOMEM;
  return l;
}

/* The text a scalar prints as; false (error set) for lists, objects, null. */
bool tmpl_scalar_text(rctx *c, size_t off, const json_t *v, const char *what, char *buf, size_t len,
                      const char **out)
{
  switch (json_typeof(v)) {
  case JSON_STRING: *out = json_string_value(v); return true;
  case JSON_INTEGER:
    snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    *out = buf;
    return true;
  case JSON_REAL:
    snprintf(buf, len, "%.10g", json_real_value(v));
    *out = buf;
    return true;
  case JSON_TRUE: *out = "是"; return true;
  case JSON_FALSE: *out = "否"; return true;
  case JSON_NULL:
    RERR(c, off, HB_EINVAL,
         "%s is empty (null): give a text for that case with "
         "| default(\"...\")",
         what);
    return false;
  case JSON_ARRAY:
    RERR(c, off, HB_EINVAL,
         "%s is a list, not one value: loop over it with {%% for %%}, "
         "or use | count or | join",
         what);
    return false;
  default:
    RERR(c, off, HB_EINVAL, "%s is a group of values, not one value: name one of them (%s.NAME)",
         what, what);
    return false;
  }
}
