/* feedback_text.c: the county's decisions as lines and as 县级反馈.csv. */
#include "feedback_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hb_csv.h"
#include "hb_err.h"
#include "hb_review.h"
#include "hb_wire.h"

/* 活动 or 问题, by the records key byte. */
static const char *kind_zh(const char *kind)
{
  return kind && strcmp(kind, "A") == 0 ? "活动" : "问题";
}

static const char *action_zh(int action)
{
  const char *w =
      action >= 1 && action <= HB_ACTION_MAX ? hb_review_action_zh((hb_review_action)action) : NULL;
  return w ? w : "?";
}

/* The decision's time in local time (zeroed when it cannot be told). */
static struct tm local_of(int64_t at_s)
{
  struct tm tm;
  time_t t = (time_t)at_s;
  if (!localtime_r(&t, &tm))
    memset(&tm, 0, sizeof tm);
  return tm;
}

int agent_feedback_text_line(char *buf, size_t len, const Huibao__V1__Decision *d)
{
  struct tm tm = local_of(d->at_s);
  int has_reason = d->reason && *d->reason;
  return snprintf(buf, len, "县里%s %s %s%s%s（审核人 %s，%d月%d日）", action_zh(d->action),
                  kind_zh(d->kind), d->id, has_reason ? "：" : "", has_reason ? d->reason : "",
                  d->reviewer, tm.tm_mon + 1, tm.tm_mday);
}

/* Makes room for more bytes after t->len (the one growing buffer of the
 * code base, hb_wire_buf). */
static int text_room(hb_wire_buf *t, size_t more)
{
  return more > SIZE_MAX / 4 - t->len ? HB_ENOMEM : hb_wire_buf_reserve(t, t->len + more);
}

static int text_raw(hb_wire_buf *t, const char *s)
{
  size_t n = strlen(s);
  if (text_room(t, n))
    return HB_ENOMEM;
  memcpy(t->data + t->len, s, n);
  t->len += n;
  return 0;
}

/* One field; sep is written before it (NULL for the first of a row). */
static int text_field(hb_wire_buf *t, const char *sep, const char *s)
{
  if (!s)
    s = "";
  if ((sep && text_raw(t, sep)) || text_room(t, HB_CSV_FIELD_ROOM(strlen(s))))
    return HB_ENOMEM;
  t->len += hb_csv_field_put((char *)t->data + t->len, s);
  return 0;
}

static int csv_row(hb_wire_buf *t, const Huibao__V1__Decision *d)
{
  struct tm tm = local_of(d->at_s);
  char when[80];
  snprintf(when, sizeof when, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min);
  if (text_field(t, NULL, kind_zh(d->kind)) || text_field(t, ",", d->id) ||
      text_field(t, ",", action_zh(d->action)) || text_field(t, ",", d->reason) ||
      text_field(t, ",", d->reviewer) || text_field(t, ",", when) || text_raw(t, "\r\n"))
    return HB_ENOMEM;
  return 0;
}

int agent_feedback_text_csv(Huibao__V1__Decision *const *d, size_t n, char **out, size_t *len)
{
  hb_wire_buf t = {0};
  int rc = text_raw(&t, "\xEF\xBB\xBF台账,编号,结果,原因,审核人,时间\r\n");
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = csv_row(&t, d[i]);
  if (rc) {
    free(t.data);
    return rc;
  }
  *out = (char *)t.data;
  *len = t.len;
  return 0;
}

int agent_feedback_text_csv_path(const char *ledger, int is_workbook, char **out)
{
  size_t dirlen = strlen(ledger);
  const char *sep = "/";
  if (is_workbook) {
    const char *slash = strrchr(ledger, '/');
#ifdef _WIN32
    const char *back = strrchr(ledger, '\\');
    if (back && (!slash || back > slash))
      slash = back;
#endif
    dirlen = slash ? (size_t)(slash - ledger) + 1 : 0; /* with its separator */
    sep = "";
  }
  size_t n = dirlen + strlen(sep) + sizeof AGENT_FEEDBACK_CSV;
  char *p = malloc(n);
  if (!p)
    return HB_ENOMEM;
  snprintf(p, n, "%.*s%s%s", (int)dirlen, ledger, sep, AGENT_FEEDBACK_CSV);
  *out = p;
  return 0;
}
