/* hb_cert.c: zcert (ZPL) key files and the keyring of unit keys. */
#include "hb_cert.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "hb_err.h"
#include "hb_text.h"

#define CERT_FILE_MAX (64 * 1024)

static int z85_key_valid(const char *s)
{
  uint8_t bin[32];
  return strlen(s) == HB_Z85_KEY_LEN && zmq_z85_decode(bin, s) != NULL;
}

int hb_cert_generate(hb_cert *c, const char *name)
{
  memset(c, 0, sizeof *c);
  if (!zmq_has("curve"))
    return HB_EINVAL;
  if (zmq_curve_keypair(c->public_key, c->secret_key) != 0)
    return HB_EZMQ;
  snprintf(c->name, sizeof c->name, "%s", name ? name : "");
  return HB_OK;
}

static int cert_format(const hb_cert *c, int secret, char *buf, size_t len)
{
  char when[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
  return snprintf(buf, len,
                  "#   ****  Generated on %s by huibao-keygen  ****\n"
                  "#   ZeroMQ CURVE %s Certificate\n"
                  "#   %s\n"
                  "\n"
                  "metadata\n"
                  "    name = \"%s\"\n"
                  "curve\n"
                  "    public-key = \"%s\"\n"
                  "%s%s%s",
                  when, secret ? "**Secret**" : "Public",
                  secret ? "DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions."
                         : "Exchange securely, or use a secure mechanism to verify the contents",
                  c->name, c->public_key, secret ? "    secret-key = \"" : "",
                  secret ? c->secret_key : "", secret ? "\"\n" : "");
}

int hb_cert_write(const hb_cert *c, const char *dir, const char *name, char *err, size_t errlen)
{
  char pub[4096], sec[4096], text[2048];
  snprintf(pub, sizeof pub, "%s/%s.key", dir, name);
  snprintf(sec, sizeof sec, "%s/%s.key_secret", dir, name);
  if (access(pub, F_OK) == 0 || access(sec, F_OK) == 0) {
    snprintf(err, errlen, "%s or %s exists already: not overwriting a key", pub, sec);
    return HB_EINVAL;
  }
  int n = cert_format(c, 1, text, sizeof text);
  int rc = hb_file_write_atomic(sec, text, (size_t)n, 0600);
  if (rc != HB_OK) {
    snprintf(err, errlen, "write %s: %s", sec, strerror(errno));
    return rc;
  }
  n = cert_format(c, 0, text, sizeof text);
  rc = hb_file_write_atomic(pub, text, (size_t)n, 0644);
  if (rc != HB_OK)
    snprintf(err, errlen, "write %s: %s", pub, strerror(errno));
  return rc;
}

/* Parses one "key = "value"" line of ZPL into key/value (in place). */
static int zpl_pair(char *line, char **key, char **value)
{
  char *eq = strchr(line, '=');
  if (!eq)
    return -1;
  char *k = line, *v = eq + 1;
  *eq = '\0';
  while (*k == ' ' || *k == '\t')
    k++;
  char *end = k + strlen(k);
  while (end > k && (end[-1] == ' ' || end[-1] == '\t'))
    *--end = '\0';
  while (*v == ' ' || *v == '\t')
    v++;
  end = v + strlen(v);
  while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
    *--end = '\0';
  if ((*v == '"' || *v == '\'') && end - v >= 2 && end[-1] == *v) {
    end[-1] = '\0';
    v++;
  }
  *key = k;
  *value = v;
  return 0;
}

/* Parses text (NUL-terminated, len bytes before the NUL; modified in
 * place) into *out, which is zeroed. Checks everything but the file's mode
 * and whether the secret key matches the public one. */
static int cert_parse_text(const char *path, char *text, size_t len, int need_secret, hb_cert *out,
                           hb_diags *diags)
{
  if (memchr(text, '\0', len)) {
    hb_diags_add(diags, path, 0, NULL, "not a certificate: contains NUL bytes");
    return HB_EPARSE;
  }

  enum { SEC_NONE, SEC_METADATA, SEC_CURVE, SEC_OTHER } section = SEC_NONE;
  unsigned lineno = 0;
  int bad = 0;
  for (char *line = text, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    lineno++;
    char *p = line;
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '#' || *p == '\0' || *p == '\r')
      continue;
    int indented = p != line;
    if (!indented) {
      char name[32];
      snprintf(name, sizeof name, "%s", p);
      name[strcspn(name, " \t\r")] = '\0';
      section = strcmp(name, "metadata") == 0 ? SEC_METADATA
                : strcmp(name, "curve") == 0  ? SEC_CURVE
                                              : SEC_OTHER;
      continue;
    }
    char *key, *value;
    if (zpl_pair(p, &key, &value) != 0) {
      hb_diags_add(diags, path, lineno, NULL, "expected 'name = \"value\"'");
      bad = 1;
      continue;
    }
    if (section == SEC_METADATA && strcmp(key, "name") == 0) {
      snprintf(out->name, sizeof out->name, "%s", value);
    } else if (section == SEC_CURVE && strcmp(key, "public-key") == 0) {
      if (!z85_key_valid(value)) {
        hb_diags_add(diags, path, lineno, "public-key", "not a Z85 key of 40 characters");
        bad = 1;
      } else {
        memcpy(out->public_key, value, HB_Z85_KEY_LEN + 1);
      }
    } else if (section == SEC_CURVE && strcmp(key, "secret-key") == 0) {
      if (!z85_key_valid(value)) {
        hb_diags_add(diags, path, lineno, "secret-key", "not a Z85 key of 40 characters");
        bad = 1;
      } else {
        memcpy(out->secret_key, value, HB_Z85_KEY_LEN + 1);
      }
    }
  }
  if (bad)
    return HB_EINVAL;
  if (!out->public_key[0]) {
    hb_diags_add(diags, path, 0, "public-key", "no curve public-key in this file");
    return HB_EINVAL;
  }
  if (need_secret && !out->secret_key[0]) {
    hb_diags_add(diags, path, 0, "secret-key",
                 "no curve secret-key: give the NAME.key_secret file, not NAME.key");
    return HB_EINVAL;
  }
  return HB_OK;
}

