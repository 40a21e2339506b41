/* hb_text.h: encodings and UTF-8.
 *
 * Clerks save CSV from Excel as UTF-8 (with or without BOM) or GBK; WPS may
 * write UTF-16 with a BOM. Everything inside huibao is UTF-8. */
#ifndef HB_TEXT_H
#define HB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hb_encoding {
  HB_ENC_UTF8 = 1,
  HB_ENC_UTF8_BOM = 2,
  HB_ENC_GB18030 = 3, /* GBK and GB2312 are subsets; decoded with iconv */
  HB_ENC_UTF16LE = 4,
  HB_ENC_UTF16BE = 5,
} hb_encoding;

/* Decodes a whole file's bytes to NUL-terminated UTF-8 without BOM.
 * Detects: BOMs; valid UTF-8; otherwise GB18030 (a superset of GBK).
 * On success *out is malloc'd (caller frees), *out_len excludes the NUL.
 * Fails with HB_EPARSE and a message naming the line ("line 12: byte 0x00
 * (NUL) in text", "line 3: not valid UTF-8 or GBK") in err. */
int hb_text_to_utf8(const char *in, size_t len, char **out, size_t *out_len, hb_encoding *detected,
                    char *err, size_t errlen);

/* True if s[0..len) is well-formed UTF-8 (no overlongs, no surrogates) and
 * contains no NUL byte. */
bool hb_utf8_valid(const char *s, size_t len);

/* Number of code points in a valid UTF-8 string. */
size_t hb_utf8_chars(const char *s);

/* Columns the string takes in a terminal (CJK wide = 2). */
size_t hb_utf8_width(const char *s);

/* Decodes the well-formed UTF-8 sequence at s (at most left bytes): returns
 * its length (1..4) with the code point in *cp, or 0 when the bytes there are
 * not one (overlong, surrogate, over U+10FFFF, truncated); *cp is then 0. */
size_t hb_utf8_decode(const char *s, size_t left, uint32_t *cp);

/* True if XML 1.0 can carry cp: tab, LF, CR, U+0020..U+D7FF, U+E000..U+FFFD
 * and U+10000..U+10FFFF. Not: the other C0 controls, surrogates, U+FFFE,
 * U+FFFF. */
bool hb_xml_char(uint32_t cp);

/* True for the format characters a terminal draws with no width or uses to
 * reorder text (zero-width spaces and joiners, bidi marks, embeddings and
 * isolates, line and paragraph separators, U+FEFF), which hb_utf8_width
 * counts as one column: U+061C, U+200B..U+200F, U+2028..U+202E,
 * U+2060..U+206F, U+FEFF. */
bool hb_cp_format(uint32_t cp);

/* A malloc'd copy of s that XML 1.0 can carry (.xlsx, .docx): characters it
 * forbids dropped, bytes that are not UTF-8 (a CESU surrogate included)
 * replaced by U+FFFD. NULL only when out of memory. */
char *hb_text_xml_dup(const char *s);

/* Reads a whole file into memory, refusing files over max bytes
 * (HB_ETOOBIG). *out is malloc'd and NUL-terminated. */
int hb_file_read(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

/* Writes data to path atomically: path.new, fsync, rename, fsync dir. */
int hb_file_write_atomic(const char *path, const void *data, size_t len, int mode);

/* Reads a whole file (at most max bytes) and decodes it as hb_text_to_utf8
 * does. *out is malloc'd UTF-8 (caller frees). err gets "line 3: ..." for
 * encoding problems or "path: reason" for I/O ones. Returns 0, HB_ENOTFOUND,
 * HB_ETOOBIG, HB_EIO, HB_EPARSE or HB_ENOMEM. */
int hb_text_read_file(const char *path, size_t max, char **out, size_t *out_len,
                      hb_encoding *detected, char *err, size_t errlen);

/* Trims ASCII blanks and U+3000 (ideographic space) from both ends of s in
 * place; returns the new start (inside s). */
char *hb_text_trim(char *s);

/* What hb_text_trim would keep of s (NUL-terminated, len = strlen(s)),
 * without writing: returns its start (inside s), its length in *out_len. */
const char *hb_text_trim_span(const char *s, size_t len, size_t *out_len);

/* Writes a printable excerpt of s for a message: at most about max bytes, cut
 * on a character boundary with "…" appended when cut, control characters and
 * invalid bytes shown as '?'. buf is always NUL-terminated. */
void hb_text_excerpt(const char *s, size_t max, char *buf, size_t len);

#endif
