/* report_doc.h: a filled report as blocks, and its text and Markdown forms.
 *
 * A rendered template is read line by line, a light Markdown that clerks
 * can write without knowing Markdown:
 *   "# 标题"     the title              "## 一、进展情况"   a heading
 *   "### （一）…" a sub-heading          "#### …"            a third level
 *   "| a | b |"  a table row (a row of only -, : and | under the first row
 *                makes it the header)
 *   a blank line separates nothing and is dropped; every other line is one
 *   paragraph. No other markup: "**县" in the sample reports stays as it is.
 * docx.h writes the same blocks as a Word file.
 *
 * Names in the text are data, not markup: report.c hands every '|' of the
 * data over as SUB_DOC_PIPE, which never separates cells and is a '|' again
 * in the blocks; the writers then escape what their format needs (Markdown:
 * \| and \\ in cells) and print control characters as spaces, so a name
 * can neither add a cell nor move a figure into another column. */
#ifndef SUB_REPORT_DOC_H
#define SUB_REPORT_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef enum sub_doc_kind {
  SUB_DOC_TITLE = 1,
  SUB_DOC_H1,
  SUB_DOC_H2,
  SUB_DOC_H3,
  SUB_DOC_PARA,
  SUB_DOC_TABLE,
} sub_doc_kind;

typedef struct sub_doc_block {
  sub_doc_kind kind;
  char *text;   /* everything but tables (UTF-8, no line break) */
  char **cells; /* tables: nrows x ncols, row-major, every cell a string */
  size_t nrows, ncols;
  bool header; /* the first row is a header row */
} sub_doc_block;

typedef struct sub_doc {
  sub_doc_block *v;
  size_t n, cap;
} sub_doc;

/* In text given to sub_doc_parse: a '|' that belongs to a cell's text. */
#define SUB_DOC_PIPE '\x1F'

/* Splits text into blocks. d is initialised here; free with sub_doc_free
 * (also after a failure). Returns 0 or HB_ENOMEM. */
int sub_doc_parse(const char *text, sub_doc *d);
void sub_doc_free(sub_doc *d);

/* Plain text: one line a block, headings without their '#', table columns
 * aligned by display width (two spaces between columns; a '|' in a cell is
 * just a character). Control characters print as spaces, bytes that are not
 * UTF-8 as '?'; U+FFFE, U+FFFF and invisible format characters (zero-width,
 * bidi: hb_cp_format) are dropped. Returns 0, HB_ENOMEM or HB_EIO. */
int sub_doc_write_text(const sub_doc *d, FILE *f);

/* Markdown: blocks separated by blank lines, tables with a header rule; in
 * a cell '|' is written \| and '\' is written \\ (GitHub Flavored
 * Markdown), so every row has ncols cells. Control characters, U+FFFE and
 * U+FFFF as in text. */
int sub_doc_write_md(const sub_doc *d, FILE *f);

#endif
