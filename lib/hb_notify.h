/* hb_notify.h: telling systemd how a Type=notify service is doing
 * (sd_notify(3)): READY=1, RELOADING=1, STOPPING=1, WATCHDOG=1, STATUS=.
 *
 * Every call is a no-op when the program was not started by systemd
 * (NOTIFY_SOCKET unset), so programs call them unconditionally. Errors of
 * sd_notify are ignored: the service works the same without them. */
#ifndef HB_NOTIFY_H
#define HB_NOTIFY_H

/* READY=1 with a STATUS= line (status may be NULL): after every socket is
 * bound, and after a reload. */
void hb_notify_ready(const char *status);
/* RELOADING=1 (with MONOTONIC_USEC=, which newer systemd wants): before
 * re-reading the configuration on SIGHUP; follow with hb_notify_ready. */
void hb_notify_reloading(void);
/* STOPPING=1: the service is shutting down. */
void hb_notify_stopping(void);
/* STATUS=text (one line, shown by `systemctl status`). */
void hb_notify_status(const char *status);

/* When systemd set a watchdog (WATCHDOG_USEC, for this process), sends
 * WATCHDOG=1 if half the interval passed since the last one. Returns
 * timeout_ms lowered, if need be, so that a poll waiting that long wakes up
 * before the next WATCHDOG=1 is due. Call it from the main loop, never from
 * another thread: a stuck loop must stop the pings. */
int hb_notify_watchdog(int timeout_ms);

#endif
