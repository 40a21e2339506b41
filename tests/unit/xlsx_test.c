/* xlsx_test.c: hb_xlsx (cells of a workbook as text) and the ledger read
 * from a workbook (hb_ledger_load_xlsx). The workbooks are built here with
 * libzip from hand-written XML parts, so every cell type, style and fault
 * is exactly the one meant. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_ledger.h"
#include "hb_xlsx.h"
#include "test.h"

typedef struct part {
  const char *name;
  const char *xml;
} part;

/* A zip of the parts, in memory (malloc'd, *len bytes). */
static char *zip_parts(const part *parts, size_t n, size_t *len)
{
  zip_error_t ze;
  zip_error_init(&ze);
  zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
  if (!src)
    return NULL;
  zip_source_keep(src);
  zip_t *z = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
  if (!z)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    zip_source_t *s = zip_source_buffer(z, parts[i].xml, strlen(parts[i].xml), 0);
    if (!s || zip_file_add(z, parts[i].name, s, ZIP_FL_ENC_UTF_8) < 0)
      return NULL;
  }
  if (zip_close(z) != 0)
    return NULL;
  char *buf = NULL;
  if (zip_source_open(src) == 0) {
    zip_source_seek(src, 0, SEEK_END);
    zip_int64_t size = zip_source_tell(src);
    zip_source_seek(src, 0, SEEK_SET);
    buf = malloc(size > 0 ? (size_t)size : 1);
    if (buf && zip_source_read(src, buf, (zip_uint64_t)size) == size)
      *len = (size_t)size;
    zip_source_close(src);
  }
  zip_source_free(src);
  zip_error_fini(&ze);
  return buf;
}

#define NS                                                                                         \
  "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "                           \
  "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
#define RELNS "xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\""
#define RT "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

