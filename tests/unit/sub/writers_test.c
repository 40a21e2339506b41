/* writers_test.c: a property test of every writer a name reaches (issue 18,
 * item 5): the CSV and .xlsx export (export.h), and the report's text,
 * Markdown and .docx forms (report_doc.h, docx.h), given random names made
 * of every class of character: formula starters (= + - @), '|', '\', quotes,
 * tab, CR, LF, C0 and C1 controls, DEL, U+FFFE, U+FFFF, zero-width and bidi
 * characters, a BOM, Excel's _xHHHH_ escape, Chinese, emoji and bytes that
 * are not UTF-8. For each of many seeded rounds:
 *   - CSV (read back with hb_csv): every row has the header's fields, no
 *     field starts with a formula character, a formula-like name is the
 *     name with a leading ', the figures are in their columns;
 *   - .xlsx: every XML part of the zip parses (expat); read back with
 *     hb_xlsx (and Excel's _xHHHH_ decoding), each name is the name without
 *     what XML forbids (CR as LF), the figures are numbers in their columns;
 *   - .docx: word/document.xml parses, every table row has ncols cells, the
 *     figure in the last;
 *   - Markdown: one line per row (nothing breaks a line), every table row
 *     has ncols cells by GFM's rules (\| a pipe), the figure in the last;
 *   - text: the figure column starts at the same display column in every
 *     row, and no control, U+FFFE/U+FFFF or zero-width/bidi character is
 *     left to disagree with the width;
 *   - sub_doc_parse: a cell holding SUB_DOC_PIPE stays one cell. */
#include <expat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "docx.h"
#include "export.h"
#include "hb_csv.h"
#include "hb_text.h"
#include "hb_xlsx.h"
#include "report_doc.h"
#include "test.h"

#define ROUNDS 150
#define NUNITS 6
#define NCATS 4
#define NAME_MAX_BYTES 512

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % n);
}

/* Pieces of names: one of every class of character. */
static const char *const pieces[] = {
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "|",
    "\\",
    "\\|",
    "\"",
    ",",
    "'",
    " ",
    "  ",
    "_x003D_",
    "_x000D_",
    "_x",
    "<&>",
    "\x01",
    "\x1b[31m",
    "\x1f",
    "\x7f",
    "\xc2\x85",
    /* U+0085 */ "\xc2\x9b",
    /* U+009B */ "\xef\xbf\xbe", /* U+FFFE */
    "\xef\xbf\xbf",
    /* U+FFFF */ "\xe2\x80\x8b", /* U+200B */
    "\xe2\x80\xae",
    /* U+202E */ "\xef\xbb\xbf", /* U+FEFF */
    "\xe2\x80\xa8",
    /* U+2028 */ "县",
    "委",
    "大罗镇",
    "\xe3\x80\x80",
    /* U+3000 */ "\xf0\x9f\x98\x80", /* emoji */
    "a",
    "Z",
    "1",
    "-5",
    "\xff",
    "\x80",
    "\xed\xa0\x80",
    /* a surrogate in CESU-8 */ "\xe4\xb8", /* cut short */
};
#define NPIECES (sizeof pieces / sizeof pieces[0])

static void random_name(char *buf, size_t len)
{
  size_t n = 0, k = rnd(10);
  buf[0] = '\0';
  for (size_t i = 0; i < k; i++) {
    const char *p = pieces[rnd(NPIECES)];
    size_t m = strlen(p);
    if (n + m + 1 > len)
      break;
    memcpy(buf + n, p, m + 1);
    n += m;
  }
}

static int formula_like(const char *s)
{
  return *s && strchr("=+-@\t\r", *s) != NULL;
}

/* ---------------------------------------------------------------- rollup */

