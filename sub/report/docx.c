/* docx.c: a report as a .docx (docx.h). */
#include "docx.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include "hb_err.h"
#include "hb_text.h"

/* A4 and the margins of GB/T 9704, in twentieths of a point. */
#define PAGE_W 11906
#define PAGE_H 16838
#define MARGIN_TOP 2098
#define MARGIN_BOTTOM 1984
#define MARGIN_LEFT 1588
#define MARGIN_RIGHT 1474
#define TEXT_W (PAGE_W - MARGIN_LEFT - MARGIN_RIGHT)

typedef struct buf {
  char *s;
  size_t len, cap;
  int rc;
} buf;

static void put_n(buf *b, const char *s, size_t n)
{
  if (b->rc)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 8192;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *s2 = realloc(b->s, cap);
    if (!s2) {
      b->rc = HB_ENOMEM;
      return;
    }
    b->s = s2;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

static void put(buf *b, const char *s)
{
  put_n(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(buf *b, const char *fmt, ...)
{
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0)
    put_n(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Text as XML character data: & < > " escaped, tabs and line breaks as
 * spaces, every character XML 1.0 forbids (C0 controls, U+FFFE, U+FFFF)
 * dropped, and bytes that are not UTF-8 written as U+FFFD, so that Word
 * opens the file whatever the names hold. */
static void put_text(buf *b, const char *s)
{
  size_t len = strlen(s);
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = hb_utf8_decode(s + i, len - i, &cp);
    if (!n) {
      put(b, "\xEF\xBF\xBD");
      i++;
      continue;
    }
    switch (cp) {
    case '&': put(b, "&amp;"); break;
    case '<': put(b, "&lt;"); break;
    case '>': put(b, "&gt;"); break;
    case '"': put(b, "&quot;"); break;
    case '\t':
    case '\n':
    case '\r': put(b, " "); break;
    default:
      if (hb_xml_char(cp) && cp != 0x7F)
        put_n(b, s + i, n);
    }
    i += n;
  }
}

static void run(buf *b, const char *text, bool bold)
{
  put(b, "<w:r>");
  if (bold)
    put(b, "<w:rPr><w:b/><w:bCs/></w:rPr>");
  put(b, "<w:t xml:space=\"preserve\">");
  put_text(b, text);
  put(b, "</w:t></w:r>");
}

static void para(buf *b, const char *style, const char *text)
{
  putf(b, "<w:p><w:pPr><w:pStyle w:val=\"%s\"/></w:pPr>", style);
  run(b, text, false);
  put(b, "</w:p>");
}

static void table(buf *b, const sub_doc_block *t)
{
  size_t ncols = t->ncols ? t->ncols : 1;
  unsigned colw = (unsigned)(TEXT_W / ncols);
  put(b, "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:jc w:val=\"center\"/>"
         "<w:tblBorders>");
  static const char *const sides[] = {"top", "left", "bottom", "right", "insideH", "insideV"};
  for (size_t i = 0; i < 6; i++)
    putf(b, "<w:%s w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>", sides[i]);
  put(b, "</w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>");
  for (size_t c = 0; c < t->ncols; c++)
    putf(b, "<w:gridCol w:w=\"%u\"/>", colw);
  put(b, "</w:tblGrid>");
  for (size_t r = 0; r < t->nrows; r++) {
    bool head = t->header && r == 0;
    put(b, "<w:tr>");
    /* a row is never split across pages (a name cut in two reads as two) */
    put(b, head ? "<w:trPr><w:tblHeader/></w:trPr>" : "<w:trPr><w:cantSplit/></w:trPr>");
    for (size_t c = 0; c < t->ncols; c++) {
      putf(b,
           "<w:tc><w:tcPr><w:tcW w:w=\"%u\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/>"
           "</w:tcPr><w:p><w:pPr><w:pStyle w:val=\"TableText\"/></w:pPr>",
           colw);
      run(b, t->cells[r * t->ncols + c], head);
      put(b, "</w:p></w:tc>");
    }
    put(b, "</w:tr>");
  }
  /* Word needs a paragraph between a table and what follows */
  put(b, "</w:tbl><w:p><w:pPr><w:pStyle w:val=\"TableText\"/></w:pPr></w:p>");
}

int sub_docx_document_xml(const sub_doc *d, char **xml, size_t *len)
{
  buf b = {0};
  put(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
          "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
          "<w:body>");
  for (size_t i = 0; i < d->n; i++) {
    const sub_doc_block *bl = &d->v[i];
    switch (bl->kind) {
    case SUB_DOC_TITLE: para(&b, "Title", bl->text); break;
    case SUB_DOC_H1: para(&b, "Heading1", bl->text); break;
    case SUB_DOC_H2: para(&b, "Heading2", bl->text); break;
    case SUB_DOC_H3: para(&b, "Heading3", bl->text); break;
    case SUB_DOC_TABLE: table(&b, bl); break;
    default: para(&b, "BodyText", bl->text); break;
    }
  }
  putf(&b,
       "<w:sectPr><w:pgSz w:w=\"%d\" w:h=\"%d\"/><w:pgMar w:top=\"%d\" w:right=\"%d\" "
       "w:bottom=\"%d\" w:left=\"%d\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/>"
       "</w:sectPr></w:body></w:document>",
       PAGE_W, PAGE_H, MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT);
  if (b.rc) {
    free(b.s);
    return b.rc;
  }
  *xml = b.s;
  if (len)
    *len = b.len;
  return 0;
}

static const char content_types[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
    "<Default Extension=\"rels\" "
    "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
    "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
    "<Override PartName=\"/word/document.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
    "<Override PartName=\"/word/styles.xml\" ContentType=\"application/"
    "vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>"
    "</Types>";

static const char package_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/officeDocument\" Target=\"word/document.xml\"/>"
    "</Relationships>";

static const char document_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
    "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
    "relationships/styles\" Target=\"styles.xml\"/>"
    "</Relationships>";

/* sizes are half-points: 44 二号, 32 三号, 24 小四 */
#define FONTS(ea)                                                                                  \
  "<w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" "                             \
  "w:eastAsia=\"" ea "\" w:cs=\"Times New Roman\" w:hint=\"eastAsia\"/>"
#define PSTYLE(id, name, ppr, rpr)                                                                 \
  "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"" id "\"><w:name w:val=\"" name   \
  "\"/><w:basedOn w:val=\"Normal\"/><w:qFormat/><w:pPr>" ppr "</w:pPr><w:rPr>" rpr                 \
  "</w:rPr></w:style>"

static const char styles[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
    "<w:docDefaults><w:rPrDefault><w:rPr>" FONTS(
        "仿宋") "<w:sz w:val=\"32\"/><w:szCs w:val=\"32\"/><w:lang w:val=\"en-US\" "
                "w:eastAsia=\"zh-CN\"/>"
                "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
                "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"560\" w:lineRule=\"exact\"/>"
                "<w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults>"
                "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name "
                "w:val=\"Normal\"/>"
                "<w:qFormat/></w:style>" PSTYLE(
                    "Title", "Title",
                    "<w:jc w:val=\"center\"/><w:spacing w:after=\"560\" w:line=\"700\" "
                    "w:lineRule=\"exact\"/><w:outlineLvl w:val=\"0\"/>",
                    FONTS("宋体") "<w:b/><w:bCs/><w:sz w:val=\"44\"/><w:szCs w:val=\"44\"/>")
                    PSTYLE("Heading1", "heading 1",
                           "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>"
                           "<w:outlineLvl w:val=\"1\"/>",
                           FONTS("黑体"))
                        PSTYLE("Heading2", "heading 2",
                               "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>"
                               "<w:outlineLvl w:val=\"2\"/>",
                               FONTS("楷体") "<w:b/><w:bCs/>")
                            PSTYLE("Heading3", "heading 3",
                                   "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>"
                                   "<w:outlineLvl w:val=\"3\"/>",
                                   FONTS("仿宋") "<w:b/><w:bCs/>")
                                PSTYLE("BodyText", "Body Text",
                                       "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>", "")
                                    PSTYLE(
                                        "TableText", "Table Text",
                                        "<w:jc w:val=\"center\"/><w:spacing w:line=\"240\" "
                                        "w:lineRule=\"auto\"/>",
                                        "<w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/>") "</w:styles>";

static int add(zip_t *z, const char *name, const void *data, size_t len)
{
  zip_source_t *s = zip_source_buffer(z, data, len, 0);
  if (!s)
    return -1;
  if (zip_file_add(z, name, s, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8) < 0) {
    zip_source_free(s);
    return -1;
  }
  return 0;
}

int sub_docx_write(const sub_doc *d, const char *path, char *err, size_t errlen)
{
  char *doc;
  size_t doclen;
  int rc = sub_docx_document_xml(d, &doc, &doclen);
  if (rc)
    return rc;
  int zerr = 0;
  zip_t *z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  if (!z) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, zerr);
    snprintf(err, errlen, "%s: %s", path, zip_error_strerror(&ze));
    zip_error_fini(&ze);
    free(doc);
    return HB_EIO;
  }
  /* the buffers must live until zip_close, which writes everything */
  if (add(z, "[Content_Types].xml", content_types, sizeof content_types - 1) != 0 ||
      add(z, "_rels/.rels", package_rels, sizeof package_rels - 1) != 0 ||
      add(z, "word/document.xml", doc, doclen) != 0 ||
      add(z, "word/_rels/document.xml.rels", document_rels, sizeof document_rels - 1) != 0 ||
      add(z, "word/styles.xml", styles, sizeof styles - 1) != 0) {
    snprintf(err, errlen, "%s: %s", path, zip_strerror(z));
    zip_discard(z);
    free(doc);
    return HB_EIO;
  }
  if (zip_close(z) != 0) {
    snprintf(err, errlen, "%s: %s", path, zip_strerror(z));
    zip_discard(z);
    free(doc);
    return HB_EIO;
  }
  free(doc);
  return 0;
}