static const char root_rels[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships " RELNS ">"
    "<Relationship Id=\"rId1\" Type=\"" RT "officeDocument\" Target=\"xl/workbook.xml\"/>"
    "</Relationships>";

static const char wb_rels[] =
    "<Relationships " RELNS ">"
    "<Relationship Id=\"rId1\" Type=\"" RT "worksheet\" Target=\"worksheets/sheet1.xml\"/>"
    "<Relationship Id=\"rId2\" Type=\"" RT "worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
    "<Relationship Id=\"rId3\" Type=\"" RT "styles\" Target=\"styles.xml\"/>"
    "<Relationship Id=\"rId4\" Type=\"" RT "sharedStrings\" Target=\"sharedStrings.xml\"/>"
    "</Relationships>";

static const char workbook[] =
    "<workbook " NS "><workbookPr/><sheets>"
    "<sheet name=\"活动\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"Data\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";

/* xf 0 General, 1 built-in date 14, 2 custom Chinese date 164, 3 percent
 * (10: not a date), 4 custom "0.0" with quoted "d" (not a date) */
static const char styles[] =
    "<styleSheet " NS "><numFmts count=\"2\">"
    "<numFmt numFmtId=\"164\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
    "<numFmt numFmtId=\"165\" formatCode=\"0.0&quot;d&quot;\"/></numFmts>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
    "<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"164\"/>"
    "<xf numFmtId=\"10\"/><xf numFmtId=\"165\"/></cellXfs></styleSheet>";

static const char sst[] =
    "<sst " NS " count=\"3\" uniqueCount=\"3\">"
    "<si><t>编号</t></si>"
    "<si><r><t>集中</t></r><r><rPr><b/></rPr><t xml:space=\"preserve\">学习 </t></r>"
    "<rPh sb=\"0\" eb=\"1\"><t>ジ</t></rPh></si>"
    "<si><t/></si></sst>";

static const char sheet1[] =
    "<worksheet " NS "><dimension ref=\"A1:F7\"/><sheetData>"
    "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" "
    "t=\"inlineStr\"><is><t>专项</t></is></c>"
    "<c r=\"C1\" t=\"b\"><v>1</v></c><c r=\"D1\"><v>35</v></c><c r=\"E1\"><v>2.5</v></c>"
    "<c r=\"F1\"><v>3.5E1</v></c></row>"
    "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>44713</v></c><c r=\"B2\" s=\"2\"><v>44713.75</v></c>"
    "<c r=\"C2\" s=\"3\"><v>0.5</v></c><c r=\"D2\" t=\"e\"><v>#N/A</v></c>"
    "<c r=\"E2\" t=\"str\"><f>A1&amp;\"x\"</f><v>编号x</v></c><c r=\"F2\" "
    "s=\"4\"><v>7</v></c></row>"
    "<row r=\"5\"><c><v>1</v></c><c t=\"s\"><v>1</v></c><c t=\"s\"><v>2</v></c><c "
    "r=\"E5\"><v>-0</v></c></row>"
    "<row r=\"7\"><c r=\"C7\" s=\"1\"/><c r=\"D7\" t=\"s\"><v>2</v></c></row>"
    "<row r=\"8\"><c r=\"B8\" s=\"1\"><v>60</v></c><c r=\"C8\" s=\"1\"><v>59</v></c>"
    "<c r=\"D8\" s=\"1\"><v>61</v></c><c r=\"E8\" s=\"1\"><v>-3</v></c></row>"
    "</sheetData></worksheet>";

static const char sheet_empty[] = "<worksheet " NS "><sheetData/></worksheet>";

/* Opens the zip of the parts; *keep gets the bytes, which must outlive the
 * workbook (the caller frees them after hb_xlsx_close). */
static hb_xlsx *open_parts(const part *parts, size_t n, int want_rc, char *err, size_t errlen,
                           char **keep)
{
  size_t len = 0;
  char *buf = zip_parts(parts, n, &len);
  CHECK(buf != NULL);
  hb_xlsx *x = NULL;
  int rc = hb_xlsx_open_buffer(buf, len, &x, err, errlen);
  CHECK_EQ_INT(want_rc, rc);
  *keep = buf;
  return x;
}

static const char *field(const hb_xlsx_table *t, size_t r, size_t c)
{
  static char *fields[HB_XLSX_MAX_COLS];
  hb_csv_row row;
  if (r >= t->nrows || c >= t->rows[r].nfields)
    return "(none)";
  return hb_xlsx_row_expand(&t->rows[r], &row, fields)->fields[c];
}

static void test_cells(void)
{
  const part parts[] = {{"_rels/.rels", root_rels},
                        {"xl/workbook.xml", workbook},
                        {"xl/_rels/workbook.xml.rels", wb_rels},
                        {"xl/styles.xml", styles},
                        {"xl/sharedStrings.xml", sst},
                        {"xl/worksheets/sheet1.xml", sheet1},
                        {"xl/worksheets/sheet2.xml", sheet_empty}};
  char err[512] = "", *keep;
  hb_xlsx *x = open_parts(parts, 7, 0, err, sizeof err, &keep);
  if (!x) {
    fprintf(stderr, "open: %s\n", err);
    free(keep);
    return;
  }
  CHECK_EQ_INT(2, hb_xlsx_sheet_count(x));
  CHECK_EQ_STR("活动", hb_xlsx_sheet_name(x, 0));
  CHECK_EQ_STR("Data", hb_xlsx_sheet_name(x, 1));
  hb_xlsx_table t;
  CHECK_EQ_INT(0, hb_xlsx_sheet_read(x, 0, &t, err, sizeof err));
  CHECK_EQ_INT(4, t.nrows); /* rows 1, 2, 5, 8; none of 3, 4, 6; 7 is blank */
  CHECK_EQ_INT(1, t.rows[0].line);
  CHECK_EQ_INT(6, t.rows[0].nfields);
  CHECK_EQ_STR("编号", field(&t, 0, 0));
  CHECK_EQ_STR("专项", field(&t, 0, 1));
  CHECK_EQ_STR("TRUE", field(&t, 0, 2));
  CHECK_EQ_STR("35", field(&t, 0, 3));
  CHECK_EQ_STR("2.5", field(&t, 0, 4));
  CHECK_EQ_STR("35", field(&t, 0, 5));
  CHECK_EQ_INT(2, t.rows[1].line);
  CHECK_EQ_STR("2022-06-01", field(&t, 1, 0)); /* built-in date format 14 */
  CHECK_EQ_STR("2022-06-01", field(&t, 1, 1)); /* custom 年月日, time of day dropped */
  CHECK_EQ_STR("0.5", field(&t, 1, 2));        /* a percentage is no date */
  CHECK_EQ_STR("#N/A", field(&t, 1, 3));
  CHECK_EQ_STR("编号x", field(&t, 1, 4)); /* a formula's cached text */
  CHECK_EQ_STR("7", field(&t, 1, 5));     /* "d" in quotes: no date */
  CHECK_EQ_INT(5, t.rows[2].line);
  CHECK_EQ_INT(5, t.rows[2].nfields);
  CHECK_EQ_STR("1", field(&t, 2, 0));
  CHECK_EQ_STR("集中学习 ", field(&t, 2, 1)); /* rich text runs joined, phonetic left out */
  CHECK_EQ_STR("", field(&t, 2, 2));
  CHECK_EQ_STR("", field(&t, 2, 3));
  CHECK_EQ_STR("0", field(&t, 2, 4));
  /* row 7 has only an empty styled cell and an empty string: blank, left out */
  CHECK_EQ_INT(8, t.rows[3].line);
  CHECK_EQ_STR("", field(&t, 3, 0));
  CHECK_EQ_STR("60", field(&t, 3, 1)); /* 1900-02-29 never was */
  CHECK_EQ_STR("1900-02-28", field(&t, 3, 2));
  CHECK_EQ_STR("1900-03-01", field(&t, 3, 3));
  CHECK_EQ_STR("-3", field(&t, 3, 4));
  hb_xlsx_table_free(&t);
  CHECK_EQ_INT(0, hb_xlsx_sheet_read(x, 1, &t, err, sizeof err));
  CHECK_EQ_INT(0, t.nrows);
  hb_xlsx_table_free(&t);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_xlsx_sheet_read(x, 2, &t, err, sizeof err));
  hb_xlsx_table_free(&t);

  /* the part limit is counted on what is inflated */
  hb_xlsx_limit_part(x, 100);
  CHECK_EQ_INT(HB_ETOOBIG, hb_xlsx_sheet_read(x, 0, &t, err, sizeof err));
  CHECK_CONTAINS(err, "xl/worksheets/sheet1.xml: 解压后过大 (larger than 100 bytes uncompressed)");
  hb_xlsx_table_free(&t);
  hb_xlsx_close(x);
  free(keep);

  char ref[16];
  hb_xlsx_cell_name(0, 1, ref, sizeof ref);
  CHECK_EQ_STR("A1", ref);
  hb_xlsx_cell_name(26, 7, ref, sizeof ref);
  CHECK_EQ_STR("AA7", ref);
  hb_xlsx_cell_name(16383, 1048576, ref, sizeof ref);
  CHECK_EQ_STR("XFD1048576", ref);
}

