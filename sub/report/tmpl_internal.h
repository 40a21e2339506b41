/* tmpl_internal.h: what the parts of the template language (tmpl.h) share;
 * not for use outside sub/report/tmpl*.c.
 *
 *   tmpl.c          the tree (freeing) and the messages (NAME:LINE:COL)
 *   tmpl_lex.c      the tag lexer: the tokens inside {{ }} and {% %}
 *   tmpl_split.c    the template lexer: text and tags, lines that vanish
 *   tmpl_expr.c     the expression parser (recursive descent)
 *   tmpl_parse.c    the block parser (for, if, set) and sub_tmpl_parse
 *   tmpl_eval.c     values: paths, operators, evaluation of an expression
 *   tmpl_filters.c  the filters (| wan, | sort_desc(...), ...)
 *   tmpl_render.c   the check of every path, the walk, sub_tmpl_render
 *
 * Expressions are parsed by recursive descent:
 *
 *   cond   := and ('or' and)*          and := not ('and' not)*
 *   not    := 'not' not | cmp          cmp := sum (('=='|'!='|'<'|'<='|'>'|'>=') sum)?
 *   sum    := pipe (('+'|'-') pipe)*   pipe := primary ('|' NAME ['(' cond, ... ')'])*
 *   primary:= NUMBER | STRING | path | '(' cond ')'
 *   path   := NAME ('.' (NAME | NUMBER) | '[' (STRING | NUMBER) ']')*
 *
 * Values are jansson values; every evaluation returns a new reference. */
#ifndef SUB_TMPL_INTERNAL_H
#define SUB_TMPL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "hb_err.h"
#include "tmpl.h"

/* ------------------------------------------------------------ the tree */

typedef struct expr expr;
typedef struct rctx rctx;

/* A filter: in is its input, args its evaluated arguments (NULL for a
 * relative filter, which evaluates fe->args per list item), item the list
 * item when the filter is itself an argument. Returns a new reference, or
 * NULL with c->rc set (HB_ENOMEM assumed when it is not). */
typedef json_t *(*filter_fn)(rctx *c, const expr *fe, json_t *in, json_t **args, json_t *item);

typedef struct filter_def {
  const char *name;
  int min_args, max_args;
  bool relative; /* arguments are evaluated per list item, against the item */
  filter_fn fn;
} filter_def;

#define TMPL_MAX_ARGS 8 /* arguments of one filter */

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

/* tmpl.c: freeing (NULL is fine) and growing the tree. */
void tmpl_expr_free(expr *e);
void tmpl_node_free(node *n);
void tmpl_nlist_free(nlist *l);
/* Appends n (owned by l on success); HB_ENOMEM leaves n to the caller. */
int tmpl_nlist_push(nlist *l, node *n);

/* tmpl.c: writes "NAME:LINE:COL: " and the message into err[0..errlen)
 * (nothing when err is NULL); off is a byte offset in src. */
__attribute__((format(printf, 7, 8))) void tmpl_say(const char *name, const char *src, size_t len,
                                                    size_t off, char *err, size_t errlen,
                                                    const char *fmt, ...);

/* tmpl.c: a short printable excerpt of the source span [a, b) into buf. */
void tmpl_excerpt(const char *src, size_t a, size_t b, char *buf, size_t len);

/* ------------------------------------------------------------ parsing */

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

/* The state of parsing one template: the first error wins (rc, err). */
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

/* Records a syntax error at byte off unless one is recorded already. */
#define PERR(ps, off, ...)                                                                         \
  do {                                                                                             \
    if ((ps)->rc == 0) {                                                                           \
      tmpl_say((ps)->name, (ps)->src, (ps)->len, (off), (ps)->err, (ps)->errlen, __VA_ARGS__);     \
      (ps)->rc = HB_EPARSE;                                                                        \
    }                                                                                              \
  } while (0)

/* tmpl_lex.c: the tag lexer. tmpl_tag_begin starts on the tag content
 * [a, b) and reads its first token into ps->cur; tmpl_lex reads the next
 * one (T_BAD, with ps->rc set, on an error). */
