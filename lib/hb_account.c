/* hb_account.c: accounts (see hb_account.h). */
#include "hb_account.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_text.h"

const char *hb_role_name(hb_role r)
{
  return r == HB_ROLE_REVIEWER ? "reviewer" : r == HB_ROLE_VIEWER ? "viewer" : "?";
}

hb_role hb_role_parse(const char *s)
{
  if (s && strcmp(s, "reviewer") == 0)
    return HB_ROLE_REVIEWER;
  if (s && strcmp(s, "viewer") == 0)
    return HB_ROLE_VIEWER;
  return (hb_role)0;
}

int hb_account_name_check(const char *name, char *why, size_t whylen)
{
  size_t len = name ? strlen(name) : 0;
  if (len == 0 || len > HB_ACCOUNT_NAME_MAX) {
    snprintf(why, whylen, "账户名须为1至%d字节（an account name is 1 to %d bytes）",
             HB_ACCOUNT_NAME_MAX, HB_ACCOUNT_NAME_MAX);
    return HB_EINVAL;
  }
  if (!hb_utf8_valid(name, len)) {
    snprintf(why, whylen, "账户名不是有效的UTF-8（the account name is not valid UTF-8）");
    return HB_EINVAL;
  }
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = hb_utf8_decode(name + i, len - i, &cp);
    if (n == 0 || cp <= 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) || cp == '/' ||
        cp == 0x3000 || cp == 0xa0 || hb_cp_format(cp)) {
      snprintf(why, whylen,
               "账户名不能含空格、控制字符或“/”（an account name has no spaces, control "
               "characters or '/'）");
      return HB_EINVAL;
    }
    i += n;
  }
  return 0;
}