static const char wb1904[] =
    "<x:workbook xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
    "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
    "<x:workbookPr date1904=\"1\"/><x:sheets><x:sheet name=\"问题\" sheetId=\"1\" r:id=\"rId1\"/>"
    "</x:sheets></x:workbook>";

/* No _rels/.rels (then xl/workbook.xml), prefixed elements, the 1904 date
 * system, no shared strings. */
static void test_1904_prefixed(void)
{
  const char sheet[] =
      "<x:worksheet xmlns:x=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
      "<x:sheetData><x:row r=\"3\"><x:c r=\"B3\" s=\"1\"><x:v>0</x:v></x:c>"
      "<x:c r=\"C3\" s=\"1\"><x:v>43251</x:v></x:c><x:c r=\"D3\" "
      "t=\"d\"><x:v>2022-06-15T00:00:00</x:v></x:c>"
      "</x:row></x:sheetData></x:worksheet>";
  const part parts[] = {{"xl/workbook.xml", wb1904},
                        {"xl/_rels/workbook.xml.rels", wb_rels},
                        {"xl/styles.xml", styles},
                        {"xl/worksheets/sheet1.xml", sheet}};
  char err[512] = "", *keep;
  hb_xlsx *x = open_parts(parts, 4, 0, err, sizeof err, &keep);
  if (!x) {
    fprintf(stderr, "open: %s\n", err);
    free(keep);
    return;
  }
  hb_xlsx_table t;
  CHECK_EQ_INT(0, hb_xlsx_sheet_read(x, 0, &t, err, sizeof err));
  CHECK_EQ_INT(1, t.nrows);
  CHECK_EQ_INT(3, t.rows[0].line);
  CHECK_EQ_STR("", field(&t, 0, 0));
  CHECK_EQ_STR("1904-01-01", field(&t, 0, 1));
  CHECK_EQ_STR("2022-06-01", field(&t, 0, 2)); /* 44713 - 1462 */
  CHECK_EQ_STR("2022-06-15", field(&t, 0, 3));
  hb_xlsx_table_free(&t);
  hb_xlsx_close(x);
  free(keep);
}

