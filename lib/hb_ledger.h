/* hb_ledger.h: a unit's ledger (台账), as a clerk keeps it.
 *
 * A ledger is a folder with activities.csv, problems.csv, indicators.csv,
 * cases.csv and reports.csv (any may be missing: an absent file is reported
 * as a note and its table is not sent, except reports.csv, which is optional
 * and silently unknown when absent; all of them missing is an error). Columns a table
 * does not read are named in a note (the rows still load).
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
#include "hb_csv.h"
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
   * them as deleted. "A:", "P:", "I:" or "C:" prefix + id, owned by the ledger. */
  char **invalid_ids;
  size_t ninvalid;
  size_t rows_read; /* data rows seen in all tables */
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
  /* For a workbook: where each table's rows are, "台账.xlsx:活动" (the
   * file's base name and the sheet as named in it), so that a county
   * rejection can be shown as "台账.xlsx:活动!7:7" (Excel's reference to
   * row 7). NULL for a CSV folder. Owned by the ledger. */
  char *activity_sheet;
  char *problem_sheet;
  /* The outcome figures (indicators.csv, sheet 成效) and typical cases
   * (cases.csv, sheet 典型) of issue 12, kept as the two tables above are:
   * rows, their lines, "incomplete" and the sheet. Ids of invalid rows
   * are in invalid_ids with "I:" and "C:" prefixes. */
  Huibao__V1__Indicator **indicators;
  size_t nindicators;
  unsigned *indicator_lines;
  int indicators_incomplete;
  char *indicator_sheet;
  Huibao__V1__Case **cases;
  size_t ncases;
  unsigned *case_lines;
  int cases_incomplete;
  char *case_sheet;
  /* The 报送 rows (reports.csv, sheet 报送) of issue 13, kept the same way.
   * A row has no id column: its id is its period (normalised: a date as
   * YYYY-MM-DD, or 本期), plus "@" and the 专项 cell as written when the
   * row names a campaign (hb_ledger_report_id). Invalid rows are in
   * invalid_ids with an "R:" prefix; a row whose id cannot be told (an
   * unreadable period) makes the table incomplete. An absent reports.csv
   * or 报送 sheet is not noted (old ledgers have none) but leaves the table
   * incomplete, like any absent table. */
  Huibao__V1__Report **reports;
  size_t nreports;
  unsigned *report_lines;
  int reports_incomplete;
  char *report_sheet;
} hb_ledger;

/* The tables of a ledger. The value is what the table arguments below take
 * (they were is_problems: 0 and 1 keep their old meaning). */
typedef enum hb_ledger_table_id {
  HB_TABLE_ACTIVITIES = 0,
  HB_TABLE_PROBLEMS = 1,
  HB_TABLE_INDICATORS = 2,
  HB_TABLE_CASES = 3,
  HB_TABLE_REPORTS = 4,
} hb_ledger_table_id;
#define HB_TABLE_COUNT 5

/* Names of the files inside a ledger folder. */
#define HB_LEDGER_ACTIVITIES "activities.csv"
#define HB_LEDGER_PROBLEMS "problems.csv"
#define HB_LEDGER_INDICATORS "indicators.csv"
#define HB_LEDGER_CASES "cases.csv"
#define HB_LEDGER_REPORTS "reports.csv"

/* The id of a 报送 row: period (already normalised, "2022-06-10" or 本期)
 * and campaign (the 专项 cell as written; NULL or "" for none) ->
 * "2022-06-10@zhuti-2023". An id that would pass HB_ID_MAX bytes keeps
 * the longest prefix that ends on a whole character and leaves room for
 * "~" and 8 hex digits of a hash of the whole text, so it stays stable and
 * distinct. buf has HB_ID_MAX + 1 bytes. */
void hb_ledger_report_id(const char *period, const char *campaign, char *buf, size_t len);

/* A 报送 row's 报送期 cell -> its normalised form: 本期 (also "current",
 * any case) or a date written any way hb_date_parse accepts, as
 * YYYY-MM-DD (buf >= 16 bytes). Returns 0, or -1 when it is neither. */
int hb_ledger_report_period(const char *cell, char *buf, size_t len);

/* Reads the five files of dir (hb_ledger_load_xlsx for a workbook). unit
 * is copied into every row. campaigns may be NULL (then campaign, category,
 * sub-category and indicator are checked for form only, a kind must be a
 * built-in one, and dates are not held to the campaign's start..end).
 * today is for "date in the future". Returns 0 when every row was
 * valid, HB_EINVAL when some rows were left out (the rest is in *out),
 * or another error when the folder could not be read at all.
 * The caller frees *out with hb_ledger_free in every case. */
