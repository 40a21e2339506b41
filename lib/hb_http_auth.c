/* hb_http_auth.c: the login gate (see hb_http_auth.h): the login page,
 * the login itself, and who gets through. */
#include "hb_http_auth.h"

#include <jansson.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_log.h"
#include "hb_text.h"

#define TLS_FILE_MAX (1024 * 1024)
#define ADDR_MAX 64

struct hb_http_auth {
  MDB_env *env;
  MDB_dbi accounts;
  char *title;
  bool tls;
  hb_sessions *sessions;
  pthread_mutex_t dummy_mu; /* dummy: a hash to check unknown names against */
  hb_account dummy;
};

int hb_http_auth_new(hb_http_auth **out, MDB_env *env, MDB_dbi accounts, const char *title,
                     bool tls)
{
  *out = NULL;
  hb_http_auth *a = calloc(1, sizeof *a);
  if (!a)
    return HB_ENOMEM;
  a->env = env;
  a->accounts = accounts;
  a->tls = tls;
  a->title = strdup(title ? title : "");
  int err = a->title ? hb_sessions_new(&a->sessions, 0) : HB_ENOMEM;
  if (err == 0 && pthread_mutex_init(&a->dummy_mu, NULL) != 0)
    err = HB_ENOMEM;
  if (err) {
    hb_sessions_free(a->sessions);
    free(a->title);
    free(a);
    return err;
  }
  *out = a;
  return 0;
}

void hb_http_auth_free(hb_http_auth *a)
{
  if (!a)
    return;
  hb_sessions_free(a->sessions);
  pthread_mutex_destroy(&a->dummy_mu);
  free(a->title);
  free(a);
}

hb_sessions *hb_http_auth_sessions(hb_http_auth *a)
{
  return a->sessions;
}

/* ------------------------------------------------------------ the page */

/* The login page: self-contained (inline style, no script, no external
 * resource), in Chinese. */
static const char PAGE_HEAD[] =
    "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>登录 - %s</title>\n<style>\n"
    "body{margin:0;font-family:\"PingFang SC\",\"Microsoft YaHei\",\"Noto Sans CJK SC\",sans-serif;"
    "background:#f3f4f6;color:#1f2937}\n"
    "main{max-width:22rem;margin:12vh auto;background:#fff;padding:2rem;border-radius:8px;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}\n"
    "h1{font-size:1.3rem;margin:0 0 1.2rem;color:#b91c1c}\n"
    "label{display:block;margin:.8rem 0 .3rem}\n"
    "input{width:100%%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #9ca3af;"
    "border-radius:4px}\n"
    "button{margin-top:1.2rem;width:100%%;padding:.6rem;font-size:1rem;background:#b91c1c;"
    "color:#fff;border:0;border-radius:4px;cursor:pointer}\n"
    ".msg{background:#fee2e2;color:#991b1b;padding:.5rem;border-radius:4px}\n"
    "</style></head><body><main>\n<h1>%s</h1>\n";
static const char PAGE_FORM[] =
    "<form id=\"login\" method=\"post\" action=\"/login\">\n"
    "<label for=\"name\">账户名</label>"
    "<input id=\"name\" name=\"name\" autocomplete=\"username\" required autofocus>\n"
    "<label for=\"password\">密码</label>"
    "<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" "
    "required>\n<button type=\"submit\">登录</button>\n</form>\n</main></body></html>\n";

/* s with & < > " ' escaped for HTML (malloc'd; NULL without memory). */
static char *html_escape(const char *s)
{
  size_t n = 1;
  for (const char *p = s; *p; p++)
    n += strchr("&<>\"'", *p) ? 6 : 1;
  char *out = malloc(n), *o = out;
  if (!out)
    return NULL;
  for (const char *p = s; *p; p++) {
    const char *e = *p == '&'    ? "&amp;"
                    : *p == '<'  ? "&lt;"
                    : *p == '>'  ? "&gt;"
                    : *p == '"'  ? "&quot;"
                    : *p == '\'' ? "&#39;"
                                 : NULL;
    if (e) {
      memcpy(o, e, strlen(e));
      o += strlen(e);
    } else {
      *o++ = *p;
    }
  }
  *o = '\0';
  return out;
}