typedef struct world {
  char campaign_name[NAME_MAX_BYTES], county[NAME_MAX_BYTES];
  char names[NUNITS][NAME_MAX_BYTES], codes[NUNITS][8];
  char cat_names[NCATS][NAME_MAX_BYTES], cat_codes[NCATS][8];
  Huibao__V1__Rollup r;
  Huibao__V1__UnitRow units[NUNITS], *up[NUNITS];
  Huibao__V1__ProblemCounts probs[NUNITS], total;
  Huibao__V1__CategoryCount cats[NCATS], *cp[NCATS];
  Huibao__V1__CategoryCount ucats[NUNITS][NCATS], *ucp[NUNITS][NCATS];
} world;

static void world_make(world *w)
{
  memset(w, 0, sizeof *w);
  w->r = (Huibao__V1__Rollup)HUIBAO__V1__ROLLUP__INIT;
  w->total = (Huibao__V1__ProblemCounts)HUIBAO__V1__PROBLEM_COUNTS__INIT;
  random_name(w->campaign_name, sizeof w->campaign_name);
  random_name(w->county, sizeof w->county);
  w->r.campaign = "c1";
  w->r.campaign_name = w->campaign_name;
  w->r.source = "xq";
  w->r.problems = &w->total;
  for (size_t k = 0; k < NCATS; k++) {
    w->cats[k] = (Huibao__V1__CategoryCount)HUIBAO__V1__CATEGORY_COUNT__INIT;
    snprintf(w->cat_codes[k], sizeof w->cat_codes[k], "k%zu", k);
    random_name(w->cat_names[k], sizeof w->cat_names[k]);
    w->cats[k].code = w->cat_codes[k];
    w->cats[k].name = w->cat_names[k];
    w->cp[k] = &w->cats[k];
  }
  w->r.categories = w->cp;
  w->r.n_categories = NCATS;
  for (size_t i = 0; i < NUNITS; i++) {
    Huibao__V1__UnitRow *u = &w->units[i];
    *u = (Huibao__V1__UnitRow)HUIBAO__V1__UNIT_ROW__INIT;
    snprintf(w->codes[i], sizeof w->codes[i], "u%zu", i);
    random_name(w->names[i], sizeof w->names[i]);
    u->code = w->codes[i];
    u->name = w->names[i];
    u->county = w->county;
    u->type = "township";
    u->records = rnd(100000);
    u->has_records = 1;
    w->probs[i] = (Huibao__V1__ProblemCounts)HUIBAO__V1__PROBLEM_COUNTS__INIT;
    w->probs[i].total = rnd(1000);
    w->probs[i].has_total = 1;
    w->probs[i].resolved = rnd((uint32_t)w->probs[i].total + 1);
    w->probs[i].has_resolved = 1;
    u->problems = &w->probs[i];
    w->total.total += w->probs[i].total;
    w->total.resolved += w->probs[i].resolved;
    for (size_t k = 0; k < NCATS; k++) {
      w->ucats[i][k] = w->cats[k];
      w->ucats[i][k].count = rnd(50);
      w->cats[k].count += w->ucats[i][k].count;
      w->ucp[i][k] = &w->ucats[i][k];
    }
    u->categories = w->ucp[i];
    u->n_categories = NCATS;
    w->up[i] = u;
  }
  w->total.has_total = w->total.has_resolved = 1;
  w->r.units = w->up;
  w->r.n_units = NUNITS;
}

/* ---------------------------------------------------------------- CSV */