int hb_ledger_load(const char *dir, const char *unit, const hb_campaigns *campaigns, int32_t today,
                   hb_ledger *out, hb_diags *diags);

/* Parses one CSV file's bytes (already read, any hb_text encoding); name is
 * used in messages ("activities.csv:12: ..."). Which table it is comes from
 * table (hb_ledger_table_id; an unknown one gives HB_EINVAL, nothing
 * reported). Rows are APPENDED to *out, which must be zeroed before the
 * first call. Same return contract as hb_ledger_load.
 *
 * hb_ledger_load names files in messages by their base name
 * ("problems.csv:18: 销号日期: ..."), not dir/problems.csv. */
int hb_ledger_parse(const char *name, const char *bytes, size_t len, int table, const char *unit,
                    const hb_campaigns *campaigns, int32_t today, hb_ledger *out, hb_diags *diags);

/* Column i (0-based) of table (hb_ledger_table_id; 0 and 1 as the old
 * is_problems argument) in the documented order: its Chinese header ("日期")
 * and English one ("date", the proto field; a case's "type", "title").
 * Returns 0, or -1 past the last column or for an unknown table. For
 * writers of empty ledgers (huibao-agent template). Problems' columns of
 * issue 12 (子类别 ... 整改类型) come after the old ten. */
int hb_ledger_column(int table, size_t i, const char **zh, const char **en);

/* A ledger may also be one .xlsx workbook (docs/ledger-format.md): sheets
 * named 活动 or activities, 问题 or problems, 成效 or indicators, 典型 or
 * cases, 报送 or reports, with the same columns.
 * True when path ends in ".xlsx" (any case): hb_ledger_load then reads it
 * with hb_ledger_load_xlsx. */
int hb_ledger_is_xlsx(const char *path);

/* Reads the five sheets of a workbook; messages name cells as
 * "台账.xlsx:问题!E7: 状态: reason" (the file's base name, the sheet as it
 * is named in the workbook). A missing sheet is a note and leaves its table
 * incomplete, as a missing CSV file does. Returns as hb_ledger_load, plus
 * HB_ENOTFOUND (no such file), HB_EPARSE or HB_ETOOBIG when the file is not
 * a readable workbook (every table incomplete, a diagnostic says why). */
int hb_ledger_load_xlsx(const char *path, const char *unit, const hb_campaigns *campaigns,
                        int32_t today, hb_ledger *out, hb_diags *diags);

/* Parses a table already split into rows (hb_xlsx gives a sheet this way):
 * the first row is the header; rows[i].line is the row number shown in
 * messages. name and sheet (may be NULL: then "name:LINE:") make the
 * location "name:sheet!CELL". Fields are trimmed in place. Appends to *out;
 * same return contract as hb_ledger_parse. */
int hb_ledger_parse_rows(const char *name, const char *sheet, hb_csv_row *rows, size_t nrows,
                         int table, const char *unit, const hb_campaigns *campaigns, int32_t today,
                         hb_ledger *out, hb_diags *diags);

/* The same, one row at a time (hb_ledger_load_xlsx streams a sheet this way,
 * so memory does not follow the sheet's size): begin, offer each row (the
 * first is the header; its fields may be trimmed in place and its field
 * pointers replaced; nothing is kept after the call), end. table_row returns
 * 0 to go on, 1 when the rest of the table cannot be read (a bad header or
 * text: a diagnostic says why) or HB_ENOMEM. table_end frees the table and
 * returns what hb_ledger_parse_rows would. begin returns 0, HB_EINVAL (bad
 * unit code, with a diagnostic) or HB_ENOMEM. */
typedef struct hb_ledger_table hb_ledger_table;
int hb_ledger_table_begin(const char *name, const char *sheet, int table, const char *unit,
                          const hb_campaigns *campaigns, int32_t today, hb_ledger *out,
                          hb_diags *diags, hb_ledger_table **tp);
int hb_ledger_table_row(hb_ledger_table *tb, const hb_csv_row *row);
int hb_ledger_table_end(hb_ledger_table *tb);

/* Parses sheet i of workbook x (hb_xlsx.h) as hb_ledger_parse_rows would,
 * streaming it (memory: one row, whatever the sheet's size). A sheet that does
 * not read to its end gives no rows: returns its error with err "E7: reason"
 * (HB_EPARSE, HB_ETOOBIG) and changes nothing in *out; else as
 * hb_ledger_parse_rows (err ""). */
struct hb_xlsx;
int hb_ledger_parse_sheet(const char *name, const char *sheet, struct hb_xlsx *x, size_t i,
                          int table, const char *unit, const hb_campaigns *campaigns, int32_t today,
                          hb_ledger *out, hb_diags *diags, char *err, size_t errlen);

void hb_ledger_free(hb_ledger *l);

#endif