/* The page for title with message (NULL: none); malloc'd. */
static char *login_page(const char *title, const char *message)
{
  char *t = html_escape(title), *m = html_escape(message ? message : "");
  char *page = NULL;
  size_t len =
      (t ? 2 * strlen(t) : 0) + (m ? strlen(m) : 0) + sizeof PAGE_HEAD + sizeof PAGE_FORM + 64;
  if (t && m && (page = malloc(len)) != NULL) {
    int n = snprintf(page, len, PAGE_HEAD, t, t);
    if (message && n >= 0)
      n += snprintf(page + n, len - (size_t)n, "<p class=\"msg\" role=\"alert\">%s</p>\n", m);
    if (n >= 0)
      snprintf(page + n, len - (size_t)n, "%s", PAGE_FORM);
  }
  free(t);
  free(m);
  return page;
}

/* ------------------------------------------------------------ responses */

/* The headers every answer of the gate carries. */
static void add_common_headers(struct MHD_Response *r)
{
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

/* Queues body (copied) with status and type; extra headers in pairs
 * (name, value, ..., NULL). */
static enum MHD_Result send_body(struct MHD_Connection *c, unsigned status, const char *type,
                                 const char *body, const char *const *headers)
{
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", type);
  add_common_headers(r);
  for (size_t i = 0; headers && headers[i]; i += 2)
    MHD_add_response_header(r, headers[i], headers[i + 1]);
  enum MHD_Result ret = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return ret;
}

/* The JSON of o (taken; NULL: out of memory) with status. */
static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
  char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
  json_decref(o);
  enum MHD_Result ret =
      text ? send_body(c, status, "application/json; charset=utf-8", text, NULL) : MHD_NO;
  free(text);
  return ret;
}

/* {"error": msg} with status. */
static enum MHD_Result send_json_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
  return send_json(c, status, json_pack("{s:s}", "error", msg));
}

/* The login page with message (NULL: none) and status. */
static enum MHD_Result send_login_page(hb_http_auth *a, struct MHD_Connection *c, unsigned status,
                                       const char *message, const char *const *headers)
{
  char *page = login_page(a->title, message);
  if (!page)
    return MHD_NO;
  const char *csp = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                    "frame-ancestors 'none'";
  const char *h[12];
  size_t n = 0;
  h[n++] = "Content-Security-Policy";
  h[n++] = csp;
  for (size_t i = 0; headers && headers[i] && n + 3 < 12; i += 2) {
    h[n++] = headers[i];
    h[n++] = headers[i + 1];
  }
  h[n] = NULL;
  enum MHD_Result ret = send_body(c, status, "text/html; charset=utf-8", page, h);
  free(page);
  return ret;
}

/* 303 to location, setting cookie (NULL: none). */
static enum MHD_Result send_redirect(struct MHD_Connection *c, const char *location,
                                     const char *cookie)
{
  const char *h[] = {"Location", location, cookie ? "Set-Cookie" : NULL, cookie, NULL};
  return send_body(c, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "see other\n", h);
}

/* The Set-Cookie value for token (NULL: one that ends the cookie). */
static void cookie_format(const hb_http_auth *a, const char *token, char *out, size_t len)
{
  snprintf(out, len, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s", HB_SESSION_COOKIE,
           token ? token : "", token ? "" : "; Max-Age=0", a->tls ? "; Secure" : "");
}

/* ---------------------------------------------------------- the request */

static int64_t now_s(void)
{
  return (int64_t)time(NULL);
}

