/* tmpl_lex.c: the tag lexer of the template language: the tokens inside
 * {{ }} and {% %} (names, numbers, "strings", operators). Full-width
 * punctuation typed by a Chinese input method reads as its ASCII meaning. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_text.h"
#include "tmpl_internal.h"

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

void tmpl_tok_clear(tok *t)
{
  free(t->s);
  json_decref(t->num);
  memset(t, 0, sizeof *t);
}

/* A number: digits, with one '.' and more digits for a real number. */
static void lex_number(parser *ps, tok *t)
{
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
}

/* The piece of a string at q (m bytes, character c2): an escape (\n \\ \"
 * \') as its meaning, anything else as it is. Sets *piece, *plen and the
 * bytes read in *adv; false (error set) for an unknown escape. */
static bool string_piece(parser *ps, size_t q, int c2, size_t m, const char **piece, size_t *plen,
                         size_t *adv)
{
  *piece = ps->src + q;
  *plen = m;
  *adv = m;
  if (c2 != '\\' || m != 1)
    return true;
  size_t m2;
  int e = ch_at(ps, q + 1, &m2);
  if (e == 'n') {
    *piece = "\n";
    *plen = 1;
  } else if (e == '\\' || e == '"' || e == '\'') {
    *piece = ps->src + q + 1;
    *plen = m2;
  } else {
    PERR(ps, q, "unknown escape in a string (use \\\" \\' \\\\ or \\n)");
    return false;
  }
  *adv = 1 + m2;
  return true;
}

/* A string opened by the quote ch (n bytes). */
static void lex_string(parser *ps, tok *t, int ch, size_t n)
{
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
    if (c2 == ch && m >= 1 && (m == 1 || ch == '"' || ch == '\'')) {
      /* a full-width quote maps to the same ASCII quote: it closes too */
      q += m;
      break;
    }
    const char *piece;
    size_t plen, adv;
    if (!string_piece(ps, q, c2, m, &piece, &plen, &adv)) {
      free(s);
      t->k = T_BAD;
      return;
    }
    q += adv;
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
}

/* A name: letters, digits, '_' and any non-ASCII character. */
static void lex_name(parser *ps, tok *t)
{
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
}

/* An operator or punctuation mark starting with ch (n bytes). */
static void lex_symbol(parser *ps, tok *t, int ch, size_t n)
{
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
    tmpl_excerpt(ps->src, ps->p, ps->p + (n ? n : 1), ex, sizeof ex);
    PERR(ps, ps->p, "unexpected character '%s'", ex);
    t->k = T_BAD;
    t->end = ps->p + (n ? n : 1);
    return;
  }
  t->k = k;
  ps->p += take;
  t->end = ps->p;
}

void tmpl_lex(parser *ps)
{
  tmpl_tok_clear(&ps->cur);
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
  if (isdigit(ch))
    lex_number(ps, t);
  else if (ch == '"' || ch == '\'')
    lex_string(ps, t, ch, n);
  else if (name_start(ch) && n == 1)
    lex_name(ps, t);
  else
    lex_symbol(ps, t, ch, n);
}

bool tmpl_tok_is_kw(const tok *t, const char *kw)
{
  return t->k == T_NAME && strcmp(t->s, kw) == 0;
}

const char *tmpl_tok_desc(const tok *t, char *buf, size_t len)
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

/* Starts lexing the tag content [a, b). */
void tmpl_tag_begin(parser *ps, size_t a, size_t b)
{
  ps->p = a;
  ps->lim = b;
  tmpl_lex(ps);
}
