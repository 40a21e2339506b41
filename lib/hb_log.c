/* hb_log.c: one line per event on stderr, journald-aware. */
#include "hb_log.h"

#include "hb_diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *log_program = "huibao";
static int log_level = HB_LOG_INFO;
static int log_journal = -1; /* -1 unknown, 0 plain, 1 journald prefixes */

static const char *const level_names[] = {
    [HB_LOG_ERR] = "error", [HB_LOG_WARNING] = "warning", [HB_LOG_NOTICE] = "notice",
    [HB_LOG_INFO] = "info", [HB_LOG_DEBUG] = "debug",
};

void hb_log_init(const char *program, int level)
{
  if (program)
    log_program = program;
  hb_log_set_level(level);
  log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void hb_log_set_level(int level)
{
  if (level >= HB_LOG_ERR && level <= HB_LOG_DEBUG)
    log_level = level;
}

int hb_log_level_parse(const char *s)
{
  for (int i = HB_LOG_ERR; i <= HB_LOG_DEBUG; i++)
    if (s && strcasecmp(s, level_names[i]) == 0)
      return i;
  if (s && strcasecmp(s, "warn") == 0)
    return HB_LOG_WARNING;
  return -1;
}

void hb_log(int level, const char *fmt, ...)
{
  if (level > log_level)
    return;
  if (level < HB_LOG_ERR)
    level = HB_LOG_ERR;
  if (log_journal < 0)
    log_journal = getenv("JOURNAL_STREAM") != NULL;

  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n' || *p == '\r')
      *p = ' '; /* one line per event */

  if (log_journal) {
    fprintf(stderr, "<%d>%s\n", level, msg);
  } else {
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ld %s[%ld]: %s: %s\n", when, ts.tv_nsec / 1000000L, log_program,
            (long)getpid(), level_names[level], msg);
  }
}

void hb_log_diags(int level, const hb_diags *d)
{
  for (size_t i = 0; i < d->count; i++) {
    char line[600];
    hb_diag_format(&d->items[i], line, sizeof line);
    hb_log(level, "%s", line);
  }
}
