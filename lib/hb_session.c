/* hb_session.c: login sessions and login throttling (see hb_session.h).
 *
 * Two small tables under one mutex, searched linearly (a county has tens
 * of reviewers, a city tens of viewers): sessions (token, user, CSRF token,
 * last use) and throttles (key, failures in a row, time of the last one).
 * Both are bounded: a full session table drops the least recently used
 * session, a full throttle table the entry whose wait ended longest ago (or
 * the oldest one), so a flood of names cannot grow the memory. Times are
 * whole seconds; a wait is rounded up (a 1 s wait after a failure at
 * 12:00:00.9 ends at 12:00:02), so it is never shorter than promised. */
#include "hb_session.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"

#define SESSIONS_MAX 4096
#define THROTTLES_MAX 4096
#define THROTTLE_KEY_MAX 128
#define WAIT_MAX_S (15 * 60)
#define DEFAULT_TTL_S (8 * 3600)

typedef struct session {
  char token[HB_SESSION_TOKEN_HEX];
  hb_session_info info;
  int64_t used_s; /* last use */
  uint64_t stamp;
} session;

typedef struct throttle {
  char key[THROTTLE_KEY_MAX + 1];
  int failures; /* in a row */
  int64_t last_s;
} throttle;

struct hb_sessions {
  pthread_mutex_t mu;
  int64_t ttl_s;
  session *s;
  size_t ns;
  throttle *t;
  size_t nt;
};

int hb_sessions_new(hb_sessions **out, int64_t ttl_s)
{
  *out = NULL;
  if (sodium_init() < 0)
    return HB_EIO;
  hb_sessions *s = calloc(1, sizeof *s);
  if (!s)
    return HB_ENOMEM;
  s->s = calloc(SESSIONS_MAX, sizeof *s->s);
  s->t = calloc(THROTTLES_MAX, sizeof *s->t);
  if (!s->s || !s->t || pthread_mutex_init(&s->mu, NULL) != 0) {
    free(s->s);
    free(s->t);
    free(s);
    return HB_ENOMEM;
  }
  s->ttl_s = ttl_s > 0 ? ttl_s : DEFAULT_TTL_S;
  *out = s;
  return 0;
}

