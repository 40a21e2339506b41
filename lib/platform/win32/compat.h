/* compat.h: the POSIX calls huibao's agent makes, on Windows (mingw-w64).
 *
 * Force-included in every file of the Windows build (lib/CMakeLists.txt:
 * -include), so the portable code keeps calling open(), fopen(), stat(),
 * mkdir(), rename() with UTF-8 paths as on Linux; here they become the
 * wide-character (UTF-16) Windows calls, so a path with Chinese characters
 * works whatever the system's ANSI code page (GBK on a Chinese Windows).
 * Files are opened in binary mode (no CRLF translation) and shared for
 * reading and writing as on Linux. Not included on Linux. */
#ifndef HB_WIN32_COMPAT_H
#define HB_WIN32_COMPAT_H
#ifdef _WIN32

/* mingw-w64's C99 printf family (%zu, %lld), not msvcrt's. GCC checks a
 * format(printf) attribute against msvcrt's printf there (no %zu): those
 * checks are off on Windows; the Linux build makes them all. */
#ifndef __USE_MINGW_ANSI_STDIO
#define __USE_MINGW_ANSI_STDIO 1
#endif
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"

#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* errno values POSIX has and the Windows C runtime lacks (distinct from
 * every value of mingw-w64's errno.h) */
#ifndef EDQUOT
#define EDQUOT 200
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC 0 /* handles are opened not inheritable (_O_NOINHERIT) */
#endif
#ifndef O_NONBLOCK
#define O_NONBLOCK 0 /* no FIFOs by path on Windows: opening never blocks */
#endif
#ifndef O_NOCTTY
#define O_NOCTTY 0
#endif
#ifndef O_DIRECTORY
#define O_DIRECTORY 0x40000000 /* open() fails on it: folders are not fsynced */
#endif

FILE *hb_win_fopen(const char *path, const char *mode);
int hb_win_open(const char *path, int flags, ...);
int hb_win_stat(const char *path, struct stat *st);
int hb_win_fstat(int fd, struct stat *st);
int hb_win_mkdir(const char *path, int mode);
int hb_win_rename(const char *from, const char *to);
int hb_win_unlink(const char *path);
int hb_win_fsync(int fd);
char *hb_win_strndup(const char *s, size_t n);

#define fopen hb_win_fopen
#define fopen64 hb_win_fopen /* minizip's, in libxlsxwriter (win64-deps.sh) */
#define open hb_win_open
#define stat(path, st) hb_win_stat(path, st)
#define fstat(fd, st) hb_win_fstat(fd, st)
#define mkdir(path, mode) hb_win_mkdir(path, mode)
#define rename hb_win_rename
#define unlink hb_win_unlink
#define fsync hb_win_fsync
#define strndup hb_win_strndup

/* Signals: the C runtime has signal() for SIGINT (Ctrl+C) and SIGTERM. */
#ifndef SA_RESTART
struct sigaction {
  void (*sa_handler)(int);
  int sa_mask;
  int sa_flags;
};
static inline int sigemptyset(int *set)
{
  *set = 0;
  return 0;
}
static inline int sigaction(int sig, const struct sigaction *sa, struct sigaction *old)
{
  (void)old;
  return signal(sig, sa->sa_handler) == SIG_ERR ? -1 : 0;
}
#endif

/* Clocks (the win32 thread model of Debian's mingw-w64 has no winpthreads'
 * clock_gettime): the system time in 100 ns steps, QueryPerformanceCounter. */
#ifndef CLOCK_REALTIME
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#endif
int hb_win_clock_gettime(int clock, struct timespec *ts);
#define clock_gettime hb_win_clock_gettime

#endif /* _WIN32 */
#endif
