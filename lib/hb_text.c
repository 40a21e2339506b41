/* hb_text.c: encoding detection and conversion to UTF-8, and whole-file I/O. */
#include "hb_text.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hb_err.h"

/* Length of the well-formed UTF-8 sequence at s (1..4), or 0 if the bytes at
 * s are not one (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_seq(const unsigned char *s, size_t left, uint32_t *cp)
{
  unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c < 0xC2 || c > 0xF4)
    return 0;
  size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (left < n)
    return 0;
  uint32_t v = c & (0xFF >> (n + 1));
  for (size_t i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
      (v >= 0xD800 && v <= 0xDFFF))
    return 0;
  *cp = v;
  return n;
}

/* True when the 8 bytes at u are ASCII and none is NUL. */
static int ascii8(const unsigned char *u)
{
  uint64_t w;
  memcpy(&w, u, sizeof w);
  const uint64_t high = 0x8080808080808080ull, ones = 0x0101010101010101ull;
  return !(w & high) && !((w - ones) & ~w & high);
}

/* True for a lead byte of a three-byte sequence whose second byte may be
 * any continuation byte: E1..EC and EE..EF (most of CJK, its punctuation
 * 、“”《》 and the full-width forms ，：（）); E0 and ED narrow it. */
static int lead3_any(unsigned c)
{
  return c - 0xE1u <= 0xEF - 0xE1 && c != 0xED;
}

#if defined(__SSE2__)
/* True when the 16 bytes at u begin with five three-byte sequences with
 * leads lead3_any (any continuation bytes); byte 15 is not looked at. */
static int lead3_any5(const unsigned char *u)
{
  const __m128i at_lead = _mm_setr_epi8(-1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, -1, 0, 0, 0);
  __m128i w = _mm_loadu_si128((const __m128i *)(const void *)u);
  __m128i cont =
      _mm_cmpeq_epi8(_mm_and_si128(w, _mm_set1_epi8((char)0xC0)), _mm_set1_epi8((char)0x80));
  __m128i d = _mm_sub_epi8(w, _mm_set1_epi8((char)0xE1)); /* E1..EF -> 0..14 */
  __m128i lead = _mm_andnot_si128(_mm_cmpeq_epi8(w, _mm_set1_epi8((char)0xED)),
                                  _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(0x0E)), d));
  __m128i ok = _mm_or_si128(_mm_and_si128(at_lead, lead), _mm_andnot_si128(at_lead, cont));
  return (_mm_movemask_epi8(ok) & 0x7FFF) == 0x7FFF;
}
#endif

/* Bytes of the run of three-byte sequences with leads lead3_any at u (a
 * record's Chinese text, issue 17): five characters per 16-byte load where
 * SSE2 is, then two per 8-byte load; 0 if none. */
static size_t cjk_run(const unsigned char *u, size_t left)
{
  size_t i = 0;
#if defined(__SSE2__)
  while (left - i >= 16 && lead3_any5(u + i))
    i += 15;
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (left - i >= 8) {
    uint64_t w;
    memcpy(&w, u + i, sizeof w);
    /* bytes 1, 2, 4, 5 are 10xxxxxx; bytes 0 and 3 are leads */
    if ((w & 0x0000C0C000C0C000ull) != 0x0000808000808000ull || !lead3_any(w & 0xFF) ||
        !lead3_any(w >> 24 & 0xFF))
      break;
    i += 6;
  }
#endif
  return i;
}

/* Offset of the first byte that is not well-formed UTF-8 (NUL included), or
 * len if all are. Every record's text passes here on its way into the county
 * store, so it checks the byte ranges of the Unicode standard's table of
 * well-formed sequences (3-7) directly, without decoding code points, and
 * skips ASCII eight bytes at a time, and most CJK five or two characters at a
 * time (tests/unit/text_test.c checks it against a decoding reference). */
