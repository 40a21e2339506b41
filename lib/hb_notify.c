/* hb_notify.c: sd_notify for Type=notify services. */
#include "hb_notify.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

static void notify(const char *state)
{
  /* unset_environment = 0: a reload or a child may need NOTIFY_SOCKET again */
  if (getenv("NOTIFY_SOCKET"))
    sd_notify(0, state);
}

static void notify_with_status(const char *state, const char *status)
{
  char msg[1024];
  if (status)
    snprintf(msg, sizeof msg, "%s%sSTATUS=%s", state, state[0] ? "\n" : "", status);
  else
    snprintf(msg, sizeof msg, "%s", state);
  notify(msg);
}

void hb_notify_ready(const char *status)
{
  notify_with_status("READY=1", status);
}

static unsigned long long mono_usec(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull;
}

void hb_notify_reloading(void)
{
  char msg[96];
  snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu", mono_usec());
  notify_with_status(msg, "reloading units, campaigns and keys");
}

void hb_notify_stopping(void)
{
  notify_with_status("STOPPING=1", "stopping");
}

void hb_notify_status(const char *status)
{
  notify_with_status("", status);
}

int hb_notify_watchdog(int timeout_ms)
{
  static int checked;
  static unsigned long long interval_us, last_us;
  if (!checked) {
    checked = 1;
    uint64_t us = 0;
    if (getenv("NOTIFY_SOCKET") && sd_watchdog_enabled(0, &us) > 0)
      interval_us = us;
  }
  if (!interval_us)
    return timeout_ms;
  unsigned long long now = mono_usec(), half = interval_us / 2;
  if (last_us == 0 || now - last_us >= half) {
    notify("WATCHDOG=1");
    last_us = now;
  }
  long long left_ms = (long long)((last_us + half - now) / 1000ull);
  if (left_ms < 1)
    left_ms = 1;
  return timeout_ms < 0 || timeout_ms > left_ms ? (int)left_ms : timeout_ms;
}
