#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hb_err.h"
#include "hb_text.h"
#include "test.h"

static void test_utf8(void)
{
  char *out;
  size_t len;
  hb_encoding enc;
  char err[256];
  CHECK_EQ_INT(0, hb_text_to_utf8("编号,日期\n", 14, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_UTF8, enc);
  CHECK_EQ_STR("编号,日期\n", out);
  CHECK_EQ_INT(14, len);
  free(out);
  CHECK_EQ_INT(0, hb_text_to_utf8("\xEF\xBB\xBFid\n", 6, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_UTF8_BOM, enc);
  CHECK_EQ_STR("id\n", out);
  free(out);
}

static void test_gbk(void)
{
  /* "编号,日期\n学习" in GBK */
  const char gbk[] = "\xB1\xE0\xBA\xC5,\xC8\xD5\xC6\xDA\n\xD1\xA7\xCF\xB0";
  char *out;
  size_t len;
  hb_encoding enc;
  char err[256];
  CHECK_EQ_INT(0, hb_text_to_utf8(gbk, sizeof(gbk) - 1, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_GB18030, enc);
  CHECK_EQ_STR("编号,日期\n学习", out);
  free(out);
  /* 0xFF is neither UTF-8 nor GB18030, on line 2 */
  CHECK_EQ_INT(HB_EPARSE, hb_text_to_utf8("a\n\xFF\xFF", 4, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_STR("line 2: 既不是 UTF-8 也不是 GBK 文本 (not valid UTF-8 or GBK text, byte 0xFF)",
               err);
}

/* GBK text that happens to be valid UTF-8: "id,学习\n" in GBK is D1A7 CFB0,
 * two valid two-byte UTF-8 sequences (U+0467 U+03F0). */
static void test_gbk_valid_utf8(void)
{
  char *out;
  size_t len;
  hb_encoding enc;
  char err[256];
  const char gbk[] = "id,\xD1\xA7\xCF\xB0\n";
  CHECK_EQ_INT(0, hb_text_to_utf8(gbk, sizeof(gbk) - 1, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_GB18030, enc);
  CHECK_EQ_STR("id,学习\n", out);
  free(out);
  /* real UTF-8 Chinese (three-byte sequences) stays UTF-8, even with a 2-byte é */
  CHECK_EQ_INT(0, hb_text_to_utf8("学习,caf\xC3\xA9", strlen("学习,caf\xC3\xA9"), &out, &len, &enc,
                                  err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_UTF8, enc);
  CHECK_EQ_STR("学习,café", out);
  free(out);
  /* plain ASCII is UTF-8 */
  CHECK_EQ_INT(0, hb_text_to_utf8("a,b\n", 4, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_UTF8, enc);
  free(out);
}

static void test_nul(void)
{
  char *out;
  size_t len;
  char err[256];
  CHECK_EQ_INT(HB_EPARSE, hb_text_to_utf8("a\nb\nc\0d", 7, &out, &len, NULL, err, sizeof(err)));
  CHECK_EQ_STR("line 3: 文本中有 NUL 字节 (byte 0x00 (NUL) in text)", err);
  CHECK(out == NULL);
}

static void test_utf16(void)
{
  /* BOM + "日期\n" little endian, then big endian */
  const char le[] = "\xFF\xFE\xE5\x65\x1F\x67\x0A\x00";
  const char be[] = "\xFE\xFF\x65\xE5\x67\x1F\x00\x0A";
  char *out;
  size_t len;
  hb_encoding enc;
  char err[256];
  CHECK_EQ_INT(0, hb_text_to_utf8(le, 8, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_UTF16LE, enc);
  CHECK_EQ_STR("日期\n", out);
  free(out);
  CHECK_EQ_INT(0, hb_text_to_utf8(be, 8, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_INT(HB_ENC_UTF16BE, enc);
  CHECK_EQ_STR("日期\n", out);
  free(out);
  CHECK_EQ_INT(HB_EPARSE, hb_text_to_utf8("\xFF\xFE"
                                          "a\0\n\0\0\0",
                                          8, &out, &len, &enc, err, sizeof(err)));
  CHECK_EQ_STR("line 2: 文本中有 NUL 字符 (character U+0000 (NUL) in text)", err);
}

static void test_valid_width(void)
{
  CHECK(hb_utf8_valid("abc 中文", strlen("abc 中文")));
  CHECK(!hb_utf8_valid("\xC0\xAF", 2));     /* overlong */
  CHECK(!hb_utf8_valid("\xED\xA0\x80", 3)); /* surrogate */
  CHECK(!hb_utf8_valid("a\0b", 3));
  CHECK(!hb_utf8_valid("\xE4\xB8", 2)); /* truncated */
  CHECK_EQ_INT(4, hb_utf8_chars("ab中文"));
  CHECK_EQ_INT(6, hb_utf8_width("ab中文"));
}

/* The reference for hb_utf8_valid: decode each sequence, then refuse
 * overlongs, surrogates, > U+10FFFF and NUL (the way utf8_seq did it). */
static int utf8_valid_ref(const unsigned char *s, size_t len)
{
  for (size_t i = 0; i < len;) {
    unsigned c = s[i];
    size_t n = c == 0     ? 0
               : c < 0x80 ? 1
               : c < 0xC0 ? 0
               : c < 0xE0 ? 2
               : c < 0xF0 ? 3
               : c < 0xF8 ? 4
                          : 0;
    if (!n || len - i < n)
      return 0;
    uint32_t v = n == 1 ? c : c & (0xFFu >> (n + 1));
    for (size_t k = 1; k < n; k++) {
      if ((s[i + k] & 0xC0) != 0x80)
        return 0;
      v = (v << 6) | (s[i + k] & 0x3Fu);
    }
    if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
      return 0;
    i += n;
  }
  return 1;
}

/* hb_utf8_valid (byte ranges, 8 ASCII bytes at a time) against the
 * reference on 200,000 random strings made mostly of UTF-8 lead and
 * continuation bytes, and on every 1..4-byte sequence starting with each
 * lead byte. */
static void test_valid_random(void)
{
  uint32_t x = 12345;
  unsigned char buf[24];
  size_t bad = 0;
  for (int k = 0; k < 200000; k++) {
    size_t len = (size_t)(k % 24);
    for (size_t i = 0; i < len; i++) {
      x = x * 1103515245u + 12345u;
      unsigned r = x >> 16;
      static const unsigned char pick[] = {'a',  0x80, 0xBF, 0xC2, 0xE4, 0xB8, 0xAD, 0xE0,
                                           0xA0, 0xED, 0x9F, 0xF0, 0x90, 0xF4, 0x8F, 0};
      buf[i] = (r & 0x100) ? (unsigned char)r : pick[r & 15];
    }
    if (hb_utf8_valid((const char *)buf, len) != (utf8_valid_ref(buf, len) != 0))
      bad++;
  }
  for (unsigned a = 0; a < 256; a++)
    for (unsigned b = 0x70; b < 0xC8; b++) {
      unsigned char s4[4] = {(unsigned char)a, (unsigned char)b, 0x80, 0xBF};
      for (size_t n = 1; n <= 4; n++)
        if (hb_utf8_valid((const char *)s4, n) != (utf8_valid_ref(s4, n) != 0))
          bad++;
    }
  CHECK_EQ_INT(0, (long long)bad);
  CHECK(hb_utf8_valid("abcdefgh中文ijklmnopq", strlen("abcdefgh中文ijklmnopq")));
  /* runs of CJK, two characters per step: odd and even lengths, a bad
   * byte in every position of the run and at its end */
  const char *cjk = "深入学习贯彻党的二十大精神专题研讨";
  size_t cl = strlen(cjk);
  for (size_t n = 0; n <= cl; n += 3)
    CHECK(hb_utf8_valid(cjk, n));
  char mut[256];
  for (size_t at = 0; at < cl; at++) {
    memcpy(mut, cjk, cl);
    mut[at] = at % 3 == 0 ? '\x80' : 'a'; /* a lead made a continuation, a continuation ASCII */
    CHECK(!hb_utf8_valid(mut, cl));
  }
  CHECK(!hb_utf8_valid(cjk, cl - 1)); /* truncated at the end of a run */
  /* full-width punctuation (EF) and 、“” (E2, E3) inside runs of five */
  const char *punct = "理论学习存在碎片化现象，系统学习“不够深入”、学用结合不够紧密，指导实践不足";
  size_t pl = strlen(punct);
  CHECK(hb_utf8_valid(punct, pl));
  for (size_t at = 0; at < pl; at++) {
    memcpy(mut, punct, pl);
    mut[at] = at % 3 == 0 ? '\x80' : 'a';
    CHECK(!hb_utf8_valid(mut, pl));
    /* ED: valid only when the second byte is 80..9F; C0 is never valid */
    mut[at] = at % 3 == 0 ? '\xED' : '\xC0';
    CHECK_EQ_INT(utf8_valid_ref((const unsigned char *)mut, pl), hb_utf8_valid(mut, pl));
  }
}

/* Strings of three-byte sequences (the runs utf8_bad_offset checks five
 * and two at a time) with every lead E0..EF, continuation bytes at the
 * edges of the ranges E0 and ED allow, and now and then an ASCII byte, a
 * four-byte sequence or a stray byte: 200,000 of up to 64 bytes against
 * the reference. */
static void test_valid_runs(void)
{
  uint32_t x = 777;
  unsigned char buf[64];
  size_t bad = 0, valid = 0;
  static const unsigned char second[] = {0x80, 0x9F, 0xA0, 0xBF, 0x7F, 0xC0};
  for (int k = 0; k < 200000; k++) {
    size_t len = 0, want = (size_t)(k % 65);
    while (len < want) {
      x = x * 1103515245u + 12345u;
      unsigned r = x >> 8;
      if ((r & 63) == 0) {
        buf[len++] = (unsigned char)(r >> 6); /* any byte */
      } else if ((r & 63) == 1) {
        buf[len++] = 'a';
      } else if ((r & 63) == 2 && len + 4 <= want) {
        memcpy(buf + len, "\xF0\x9F\x98\x80", 4);
        len += 4;
      } else if (len + 3 <= want) {
        buf[len] = (unsigned char)(0xE0 + (r >> 6) % 16);
        buf[len + 1] = (r >> 10) % 8 ? (unsigned char)(0x80 + (r >> 13) % 64)
                                     : second[(r >> 13) % sizeof second];
        buf[len + 2] = (r >> 19) % 32 ? (unsigned char)(0x80 + (r >> 24) % 64) : 0x40;
        len += 3;
      } else {
        buf[len++] = 'b';
      }
    }
    int ref = utf8_valid_ref(buf, len) != 0;
    valid += (size_t)ref;
    if (hb_utf8_valid((const char *)buf, len) != ref)
      bad++;
  }
  CHECK_EQ_INT(0, (long long)bad);
  CHECK(valid > 20000); /* the runs were exercised valid too, not only refused */
  CHECK(!hb_utf8_valid("abcdefghijk\0mnop", 16));
}

static void test_trim_excerpt(void)
{
  char s[] = " \t\xE3\x80\x80 日期 \xE3\x80\x80\r\n";
  CHECK_EQ_STR("日期", hb_text_trim(s));
  const char *t = "\xE3\x80\x80 日期 \xE3\x80\x80\r\n", *b;
  size_t n;
  b = hb_text_trim_span(t, strlen(t), &n);
  CHECK_EQ_INT(4, b - t);
  CHECK_EQ_INT(strlen("日期"), n);
  b = hb_text_trim_span(" \xE3\x80\x80\t", 5, &n);
  CHECK_EQ_INT(0, n);
  char buf[64];
  hb_text_excerpt("a\x01"
                  "b",
                  80, buf, sizeof(buf));
  CHECK_EQ_STR("a?b", buf);
  hb_text_excerpt("中文中文", 7, buf, sizeof(buf));
  CHECK_EQ_STR("中文…", buf);
}

static void test_files(void)
{
  char dir[] = "/tmp/hbtextXXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[128];
  snprintf(path, sizeof(path), "%s/f.txt", dir);
  CHECK_EQ_INT(0, hb_file_write_atomic(path, "hello", 5, 0600));
  char *out;
  size_t len;
  char err[256];
  CHECK_EQ_INT(0, hb_file_read(path, 100, &out, &len, err, sizeof(err)));
  CHECK_EQ_INT(5, len);
  CHECK_EQ_STR("hello", out);
  free(out);
  CHECK_EQ_INT(HB_ETOOBIG, hb_file_read(path, 4, &out, &len, err, sizeof(err)));
  char nf[160];
  snprintf(nf, sizeof(nf), "%s/none", dir);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_file_read(nf, 4, &out, &len, err, sizeof(err)));
  char newp[140];
  snprintf(newp, sizeof(newp), "%s.new", path);
  CHECK(access(newp, F_OK) != 0);
  unlink(path);
  rmdir(dir);
}

/* The helpers of the output writers (issue 18, item 5). */
static void test_xml(void)
{
  uint32_t cp;
  CHECK_EQ_INT(3, hb_utf8_decode("中", 3, &cp));
  CHECK_EQ_INT(0x4E2D, cp);
  CHECK_EQ_INT(0, hb_utf8_decode("\xED\xA0\x80", 3, &cp)); /* a surrogate */
  CHECK_EQ_INT(0, hb_utf8_decode("\xE4\xB8", 2, &cp));     /* cut short */
  CHECK(hb_xml_char('\t') && hb_xml_char('\n') && hb_xml_char('\r') && hb_xml_char(0xFFFD));
  CHECK(hb_xml_char(0x10000) && hb_xml_char(0x7F) && hb_xml_char(0x85));
  CHECK(!hb_xml_char(0) && !hb_xml_char(0x1F) && !hb_xml_char(0xFFFE) && !hb_xml_char(0xFFFF));
  CHECK(!hb_xml_char(0xD800) && !hb_xml_char(0x110000));
  CHECK(hb_cp_format(0x200B) && hb_cp_format(0x202E) && hb_cp_format(0xFEFF));
  CHECK(!hb_cp_format('|') && !hb_cp_format(0x4E2D));
  char *s = hb_text_xml_dup("=a\x01|\tb\r\n\xEF\xBF\xBE中\xEF\xBF\xBF\xFF\xED\xA0\x80.");
  CHECK_EQ_STR("=a|\tb\r\n中\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD.", s);
  free(s);
}

int main(void)
{
  RUN(test_utf8);
  RUN(test_gbk);
  RUN(test_gbk_valid_utf8);
  RUN(test_nul);
  RUN(test_utf16);
  RUN(test_valid_width);
  RUN(test_valid_random);
  RUN(test_valid_runs);
  RUN(test_trim_excerpt);
  RUN(test_files);
  RUN(test_xml);
  return test_summary();
}