static size_t utf8_bad_offset(const char *s, size_t len)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    unsigned c = u[i];
    if (c >= 0x01 && c < 0x80) {
      i += len - i >= 8 && ascii8(u + i) ? 8 : 1;
    } else if (lead3_any(c)) { /* most of CJK: any continuation bytes */
      size_t run = cjk_run(u + i, len - i);
      if (run) {
        i += run;
        continue;
      }
      if (len - i < 3 || (u[i + 1] & 0xC0) != 0x80 || (u[i + 2] & 0xC0) != 0x80)
        return i;
      i += 3;
    } else if (c >= 0xC2 && c <= 0xDF) {
      if (len - i < 2 || (u[i + 1] & 0xC0) != 0x80)
        return i;
      i += 2;
    } else if (c == 0xE0 || c == 0xED) { /* no overlong, no surrogate */
      unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
      if (len - i < 3 || u[i + 1] < lo || u[i + 1] > hi || (u[i + 2] & 0xC0) != 0x80)
        return i;
      i += 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
      if (len - i < 4 || u[i + 1] < lo || u[i + 1] > hi || (u[i + 2] & 0xC0) != 0x80 ||
          (u[i + 3] & 0xC0) != 0x80)
        return i;
      i += 4;
    } else {
      return i; /* NUL, a continuation byte, C0/C1 (overlong), F5..FF */
    }
  }
  return len;
}

/* True for text that is valid UTF-8 but reads better as GBK: its non-ASCII
 * characters are all two-byte UTF-8 sequences (Latin-1, Greek, Cyrillic...)
 * and none takes three or four bytes, as every Chinese character in UTF-8
 * does. Two GBK hanzi are often valid UTF-8 by chance ("学习" is D1A7 CFB0:
 * U+0467 U+03F0), while a Chinese ledger in UTF-8 without a single CJK
 * character but with Cyrillic or Greek is implausible. */
static bool utf8_looks_like_gbk(const char *s, size_t len)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t two = 0;
  for (size_t i = 0; i < len;) {
    if (u[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    size_t n = utf8_seq(u + i, len - i, &cp);
    if (n != 2)
      return false;
    two++;
    i += n;
  }
  return two > 0;
}

bool hb_utf8_valid(const char *s, size_t len)
{
  return utf8_bad_offset(s, len) == len;
}

size_t hb_utf8_chars(const char *s)
{
  size_t n = 0;
  for (const unsigned char *u = (const unsigned char *)s; *u; u++)
    if ((*u & 0xC0) != 0x80)
      n++;
  return n;
}

static int cp_wide(uint32_t c)
{
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
         (c >= 0x3041 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) ||
         (c >= 0xFF00 && c <= 0xFF60) || (c >= 0xFFE0 && c <= 0xFFE6) ||
         (c >= 0x1F300 && c <= 0x1F64F) || (c >= 0x20000 && c <= 0x3FFFD);
}

size_t hb_utf8_width(const char *s)
{
  const unsigned char *u = (const unsigned char *)s;
  size_t len = strlen(s), i = 0, w = 0;
  while (i < len) {
    uint32_t cp;
    size_t n = utf8_seq(u + i, len - i, &cp);
    if (!n) {
      i++;
      w++;
      continue;
    }
    i += n;
    if (cp >= 0x20 && !(cp >= 0x7F && cp < 0xA0) && !(cp >= 0x300 && cp <= 0x36F))
      w += cp_wide(cp) ? 2 : 1;
  }
  return w;
}

static unsigned line_at(const char *s, size_t off)
{
  unsigned line = 1;
  const char *p = s, *end = s + off;
  while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    line++;
    p++;
  }
  return line;
}

static int nul_error(const char *in, size_t len, char *err, size_t errlen)
{
  const char *z = memchr(in, '\0', len);
  if (!z)
    return 0;
  snprintf(err, errlen, "line %u: 文本中有 NUL 字节 (byte 0x00 (NUL) in text)",
           line_at(in, (size_t)(z - in)));
  return HB_EPARSE;
}

