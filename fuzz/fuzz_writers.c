/* fuzz_writers: names from the counties (units.csv, campaigns.ini) through
 * every writer of huibao-sub (issue 18, item 5). The input is up to eight
 * names separated by NUL bytes: the campaign, the county, three units, two
 * categories, a report paragraph. Aborts when
 *   - a field of the CSV export starts with = + - @ tab or CR, or a row has
 *     not the header's fields (read back with hb_csv);
 *   - an XML part of the .xlsx export does not parse (expat);
 *   - word/document.xml of the .docx does not parse, or one of its table
 *     rows has not two cells;
 *   - a Markdown table row has not two cells by GFM's rules, or a name
 *     added a line to the Markdown or the text form. */
#include <expat.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "docx.h"
#include "export.h"
#include "hb_csv.h"
#include "report_doc.h"

#define NNAMES 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_csv(Huibao__V1__Rollup *r)
{
  char *mem = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&mem, &len);
  if (!f)
    return;
  sub_export_write_csv(f, &r, 1);
  fclose(f);
  hb_csv *csv;
  if (hb_csv_open(&csv, mem, len) != 0) {
    free(mem);
    return;
  }
  const hb_csv_row *row;
  char err[256];
  size_t nfields = 0;
  int rc;
  while ((rc = hb_csv_next(csv, &row, err, sizeof err)) == 1) {
    if (!nfields)
      nfields = row->nfields;
    if (row->nfields != nfields)
      abort();
    for (size_t i = 0; i < row->nfields; i++)
      if (*row->fields[i] && strchr("=+-@\t\r", *row->fields[i]))
        abort();
  }
  if (rc != 0)
    abort();
  hb_csv_close(csv);
  free(mem);
}

typedef struct tr_count {
  int tcs, bad;
} tr_count;

static void XMLCALL x_start(void *arg, const XML_Char *name, const XML_Char **attrs)
{
  (void)attrs;
  tr_count *c = arg;
  if (strcmp(name, "w:tr") == 0)
    c->tcs = 0;
  else if (strcmp(name, "w:tc") == 0)
    c->tcs++;
}

static void XMLCALL x_end(void *arg, const XML_Char *name)
{
  tr_count *c = arg;
  if (strcmp(name, "w:tr") == 0 && c->tcs != 2)
    c->bad = 1;
}

static int parses(const char *xml, size_t len, tr_count *c)
{
  XML_Parser p = XML_ParserCreate("UTF-8");
  if (!p)
    return 1;
  if (c) {
    XML_SetUserData(p, c);
    XML_SetElementHandler(p, x_start, x_end);
  }
  int ok = XML_Parse(p, xml, (int)len, 1) == XML_STATUS_OK;
  XML_ParserFree(p);
  return ok;
}

static void check_xlsx(Huibao__V1__Rollup *r)
{
  char path[] = "/tmp/fuzz-writers-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0)
    return;
  close(fd);
  if (sub_export_write_xlsx(path, &r, 1) == 0) {
    int zerr;
    zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
    if (!z)
      abort();
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); i++) {
      zip_stat_t st;
      if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) != 0)
        continue;
      char *buf = malloc(st.size + 1);
      zip_file_t *zf = zip_fopen_index(z, (zip_uint64_t)i, 0);
      if (buf && zf && zip_fread(zf, buf, st.size) == (zip_int64_t)st.size &&
          !parses(buf, st.size, NULL))
        abort();
      if (zf)
        zip_fclose(zf);
      free(buf);
    }
    zip_close(z);
  }
  unlink(path);
}

/* Lines of s; with md, every line of the table must have two cells (GFM:
 * \x escapes x). */
static size_t lines_of(const char *s, int md)
{
  size_t lines = 0;
  for (const char *p = s; *p;) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    if (md && lines >= 4) { /* title, blank, paragraph, blank, then the table */
      size_t cells = 0;
      for (size_t i = 1; i < n; i++) {
        if (p[i] == '\\')
          i++;
        else if (p[i] == '|')
          cells++;
      }
      if (cells != 2)
        abort();
    }
    lines++;
    p += n + (e ? 1 : 0);
  }
  return lines;
}

static void check_report(char **names)
{
  char *cells[6] = {"单位", "问题", names[2], "42", names[3], "7"};
  sub_doc_block b[3] = {
      {.kind = SUB_DOC_TITLE, .text = names[0]},
      {.kind = SUB_DOC_PARA, .text = names[7]},
      {.kind = SUB_DOC_TABLE, .cells = cells, .nrows = 3, .ncols = 2, .header = true},
  };
  sub_doc d = {.v = b, .n = 3, .cap = 3};
  for (int md = 0; md < 2; md++) {
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);
    if (!f)
      return;
    int rc = md ? sub_doc_write_md(&d, f) : sub_doc_write_text(&d, f);
    fclose(f);
    /* text: title, paragraph, 3 rows; md: blank lines between, a rule */
    if (rc == 0 && lines_of(mem, md) != (md ? 8u : 5u))
      abort();
    free(mem);
  }
  char *xml;
  size_t len;
  if (sub_docx_document_xml(&d, &xml, &len) == 0) {
    tr_count c = {0, 0};
    if (!parses(xml, len, &c) || c.bad)
      abort();
    free(xml);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *buf = malloc(size + 1);
  if (!buf)
    return 0;
  memcpy(buf, data, size);
  buf[size] = '\0';
  char *names[NNAMES];
  char *p = buf, *end = buf + size;
  for (size_t i = 0; i < NNAMES; i++) {
    names[i] = p < end ? p : end;
    p = p < end ? p + strlen(p) + 1 : end;
  }

  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  Huibao__V1__UnitRow u[3], *up[3];
  Huibao__V1__CategoryCount c[2], *cp[2];
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  char codes[3][4] = {"u0", "u1", "u2"};
  r.campaign = "c1";
  r.campaign_name = names[0];
  r.source = "xq";
  r.problems = &pc;
  for (size_t i = 0; i < 2; i++) {
    c[i] = (Huibao__V1__CategoryCount)HUIBAO__V1__CATEGORY_COUNT__INIT;
    c[i].code = i ? "k1" : "k0";
    c[i].name = names[5 + i];
    c[i].count = i + 1;
    cp[i] = &c[i];
  }
  for (size_t i = 0; i < 3; i++) {
    u[i] = (Huibao__V1__UnitRow)HUIBAO__V1__UNIT_ROW__INIT;
    u[i].code = codes[i];
    u[i].name = names[2 + i];
    u[i].county = names[1];
    u[i].type = "township";
    u[i].records = i;
    up[i] = &u[i];
  }
  r.units = up;
  r.n_units = 3;
  r.categories = cp;
  r.n_categories = 2;

  check_csv(&r);
  check_xlsx(&r);
  check_report(names);
  free(buf);
  return 0;
}