void tmpl_tag_begin(parser *ps, size_t a, size_t b);
void tmpl_lex(parser *ps);
void tmpl_tok_clear(tok *t);
bool tmpl_tok_is_kw(const tok *t, const char *kw);
/* "'name'", "a string", ... for messages; may use buf. */
const char *tmpl_tok_desc(const tok *t, char *buf, size_t len);

/* tmpl_split.c: the template as tokens. */
enum tt { TT_TEXT, TT_OUT, TT_BLOCK, TT_COMMENT };

typedef struct ttok {
  int k;
  size_t off, end; /* the whole token, delimiters included */
  size_t ca, cb;   /* the content between the delimiters */
} ttok;

typedef struct tlist {
  ttok *v; /* malloc'd */
  size_t n, cap;
} tlist;

/* Splits ps->src into tokens appended to out; text tokens cover what lies
 * between tags. Returns 0, HB_EPARSE (an unclosed tag) or HB_ENOMEM. */
int tmpl_split(parser *ps, tlist *out);

/* Marks in drop[] (ps->len bytes) the bytes of every line that holds only
 * block and comment tags and blanks, with its line break. */
void tmpl_mark_tag_lines(const parser *ps, const tlist *tl, unsigned char *drop);

/* tmpl_expr.c: parses a condition from ps->cur on; NULL with ps->rc set on
 * an error. Caller owns the tree. */
expr *tmpl_parse_cond(parser *ps);

/* tmpl_expr.c: the whole tag content [a, b) as one expression ({{ }}). */
expr *tmpl_parse_tag_expr(parser *ps, size_t a, size_t b, size_t tag_off);

/* tmpl_filters.c: the filter called name (English or Chinese), or NULL. */
const filter_def *tmpl_filter_find(const char *name);

/* tmpl_filters.c: the English filter names, for messages. */
const char *tmpl_filter_names(void);

/* ------------------------------------------------------------ rendering */

typedef struct binding {
  char *name; /* borrowed from the tree, or "loop" */
  json_t *val;
} binding;

/* The state of one render: the first error wins (rc, err). */
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

/* Records an error rcode at byte off unless one is recorded already. */
#define RERR(c, off, rcode, ...)                                                                   \
  do {                                                                                             \
    if ((c)->rc == 0) {                                                                            \
      tmpl_say((c)->t->name, (c)->t->src, (c)->t->len, (off), (c)->err, (c)->errlen, __VA_ARGS__); \
      (c)->rc = (rcode);                                                                           \
    }                                                                                              \
  } while (0)

/* tmpl_eval.c: counts one step of work; false when over the limit (error
 * set) or when an error is already recorded. */
bool tmpl_step(rctx *c, size_t off);

/* tmpl_eval.c: appends s[0..n) to the output; returns c->rc. */
int tmpl_emit(rctx *c, const char *s, size_t n, size_t off);

/* tmpl_eval.c: binds name (borrowed) to val (owned by c afterwards, also on
 * failure); tmpl_unbind_to drops the bindings from the n-th on. */
int tmpl_bind(rctx *c, char *name, json_t *val);
void tmpl_unbind_to(rctx *c, size_t n);

/* tmpl_eval.c: resolves a path against item (filter arguments), else the
 * variables and the data. Returns a borrowed value, or NULL with the error
 * set; checking: an empty list or a null on the way is no error (NULL). */
json_t *tmpl_resolve(rctx *c, const expr *e, json_t *item, bool checking);

/* tmpl_eval.c: evaluates e (item as for tmpl_resolve); a new reference, or
 * NULL with c->rc set. */
json_t *tmpl_eval(rctx *c, const expr *e, json_t *item);

bool tmpl_truthy(const json_t *v);

/* tmpl_eval.c: "a list", "text", ... for messages. */
const char *tmpl_value_type(const json_t *v);

/* tmpl_eval.c: an array or object (precondition) as a list: arrays as they
 * are, objects as the list of their values. New reference, or NULL with
 * c->rc = HB_ENOMEM. */
json_t *tmpl_list_of(rctx *c, json_t *in);

/* tmpl_eval.c: the text a scalar prints as (*out: buf or borrowed from v);
 * false with the error set for lists, objects and null; what names the
 * value in the message. */
bool tmpl_scalar_text(rctx *c, size_t off, const json_t *v, const char *what, char *buf, size_t len,
                      const char **out);

#endif
