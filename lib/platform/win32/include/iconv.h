/* iconv.h for Windows (lib/platform/win32/iconv.c): the one conversion
 * huibao makes, GB18030 (GBK ledgers) to UTF-8, with Windows' own code page
 * 54936 (MultiByteToWideChar, then WideCharToMultiByte to CP_UTF8). On an
 * invalid byte, iconv() returns (size_t)-1 with errno EILSEQ and *in at that
 * byte, as glibc's does. */
#ifndef HB_WIN32_ICONV_H
#define HB_WIN32_ICONV_H
#include <stddef.h>

typedef void *iconv_t;

iconv_t iconv_open(const char *to, const char *from);
size_t iconv(iconv_t cd, char **in, size_t *inleft, char **out, size_t *outleft);
int iconv_close(iconv_t cd);

#endif
