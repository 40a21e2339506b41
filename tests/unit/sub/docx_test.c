/* docx_test.c: report blocks (report_doc.h), their text and Markdown forms,
 * and the .docx package (docx.h), read back with libzip. */
#include "docx.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zip.h>
#include "hb_err.h"
#include "report_doc.h"
#include "test.h"

static const char report[] = "# 关于“解放思想”活动开展情况的报告\n"
                             "\n"
                             "  “解放思想”活动开展以来，共研讨124场。  \n"
                             "## 二、存在问题\n"
                             "### （一）查摆问题\n"
                             "#### 1. 细项\n"
                             "一是在深化县情认识上有差距。占问题总数的20.47%。\n"
                             "| 序号 | 单位 | 问题 |\n"
                             "|---|:---:|---:|\n"
                             "| 1 | 开发区 | 30 |\n"
                             "| 2 | 发改局 |\n"
                             "**县 <A&B> \"引\"\x01\n"
                             "#不是标题\n";

static void test_blocks(void)
{
  sub_doc d;
  CHECK_EQ_INT(0, sub_doc_parse(report, &d));
  CHECK_EQ_INT(9, d.n);
  CHECK_EQ_INT(SUB_DOC_TITLE, d.v[0].kind);
  CHECK_EQ_STR("关于“解放思想”活动开展情况的报告", d.v[0].text);
  CHECK_EQ_INT(SUB_DOC_PARA, d.v[1].kind);
  CHECK_EQ_STR("“解放思想”活动开展以来，共研讨124场。", d.v[1].text);
  CHECK_EQ_INT(SUB_DOC_H1, d.v[2].kind);
  CHECK_EQ_INT(SUB_DOC_H2, d.v[3].kind);
  CHECK_EQ_INT(SUB_DOC_H3, d.v[4].kind);
  CHECK_EQ_STR("1. 细项", d.v[4].text);
  CHECK_EQ_INT(SUB_DOC_TABLE, d.v[6].kind);
  CHECK_EQ_INT(3, d.v[6].nrows);
  CHECK_EQ_INT(3, d.v[6].ncols);
  CHECK(d.v[6].header);
  CHECK_EQ_STR("单位", d.v[6].cells[1]);
  CHECK_EQ_STR("30", d.v[6].cells[5]);
  CHECK_EQ_STR("", d.v[6].cells[8]); /* a short row is padded */
  CHECK_EQ_INT(SUB_DOC_PARA, d.v[8].kind);
  CHECK_EQ_STR("#不是标题", d.v[8].text);
  sub_doc_free(&d);
}

static char *write_to_string(int md)
{
  sub_doc d;
  sub_doc_parse("# 标题\n段落一\n## 一、进展\n| 单位 | 问题 |\n|--|--|\n| 开发区 | 30 |\n| "
                "县委理论学习中心组 | 4 |\n",
                &d);
  char *mem = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&mem, &len);
  CHECK_EQ_INT(0, md ? sub_doc_write_md(&d, f) : sub_doc_write_text(&d, f));
  fclose(f);
  sub_doc_free(&d);
  return mem;
}

static void test_text_md(void)
{
  char *t = write_to_string(0);
  CHECK_EQ_STR("标题\n段落一\n一、进展\n单位                问题\n开发区              30\n"
               "县委理论学习中心组  4\n",
               t);
  free(t);
  t = write_to_string(1);
  CHECK_EQ_STR("# 标题\n\n段落一\n\n## 一、进展\n\n| 单位 | 问题 |\n| --- | --- |\n"
               "| 开发区 | 30 |\n| 县委理论学习中心组 | 4 |\n",
               t);
  free(t);
}

static void test_document_xml(void)
{
  sub_doc d;
  sub_doc_parse(report, &d);
  char *xml;
  size_t len;
  CHECK_EQ_INT(0, sub_docx_document_xml(&d, &xml, &len));
  CHECK_EQ_INT(strlen(xml), len);
  const char *head = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document ";
  CHECK(strncmp(xml, head, strlen(head)) == 0);
  CHECK_CONTAINS(xml,
                 "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t xml:space=\"preserve\">"
                 "关于“解放思想”活动开展情况的报告</w:t></w:r></w:p>");
  CHECK_CONTAINS(
      xml, "<w:pStyle w:val=\"Heading1\"/></w:pPr><w:r><w:t xml:space=\"preserve\">二、存在问题");
  CHECK_CONTAINS(xml, "<w:pStyle w:val=\"BodyText\"/></w:pPr><w:r><w:t xml:space=\"preserve\">"
                      "一是在深化县情认识上有差距。占问题总数的20.47%。</w:t>");
  /* escaped, the control character dropped */
  CHECK_CONTAINS(xml, ">**县 &lt;A&amp;B&gt; &quot;引&quot;</w:t>");
  /* the table: 3 columns of an A4 text width, a bold repeated header row */
  CHECK_CONTAINS(xml, "<w:tblGrid><w:gridCol w:w=\"2948\"/><w:gridCol w:w=\"2948\"/>"
                      "<w:gridCol w:w=\"2948\"/></w:tblGrid><w:tr><w:trPr><w:tblHeader/></w:trPr>");
  CHECK_CONTAINS(xml,
                 "<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space=\"preserve\">单位</w:t></w:r>");
  CHECK_CONTAINS(xml, "<w:t xml:space=\"preserve\">开发区</w:t>");
  CHECK_CONTAINS(xml, "<w:pgSz w:w=\"11906\" w:h=\"16838\"/>");
  CHECK(strstr(xml, "\x01") == NULL);
  free(xml);
  sub_doc_free(&d);
}