static void check_csv(const world *w)
{
  Huibao__V1__Rollup *rs[1] = {(Huibao__V1__Rollup *)&w->r};
  char *mem = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&mem, &len);
  sub_export_write_csv(f, rs, 1);
  CHECK(!ferror(f));
  fclose(f);
  hb_csv *csv;
  CHECK_EQ_INT(0, hb_csv_open(&csv, mem, len));
  const hb_csv_row *row;
  char err[256];
  size_t nrow = 0, nfields = 0;
  int rc;
  while ((rc = hb_csv_next(csv, &row, err, sizeof err)) == 1) {
    if (nrow == 0)
      nfields = row->nfields;
    CHECK_EQ_INT(nfields, row->nfields);
    for (size_t i = 0; i < row->nfields; i++)
      if (formula_like(row->fields[i])) {
        fprintf(stderr, "CSV row %zu field %zu starts with a formula character: %s\n", nrow, i,
                row->fields[i]);
        CHECK(!"a live formula");
      }
    if (nrow >= 1 && nrow <= NUNITS && row->nfields > 12) {
      const Huibao__V1__UnitRow *u = w->up[nrow - 1];
      char want[NAME_MAX_BYTES + 2];
      snprintf(want, sizeof want, "%s%s", formula_like(u->name) ? "'" : "", u->name);
      CHECK_EQ_STR(u->code, row->fields[2]);
      CHECK_EQ_STR(want, row->fields[3]);
      char num[32];
      snprintf(num, sizeof num, "%llu", (unsigned long long)u->records);
      CHECK_EQ_STR(num, row->fields[7]);
      snprintf(num, sizeof num, "%llu", (unsigned long long)u->problems->total);
      CHECK_EQ_STR(num, row->fields[12]);
    }
    nrow++;
  }
  CHECK_EQ_INT(0, rc);
  CHECK_EQ_INT(1 + NUNITS + 1, nrow); /* header, units, 合计 */
  CHECK_EQ_INT(21, nfields);
  hb_csv_close(csv);
  free(mem);
}

/* ---------------------------------------------------------------- XML */

typedef struct xml_count {
  int depth, in_tr, in_tc, tcs, rows, bad_rows, ncols;
  char last_tc[64];
  size_t last_len;
  const char *want_last; /* the last cell of every row but the header */
} xml_count;

static void XMLCALL x_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
  (void)attrs;
  xml_count *c = arg;
  if (strcmp(name, "w:tr") == 0) {
    c->in_tr = 1;
    c->tcs = 0;
  } else if (strcmp(name, "w:tc") == 0) {
    c->in_tc = 1;
    c->tcs++;
    c->last_len = 0;
    c->last_tc[0] = '\0';
  }
}

static void XMLCALL x_end(void *arg, const XML_Char *name)
{
  xml_count *c = arg;
  if (strcmp(name, "w:tc") == 0) {
    c->in_tc = 0;
  } else if (strcmp(name, "w:tr") == 0) {
    if (c->tcs != c->ncols || (c->rows > 0 && strcmp(c->last_tc, c->want_last) != 0))
      c->bad_rows++;
    c->rows++;
    c->in_tr = 0;
  }
}

static void XMLCALL x_text(void *arg, const XML_Char *s, int len)
{
  xml_count *c = arg;
  if (c->in_tc && c->last_len + (size_t)len < sizeof c->last_tc) {
    memcpy(c->last_tc + c->last_len, s, (size_t)len);
    c->last_len += (size_t)len;
    c->last_tc[c->last_len] = '\0';
  }
}

/* Parses xml[0..len) with expat; returns 1 when well-formed. */
static int xml_parses(const char *what, const char *xml, size_t len, xml_count *c)
{
  XML_Parser p = XML_ParserCreate("UTF-8");
  if (c) {
    XML_SetUserData(p, c);
    XML_SetElementHandler(p, x_start, x_end);
    XML_SetCharacterDataHandler(p, x_text);
  }
  int ok = XML_Parse(p, xml, (int)len, 1) == XML_STATUS_OK;
  if (!ok)
    fprintf(stderr, "%s: line %lu: %s\n", what, (unsigned long)XML_GetCurrentLineNumber(p),
            XML_ErrorString(XML_GetErrorCode(p)));
  XML_ParserFree(p);
  return ok;
}

/* ---------------------------------------------------------------- xlsx */

/* What a cell holding s reads as: what XML 1.0 forbids dropped, bytes that
 * are not UTF-8 as U+FFFD, CR (and CR LF) as LF. */
static void xlsx_expect(const char *s, char *out, size_t len)
{
  char *x = hb_text_xml_dup(s);
  size_t j = 0;
  for (const char *p = x; *p && j + 1 < len; p++)
    if (*p != '\r')
      out[j++] = *p;
    else if (p[1] != '\n')
      out[j++] = '\n';
  out[j] = '\0';
  free(x);
}

