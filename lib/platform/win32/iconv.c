/* iconv.c: GB18030 -> UTF-8 on Windows with code page 54936 (see
 * include/iconv.h). Where that code page is missing (Wine 8, which the tests
 * use; every Windows 10/11 has it) code page 936, GBK, which decodes the
 * same one- and two-byte sequences; a four-byte GB18030 sequence is then
 * reported as invalid. */
#include <windows.h>

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#define CP_GB18030 54936
#define CP_GBK 936

static UINT gb_cp(void)
{
  static UINT cp;
  if (!cp)
    cp = IsValidCodePage(CP_GB18030) ? CP_GB18030 : CP_GBK;
  return cp;
}

static char gb18030_to_utf8; /* the one handle there is */

iconv_t iconv_open(const char *to, const char *from)
{
  if (_stricmp(to, "UTF-8") != 0 ||
      (_stricmp(from, "GB18030") != 0 && _stricmp(from, "GBK") != 0)) {
    errno = EINVAL;
    return (iconv_t)-1;
  }
  return &gb18030_to_utf8;
}

int iconv_close(iconv_t cd)
{
  (void)cd;
  return 0;
}

/* Length of the GB18030 sequence at p (1, 2 or 4 bytes), or 0 when the
 * bytes there are no sequence. */
static size_t seq_len(const unsigned char *p, size_t left)
{
  if (p[0] < 0x80)
    return 1;
  if (p[0] == 0x80 || p[0] == 0xFF || left < 2)
    return 0;
  if ((p[1] >= 0x40 && p[1] <= 0x7E) || (p[1] >= 0x80 && p[1] <= 0xFE))
    return 2;
  if (p[1] >= 0x30 && p[1] <= 0x39 && left >= 4 && p[2] >= 0x81 && p[2] <= 0xFE && p[3] >= 0x30 &&
      p[3] <= 0x39)
    return 4;
  return 0;
}

/* Converts n bytes (whole sequences) to UTF-8 at out (room cap); returns
 * the bytes written, or -1 when Windows finds an invalid sequence or the
 * room is too small. */
static int convert(const char *in, size_t n, char *out, size_t cap)
{
  if (n == 0)
    return 0;
  int wn = MultiByteToWideChar(gb_cp(), MB_ERR_INVALID_CHARS, in, (int)n, NULL, 0);
  if (wn <= 0)
    return -1;
  wchar_t *w = malloc((size_t)wn * sizeof *w);
  if (!w)
    return -1;
  MultiByteToWideChar(gb_cp(), MB_ERR_INVALID_CHARS, in, (int)n, w, wn);
  int on = WideCharToMultiByte(CP_UTF8, 0, w, wn, NULL, 0, NULL, NULL);
  if (on < 0 || (size_t)on > cap) {
    free(w);
    return -1;
  }
  WideCharToMultiByte(CP_UTF8, 0, w, wn, out, on, NULL, NULL);
  free(w);
  return on;
}

size_t iconv(iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft)
{
  (void)cd;
  if (!in || !*in)
    return 0;
  const unsigned char *p = (const unsigned char *)*in;
  size_t n = *inleft, good = 0;
  while (good < n) { /* the longest prefix of whole sequences */
    size_t l = seq_len(p + good, n - good);
    if (!l)
      break;
    good += l;
  }
  int w = convert(*in, good, *out, *outleft);
  if (w < 0) {
    /* a sequence Windows does not map (rare: only on this error path are
     * the sequences tried one by one) */
    size_t at = 0;
    wchar_t tmp[4];
    while (at < good) {
      size_t l = seq_len(p + at, n - at);
      if (l > 1 &&
          MultiByteToWideChar(gb_cp(), MB_ERR_INVALID_CHARS, *in + at, (int)l, tmp, 4) <= 0)
        break;
      at += l;
    }
    w = convert(*in, at, *out, *outleft);
    if (w < 0) { /* no room */
      errno = E2BIG;
      return (size_t)-1;
    }
    *in += at;
    *inleft -= at;
    *out += w;
    *outleft -= (size_t)w;
    errno = EILSEQ;
    return (size_t)-1;
  }
  *in += good;
  *inleft -= good;
  *out += w;
  *outleft -= (size_t)w;
  if (good < n) {
    errno = good + 4 > n && seq_len(p + good, 4) == 0 && p[good] >= 0x81 ? EINVAL : EILSEQ;
    return (size_t)-1;
  }
  return 0;
}
