/* tmpl_split.c: the template lexer of the template language: the template
 * as text, {{ }}, {% %} and {# #} tokens, and the lines that hold only block
 * and comment tags (they vanish from the output with their line break). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "tmpl_internal.h"

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
int tmpl_split(parser *ps, tlist *out)
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
void tmpl_mark_tag_lines(const parser *ps, const tlist *tl, unsigned char *drop)
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