static int utf16_to_utf8(const unsigned char *in, size_t len, int be, char **out, size_t *out_len,
                         char *err, size_t errlen)
{
  if (len % 2) {
    snprintf(err, errlen, "UTF-16 编码错误 (UTF-16 text has an odd number of bytes)");
    return HB_EPARSE;
  }
  char *o = malloc(len / 2 * 3 + 1);
  if (!o)
    return HB_ENOMEM;
  size_t j = 0;
  unsigned line = 1;
  for (size_t i = 0; i < len; i += 2) {
    uint32_t u = be ? (uint32_t)(in[i] << 8 | in[i + 1]) : (uint32_t)(in[i + 1] << 8 | in[i]);
    if (u == 0) {
      snprintf(err, errlen, "line %u: 文本中有 NUL 字符 (character U+0000 (NUL) in text)", line);
      free(o);
      return HB_EPARSE;
    }
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
      uint32_t l =
          be ? (uint32_t)(in[i + 2] << 8 | in[i + 3]) : (uint32_t)(in[i + 3] << 8 | in[i + 2]);
      if (l >= 0xDC00 && l <= 0xDFFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
        i += 2;
      }
    }
    if (u >= 0xD800 && u <= 0xDFFF) {
      snprintf(err, errlen, "line %u: UTF-16 编码错误 (broken UTF-16 surrogate pair)", line);
      free(o);
      return HB_EPARSE;
    }
    if (u == '\n')
      line++;
    if (u < 0x80) {
      o[j++] = (char)u;
    } else if (u < 0x800) {
      o[j++] = (char)(0xC0 | u >> 6);
      o[j++] = (char)(0x80 | (u & 0x3F));
    } else if (u < 0x10000) {
      o[j++] = (char)(0xE0 | u >> 12);
      o[j++] = (char)(0x80 | ((u >> 6) & 0x3F));
      o[j++] = (char)(0x80 | (u & 0x3F));
    } else {
      o[j++] = (char)(0xF0 | u >> 18);
      o[j++] = (char)(0x80 | ((u >> 12) & 0x3F));
      o[j++] = (char)(0x80 | ((u >> 6) & 0x3F));
      o[j++] = (char)(0x80 | (u & 0x3F));
    }
  }
  o[j] = '\0';
  *out = o;
  *out_len = j;
  return 0;
}

static int gb18030_to_utf8(const char *in, size_t len, char **out, size_t *out_len, char *err,
                           size_t errlen)
{
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == (iconv_t)-1) {
    snprintf(err, errlen, "GB18030 conversion not available (iconv)");
    return HB_EIO;
  }
  size_t cap = len * 2 + 1;
  char *o = malloc(cap);
  if (!o) {
    iconv_close(cd);
    return HB_ENOMEM;
  }
  char *ip = (char *)in, *op = o;
  size_t il = len, ol = cap - 1;
  size_t r = iconv(cd, &ip, &il, &op, &ol);
  if (r == (size_t)-1) {
    size_t off = (size_t)(ip - in);
    snprintf(err, errlen,
             "line %u: 既不是 UTF-8 也不是 GBK 文本 (not valid UTF-8 or GBK text, byte 0x%02X)",
             line_at(in, off), (unsigned char)in[off < len ? off : len - 1]);
    iconv_close(cd);
    free(o);
    return HB_EPARSE;
  }
  iconv_close(cd);
  size_t n = (size_t)(op - o);
  o[n] = '\0';
  char *shrunk = realloc(o, n + 1);
  *out = shrunk ? shrunk : o;
  *out_len = n;
  return 0;
}

static int copy_utf8(const char *in, size_t len, char **out, size_t *out_len)
{
  char *o = malloc(len + 1);
  if (!o)
    return HB_ENOMEM;
  memcpy(o, in, len);
  o[len] = '\0';
  *out = o;
  *out_len = len;
  return 0;
}

