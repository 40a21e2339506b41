/* hb_xlsx_xml.c: the pieces every part of a workbook is read with: an arena
 * for texts, and one zip entry streamed through expat in 64 KiB pieces,
 * counting the bytes actually inflated, with nesting bounded. */
#include "hb_xlsx_xml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

#define CHUNK (64 * 1024)

void xlsx_arena_free(struct hb_xlsx_arena *a)
{
  while (a) {
    struct hb_xlsx_arena *n = a->next;
    free(a);
    a = n;
  }
}

void *xlsx_arena_alloc(struct hb_xlsx_arena **head, size_t n)
{
  const size_t align = sizeof(max_align_t);
  struct hb_xlsx_arena *a = *head;
  size_t at = a ? (a->used + align - 1) / align * align : 0;
  if (!a || at + n > a->cap) {
    size_t cap = n > (1u << 20) ? n : (1u << 20);
    a = malloc(sizeof(*a) + cap);
    if (!a)
      return NULL;
    a->next = *head;
    a->used = 0;
    a->cap = cap;
    *head = a;
    at = 0;
  }
  a->used = at + n;
  return (char *)a->data + at;
}

char *xlsx_arena_strdup(struct hb_xlsx_arena **head, const char *s, size_t n)
{
  char *d = xlsx_arena_alloc(head, n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

/* ---------------------------------------------------------------- XML */

void xlsx_xml_fail(xml_base *b, int rc, const char *fmt, ...)
{
  if (b->rc)
    return;
  b->rc = rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->msg, sizeof b->msg, fmt, ap);
  va_end(ap);
  XML_StopParser(b->p, XML_FALSE);
}

const char *xlsx_local(const char *name)
{
  const char *s = strrchr(name, '|');
  return s ? s + 1 : name;
}

const char *xlsx_attr(const char **atts, const char *name)
{
  for (size_t i = 0; atts[i]; i += 2)
    if (strcmp(xlsx_local(atts[i]), name) == 0)
      return atts[i + 1];
  return NULL;
}

void xlsx_text_reset(xml_base *b)
{
  b->tlen = 0;
  if (b->text)
    b->text[0] = '\0';
}

static void XMLCALL on_chars(void *ud, const XML_Char *s, int len)
{
  xml_base *b = ud;
  if (!b->collecting || len <= 0)
    return;
  size_t n = (size_t)len;
  if (b->tlen + n > HB_XLSX_MAX_CELL) {
    xlsx_xml_fail(b, HB_ETOOBIG, "单元格文字过长 (cell text longer than %u bytes)",
                  HB_XLSX_MAX_CELL);
    return;
  }
  if (b->tlen + n + 1 > b->tcap) {
    size_t cap = b->tcap ? b->tcap : 256;
    while (cap < b->tlen + n + 1)
      cap *= 2;
    char *t = realloc(b->text, cap);
    if (!t) {
      xlsx_xml_fail(b, HB_ENOMEM, "out of memory");
      return;
    }
    b->text = t;
    b->tcap = cap;
  }
  memcpy(b->text + b->tlen, s, n);
  b->tlen += n;
  b->text[b->tlen] = '\0';
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
  (void)name, (void)sysid, (void)pubid, (void)has_internal;
  xlsx_xml_fail(ud, HB_EPARSE, "不接受 DOCTYPE (DOCTYPE not allowed in a workbook)");
}

/* Every part's elements pass here first: nesting deeper than any workbook
 * has (expat itself has no bound, and keeps each open element) stops the
 * parse with a message instead of growing without limit. */
static void XMLCALL depth_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  xml_base *b = ud;
  if (++b->depth > HB_XLSX_MAX_DEPTH) {
    xlsx_xml_fail(b, HB_ETOOBIG, "XML 嵌套过深 (elements nested more than %d deep)",
                  HB_XLSX_MAX_DEPTH);
    return;
  }
  b->start(ud, name, atts);
}

static void XMLCALL depth_end(void *ud, const XML_Char *name)
{
  xml_base *b = ud;
  if (b->depth)
    b->depth--;
  b->end(ud, name);
}

/* Streams zip entry `path` through expat with the given handlers (b is the
 * user data). Returns 0; HB_ENOTFOUND when the entry does not exist (err
 * untouched); else an error with err "PATH: reason". */
int xlsx_part_parse(hb_xlsx *x, const char *path, xml_base *b, XML_StartElementHandler start,
                    XML_EndElementHandler end, char *err, size_t errlen)
{
  zip_int64_t idx = zip_name_locate(x->zip, path, ZIP_FL_NOCASE);
  if (idx < 0)
    return HB_ENOTFOUND;
  zip_stat_t st;
  if (zip_stat_index(x->zip, (zip_uint64_t)idx, 0, &st) == 0 && (st.valid & ZIP_STAT_SIZE) &&
      st.size > x->part_max) {
    snprintf(err, errlen, "%s: 解压后过大 (larger than %llu bytes uncompressed)", path,
             (unsigned long long)x->part_max);
    return HB_ETOOBIG;
  }
  zip_file_t *zf = zip_fopen_index(x->zip, (zip_uint64_t)idx, 0);
  if (!zf) {
    snprintf(err, errlen, "%s: 无法解压 (cannot unzip): %s", path, zip_strerror(x->zip));
    return HB_EPARSE;
  }
  int rc = HB_ENOMEM;
  char *buf = malloc(CHUNK);
  b->p = XML_ParserCreateNS(NULL, '|');
  if (!buf || !b->p) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  XML_SetUserData(b->p, b);
  b->start = start;
  b->end = end;
  b->depth = 0;
  XML_SetElementHandler(b->p, depth_start, depth_end);
  XML_SetCharacterDataHandler(b->p, on_chars);
  XML_SetStartDoctypeDeclHandler(b->p, on_doctype);
  uint64_t total = 0;
  for (;;) {
    zip_int64_t n = zip_fread(zf, buf, CHUNK);
    if (n < 0) {
      snprintf(err, errlen, "%s: 无法解压 (cannot unzip): %s", path, zip_file_strerror(zf));
      rc = HB_EPARSE;
      goto out;
    }
    total += (uint64_t)n;
    if (total > x->part_max) {
      snprintf(err, errlen, "%s: 解压后过大 (larger than %llu bytes uncompressed)", path,
               (unsigned long long)x->part_max);
      rc = HB_ETOOBIG;
      goto out;
    }
    if (XML_Parse(b->p, buf, (int)n, n == 0) != XML_STATUS_OK) {
      if (b->rc) {
        rc = b->rc;
        snprintf(err, errlen, "%s", b->msg);
      } else {
        rc = HB_EPARSE;
        snprintf(err, errlen, "%s: XML 格式错误 (bad XML, line %lu: %s)", path,
                 (unsigned long)XML_GetCurrentLineNumber(b->p),
                 XML_ErrorString(XML_GetErrorCode(b->p)));
      }
      goto out;
    }
    if (n == 0)
      break;
  }
  rc = b->rc;
  if (rc)
    snprintf(err, errlen, "%s", b->msg);
out:
  if (b->p)
    XML_ParserFree(b->p);
  b->p = NULL;
  free(b->text);
  b->text = NULL;
  b->tlen = b->tcap = 0;
  free(buf);
  zip_fclose(zf);
  return rc;
}

int xlsx_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
  if (!s || !*s)
    return -1;
  unsigned long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9')
      return -1;
    v = v * 10 + (unsigned long)(*s - '0');
    if (v > max)
      return -1;
  }
  *out = v;
  return 0;
}
