/* tmpl.c: the tree of a parsed template (tmpl_internal.h) and the messages
 * every part of the template language writes (NAME:LINE:COL: why). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_text.h"
#include "tmpl_internal.h"

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

void tmpl_say(const char *name, const char *src, size_t len, size_t off, char *err, size_t errlen,
              const char *fmt, ...)
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
void tmpl_excerpt(const char *src, size_t a, size_t b, char *buf, size_t len)
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

void tmpl_expr_free(expr *e)
{
  if (!e)
    return;
  json_decref(e->lit);
  for (size_t i = 0; i < e->nseg; i++)
    free(e->segs[i].key);
  free(e->segs);
  tmpl_expr_free(e->in);
  for (size_t i = 0; i < e->nargs; i++)
    tmpl_expr_free(e->args[i]);
  free(e->args);
  tmpl_expr_free(e->a);
  tmpl_expr_free(e->b);
  free(e);
}

void tmpl_nlist_free(nlist *l)
{
  for (size_t i = 0; i < l->n; i++)
    tmpl_node_free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = l->cap = 0;
}

void tmpl_node_free(node *n)
{
  if (!n)
    return;
  free(n->text);
  tmpl_expr_free(n->e);
  free(n->var);
  tmpl_nlist_free(&n->body);
  tmpl_nlist_free(&n->else_body);
  for (size_t i = 0; i < n->nbr; i++) {
    tmpl_expr_free(n->conds[i]);
    tmpl_nlist_free(&n->branches[i]);
  }
  free(n->conds);
  free(n->branches);
  free(n);
}

void sub_tmpl_free(sub_tmpl *t)
{
  if (!t)
    return;
  tmpl_nlist_free(&t->root);
  free(t->src);
  free(t->name);
  free(t);
}

int tmpl_nlist_push(nlist *l, node *n)
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
