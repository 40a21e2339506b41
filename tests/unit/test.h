/* test.h: the few assertions huibao's unit tests use.
 *
 *   static void test_something(void) { CHECK_EQ_INT(2, 1 + 1); }
 *   int main(void) { RUN(test_something); return test_summary(); }
 *
 * Every failed check prints file:line and the values, and the program exits
 * non-zero at the end; the last line is "N passed, N failed". */
#ifndef HB_TEST_H
#define HB_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_checks_failed_;
static int test_cases_passed_, test_cases_failed_;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                     \
      test_checks_failed_++;                                                                       \
    }                                                                                              \
  } while (0)

#define CHECK_EQ_INT(want, got)                                                                    \
  do {                                                                                             \
    long long w_ = (long long)(want), g_ = (long long)(got);                                       \
    if (w_ != g_) {                                                                                \
      fprintf(stderr, "%s:%d: %s: want %lld, got %lld\n", __FILE__, __LINE__, #got, w_, g_);       \
      test_checks_failed_++;                                                                       \
    }                                                                                              \
  } while (0)

#define CHECK_EQ_STR(want, got)                                                                    \
  do {                                                                                             \
    const char *w_ = (want), *g_ = (got);                                                          \
    if (!w_ || !g_ || strcmp(w_, g_) != 0) {                                                       \
      fprintf(stderr, "%s:%d: %s: want \"%s\", got \"%s\"\n", __FILE__, __LINE__, #got,            \
              w_ ? w_ : "(null)", g_ ? g_ : "(null)");                                             \
      test_checks_failed_++;                                                                       \
    }                                                                                              \
  } while (0)

/* Checks that haystack contains needle. */
#define CHECK_CONTAINS(haystack, needle)                                                           \
  do {                                                                                             \
    const char *h_ = (haystack), *n_ = (needle);                                                   \
    if (!h_ || !strstr(h_, n_)) {                                                                  \
      fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,               \
              h_ ? h_ : "(null)", n_);                                                             \
      test_checks_failed_++;                                                                       \
    }                                                                                              \
  } while (0)

#define RUN(fn)                                                                                    \
  do {                                                                                             \
    int before_ = test_checks_failed_;                                                             \
    fn();                                                                                          \
    if (test_checks_failed_ == before_) {                                                          \
      test_cases_passed_++;                                                                        \
    } else {                                                                                       \
      test_cases_failed_++;                                                                        \
      fprintf(stderr, "FAIL %s\n", #fn);                                                           \
    }                                                                                              \
  } while (0)

static inline int test_summary(void)
{
  printf("%d passed, %d failed\n", test_cases_passed_, test_cases_failed_);
  return test_cases_failed_ ? 1 : 0;
}

#endif