static int hexval(char c)
{
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* Excel's reading of a string: every _xHHHH_ is the character U+HHHH. */
static void excel_decode(const char *s, char *out, size_t len)
{
  size_t j = 0;
  while (*s && j + 4 < len) {
    int h[4];
    if (s[0] == '_' && s[1] == 'x' && s[2] && s[3] && s[4] && s[5] && s[6] == '_' &&
        (h[0] = hexval(s[2])) >= 0 && (h[1] = hexval(s[3])) >= 0 && (h[2] = hexval(s[4])) >= 0 &&
        (h[3] = hexval(s[5])) >= 0) {
      unsigned cp = (unsigned)(h[0] << 12 | h[1] << 8 | h[2] << 4 | h[3]);
      if (cp < 0x80) {
        out[j++] = (char)cp;
      } else if (cp < 0x800) {
        out[j++] = (char)(0xC0 | cp >> 6);
        out[j++] = (char)(0x80 | (cp & 0x3F));
      } else {
        out[j++] = (char)(0xE0 | cp >> 12);
        out[j++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[j++] = (char)(0x80 | (cp & 0x3F));
      }
      s += 7;
    } else {
      out[j++] = *s++;
    }
  }
  out[j] = '\0';
}

static void check_xlsx(const world *w)
{
  Huibao__V1__Rollup *rs[1] = {(Huibao__V1__Rollup *)&w->r};
  char path[] = "/tmp/hb-writers-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  CHECK_EQ_INT(0, sub_export_write_xlsx(path, rs, 1));

  /* every XML part parses */
  int zerr;
  zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
  CHECK(z != NULL);
  zip_int64_t n = z ? zip_get_num_entries(z, 0) : 0;
  for (zip_int64_t i = 0; i < n; i++) {
    const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
    zip_stat_t st;
    if (!name || zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0)
      continue;
    char *buf = malloc(st.size + 1);
    zip_file_t *zf = zip_fopen_index(z, (zip_uint64_t)i, 0);
    CHECK(buf && zf && zip_fread(zf, buf, st.size) == (zip_int64_t)st.size);
    if (zf)
      zip_fclose(zf);
    CHECK(xml_parses(name, buf, st.size, NULL));
    free(buf);
  }
  if (z)
    zip_close(z);

  /* read back: names (less what XML forbids) and figures in their columns */
  hb_xlsx *x;
  char err[512];
  int rc = hb_xlsx_open_file(path, &x, err, sizeof err);
  CHECK_EQ_INT(0, rc);
  if (rc != 0) {
    fprintf(stderr, "the exported .xlsx does not open: %s\n", err);
    unlink(path);
    return;
  }
  hb_xlsx_table t;
  CHECK_EQ_INT(0, hb_xlsx_sheet_read(x, 0, &t, err, sizeof err));
  static char *fields[HB_XLSX_MAX_COLS];
  char got[4 * NAME_MAX_BYTES], want[4 * NAME_MAX_BYTES], num[32];
  size_t units = 0;
  for (size_t i = 0; i < t.nrows; i++) {
    hb_csv_row row;
    hb_xlsx_row_expand(&t.rows[i], &row, fields);
    if (t.rows[i].line == 1) {
      for (size_t k = 0; k < NCATS; k++) {
        excel_decode(20 + k < row.nfields ? row.fields[20 + k] : "", got, sizeof got);
        xlsx_expect(w->cat_names[k], want, sizeof want);
        if (!*want) /* nothing left of the name: the code */
          snprintf(want, sizeof want, "%s", w->cat_codes[k]);
        CHECK_EQ_STR(want, got);
      }
      continue;
    }
    if (t.rows[i].line < 2 || t.rows[i].line > 1 + NUNITS)
      continue;
    const Huibao__V1__UnitRow *u = w->up[t.rows[i].line - 2];
    units++;
    CHECK(row.nfields >= 20 + NCATS);
    if (row.nfields < 20 + NCATS)
      continue;
    CHECK_EQ_STR(u->code, row.fields[1]);
    excel_decode(row.fields[2], got, sizeof got);
    xlsx_expect(u->name, want, sizeof want);
    CHECK_EQ_STR(want, got);
    snprintf(num, sizeof num, "%llu", (unsigned long long)u->records);
    CHECK_EQ_STR(num, row.fields[6]);
    snprintf(num, sizeof num, "%llu", (unsigned long long)u->problems->total);
    CHECK_EQ_STR(num, row.fields[11]);
    for (size_t k = 0; k < NCATS; k++) {
      snprintf(num, sizeof num, "%llu", (unsigned long long)u->categories[k]->count);
      CHECK_EQ_STR(num, row.fields[20 + k]);
    }
  }
  CHECK_EQ_INT(NUNITS, units);
  hb_xlsx_table_free(&t);
  hb_xlsx_close(x);
  unlink(path);
}

/* ---------------------------------------------------------------- report */

#define NROWS 5
#define NCOLS 3

typedef struct doc_world {
  char text[3][NAME_MAX_BYTES];
  char cells[NROWS][NCOLS][NAME_MAX_BYTES];
  char *cellp[NROWS * NCOLS];
  sub_doc_block blocks[3];
  sub_doc d;
} doc_world;

/* A title, a paragraph and a table whose last column is the figure "42". */
static void doc_make(doc_world *w)
{
  memset(w, 0, sizeof *w);
  for (size_t i = 0; i < 2; i++)
    random_name(w->text[i], sizeof w->text[i]);
  for (size_t r = 0; r < NROWS; r++)
    for (size_t c = 0; c < NCOLS; c++) {
      if (c == NCOLS - 1)
        snprintf(w->cells[r][c], sizeof w->cells[r][c], "%s", r ? "42" : "figure");
      else
        random_name(w->cells[r][c], sizeof w->cells[r][c]);
      w->cellp[r * NCOLS + c] = w->cells[r][c];
    }
  w->blocks[0] = (sub_doc_block){.kind = SUB_DOC_TITLE, .text = w->text[0]};
  w->blocks[1] = (sub_doc_block){.kind = SUB_DOC_PARA, .text = w->text[1]};
  w->blocks[2] = (sub_doc_block){
      .kind = SUB_DOC_TABLE, .cells = w->cellp, .nrows = NROWS, .ncols = NCOLS, .header = true};
  w->d = (sub_doc){.v = w->blocks, .n = 3, .cap = 3};
}

/* No byte of s is a control (but LF), U+FFFE or U+FFFF; with strict, no
 * invisible format character (hb_cp_format) either. */
static int clean_output(const char *s, int strict)
{
  size_t len = strlen(s);
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = hb_utf8_decode(s + i, len - i, &cp);
    if (!n || (cp < 0x20 && cp != '\n') || (cp >= 0x7F && cp < 0xA0) || cp == 0xFFFE ||
        cp == 0xFFFF || (strict && hb_cp_format(cp)))
      return 0;
    i += n;
  }
  return 1;
}

/* The cells of a Markdown table row by GFM's rules (\x escapes x). */
static size_t md_cells(const char *line, char *last, size_t lastlen)
{
  size_t n = 0, j = 0;
  const char *p = line;
  if (*p == '|')
    p++;
  for (; *p; p++) {
    if (*p == '\\' && p[1]) {
      p++;
      if (j + 1 < lastlen)
        last[j++] = *p;
      continue;
    }
    if (*p == '|') {
      n++;
      last[j] = '\0';
      if (p[1])
        j = 0;
      continue;
    }
    if (j + 1 < lastlen)
      last[j++] = *p;
  }
  last[j] = '\0';
  return n;
}

/* The next line of *p (the '\n' cut), NULL at the end. */
static char *next_line(char **p)
{
  char *s = *p;
  if (!s || !*s)
    return NULL;
  char *e = strchr(s, '\n');
  if (e) {
    *e = '\0';
    *p = e + 1;
  } else {
    *p = s + strlen(s);
  }
  return s;
}

static char *write_doc(const sub_doc *d, int md)
{
  char *mem = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&mem, &len);
  CHECK_EQ_INT(0, md ? sub_doc_write_md(d, f) : sub_doc_write_text(d, f));
  fclose(f);
  return mem;
}

