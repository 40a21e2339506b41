/* docx.h: a report's blocks (report_doc.h) as a Word .docx file.
 *
 * The smallest package Word, WPS and LibreOffice open: [Content_Types].xml,
 * _rels/.rels, word/document.xml, word/styles.xml and its relationship,
 * written with libzip. Styles follow the usual look of Chinese official
 * documents (GB/T 9704): A4, title 宋体 bold 二号 centred, headings 黑体 and
 * 楷体 三号, body 仿宋 三号 with a two-character first-line indent and
 * 28 pt line spacing; tables with borders, header row bold. Fonts are named
 * for East Asian text (w:eastAsia), Latin text uses Times New Roman. */
#ifndef SUB_DOCX_H
#define SUB_DOCX_H

#include <stddef.h>
#include "report_doc.h"

/* word/document.xml for d: *xml malloc'd, NUL-terminated (caller frees).
 * Characters XML 1.0 cannot carry (C0 controls but tab, LF, CR; U+FFFE,
 * U+FFFF) and DEL are dropped, tab, LF and CR become spaces, bytes that are
 * not UTF-8 become U+FFFD: the part always parses. Returns 0 or HB_ENOMEM. */
int sub_docx_document_xml(const sub_doc *d, char **xml, size_t *len);

/* Writes the .docx at path (libzip writes a temporary file beside it and
 * renames it into place). Returns 0, HB_EIO with "path: why" in err, or
 * HB_ENOMEM. */
int sub_docx_write(const sub_doc *d, const char *path, char *err, size_t errlen);

#endif
