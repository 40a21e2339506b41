/* hb_platform.c: see hb_platform.h. */
#include "hb_platform.h"

#include <stdio.h>

#ifndef _WIN32

void hb_platform_init(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
}

int hb_platform_ledger_busy(const char *ledger, char *msg, size_t len)
{
  (void)ledger;
  if (len)
    msg[0] = '\0';
  return 0;
}

#else /* _WIN32 */

#include <windows.h>

#include <shellapi.h>
#include <stdlib.h>
#include <string.h>

#include "hb_ledger.h"

static char *utf8(const wchar_t *w)
{
  int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
  char *s = n > 0 ? malloc((size_t)n) : NULL;
  if (s)
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
  return s;
}

static UINT console_cp; /* the console's output code page before ours */

static void console_restore(void)
{
  if (console_cp)
    SetConsoleOutputCP(console_cp);
}

void hb_platform_init(int *argc, char ***argv)
{
  /* UTF-8 while this program runs; the cmd.exe it ran in gets its own code
   * page (936 on a Chinese Windows) back at exit. */
  console_cp = GetConsoleOutputCP();
  if (console_cp && console_cp != CP_UTF8 && SetConsoleOutputCP(CP_UTF8))
    atexit(console_restore);
  int n = 0;
  wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &n);
  if (!wargv || n < 1)
    return; /* keep the C runtime's argv */
  char **a = calloc((size_t)n + 1, sizeof *a);
  if (!a)
    return;
  for (int i = 0; i < n; i++) {
    if (!(a[i] = utf8(wargv[i]))) {
      for (int j = 0; j < i; j++)
        free(a[j]);
      free(a);
      LocalFree(wargv);
      return;
    }
  }
  LocalFree(wargv);
  *argc = n;
  *argv = a;
}

/* 1 when path exists and another program's share mode denies reading it. */
static int file_locked(const char *path)
{
  int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
  wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
  if (!w)
    return 0;
  MultiByteToWideChar(CP_UTF8, 0, path, -1, w, n);
  HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                         NULL, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
  DWORD e = h == INVALID_HANDLE_VALUE ? GetLastError() : 0;
  free(w);
  if (h != INVALID_HANDLE_VALUE)
    CloseHandle(h);
  return e == ERROR_SHARING_VIOLATION || e == ERROR_LOCK_VIOLATION;
}

int hb_platform_ledger_busy(const char *ledger, char *msg, size_t len)
{
  static const char *const files[] = {HB_LEDGER_ACTIVITIES, HB_LEDGER_PROBLEMS};
  char path[4096];
  const char *busy = NULL;
  if (hb_ledger_is_xlsx(ledger)) {
    if (file_locked(ledger))
      busy = ledger;
  } else {
    for (size_t i = 0; i < sizeof files / sizeof *files && !busy; i++) {
      snprintf(path, sizeof path, "%s/%s", ledger, files[i]);
      if (file_locked(path))
        busy = path;
    }
  }
  if (!busy) {
    if (len)
      msg[0] = '\0';
    return 0;
  }
  snprintf(msg, len,
           "台账 %s 正被其他程序（Excel、WPS）打开，无法读取：请保存并关闭后再同步，"
           "下次定时同步会自动重试，未报送的内容不会丢失 (the ledger is open in another "
           "program that locks it: save and close it; the next run retries, nothing is lost)",
           busy);
  return 1;
}

#endif
