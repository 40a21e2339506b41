/* tmpl_parse.c: the block parser of the template language ({% for %},
 * {% if %}, {% set %}, text and {{ }} as a tree of nodes) and
 * sub_tmpl_parse, which runs the template lexer and then this parser. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_text.h"
#include "tmpl_internal.h"

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
         tmpl_tok_desc(&ps->cur, d, sizeof d));
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
  tmpl_lex(ps);
  return v;
}

static int expect_end(parser *ps, const char *tag)
{
  if (ps->rc == 0 && ps->cur.k != T_END) {
    char d[64];
    PERR(ps, ps->cur.off, "unexpected %s in {%% %s %%}", tmpl_tok_desc(&ps->cur, d, sizeof d), tag);
  }
  return ps->rc;
}

static node *parse_for(bparser *bp, const ttok *t, size_t after, int depth)
{
  parser *ps = &bp->ps;
  node *n = node_new(bp, N_FOR, t->off);
  if (!n)
    return NULL;
  tmpl_tag_begin(ps, after, t->cb);
  if (ps->rc == 0)
    n->var = take_var(ps, "after 'for'");
  if (ps->rc == 0 && !tmpl_tok_is_kw(&ps->cur, "in")) {
    char d[64];
    PERR(ps, ps->cur.k == T_END ? t->off : ps->cur.off,
         "expected 'in' in {%% for NAME in LIST %%}, found %s",
         tmpl_tok_desc(&ps->cur, d, sizeof d));
  }
  if (ps->rc == 0) {
    tmpl_lex(ps);
    if (ps->cur.k == T_END)
      PERR(ps, t->off, "{%% for %s in %%}: the list is missing", n->var);
  }
  if (ps->rc == 0)
    n->e = tmpl_parse_cond(ps);
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
    tmpl_node_free(n);
    return NULL;
  }
  return n;
}

static int if_add(bparser *bp, node *n, expr *cond)
{
  expr **c2 = realloc(n->conds, (n->nbr + 1) * sizeof *c2);
  if (!c2) {
    tmpl_expr_free(cond);
    return bp->ps.rc = HB_ENOMEM;
  }
  n->conds = c2;
  nlist *b2 = realloc(n->branches, (n->nbr + 1) * sizeof *b2);
  if (!b2) {
    tmpl_expr_free(cond);
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
  tmpl_tag_begin(ps, after, t->cb);
  if (ps->rc)
    return NULL;
  if (ps->cur.k == T_END) {
    PERR(ps, t->off, "{%% %s %%}: the condition is missing", tag);
    return NULL;
  }
  expr *e = tmpl_parse_cond(ps);
  if (e && expect_end(ps, tag) != 0) {
    tmpl_expr_free(e);
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
    tmpl_node_free(n);
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
  tmpl_tag_begin(ps, after, t->cb);
  if (ps->rc == 0)
    n->var = take_var(ps, "after 'set'");
  if (ps->rc == 0 && ps->cur.k != T_ASSIGN) {
    char d[64];
    PERR(ps, ps->cur.k == T_END ? t->off : ps->cur.off,
         "expected '=' in {%% set NAME = VALUE %%}, found %s",
         tmpl_tok_desc(&ps->cur, d, sizeof d));
  }
  if (ps->rc == 0) {
    tmpl_lex(ps);
    if (ps->cur.k == T_END)
      PERR(ps, t->off, "{%% set %s = %%}: the value is missing", n->var);
  }
  if (ps->rc == 0)
    n->e = tmpl_parse_cond(ps);
  if (ps->rc == 0)
    expect_end(ps, "set");
  if (ps->rc) {
    tmpl_node_free(n);
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
      expr *e = tmpl_parse_tag_expr(ps, t->ca, t->cb, t->off);
      if (e) {
        n = node_new(bp, N_OUT, t->off);
        if (n)
          n->e = e;
        else
          tmpl_expr_free(e);
      }
    } else {
      char w[16];
      size_t after;
      block_word(bp, t, w, sizeof w, &after);
      for (size_t k = 0; stops && stops[k]; k++)
        if (strcmp(w, stops[k]) == 0) {
          snprintf(stopped, stoplen, "%s", w);
          if (strcmp(w, "else") == 0 || strcmp(w, "endfor") == 0 || strcmp(w, "endif") == 0) {
            tmpl_tag_begin(ps, after, t->cb);
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
    if (n && tmpl_nlist_push(out, n) != 0) {
      tmpl_node_free(n);
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
  int rc = tmpl_split(&bp.ps, &bp.tl);
  if (rc == 0) {
    bp.drop = calloc(len + 1, 1);
    if (!bp.drop)
      rc = HB_ENOMEM;
  }
  if (rc == 0) {
    tmpl_mark_tag_lines(&bp.ps, &bp.tl, bp.drop);
    char w[16];
    rc = parse_nodes(&bp, &t->root, NULL, w, sizeof w, 0);
  }
  tmpl_tok_clear(&bp.ps.cur);
  free(bp.tl.v);
  free(bp.drop);
  if (rc != 0) {
    sub_tmpl_free(t);
    return rc;
  }
  *out = t;
  return 0;
}