/* A workbook whose sheet1 is xml; returns the rc of reading it, err set. */
static int read_bad_sheet(const char *xml, char *err, size_t errlen)
{
  const part parts[] = {{"xl/workbook.xml", workbook},
                        {"xl/_rels/workbook.xml.rels", wb_rels},
                        {"xl/sharedStrings.xml", sst},
                        {"xl/worksheets/sheet1.xml", xml}};
  char *keep;
  hb_xlsx *x = open_parts(parts, 4, 0, err, errlen, &keep);
  if (!x) {
    free(keep);
    return 1;
  }
  hb_xlsx_table t;
  int rc = hb_xlsx_sheet_read(x, 0, &t, err, errlen);
  hb_xlsx_table_free(&t);
  /* sheet2.xml is named in the rels but absent */
  CHECK_EQ_INT(HB_EPARSE, hb_xlsx_sheet_read(x, 1, &t, NULL, 0));
  hb_xlsx_table_free(&t);
  hb_xlsx_close(x);
  free(keep);
  return rc;
}

static void test_bad_sheets(void)
{
  char err[512];
  CHECK_EQ_INT(HB_EPARSE, read_bad_sheet("<worksheet><sheetData><row r=\"1\"><c r=\"A1\">"
                                         "<v>1</v></c></row></sheetData>",
                                         err, sizeof err));
  CHECK_CONTAINS(err, "xl/worksheets/sheet1.xml: XML 格式错误 (bad XML, line 1: ");
  CHECK_EQ_INT(HB_EPARSE, read_bad_sheet("<!DOCTYPE lol [<!ENTITY a \"aaaa\">]><worksheet/>", err,
                                         sizeof err));
  CHECK_CONTAINS(err, "DOCTYPE");
  CHECK_EQ_INT(HB_EPARSE, read_bad_sheet("<worksheet><sheetData><row r=\"2\"><c r=\"A2\"><v>1</v>"
                                         "</c><c r=\"B2\" t=\"s\"><v>3</v></c></row></sheetData>"
                                         "</worksheet>",
                                         err, sizeof err));
  CHECK_EQ_STR("B2: 共享字符串编号无效 (shared string index '3' out of range)", err);
  CHECK_EQ_INT(HB_EPARSE,
               read_bad_sheet("<worksheet><sheetData><row r=\"4\"><c r=\"C4\"><v>1</v>"
                              "</c><c r=\"C4\"><v>2</v></c></row></sheetData></worksheet>",
                              err, sizeof err));
  CHECK_EQ_STR("C4: 单元格重复或顺序错乱 (cell repeated or out of order)", err);
  CHECK_EQ_INT(HB_EPARSE, read_bad_sheet("<worksheet><sheetData><row r=\"4\"/><row r=\"3\"/>"
                                         "</sheetData></worksheet>",
                                         err, sizeof err));
  CHECK_EQ_STR("行 3 顺序错乱 (row 3 out of order)", err);
  CHECK_EQ_INT(HB_EPARSE, read_bad_sheet("<worksheet><sheetData><row r=\"4\"><c r=\"A5\"><v>1</v>"
                                         "</c></row></sheetData></worksheet>",
                                         err, sizeof err));
  CHECK_CONTAINS(err, "A5 不在第 4 行");
  CHECK_EQ_INT(HB_EPARSE, read_bad_sheet("<worksheet><sheetData><row r=\"1\"><c r=\"1A\"/></row>"
                                         "</sheetData></worksheet>",
                                         err, sizeof err));
  CHECK_CONTAINS(err, "bad cell reference '1A'");
  CHECK_EQ_INT(HB_ETOOBIG, read_bad_sheet("<worksheet><sheetData><row r=\"9\"><c r=\"IW9\">"
                                          "<v>1</v></c></row></sheetData></worksheet>",
                                          err, sizeof err));
  CHECK_EQ_STR("IW9: 列数过多 (more than 256 columns)", err);
  /* an empty cell far right is fine */
  CHECK_EQ_INT(0, read_bad_sheet("<worksheet><sheetData><row r=\"9\"><c r=\"XFD9\" s=\"0\"/>"
                                 "</row></sheetData></worksheet>",
                                 err, sizeof err));
  /* a cell longer than HB_XLSX_MAX_CELL */
  size_t big = HB_XLSX_MAX_CELL + 10;
  char *xml = malloc(big + 200);
  if (xml) {
    int n = sprintf(xml, "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>");
    memset(xml + n, 'a', big);
    strcpy(xml + n + big, "</t></is></c></row></sheetData></worksheet>");
    CHECK_EQ_INT(HB_ETOOBIG, read_bad_sheet(xml, err, sizeof err));
    CHECK_CONTAINS(err, "cell text longer than 65536 bytes");
    free(xml);
  }
}

