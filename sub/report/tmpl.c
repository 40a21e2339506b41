/* tmpl.c: parser and evaluator of the report template language (tmpl.h).
 *
 * The template is split into tokens (text, {{ }}, {% %}, {# #}); the block
 * tags build a tree of nodes; expressions are parsed by recursive descent:
 *
 *   cond   := and ('or' and)*          and := not ('and' not)*
 *   not    := 'not' not | cmp          cmp := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?
 *   sum    := pipe (('+'|'-') pipe)*   pipe := primary ('|' NAME ['(' cond, ... ')'])*
 *   primary:= NUMBER | STRING | path | '(' cond ')'
 *   path   := NAME ('.' (NAME | NUMBER) | '[' (STRING | NUMBER) ']')*
 *
 * Values are jansson values; every evaluation returns a new reference. */
#include "tmpl.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_text.h"
#include "numfmt.h"

/* ------------------------------------------------------------ the tree */

typedef struct expr expr;
typedef struct rctx rctx;

typedef json_t *(*filter_fn)(rctx *c, const expr *fe, json_t *in, json_t **args, json_t *item);

typedef struct filter_def {
  const char *name;
  int min_args, max_args;
  bool relative; /* arguments are evaluated per list item, against the item */
  filter_fn fn;
} filter_def;

enum etype { E_LIT, E_PATH, E_FILTER, E_BIN, E_NOT };
enum binop { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_AND, OP_OR, OP_ADD, OP_SUB };

typedef struct seg {
  char *key; /* NULL: an index */
  long idx;  /* 1-based */
} seg;

struct expr {
  int t;
  size_t off, end; /* source span, for messages */
  json_t *lit;
  seg *segs;
  size_t nseg;
  const filter_def *f;
  expr *in;
  expr **args;
  size_t nargs;
  int op;
  expr *a, *b;
};

enum ntype { N_TEXT, N_OUT, N_FOR, N_IF, N_SET };

typedef struct node node;
typedef struct nlist {
  node **v;
  size_t n, cap;
} nlist;

struct node {
  int t;
  size_t off;
  char *text; /* N_TEXT */
  size_t len;
  expr *e;   /* N_OUT, N_FOR (the sequence), N_SET */
  char *var; /* N_FOR, N_SET */
  nlist body, else_body;
  expr **conds; /* N_IF: conds[i] guards branches[i]; else_body otherwise */
  nlist *branches;
  size_t nbr;
};

struct sub_tmpl {
  char *name;
  char *src;
  size_t len;
  nlist root;
};

/* ------------------------------------------------------------ messages */

/* 1-based line and column (in characters) of byte offset off. */
static void line_col(const char *src, size_t len, size_t off, int *line, int *col)
{
  int l = 1, cc = 1;
  for (size_t i = 0; i < off && i < len; i++) {
    if (src[i] == '\n') {
      l++;
      cc = 1;
    } else if (((unsigned char)src[i] & 0xC0) != 0x80) {
      cc++;
    }
  }
  *line = l;
  *col = cc;
}

__attribute__((format(printf, 7, 8))) static void say_n(const char *name, const char *src,
                                                        size_t len, size_t off, char *err,
                                                        size_t errlen, const char *fmt, ...)
{
  if (!err || !errlen)
    return;
  int line, col;
  line_col(src, len, off, &line, &col);
  int n = snprintf(err, errlen, "%s:%d:%d: ", name, line, col);
  if (n < 0 || (size_t)n >= errlen)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

/* A short printable excerpt of the source span [a, b) for messages. */
static void excerpt(const char *src, size_t a, size_t b, char *buf, size_t len)
{
  char tmp[160];
  size_t n = b > a ? b - a : 0;
  if (n >= sizeof tmp)
    n = sizeof tmp - 1;
  memcpy(tmp, src + a, n);
  tmp[n] = '\0';
  hb_text_excerpt(tmp, 60, buf, len);
}

/* ------------------------------------------------------------ freeing */

static void expr_free(expr *e)
{
  if (!e)
    return;
  json_decref(e->lit);
  for (size_t i = 0; i < e->nseg; i++)
    free(e->segs[i].key);
  free(e->segs);
  expr_free(e->in);
  for (size_t i = 0; i < e->nargs; i++)
    expr_free(e->args[i]);
  free(e->args);
  expr_free(e->a);
  expr_free(e->b);
  free(e);
}

static void node_free(node *n);

static void nlist_free(nlist *l)
{
  for (size_t i = 0; i < l->n; i++)
    node_free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}

static void node_free(node *n)
{
  if (!n)
    return;
  free(n->text);
  expr_free(n->e);
  free(n->var);
  nlist_free(&n->body);
  nlist_free(&n->else_body);
  for (size_t i = 0; i < n->nbr; i++) {
    expr_free(n->conds[i]);
    nlist_free(&n->branches[i]);
  }
  free(n->conds);
  free(n->branches);
  free(n);
}

void sub_tmpl_free(sub_tmpl *t)
{
  if (!t)
    return;
  nlist_free(&t->root);
  free(t->src);
  free(t->name);
  free(t);
}

static int nlist_push(nlist *l, node *n)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    node **v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return HB_ENOMEM;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = n;
  return 0;
}

/* ------------------------------------------------------------ filters (declared) */

static const filter_def *filter_find(const char *name);
static const char *filter_names(void);

/* ------------------------------------------------------------ tag lexer */

enum tk {
  T_END = 0,
  T_NAME,
  T_NUM,
  T_STR,
  T_DOT,
  T_PIPE,
  T_LP,
  T_RP,
  T_LB,
  T_RB,
  T_COMMA,
  T_ASSIGN,
  T_EQ,
  T_NE,
  T_LT,
  T_LE,
  T_GT,
  T_GE,
  T_PLUS,
  T_MINUS,
  T_BAD
};

typedef struct tok {
  int k;
  size_t off, end; /* bytes in src */
  char *s;         /* T_NAME, T_STR: malloc'd text */
  json_t *num;     /* T_NUM */
} tok;

typedef struct parser {
  const char *name;
  const char *src;
  size_t len;
  size_t p, lim; /* the tag content being lexed */
  tok cur;
  int depth;
  char *err;
  size_t errlen;
  int rc;
} parser;

