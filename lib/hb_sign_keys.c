/* hb_sign_keys.c: the units' signing key files and the registry of their
 * public halves (issue 15; hb_sign.h, docs/security.md "Signed records"). */
#include "hb_sign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hb_err.h"
#include "hb_text.h"
#include "hb_units.h"

typedef struct sign_entry {
  char unit[65];
  uint8_t pk[HB_SIGN_PUBLIC_LEN];
} sign_entry;

struct hb_sign_registry {
  sign_entry *items; /* sorted by unit */
  size_t count;
};

/* Decodes exactly n bytes of lower- or upper-case hex from s (its whole
 * length). Returns 0 or -1. */
static int hex_exact(const char *s, size_t slen, uint8_t *out, size_t n)
{
  size_t got = 0;
  if (slen != 2 * n || sodium_hex2bin(out, n, s, slen, NULL, &got, NULL) != 0 || got != n)
    return -1;
  return 0;
}

/* One "name = value" line (value optionally in double quotes), trimmed in
 * place. Returns 0 or -1 when it is not such a line. */
static int key_line(char *line, char **name, char **value, size_t *vlen)
{
  char *eq = strchr(line, '=');
  if (!eq)
    return -1;
  *eq = '\0';
  char *n = line, *v = eq + 1, *end = eq;
  while (*n == ' ' || *n == '\t')
    n++;
  while (end > n && (end[-1] == ' ' || end[-1] == '\t'))
    *--end = '\0';
  while (*v == ' ' || *v == '\t')
    v++;
  end = v + strlen(v);
  while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    *--end = '\0';
  if (end - v >= 2 && *v == '"' && end[-1] == '"') {
    v++;
    *--end = '\0';
  }
  *name = n;
  *value = v;
  *vlen = (size_t)(end - v);
  return 0;
}

/* Parses the NUL-terminated text t (modified). */
static int key_text_parse(char *t, int need_secret, uint8_t pk[HB_SIGN_PUBLIC_LEN],
                          uint8_t sk[HB_SIGN_SECRET_LEN], char *why, size_t whylen)
{
  int have_pk = 0, have_sk = 0, lineno = 0;
  uint8_t secret[HB_SIGN_SECRET_LEN];
  for (char *line = t, *next; line; line = next) {
    lineno++;
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    char *p = line;
    while (*p == ' ' || *p == '\t' || *p == '\r')
      p++;
    if (*p == '\0' || *p == '#')
      continue;
    char *name, *value;
    size_t vlen;
    if (key_line(p, &name, &value, &vlen) != 0) {
      snprintf(why, whylen, "第%d行: 不是 名称 = 值 (line %d: not name = value)", lineno, lineno);
      return HB_EPARSE;
    }
    if (strcmp(name, "public-key") == 0 && !have_pk) {
      if (hex_exact(value, vlen, pk, HB_SIGN_PUBLIC_LEN) != 0)
        goto bad_value;
      have_pk = 1;
    } else if (strcmp(name, "secret-key") == 0 && !have_sk) {
      if (hex_exact(value, vlen, secret, HB_SIGN_SECRET_LEN) != 0)
        goto bad_value;
      have_sk = 1;
    } else {
      snprintf(why, whylen, "第%d行: 未知或重复的项 (line %d: unknown or repeated name '%.40s')",
               lineno, lineno, name);
      return HB_EPARSE;
    }
    continue;
  bad_value:
    snprintf(why, whylen, "第%d行: %s 不是%d位十六进制数 (line %d: %s is not %d hex digits)",
             lineno, name, strcmp(name, "public-key") == 0 ? 64 : 128, lineno, name,
             strcmp(name, "public-key") == 0 ? 64 : 128);
    return HB_EPARSE;
  }
  if (!have_pk || (need_secret && !have_sk)) {
    snprintf(why, whylen, "缺少 %s (no %s line)", have_pk ? "secret-key" : "public-key",
             have_pk ? "secret-key" : "public-key");
    return HB_EPARSE;
  }
  if (have_sk) {
    uint8_t derived[HB_SIGN_PUBLIC_LEN];
    crypto_sign_ed25519_sk_to_pk(derived, secret);
    if (memcmp(derived, pk, sizeof derived) != 0) {
      snprintf(why, whylen, "公钥与私钥不配对 (public-key is not the secret-key's public half)");
      sodium_memzero(secret, sizeof secret);
      return HB_EPARSE;
    }
    if (sk)
      memcpy(sk, secret, sizeof secret);
    sodium_memzero(secret, sizeof secret);
  }
  return 0;
}