int hb_account_hash(hb_account *a, const char *password, char *why, size_t whylen)
{
  size_t len = strlen(password);
  if (len > HB_PASSWORD_MAX) {
    snprintf(why, whylen, "密码长于%d字节（the password is longer than %d bytes）", HB_PASSWORD_MAX,
             HB_PASSWORD_MAX);
    return HB_EINVAL;
  }
  size_t chars = hb_utf8_valid(password, len) ? hb_utf8_chars(password) : len;
  if (chars < HB_PASSWORD_MIN) {
    snprintf(why, whylen, "密码至少%d个字符（the password needs at least %d characters）",
             HB_PASSWORD_MIN, HB_PASSWORD_MIN);
    return HB_EINVAL;
  }
  if (sodium_init() < 0)
    return HB_ENOMEM;
  char out[crypto_pwhash_STRBYTES];
  _Static_assert(crypto_pwhash_STRBYTES <= HB_ACCOUNT_HASH_MAX, "pwhash fits");
  if (crypto_pwhash_str(out, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    snprintf(why, whylen, "内存不足，无法计算密码散列（out of memory for the password hash）");
    return HB_ENOMEM;
  }
  memcpy(a->pwhash, out, sizeof out);
  a->pwhash[sizeof a->pwhash - 1] = '\0';
  return 0;
}

bool hb_account_check_password(const hb_account *a, const char *password)
{
  if (!password || !a->pwhash[0] || sodium_init() < 0)
    return false;
  size_t len = strlen(password);
  if (len > HB_PASSWORD_MAX)
    return false;
  return crypto_pwhash_str_verify(a->pwhash, password, len) == 0;
}

/* a packed as an Account message into a malloc'd buffer (*buf, *len). */
static int account_pack(const hb_account *a, uint8_t **buf, size_t *len)
{
  Huibao__V1__Account m = HUIBAO__V1__ACCOUNT__INIT;
  m.name = (char *)a->name;
  m.role = (Huibao__V1__AccountRole)a->role;
  m.pwhash = (char *)a->pwhash;
  m.has_created_s = true;
  m.created_s = a->created_s;
  *len = huibao__v1__account__get_packed_size(&m);
  *buf = malloc(*len ? *len : 1);
  if (!*buf)
    return HB_ENOMEM;
  huibao__v1__account__pack(&m, *buf);
  return 0;
}

int hb_account_put(MDB_txn *txn, MDB_dbi db, const hb_account *a, bool must_exist)
{
  MDB_val key = {strlen(a->name), (void *)a->name}, old;
  int rc = mdb_get(txn, db, &key, &old);
  if (rc != 0 && rc != MDB_NOTFOUND)
    return hb_lmdb_err(rc);
  if (must_exist && rc == MDB_NOTFOUND)
    return HB_ENOTFOUND;
  if (!must_exist && rc == 0)
    return HB_EINVAL;
  uint8_t *buf;
  size_t len;
  int err = account_pack(a, &buf, &len);
  if (err)
    return err;
  MDB_val val = {len, buf};
  rc = mdb_put(txn, db, &key, &val, 0);
  free(buf);
  return rc ? hb_lmdb_err(rc) : 0;
}

int hb_account_remove(MDB_txn *txn, MDB_dbi db, const char *name)
{
  MDB_val key = {strlen(name), (void *)name};
  int rc = mdb_del(txn, db, &key, NULL);
  return rc ? hb_lmdb_err(rc) : 0;
}

/* The stored value val decoded into out (name from the value). */
static int account_unpack(const MDB_val *val, hb_account *out)
{
  memset(out, 0, sizeof *out);
  Huibao__V1__Account *m = huibao__v1__account__unpack(NULL, val->mv_size, val->mv_data);
  if (!m)
    return HB_EPARSE;
  int err = 0;
  if (strlen(m->name) > HB_ACCOUNT_NAME_MAX || strlen(m->pwhash) >= HB_ACCOUNT_HASH_MAX)
    err = HB_EPARSE;
  else {
    snprintf(out->name, sizeof out->name, "%s", m->name);
    snprintf(out->pwhash, sizeof out->pwhash, "%s", m->pwhash);
    out->role = (hb_role)m->role;
    out->created_s = m->created_s;
  }
  huibao__v1__account__free_unpacked(m, NULL);
  return err;
}

int hb_account_get(MDB_txn *txn, MDB_dbi db, const char *name, hb_account *out)
{
  memset(out, 0, sizeof *out);
  size_t len = strlen(name);
  if (len == 0 || len > HB_ACCOUNT_NAME_MAX)
    return HB_ENOTFOUND;
  MDB_val key = {len, (void *)name}, val;
  int rc = mdb_get(txn, db, &key, &val);
  if (rc)
    return hb_lmdb_err(rc);
  return account_unpack(&val, out);
}

int hb_account_foreach(MDB_txn *txn, MDB_dbi db, hb_account_fn fn, void *ctx)
{
  MDB_cursor *cur;
  int rc = mdb_cursor_open(txn, db, &cur);
  if (rc)
    return hb_lmdb_err(rc);
  MDB_val key, val;
  int ret = 0;
  for (rc = mdb_cursor_get(cur, &key, &val, MDB_FIRST); rc == 0 && ret == 0;
       rc = mdb_cursor_get(cur, &key, &val, MDB_NEXT)) {
    hb_account a;
    ret = account_unpack(&val, &a);
    if (ret == 0)
      ret = fn(ctx, &a);
    sodium_memzero(a.pwhash, sizeof a.pwhash);
  }
  mdb_cursor_close(cur);
  if (ret)
    return ret;
  return rc == MDB_NOTFOUND ? 0 : hb_lmdb_err(rc);
}

/* One line from the terminal fd (echo off while reading) or from stdin. */
static int password_line(const char *prompt, bool tty, char *buf, size_t len)
{
  struct termios old, quiet;
  bool restore = false;
  if (tty) {
    fprintf(stderr, "%s", prompt);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) == 0) {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
      quiet.c_lflag |= ICANON;
      restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
  }
  char *got = fgets(buf, (int)len, stdin);
  if (restore) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
  }
  if (!got)
    return HB_EIO;
  size_t n = strcspn(buf, "\r\n");
  if (buf[n] == '\0' && n + 1 == len && !feof(stdin)) {
    /* longer than buf: drop the rest of the line, refuse the entry */
    for (int ch = getchar(); ch != EOF && ch != '\n'; ch = getchar())
      ;
    sodium_memzero(buf, len);
    return HB_ETOOBIG;
  }
  buf[n] = '\0';
  return 0;
}

int hb_password_read(const char *prompt, bool confirm, char *buf, size_t len, char *why,
                     size_t whylen)
{
  bool tty = isatty(STDIN_FILENO);
  int err = password_line(prompt, tty, buf, len);
  if (err == HB_ETOOBIG) {
    snprintf(why, whylen, "密码过长（the password is too long）");
    return HB_EINVAL;
  }
  if (err) {
    snprintf(why, whylen, "未读到密码（no password could be read）");
    return err;
  }
  if (!confirm || !tty)
    return 0;
  char again[HB_PASSWORD_MAX + 2];
  err = password_line("再次输入密码（again）: ", true, again, sizeof again);
  bool same = err == 0 && strcmp(again, buf) == 0;
  sodium_memzero(again, sizeof again);
  if (!same) {
    sodium_memzero(buf, len);
    snprintf(why, whylen, "两次输入的密码不同（the two entries differ）");
    return HB_EINVAL;
  }
  return 0;
}