int hb_text_to_utf8(const char *in, size_t len, char **out, size_t *out_len, hb_encoding *detected,
                    char *err, size_t errlen)
{
  const unsigned char *u = (const unsigned char *)in;
  hb_encoding enc;
  char dummy[1];
  if (!err || !errlen) {
    err = dummy;
    errlen = sizeof(dummy);
  }
  err[0] = '\0';
  *out = NULL;
  *out_len = 0;
  int rc;
  if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
    enc = HB_ENC_UTF16LE;
    rc = utf16_to_utf8(u + 2, len - 2, 0, out, out_len, err, errlen);
  } else if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
    enc = HB_ENC_UTF16BE;
    rc = utf16_to_utf8(u + 2, len - 2, 1, out, out_len, err, errlen);
  } else if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
    enc = HB_ENC_UTF8_BOM;
    in += 3;
    len -= 3;
    rc = nul_error(in, len, err, errlen);
    if (!rc) {
      size_t bad = utf8_bad_offset(in, len);
      if (bad < len) {
        snprintf(err, errlen, "line %u: 不是有效的 UTF-8 文本 (not valid UTF-8 text, byte 0x%02X)",
                 line_at(in, bad), (unsigned char)in[bad]);
        rc = HB_EPARSE;
      } else {
        rc = copy_utf8(in, len, out, out_len);
      }
    }
  } else {
    rc = nul_error(in, len, err, errlen);
    if (!rc) {
      if (utf8_bad_offset(in, len) == len && !utf8_looks_like_gbk(in, len)) {
        enc = HB_ENC_UTF8;
        rc = copy_utf8(in, len, out, out_len);
      } else if (utf8_bad_offset(in, len) == len) {
        /* see utf8_looks_like_gbk; if GB18030 cannot decode it either, it
         * stays what it validly is */
        enc = HB_ENC_GB18030;
        rc = gb18030_to_utf8(in, len, out, out_len, err, errlen);
        if (rc == HB_EPARSE) {
          enc = HB_ENC_UTF8;
          rc = copy_utf8(in, len, out, out_len);
        }
      } else {
        enc = HB_ENC_GB18030;
        rc = gb18030_to_utf8(in, len, out, out_len, err, errlen);
      }
    } else {
      enc = HB_ENC_UTF8;
    }
  }
  if (rc == 0 && (enc == HB_ENC_UTF16LE || enc == HB_ENC_UTF16BE) &&
      !hb_utf8_valid(*out, *out_len)) {
    free(*out);
    *out = NULL;
    *out_len = 0;
    snprintf(err, errlen, "UTF-16 编码错误 (not valid UTF-16 text)");
    rc = HB_EPARSE;
  }
  if (detected)
    *detected = enc;
  return rc;
}

int hb_file_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
  char dummy[1];
  if (!err || !errlen) {
    err = dummy;
    errlen = sizeof(dummy);
  }
  *out = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    return e == ENOENT || e == ENOTDIR ? HB_ENOTFOUND : HB_EIO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    close(fd);
    return HB_EIO;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "%s: is a directory", path);
    close(fd);
    return HB_EIO;
  }
  if (st.st_size > 0 && (uint64_t)st.st_size > max) {
    snprintf(err, errlen, "%s: 文件过大 (file larger than %zu bytes)", path, max);
    close(fd);
    return HB_ETOOBIG;
  }
  size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
  char *buf = malloc(cap);
  if (!buf) {
    close(fd);
    return HB_ENOMEM;
  }
  size_t n = 0;
  for (;;) {
    if (n + 1 >= cap) {
      if (cap > max + 1) {
        snprintf(err, errlen, "%s: 文件过大 (file larger than %zu bytes)", path, max);
        free(buf);
        close(fd);
        return HB_ETOOBIG;
      }
      size_t ncap = cap * 2 > max + 2 ? max + 2 : cap * 2;
      char *nb = realloc(buf, ncap);
      if (!nb) {
        free(buf);
        close(fd);
        return HB_ENOMEM;
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read(fd, buf + n, cap - 1 - n);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
      free(buf);
      close(fd);
      return HB_EIO;
    }
    if (r == 0)
      break;
    n += (size_t)r;
    if (n > max) {
      snprintf(err, errlen, "%s: 文件过大 (file larger than %zu bytes)", path, max);
      free(buf);
      close(fd);
      return HB_ETOOBIG;
    }
  }
  close(fd);
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

static int errno_to_hb(int e)
{
  return e == ENOSPC || e == EDQUOT ? HB_EFULL : HB_EIO;
}

int hb_file_write_atomic(const char *path, const void *data, size_t len, int mode)
{
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 5);
  if (!tmp)
    return HB_ENOMEM;
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".new", 5);
  int rc = 0;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    rc = errno_to_hb(errno);
    goto free_tmp;
  }
  const char *p = data;
  size_t left = len;
  while (left) {
    ssize_t w = write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      rc = errno_to_hb(errno);
      goto close_fd;
    }
    p += w;
    left -= (size_t)w;
  }
  if (fsync(fd) != 0) {
    rc = errno_to_hb(errno);
    goto close_fd;
  }
  if (close(fd) != 0) {
    fd = -1;
    rc = errno_to_hb(errno);
    goto unlink_tmp;
  }
  fd = -1;
  if (rename(tmp, path) != 0) {
    rc = errno_to_hb(errno);
    goto unlink_tmp;
  }
  {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir) {
      rc = HB_ENOMEM;
      goto free_tmp;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (dfd >= 0) {
      if (fsync(dfd) != 0)
        rc = errno_to_hb(errno);
      close(dfd);
    }
  }
  goto free_tmp;
