/* hb_http_auth.h: the login gate in front of every page and JSON endpoint
 * of an HTTP server of huibao (issue 14: the county console,
 * `huibao-aggregator --console`, and the city dashboard, `huibao-sub
 * serve`), on libmicrohttpd, with the accounts of hb_account and the
 * sessions of hb_session; and HTTPS (--tls-cert/--tls-key) through
 * libmicrohttpd's GnuTLS support.
 *
 * The gate answers itself:
 *   GET  /login           the login page (Chinese; a form with name and password)
 *   POST /login           checks the password (hb_account, outside any
 *                         write transaction), throttles failures (429 with
 *                         Retry-After), sets the session cookie (HttpOnly,
 *                         SameSite=Strict, Path=/, Secure over TLS) and
 *                         redirects to /; a wrong name or password: 401,
 *                         the same answer for both
 *   POST /logout          ends the session (CSRF token needed) and
 *                         redirects to /login
 *   GET  /session         behind the gate: {"name": ..., "role":
 *                         "reviewer"|"viewer", "csrf": "<64 hex>"}, how
 *                         the page's scripts learn the CSRF token to send
 *                         in X-CSRF-Token (the cookie is HttpOnly)
 *   any other request without a live session: 303 to /login for a page
 *                         (Accept: text/html), 401 JSON {"error": ...} else
 *   a POST/PUT/DELETE whose CSRF token (form field "csrf" or header
 *                         X-CSRF-Token) is not the session's: 403
 * and lets through, with the session's user, everything else. Passwords
 * are never logged (a failed login logs the client's address, and the
 * name only when it is an account's). Throttling: the keys "name:NAME" and
 * "addr:ADDRESS" (hb_session.h), so behind a reverse proxy every client
 * shares the proxy's address key. */
#ifndef HB_HTTP_AUTH_H
#define HB_HTTP_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <lmdb.h>
#include <microhttpd.h>
#include "hb_session.h"

typedef struct hb_http_auth hb_http_auth;

/* env, accounts: where the accounts are (read transactions only; the db
 * must exist). title: the product name on the login page ("县级审核台",
 * "市级看板"). tls: the server runs HTTPS (cookies get Secure). */
int hb_http_auth_new(hb_http_auth **out, MDB_env *env, MDB_dbi accounts, const char *title,
                     bool tls);
void hb_http_auth_free(hb_http_auth *a);

/* The session table of a (owned by a): to end the sessions of an account
 * whose password changed (hb_sessions_end_name). */
hb_sessions *hb_http_auth_sessions(hb_http_auth *a);

/* Call first in the access handler, once the request's body is complete
 * (body, body_len: a POST's urlencoded form, may be NULL/0). Returns true
 * when the gate answered the request itself (*ret is then the value the
 * handler returns), false when the caller serves it for *user. */
bool hb_http_auth_gate(hb_http_auth *a, struct MHD_Connection *c, const char *url,
                       const char *method, const char *body, size_t body_len, hb_session_info *user,
                       enum MHD_Result *ret);

/* Whether a session is live, as the gate judges it (not ended, not idle
 * past its ttl, its account still there with the same password): of c's
 * cookie when c is not NULL (token then gets it, for later checks), else
 * of token. A long answer (the dashboard's /events stream) asks again
 * before each part, so that a logout, a removed account or a new password
 * ends it too. */
bool hb_http_auth_live(hb_http_auth *a, struct MHD_Connection *c, char token[HB_SESSION_TOKEN_HEX]);

/* A field of an application/x-www-form-urlencoded body, decoded (UTF-8):
 * 0 and out, HB_ENOTFOUND if absent, HB_ETOOBIG if it does not fit. */
int hb_http_form_field(const char *body, size_t body_len, const char *name, char *out,
                       size_t outlen);

/* HTTPS: reads the PEM certificate (chain) and key files into memory for
 * MHD_OPTION_HTTPS_MEM_CERT / _KEY (*cert, *key malloc'd, NUL-ended).
 * HB_ENOTFOUND / HB_EIO with err naming the file; HB_EINVAL if this
 * libmicrohttpd has no TLS (MHD_FEATURE_TLS). */
int hb_http_tls_load(const char *cert_path, const char *key_path, char **cert, char **key,
                     char *err, size_t errlen);

#endif
