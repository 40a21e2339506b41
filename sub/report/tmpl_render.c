/* tmpl_render.c: rendering a parsed template: first the check of every
 * path against the data (an unknown placeholder is an error even where this
 * data does not reach), then the walk over the tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tmpl_internal.h"

/* ------------------------------------------------------------ the walk */

static int render_list(rctx *c, const nlist *l);

static int render_out(rctx *c, const node *n)
{
  json_t *v = tmpl_eval(c, n->e, NULL);
  if (!v)
    return c->rc;
  char buf[64], what[128];
  const char *t;
  tmpl_excerpt(c->t->src, n->e->off, n->e->end, what, sizeof what);
  char quoted[140];
  snprintf(quoted, sizeof quoted, "'%s'", what);
  if (tmpl_scalar_text(c, n->e->off, v, quoted, buf, sizeof buf, &t))
    tmpl_emit(c, t, strlen(t), n->off);
  json_decref(v);
  return c->rc;
}

static int render_for(rctx *c, const node *n)
{
  json_t *seq = tmpl_eval(c, n->e, NULL);
  if (!seq)
    return c->rc;
  if (json_is_null(seq)) {
    json_decref(seq);
    return render_list(c, &n->else_body);
  }
  json_t *l = NULL;
  if (json_is_array(seq) || json_is_object(seq)) {
    l = tmpl_list_of(c, seq);
  } else {
    char what[128];
    tmpl_excerpt(c->t->src, n->e->off, n->e->end, what, sizeof what);
    RERR(c, n->e->off, HB_EINVAL, "{%% for %%} needs a list, but '%s' is %s", what,
         tmpl_value_type(seq));
  }
  json_decref(seq);
  if (!l)
    return c->rc;
  size_t len = json_array_size(l);
  if (len == 0) {
    json_decref(l);
    return render_list(c, &n->else_body);
  }
  size_t base = c->nvars;
  for (size_t i = 0; i < len && c->rc == 0 && tmpl_step(c, n->off); i++) {
    json_t *loop =
        json_pack("{s:I, s:I, s:b, s:b, s:I}", "index", (json_int_t)i + 1, "index0", (json_int_t)i,
                  "first", i == 0, "last", i + 1 == len, "length", (json_int_t)len);
    if (!loop) {
      c->rc = HB_ENOMEM;
      break;
    }
    if (tmpl_bind(c, (char *)"loop", loop) != 0 ||
        tmpl_bind(c, n->var, json_incref(json_array_get(l, i))) != 0)
      break;
    render_list(c, &n->body);
    tmpl_unbind_to(c, base);
  }
  tmpl_unbind_to(c, base);
  json_decref(l);
  return c->rc;
}

static int render_list(rctx *c, const nlist *l)
{
  size_t base = c->nvars;
  for (size_t i = 0; i < l->n && c->rc == 0; i++) {
    const node *n = l->v[i];
    if (!tmpl_step(c, n->off))
      break;
    switch (n->t) {
    case N_TEXT: tmpl_emit(c, n->text, n->len, n->off); break;
    case N_OUT: render_out(c, n); break;
    case N_FOR: render_for(c, n); break;
    case N_SET: {
      json_t *v = tmpl_eval(c, n->e, NULL);
      if (v)
        tmpl_bind(c, n->var, v);
      break;
    }
    case N_IF: {
      bool done = false;
      for (size_t b = 0; b < n->nbr && c->rc == 0 && !done; b++) {
        json_t *v = tmpl_eval(c, n->conds[b], NULL);
        if (!v)
          break;
        if (tmpl_truthy(v)) {
          done = true;
          render_list(c, &n->branches[b]);
        }
        json_decref(v);
      }
      if (!done && c->rc == 0)
        render_list(c, &n->else_body);
      break;
    }
    default: break;
    }
  }
  tmpl_unbind_to(c, base);
  return c->rc;
}

/* ------------------------------------------------------------ the check */

/* Names bound inside the part being checked (loop and set variables): their
 * values are not known, so paths through them are not checked. */
typedef struct opaque {
  const char *names[SUB_TMPL_MAX_DEPTH * 4 + 64];
  size_t n;
} opaque;

static bool is_opaque(const opaque *o, const char *name)
{
  for (size_t i = o->n; i > 0; i--)
    if (strcmp(o->names[i - 1], name) == 0)
      return true;
  return false;
}

static void check_expr(rctx *c, const expr *e, const opaque *o)
{
  if (!e || c->rc)
    return;
  switch (e->t) {
  case E_PATH:
    if (!is_opaque(o, e->segs[0].key) && strcmp(e->segs[0].key, "loop") != 0)
      tmpl_resolve(c, e, NULL, true);
    break;
  case E_FILTER:
    check_expr(c, e->in, o);
    if (!e->f->relative)
      for (size_t i = 0; i < e->nargs; i++)
        check_expr(c, e->args[i], o);
    break;
  case E_BIN:
    check_expr(c, e->a, o);
    check_expr(c, e->b, o);
    break;
  case E_NOT: check_expr(c, e->a, o); break;
  default: break;
  }
}

static void check_list(rctx *c, const nlist *l, opaque *o)
{
  size_t base = o->n;
  for (size_t i = 0; i < l->n && c->rc == 0; i++) {
    const node *n = l->v[i];
    switch (n->t) {
    case N_OUT: check_expr(c, n->e, o); break;
    case N_SET:
      check_expr(c, n->e, o);
      if (o->n < sizeof o->names / sizeof o->names[0])
        o->names[o->n++] = n->var;
      break;
    case N_FOR:
      check_expr(c, n->e, o);
      check_list(c, &n->else_body, o);
      if (o->n < sizeof o->names / sizeof o->names[0]) {
        size_t b = o->n;
        o->names[o->n++] = n->var;
        check_list(c, &n->body, o);
        o->n = b;
      }
      break;
    case N_IF:
      for (size_t b = 0; b < n->nbr; b++) {
        check_expr(c, n->conds[b], o);
        check_list(c, &n->branches[b], o);
      }
      check_list(c, &n->else_body, o);
      break;
    default: break;
    }
  }
  o->n = base;
}

int sub_tmpl_render(const sub_tmpl *t, json_t *data, char **out, size_t *outlen, char *err,
                    size_t errlen)
{
  *out = NULL;
  if (outlen)
    *outlen = 0;
  if (err && errlen)
    err[0] = '\0';
  rctx c;
  memset(&c, 0, sizeof c);
  c.t = t;
  c.root = data;
  c.err = err;
  c.errlen = errlen;
  opaque *o = calloc(1, sizeof *o);
  if (!o)
    return HB_ENOMEM;
  check_list(&c, &t->root, o);
  free(o);
  if (c.rc == 0)
    render_list(&c, &t->root);
  if (c.rc == 0 && tmpl_emit(&c, "", 0, 0) == 0) {
    *out = c.out;
    if (outlen)
      *outlen = c.len;
    free(c.vars);
    return 0;
  }
  tmpl_unbind_to(&c, 0);
  free(c.vars);
  free(c.out);
  return c.rc;
}