static void test_bad_files(void)
{
  char err[512];
  hb_xlsx *x = NULL;
  CHECK_EQ_INT(HB_EPARSE, hb_xlsx_open_buffer("", 0, &x, err, sizeof err));
  CHECK_CONTAINS(err, "不是 .xlsx 工作簿 (not an .xlsx workbook: ");
  CHECK(x == NULL);
  const char junk[] = "PK\x03\x04 not really a zip, just its magic";
  CHECK_EQ_INT(HB_EPARSE, hb_xlsx_open_buffer(junk, sizeof junk, &x, err, sizeof err));
  CHECK_CONTAINS(err, "not an .xlsx workbook");
  /* a zip, but not a workbook */
  const part other[] = {{"word/document.xml", "<document/>"}};
  char *keep;
  open_parts(other, 1, HB_EPARSE, err, sizeof err, &keep);
  free(keep);
  CHECK_EQ_STR("不是 .xlsx 工作簿 (not an .xlsx workbook: no xl/workbook.xml)", err);
  /* bad XML in the shared strings is an error of the whole workbook */
  const part badsst[] = {{"xl/workbook.xml", workbook},
                         {"xl/_rels/workbook.xml.rels", wb_rels},
                         {"xl/sharedStrings.xml", "<sst><si><t>x</si></sst>"}};
  open_parts(badsst, 3, HB_EPARSE, err, sizeof err, &keep);
  free(keep);
  CHECK_CONTAINS(err, "xl/sharedStrings.xml: XML 格式错误 (bad XML, line 1: mismatched tag)");
  /* no workbook relationships */
  const part norels[] = {{"xl/workbook.xml", workbook}};
  open_parts(norels, 1, HB_EPARSE, err, sizeof err, &keep);
  free(keep);
  CHECK_CONTAINS(err, "no xl/_rels/workbook.xml.rels");
  CHECK_EQ_INT(HB_ENOTFOUND, hb_xlsx_open_file("/nonexistent/台账.xlsx", &x, err, sizeof err));
}

