/* report.c: the agent's messages for the clerk. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "hb_err.h"
#include "kinds.h"

struct agent_line_ref {
  char kind;
  const char *id;
  unsigned line;
};

const char *agent_report_file(char kind)
{
  const agent_kind *k = agent_kind_of_byte(kind);
  return k ? k->file : HB_LEDGER_ACTIVITIES;
}

int agent_report_place(char *buf, size_t len, char kind, unsigned line, const char *sheet)
{
  char where[32] = "";
  if (line)
    snprintf(where, sizeof where, sheet ? "!%u:%u" : ":%u", line, line);
  return snprintf(buf, len, "%s%s", sheet ? sheet : agent_report_file(kind), where);
}

int agent_report_reject(char *buf, size_t len, char kind, const char *id, unsigned line,
                        const char *sheet, const char *field, const char *reason)
{
  char place[1024];
  agent_report_place(place, sizeof place, kind, line, sheet);
  return snprintf(buf, len, "%s: id %s: %s: %s", place, id, field && *field ? field : "record",
                  reason && *reason ? reason : "rejected by the county");
}

int agent_report_summary(char *buf, size_t len, const agent_send_stats *st)
{
  int n = snprintf(buf, len, "sent %zu, stored %zu, duplicate %zu, rejected %zu, pending %zu",
                   st->sent, st->stored, st->duplicate, st->rejected, st->pending);
  if (st->stale && n >= 0 && (size_t)n < len)
    n += snprintf(buf + n, len - (size_t)n, ", stale %zu", st->stale);
  if (st->held && n >= 0 && (size_t)n < len)
    n += snprintf(buf + n, len - (size_t)n, ", held %zu", st->held);
  return n;
}

static int line_ref_cmp(const void *x, const void *y)
{
  const struct agent_line_ref *a = x, *b = y;
  if (a->kind != b->kind)
    return a->kind < b->kind ? -1 : 1;
  return strcmp(a->id, b->id);
}

int agent_line_index_build(agent_line_index *ix, const hb_ledger *l)
{
  memset(ix, 0, sizeof *ix);
  size_t total = 0, bytes = 0;
  agent_table t[HB_TABLE_COUNT];
  for (size_t k = 0; k < HB_TABLE_COUNT; k++) {
    agent_kind_table(&agent_kinds[k], l, &t[k]);
    total += t[k].n;
    for (size_t i = 0; i < t[k].n; i++)
      bytes += strlen(agent_row_id(agent_kind_row(&agent_kinds[k], l, i))) + 1;
  }
  ix->refs = malloc((total ? total : 1) * sizeof *ix->refs);
  ix->ids = malloc(bytes ? bytes : 1);
  if (!ix->refs || !ix->ids) {
    agent_line_index_free(ix);
    return HB_ENOMEM;
  }
  char *p = ix->ids;
  for (size_t k = 0; k < HB_TABLE_COUNT; k++)
    for (size_t i = 0; i < t[k].n; i++) {
      const char *id = agent_row_id(agent_kind_row(&agent_kinds[k], l, i));
      size_t n = strlen(id) + 1;
      memcpy(p, id, n);
      ix->refs[ix->n++] =
          (struct agent_line_ref){agent_kinds[k].byte, p, t[k].lines ? t[k].lines[i] : 0};
      p += n;
    }
  if (ix->n > 1) /* qsort's array may be NULL when empty */
    qsort(ix->refs, ix->n, sizeof *ix->refs, line_ref_cmp);
  for (size_t k = 0; k < HB_TABLE_COUNT; k++)
    if (t[k].sheet && !(ix->sheet[k] = strdup(t[k].sheet))) {
      agent_line_index_free(ix);
      return HB_ENOMEM;
    }
  return HB_OK;
}

const char *agent_line_sheet(const agent_line_index *ix, char kind)
{
  const agent_kind *k = agent_kind_of_byte(kind);
  return k ? ix->sheet[k->table] : NULL;
}

unsigned agent_line_find(const agent_line_index *ix, char kind, const char *id)
{
  if (!ix->refs)
    return 0;
  struct agent_line_ref want = {kind, id, 0};
  const struct agent_line_ref *r = bsearch(&want, ix->refs, ix->n, sizeof *ix->refs, line_ref_cmp);
  return r ? r->line : 0;
}

void agent_line_index_free(agent_line_index *ix)
{
  free(ix->refs);
  free(ix->ids);
  for (size_t k = 0; k < HB_TABLE_COUNT; k++)
    free(ix->sheet[k]);
  memset(ix, 0, sizeof *ix);
}