int hb_sign_key_parse(const char *bytes, size_t len, int need_secret,
                      uint8_t pk[HB_SIGN_PUBLIC_LEN], uint8_t sk[HB_SIGN_SECRET_LEN], char *why,
                      size_t whylen)
{
  if (sodium_init() < 0) {
    snprintf(why, whylen, "libsodium: sodium_init failed");
    return HB_EINVAL;
  }
  if (len > HB_SIGN_FILE_MAX) {
    snprintf(why, whylen, "文件过大 (file larger than %d bytes)", HB_SIGN_FILE_MAX);
    return HB_EPARSE;
  }
  if (memchr(bytes, '\0', len)) {
    snprintf(why, whylen, "含NUL字节 (a NUL byte: not a key file)");
    return HB_EPARSE;
  }
  char t[HB_SIGN_FILE_MAX + 1];
  memcpy(t, bytes, len);
  t[len] = '\0';
  int rc = key_text_parse(t, need_secret, pk, sk, why, whylen);
  sodium_memzero(t, sizeof t);
  return rc;
}

/* Reads path (at most HB_SIGN_FILE_MAX bytes) and parses it; *mode gets
 * its mode. */
static int key_file_read(const char *path, int need_secret, uint8_t pk[HB_SIGN_PUBLIC_LEN],
                         uint8_t sk[HB_SIGN_SECRET_LEN], mode_t *mode, char *err, size_t errlen)
{
  char *text = NULL;
  size_t len = 0;
  char why[300];
  int rc = hb_file_read(path, HB_SIGN_FILE_MAX, &text, &len, why, sizeof why);
  if (rc) {
    snprintf(err, errlen, "%s", why);
    return rc;
  }
  struct stat st;
  *mode = stat(path, &st) == 0 ? st.st_mode : 0;
  rc = hb_sign_key_parse(text, len, need_secret, pk, sk, why, sizeof why);
  sodium_memzero(text, len);
  free(text);
  if (rc)
    snprintf(err, errlen, "%s: %s", path, why);
  return rc;
}

int hb_sign_secret_read(const char *path, uint8_t sk[HB_SIGN_SECRET_LEN], char *err, size_t errlen)
{
  uint8_t pk[HB_SIGN_PUBLIC_LEN];
  mode_t mode = 0;
  int rc = key_file_read(path, 1, pk, sk, &mode, err, errlen);
  if (rc)
    return rc;
#ifndef _WIN32
  if (mode & 077) {
    snprintf(err, errlen,
             "%s: 私钥文件他人可读 (secret key file is readable by others, mode %03o): "
             "chmod 600 it",
             path, (unsigned)(mode & 0777));
    sodium_memzero(sk, HB_SIGN_SECRET_LEN);
    return HB_EINVAL;
  }
#endif
  return 0;
}

static int entry_cmp(const void *a, const void *b)
{
  return strcmp(((const sign_entry *)a)->unit, ((const sign_entry *)b)->unit);
}