/* ---------------------------------------------------------------- ledger */

static const char wb_ledger[] =
    "<workbook " NS "><sheets><sheet name=\"问题\" sheetId=\"1\" r:id=\"rId1\"/>"
    "<sheet name=\"说明\" sheetId=\"2\" r:id=\"rId2\"/></sheets></workbook>";

static const char problems_sheet[] =
    "<worksheet " NS "><sheetData>"
    "<row r=\"1\">"
    "<c r=\"A1\" t=\"inlineStr\"><is><t>编号</t></is></c><c r=\"B1\" "
    "t=\"inlineStr\"><is><t>专项</t></is></c>"
    "<c r=\"C1\" t=\"inlineStr\"><is><t>查摆日期</t></is></c><c r=\"D1\" "
    "t=\"inlineStr\"><is><t>范围</t></is></c>"
    "<c r=\"E1\" t=\"inlineStr\"><is><t>类别</t></is></c><c r=\"F1\" "
    "t=\"inlineStr\"><is><t>状态</t></is></c>"
    "<c r=\"G1\" t=\"inlineStr\"><is><t>整改措施数</t></is></c><c r=\"H1\" "
    "t=\"inlineStr\"><is><t>销号日期</t></is></c>"
    "</row>"
    "<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>P1</t></is></c><c r=\"B2\" "
    "t=\"inlineStr\"><is><t>jiefang-2022</t></is></c>"
    "<c r=\"C2\" s=\"1\"><v>44732</v></c><c r=\"D2\" t=\"inlineStr\"><is><t>个人</t></is></c>"
    "<c r=\"E2\" t=\"inlineStr\"><is><t>county</t></is></c><c r=\"F2\" "
    "t=\"inlineStr\"><is><t>已整改</t></is></c>"
    "<c r=\"G2\"><v>2</v></c><c r=\"H2\" t=\"inlineStr\"><is><t>2022年8月15日</t></is></c></row>"
    "<row r=\"3\"><c r=\"A3\" t=\"inlineStr\"><is><t>P2</t></is></c><c r=\"B3\" "
    "t=\"inlineStr\"><is><t>jiefang-2022</t></is></c>"
    "<c r=\"C3\" s=\"1\"><v>44732</v></c><c r=\"D3\" t=\"inlineStr\"><is><t>班子</t></is></c>"
    "<c r=\"E3\" t=\"inlineStr\"><is><t>county</t></is></c><c r=\"F3\" "
    "t=\"inlineStr\"><is><t>进行</t></is></c></row>"
    "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>P3</t></is></c><c r=\"B4\" "
    "t=\"inlineStr\"><is><t>jiefang-2022</t></is></c>"
    "<c r=\"C4\"><v>44732</v></c><c r=\"D4\" t=\"inlineStr\"><is><t>班子</t></is></c>"
    "<c r=\"E4\" t=\"inlineStr\"><is><t>county</t></is></c><c r=\"F4\" "
    "t=\"inlineStr\"><is><t>已查摆</t></is></c>"
    "<c r=\"G4\"><v>1.5</v></c><c r=\"K4\" t=\"inlineStr\"><is><t>备注</t></is></c></row>"
    "</sheetData></worksheet>";