#define PERR(ps, off, ...)                                                                         \
  do {                                                                                             \
    if ((ps)->rc == 0) {                                                                           \
      say_n((ps)->name, (ps)->src, (ps)->len, (off), (ps)->err, (ps)->errlen, __VA_ARGS__);        \
      (ps)->rc = HB_EPARSE;                                                                        \
    }                                                                                              \
  } while (0)

/* Full-width punctuation a Chinese input method types, as its ASCII
 * meaning: returns the ASCII character and sets *n to the bytes it takes,
 * or 0. */
static int fullwidth(const char *s, size_t left, size_t *n)
{
  static const struct {
    const char *u;
    char a;
  } map[] = {{"\xEF\xBD\x9C", '|'},  {"\xEF\xBC\x88", '('},  {"\xEF\xBC\x89", ')'},
             {"\xEF\xBC\x8C", ','},  {"\xE2\x80\x9C", '"'},  {"\xE2\x80\x9D", '"'},
             {"\xE2\x80\x98", '\''}, {"\xE2\x80\x99", '\''}, {"\xE3\x80\x80", ' '},
             {"\xEF\xBC\x8E", '.'},  {"\xEF\xBC\x9D", '='},  {"\xEF\xBC\x9E", '>'},
             {"\xEF\xBC\x9C", '<'},  {"\xEF\xBC\x8B", '+'},  {"\xEF\xBC\x8D", '-'},
             {"\xEF\xBC\xBB", '['},  {"\xEF\xBC\xBD", ']'}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    if (left >= 3 && memcmp(s, map[i].u, 3) == 0) {
      *n = 3;
      return map[i].a;
    }
  }
  *n = 0;
  return 0;
}

/* The character at s as ASCII (full-width mapped), with its size. */
static int ch_at(const parser *ps, size_t p, size_t *n)
{
  if (p >= ps->lim) {
    *n = 0;
    return 0;
  }
  int a = fullwidth(ps->src + p, ps->lim - p, n);
  if (a)
    return a;
  *n = 1;
  return (unsigned char)ps->src[p];
}

static bool name_start(int ch)
{
  return isalpha(ch) || ch == '_' || ch >= 0x80;
}

static bool name_char(int ch)
{
  return name_start(ch) || isdigit(ch);
}

static void tok_clear(tok *t)
{
  free(t->s);
  json_decref(t->num);
  memset(t, 0, sizeof *t);
}

