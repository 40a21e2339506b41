/* ini.h: the part of inih's API (r55, BSD-3-Clause, Ben Hoyt) that
 * lib/hb_campaigns.c uses, for the Windows build when Debian's libinih
 * source cannot be had (deploy/cross/win64-deps.sh, docs/platforms.md):
 * ini_parse_stream, with the options Debian builds inih with (meson's
 * defaults): BOM skipped, ';' and '#' start a comment line, " ;" an inline
 * comment, multi-line values, lines of at most 199 bytes, section and key
 * names of at most 49, no new-section callbacks, no line numbers passed. */
#ifndef HB_WIN32_INI_H
#define HB_WIN32_INI_H

#define INI_MAX_LINE 200

/* Called for each name=value (or name: value); returns nonzero on success. */
typedef int (*ini_handler)(void *user, const char *section, const char *name, const char *value);

/* fgets-like: fills str (room num) with the next line, or returns NULL. */
typedef char *(*ini_reader)(char *str, int num, void *stream);

/* Parses lines from reader, calling handler for each pair. Returns 0, or
 * the number of the first line with an error (parsing goes on after it). */
int ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user);

#endif
