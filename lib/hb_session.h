/* hb_session.h: login sessions of the county console and the city
 * dashboard (issue 14, docs/security.md), in memory, thread-safe (the
 * HTTP server's threads share one table; a restart logs everyone out).
 *
 * A session is a random 32-byte token (hex in the cookie), the account
 * name and role, a CSRF token (hex, sent back in a form field or the
 * X-CSRF-Token header on every state change) and an expiry (idle ttl).
 * Login attempts are throttled per key (the account name, and the
 * client's address): after HB_SESSION_FREE_FAILURES failures in a row
 * each further attempt must wait, doubling from 1 s up to 15 min; a
 * success clears the key. */
#ifndef HB_SESSION_H
#define HB_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_account.h"

#define HB_SESSION_TOKEN_HEX 65 /* 64 hex digits and the NUL */
#define HB_SESSION_COOKIE "hb_session"
#define HB_SESSION_FREE_FAILURES 4 /* the 5th wrong password in a row is slowed down */

typedef struct hb_sessions hb_sessions;

typedef struct hb_session_info {
  char name[HB_ACCOUNT_NAME_MAX + 1];
  hb_role role;
  char csrf[HB_SESSION_TOKEN_HEX];
} hb_session_info;

/* ttl_s: idle seconds after which a session ends (0: 8 hours). */
int hb_sessions_new(hb_sessions **out, int64_t ttl_s);
void hb_sessions_free(hb_sessions *s);

/* A new session for (name, role) at now_s; token gets its cookie value.
 * HB_EIO if no random bytes, HB_ENOMEM. */
int hb_sessions_create(hb_sessions *s, const char *name, hb_role role, int64_t now_s,
                       char token[HB_SESSION_TOKEN_HEX], hb_session_info *out);
/* The live session of token at now_s (its idle time restarts): 0 and
 * *out, or HB_EPERM (none, expired, malformed). */
int hb_sessions_find(hb_sessions *s, const char *token, int64_t now_s, hb_session_info *out);
/* As hb_sessions_create and _find, with a stamp kept with the session
 * (the gate: a digest of the account's password hash at login, so that a
 * password changed by another process ends the session at its next
 * request). The plain functions use stamp 0 / ignore it; stamp may be NULL. */
int hb_sessions_create_stamped(hb_sessions *s, const char *name, hb_role role, uint64_t stamp,
                               int64_t now_s, char token[HB_SESSION_TOKEN_HEX],
                               hb_session_info *out);
int hb_sessions_find_stamped(hb_sessions *s, const char *token, int64_t now_s, hb_session_info *out,
                             uint64_t *stamp);

/* Ends the session (logout); nothing if none. */
void hb_sessions_end(hb_sessions *s, const char *token);
/* Ends every session of name (its password changed or it was removed). */
void hb_sessions_end_name(hb_sessions *s, const char *name);

/* Login throttling: seconds the next attempt of key must still wait at
 * now_s (0: go ahead). */
int64_t hb_sessions_login_wait(hb_sessions *s, const char *key, int64_t now_s);
/* The attempt of key failed / succeeded at now_s. */
void hb_sessions_login_failed(hb_sessions *s, const char *key, int64_t now_s);
void hb_sessions_login_ok(hb_sessions *s, const char *key);

/* Whether given equals the session's CSRF token (constant time). */
bool hb_session_csrf_ok(const hb_session_info *in, const char *given);

#endif