static void lex(parser *ps)
{
  tok_clear(&ps->cur);
  size_t n;
  int ch;
  while ((ch = ch_at(ps, ps->p, &n)) != 0 && (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'))
    ps->p += n;
  tok *t = &ps->cur;
  t->off = ps->p;
  if (ps->p >= ps->lim) {
    t->k = T_END;
    t->end = ps->p;
    return;
  }
  ch = ch_at(ps, ps->p, &n);
  if (isdigit(ch)) {
    size_t q = ps->p;
    while (q < ps->lim && isdigit((unsigned char)ps->src[q]))
      q++;
    bool real = false;
    if (q + 1 < ps->lim && ps->src[q] == '.' && isdigit((unsigned char)ps->src[q + 1])) {
      real = true;
      q++;
      while (q < ps->lim && isdigit((unsigned char)ps->src[q]))
        q++;
    }
    char buf[64];
    size_t len = q - ps->p;
    if (len >= sizeof buf) {
      PERR(ps, ps->p, "number too long");
      t->k = T_BAD;
      return;
    }
    memcpy(buf, ps->src + ps->p, len);
    buf[len] = '\0';
    if (real) {
      t->num = json_real(strtod(buf, NULL));
    } else {
      errno = 0;
      long long v = strtoll(buf, NULL, 10);
      if (errno) {
        PERR(ps, ps->p, "number too large: %s", buf);
        t->k = T_BAD;
        return;
      }
      t->num = json_integer(v);
    }
    if (!t->num) {
      ps->rc = HB_ENOMEM;
      t->k = T_BAD;
      return;
    }
    t->k = T_NUM;
    ps->p = q;
    t->end = q;
    return;
  }
  if (ch == '"' || ch == '\'') {
    /* “…” closes with ” (or "), '…' with ' (or ’) */
    size_t q = ps->p + n;
    size_t cap = 64, len = 0;
    char *s = malloc(cap);
    if (!s) {
      ps->rc = HB_ENOMEM;
      t->k = T_BAD;
      return;
    }
    for (;;) {
      size_t m;
      int c2 = ch_at(ps, q, &m);
      if (c2 == 0) {
        free(s);
        PERR(ps, t->off, "string not closed (a quote %s is missing)", ch == '"' ? "\"" : "'");
        t->k = T_BAD;
        return;
      }
      const char *piece = ps->src + q;
      size_t plen = m;
      if (c2 == ch && m >= 1 && (m == 1 || ch == '"' || ch == '\'')) {
        /* a full-width quote maps to the same ASCII quote: it closes too */
        q += m;
        break;
      }
      if (c2 == '\\' && m == 1) {
        size_t m2;
        int e = ch_at(ps, q + 1, &m2);
        if (e == 'n') {
          piece = "\n";
          plen = 1;
        } else if (e == '\\' || e == '"' || e == '\'') {
          piece = ps->src + q + 1;
          plen = m2;
        } else {
          free(s);
          PERR(ps, q, "unknown escape in a string (use \\\" \\' \\\\ or \\n)");
          t->k = T_BAD;
          return;
        }
        q += 1 + m2;
      } else {
        q += m;
      }
      if (len + plen + 1 > cap) {
        cap = (len + plen + 1) * 2;
        char *s2 = realloc(s, cap);
        if (!s2) {
          free(s);
          ps->rc = HB_ENOMEM;
          t->k = T_BAD;
          return;
        }
        s = s2;
      }
      memcpy(s + len, piece, plen);
      len += plen;
    }
    s[len] = '\0';
    t->k = T_STR;
    t->s = s;
    ps->p = q;
    t->end = q;
    return;
  }
  if (name_start(ch) && n == 1) {
    size_t q = ps->p;
    for (;;) {
      size_t m;
      int c2 = ch_at(ps, q, &m);
      if (!c2 || m != 1 || !name_char(c2))
        break;
      q++;
    }
    /* stop at full-width punctuation, which maps to an operator */
    size_t len = q - ps->p;
    t->s = malloc(len + 1);
    if (!t->s) {
      ps->rc = HB_ENOMEM;
      t->k = T_BAD;
      return;
    }
    memcpy(t->s, ps->src + ps->p, len);
    t->s[len] = '\0';
    if (!hb_utf8_valid(t->s, len)) {
      PERR(ps, ps->p, "not valid UTF-8");
      t->k = T_BAD;
      return;
    }
    t->k = T_NAME;
    ps->p = q;
    t->end = q;
    return;
  }
  size_t m2;
  int nx = ch_at(ps, ps->p + n, &m2);
  int k = T_BAD;
  size_t take = n;
  switch (ch) {
  case '.': k = T_DOT; break;
  case '|': k = T_PIPE; break;
  case '(': k = T_LP; break;
  case ')': k = T_RP; break;
  case '[': k = T_LB; break;
  case ']': k = T_RB; break;
  case ',': k = T_COMMA; break;
  case '+': k = T_PLUS; break;
  case '-': k = T_MINUS; break;
  case '=':
    if (nx == '=') {
      k = T_EQ;
      take += m2;
    } else {
      k = T_ASSIGN;
    }
    break;
  case '!':
    if (nx == '=') {
      k = T_NE;
      take += m2;
    }
    break;
  case '<':
    k = T_LT;
    if (nx == '=') {
      k = T_LE;
      take += m2;
    }
    break;
  case '>':
    k = T_GT;
    if (nx == '=') {
      k = T_GE;
      take += m2;
    }
    break;
  default: break;
  }
  if (k == T_BAD) {
    char ex[64];
    excerpt(ps->src, ps->p, ps->p + (n ? n : 1), ex, sizeof ex);
    PERR(ps, ps->p, "unexpected character '%s'", ex);
    t->k = T_BAD;
    t->end = ps->p + (n ? n : 1);
    return;
  }
  t->k = k;
  ps->p += take;
  t->end = ps->p;
}

static bool is_kw(const tok *t, const char *kw)
{
  return t->k == T_NAME && strcmp(t->s, kw) == 0;
}

static const char *tok_desc(const tok *t, char *buf, size_t len)
{
  switch (t->k) {
  case T_END: return "the end of the tag";
  case T_NAME: snprintf(buf, len, "'%s'", t->s); return buf;
  case T_STR: return "a string";
  case T_NUM: return "a number";
  default: break;
  }
  return "a symbol";
}

/* ------------------------------------------------------------ expressions */

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

static expr *parse_cond(parser *ps);

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
  lex(ps);
  while (ps->rc == 0 && (ps->cur.k == T_DOT || ps->cur.k == T_LB)) {
    bool bracket = ps->cur.k == T_LB;
    size_t at = ps->cur.off;
    lex(ps);
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
           bracket ? "[" : ".", tok_desc(&ps->cur, d, sizeof d));
      break;
    }
    e->nseg++;
    e->end = ps->cur.end;
    lex(ps);
    if (bracket && ps->rc == 0) {
      if (ps->cur.k != T_RB) {
        PERR(ps, at, "'[' is not closed with ']'");
        break;
      }
      e->end = ps->cur.end;
      lex(ps);
    }
  }
  if (ps->rc) {
    expr_free(e);
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
    lex(ps);
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
      lex(ps);
      return e;
    }
    return parse_path(ps);
  }
  if (t->k == T_LP) {
    size_t at = t->off;
    lex(ps);
    expr *e = parse_cond(ps);
    if (!e)
      return NULL;
    if (ps->cur.k != T_RP) {
      PERR(ps, at, "'(' is not closed with ')'");
      expr_free(e);
      return NULL;
    }
    e->off = at;
    e->end = ps->cur.end;
    lex(ps);
    return e;
  }
  char d[64];
  if (t->k != T_BAD)
    PERR(ps, t->off, "expected a value (a name, a number or a \"string\"), found %s",
         tok_desc(t, d, sizeof d));
  return NULL;
}

