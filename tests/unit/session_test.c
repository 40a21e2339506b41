/* Tests lib/hb_session.c: tokens, idle expiry, CSRF, ending sessions and
 * the login throttle's doubling waits. */
#include <stdio.h>
#include <string.h>

#include "hb_err.h"
#include "hb_session.h"
#include "test.h"

static void test_create_find(void)
{
  hb_sessions *s;
  CHECK_EQ_INT(0, hb_sessions_new(&s, 600));
  char t1[HB_SESSION_TOKEN_HEX], t2[HB_SESSION_TOKEN_HEX];
  hb_session_info i1, got;
  CHECK_EQ_INT(0, hb_sessions_create(s, "李四", HB_ROLE_REVIEWER, 1000, t1, &i1));
  CHECK_EQ_INT(0, hb_sessions_create(s, "wangwu", HB_ROLE_VIEWER, 1000, t2, NULL));
  CHECK_EQ_INT(64, strlen(t1));
  CHECK_EQ_INT(64, strspn(t1, "0123456789abcdef"));
  CHECK(strcmp(t1, t2) != 0);
  CHECK(strcmp(t1, i1.csrf) != 0);
  CHECK_EQ_INT(0, hb_sessions_find(s, t1, 1100, &got));
  CHECK_EQ_STR("李四", got.name);
  CHECK_EQ_INT(HB_ROLE_REVIEWER, got.role);
  CHECK_EQ_STR(i1.csrf, got.csrf);
  CHECK(hb_session_csrf_ok(&got, i1.csrf));
  CHECK(!hb_session_csrf_ok(&got, t1));
  CHECK(!hb_session_csrf_ok(&got, ""));
  CHECK(!hb_session_csrf_ok(&got, NULL));
  /* malformed and unknown tokens */
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, "", 1100, &got));
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, NULL, 1100, &got));
  char other[HB_SESSION_TOKEN_HEX];
  memcpy(other, t1, sizeof other);
  other[0] = other[0] == 'a' ? 'b' : 'a';
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, other, 1100, &got));
  other[0] = 'G';
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, other, 1100, &got));
  /* idle ttl: used at 1100, alive at 1699, gone at 1700 for t2 (used at 1000) */
  CHECK_EQ_INT(0, hb_sessions_find(s, t1, 1699, &got));
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, t2, 1700, &got));
  CHECK_EQ_INT(0, hb_sessions_find(s, t1, 2298, &got));
  hb_sessions_end(s, t1);
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, t1, 2299, &got));
  hb_sessions_free(s);
}

static void test_end_name(void)
{
  hb_sessions *s;
  CHECK_EQ_INT(0, hb_sessions_new(&s, 0));
  char a[HB_SESSION_TOKEN_HEX], b[HB_SESSION_TOKEN_HEX], c[HB_SESSION_TOKEN_HEX];
  hb_sessions_create(s, "lisi", HB_ROLE_REVIEWER, 10, a, NULL);
  hb_sessions_create(s, "lisi", HB_ROLE_REVIEWER, 10, b, NULL);
  hb_sessions_create(s, "zhao", HB_ROLE_VIEWER, 10, c, NULL);
  hb_sessions_end_name(s, "lisi");
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, a, 11, NULL));
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, b, 11, NULL));
  CHECK_EQ_INT(0, hb_sessions_find(s, c, 11, NULL));
  /* default ttl: 8 hours */
  CHECK_EQ_INT(0, hb_sessions_find(s, c, 11 + 8 * 3600 - 1, NULL));
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, c, 11 + 16 * 3600, NULL));
  hb_sessions_free(s);
}

/* 4 failures are free; then 1 s (rounded up: 2 whole seconds), 2, 4 ...
 * up to 15 min; a success clears the key, other keys are untouched. */
static void test_throttle(void)
{
  hb_sessions *s;
  CHECK_EQ_INT(0, hb_sessions_new(&s, 0));
  const char *k = "name:lisi";
  for (int i = 0; i < HB_SESSION_FREE_FAILURES; i++) {
    CHECK_EQ_INT(0, hb_sessions_login_wait(s, k, 100));
    hb_sessions_login_failed(s, k, 100);
  }
  CHECK_EQ_INT(2, hb_sessions_login_wait(s, k, 100));
  CHECK_EQ_INT(1, hb_sessions_login_wait(s, k, 101));
  CHECK_EQ_INT(0, hb_sessions_login_wait(s, k, 102));
  CHECK_EQ_INT(0, hb_sessions_login_wait(s, "name:other", 100));
  hb_sessions_login_failed(s, k, 102); /* 5th */
  CHECK_EQ_INT(3, hb_sessions_login_wait(s, k, 102));
  hb_sessions_login_failed(s, k, 105); /* 6th */
  CHECK_EQ_INT(5, hb_sessions_login_wait(s, k, 105));
  for (int i = 0; i < 20; i++)
    hb_sessions_login_failed(s, k, 1000);
  CHECK_EQ_INT(15 * 60 + 1, hb_sessions_login_wait(s, k, 1000));
  hb_sessions_login_ok(s, k);
  CHECK_EQ_INT(0, hb_sessions_login_wait(s, k, 1000));
  hb_sessions_login_failed(s, k, 1000);
  CHECK_EQ_INT(0, hb_sessions_login_wait(s, k, 1000));
  /* many keys: the table stays bounded and still throttles the newest */
  char key[32];
  for (int i = 0; i < 10000; i++) {
    snprintf(key, sizeof key, "addr:10.0.%d.%d", i / 256, i % 256);
    hb_sessions_login_failed(s, key, 2000);
  }
  for (int i = 0; i < 5; i++)
    hb_sessions_login_failed(s, "addr:10.9.9.9", 2000);
  CHECK(hb_sessions_login_wait(s, "addr:10.9.9.9", 2000) > 0);
  hb_sessions_free(s);
}

static void test_many_sessions(void)
{
  hb_sessions *s;
  CHECK_EQ_INT(0, hb_sessions_new(&s, 0));
  char first[HB_SESSION_TOKEN_HEX], t[HB_SESSION_TOKEN_HEX];
  hb_sessions_create(s, "first", HB_ROLE_VIEWER, 1, first, NULL);
  for (int i = 0; i < 5000; i++)
    CHECK_EQ_INT(0, hb_sessions_create(s, "many", HB_ROLE_VIEWER, 2, t, NULL));
  CHECK_EQ_INT(HB_EPERM, hb_sessions_find(s, first, 3, NULL)); /* least recently used */
  CHECK_EQ_INT(0, hb_sessions_find(s, t, 3, NULL));
  hb_sessions_free(s);
}

int main(void)
{
  RUN(test_create_find);
  RUN(test_end_name);
  RUN(test_throttle);
  RUN(test_many_sessions);
  return test_summary();
}