static void check_report(const doc_world *w)
{
  /* Markdown: title, blank, paragraph, blank, header, rule, rows */
  char *md = write_doc(&w->d, 1);
  CHECK(clean_output(md, 0));
  size_t lines = 0;
  char *p = md, last[NAME_MAX_BYTES * 2];
  for (char *ln; (ln = next_line(&p)) != NULL;) {
    lines++;
    if (lines < 5) /* title, blank, paragraph, blank */
      continue;
    CHECK_EQ_INT(NCOLS, md_cells(ln, last, sizeof last));
    char *t = hb_text_trim(last);
    if (lines > 6) /* header, rule */
      CHECK_EQ_STR("42", t);
  }
  CHECK_EQ_INT(4 + 1 + NROWS, lines);
  free(md);

  /* text: the figure column at one display column */
  char *text = write_doc(&w->d, 0);
  CHECK(clean_output(text, 1));
  lines = 0;
  size_t col = 0;
  p = text;
  for (char *ln; (ln = next_line(&p)) != NULL;) {
    lines++;
    if (lines < 3)
      continue;
    char *fig = strstr(ln, lines == 3 ? "figure" : "42");
    size_t len = strlen(ln), flen = lines == 3 ? 6 : 2;
    while (fig && fig + flen != ln + len)
      fig = strstr(fig + 1, lines == 3 ? "figure" : "42");
    CHECK(fig != NULL);
    if (!fig)
      continue;
    char c0 = *fig;
    *fig = '\0';
    size_t at = hb_utf8_width(ln);
    *fig = c0;
    if (lines == 3)
      col = at;
    else if (at != col)
      fprintf(stderr, "text row %zu: the figure at column %zu, the header's at %zu\n", lines, at,
              col);
    CHECK_EQ_INT(col, at);
  }
  CHECK_EQ_INT(2 + NROWS, lines);
  free(text);

  /* docx: the XML parses, every row has NCOLS cells, the figure last */
  char *xml;
  size_t len;
  CHECK_EQ_INT(0, sub_docx_document_xml(&w->d, &xml, &len));
  xml_count c = {.ncols = NCOLS, .want_last = "42"};
  CHECK(xml_parses("word/document.xml", xml, len, &c));
  CHECK_EQ_INT(NROWS, c.rows);
  CHECK_EQ_INT(0, c.bad_rows);
  free(xml);
}