void hb_sessions_free(hb_sessions *s)
{
  if (!s)
    return;
  sodium_memzero(s->s, SESSIONS_MAX * sizeof *s->s);
  free(s->s);
  free(s->t);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* Hex of n random bytes into out (2n+1 bytes). */
static void random_hex(char *out, size_t n)
{
  unsigned char raw[32];
  randombytes_buf(raw, n);
  sodium_bin2hex(out, 2 * n + 1, raw, n);
  sodium_memzero(raw, sizeof raw);
}

/* Drops session i (the last one takes its place). Caller holds mu. */
static void session_drop(hb_sessions *s, size_t i)
{
  s->s[i] = s->s[--s->ns];
  sodium_memzero(&s->s[s->ns], sizeof s->s[s->ns]);
}

/* Drops the expired sessions at now_s. Caller holds mu. */
static void sessions_expire(hb_sessions *s, int64_t now_s)
{
  for (size_t i = 0; i < s->ns;)
    if (now_s - s->s[i].used_s >= s->ttl_s)
      session_drop(s, i);
    else
      i++;
}

int hb_sessions_create(hb_sessions *s, const char *name, hb_role role, int64_t now_s,
                       char token[HB_SESSION_TOKEN_HEX], hb_session_info *out)
{
  return hb_sessions_create_stamped(s, name, role, 0, now_s, token, out);
}

int hb_sessions_create_stamped(hb_sessions *s, const char *name, hb_role role, uint64_t stamp,
                               int64_t now_s, char token[HB_SESSION_TOKEN_HEX],
                               hb_session_info *out)
{
  session n = {.used_s = now_s, .stamp = stamp};
  random_hex(n.token, 32);
  random_hex(n.info.csrf, 32);
  snprintf(n.info.name, sizeof n.info.name, "%s", name);
  n.info.role = role;
  pthread_mutex_lock(&s->mu);
  sessions_expire(s, now_s);
  if (s->ns == SESSIONS_MAX) { /* the least recently used one goes */
    size_t lru = 0;
    for (size_t i = 1; i < s->ns; i++)
      if (s->s[i].used_s < s->s[lru].used_s)
        lru = i;
    session_drop(s, lru);
  }
  s->s[s->ns++] = n;
  pthread_mutex_unlock(&s->mu);
  memcpy(token, n.token, HB_SESSION_TOKEN_HEX);
  if (out)
    *out = n.info;
  sodium_memzero(&n, sizeof n);
  return 0;
}

/* Whether token is 64 hex digits. */
static bool token_wellformed(const char *token)
{
  if (!token || strlen(token) != HB_SESSION_TOKEN_HEX - 1)
    return false;
  return strspn(token, "0123456789abcdef") == HB_SESSION_TOKEN_HEX - 1;
}

/* Index of token's session or -1 (constant time per comparison). Caller
 * holds mu. */
static long session_index(const hb_sessions *s, const char *token)
{
  long found = -1;
  for (size_t i = 0; i < s->ns; i++)
    if (sodium_memcmp(s->s[i].token, token, HB_SESSION_TOKEN_HEX - 1) == 0)
      found = (long)i;
  return found;
}

int hb_sessions_find(hb_sessions *s, const char *token, int64_t now_s, hb_session_info *out)
{
  return hb_sessions_find_stamped(s, token, now_s, out, NULL);
}

int hb_sessions_find_stamped(hb_sessions *s, const char *token, int64_t now_s, hb_session_info *out,
                             uint64_t *stamp)
{
  if (!token_wellformed(token))
    return HB_EPERM;
  int err = HB_EPERM;
  pthread_mutex_lock(&s->mu);
  sessions_expire(s, now_s);
  long i = session_index(s, token);
  if (i >= 0) {
    s->s[i].used_s = now_s;
    if (out)
      *out = s->s[i].info;
    if (stamp)
      *stamp = s->s[i].stamp;
    err = 0;
  }
  pthread_mutex_unlock(&s->mu);
  return err;
}

void hb_sessions_end(hb_sessions *s, const char *token)
{
  if (!token_wellformed(token))
    return;
  pthread_mutex_lock(&s->mu);
  long i = session_index(s, token);
  if (i >= 0)
    session_drop(s, (size_t)i);
  pthread_mutex_unlock(&s->mu);
}

void hb_sessions_end_name(hb_sessions *s, const char *name)
{
  pthread_mutex_lock(&s->mu);
  for (size_t i = 0; i < s->ns;)
    if (strcmp(s->s[i].info.name, name) == 0)
      session_drop(s, i);
    else
      i++;
  pthread_mutex_unlock(&s->mu);
}

/* The delay after failures in a row: 0 up to HB_SESSION_FREE_FAILURES,
 * then 1 s, 2 s, 4 s ... at most 15 min. */
static int64_t throttle_delay(int failures)
{
  int over = failures - HB_SESSION_FREE_FAILURES;
  if (over < 0)
    return 0;
  if (over >= 10)
    return WAIT_MAX_S;
  int64_t d = (int64_t)1 << over;
  return d < WAIT_MAX_S ? d : WAIT_MAX_S;
}

/* Seconds t still waits at now_s (rounded up: see the file's comment). */
static int64_t throttle_wait(const throttle *t, int64_t now_s)
{
  int64_t d = throttle_delay(t->failures);
  if (d == 0)
    return 0;
  int64_t left = t->last_s + d + 1 - now_s;
  return left > 0 ? left : 0;
}

/* Index of key's entry or -1. Caller holds mu. */
static long throttle_index(const hb_sessions *s, const char *key)
{
  for (size_t i = 0; i < s->nt; i++)
    if (strncmp(s->t[i].key, key, THROTTLE_KEY_MAX) == 0)
      return (long)i;
  return -1;
}

int64_t hb_sessions_login_wait(hb_sessions *s, const char *key, int64_t now_s)
{
  pthread_mutex_lock(&s->mu);
  long i = throttle_index(s, key);
  int64_t w = i >= 0 ? throttle_wait(&s->t[i], now_s) : 0;
  pthread_mutex_unlock(&s->mu);
  return w;
}

/* A free slot of the throttle table at now_s: a new one, else the entry
 * that stopped waiting longest ago, else the oldest. Caller holds mu. */
static throttle *throttle_slot(hb_sessions *s, int64_t now_s)
{
  if (s->nt < THROTTLES_MAX) {
    memset(&s->t[s->nt], 0, sizeof s->t[s->nt]);
    return &s->t[s->nt++];
  }
  size_t best = 0;
  for (size_t i = 1; i < s->nt; i++) {
    int64_t wi = throttle_wait(&s->t[i], now_s), wb = throttle_wait(&s->t[best], now_s);
    if (wi < wb || (wi == wb && s->t[i].last_s < s->t[best].last_s))
      best = i;
  }
  memset(&s->t[best], 0, sizeof s->t[best]);
  return &s->t[best];
}

void hb_sessions_login_failed(hb_sessions *s, const char *key, int64_t now_s)
{
  pthread_mutex_lock(&s->mu);
  long i = throttle_index(s, key);
  throttle *t = i >= 0 ? &s->t[i] : throttle_slot(s, now_s);
  if (i < 0)
    snprintf(t->key, sizeof t->key, "%s", key);
  if (t->failures < 1000)
    t->failures++;
  t->last_s = now_s;
  pthread_mutex_unlock(&s->mu);
}

void hb_sessions_login_ok(hb_sessions *s, const char *key)
{
  pthread_mutex_lock(&s->mu);
  long i = throttle_index(s, key);
  if (i >= 0)
    s->t[i] = s->t[--s->nt];
  pthread_mutex_unlock(&s->mu);
}

bool hb_session_csrf_ok(const hb_session_info *in, const char *given)
{
  size_t n = HB_SESSION_TOKEN_HEX - 1;
  if (!given || strlen(given) != n || strlen(in->csrf) != n)
    return false;
  return sodium_memcmp(in->csrf, given, n) == 0;
}
