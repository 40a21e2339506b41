/* compat.c: the POSIX calls of compat.h on Windows, with UTF-8 paths turned
 * into UTF-16 for the wide-character calls of the C runtime and Win32. */
#include <windows.h>

#include <stdarg.h>
#include <stdint.h>
#include <sys/statvfs.h>
#include <wchar.h>

/* the real calls below, not compat.h's names for them */
#undef fopen
#undef open
#undef stat
#undef fstat
#undef mkdir
#undef rename
#undef unlink
#undef fsync
#undef strndup
#undef clock_gettime

/* A malloc'd UTF-16 copy of a UTF-8 path, or NULL with errno set. */
static wchar_t *wide(const char *s)
{
  if (!s) {
    errno = EINVAL;
    return NULL;
  }
  int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
  if (n <= 0) {
    errno = EINVAL; /* not UTF-8 */
    return NULL;
  }
  wchar_t *w = malloc((size_t)n * sizeof *w);
  if (!w) {
    errno = ENOMEM;
    return NULL;
  }
  MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
  return w;
}

static int errno_of(DWORD e)
{
  switch (e) {
  case ERROR_FILE_NOT_FOUND:
  case ERROR_PATH_NOT_FOUND:
  case ERROR_INVALID_DRIVE: return ENOENT;
  case ERROR_ALREADY_EXISTS:
  case ERROR_FILE_EXISTS: return EEXIST;
  case ERROR_DISK_FULL:
  case ERROR_HANDLE_DISK_FULL: return ENOSPC;
  case ERROR_NOT_ENOUGH_MEMORY:
  case ERROR_OUTOFMEMORY: return ENOMEM;
  case ERROR_SHARING_VIOLATION:
  case ERROR_LOCK_VIOLATION: return EBUSY;
  default: return EACCES;
  }
}

FILE *hb_win_fopen(const char *path, const char *mode)
{
  wchar_t wmode[16];
  size_t n = 0;
  int binary = 0;
  for (const char *m = mode; *m && n < 13; m++) {
    binary |= *m == 'b' || *m == 't';
    if (*m != 'e') /* glibc's O_CLOEXEC flag */
      wmode[n++] = (wchar_t)(unsigned char)*m;
  }
  if (!binary)
    wmode[n++] = L'b'; /* as on Linux: no CRLF translation */
  wmode[n++] = L'N';   /* not inherited by child processes */
  wmode[n] = 0;
  wchar_t *w = wide(path);
  if (!w)
    return NULL;
  FILE *f = _wfopen(w, wmode);
  free(w);
  return f;
}

int hb_win_open(const char *path, int flags, ...)
{
  int mode = 0;
  if (flags & O_CREAT) {
    va_list ap;
    va_start(ap, flags);
    mode = va_arg(ap, int);
    va_end(ap);
  }
  if (flags & O_DIRECTORY) { /* folders are not opened (nor fsynced) here */
    errno = EISDIR;
    return -1;
  }
  wchar_t *w = wide(path);
  if (!w)
    return -1;
  int fd =
      _wopen(w, flags | _O_BINARY | _O_NOINHERIT, (mode & 0200) ? _S_IREAD | _S_IWRITE : _S_IREAD);
  free(w);
  return fd;
}

/* struct stat from the C runtime's 64-bit one. Windows keeps access rights
 * in ACLs, not mode bits: a file is reported as its owner's only (the
 * secret key check of hb_cert.c passes; the key folder's ACL is what
 * protects it, docs/platforms.md). */
static void stat_fill(struct stat *st, const struct _stat64 *s)
{
  memset(st, 0, sizeof *st);
  st->st_mode = (unsigned short)((s->st_mode & S_IFMT) | ((s->st_mode & S_IFDIR) ? 0700 : 0600));
  st->st_size = s->st_size > INT32_MAX ? INT32_MAX : (_off_t)s->st_size;
  st->st_mtime = (time_t)s->st_mtime;
  st->st_atime = (time_t)s->st_atime;
  st->st_ctime = (time_t)s->st_ctime;
  st->st_nlink = 1;
}