static char *read_entry(zip_t *z, const char *name)
{
  zip_stat_t st;
  if (zip_stat(z, name, 0, &st) != 0)
    return NULL;
  zip_file_t *f = zip_fopen(z, name, 0);
  if (!f)
    return NULL;
  char *buf = calloc(st.size + 1, 1);
  zip_int64_t n = zip_fread(f, buf, st.size);
  zip_fclose(f);
  if (n != (zip_int64_t)st.size) {
    free(buf);
    return NULL;
  }
  return buf;
}

static void test_package(void)
{
  char dir[] = "/tmp/docx_test.XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[256];
  snprintf(path, sizeof path, "%s/报告.docx", dir);
  sub_doc d;
  sub_doc_parse(report, &d);
  char err[512];
  CHECK_EQ_INT(0, sub_docx_write(&d, path, err, sizeof err));
  int zerr;
  zip_t *z = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
  CHECK(z != NULL);
  if (z) {
    CHECK_EQ_INT(5, zip_get_num_entries(z, 0));
    CHECK_EQ_STR("[Content_Types].xml", zip_get_name(z, 0, 0));
    char *ct = read_entry(z, "[Content_Types].xml");
    CHECK_CONTAINS(ct, "PartName=\"/word/document.xml\" ContentType=\"application/"
                       "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"");
    free(ct);
    char *rels = read_entry(z, "_rels/.rels");
    CHECK_CONTAINS(rels, "Target=\"word/document.xml\"");
    free(rels);
    char *styles = read_entry(z, "word/styles.xml");
    CHECK_CONTAINS(styles, "w:eastAsia=\"仿宋\"");
    CHECK_CONTAINS(styles, "w:eastAsia=\"宋体\"");
    CHECK_CONTAINS(styles, "w:eastAsia=\"黑体\"");
    CHECK_CONTAINS(styles, "<w:ind w:firstLineChars=\"200\" w:firstLine=\"640\"/>");
    free(styles);
    char *doc = read_entry(z, "word/document.xml"), *want;
    CHECK_EQ_INT(0, sub_docx_document_xml(&d, &want, NULL));
    CHECK_EQ_STR(want, doc);
    free(want);
    free(doc);
    char *drels = read_entry(z, "word/_rels/document.xml.rels");
    CHECK_CONTAINS(drels, "Target=\"styles.xml\"");
    free(drels);
    zip_close(z);
  }
  unlink(path);
  /* a folder that does not exist: an error naming the path, no crash */
  snprintf(path, sizeof path, "%s/no/such/dir/r.docx", dir);
  CHECK_EQ_INT(HB_EIO, sub_docx_write(&d, path, err, sizeof err));
  CHECK(strncmp(err, path, strlen(path)) == 0);
  rmdir(dir);
  sub_doc_free(&d);
}

/* A name's '|' (SUB_DOC_PIPE, as report.c hands it over) stays in its cell:
 * Markdown writes \|, text keeps the figure column aligned; U+FFFE and
 * control characters never reach word/document.xml. */
static void test_names_in_cells(void)
{
  static const char text[] = "| 单位 | 问题 |\n"
                             "|---|---|\n"
                             "| 甲\x1F乙\\ | 5 |\n"
                             "| 非\xEF\xBF\xBE字\x01 | 12 |\n";
  sub_doc d;
  CHECK_EQ_INT(0, sub_doc_parse(text, &d));
  CHECK_EQ_INT(1, d.n);
  CHECK_EQ_INT(2, d.v[0].ncols);
  CHECK_EQ_STR("甲|乙\\", d.v[0].cells[2]);
  CHECK_EQ_STR("5", d.v[0].cells[3]);
  char *mem = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&mem, &len);
  CHECK_EQ_INT(0, sub_doc_write_md(&d, f));
  fclose(f);
  CHECK_CONTAINS(mem, "| 甲\\|乙\\\\ | 5 |\n| 非字  | 12 |\n");
  free(mem);
  f = open_memstream(&mem, &len);
  CHECK_EQ_INT(0, sub_doc_write_text(&d, f));
  fclose(f);
  CHECK_EQ_STR("单位    问题\n甲|乙\\  5\n非字    12\n", mem);
  free(mem);
  char *xml;
  CHECK_EQ_INT(0, sub_docx_document_xml(&d, &xml, NULL));
  CHECK(strstr(xml, "\xEF\xBF\xBE") == NULL && strchr(xml, '\x01') == NULL);
  CHECK_CONTAINS(xml, ">非字</w:t>");
  free(xml);
  sub_doc_free(&d);
}

int main(void)
{
  RUN(test_blocks);
  RUN(test_text_md);
  RUN(test_document_xml);
  RUN(test_package);
  RUN(test_names_in_cells);
  return test_summary();
}
