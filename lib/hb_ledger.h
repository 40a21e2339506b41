/* hb_ledger.h: a unit's ledger (台账), as a clerk keeps it.
 *
 * A ledger is a folder with activities.csv and problems.csv (either may be
 * missing: an absent file is reported as a note and its table is not sent).
 * Encodings per hb_text; header names in English or Chinese, in any order;
 * values in English or Chinese. See docs/ledger-format.md.
 *
 * Every bad row becomes a diagnostic "activities.csv:12: 日期: 不是有效日期
 * (not a date): 2022-13-01" and is left out; good rows are returned. */
#ifndef HB_LEDGER_H
#define HB_LEDGER_H

#include <stddef.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_campaigns.h"
#include "hb_diag.h"

#define HB_LEDGER_MAX_FILE (200u * 1024 * 1024) /* bytes per CSV file */

typedef struct hb_ledger {
  /* Valid rows, in file order. Each message and its strings are owned by
   * the ledger (free with hb_ledger_free). unit is set from the caller,
   * version is 0: the agent assigns versions. */
  Huibao__V1__Activity **activities;
  size_t nactivities;
  Huibao__V1__Problem **problems;
  size_t nproblems;
  /* Ids of rows that were present but invalid: the agent must not treat
   * them as deleted. "A:" or "P:" prefix + id, owned by the ledger. */
  char **invalid_ids;
  size_t ninvalid;
  size_t rows_read; /* data rows seen in both files */
  /* Added for the agent. activity_lines[i] / problem_lines[i] is the
   * physical line (1-based) where activities[i] / problems[i] starts in its
   * file, so that a county rejection can be shown as "problems.csv:18: ...". */
  unsigned *activity_lines;
  unsigned *problem_lines;
  /* 1 when that table could not be read completely (file unreadable or
   * undecodable, a required column missing, a CSV syntax error such as an
   * unterminated quote that may have swallowed rows): its rows are not all
   * known, so the agent must NOT take a row missing from it for a deletion.
   * A file that does not exist sets the flag too (with a note): a moved or
   * renamed file must not delete what was reported; to delete every row,
   * keep the file with its header row only. */
  int activities_incomplete;
  int problems_incomplete;
} hb_ledger;

/* Names of the two files inside a ledger folder. */
#define HB_LEDGER_ACTIVITIES "activities.csv"
#define HB_LEDGER_PROBLEMS "problems.csv"

/* Reads dir/activities.csv and dir/problems.csv. unit is copied into every
 * row. campaigns may be NULL (then campaign/category are checked for form
 * only). today is for "date in the future". Returns 0 when every row was
 * valid, HB_EINVAL when some rows were left out (the rest is in *out),
 * or another error when the folder could not be read at all.
 * The caller frees *out with hb_ledger_free in every case. */
int hb_ledger_load(const char *dir, const char *unit, const hb_campaigns *campaigns,
                   int32_t today, hb_ledger *out, hb_diags *diags);

/* Parses one CSV file's bytes (already read, any hb_text encoding); name is
 * used in messages ("activities.csv:12: ..."). Which table it is comes from
 * is_problems. Rows are APPENDED to *out, which must be zeroed before the
 * first call. Same return contract as hb_ledger_load.
 *
 * hb_ledger_load names files in messages by their base name
 * ("problems.csv:18: 销号日期: ..."), not dir/problems.csv. */
int hb_ledger_parse(const char *name, const char *bytes, size_t len, int is_problems,
                    const char *unit, const hb_campaigns *campaigns, int32_t today,
                    hb_ledger *out, hb_diags *diags);

void hb_ledger_free(hb_ledger *l);

#endif