static expr *parse_pipe(parser *ps)
{
  expr *e = parse_primary(ps);
  while (e && ps->rc == 0 && ps->cur.k == T_PIPE) {
    size_t at = ps->cur.off;
    lex(ps);
    if (ps->cur.k != T_NAME) {
      char d[64];
      PERR(ps, ps->cur.k == T_END ? at : ps->cur.off, "expected a filter name after '|', found %s",
           tok_desc(&ps->cur, d, sizeof d));
      break;
    }
    const filter_def *f = filter_find(ps->cur.s);
    if (!f) {
      PERR(ps, ps->cur.off, "unknown filter '%s' (filters: %s)", ps->cur.s, filter_names());
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
    lex(ps);
    if (ps->rc == 0 && ps->cur.k == T_LP) {
      size_t lp = ps->cur.off;
      lex(ps);
      if (ps->cur.k != T_RP) {
        for (;;) {
          if (fe->nargs == 8) {
            PERR(ps, ps->cur.off, "too many arguments");
            break;
          }
          expr **a2 = realloc(fe->args, (fe->nargs + 1) * sizeof *a2);
          if (!a2) {
            ps->rc = HB_ENOMEM;
            break;
          }
          fe->args = a2;
          expr *arg = parse_cond(ps);
          if (!arg)
            break;
          fe->args[fe->nargs++] = arg;
          if (ps->cur.k == T_COMMA) {
            lex(ps);
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
      lex(ps);
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
    expr_free(e);
    return NULL;
  }
  return e;
}

static expr *bin(parser *ps, int op, expr *a, expr *b, size_t at)
{
  if (!a || !b) {
    expr_free(a);
    expr_free(b);
    return NULL;
  }
  expr *e = expr_new(ps, E_BIN, at);
  if (!e) {
    expr_free(a);
    expr_free(b);
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
    lex(ps);
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
    expr_free(e);
    return NULL;
  default: return e;
  }
  size_t at = ps->cur.off;
  lex(ps);
  return bin(ps, op, e, parse_sum(ps), at);
}

static expr *parse_not(parser *ps)
{
  if (is_kw(&ps->cur, "not")) {
    size_t at = ps->cur.off;
    if (++ps->depth > SUB_TMPL_MAX_DEPTH) {
      PERR(ps, at, "expression nested too deeply");
      return NULL;
    }
    lex(ps);
    expr *a = parse_not(ps);
    ps->depth--;
    if (!a)
      return NULL;
    expr *e = expr_new(ps, E_NOT, at);
    if (!e) {
      expr_free(a);
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
  while (e && ps->rc == 0 && is_kw(&ps->cur, "and")) {
    size_t at = ps->cur.off;
    lex(ps);
    e = bin(ps, OP_AND, e, parse_not(ps), at);
  }
  return e;
}

static expr *parse_cond(parser *ps)
{
  if (++ps->depth > SUB_TMPL_MAX_DEPTH) {
    PERR(ps, ps->cur.off, "expression nested too deeply");
    return NULL;
  }
  expr *e = parse_and(ps);
  while (e && ps->rc == 0 && is_kw(&ps->cur, "or")) {
    size_t at = ps->cur.off;
    lex(ps);
    e = bin(ps, OP_OR, e, parse_and(ps), at);
  }
  ps->depth--;
  if (!e && ps->rc == 0)
    ps->rc = HB_EPARSE;
  return e;
}

/* Starts lexing the tag content [a, b). */
static void tag_begin(parser *ps, size_t a, size_t b)
{
  ps->p = a;
  ps->lim = b;
  lex(ps);
}

/* The whole tag content is one expression. */
static expr *parse_tag_expr(parser *ps, size_t a, size_t b, size_t tag_off)
{
  tag_begin(ps, a, b);
  if (ps->rc)
    return NULL;
  if (ps->cur.k == T_END) {
    PERR(ps, tag_off, "empty placeholder: write a name between {{ and }}");
    return NULL;
  }
  expr *e = parse_cond(ps);
  if (e && ps->cur.k != T_END) {
    char d[64];
    PERR(ps, ps->cur.off, "unexpected %s (a filter is written '| name')",
         tok_desc(&ps->cur, d, sizeof d));
    expr_free(e);
    return NULL;
  }
  return e;
}

/* ------------------------------------------------------------ template lexer */

enum tt { TT_TEXT, TT_OUT, TT_BLOCK, TT_COMMENT };

typedef struct ttok {
  int k;
  size_t off, end; /* the whole token, delimiters included */
  size_t ca, cb;   /* the content between the delimiters */
} ttok;

typedef struct tlist {
  ttok *v;
  size_t n, cap;
} tlist;

static int tlist_push(tlist *l, ttok t)
{
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    ttok *v = realloc(l->v, cap * sizeof *v);
    if (!v)
      return HB_ENOMEM;
    l->v = v;
    l->cap = cap;
  }
  l->v[l->n++] = t;
  return 0;
}

/* Splits src into tokens; text tokens cover what lies between tags. */
static int split(parser *ps, tlist *out)
{
  const char *s = ps->src;
  size_t n = ps->len, p = 0, text = 0;
  while (p + 1 < n) {
    if (s[p] != '{' || (s[p + 1] != '{' && s[p + 1] != '%' && s[p + 1] != '#')) {
      p++;
      continue;
    }
    char open = s[p + 1];
    char close = open == '{' ? '}' : open;
    size_t q = p + 2;
    char quote = 0;
    bool closed = false;
    while (q < n) {
      if (open != '#') {
        /* quotes as the tag lexer sees them: full-width ones included */
        size_t qn = 1;
        char qc = s[q];
        if (q + 2 < n && (unsigned char)s[q] == 0xE2 && (unsigned char)s[q + 1] == 0x80) {
          unsigned char b3 = (unsigned char)s[q + 2];
          if (b3 == 0x9C || b3 == 0x9D || b3 == 0x98 || b3 == 0x99) {
            qc = b3 >= 0x9C ? '"' : '\'';
            qn = 3;
          }
        }
        if (quote) {
          if (qc == '\\' && q + 1 < n) {
            q += 2;
            continue;
          }
          if (qc == quote)
            quote = 0;
          q += qn;
          continue;
        }
        if (qc == '"' || qc == '\'') {
          quote = qc;
          q += qn;
          continue;
        }
      }
      if (s[q] == close && q + 1 < n && s[q + 1] == '}') {
        closed = true;
        break;
      }
      q++;
    }
    if (!closed) {
      if (quote)
        PERR(ps, p, "'{%c' is not closed with '%c}' (a string inside it is not closed either)",
             open, close);
      else
        PERR(ps, p, "'{%c' is not closed with '%c}'", open, close);
      return ps->rc;
    }
    if (p > text && tlist_push(out, (ttok){TT_TEXT, text, p, text, p}) != 0)
      return HB_ENOMEM;
    int k = open == '{' ? TT_OUT : open == '%' ? TT_BLOCK : TT_COMMENT;
    if (tlist_push(out, (ttok){k, p, q + 2, p + 2, q}) != 0)
      return HB_ENOMEM;
    p = q + 2;
    text = p;
  }
  if (n > text && tlist_push(out, (ttok){TT_TEXT, text, n, text, n}) != 0)
    return HB_ENOMEM;
  return 0;
}

/* Marks in drop[] the bytes of every line that holds only block and comment
 * tags and blanks, with its line break: such lines vanish from the output. */
static void mark_tag_lines(const parser *ps, const tlist *tl, unsigned char *drop)
{
  const char *s = ps->src;
  size_t n = ps->len;
  size_t i = 0;
  while (i < tl->n) {
    const ttok *t = &tl->v[i];
    if (t->k != TT_BLOCK && t->k != TT_COMMENT) {
      i++;
      continue;
    }
    size_t ls = t->off;
    while (ls > 0 && s[ls - 1] != '\n')
      ls--;
    /* the line runs from ls to the first newline outside a tag */
    size_t j = i, p = ls;
    /* find the first token that touches ls */
    size_t k = i;
    while (k > 0 && tl->v[k - 1].end > ls)
      k--;
    bool ok = true;
    size_t le = n;
    j = k;
    while (p < n) {
      while (j < tl->n && tl->v[j].end <= p)
        j++;
      if (j < tl->n && tl->v[j].k != TT_TEXT && tl->v[j].off <= p) {
        if (tl->v[j].k == TT_OUT) {
          ok = false;
          break;
        }
        p = tl->v[j].end;
        continue;
      }
      if (s[p] == '\n') {
        le = p;
        break;
      }
      if (s[p] != ' ' && s[p] != '\t' && s[p] != '\r') {
        ok = false;
        break;
      }
      p++;
    }
    /* skip the tags this line holds */
    size_t next = i + 1;
    while (next < tl->n && tl->v[next].off < (ok ? le : t->end))
      next++;
    if (ok) {
      size_t stop = le < n ? le + 1 : n;
      memset(drop + ls, 1, stop - ls);
    }
    i = next;
  }
}

/* ------------------------------------------------------------ block parser */

typedef struct bparser {
  parser ps;
  tlist tl;
  size_t i; /* next token */
  unsigned char *drop;
} bparser;

/* The first word of a block tag, e.g. "for"; *after is where it ends. */
static void block_word(const bparser *bp, const ttok *t, char *w, size_t wl, size_t *after)
{
  const char *s = bp->ps.src;
  size_t p = t->ca;
  while (p < t->cb && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n'))
    p++;
  size_t q = p;
  while (q < t->cb && (isalnum((unsigned char)s[q]) || s[q] == '_'))
    q++;
  size_t len = q - p < wl - 1 ? q - p : wl - 1;
  memcpy(w, s + p, len);
  w[len] = '\0';
  *after = q;
}

static int parse_nodes(bparser *bp, nlist *out, const char *const *stops, char *stopped,
                       size_t stoplen, int depth);

static node *node_new(bparser *bp, int t, size_t off)
{
  node *n = calloc(1, sizeof *n);
  if (!n)
    bp->ps.rc = HB_ENOMEM;
  else {
    n->t = t;
    n->off = off;
  }
  return n;
}

/* Expects a NAME token (a variable) and returns it (malloc'd). */
static char *take_var(parser *ps, const char *what)
{
  if (ps->cur.k != T_NAME) {
    char d[64];
    PERR(ps, ps->cur.off, "expected a variable name %s, found %s", what,
         tok_desc(&ps->cur, d, sizeof d));
    return NULL;
  }
  static const char *const reserved[] = {"and", "or", "not", "in", "loop", "true", "false"};
  for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
    if (strcmp(ps->cur.s, reserved[i]) == 0) {
      PERR(ps, ps->cur.off, "'%s' cannot be a variable name", ps->cur.s);
      return NULL;
    }
  char *v = ps->cur.s;
  ps->cur.s = NULL;
  lex(ps);
  return v;
}

static int expect_end(parser *ps, const char *tag)
{
  if (ps->rc == 0 && ps->cur.k != T_END) {
    char d[64];
    PERR(ps, ps->cur.off, "unexpected %s in {%% %s %%}", tok_desc(&ps->cur, d, sizeof d), tag);
  }
  return ps->rc;
}

static node *parse_for(bparser *bp, const ttok *t, size_t after, int depth)
{
  parser *ps = &bp->ps;
  node *n = node_new(bp, N_FOR, t->off);
  if (!n)
    return NULL;
  tag_begin(ps, after, t->cb);
  if (ps->rc == 0)
    n->var = take_var(ps, "after 'for'");
  if (ps->rc == 0 && !is_kw(&ps->cur, "in")) {
    char d[64];
    PERR(ps, ps->cur.k == T_END ? t->off : ps->cur.off,
         "expected 'in' in {%% for NAME in LIST %%}, found %s", tok_desc(&ps->cur, d, sizeof d));
  }
  if (ps->rc == 0) {
    lex(ps);
    if (ps->cur.k == T_END)
      PERR(ps, t->off, "{%% for %s in %%}: the list is missing", n->var);
  }
  if (ps->rc == 0)
    n->e = parse_cond(ps);
  if (ps->rc == 0)
    expect_end(ps, "for");
  static const char *const stops[] = {"else", "endfor", NULL};
  char w[16];
  if (ps->rc == 0)
    parse_nodes(bp, &n->body, stops, w, sizeof w, depth + 1);
  if (ps->rc == 0 && strcmp(w, "else") == 0) {
    static const char *const stops2[] = {"endfor", NULL};
    parse_nodes(bp, &n->else_body, stops2, w, sizeof w, depth + 1);
  }
  if (ps->rc == 0 && strcmp(w, "endfor") != 0) {
    PERR(ps, t->off, "{%% for %%} is not closed with {%% endfor %%}");
  }
  if (ps->rc) {
    node_free(n);
    return NULL;
  }
  return n;
}

static int if_add(bparser *bp, node *n, expr *cond)
{
  expr **c2 = realloc(n->conds, (n->nbr + 1) * sizeof *c2);
  if (!c2) {
    expr_free(cond);
    return bp->ps.rc = HB_ENOMEM;
  }
  n->conds = c2;
  nlist *b2 = realloc(n->branches, (n->nbr + 1) * sizeof *b2);
  if (!b2) {
    expr_free(cond);
    return bp->ps.rc = HB_ENOMEM;
  }
  n->branches = b2;
  n->conds[n->nbr] = cond;
  memset(&n->branches[n->nbr], 0, sizeof n->branches[n->nbr]);
  n->nbr++;
  return 0;
}

static expr *parse_tag_cond(bparser *bp, const ttok *t, size_t after, const char *tag)
{
  parser *ps = &bp->ps;
  tag_begin(ps, after, t->cb);
  if (ps->rc)
    return NULL;
  if (ps->cur.k == T_END) {
    PERR(ps, t->off, "{%% %s %%}: the condition is missing", tag);
    return NULL;
  }
  expr *e = parse_cond(ps);
  if (e && expect_end(ps, tag) != 0) {
    expr_free(e);
    return NULL;
  }
  return e;
}

static node *parse_if(bparser *bp, const ttok *t, size_t after, int depth)
{
  parser *ps = &bp->ps;
  node *n = node_new(bp, N_IF, t->off);
  if (!n)
    return NULL;
  expr *cond = parse_tag_cond(bp, t, after, "if");
  static const char *const stops[] = {"elif", "else", "endif", NULL};
  char w[16] = "";
  if (cond && if_add(bp, n, cond) == 0)
    parse_nodes(bp, &n->branches[0], stops, w, sizeof w, depth + 1);
  while (ps->rc == 0 && strcmp(w, "elif") == 0) {
    const ttok *et = &bp->tl.v[bp->i - 1];
    char w2[16];
    size_t after2;
    block_word(bp, et, w2, sizeof w2, &after2);
    cond = parse_tag_cond(bp, et, after2, "elif");
    if (!cond || if_add(bp, n, cond) != 0)
      break;
    parse_nodes(bp, &n->branches[n->nbr - 1], stops, w, sizeof w, depth + 1);
  }
  if (ps->rc == 0 && strcmp(w, "else") == 0) {
    static const char *const stops2[] = {"endif", NULL};
    parse_nodes(bp, &n->else_body, stops2, w, sizeof w, depth + 1);
  }
  if (ps->rc == 0 && strcmp(w, "endif") != 0)
    PERR(ps, t->off, "{%% if %%} is not closed with {%% endif %%}");
  if (ps->rc) {
    node_free(n);
    return NULL;
  }
  return n;
}

static node *parse_set(bparser *bp, const ttok *t, size_t after)
{
  parser *ps = &bp->ps;
  node *n = node_new(bp, N_SET, t->off);
  if (!n)
    return NULL;
  tag_begin(ps, after, t->cb);
  if (ps->rc == 0)
    n->var = take_var(ps, "after 'set'");
  if (ps->rc == 0 && ps->cur.k != T_ASSIGN) {
    char d[64];
    PERR(ps, ps->cur.k == T_END ? t->off : ps->cur.off,
         "expected '=' in {%% set NAME = VALUE %%}, found %s", tok_desc(&ps->cur, d, sizeof d));
  }
  if (ps->rc == 0) {
    lex(ps);
    if (ps->cur.k == T_END)
      PERR(ps, t->off, "{%% set %s = %%}: the value is missing", n->var);
  }
  if (ps->rc == 0)
    n->e = parse_cond(ps);
  if (ps->rc == 0)
    expect_end(ps, "set");
  if (ps->rc) {
    node_free(n);
    return NULL;
  }
  return n;
}

/* Text of a token without the bytes marked in drop. */
static node *text_node(bparser *bp, const ttok *t)
{
  size_t len = 0;
  for (size_t p = t->off; p < t->end; p++)
    len += !bp->drop[p];
  if (len == 0)
    return NULL;
  node *n = node_new(bp, N_TEXT, t->off);
  if (!n)
    return NULL;
  n->text = malloc(len + 1);
  if (!n->text) {
    free(n);
    bp->ps.rc = HB_ENOMEM;
    return NULL;
  }
  size_t k = 0;
  for (size_t p = t->off; p < t->end; p++)
    if (!bp->drop[p])
      n->text[k++] = bp->ps.src[p];
  n->text[k] = '\0';
  n->len = k;
  return n;
}

/* Parses nodes until a block tag whose word is in stops (copied to stopped;
 * "" at the end of the template). */
static int parse_nodes(bparser *bp, nlist *out, const char *const *stops, char *stopped,
                       size_t stoplen, int depth)
{
  parser *ps = &bp->ps;
  stopped[0] = '\0';
  if (depth > SUB_TMPL_MAX_DEPTH) {
    PERR(ps, bp->i < bp->tl.n ? bp->tl.v[bp->i].off : ps->len, "blocks nested too deeply");
    return ps->rc;
  }
  while (ps->rc == 0 && bp->i < bp->tl.n) {
    const ttok *t = &bp->tl.v[bp->i++];
    node *n = NULL;
    if (t->k == TT_COMMENT)
      continue;
    if (t->k == TT_TEXT) {
      n = text_node(bp, t);
    } else if (t->k == TT_OUT) {
      expr *e = parse_tag_expr(ps, t->ca, t->cb, t->off);
      if (e) {
        n = node_new(bp, N_OUT, t->off);
        if (n)
          n->e = e;
        else
          expr_free(e);
      }
    } else {
      char w[16];
      size_t after;
      block_word(bp, t, w, sizeof w, &after);
      for (size_t k = 0; stops && stops[k]; k++)
        if (strcmp(w, stops[k]) == 0) {
          snprintf(stopped, stoplen, "%s", w);
          if (strcmp(w, "else") == 0 || strcmp(w, "endfor") == 0 || strcmp(w, "endif") == 0) {
            tag_begin(ps, after, t->cb);
            expect_end(ps, w);
          }
          return ps->rc;
        }
      if (strcmp(w, "for") == 0)
        n = parse_for(bp, t, after, depth);
      else if (strcmp(w, "if") == 0)
        n = parse_if(bp, t, after, depth);
      else if (strcmp(w, "set") == 0)
        n = parse_set(bp, t, after);
      else if (strcmp(w, "endfor") == 0 || strcmp(w, "endif") == 0 || strcmp(w, "else") == 0 ||
               strcmp(w, "elif") == 0)
        PERR(ps, t->off, "{%% %s %%} without a matching {%% %s %%}", w,
             strcmp(w, "endfor") == 0 ? "for" : "if");
      else if (!w[0])
        PERR(ps, t->off,
             "empty or unknown tag: {%% %%} holds for, if, elif, else, endfor, "
             "endif or set");
      else
        PERR(ps, t->off, "unknown tag '%s' (tags: for, if, elif, else, endfor, endif, set)", w);
    }
    if (n && nlist_push(out, n) != 0) {
      node_free(n);
      ps->rc = HB_ENOMEM;
    }
  }
  return ps->rc;
}

int sub_tmpl_parse(const char *name, const char *text, size_t len, sub_tmpl **out, char *err,
                   size_t errlen)
{
  *out = NULL;
  if (err && errlen)
    err[0] = '\0';
  if (len > SUB_TMPL_MAX_SIZE) {
    if (err)
      snprintf(err, errlen, "%s: template larger than %u bytes", name, SUB_TMPL_MAX_SIZE);
    return HB_ETOOBIG;
  }
  if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
    text += 3;
    len -= 3;
  }
  sub_tmpl *t = calloc(1, sizeof *t);
  if (!t)
    return HB_ENOMEM;
  t->name = strdup(name);
  t->src = malloc(len + 1);
  if (!t->name || !t->src) {
    sub_tmpl_free(t);
    return HB_ENOMEM;
  }
  memcpy(t->src, text, len);
  t->src[len] = '\0';
  t->len = len;
  bparser bp;
  memset(&bp, 0, sizeof bp);
  bp.ps = (parser){.name = t->name, .src = t->src, .len = len, .err = err, .errlen = errlen};
  if (!hb_utf8_valid(t->src, len)) {
    /* find the first bad byte for the position */
    size_t p = 0;
    while (p < len) {
      size_t q = p + 1;
      while (q < len && ((unsigned char)t->src[q] & 0xC0) == 0x80)
        q++;
      if (!hb_utf8_valid(t->src + p, q - p))
        break;
      p = q;
    }
    PERR(&bp.ps, p, "not valid UTF-8 (save the template as UTF-8)");
    sub_tmpl_free(t);
    return HB_EPARSE;
  }
  int rc = split(&bp.ps, &bp.tl);
  if (rc == 0) {
    bp.drop = calloc(len + 1, 1);
    if (!bp.drop)
      rc = HB_ENOMEM;
  }
  if (rc == 0) {
    mark_tag_lines(&bp.ps, &bp.tl, bp.drop);
    char w[16];
    rc = parse_nodes(&bp, &t->root, NULL, w, sizeof w, 0);
  }
  tok_clear(&bp.ps.cur);
  free(bp.tl.v);
  free(bp.drop);
  if (rc != 0) {
    sub_tmpl_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

/* ------------------------------------------------------------ rendering */

typedef struct binding {
  char *name; /* borrowed from the tree, or "loop" */
  json_t *val;
} binding;

struct rctx {
  const sub_tmpl *t;
  json_t *root;
  binding *vars;
  size_t nvars, cap;
  char *out;
  size_t len, outcap;
  uint64_t steps;
  char *err;
  size_t errlen;
  int rc;
};

#define RERR(c, off, rcode, ...)                                                                   \
  do {                                                                                             \
    if ((c)->rc == 0) {                                                                            \
      say_n((c)->t->name, (c)->t->src, (c)->t->len, (off), (c)->err, (c)->errlen, __VA_ARGS__);    \
      (c)->rc = (rcode);                                                                           \
    }                                                                                              \
  } while (0)

static bool step(rctx *c, size_t off)
{
  if (++c->steps > SUB_TMPL_MAX_STEPS) {
    RERR(c, off, HB_ETOOBIG, "too much work (more than %u steps: loops nested too deeply?)",
         SUB_TMPL_MAX_STEPS);
    return false;
  }
  return c->rc == 0;
}

static int emit(rctx *c, const char *s, size_t n, size_t off)
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

static int bind(rctx *c, char *name, json_t *val)
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

static void unbind_to(rctx *c, size_t n)
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

static const char *type_zh(const json_t *v)
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
static json_t *resolve(rctx *c, const expr *e, json_t *item, bool checking)
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
      RERR(c, e->off, HB_EINVAL, "unknown placeholder: '%s' is %s, it has no '%s'", p, type_zh(cur),
           s->key ? s->key : "position");
      return NULL;
    }
    cur = next;
  }
  return cur;
}

static json_t *eval(rctx *c, const expr *e, json_t *item);

static bool truthy(const json_t *v)
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
    json_t *a = eval(c, e->a, item);
    if (!a)
      return NULL;
    bool ta = truthy(a);
    json_decref(a);
    if ((e->op == OP_AND && !ta) || (e->op == OP_OR && ta))
      return json_boolean(ta);
    json_t *b = eval(c, e->b, item);
    if (!b)
      return NULL;
    bool tb = truthy(b);
    json_decref(b);
    return json_boolean(tb);
  }
  json_t *a = eval(c, e->a, item);
  if (!a)
    return NULL;
  json_t *b = eval(c, e->b, item);
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
           e->op == OP_ADD ? "+" : "-", type_zh(a), type_zh(b));
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
        RERR(c, e->off, HB_EINVAL, "cannot compare %s with %s", type_zh(a), type_zh(b));
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

static json_t *eval(rctx *c, const expr *e, json_t *item)
{
  if (!step(c, e->off))
    return NULL;
  switch (e->t) {
  case E_LIT: return json_incref(e->lit);
  case E_PATH: {
    json_t *v = resolve(c, e, item, false);
    return v ? json_incref(v) : NULL;
  }
  case E_NOT: {
    json_t *a = eval(c, e->a, item);
    if (!a)
      return NULL;
    bool t = truthy(a);
    json_decref(a);
    return json_boolean(!t);
  }
  case E_BIN: return eval_bin(c, e, item);
  case E_FILTER: {
    json_t *in = eval(c, e->in, item);
    if (!in)
      return NULL;
    json_t *args[8] = {NULL};
    if (!e->f->relative) {
      for (size_t i = 0; i < e->nargs; i++) {
        args[i] = eval(c, e->args[i], item);
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

/* ------------------------------------------------------------ filters */

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
       fe->f->name, what, type_zh(v));
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
         fe->f->name, type_zh(in));
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
         type_zh(in));
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
  RERR(c, fe->off, HB_EINVAL, "filter '%s' needs a list, got %s", fe->f->name, type_zh(in));
  return NULL;
}

/* The list a list filter works on: arrays as they are, objects as the list
 * of their values. New reference. */
static json_t *as_list(rctx *c, const expr *fe, json_t *in)
{
  if (json_is_array(in))
    return json_incref(in);
  if (json_is_object(in)) {
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
  RERR(c, fe->off, HB_EINVAL, "filter '%s' needs a list, got %s", fe->f->name, type_zh(in));
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
    json_t *x = fe->nargs ? eval(c, fe->args[0], v) : json_incref(v);
    if (!x)
      break;
    if (!json_is_number(x)) {
      RERR(c, fe->args ? fe->args[0]->off : fe->off, HB_EINVAL,
           "filter '%s': item %zu is %s, not a number", fe->f->name, i + 1, type_zh(x));
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
    it[i].key = fe->nargs ? eval(c, fe->args[0], it[i].v) : json_incref(it[i].v);
    if (!it[i].key)
      break;
  }
  if (i == n) {
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
    json_t *x = eval(c, fe->args[0], v);
    if (!x) {
      json_decref(r);
      r = NULL;
      break;
    }
    if (truthy(x) && json_array_append(r, v) != 0) {
      json_decref(r);
      r = NULL;
    }
    json_decref(x);
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
    json_t *x = eval(c, fe->args[0], v);
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

/* The text a scalar prints as; false (error set) for lists, objects, null. */
static bool scalar_text(rctx *c, size_t off, const json_t *v, const char *what, char *buf,
                        size_t len, const char **out)
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
    if (!scalar_text(c, fe->off, v, what, buf, sizeof buf, &t)) {
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

/* English names, and the Chinese names a clerk may write instead. */
static const filter_def filters[] = {
    {"wan", 0, 1, false, f_wan},       {"pct", 0, 1, false, f_pct},
    {"pct_of", 1, 2, false, f_pct_of}, {"cn", 0, 0, false, f_cn},
    {"date", 0, 0, false, f_date},     {"default", 1, 1, false, f_default},
    {"count", 0, 0, false, f_count},   {"sum", 0, 1, true, f_sum},
    {"sort", 0, 1, true, f_sort},      {"sort_desc", 0, 1, true, f_sort_desc},
    {"where", 1, 1, true, f_where},    {"map", 1, 1, true, f_map},
    {"top", 1, 1, false, f_top},       {"skip", 1, 1, false, f_skip},
    {"first", 0, 0, false, f_first},   {"last", 0, 0, false, f_last},
    {"join", 0, 1, false, f_join},     {"万", 0, 1, false, f_wan},
    {"百分比", 0, 1, false, f_pct},    {"占比", 1, 2, false, f_pct_of},
    {"中文数字", 0, 0, false, f_cn},   {"日期", 0, 0, false, f_date},
    {"默认", 1, 1, false, f_default},  {"个数", 0, 0, false, f_count},
    {"合计", 0, 1, true, f_sum},       {"升序", 0, 1, true, f_sort},
    {"降序", 0, 1, true, f_sort_desc}, {"筛选", 1, 1, true, f_where},
    {"取", 1, 1, true, f_map},         {"前", 1, 1, false, f_top},
    {"跳过", 1, 1, false, f_skip},     {"第一个", 0, 0, false, f_first},
    {"最后一个", 0, 0, false, f_last}, {"连接", 0, 1, false, f_join},
};

static const filter_def *filter_find(const char *name)
{
  for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
    if (strcmp(filters[i].name, name) == 0)
      return &filters[i];
  return NULL;
}

static const char *filter_names(void)
{
  return "wan, pct, pct_of, cn, date, default, count, sum, sort, sort_desc, where, map, top, "
         "skip, first, last, join";
}

/* ------------------------------------------------------------ the walk */

static int render_list(rctx *c, const nlist *l);

static int render_out(rctx *c, const node *n)
{
  json_t *v = eval(c, n->e, NULL);
  if (!v)
    return c->rc;
  char buf[64], what[128];
  const char *t;
  excerpt(c->t->src, n->e->off, n->e->end, what, sizeof what);
  char quoted[140];
  snprintf(quoted, sizeof quoted, "'%s'", what);
  if (scalar_text(c, n->e->off, v, quoted, buf, sizeof buf, &t))
    emit(c, t, strlen(t), n->off);
  json_decref(v);
  return c->rc;
}

static int render_for(rctx *c, const node *n)
{
  json_t *seq = eval(c, n->e, NULL);
  if (!seq)
    return c->rc;
  if (json_is_null(seq)) {
    json_decref(seq);
    return render_list(c, &n->else_body);
  }
  json_t *l = NULL;
  if (json_is_array(seq) || json_is_object(seq)) {
    expr fe = {.off = n->e->off, .f = &filters[0]};
    l = as_list(c, &fe, seq);
  } else {
    char what[128];
    excerpt(c->t->src, n->e->off, n->e->end, what, sizeof what);
    RERR(c, n->e->off, HB_EINVAL, "{%% for %%} needs a list, but '%s' is %s", what, type_zh(seq));
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
  for (size_t i = 0; i < len && c->rc == 0 && step(c, n->off); i++) {
    json_t *loop =
        json_pack("{s:I, s:I, s:b, s:b, s:I}", "index", (json_int_t)i + 1, "index0", (json_int_t)i,
                  "first", i == 0, "last", i + 1 == len, "length", (json_int_t)len);
    if (!loop) {
      c->rc = HB_ENOMEM;
      break;
    }
    if (bind(c, (char *)"loop", loop) != 0 ||
        bind(c, n->var, json_incref(json_array_get(l, i))) != 0)
      break;
    render_list(c, &n->body);
    unbind_to(c, base);
  }
  unbind_to(c, base);
  json_decref(l);
  return c->rc;
}

static int render_list(rctx *c, const nlist *l)
{
  size_t base = c->nvars;
  for (size_t i = 0; i < l->n && c->rc == 0; i++) {
    const node *n = l->v[i];
    if (!step(c, n->off))
      break;
    switch (n->t) {
    case N_TEXT: emit(c, n->text, n->len, n->off); break;
    case N_OUT: render_out(c, n); break;
    case N_FOR: render_for(c, n); break;
    case N_SET: {
      json_t *v = eval(c, n->e, NULL);
      if (v)
        bind(c, n->var, v);
      break;
    }
    case N_IF: {
      bool done = false;
      for (size_t b = 0; b < n->nbr && c->rc == 0 && !done; b++) {
        json_t *v = eval(c, n->conds[b], NULL);
        if (!v)
          break;
        if (truthy(v)) {
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
  unbind_to(c, base);
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
      resolve(c, e, NULL, true);
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
  if (c.rc == 0 && emit(&c, "", 0, 0) == 0) {
    *out = c.out;
    if (outlen)
      *outlen = c.len;
    free(c.vars);
    return 0;
  }
  unbind_to(&c, 0);
  free(c.vars);
  free(c.out);
  return c.rc;
}