static int cert_check_pair(const char *path, const hb_cert *c, hb_diags *diags)
{
  if (c->secret_key[0]) {
    char derived[HB_Z85_KEY_LEN + 1];
    if (zmq_curve_public(derived, c->secret_key) != 0 || strcmp(derived, c->public_key)) {
      hb_diags_add(diags, path, 0, "secret-key", "secret and public key do not belong together");
      return HB_EINVAL;
    }
  }
  return HB_OK;
}

int hb_cert_parse(const char *path, const char *bytes, size_t len, int need_secret, hb_cert *out,
                  hb_diags *diags)
{
  memset(out, 0, sizeof *out);
  if (len > CERT_FILE_MAX) {
    hb_diags_add(diags, path, 0, NULL, "文件过大 (file larger than %d bytes)", CERT_FILE_MAX);
    return HB_ETOOBIG;
  }
  char *text = malloc(len + 1);
  if (!text)
    return HB_ENOMEM;
  if (len)
    memcpy(text, bytes, len);
  text[len] = '\0';
  int rc = cert_parse_text(path, text, len, need_secret, out, diags);
  free(text);
  return rc != HB_OK ? rc : cert_check_pair(path, out, diags);
}

/* Reads a key file: only a regular file. A FIFO or a device named as a
 * key (by mistake or by someone who can write the key folder) would block
 * open() or read() forever, and a start-up or SIGHUP with it: the open
 * does not wait (O_NONBLOCK), fstat says what it is, and anything but a
 * regular file is refused. *mode gets the file's mode. */
