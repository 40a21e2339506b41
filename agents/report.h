/* report.h: what the agent tells the clerk on stderr. */
#ifndef AGENT_REPORT_H
#define AGENT_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include "hb_ledger.h"
#include "sender.h"

/* The ledger file a record of kind byte 'A', 'P', 'I' or 'C' (kinds.h)
 * comes from ("activities.csv" for an unknown byte). */
const char *agent_report_file(char kind);

/* Where row line of kind byte kind is: "problems.csv:18", or from a
 * workbook (sheet "台账.xlsx:问题") "台账.xlsx:问题!18:18"; without the line
 * when it is 0 (unknown). Writes into buf (always NUL-terminated); returns
 * the length it wanted. */
int agent_report_place(char *buf, size_t len, char kind, unsigned line, const char *sheet);

/* "problems.csv:18: id P2: category: reason" for a record the county
 * rejected ("problems.csv: id P2: ..." when line is 0, i.e. unknown); from
 * a workbook, sheet is "台账.xlsx:问题" and the place "台账.xlsx:问题!18:18"
 * (Excel's reference to row 18). sheet, field and reason may be NULL.
 * Writes into buf (always NUL-terminated); returns the length it wanted. */
int agent_report_reject(char *buf, size_t len, char kind, const char *id, unsigned line,
                        const char *sheet, const char *field, const char *reason);

/* "sent 120, stored 118, duplicate 0, rejected 2, pending 0" (plus
 * ", stale N" when some records were re-versioned, ", held N" when an
 * older county could not read N of them). */
int agent_report_summary(char *buf, size_t len, const agent_send_stats *st);

/* Where each ledger row is (kind, id -> line), for rejections; a copy, so
 * that the ledger can be freed before sending. */
typedef struct agent_line_index {
  struct agent_line_ref *refs; /* sorted by kind, id */
  size_t n;
  char *ids;                   /* every id, NUL-terminated, one block */
  char *sheet[HB_TABLE_COUNT]; /* copies of the ledger's sheets, by table (NULL: CSV) */
} agent_line_index;

/* Copies what it needs from l. Returns 0 or HB_ENOMEM (then the index is
 * empty and every lookup answers 0). */
int agent_line_index_build(agent_line_index *ix, const hb_ledger *l);

/* The workbook sheet of a kind byte ("台账.xlsx:问题"), or NULL (CSV). */
const char *agent_line_sheet(const agent_line_index *ix, char kind);

/* The 1-based line of row (kind, id), or 0 if unknown. */
unsigned agent_line_find(const agent_line_index *ix, char kind, const char *id);
void agent_line_index_free(agent_line_index *ix);

#endif
