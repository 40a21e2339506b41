/* tmpl_expr.c: the expression parser of the template language, by
 * recursive descent over the tag lexer's tokens (the grammar is in
 * tmpl_internal.h). Every function returns a tree the caller owns, or NULL
 * with ps->rc set. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "tmpl_internal.h"

static expr *expr_new(parser *ps, int t, size_t off)
{
  expr *e = calloc(1, sizeof *e);
  if (!e)
    ps->rc = HB_ENOMEM;
  else {
    e->t = t;
    e->off = off;
    e->end = off;
  }
  return e;
}

static expr *parse_path(parser *ps)
{
  expr *e = expr_new(ps, E_PATH, ps->cur.off);
  if (!e)
    return NULL;
  size_t cap = 4;
  e->segs = calloc(cap, sizeof *e->segs);
  if (!e->segs) {
    ps->rc = HB_ENOMEM;
    free(e);
    return NULL;
  }
  e->segs[e->nseg++].key = ps->cur.s;
  ps->cur.s = NULL;
  e->end = ps->cur.end;
  tmpl_lex(ps);
  while (ps->rc == 0 && (ps->cur.k == T_DOT || ps->cur.k == T_LB)) {
    bool bracket = ps->cur.k == T_LB;
    size_t at = ps->cur.off;
    tmpl_lex(ps);
    if (ps->rc)
      break;
    if (e->nseg == cap) {
      seg *s2 = realloc(e->segs, cap * 2 * sizeof *s2);
      if (!s2) {
        ps->rc = HB_ENOMEM;
        break;
      }
      e->segs = s2;
      cap *= 2;
    }
    seg *sg = &e->segs[e->nseg];
    memset(sg, 0, sizeof *sg);
    if (ps->cur.k == T_NUM && json_is_integer(ps->cur.num)) {
      json_int_t v = json_integer_value(ps->cur.num);
      if (v < 1) {
        PERR(ps, ps->cur.off, "positions count from 1");
        break;
      }
      sg->idx = (long)v;
    } else if (ps->cur.k == T_NAME && !bracket) {
      sg->key = ps->cur.s;
      ps->cur.s = NULL;
    } else if (ps->cur.k == T_STR && bracket) {
      sg->key = ps->cur.s;
      ps->cur.s = NULL;
    } else {
      char d[64];
      PERR(ps, ps->cur.k == T_END ? at : ps->cur.off, "expected a name after '%s', found %s",
           bracket ? "[" : ".", tmpl_tok_desc(&ps->cur, d, sizeof d));
      break;
    }
    e->nseg++;
    e->end = ps->cur.end;
    tmpl_lex(ps);
    if (bracket && ps->rc == 0) {
      if (ps->cur.k != T_RB) {
        PERR(ps, at, "'[' is not closed with ']'");
        break;
      }
      e->end = ps->cur.end;
      tmpl_lex(ps);
    }
  }
  if (ps->rc) {
    tmpl_expr_free(e);
    return NULL;
  }
  return e;
}

static expr *parse_primary(parser *ps)
{
  tok *t = &ps->cur;
  if (t->k == T_NUM || t->k == T_STR) {
    expr *e = expr_new(ps, E_LIT, t->off);
    if (!e)
      return NULL;
    e->lit = t->k == T_NUM ? json_incref(t->num) : json_string(t->s);
    e->end = t->end;
    if (!e->lit) {
      ps->rc = HB_ENOMEM;
      free(e);
      return NULL;
    }
    tmpl_lex(ps);
    return e;
  }
  if (t->k == T_NAME) {
    static const char *const reserved[] = {"and",  "or",   "not",    "in",    "for", "if",
                                           "else", "elif", "endfor", "endif", "set"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
      if (strcmp(t->s, reserved[i]) == 0) {
        PERR(ps, t->off, "'%s' is a keyword, not a value", t->s);
        return NULL;
      }
    if (strcmp(t->s, "true") == 0 || strcmp(t->s, "false") == 0) {
      expr *e = expr_new(ps, E_LIT, t->off);
      if (!e)
        return NULL;
      e->lit = json_boolean(t->s[0] == 't');
      e->end = t->end;
      tmpl_lex(ps);
      return e;
    }
    return parse_path(ps);
  }
  if (t->k == T_LP) {
    size_t at = t->off;
    tmpl_lex(ps);
    expr *e = tmpl_parse_cond(ps);
    if (!e)
      return NULL;
    if (ps->cur.k != T_RP) {
      PERR(ps, at, "'(' is not closed with ')'");
      tmpl_expr_free(e);
      return NULL;
    }
    e->off = at;
    e->end = ps->cur.end;
    tmpl_lex(ps);
    return e;
  }
  char d[64];
  if (t->k != T_BAD)
    PERR(ps, t->off, "expected a value (a name, a number or a \"string\"), found %s",
         tmpl_tok_desc(t, d, sizeof d));
  return NULL;
}

static expr *parse_pipe(parser *ps)
{
  expr *e = parse_primary(ps);
  while (e && ps->rc == 0 && ps->cur.k == T_PIPE) {
    size_t at = ps->cur.off;
    tmpl_lex(ps);
    if (ps->cur.k != T_NAME) {
      char d[64];
      PERR(ps, ps->cur.k == T_END ? at : ps->cur.off, "expected a filter name after '|', found %s",
           tmpl_tok_desc(&ps->cur, d, sizeof d));
      break;
    }
    const filter_def *f = tmpl_filter_find(ps->cur.s);
    if (!f) {
      PERR(ps, ps->cur.off, "unknown filter '%s' (filters: %s)", ps->cur.s, tmpl_filter_names());
      break;
    }
    expr *fe = expr_new(ps, E_FILTER, ps->cur.off);
    if (!fe)
      break;
    fe->f = f;
    fe->in = e;
    fe->end = ps->cur.end;
    e = fe;
    size_t name_at = ps->cur.off;
    tmpl_lex(ps);
    if (ps->rc == 0 && ps->cur.k == T_LP) {
      size_t lp = ps->cur.off;
      tmpl_lex(ps);
      if (ps->cur.k != T_RP) {
        for (;;) {
          if (fe->nargs == TMPL_MAX_ARGS) {
            PERR(ps, ps->cur.off, "too many arguments");
            break;
          }
          expr **a2 = realloc(fe->args, (fe->nargs + 1) * sizeof *a2);
          if (!a2) {
            ps->rc = HB_ENOMEM;
            break;
          }
          fe->args = a2;
          expr *arg = tmpl_parse_cond(ps);
          if (!arg)
            break;
          fe->args[fe->nargs++] = arg;
          if (ps->cur.k == T_COMMA) {
            tmpl_lex(ps);
            continue;
          }
          break;
        }
        if (ps->rc == 0 && ps->cur.k != T_RP)
          PERR(ps, lp, "'(' is not closed with ')'");
      }
      if (ps->rc)
        break;
      fe->end = ps->cur.end;
      tmpl_lex(ps);
    }
    if (ps->rc)
      break;
    if ((int)fe->nargs < f->min_args || (int)fe->nargs > f->max_args) {
      if (f->min_args == f->max_args)
        PERR(ps, name_at, "filter '%s' takes %d argument%s, not %zu", f->name, f->min_args,
             f->min_args == 1 ? "" : "s", fe->nargs);
      else
        PERR(ps, name_at, "filter '%s' takes %d to %d arguments, not %zu", f->name, f->min_args,
             f->max_args, fe->nargs);
      break;
    }
  }
  if (ps->rc) {
    tmpl_expr_free(e);
    return NULL;
  }
  return e;
}

static expr *bin(parser *ps, int op, expr *a, expr *b, size_t at)
{
  if (!a || !b) {
    tmpl_expr_free(a);
    tmpl_expr_free(b);
    return NULL;
  }
  expr *e = expr_new(ps, E_BIN, at);
  if (!e) {
    tmpl_expr_free(a);
    tmpl_expr_free(b);
    return NULL;
  }
  e->op = op;
  e->a = a;
  e->b = b;
  e->off = a->off;
  e->end = b->end;
  return e;
}

static expr *parse_sum(parser *ps)
{
  expr *e = parse_pipe(ps);
  while (e && ps->rc == 0 && (ps->cur.k == T_PLUS || ps->cur.k == T_MINUS)) {
    int op = ps->cur.k == T_PLUS ? OP_ADD : OP_SUB;
    size_t at = ps->cur.off;
    tmpl_lex(ps);
    e = bin(ps, op, e, parse_pipe(ps), at);
  }
  return e;
}

static expr *parse_cmp(parser *ps)
{
  expr *e = parse_sum(ps);
  if (!e || ps->rc)
    return e;
  int op = -1;
  switch (ps->cur.k) {
  case T_EQ: op = OP_EQ; break;
  case T_NE: op = OP_NE; break;
  case T_LT: op = OP_LT; break;
  case T_LE: op = OP_LE; break;
  case T_GT: op = OP_GT; break;
  case T_GE: op = OP_GE; break;
  case T_ASSIGN:
    PERR(ps, ps->cur.off, "'=' assigns (in {%% set %%}); compare with '=='");
    tmpl_expr_free(e);
    return NULL;
  default: return e;
  }
  size_t at = ps->cur.off;
  tmpl_lex(ps);
  return bin(ps, op, e, parse_sum(ps), at);
}

static expr *parse_not(parser *ps)
{
  if (tmpl_tok_is_kw(&ps->cur, "not")) {
    size_t at = ps->cur.off;
    if (++ps->depth > SUB_TMPL_MAX_DEPTH) {
      PERR(ps, at, "expression nested too deeply");
      return NULL;
    }
    tmpl_lex(ps);
    expr *a = parse_not(ps);
    ps->depth--;
    if (!a)
      return NULL;
    expr *e = expr_new(ps, E_NOT, at);
    if (!e) {
      tmpl_expr_free(a);
      return NULL;
    }
    e->a = a;
    e->end = a->end;
    return e;
  }
  return parse_cmp(ps);
}

static expr *parse_and(parser *ps)
{
  expr *e = parse_not(ps);
  while (e && ps->rc == 0 && tmpl_tok_is_kw(&ps->cur, "and")) {
    size_t at = ps->cur.off;
    tmpl_lex(ps);
    e = bin(ps, OP_AND, e, parse_not(ps), at);
  }
  return e;
}

expr *tmpl_parse_cond(parser *ps)
{
  if (++ps->depth > SUB_TMPL_MAX_DEPTH) {
    PERR(ps, ps->cur.off, "expression nested too deeply");
    return NULL;
  }
  expr *e = parse_and(ps);
  while (e && ps->rc == 0 && tmpl_tok_is_kw(&ps->cur, "or")) {
    size_t at = ps->cur.off;
    tmpl_lex(ps);
    e = bin(ps, OP_OR, e, parse_and(ps), at);
  }
  ps->depth--;
  if (!e && ps->rc == 0)
    ps->rc = HB_EPARSE;
  return e;
}

/* The whole tag content is one expression. */
expr *tmpl_parse_tag_expr(parser *ps, size_t a, size_t b, size_t tag_off)
{
  tmpl_tag_begin(ps, a, b);
  if (ps->rc)
    return NULL;
  if (ps->cur.k == T_END) {
    PERR(ps, tag_off, "empty placeholder: write a name between {{ and }}");
    return NULL;
  }
  expr *e = tmpl_parse_cond(ps);
  if (e && ps->cur.k != T_END) {
    char d[64];
    PERR(ps, ps->cur.off, "unexpected %s (a filter is written '| name')",
         tmpl_tok_desc(&ps->cur, d, sizeof d));
    tmpl_expr_free(e);
    return NULL;
  }
  return e;
}
