/* test_json.h: reading a JSON document by a dotted path in unit tests
 * ("problems.by_category.theory.confirmed", "units.0.code": a number
 * indexes an array).
 *
 *   CHECK_EQ_INT(2, jint_at(doc, "problems.confirmed"));
 */
#ifndef HB_TEST_JSON_H
#define HB_TEST_JSON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

/* The value at p below j (borrowed), NULL when there is none. */
static inline json_t *path(json_t *j, const char *p)
{
  char buf[256];
  snprintf(buf, sizeof buf, "%s", p);
  for (char *save = NULL, *t = strtok_r(buf, ".", &save); t && j; t = strtok_r(NULL, ".", &save))
    j = json_is_array(j) ? json_array_get(j, (size_t)atoi(t)) : json_object_get(j, t);
  return j;
}

/* The integer at p; -999 (and a line on stderr) when it is not one. */
static inline long long jint_at(json_t *j, const char *p)
{
  json_t *v = path(j, p);
  if (!json_is_integer(v)) {
    fprintf(stderr, "%s: not an integer\n", p);
    return -999;
  }
  return json_integer_value(v);
}

/* The string at p, NULL when it is not one. */
static inline const char *jstr_at(json_t *j, const char *p)
{
  return json_string_value(path(j, p));
}

#endif
