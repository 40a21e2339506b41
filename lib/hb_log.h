/* hb_log.h: the one logging module. Programs log; libraries return errors.
 *
 * One line per event on stderr: "huibao-aggregator[123]: warning: ..." .
 * Under systemd (JOURNAL_STREAM set) lines carry "<N>" syslog priority
 * prefixes instead, so journald files them at the right level. */
#ifndef HB_LOG_H
#define HB_LOG_H

enum { HB_LOG_ERR = 3, HB_LOG_WARNING = 4, HB_LOG_NOTICE = 5, HB_LOG_INFO = 6, HB_LOG_DEBUG = 7 };

/* Sets the program name and the most verbose level printed (default INFO). */
void hb_log_init(const char *program, int level);
void hb_log_set_level(int level);
/* Parses "error|warning|notice|info|debug"; -1 if unknown. */
int hb_log_level_parse(const char *s);

void hb_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct hb_diags;
/* Logs each diagnostic of d as one line ("file:line: column: reason") at
 * level: how a program reports the bad files a library left out. */
void hb_log_diags(int level, const struct hb_diags *d);

#define hb_log_err(...) hb_log(HB_LOG_ERR, __VA_ARGS__)
#define hb_log_warn(...) hb_log(HB_LOG_WARNING, __VA_ARGS__)
#define hb_log_notice(...) hb_log(HB_LOG_NOTICE, __VA_ARGS__)
#define hb_log_info(...) hb_log(HB_LOG_INFO, __VA_ARGS__)
#define hb_log_debug(...) hb_log(HB_LOG_DEBUG, __VA_ARGS__)

#endif
