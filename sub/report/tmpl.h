/* tmpl.h: the report template language (described for clerks, in Chinese,
 * in docs/templates/README.md).
 *
 *   {{ problems.total }}                      a figure of the data
 *   {{ activities.total.participants | wan }} with filters: "2.3万"
 *   {% for c in problems.categories %} ... {% endfor %}     a loop
 *   {% if c.units > 3 %} ... {% elif ... %} ... {% else %} ... {% endif %}
 *   {% set top = units | sort_desc(problems.total) | top(3) %}
 *   {# a comment #}
 *
 * A line that holds only {% %} and {# #} tags (and blanks) disappears from
 * the output with its line break, so loops can be written one tag a line.
 * Full-width ｜（），“” typed by a Chinese input method work as | ( ) , ".
 *
 * Every error names NAME:LINE:COLUMN (columns count characters) and why:
 * syntax errors when parsing; unknown placeholders, type errors and limits
 * when rendering. An unknown placeholder is always an error, never a blank,
 * even in a branch or loop that this data does not reach: before producing
 * anything, render checks every path that does not start with a loop or set
 * variable against the data. */
#ifndef SUB_TMPL_H
#define SUB_TMPL_H

#include <stddef.h>
#include <jansson.h>

#define SUB_TMPL_MAX_SIZE (1u << 20)    /* bytes of template */
#define SUB_TMPL_MAX_OUTPUT (16u << 20) /* bytes of output */
#define SUB_TMPL_MAX_STEPS 2000000u     /* evaluation steps (nested loops); a report takes ~1e5 */
#define SUB_TMPL_MAX_DEPTH 48           /* nesting of blocks and of expressions */

typedef struct sub_tmpl sub_tmpl;

/* Parses text[0..len) (UTF-8; a leading BOM is skipped); name is what
 * messages call the file. Returns 0 with *out (free with sub_tmpl_free), or
 * HB_EPARSE / HB_ETOOBIG / HB_ENOMEM with "NAME:LINE:COL: why" in err. */
int sub_tmpl_parse(const char *name, const char *text, size_t len, sub_tmpl **out, char *err,
                   size_t errlen);

/* Renders t with data (an object, borrowed). Returns 0 with *out malloc'd
 * and NUL-terminated (*outlen bytes, may be NULL), or HB_EINVAL (unknown
 * placeholder, wrong type, bad filter argument), HB_ETOOBIG (output or work
 * limit) or HB_ENOMEM, with "NAME:LINE:COL: why" in err; *out is then NULL. */
int sub_tmpl_render(const sub_tmpl *t, json_t *data, char **out, size_t *outlen, char *err,
                    size_t errlen);

void sub_tmpl_free(sub_tmpl *t);

#endif