static int cert_file_read(const char *path, char **text, size_t *len, mode_t *mode, hb_diags *diags)
{
  *text = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    hb_diags_add(diags, path, 0, NULL, "%s: %s", path, strerror(e));
    return e == ENOENT || e == ENOTDIR ? HB_ENOTFOUND : HB_EIO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int e = errno;
    if (S_ISREG(st.st_mode))
      hb_diags_add(diags, path, 0, NULL, "%s: %s", path, strerror(e));
    else
      hb_diags_add(diags, path, 0, NULL, "not a regular file (%s): a key must be a file",
                   S_ISFIFO(st.st_mode)                         ? "a FIFO"
                   : S_ISDIR(st.st_mode)                        ? "a directory"
                   : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                : "not a file");
    close(fd);
    return HB_EINVAL;
  }
  *mode = st.st_mode;
  if (st.st_size > CERT_FILE_MAX) {
    hb_diags_add(diags, path, 0, NULL, "文件过大 (file larger than %d bytes)", CERT_FILE_MAX);
    close(fd);
    return HB_ETOOBIG;
  }
  char *buf = malloc(CERT_FILE_MAX + 2);
  if (!buf) {
    close(fd);
    return HB_ENOMEM;
  }
  size_t n = 0;
  while (n <= CERT_FILE_MAX) {
    ssize_t r = read(fd, buf + n, CERT_FILE_MAX + 1 - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      hb_diags_add(diags, path, 0, NULL, "%s: %s", path, strerror(errno));
      free(buf);
      close(fd);
      return HB_EIO;
    }
    if (r == 0)
      break;
    n += (size_t)r;
  }
  close(fd);
  if (n > CERT_FILE_MAX) {
    hb_diags_add(diags, path, 0, NULL, "文件过大 (file larger than %d bytes)", CERT_FILE_MAX);
    free(buf);
    return HB_ETOOBIG;
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return HB_OK;
}

int hb_cert_read(const char *path, int need_secret, hb_cert *out, hb_diags *diags)
{
  memset(out, 0, sizeof *out);
  char *text = NULL;
  size_t len;
  mode_t mode = 0;
  int rc = cert_file_read(path, &text, &len, &mode, diags);
  if (rc != HB_OK)
    return rc;
  rc = cert_parse_text(path, text, len, need_secret, out, diags);
  free(text);
  if (rc != HB_OK)
    return rc;
  if (out->secret_key[0] && (mode & 077)) {
    hb_diags_add(diags, path, 0, NULL,
                 "secret key file is readable by others (mode %03o): chmod 600 it",
                 (unsigned)(mode & 0777));
    return HB_EINVAL;
  }
  return cert_check_pair(path, out, diags);
}

static int entry_cmp(const void *a, const void *b)
{
  return strcmp(((const hb_keyring_entry *)a)->public_key,
                ((const hb_keyring_entry *)b)->public_key);
}

int hb_keyring_load(const char *dir, hb_keyring *out, hb_diags *diags)
{
  memset(out, 0, sizeof *out);
  DIR *d = opendir(dir);
  if (!d) {
    hb_diags_add(diags, dir, 0, NULL, "cannot read key folder: %s", strerror(errno));
    return HB_ENOTFOUND;
  }
  int bad = 0;
  size_t cap = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n <= 4 || strcmp(e->d_name + n - 4, ".key") != 0)
      continue;
    if (n - 4 > 64) {
      hb_diags_add(diags, e->d_name, 0, NULL, "unit code in file name longer than 64 bytes");
      bad = 1;
      continue;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    hb_cert c;
    if (hb_cert_read(path, 0, &c, diags) != HB_OK) {
      bad = 1;
      continue;
    }
    if (out->count == cap) {
      cap = cap ? cap * 2 : 16;
      hb_keyring_entry *grown = realloc(out->items, cap * sizeof *grown);
      if (!grown) {
        closedir(d);
        return HB_ENOMEM;
      }
      out->items = grown;
    }
    hb_keyring_entry *k = &out->items[out->count++];
    memcpy(k->code, e->d_name, n - 4);
    k->code[n - 4] = '\0';
    memcpy(k->public_key, c.public_key, sizeof k->public_key);
  }
  closedir(d);
  if (out->count > 1) /* qsort's array may be NULL when empty */
    qsort(out->items, out->count, sizeof *out->items, entry_cmp);
  for (size_t i = 1; i < out->count; i++) {
    if (strcmp(out->items[i - 1].public_key, out->items[i].public_key) == 0) {
      hb_diags_add(diags, dir, 0, NULL, "units %s and %s have the same public key",
                   out->items[i - 1].code, out->items[i].code);
      bad = 1;
    }
  }
  return bad ? HB_EINVAL : HB_OK;
}

void hb_keyring_free(hb_keyring *k)
{
  free(k->items);
  k->items = NULL;
  k->count = 0;
}

const char *hb_keyring_find(const hb_keyring *k, const char *public_key_z85)
{
  hb_keyring_entry key;
  snprintf(key.public_key, sizeof key.public_key, "%s", public_key_z85);
  const hb_keyring_entry *e =
      k->items ? bsearch(&key, k->items, k->count, sizeof key, entry_cmp) : NULL;
  return e ? e->code : NULL;
}