/* Adds dir/name (a UNIT.sign file, ulen bytes of unit code) to r. */
static int registry_add(hb_sign_registry *r, size_t *cap, const char *dir, const char *name,
                        size_t ulen, char *err, size_t errlen)
{
  char unit[65], path[4096];
  if (ulen == 0 || ulen > 64) {
    snprintf(err, errlen, "%s/%s: 单位代码无效 (not a unit code)", dir, name);
    return HB_EPARSE;
  }
  memcpy(unit, name, ulen);
  unit[ulen] = '\0';
  if (!hb_unit_code_valid(unit)) {
    snprintf(err, errlen, "%s/%s: 单位代码无效 (not a unit code)", dir, name);
    return HB_EPARSE;
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (r->count == *cap) {
    size_t n = *cap ? *cap * 2 : 16;
    sign_entry *grown = realloc(r->items, n * sizeof *grown);
    if (!grown)
      return HB_ENOMEM;
    r->items = grown;
    *cap = n;
  }
  sign_entry *e = &r->items[r->count];
  mode_t mode;
  int rc = key_file_read(path, 0, e->pk, NULL, &mode, err, errlen);
  if (rc)
    return rc;
  memcpy(e->unit, unit, ulen + 1);
  r->count++;
  return 0;
}

int hb_sign_registry_load(hb_sign_registry **out, const char *dir, char *err, size_t errlen)
{
  *out = NULL;
  hb_sign_registry *r = calloc(1, sizeof *r);
  if (!r)
    return HB_ENOMEM;
  DIR *d = opendir(dir);
  if (!d) {
    snprintf(err, errlen, "%s: 无法读取密钥目录 (cannot read the key folder: %s)", dir,
             strerror(errno));
    free(r);
    return HB_ENOTFOUND;
  }
  size_t cap = 0;
  int rc = 0;
  struct dirent *e;
  while (rc == 0 && (e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n > 5 && strcmp(e->d_name + n - 5, ".sign") == 0)
      rc = registry_add(r, &cap, dir, e->d_name, n - 5, err, errlen);
  }
  closedir(d);
  if (rc) {
    hb_sign_registry_free(r);
    return rc;
  }
  if (r->count > 1) /* qsort's array may be NULL when empty */
    qsort(r->items, r->count, sizeof *r->items, entry_cmp);
  *out = r;
  return 0;
}

const uint8_t *hb_sign_registry_key(const hb_sign_registry *r, const char *unit)
{
  if (!r || !unit || r->count == 0)
    return NULL;
  sign_entry k;
  size_t n = strlen(unit);
  if (n > 64)
    return NULL;
  memcpy(k.unit, unit, n + 1);
  const sign_entry *e = bsearch(&k, r->items, r->count, sizeof *r->items, entry_cmp);
  return e ? e->pk : NULL;
}

size_t hb_sign_registry_count(const hb_sign_registry *r)
{
  return r ? r->count : 0;
}

void hb_sign_registry_free(hb_sign_registry *r)
{
  if (!r)
    return;
  free(r->items);
  free(r);
}

int hb_sign_keypair_write(const char *dir, const char *name, char *err, size_t errlen)
{
  if (sodium_init() < 0) {
    snprintf(err, errlen, "libsodium: sodium_init failed");
    return HB_EINVAL;
  }
  char pub[4096], sec[4096];
  snprintf(pub, sizeof pub, "%s/%s.sign", dir, name);
  snprintf(sec, sizeof sec, "%s/%s.sign_secret", dir, name);
  if (access(pub, F_OK) == 0 || access(sec, F_OK) == 0) {
    snprintf(err, errlen, "%s or %s exists already: not overwriting a key", pub, sec);
    return HB_EINVAL;
  }
  uint8_t pk[HB_SIGN_PUBLIC_LEN], sk[HB_SIGN_SECRET_LEN];
  char pkx[2 * HB_SIGN_PUBLIC_LEN + 1], skx[2 * HB_SIGN_SECRET_LEN + 1], text[1024];
  crypto_sign_keypair(pk, sk);
  sodium_bin2hex(pkx, sizeof pkx, pk, sizeof pk);
  sodium_bin2hex(skx, sizeof skx, sk, sizeof sk);
  int n = snprintf(text, sizeof text,
                   "# huibao signing key (Ed25519) of %s: SECRET, stays on the unit's computer\n"
                   "# (docs/security.md \"Signed records\")\n"
                   "public-key = \"%s\"\nsecret-key = \"%s\"\n",
                   name, pkx, skx);
  int rc = hb_file_write_atomic(sec, text, (size_t)n, 0600);
  sodium_memzero(text, sizeof text);
  sodium_memzero(skx, sizeof skx);
  sodium_memzero(sk, sizeof sk);
  if (rc != HB_OK) {
    snprintf(err, errlen, "write %s: %s", sec, strerror(errno));
    return rc;
  }
  n = snprintf(text, sizeof text,
               "# huibao signing key (Ed25519) of %s: public half, for the county's and the\n"
               "# city's unit keys folders (docs/security.md \"Signed records\")\n"
               "public-key = \"%s\"\n",
               name, pkx);
  rc = hb_file_write_atomic(pub, text, (size_t)n, 0644);
  if (rc != HB_OK)
    snprintf(err, errlen, "write %s: %s", pub, strerror(errno));
  return rc;
}

int hb_sign_path_beside(const char *cert_path, char *out, size_t outlen)
{
  static const char tail[] = ".key_secret", cred[] = "key_secret";
  size_t n = strlen(cert_path), t = sizeof tail - 1, c = sizeof cred - 1;
  int w;
  if (n >= c && strcmp(cert_path + n - c, cred) == 0 &&
      (n == c || cert_path[n - c - 1] == '/' || cert_path[n - c - 1] == '\\')) {
    /* systemd's credential (huibao-agent@.service): sign_secret beside it */
    w = snprintf(out, outlen, "%.*ssign_secret", (int)(n - c), cert_path);
    return w < 0 || (size_t)w >= outlen ? HB_ETOOBIG : 0;
  }
  if (n >= t && strcmp(cert_path + n - t, tail) == 0)
    n -= t;
  w = snprintf(out, outlen, "%.*s.sign_secret", (int)n, cert_path);
  return w < 0 || (size_t)w >= outlen ? HB_ETOOBIG : 0;
}
