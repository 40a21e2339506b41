/* hb_xlsx.c: .xlsx cells -> rows of text (libzip + expat).
 *
 * The parts read, in order: _rels/.rels (where the workbook is),
 * the workbook (sheet names, 1900/1904 dates), its relationships (where each
 * sheet, the shared strings and the styles are), styles (which cell formats
 * are dates), shared strings; then a sheet on demand. Every part is streamed
 * from the zip into expat in 64 KiB pieces, counting the bytes actually
 * inflated, so neither the zip headers nor the XML decide how much memory
 * is used. Element names are compared without their namespace, so both the
 * transitional and the strict (ISO) namespaces, and prefixed ones, work. */
#include "hb_xlsx.h"

#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zip.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_text.h"

#define XF_MAX 65536 /* cell formats (Excel allows 64000) */
#define CHUNK (64 * 1024)

/* ---------------------------------------------------------------- arena */

struct hb_xlsx_arena {
  struct hb_xlsx_arena *next;
  size_t used, cap;
  max_align_t data[];
};

static void arena_free(struct hb_xlsx_arena *a)
{
  while (a) {
    struct hb_xlsx_arena *n = a->next;
    free(a);
    a = n;
  }
}

static void *arena_alloc(struct hb_xlsx_arena **head, size_t n)
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