/* sub_doc_parse: a cell with SUB_DOC_PIPE for its '|' stays one cell. */
static void check_parse(void)
{
  char name[NAME_MAX_BYTES], line[NAME_MAX_BYTES + 32];
  random_name(name, sizeof name);
  for (char *p = name; *p; p++)
    if (*p == '|')
      *p = SUB_DOC_PIPE;
    else if (*p == '\n' || *p == '\r')
      *p = ' ';
  snprintf(line, sizeof line, "| %s | 7 |\n", name);
  sub_doc d;
  CHECK_EQ_INT(0, sub_doc_parse(line, &d));
  CHECK_EQ_INT(1, d.n);
  if (d.n == 1) {
    CHECK_EQ_INT(SUB_DOC_TABLE, d.v[0].kind);
    CHECK_EQ_INT(2, d.v[0].ncols);
    if (d.v[0].ncols == 2) {
      CHECK_EQ_STR("7", d.v[0].cells[1]);
      CHECK(strchr(d.v[0].cells[0], SUB_DOC_PIPE) == NULL);
    }
  }
  sub_doc_free(&d);
}

static void test_export(void)
{
  static world w;
  for (int i = 0; i < ROUNDS; i++) {
    world_make(&w);
    check_csv(&w);
    check_xlsx(&w);
  }
}

static void test_report(void)
{
  static doc_world w;
  for (int i = 0; i < ROUNDS * 4; i++) {
    doc_make(&w);
    check_report(&w);
    check_parse();
  }
}

int main(void)
{
  RUN(test_export);
  RUN(test_report);
  return test_summary();
}