/* The client's address, numeric ("127.0.0.1", "::1"), or "?". */
static void client_addr(struct MHD_Connection *c, char *out, size_t len)
{
  snprintf(out, len, "?");
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (!ci || !ci->client_addr)
    return;
  const struct sockaddr *sa = ci->client_addr;
  socklen_t sl =
      sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (getnameinfo(sa, sl, out, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
    snprintf(out, len, "?");
  /* a reverse proxy on this machine (deploy/etc/nginx-huibao.conf) says
   * who its client is in X-Real-IP; only a loopback peer is believed, so
   * that one guesser behind the proxy does not slow down everyone */
  const char *real = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Real-IP");
  bool loopback = strcmp(out, "127.0.0.1") == 0 || strcmp(out, "::1") == 0 ||
                  strcmp(out, "::ffff:127.0.0.1") == 0;
  if (loopback && real && real[0] && strlen(real) < len &&
      strspn(real, "0123456789abcdefABCDEF.:") == strlen(real))
    snprintf(out, len, "%s", real);
}

/* Whether the client asked for a page (a browser's navigation). */
static bool wants_html(struct MHD_Connection *c)
{
  const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
  return acc && strstr(acc, "text/html");
}

static bool is_state_change(const char *method)
{
  return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
         strcmp(method, "OPTIONS") != 0;
}

/* The CSRF token the request carries (header, else form field) into out. */
static void csrf_given(struct MHD_Connection *c, const char *body, size_t body_len, char *out,
                       size_t len)
{
  out[0] = '\0';
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
  if (h && strlen(h) < len)
    snprintf(out, len, "%s", h);
  else if (body && hb_http_form_field(body, body_len, "csrf", out, len) != 0)
    out[0] = '\0';
}

/* ---------------------------------------------------------------- login */

/* Checks password against a hash when name has no account, so that an
 * unknown name costs as much time as a wrong password. */
static void check_dummy(hb_http_auth *a, const char *password)
{
  pthread_mutex_lock(&a->dummy_mu);
  if (!a->dummy.pwhash[0]) {
    char why[128], pw[33];
    randombytes_buf(pw, 16);
    sodium_bin2hex(pw, sizeof pw, (const unsigned char *)pw, 16);
    hb_account_hash(&a->dummy, pw, why, sizeof why);
    sodium_memzero(pw, sizeof pw);
  }
  hb_account d = a->dummy;
  pthread_mutex_unlock(&a->dummy_mu);
  (void)hb_account_check_password(&d, password);
}

/* The account of name in a read transaction (none open after). */
static int account_read(hb_http_auth *a, const char *name, hb_account *out)
{
  memset(out, 0, sizeof *out);
  MDB_txn *txn; /* an HTTP thread: reads wait while the map grows */
  int rc = hb_lmdb_read_begin(a->env, &txn);
  if (rc)
    return HB_EDB;
  int err = hb_account_get(txn, a->accounts, name, out);
  hb_lmdb_read_end(txn);
  return err;
}

/* The stamp of a session of acc: 8 bytes of a BLAKE2b of its hash. */
static uint64_t account_stamp(const hb_account *acc)
{
  unsigned char h[crypto_generichash_BYTES_MIN];
  crypto_generichash(h, sizeof h, (const unsigned char *)acc->pwhash, strlen(acc->pwhash), NULL, 0);
  uint64_t v;
  memcpy(&v, h, sizeof v);
  return v | 1; /* never 0 */
}

/* Whether name and password open an account (whose role goes to *role,
 * the session's stamp to *stamp). */
static bool login_check(hb_http_auth *a, const char *name, const char *password, hb_role *role,
                        uint64_t *stamp)
{
  hb_account acc;
  int err = account_read(a, name, &acc);
  bool ok = false;
  if (err == 0) {
    ok = hb_account_check_password(&acc, password) &&
         (acc.role == HB_ROLE_REVIEWER || acc.role == HB_ROLE_VIEWER);
    *role = acc.role;
    *stamp = account_stamp(&acc);
  } else {
    check_dummy(a, password);
  }
  sodium_memzero(&acc, sizeof acc);
  return ok;
}

/* POST /login: throttle, check, open a session. */
static enum MHD_Result login_post(hb_http_auth *a, struct MHD_Connection *c, const char *body,
                                  size_t body_len)
{
  char name[HB_ACCOUNT_NAME_MAX + 1] = "", password[HB_PASSWORD_MAX + 1] = "";
  char addr[ADDR_MAX], kname[HB_ACCOUNT_NAME_MAX + 8], kaddr[ADDR_MAX + 8];
  client_addr(c, addr, sizeof addr);
  bool have = body && hb_http_form_field(body, body_len, "name", name, sizeof name) == 0 &&
              hb_http_form_field(body, body_len, "password", password, sizeof password) == 0;
  snprintf(kname, sizeof kname, "name:%s", name);
  snprintf(kaddr, sizeof kaddr, "addr:%s", addr);
  /* the attempt counts as failed from here (parallel attempts see it) until
   * the password proves right */
  const char *keys[2] = {kaddr, kname};
  int64_t wait = hb_sessions_login_begin(a->sessions, keys, name[0] ? 2 : 1, now_s());
  enum MHD_Result ret;
  if (wait > 0) {
    char secs[24], msg[192];
    snprintf(secs, sizeof secs, "%lld", (long long)wait);
    snprintf(msg, sizeof msg,
             "登录失败次数过多，请%lld秒后再试（too many failed logins: wait %lld s）",
             (long long)wait, (long long)wait);
    const char *h[] = {"Retry-After", secs, NULL};
    ret = send_login_page(a, c, MHD_HTTP_TOO_MANY_REQUESTS, msg, h);
  } else if (!have || !name[0]) {
    ret = send_login_page(a, c, MHD_HTTP_BAD_REQUEST,
                          "请填写账户名和密码（enter the name and the password）", NULL);
  } else {
    hb_role role = 0;
    uint64_t stamp = 0;
    if (login_check(a, name, password, &role, &stamp)) {
      hb_sessions_login_ok(a->sessions, kname);
      hb_sessions_login_ok(a->sessions, kaddr);
      char token[HB_SESSION_TOKEN_HEX], cookie[160];
      if (hb_sessions_create_stamped(a->sessions, name, role, stamp, now_s(), token, NULL) != 0) {
        ret = send_login_page(a, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "服务器错误（server error）",
                              NULL);
      } else {
        hb_log_notice("login: %s (%s) from %s", name, hb_role_name(role), addr);
        cookie_format(a, token, cookie, sizeof cookie);
        ret = send_redirect(c, "/", cookie);
        sodium_memzero(token, sizeof token);
        sodium_memzero(cookie, sizeof cookie);
      }
    } else {
      /* the name is logged only when it is an account's: a password typed
       * into the name field never reaches the log */
      hb_account acc;
      bool known = account_read(a, name, &acc) == 0;
      hb_log_notice("login failed: %s from %s", known ? name : "(unknown name)", addr);
      ret = send_login_page(a, c, MHD_HTTP_UNAUTHORIZED,
                            "账户名或密码错误（wrong name or password）", NULL);
    }
  }
  sodium_memzero(password, sizeof password);
  return ret;
}

/* ---------------------------------------------------------------- gate */

/* The session of token, checked against its account as stored now: a
 * removed account or a changed password ends it, a changed role applies
 * at once. */
static bool session_live(hb_http_auth *a, const char *token, hb_session_info *user)
{
  uint64_t stamp = 0;
  if (!token || hb_sessions_find_stamped(a->sessions, token, now_s(), user, &stamp) != 0)
    return false;
  hb_account acc;
  int err = account_read(a, user->name, &acc);
  if (err == HB_EDB) /* the store could not be read now: refused, not ended */
    return false;
  if (err != 0 || account_stamp(&acc) != stamp ||
      (acc.role != HB_ROLE_REVIEWER && acc.role != HB_ROLE_VIEWER)) {
    hb_sessions_end(a->sessions, token);
    sodium_memzero(&acc, sizeof acc);
    return false;
  }
  user->role = acc.role;
  sodium_memzero(&acc, sizeof acc);
  return true;
}

bool hb_http_auth_live(hb_http_auth *a, struct MHD_Connection *c, char token[HB_SESSION_TOKEN_HEX])
{
  const char *t = c ? MHD_lookup_connection_value(c, MHD_COOKIE_KIND, HB_SESSION_COOKIE) : token;
  if (!t || strlen(t) >= HB_SESSION_TOKEN_HEX)
    return false;
  hb_session_info user;
  bool live = session_live(a, t, &user);
  if (c && live)
    snprintf(token, HB_SESSION_TOKEN_HEX, "%s", t);
  sodium_memzero(&user, sizeof user);
  return live;
}

/* GET /session: who is logged in and the CSRF token for the page's scripts. */
static enum MHD_Result send_session(struct MHD_Connection *c, const hb_session_info *u)
{
  return send_json(c, MHD_HTTP_OK,
                   json_pack("{s:s, s:s, s:s}", "name", u->name, "role", hb_role_name(u->role),
                             "csrf", u->csrf));
}

/* POST /logout of a live session (its CSRF token checked by the caller). */
static enum MHD_Result logout(hb_http_auth *a, struct MHD_Connection *c, const char *token)
{
  if (token)
    hb_sessions_end(a->sessions, token);
  char cookie[160];
  cookie_format(a, NULL, cookie, sizeof cookie);
  return send_redirect(c, "/login", cookie);
}

bool hb_http_auth_gate(hb_http_auth *a, struct MHD_Connection *c, const char *url,
                       const char *method, const char *body, size_t body_len, hb_session_info *user,
                       enum MHD_Result *ret)
{
  memset(user, 0, sizeof *user);
  const char *token = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, HB_SESSION_COOKIE);
  bool live = session_live(a, token, user);
  bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  if (strcmp(url, "/login") == 0) {
    if (strcmp(method, "POST") == 0)
      *ret = login_post(a, c, body, body_len);
    else if (!is_get)
      *ret = send_json_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST");
    else if (live)
      *ret = send_redirect(c, "/", NULL);
    else
      *ret = send_login_page(a, c, MHD_HTTP_OK, NULL, NULL);
    return true;
  }
  if (!live) {
    memset(user, 0, sizeof *user);
    if (strcmp(url, "/logout") == 0 && strcmp(method, "POST") == 0)
      *ret = logout(a, c, NULL);
    else if (wants_html(c))
      *ret = send_redirect(c, "/login", NULL);
    else
      *ret = send_json_error(c, MHD_HTTP_UNAUTHORIZED, "未登录（not logged in）");
    return true;
  }
  if (is_state_change(method)) {
    char given[HB_SESSION_TOKEN_HEX + 1];
    csrf_given(c, body, body_len, given, sizeof given);
    if (!hb_session_csrf_ok(user, given)) {
      *ret = send_json_error(c, MHD_HTTP_FORBIDDEN, "CSRF令牌无效（bad or missing CSRF token）");
      return true;
    }
  }
  if (strcmp(url, "/logout") == 0 && strcmp(method, "POST") == 0) {
    *ret = logout(a, c, token);
    return true;
  }
  if (strcmp(url, "/session") == 0 && is_get) {
    *ret = send_session(c, user);
    return true;
  }
  return false;
}

/* ------------------------------------------------------------ form, TLS */

static int hexval(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Decodes s[0..n) (+ and %XX) into out, text only: HB_ETOOBIG if it
 * does not fit, HB_EINVAL if it holds a NUL (a %00 would cut the value
 * short unseen) or is not UTF-8 (it must not reach a decision, a log or
 * the agents); out is then "". */
static int form_decode(const char *s, size_t n, char *out, size_t outlen)
{
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (ch == '+')
      ch = ' ';
    else if (ch == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
      ch = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    }
    if (o + 1 >= outlen) {
      out[0] = '\0';
      return HB_ETOOBIG;
    }
    out[o++] = ch;
  }
  out[o] = '\0';
  if (memchr(out, '\0', o) || !hb_utf8_valid(out, o)) {
    out[0] = '\0';
    return HB_EINVAL;
  }
  return 0;
}

int hb_http_form_field(const char *body, size_t body_len, const char *name, char *out,
                       size_t outlen)
{
  if (outlen == 0)
    return HB_ETOOBIG;
  out[0] = '\0';
  size_t nl = strlen(name);
  for (size_t i = 0; body && i < body_len;) {
    const char *amp = memchr(body + i, '&', body_len - i);
    size_t end = amp ? (size_t)(amp - body) : body_len;
    const char *eq = memchr(body + i, '=', end - i);
    size_t kend = eq ? (size_t)(eq - body) : end;
    char key[64];
    if (form_decode(body + i, kend - i, key, sizeof key) == 0 && strlen(key) == nl &&
        memcmp(key, name, nl) == 0) {
      size_t vs = eq ? kend + 1 : end;
      return form_decode(body + vs, end - vs, out, outlen);
    }
    i = end + 1;
  }
  return HB_ENOTFOUND;
}

int hb_http_tls_load(const char *cert_path, const char *key_path, char **cert, char **key,
                     char *err, size_t errlen)
{
  *cert = *key = NULL;
  if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
    snprintf(err, errlen, "此libmicrohttpd不支持TLS（this libmicrohttpd was built without TLS）");
    return HB_EINVAL;
  }
  const char *paths[2] = {cert_path, key_path};
  char **outs[2] = {cert, key};
  for (int i = 0; i < 2; i++) {
    size_t len;
    int rc = hb_file_read(paths[i], TLS_FILE_MAX, outs[i], &len, err, errlen);
    if (rc == 0 && !strstr(*outs[i], "-----BEGIN ")) {
      snprintf(err, errlen, "%s: 不是PEM文件（not a PEM file）", paths[i]);
      rc = HB_EINVAL;
    }
    if (rc != 0) {
      if (*outs[i])
        sodium_memzero(*outs[i], strlen(*outs[i]));
      free(*cert);
      free(*key);
      *cert = *key = NULL;
      return rc == HB_ENOTFOUND || rc == HB_EINVAL ? rc : HB_EIO;
    }
  }
  return 0;
}
