/* hb_platform: what a program does differently on Windows (the agent's
 * Windows build, docs/platforms.md); on Linux every call is a no-op.
 *
 * The portable code keeps POSIX calls with UTF-8 paths: on Windows
 * lib/platform/win32/compat.h maps them to wide-character calls. What
 * cannot be mapped call by call is here. */
#ifndef HB_PLATFORM_H
#define HB_PLATFORM_H

#include <stddef.h>

/* First thing in main(). Windows: replaces *argv with the command line in
 * UTF-8 (from GetCommandLineW: a path with Chinese characters arrives
 * whatever the ANSI code page), and switches the console to UTF-8 output so
 * a Chinese cmd.exe shows the messages. The new argv lives until exit. */
void hb_platform_init(int *argc, char ***argv);

/* 1 when the ledger (a workbook, or a folder's activities.csv and
 * problems.csv) is held open by another program that denies reading it
 * (Excel and WPS lock a workbook, Excel a CSV file, while it is open on
 * Windows), with a message for the clerk in msg; else 0 (always 0 on Linux,
 * which has no such locks). */
int hb_platform_ledger_busy(const char *ledger, char *msg, size_t len);

#endif
