/* ini.c: ini_parse_stream as inih r55 parses (see ini.h). */
#include "ini.h"

#include <ctype.h>
#include <string.h>

#define MAX_SECTION 50
#define MAX_NAME 50

static char *rstrip(char *s)
{
  char *p = s + strlen(s);
  while (p > s && isspace((unsigned char)*--p))
    *p = '\0';
  return s;
}

static char *lskip(char *s)
{
  while (*s && isspace((unsigned char)*s))
    s++;
  return s;
}

/* The first of chars (any of them; NULL: none) or of an inline comment (';'
 * after whitespace) in s, or its end. */
static char *find_chars_or_comment(char *s, const char *chars)
{
  int was_space = 0;
  while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
    was_space = isspace((unsigned char)*s);
    s++;
  }
  return s;
}

static void copy0(char *dest, const char *src, size_t size)
{
  size_t i;
  for (i = 0; i < size - 1 && src[i]; i++)
    dest[i] = src[i];
  dest[i] = '\0';
}

int ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user)
{
  char line[INI_MAX_LINE];
  char section[MAX_SECTION] = "";
  char prev_name[MAX_NAME] = "";
  int lineno = 0, error = 0;

  while (reader(line, INI_MAX_LINE, stream) != NULL) {
    lineno++;
    char *start = line;
    if (lineno == 1 && (unsigned char)start[0] == 0xEF && (unsigned char)start[1] == 0xBB &&
        (unsigned char)start[2] == 0xBF)
      start += 3;
    start = lskip(rstrip(start));

    if (*start == ';' || *start == '#' || *start == '\0') {
      /* a comment or an empty line */
    } else if (*prev_name && start > line) {
      /* indented: the previous name's value continues */
      char *end = find_chars_or_comment(start, NULL);
      *end = '\0';
      rstrip(start);
      if (!handler(user, section, prev_name, start) && !error)
        error = lineno;
    } else if (*start == '[') {
      char *end = find_chars_or_comment(start + 1, "]");
      if (*end == ']') {
        *end = '\0';
        copy0(section, start + 1, sizeof section);
        prev_name[0] = '\0';
      } else if (!error) {
        error = lineno;
      }
    } else {
      char *end = find_chars_or_comment(start, "=:");
      if (*end == '=' || *end == ':') {
        *end = '\0';
        char *name = rstrip(start);
        char *value = end + 1;
        end = find_chars_or_comment(value, NULL);
        *end = '\0';
        value = lskip(value);
        rstrip(value);
        copy0(prev_name, name, sizeof prev_name);
        if (!handler(user, section, name, value) && !error)
          error = lineno;
      } else if (!error) {
        error = lineno;
      }
    }
  }
  return error;
}