static char *arena_strdup(struct hb_xlsx_arena **head, const char *s, size_t n)
{
  char *d = arena_alloc(head, n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

/* ---------------------------------------------------------------- workbook */

typedef struct sheet_ref {
  char *name;
  char *rid;
  char *path; /* zip entry; NULL when not a worksheet (e.g. a chart sheet) */
} sheet_ref;

struct hb_xlsx {
  zip_t *zip;
  uint64_t part_max; /* HB_XLSX_MAX_PART or less (hb_xlsx_limit_part) */
  char *owned;       /* the file's bytes when opened from a file */
  sheet_ref *sheets;
  size_t nsheets;
  int date1904;
  unsigned char *xf_date; /* per cell format: 1 = date */
  size_t nxf;
  char **sst;
  size_t nsst;
  struct hb_xlsx_arena *strings; /* shared strings */
};

/* ---------------------------------------------------------------- XML */

/* The first member of every handler context. */
typedef struct xml_base {
  XML_Parser p;
  int rc; /* set by a handler: why the parse stopped */
  char msg[300];
  int collecting; /* character data goes to text */
  char *text;
  size_t tlen, tcap;
  unsigned depth;                /* open elements: bounded by HB_XLSX_MAX_DEPTH */
  XML_StartElementHandler start; /* the part's own handlers, behind the depth check */
  XML_EndElementHandler end;
} xml_base;

__attribute__((format(printf, 3, 4))) static void xml_fail(xml_base *b, int rc, const char *fmt,
                                                           ...)
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

static const char *local(const char *name)
{
  const char *s = strrchr(name, '|');
  return s ? s + 1 : name;
}

static const char *attr(const char **atts, const char *name)
{
  for (size_t i = 0; atts[i]; i += 2)
    if (strcmp(local(atts[i]), name) == 0)
      return atts[i + 1];
  return NULL;
}

static void text_reset(xml_base *b)
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
    xml_fail(b, HB_ETOOBIG, "单元格文字过长 (cell text longer than %u bytes)", HB_XLSX_MAX_CELL);
    return;
  }
  if (b->tlen + n + 1 > b->tcap) {
    size_t cap = b->tcap ? b->tcap : 256;
    while (cap < b->tlen + n + 1)
      cap *= 2;
    char *t = realloc(b->text, cap);
    if (!t) {
      xml_fail(b, HB_ENOMEM, "out of memory");
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
  xml_fail(ud, HB_EPARSE, "不接受 DOCTYPE (DOCTYPE not allowed in a workbook)");
}

/* Every part's elements pass here first: nesting deeper than any workbook
 * has (expat itself has no bound, and keeps each open element) stops the
 * parse with a message instead of growing without limit. */
static void XMLCALL depth_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  xml_base *b = ud;
  if (++b->depth > HB_XLSX_MAX_DEPTH) {
    xml_fail(b, HB_ETOOBIG, "XML 嵌套过深 (elements nested more than %d deep)", HB_XLSX_MAX_DEPTH);
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
static int part_parse(hb_xlsx *x, const char *path, xml_base *b, XML_StartElementHandler start,
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

/* ---------------------------------------------------------------- paths */

/* The folder of a part, with its trailing '/': "xl/" for "xl/workbook.xml". */
static char *dir_of(const char *path)
{
  const char *s = strrchr(path, '/');
  size_t n = s ? (size_t)(s - path) + 1 : 0;
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, path, n);
    d[n] = '\0';
  }
  return d;
}

/* A relationship target resolved against base (a folder ending in '/'):
 * "/xl/a.xml" is absolute, "../x" goes up. NULL on ENOMEM. */
static char *resolve(const char *base, const char *target)
{
  size_t n = strlen(base) + strlen(target) + 1;
  char *joined = malloc(n);
  char *out = malloc(n);
  if (!joined || !out) {
    free(joined);
    free(out);
    return NULL;
  }
  if (target[0] == '/')
    snprintf(joined, n, "%s", target + 1);
  else
    snprintf(joined, n, "%s%s", base, target);
  /* normalise segment by segment */
  size_t o = 0;
  char *save = NULL;
  for (char *seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
    if (strcmp(seg, ".") == 0)
      continue;
    if (strcmp(seg, "..") == 0) {
      while (o > 0 && out[o - 1] == '/')
        o--;
      while (o > 0 && out[o - 1] != '/')
        o--;
      continue;
    }
    size_t l = strlen(seg);
    if (o)
      out[o++] = '/';
    memcpy(out + o, seg, l);
    o += l;
  }
  out[o] = '\0';
  while (out[0] == '/')
    memmove(out, out + 1, strlen(out));
  free(joined);
  return out;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---------------------------------------------------------------- rels */

typedef struct rel {
  char *id, *type, *target;
} rel;

typedef struct rels_ctx {
  xml_base b;
  rel *items;
  size_t n, cap;
} rels_ctx;

static void rels_free(rels_ctx *r)
{
  for (size_t i = 0; i < r->n; i++) {
    free(r->items[i].id);
    free(r->items[i].type);
    free(r->items[i].target);
  }
  free(r->items);
}

static void XMLCALL rels_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  rels_ctx *r = ud;
  if (strcmp(local(name), "Relationship") != 0)
    return;
  const char *id = attr(atts, "Id"), *type = attr(atts, "Type"), *target = attr(atts, "Target");
  const char *mode = attr(atts, "TargetMode");
  if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
    return;
  if (r->n == r->cap) {
    if (r->cap >= 100000) {
      xml_fail(&r->b, HB_ETOOBIG, "too many relationships");
      return;
    }
    size_t cap = r->cap ? r->cap * 2 : 16;
    rel *items = realloc(r->items, cap * sizeof *items);
    if (!items) {
      xml_fail(&r->b, HB_ENOMEM, "out of memory");
      return;
    }
    r->items = items;
    r->cap = cap;
  }
  rel *e = &r->items[r->n];
  e->id = strdup(id);
  e->type = strdup(type);
  e->target = strdup(target);
  r->n++;
  if (!e->id || !e->type || !e->target)
    xml_fail(&r->b, HB_ENOMEM, "out of memory");
}

static void XMLCALL ignore_end(void *ud, const XML_Char *name)
{
  (void)ud, (void)name;
}

/* ---------------------------------------------------------------- workbook.xml */

typedef struct wb_ctx {
  xml_base b;
  hb_xlsx *x;
  size_t cap;
} wb_ctx;

static void XMLCALL wb_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  wb_ctx *w = ud;
  const char *n = local(name);
  if (strcmp(n, "workbookPr") == 0) {
    const char *d = attr(atts, "date1904");
    w->x->date1904 = d && (strcmp(d, "1") == 0 || strcasecmp(d, "true") == 0);
    return;
  }
  if (strcmp(n, "sheet") != 0)
    return;
  const char *sname = attr(atts, "name"), *rid = attr(atts, "id");
  if (!sname || !rid) {
    xml_fail(&w->b, HB_EPARSE, "workbook: 工作表缺少名称 (a sheet without name or id)");
    return;
  }
  hb_xlsx *x = w->x;
  if (x->nsheets == w->cap) {
    if (w->cap >= HB_XLSX_MAX_SHEETS) {
      xml_fail(&w->b, HB_ETOOBIG, "工作表过多 (more than %d sheets)", HB_XLSX_MAX_SHEETS);
      return;
    }
    size_t cap = w->cap ? w->cap * 2 : 8;
    sheet_ref *s = realloc(x->sheets, cap * sizeof *s);
    if (!s) {
      xml_fail(&w->b, HB_ENOMEM, "out of memory");
      return;
    }
    x->sheets = s;
    w->cap = cap;
  }
  sheet_ref *s = &x->sheets[x->nsheets++];
  s->name = strdup(sname);
  s->rid = strdup(rid);
  s->path = NULL;
  if (!s->name || !s->rid)
    xml_fail(&w->b, HB_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- styles.xml */

typedef struct num_fmt {
  unsigned id;
  int is_date;
} num_fmt;

typedef struct styles_ctx {
  xml_base b;
  hb_xlsx *x;
  num_fmt *fmts;
  size_t nfmts, capf;
  unsigned *xf_fmt; /* numFmtId per cellXfs entry */
  size_t cap;
  int in_cellxfs;
} styles_ctx;

/* Built-in number formats that show a date (ECMA-376 18.8.30, with the
 * East Asian ones 27-36 and 50-58). Times of day (18-21, 45-47) are not. */
static int builtin_is_date(unsigned id)
{
  return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

/* A custom format shows a date when, outside quoted text, escapes and
 * [brackets] (colours, locales, elapsed time), it has y or d: "yyyy-mm-dd",
 * 'yyyy"年"m"月"d"日"', "[$-804]yyyy/m/d". */
static int code_is_date(const char *code)
{
  for (const char *p = code; *p; p++) {
    if (*p == '"') {
      const char *q = strchr(p + 1, '"');
      if (!q)
        return 0;
      p = q;
    } else if (*p == '\\' || *p == '_' || *p == '*') {
      if (!p[1])
        return 0;
      p++;
    } else if (*p == '[') {
      const char *q = strchr(p + 1, ']');
      if (!q)
        return 0;
      p = q;
    } else if (*p == 'y' || *p == 'Y' || *p == 'd' || *p == 'D') {
      return 1;
    } else if (*p == ';') {
      return 0; /* the first section decides */
    }
  }
  return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
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

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  styles_ctx *s = ud;
  const char *n = local(name);
  unsigned long id;
  if (strcmp(n, "numFmt") == 0) {
    const char *code = attr(atts, "formatCode");
    if (parse_uint(attr(atts, "numFmtId"), 0xFFFFFFFFul, &id) != 0 || !code)
      return;
    if (s->nfmts == s->capf) {
      if (s->capf >= XF_MAX) {
        xml_fail(&s->b, HB_ETOOBIG, "styles: too many number formats");
        return;
      }
      size_t cap = s->capf ? s->capf * 2 : 16;
      num_fmt *f = realloc(s->fmts, cap * sizeof *f);
      if (!f) {
        xml_fail(&s->b, HB_ENOMEM, "out of memory");
        return;
      }
      s->fmts = f;
      s->capf = cap;
    }
    s->fmts[s->nfmts++] = (num_fmt){(unsigned)id, code_is_date(code)};
  } else if (strcmp(n, "cellXfs") == 0) {
    s->in_cellxfs = 1;
  } else if (strcmp(n, "xf") == 0 && s->in_cellxfs) {
    if (parse_uint(attr(atts, "numFmtId"), 0xFFFFFFFFul, &id) != 0)
      id = 0;
    if (s->x->nxf == s->cap) {
      if (s->cap >= XF_MAX) {
        xml_fail(&s->b, HB_ETOOBIG, "styles: too many cell formats");
        return;
      }
      size_t cap = s->cap ? s->cap * 2 : 64;
      unsigned *f = realloc(s->xf_fmt, cap * sizeof *f);
      if (!f) {
        xml_fail(&s->b, HB_ENOMEM, "out of memory");
        return;
      }
      s->xf_fmt = f;
      s->cap = cap;
    }
    s->xf_fmt[s->x->nxf++] = (unsigned)id;
  }
}

static void XMLCALL styles_end(void *ud, const XML_Char *name)
{
  styles_ctx *s = ud;
  if (strcmp(local(name), "cellXfs") == 0)
    s->in_cellxfs = 0;
}

/* ---------------------------------------------------------------- sharedStrings.xml */

typedef struct sst_ctx {
  xml_base b;
  hb_xlsx *x;
  size_t cap;
  int in_si, rph; /* inside <si>; depth of <rPh> (phonetic runs: not shown) */
} sst_ctx;

static void XMLCALL sst_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  (void)atts;
  sst_ctx *s = ud;
  const char *n = local(name);
  if (strcmp(n, "si") == 0) {
    s->in_si = 1;
    text_reset(&s->b);
  } else if (strcmp(n, "rPh") == 0) {
    s->rph++;
  } else if (strcmp(n, "t") == 0 && s->in_si && !s->rph) {
    s->b.collecting = 1;
  }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
  sst_ctx *s = ud;
  const char *n = local(name);
  if (strcmp(n, "t") == 0) {
    s->b.collecting = 0;
  } else if (strcmp(n, "rPh") == 0) {
    if (s->rph)
      s->rph--;
  } else if (strcmp(n, "si") == 0 && s->in_si) {
    s->in_si = 0;
    hb_xlsx *x = s->x;
    if (x->nsst == s->cap) {
      if (s->cap >= HB_XLSX_MAX_STRINGS) {
        xml_fail(&s->b, HB_ETOOBIG, "共享字符串过多 (more than %d shared strings)",
                 HB_XLSX_MAX_STRINGS);
        return;
      }
      size_t cap = s->cap ? s->cap * 2 : 256;
      char **a = realloc(x->sst, cap * sizeof *a);
      if (!a) {
        xml_fail(&s->b, HB_ENOMEM, "out of memory");
        return;
      }
      x->sst = a;
      s->cap = cap;
    }
    char *str = arena_strdup(&x->strings, s->b.text ? s->b.text : "", s->b.tlen);
    if (!str) {
      xml_fail(&s->b, HB_ENOMEM, "out of memory");
      return;
    }
    x->sst[x->nsst++] = str;
  }
}

/* ---------------------------------------------------------------- open */

static int load_rels(hb_xlsx *x, const char *path, rels_ctx *r, char *err, size_t errlen)
{
  memset(r, 0, sizeof *r);
  return part_parse(x, path, &r->b, rels_start, ignore_end, err, errlen);
}

static const rel *rel_by_type(const rels_ctx *r, const char *suffix)
{
  for (size_t i = 0; i < r->n; i++)
    if (ends_with(r->items[i].type, suffix))
      return &r->items[i];
  return NULL;
}

/* Finds the workbook part: the officeDocument relationship of the package,
 * or xl/workbook.xml when the package has none. */
static int find_workbook(hb_xlsx *x, char **out, char *err, size_t errlen)
{
  rels_ctx r;
  int rc = load_rels(x, "_rels/.rels", &r, err, errlen);
  *out = NULL;
  if (rc == 0) {
    const rel *e = rel_by_type(&r, "/officeDocument");
    if (e)
      *out = resolve("", e->target);
    else
      *out = strdup("xl/workbook.xml");
    rc = *out ? 0 : HB_ENOMEM;
  } else if (rc == HB_ENOTFOUND) {
    *out = strdup("xl/workbook.xml");
    rc = *out ? 0 : HB_ENOMEM;
  }
  rels_free(&r);
  return rc;
}

static int load_styles(hb_xlsx *x, const char *path, char *err, size_t errlen)
{
  styles_ctx s;
  memset(&s, 0, sizeof s);
  s.x = x;
  int rc = part_parse(x, path, &s.b, styles_start, styles_end, err, errlen);
  if (rc == 0 && x->nxf) {
    x->xf_date = calloc(x->nxf, 1);
    if (!x->xf_date)
      rc = HB_ENOMEM;
    for (size_t i = 0; rc == 0 && i < x->nxf; i++) {
      int is_date = builtin_is_date(s.xf_fmt[i]);
      for (size_t j = 0; j < s.nfmts; j++)
        if (s.fmts[j].id == s.xf_fmt[i])
          is_date = s.fmts[j].is_date;
      x->xf_date[i] = (unsigned char)is_date;
    }
  }
  if (rc)
    x->nxf = 0;
  free(s.fmts);
  free(s.xf_fmt);
  return rc;
}

static int load_shared_strings(hb_xlsx *x, const char *path, char *err, size_t errlen)
{
  sst_ctx s;
  memset(&s, 0, sizeof s);
  s.x = x;
  return part_parse(x, path, &s.b, sst_start, sst_end, err, errlen);
}

/* A part named in the workbook's relationships that must be readable when
 * present: a missing one is fine, a broken one is an error. */
static int load_optional(hb_xlsx *x, const rels_ctx *r, const char *wbdir, const char *type,
                         int (*load)(hb_xlsx *, const char *, char *, size_t), char *err,
                         size_t errlen)
{
  const rel *e = rel_by_type(r, type);
  if (!e)
    return 0;
  char *path = resolve(wbdir, e->target);
  if (!path)
    return HB_ENOMEM;
  int rc = load(x, path, err, errlen);
  free(path);
  return rc == HB_ENOTFOUND ? 0 : rc;
}

static int open_parts(hb_xlsx *x, char *err, size_t errlen)
{
  char *wb = NULL, *wbdir = NULL, *relpath = NULL;
  rels_ctx r;
  memset(&r, 0, sizeof r);
  int rc = find_workbook(x, &wb, err, errlen);
  if (rc)
    goto out;
  wb_ctx w;
  memset(&w, 0, sizeof w);
  w.x = x;
  rc = part_parse(x, wb, &w.b, wb_start, ignore_end, err, errlen);
  if (rc == HB_ENOTFOUND) {
    snprintf(err, errlen, "不是 .xlsx 工作簿 (not an .xlsx workbook: no %s)", wb);
    rc = HB_EPARSE;
  }
  if (rc)
    goto out;
  wbdir = dir_of(wb);
  const char *base = strrchr(wb, '/') ? strrchr(wb, '/') + 1 : wb;
  size_t n = strlen(wbdir) + strlen(base) + 16;
  relpath = malloc(n);
  if (!wbdir || !relpath) {
    rc = HB_ENOMEM;
    goto out;
  }
  snprintf(relpath, n, "%s_rels/%s.rels", wbdir, base);
  rc = load_rels(x, relpath, &r, err, errlen);
  if (rc == HB_ENOTFOUND) {
    snprintf(err, errlen, "不是 .xlsx 工作簿 (not an .xlsx workbook: no %s)", relpath);
    rc = HB_EPARSE;
  }
  if (rc)
    goto out;
  for (size_t i = 0; i < x->nsheets; i++) {
    for (size_t j = 0; j < r.n; j++) {
      if (strcmp(r.items[j].id, x->sheets[i].rid) != 0 || !ends_with(r.items[j].type, "/worksheet"))
        continue;
      x->sheets[i].path = resolve(wbdir, r.items[j].target);
      if (!x->sheets[i].path) {
        rc = HB_ENOMEM;
        goto out;
      }
      break;
    }
  }
  rc = load_optional(x, &r, wbdir, "/styles", load_styles, err, errlen);
  if (rc == 0)
    rc = load_optional(x, &r, wbdir, "/sharedStrings", load_shared_strings, err, errlen);
out:
  rels_free(&r);
  free(wb);
  free(wbdir);
  free(relpath);
  return rc;
}

int hb_xlsx_open_buffer(const void *buf, size_t len, hb_xlsx **out, char *err, size_t errlen)
{
  char dummy[1];
  if (!err || !errlen) {
    err = dummy;
    errlen = sizeof dummy;
  }
  err[0] = '\0';
  *out = NULL;
  if (len > HB_XLSX_MAX_FILE) {
    snprintf(err, errlen, "文件过大 (file larger than %u bytes)", HB_XLSX_MAX_FILE);
    return HB_ETOOBIG;
  }
  hb_xlsx *x = calloc(1, sizeof *x);
  if (!x)
    return HB_ENOMEM;
  x->part_max = HB_XLSX_MAX_PART;
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_buffer_create(len ? buf : "", len, 0, &ze);
  if (!src) {
    zip_error_fini(&ze);
    free(x);
    return HB_ENOMEM;
  }
  x->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
  if (!x->zip) {
    snprintf(err, errlen, "不是 .xlsx 工作簿 (not an .xlsx workbook: %s)", zip_error_strerror(&ze));
    zip_source_free(src);
    zip_error_fini(&ze);
    free(x);
    return HB_EPARSE;
  }
  zip_error_fini(&ze);
  int rc = open_parts(x, err, errlen);
  if (rc) {
    hb_xlsx_close(x);
    return rc;
  }
  *out = x;
  return 0;
}

int hb_xlsx_open_file(const char *path, hb_xlsx **out, char *err, size_t errlen)
{
  char *bytes;
  size_t len;
  *out = NULL;
  int rc = hb_file_read(path, HB_XLSX_MAX_FILE, &bytes, &len, err, errlen);
  if (rc)
    return rc;
  rc = hb_xlsx_open_buffer(bytes, len, out, err, errlen);
  if (rc) {
    free(bytes);
    return rc;
  }
  (*out)->owned = bytes;
  return 0;
}

void hb_xlsx_close(hb_xlsx *x)
{
  if (!x)
    return;
  if (x->zip)
    zip_discard(x->zip);
  for (size_t i = 0; i < x->nsheets; i++) {
    free(x->sheets[i].name);
    free(x->sheets[i].rid);
    free(x->sheets[i].path);
  }
  free(x->sheets);
  free(x->xf_date);
  free(x->sst);
  arena_free(x->strings);
  free(x->owned);
  free(x);
}

void hb_xlsx_limit_part(hb_xlsx *x, size_t max)
{
  if (max < x->part_max)
    x->part_max = max;
}

size_t hb_xlsx_sheet_count(const hb_xlsx *x)
{
  return x->nsheets;
}

const char *hb_xlsx_sheet_name(const hb_xlsx *x, size_t i)
{
  return i < x->nsheets ? x->sheets[i].name : NULL;
}

void hb_xlsx_cell_name(unsigned col, unsigned row, char *buf, size_t len)
{
  char letters[8];
  int n = 0;
  unsigned c = col + 1;
  while (c && n < 7) {
    letters[n++] = (char)('A' + (c - 1) % 26);
    c = (c - 1) / 26;
  }
  char rev[8];
  for (int i = 0; i < n; i++)
    rev[i] = letters[n - 1 - i];
  rev[n] = '\0';
  snprintf(buf, len, "%s%u", rev, row);
}

/* ---------------------------------------------------------------- cell values */

/* "B7" -> column 1 (0-based), row 7. Returns 0 or -1. */
static int parse_ref(const char *s, unsigned *col, unsigned *row)
{
  unsigned c = 0;
  int letters = 0;
  for (; (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'); s++) {
    if (++letters > 3)
      return -1;
    c = c * 26 + (unsigned)((*s | 0x20) - 'a' + 1);
  }
  unsigned long r;
  if (!letters || c > 16384 || parse_uint(s, HB_XLSX_MAX_ROWS, &r) != 0 || r == 0)
    return -1;
  *col = c - 1;
  *row = (unsigned)r;
  return 0;
}

/* An Excel serial day (1900 or 1904 system) as YYYY-MM-DD; 0, or -1 when
 * it is no day (negative, 1900-02-29 that never was, past 9999). */
static int serial_to_date(double v, int date1904, char *out, size_t len)
{
  double d = floor(v + 1e-7); /* 44713.99999999 is 44714 stored inexactly */
  if (!(d >= 0 && d < 2958466))
    return -1;
  int32_t day;
  if (date1904)
    day = hb_date_from_ymd(1904, 1, 1) + (int32_t)d;
  else if (d >= 61)
    day = hb_date_from_ymd(1899, 12, 30) + (int32_t)d;
  else if (d >= 1 && d < 60)
    day = hb_date_from_ymd(1899, 12, 31) + (int32_t)d; /* before Excel's phantom 1900-02-29 */
  else
    return -1;
  hb_date_format(day, out, len);
  return 0;
}

/* Writes the text a number cell shows. v is the <v> text. */
static void render_number(const char *v, int is_date, int date1904, char *out, size_t len)
{
  char *end;
  double d = strtod(v, &end);
  int numeric = end != v && *end == '\0' && isfinite(d);
  if (numeric && is_date && serial_to_date(d, date1904, out, len) == 0)
    return;
  if (numeric && d == floor(d) && fabs(d) < 1e15) {
    snprintf(out, len, "%.0f", d == 0 ? 0.0 : d);
    return;
  }
  snprintf(out, len, "%s", v);
}

/* ---------------------------------------------------------------- sheet */

typedef struct cell_val {
  unsigned col;
  size_t off; /* of its text in the row buffer */
} cell_val;

typedef struct sheet_ctx {
  xml_base b;
  hb_xlsx *x;
  hb_xlsx_row_fn fn; /* gets each non-empty row */
  void *arg;
  int fn_rc; /* what fn returned when it stopped the parse */
  size_t text_bytes;
  int in_data; /* inside <sheetData> */
  int in_row;
  unsigned row, last_row;
  cell_val *cells; /* non-empty cells of the current row */
  size_t ncells;
  char *rowbuf; /* their texts, NUL-terminated, one after another */
  size_t rowlen, rowcap;
  unsigned *cols; /* what fn gets: HB_XLSX_MAX_COLS each */
  char **texts;
  /* the current cell */
  int in_cell, in_is, rph;
  unsigned col;
  long last_col; /* -1 at row start */
  char type[16];
  unsigned long style;
} sheet_ctx;

__attribute__((format(printf, 3, 4))) static void cell_fail(sheet_ctx *s, int rc, const char *fmt,
                                                            ...)
{
  char ref[16], msg[240];
  hb_xlsx_cell_name(s->col, s->row, ref, sizeof ref);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  xml_fail(&s->b, rc, "%s: %s", ref, msg);
}

static void row_begin(sheet_ctx *s, const char **atts)
{
  const char *r = attr(atts, "r");
  unsigned long n;
  if (r) {
    if (parse_uint(r, HB_XLSX_MAX_ROWS, &n) != 0 || n == 0) {
      xml_fail(&s->b, HB_EPARSE, "行号无效 (bad row number '%.20s')", r);
      return;
    }
  } else {
    n = s->last_row + 1ul;
    if (n > HB_XLSX_MAX_ROWS) {
      xml_fail(&s->b, HB_ETOOBIG, "行数过多 (more than %d rows)", HB_XLSX_MAX_ROWS);
      return;
    }
  }
  if (n <= s->last_row) {
    xml_fail(&s->b, HB_EPARSE, "行 %lu 顺序错乱 (row %lu out of order)", n, n);
    return;
  }
  s->row = (unsigned)n;
  s->in_row = 1;
  s->ncells = 0;
  s->rowlen = 0;
  s->last_col = -1;
}

static void row_end(sheet_ctx *s)
{
  s->in_row = 0;
  s->last_row = s->row;
  size_t n = s->ncells;
  if (!n)
    return;
  for (size_t i = 0; i < n; i++) {
    s->cols[i] = s->cells[i].col;
    s->texts[i] = s->rowbuf + s->cells[i].off;
  }
  hb_xlsx_row r = {s->row, s->cols[n - 1] + 1u, n, s->cols, s->texts};
  int rc = s->fn(s->arg, &r);
  if (rc) {
    s->fn_rc = rc;
    xml_fail(&s->b, rc, "%s", "");
  }
}

static void cell_begin(sheet_ctx *s, const char **atts)
{
  const char *r = attr(atts, "r");
  unsigned col, row;
  if (r) {
    if (parse_ref(r, &col, &row) != 0) {
      xml_fail(&s->b, HB_EPARSE, "单元格引用无效 (bad cell reference '%.20s')", r);
      return;
    }
    if (row != s->row) {
      xml_fail(&s->b, HB_EPARSE, "单元格 %.20s 不在第 %u 行 (cell outside its row)", r, s->row);
      return;
    }
  } else {
    col = (unsigned)(s->last_col + 1);
  }
  s->col = col;
  if ((long)col <= s->last_col) {
    cell_fail(s, HB_EPARSE, "单元格重复或顺序错乱 (cell repeated or out of order)");
    return;
  }
  s->last_col = col;
  const char *t = attr(atts, "t");
  snprintf(s->type, sizeof s->type, "%s", t ? t : "n");
  unsigned long st = 0;
  if (parse_uint(attr(atts, "s"), 0xFFFFFFFFul, &st) != 0)
    st = 0;
  s->style = st;
  s->in_cell = 1;
  s->in_is = 0;
  s->rph = 0;
  text_reset(&s->b);
}

static void cell_end(sheet_ctx *s)
{
  s->in_cell = 0;
  s->b.collecting = 0;
  const char *v = s->b.text ? s->b.text : "";
  char buf[64];
  const char *out = v;
  if (strcmp(s->type, "s") == 0) {
    unsigned long i;
    if (!*v)
      return;
    if (parse_uint(v, 0xFFFFFFFFul, &i) != 0 || i >= s->x->nsst) {
      cell_fail(s, HB_EPARSE, "共享字符串编号无效 (shared string index '%.20s' out of range)", v);
      return;
    }
    out = s->x->sst[i];
  } else if (strcmp(s->type, "b") == 0) {
    out = strcmp(v, "1") == 0 ? "TRUE" : strcmp(v, "0") == 0 ? "FALSE" : v;
  } else if (strcmp(s->type, "d") == 0) {
    /* ISO 8601 date (strict files): keep the date part */
    int32_t day;
    if (strlen(v) >= 10 && (v[10] == '\0' || v[10] == 'T')) {
      snprintf(buf, sizeof buf, "%.10s", v);
      if (hb_date_parse(buf, &day) == 0)
        out = buf;
    }
  } else if (strcmp(s->type, "n") == 0) {
    if (*v) {
      int is_date = s->style < s->x->nxf && s->x->xf_date[s->style];
      render_number(v, is_date, s->x->date1904, buf, sizeof buf);
      out = buf;
    }
  }
  /* inlineStr, str (formula text), e (error): the text as it is */
  size_t n = strlen(out);
  if (!n)
    return;
  if (s->col >= HB_XLSX_MAX_COLS) {
    cell_fail(s, HB_ETOOBIG, "列数过多 (more than %d columns)", HB_XLSX_MAX_COLS);
    return;
  }
  if (n > HB_XLSX_MAX_CELL) {
    cell_fail(s, HB_ETOOBIG, "单元格文字过长 (cell text longer than %u bytes)", HB_XLSX_MAX_CELL);
    return;
  }
  s->text_bytes += n + 1;
  if (s->text_bytes > HB_XLSX_MAX_TEXT) {
    cell_fail(s, HB_ETOOBIG, "工作表过大 (more than %u bytes of text)", HB_XLSX_MAX_TEXT);
    return;
  }
  /* a shared string is not copied: the table points into the workbook's
   * string table (trimming it in place is the same for every cell using it) */
  if (s->rowlen + n + 1 > s->rowcap) {
    size_t cap = s->rowcap ? s->rowcap : 4096;
    while (cap < s->rowlen + n + 1)
      cap *= 2;
    char *nb = realloc(s->rowbuf, cap);
    if (!nb) {
      xml_fail(&s->b, HB_ENOMEM, "out of memory");
      return;
    }
    s->rowbuf = nb;
    s->rowcap = cap;
  }
  memcpy(s->rowbuf + s->rowlen, out, n + 1);
  s->cells[s->ncells++] = (cell_val){s->col, s->rowlen};
  s->rowlen += n + 1;
}

static void XMLCALL sheet_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  sheet_ctx *s = ud;
  const char *n = local(name);
  if (!s->in_data) {
    if (strcmp(n, "sheetData") == 0)
      s->in_data = 1;
    return;
  }
  if (!s->in_row) {
    if (strcmp(n, "row") == 0)
      row_begin(s, atts);
    return;
  }
  if (!s->in_cell) {
    if (strcmp(n, "c") == 0)
      cell_begin(s, atts);
    return;
  }
  if (strcmp(n, "v") == 0 && !s->in_is) {
    s->b.collecting = 1;
  } else if (strcmp(n, "is") == 0) {
    s->in_is = 1;
  } else if (strcmp(n, "rPh") == 0) {
    s->rph++;
  } else if (strcmp(n, "t") == 0 && s->in_is && !s->rph) {
    s->b.collecting = 1;
  }
}

static void XMLCALL sheet_end(void *ud, const XML_Char *name)
{
  sheet_ctx *s = ud;
  const char *n = local(name);
  if (s->in_cell) {
    if (strcmp(n, "c") == 0)
      cell_end(s);
    else if (strcmp(n, "v") == 0 || strcmp(n, "t") == 0)
      s->b.collecting = 0;
    else if (strcmp(n, "rPh") == 0 && s->rph)
      s->rph--;
    else if (strcmp(n, "is") == 0)
      s->in_is = 0;
    return;
  }
  if (s->in_row && strcmp(n, "row") == 0)
    row_end(s);
  else if (s->in_data && strcmp(n, "sheetData") == 0)
    s->in_data = 0;
}

int hb_xlsx_sheet_each(hb_xlsx *x, size_t i, hb_xlsx_row_fn fn, void *arg, char *err, size_t errlen)
{
  char dummy[1];
  if (!err || !errlen) {
    err = dummy;
    errlen = sizeof dummy;
  }
  err[0] = '\0';
  if (i >= x->nsheets)
    return HB_ENOTFOUND;
  if (!x->sheets[i].path) {
    snprintf(err, errlen, "不是普通工作表 (not a worksheet)");
    return HB_EPARSE;
  }
  sheet_ctx s;
  memset(&s, 0, sizeof s);
  s.x = x;
  s.fn = fn;
  s.arg = arg;
  s.cells = malloc(HB_XLSX_MAX_COLS * sizeof *s.cells);
  s.cols = malloc(HB_XLSX_MAX_COLS * sizeof *s.cols);
  s.texts = malloc(HB_XLSX_MAX_COLS * sizeof *s.texts);
  int rc = HB_ENOMEM;
  if (!s.cells || !s.cols || !s.texts)
    goto out;
  /* cells beyond HB_XLSX_MAX_COLS fail in cell_end before being stored */
  rc = part_parse(x, x->sheets[i].path, &s.b, sheet_start, sheet_end, err, errlen);
  if (s.fn_rc) {
    rc = s.fn_rc;
    err[0] = '\0';
  } else if (rc == HB_ENOTFOUND) {
    snprintf(err, errlen, "工作表文件缺失 (sheet part %s missing)", x->sheets[i].path);
    rc = HB_EPARSE;
  }
out:
  free(s.cells);
  free(s.cols);
  free(s.texts);
  free(s.rowbuf);
  return rc;
}

/* hb_xlsx_sheet_read's row callback: keeps a copy of the row in the table. */
typedef struct table_fill {
  hb_xlsx_table *t;
  size_t cap;
} table_fill;

static int table_keep(void *arg, const hb_xlsx_row *r)
{
  table_fill *f = arg;
  hb_xlsx_table *t = f->t;
  if (t->nrows == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 64;
    hb_xlsx_row *rows = realloc(t->rows, cap * sizeof *rows);
    if (!rows)
      return HB_ENOMEM;
    t->rows = rows;
    f->cap = cap;
  }
  unsigned *cols = arena_alloc(&t->arena, r->ncells * sizeof *cols);
  char **texts = arena_alloc(&t->arena, r->ncells * sizeof *texts);
  if (!cols || !texts)
    return HB_ENOMEM;
  for (size_t k = 0; k < r->ncells; k++) {
    cols[k] = r->cols[k];
    if (!(texts[k] = arena_strdup(&t->arena, r->texts[k], strlen(r->texts[k]))))
      return HB_ENOMEM;
  }
  t->rows[t->nrows++] = (hb_xlsx_row){r->line, r->nfields, r->ncells, cols, texts};
  return 0;
}

int hb_xlsx_sheet_read(hb_xlsx *x, size_t i, hb_xlsx_table *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  table_fill f = {out, 0};
  int rc = hb_xlsx_sheet_each(x, i, table_keep, &f, err, errlen);
  if (rc == HB_ENOMEM && err && errlen)
    snprintf(err, errlen, "out of memory");
  return rc;
}

hb_csv_row *hb_xlsx_row_expand(const hb_xlsx_row *r, hb_csv_row *out, char **fields)
{
  static char empty[1];
  for (size_t c = 0; c < r->nfields; c++)
    fields[c] = empty;
  for (size_t k = 0; k < r->ncells; k++)
    fields[r->cols[k]] = r->texts[k];
  *out = (hb_csv_row){r->line, r->nfields, fields};
  return out;
}

void hb_xlsx_table_free(hb_xlsx_table *t)
{
  if (!t)
    return;
  free(t->rows);
  arena_free(t->arena);
  memset(t, 0, sizeof *t);
}