close_fd:
  close(fd);
unlink_tmp:
  unlink(tmp);
free_tmp:
  free(tmp);
  return rc;
}

int hb_text_read_file(const char *path, size_t max, char **out, size_t *out_len,
                      hb_encoding *detected, char *err, size_t errlen)
{
  char *raw;
  size_t rlen;
  *out = NULL;
  *out_len = 0;
  int rc = hb_file_read(path, max, &raw, &rlen, err, errlen);
  if (rc)
    return rc;
  rc = hb_text_to_utf8(raw, rlen, out, out_len, detected, err, errlen);
  free(raw);
  return rc;
}

static int is_blank_at(const char *s, size_t *n)
{
  if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
    *n = 1;
    return 1;
  }
  if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80) {
    *n = 3;
    return 1;
  }
  return 0;
}

const char *hb_text_trim_span(const char *s, size_t len, size_t *out_len)
{
  const char *e = s + len;
  size_t n;
  while (s < e && is_blank_at(s, &n))
    s += n;
  for (;;) {
    if (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
      e--;
    else if (e - s >= 3 && (unsigned char)e[-3] == 0xE3 && (unsigned char)e[-2] == 0x80 &&
             (unsigned char)e[-1] == 0x80)
      e -= 3;
    else
      break;
  }
  *out_len = (size_t)(e - s);
  return s;
}

char *hb_text_trim(char *s)
{
  size_t n;
  char *b = (char *)hb_text_trim_span(s, strlen(s), &n);
  b[n] = '\0';
  return b;
}

void hb_text_excerpt(const char *s, size_t max, char *buf, size_t len)
{
  if (!len)
    return;
  const unsigned char *u = (const unsigned char *)(s ? s : "");
  size_t slen = strlen((const char *)u), i = 0, j = 0;
  static const char ell[] = "…";
  while (i < slen) {
    uint32_t cp = 0; /* utf8_seq leaves it unset when n == 0 */
    size_t n = utf8_seq(u + i, slen - i, &cp);
    size_t out_n = (!n || cp < 0x20 || cp == 0x7F) ? 1 : n;
    if (i + (n ? n : 1) > max || j + out_n + sizeof(ell) > len) {
      if (j + sizeof(ell) <= len) {
        memcpy(buf + j, ell, sizeof(ell) - 1);
        j += sizeof(ell) - 1;
      }
      break;
    }
    if (out_n == 1 && (!n || cp < 0x20 || cp == 0x7F))
      buf[j++] = '?';
    else {
      memcpy(buf + j, u + i, n);
      j += n;
    }
    i += n ? n : 1;
  }
  buf[j < len ? j : len - 1] = '\0';
}

size_t hb_utf8_decode(const char *s, size_t left, uint32_t *cp)
{
  *cp = 0;
  return left ? utf8_seq((const unsigned char *)s, left, cp) : 0;
}

bool hb_xml_char(uint32_t cp)
{
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

bool hb_cp_format(uint32_t cp)
{
  return cp == 0x061C || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF;
}

char *hb_text_xml_dup(const char *s)
{
  size_t len = strlen(s), j = 0;
  char *out = malloc(len * 3 + 1); /* a bad byte becomes U+FFFD, 3 bytes */
  if (!out)
    return NULL;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = hb_utf8_decode(s + i, len - i, &cp);
    if (!n) {
      memcpy(out + j, "\xEF\xBF\xBD", 3);
      j += 3;
      i++;
      continue;
    }
    if (hb_xml_char(cp)) {
      memcpy(out + j, s + i, n);
      j += n;
    }
    i += n;
  }
  out[j] = '\0';
  return out;
}