static void test_ledger(void)
{
  const part parts[] = {{"xl/workbook.xml", wb_ledger},
                        {"xl/_rels/workbook.xml.rels", wb_rels},
                        {"xl/styles.xml", styles},
                        {"xl/worksheets/sheet1.xml", problems_sheet},
                        {"xl/worksheets/sheet2.xml", sheet_empty}};
  size_t len = 0;
  char *buf = zip_parts(parts, 5, &len);
  char dir[] = "/tmp/hb-xlsx-test-XXXXXX";
  CHECK(buf && mkdtemp(dir));
  if (!buf)
    return;
  char path[128];
  snprintf(path, sizeof path, "%s/台账.xlsx", dir);
  FILE *f = fopen(path, "wb");
  CHECK(f && fwrite(buf, 1, len, f) == len);
  if (f)
    fclose(f);
  free(buf);
  CHECK(hb_ledger_is_xlsx(path));
  CHECK(hb_ledger_is_xlsx("A.XLSX"));
  CHECK(!hb_ledger_is_xlsx("ledger"));

  hb_ledger l;
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_ledger_load(path, "xq-dlz", NULL, hb_date_from_ymd(2023, 12, 31), &l, &d);
  CHECK_EQ_INT(HB_EINVAL, rc);
  CHECK_EQ_INT(1, l.nproblems);
  CHECK_EQ_STR("P1", l.problems[0]->id);
  CHECK_EQ_INT(hb_date_from_ymd(2022, 6, 20), l.problems[0]->identified_on);
  CHECK_EQ_INT(hb_date_from_ymd(2022, 8, 15), l.problems[0]->resolved_on);
  CHECK_EQ_INT(2, l.problems[0]->measures);
  CHECK_EQ_INT(2, l.problem_lines[0]);
  CHECK_EQ_INT(1, l.activities_incomplete);
  CHECK_EQ_INT(0, l.problems_incomplete);
  CHECK_EQ_INT(2, l.ninvalid);
  char line[1024];
  const char *want[] = {
      "台账.xlsx: 没有工作表 活动/activities，本次不报送该表 (sheet not found: this table is not "
      "sent)",
      ("台账.xlsx:问题!F3: 状态: 未知状态 (unknown status): 进行; 可选 (allowed): identified "
       "已查摆, "
       "rectifying 整改中, resolved 已整改"),
      "台账.xlsx:问题!K4: 字段数多于表头 (more fields than the header: 11 > 8)",
      "台账.xlsx:问题!C4: 查摆日期: 不是有效日期 (not a date): 44732",
      "台账.xlsx:问题!G4: 整改措施数: 不是整数 (not a whole number): 1.5",
      /* issue 12: the absent sheets of the two new tables are noted as well */
      "台账.xlsx: 没有工作表 成效/indicators，本次不报送该表 (sheet not found: this table is not "
      "sent)",
      "台账.xlsx: 没有工作表 典型/cases，本次不报送该表 (sheet not found: this table is not sent)",
  };
  CHECK_EQ_INT(7, d.count);
  for (size_t i = 0; i < d.count && i < 7; i++) {
    hb_diag_format(&d.items[i], line, sizeof line);
    CHECK_EQ_STR(want[i], line);
  }
  hb_diags_free(&d);
  hb_ledger_free(&l);

  /* not a workbook: both tables incomplete, exit 65 in the agent */
  f = fopen(path, "wb");
  if (f) {
    fputs("编号,专项\n", f);
    fclose(f);
  }
  hb_diags_init(&d);
  rc = hb_ledger_load(path, "xq-dlz", NULL, hb_date_from_ymd(2023, 12, 31), &l, &d);
  CHECK_EQ_INT(HB_EPARSE, rc);
  CHECK_EQ_INT(1, l.activities_incomplete);
  CHECK_EQ_INT(1, l.problems_incomplete);
  CHECK_EQ_INT(1, d.count);
  if (d.count) {
    hb_diag_format(&d.items[0], line, sizeof line);
    CHECK_CONTAINS(line, "台账.xlsx: 无法读取工作簿 (cannot read workbook): 不是 .xlsx 工作簿");
  }
  hb_diags_free(&d);
  hb_ledger_free(&l);
  unlink(path);
  hb_diags_init(&d);
  CHECK_EQ_INT(HB_ENOTFOUND,
               hb_ledger_load(path, "xq-dlz", NULL, hb_date_from_ymd(2023, 12, 31), &l, &d));
  hb_diags_free(&d);
  hb_ledger_free(&l);
  rmdir(dir);
}

int main(void)
{
  RUN(test_cells);
  RUN(test_1904_prefixed);
  RUN(test_bad_sheets);
  RUN(test_bad_files);
  RUN(test_ledger);
  return test_summary();
}
