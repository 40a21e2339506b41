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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "hb_err.h"
#include "hb_text.h"
#include "hb_xlsx_xml.h"

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
  if (strcmp(xlsx_local(name), "Relationship") != 0)
    return;
  const char *id = xlsx_attr(atts, "Id"), *type = xlsx_attr(atts, "Type"),
             *target = xlsx_attr(atts, "Target");
  const char *mode = xlsx_attr(atts, "TargetMode");
  if (!id || !type || !target || (mode && strcmp(mode, "External") == 0))
    return;
  if (r->n == r->cap) {
    if (r->cap >= 100000) {
      xlsx_xml_fail(&r->b, HB_ETOOBIG, "too many relationships");
      return;
    }
    size_t cap = r->cap ? r->cap * 2 : 16;
    rel *items = realloc(r->items, cap * sizeof *items);
    if (!items) {
      xlsx_xml_fail(&r->b, HB_ENOMEM, "out of memory");
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
    xlsx_xml_fail(&r->b, HB_ENOMEM, "out of memory");
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
  const char *n = xlsx_local(name);
  if (strcmp(n, "workbookPr") == 0) {
    const char *d = xlsx_attr(atts, "date1904");
    w->x->date1904 = d && (strcmp(d, "1") == 0 || strcasecmp(d, "true") == 0);
    return;
  }
  if (strcmp(n, "sheet") != 0)
    return;
  const char *sname = xlsx_attr(atts, "name"), *rid = xlsx_attr(atts, "id");
  if (!sname || !rid) {
    xlsx_xml_fail(&w->b, HB_EPARSE, "workbook: 工作表缺少名称 (a sheet without name or id)");
    return;
  }
  hb_xlsx *x = w->x;
  if (x->nsheets == w->cap) {
    if (w->cap >= HB_XLSX_MAX_SHEETS) {
      xlsx_xml_fail(&w->b, HB_ETOOBIG, "工作表过多 (more than %d sheets)", HB_XLSX_MAX_SHEETS);
      return;
    }
    size_t cap = w->cap ? w->cap * 2 : 8;
    sheet_ref *s = realloc(x->sheets, cap * sizeof *s);
    if (!s) {
      xlsx_xml_fail(&w->b, HB_ENOMEM, "out of memory");
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
    xlsx_xml_fail(&w->b, HB_ENOMEM, "out of memory");
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

static void XMLCALL styles_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
  styles_ctx *s = ud;
  const char *n = xlsx_local(name);
  unsigned long id;
  if (strcmp(n, "numFmt") == 0) {
    const char *code = xlsx_attr(atts, "formatCode");
    if (xlsx_parse_uint(xlsx_attr(atts, "numFmtId"), 0xFFFFFFFFul, &id) != 0 || !code)
      return;
    if (s->nfmts == s->capf) {
      if (s->capf >= XF_MAX) {
        xlsx_xml_fail(&s->b, HB_ETOOBIG, "styles: too many number formats");
        return;
      }
      size_t cap = s->capf ? s->capf * 2 : 16;
      num_fmt *f = realloc(s->fmts, cap * sizeof *f);
      if (!f) {
        xlsx_xml_fail(&s->b, HB_ENOMEM, "out of memory");
        return;
      }
      s->fmts = f;
      s->capf = cap;
    }
    s->fmts[s->nfmts++] = (num_fmt){(unsigned)id, code_is_date(code)};
  } else if (strcmp(n, "cellXfs") == 0) {
    s->in_cellxfs = 1;
  } else if (strcmp(n, "xf") == 0 && s->in_cellxfs) {
    if (xlsx_parse_uint(xlsx_attr(atts, "numFmtId"), 0xFFFFFFFFul, &id) != 0)
      id = 0;
    if (s->x->nxf == s->cap) {
      if (s->cap >= XF_MAX) {
        xlsx_xml_fail(&s->b, HB_ETOOBIG, "styles: too many cell formats");
        return;
      }
      size_t cap = s->cap ? s->cap * 2 : 64;
      unsigned *f = realloc(s->xf_fmt, cap * sizeof *f);
      if (!f) {
        xlsx_xml_fail(&s->b, HB_ENOMEM, "out of memory");
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
  if (strcmp(xlsx_local(name), "cellXfs") == 0)
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
  const char *n = xlsx_local(name);
  if (strcmp(n, "si") == 0) {
    s->in_si = 1;
    xlsx_text_reset(&s->b);
  } else if (strcmp(n, "rPh") == 0) {
    s->rph++;
  } else if (strcmp(n, "t") == 0 && s->in_si && !s->rph) {
    s->b.collecting = 1;
  }
}

static void XMLCALL sst_end(void *ud, const XML_Char *name)
{
  sst_ctx *s = ud;
  const char *n = xlsx_local(name);
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
        xlsx_xml_fail(&s->b, HB_ETOOBIG, "共享字符串过多 (more than %d shared strings)",
                      HB_XLSX_MAX_STRINGS);
        return;
      }
      size_t cap = s->cap ? s->cap * 2 : 256;
      char **a = realloc(x->sst, cap * sizeof *a);
      if (!a) {
        xlsx_xml_fail(&s->b, HB_ENOMEM, "out of memory");
        return;
      }
      x->sst = a;
      s->cap = cap;
    }
    char *str = xlsx_arena_strdup(&x->strings, s->b.text ? s->b.text : "", s->b.tlen);
    if (!str) {
      xlsx_xml_fail(&s->b, HB_ENOMEM, "out of memory");
      return;
    }
    x->sst[x->nsst++] = str;
  }
}

/* ---------------------------------------------------------------- open */

static int load_rels(hb_xlsx *x, const char *path, rels_ctx *r, char *err, size_t errlen)
{
  memset(r, 0, sizeof *r);
  return xlsx_part_parse(x, path, &r->b, rels_start, ignore_end, err, errlen);
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
  int rc = xlsx_part_parse(x, path, &s.b, styles_start, styles_end, err, errlen);
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
  return xlsx_part_parse(x, path, &s.b, sst_start, sst_end, err, errlen);
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
  rc = xlsx_part_parse(x, wb, &w.b, wb_start, ignore_end, err, errlen);
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
  xlsx_arena_free(x->strings);
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