int hb_win_stat(const char *path, struct stat *st)
{
  wchar_t *w = wide(path);
  if (!w)
    return -1;
  struct _stat64 s;
  int rc = _wstat64(w, &s);
  free(w);
  if (rc != 0)
    return -1;
  stat_fill(st, &s);
  return 0;
}

int hb_win_fstat(int fd, struct stat *st)
{
  struct _stat64 s;
  if (_fstat64(fd, &s) != 0)
    return -1;
  stat_fill(st, &s);
  return 0;
}

static int is_dir(const wchar_t *w)
{
  DWORD a = GetFileAttributesW(w);
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

/* mkdir: also for "C:" and "C:\" (they exist), and with '\' separators
 * (hb_lmdb's mkdir_p splits at '/' only, so parents are made here). */
int hb_win_mkdir(const char *path, int mode)
{
  (void)mode;
  wchar_t *w = wide(path);
  if (!w)
    return -1;
  if (is_dir(w)) {
    free(w);
    errno = EEXIST;
    return -1;
  }
  for (wchar_t *p = w + 1; *p; p++) {
    if (*p != L'\\' && *p != L'/')
      continue;
    if (p[-1] == L':' || p[-1] == L'\\' || p[-1] == L'/')
      continue;
    wchar_t c = *p;
    *p = 0;
    if (!is_dir(w) && !CreateDirectoryW(w, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
      errno = errno_of(GetLastError());
      free(w);
      return -1;
    }
    *p = c;
  }
  int rc = CreateDirectoryW(w, NULL) ? 0 : -1;
  if (rc)
    errno = errno_of(GetLastError());
  free(w);
  return rc;
}

/* rename as POSIX has it: replaces the target, atomically on NTFS */
int hb_win_rename(const char *from, const char *to)
{
  wchar_t *wf = wide(from), *wt = wide(to);
  int rc = -1;
  if (wf && wt) {
    if (MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH))
      rc = 0;
    else
      errno = errno_of(GetLastError());
  }
  free(wf);
  free(wt);
  return rc;
}

int hb_win_unlink(const char *path)
{
  wchar_t *w = wide(path);
  if (!w)
    return -1;
  int rc = _wunlink(w);
  free(w);
  return rc;
}

int hb_win_fsync(int fd)
{
  return _commit(fd);
}

char *hb_win_strndup(const char *s, size_t n)
{
  size_t len = strnlen(s, n);
  char *d = malloc(len + 1);
  if (!d)
    return NULL;
  memcpy(d, s, len);
  d[len] = '\0';
  return d;
}

int hb_win_clock_gettime(int clock, struct timespec *ts)
{
  if (clock == CLOCK_MONOTONIC) {
    static LARGE_INTEGER freq;
    LARGE_INTEGER now;
    if (!freq.QuadPart)
      QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    ts->tv_sec = (time_t)(now.QuadPart / freq.QuadPart);
    ts->tv_nsec = (long)((now.QuadPart % freq.QuadPart) * 1000000000LL / freq.QuadPart);
    return 0;
  }
  FILETIME ft;
  GetSystemTimePreciseAsFileTime(&ft);
  uint64_t t = ((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime) - 116444736000000000ULL;
  ts->tv_sec = (time_t)(t / 10000000);
  ts->tv_nsec = (long)(t % 10000000) * 100;
  return 0;
}

int statvfs(const char *path, struct statvfs *out)
{
  wchar_t *w = wide(path);
  if (!w)
    return -1;
  ULARGE_INTEGER avail, total, free_;
  BOOL ok = GetDiskFreeSpaceExW(w, &avail, &total, &free_);
  free(w);
  if (!ok) {
    errno = errno_of(GetLastError());
    return -1;
  }
  memset(out, 0, sizeof *out);
  out->f_bsize = out->f_frsize = 1;
  out->f_blocks = total.QuadPart;
  out->f_bfree = free_.QuadPart;
  out->f_bavail = avail.QuadPart;
  return 0;
}
