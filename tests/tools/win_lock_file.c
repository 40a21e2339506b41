/* hb-lock-file.exe FILE SECONDS: opens FILE as Excel and WPS do while a
 * workbook is open (no sharing: nobody else may read it), prints "locked",
 * and holds it for SECONDS or until its standard input closes. For
 * tests/integration/test_windows.py under Wine. */
#include <windows.h>

#include <stdio.h>
#include <wchar.h>

int wmain(int argc, wchar_t **argv)
{
  if (argc != 3) {
    fputs("usage: hb-lock-file FILE SECONDS\n", stderr);
    return 64;
  }
  HANDLE h = CreateFileW(argv[1], GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, NULL);
  if (h == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "hb-lock-file: cannot open: error %lu\n", GetLastError());
    return 66;
  }
  puts("locked");
  fflush(stdout);
  Sleep((DWORD)_wtoi(argv[2]) * 1000);
  CloseHandle(h);
  return 0;
}
