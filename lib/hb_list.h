/* hb_list.h: the problem list (一本台账), the cases and the activities as
 * rows (issue 15, docs/lists.md), the same at every level: the county
 * (aggregator/store_list.c reads its store) and the city and above
 * (sub/replica.c reads the replica) hand each record to the list through
 * one callback type, and every output (table, CSV, xlsx, JSON, the
 * console, the dashboard, report templates) is made from the rows
 * hb_list_build returns.
 *
 * A row is a JSON object (jansson) with fixed keys, documented in
 * docs/lists.md; unknown keys are never read by an output, so a later
 * version may add some. */
#ifndef HB_LIST_H
#define HB_LIST_H

#include <stdbool.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

/* The signature state of a record (issue 15, lib/hb_sign.h). */
enum { HB_LIST_SIG_UNKNOWN = 0, HB_LIST_SIG_NONE = 1, HB_LIST_SIG_OK = 2, HB_LIST_SIG_BAD = 3 };

/* One record as a level holds it: what counts now. A deletion request
 * (REVIEW_DELETION_PENDING) is handed over as the held live version with
 * its review state; a tombstone that counts nothing is not handed over at
 * all. Everything is borrowed for the call. */
typedef struct hb_list_rec {
  const char *county;                    /* the county's source code ("" at the county itself) */
  char kind;                             /* 'A' 'P' 'I' 'C' 'R' (the records key byte) */
  const Huibao__V1__Record *rec;         /* the body of that kind; seq 0 */
  const Huibao__V1__ReviewState *review; /* NULL: no review status */
  int64_t stored_s; /* the county's clock when this version was stored; 0: unknown */
  uint64_t n;       /* its index in the county's history; 0: unknown */
  int sig;          /* HB_LIST_SIG_* */
} hb_list_rec;

/* Called once per record; a value other than 0 stops the walk and is
 * returned by the walker. */
typedef int (*hb_list_rec_fn)(void *ctx, const hb_list_rec *r);

/* What a list holds. */
typedef enum hb_list_what { HB_LIST_PROBLEMS, HB_LIST_CASES, HB_LIST_ACTIVITIES } hb_list_what;

/* The filters of `list` (NULL / false / 0: no filter). status is a
 * ProblemStatus or review word in English or Chinese (rectifying, 整改中,
 * resolved, claimed, confirmed, 已销号, returned, 退回, deletion, ...);
 * period is a period id (YYYY-MM-DD, the due date) of the campaign. */
typedef struct hb_list_filter {
  const char *campaign, *unit, *category, *status, *period;
  bool overdue;
  int32_t today; /* days since epoch, county local: for overdue and days overdue */
} hb_list_filter;

typedef struct hb_list hb_list;

/* A new empty list of what, with filter f (copied). Returns 0 or HB_ENOMEM. */
int hb_list_new(hb_list **out, hb_list_what what, const hb_list_filter *f);
void hb_list_free(hb_list *l);
/* The names a row shows (unit names, category and sub-category names,
 * the county's name, kinds, periods) from a Rollup of county (the county's
 * own rollups at the county; each county's at the city). Call before the
 * rows are made; rows of a county without names show codes. */
int hb_list_names_from_rollup(hb_list *l, const char *county, const Huibao__V1__Rollup *r);
/* An hb_list_rec_fn: adds r as a row if it is of the list's kind and
 * passes the filter (ctx is the hb_list). Returns 0 or HB_ENOMEM. */
int hb_list_add(void *ctx, const hb_list_rec *r);
/* The rows (a json_t array, borrowed from l), sorted by county, unit and
 * id; keys in docs/lists.md. */
struct json_t;
struct json_t *hb_list_rows(hb_list *l);

/* ---------------------------------------------------------------- added
 * by the lists work (issue 15): parsing the command line's words, the
 * names a title shows, and the outputs (hb_list_out.c, hb_list_xlsx.c). */

#include <stdio.h>

/* "problems", "cases", "activities" (also 问题, 典型, 活动) into *out.
 * Returns 0 or HB_EINVAL. */
int hb_list_what_parse(const char *s, hb_list_what *out);
/* Whether s is a status word the filter knows (English or Chinese, ASCII
 * case ignored): identified rectifying resolved 已查摆 整改中 已整改, the
 * review states none claimed confirmed returned reopened deletion
 * deletion_refused 未审核 待销号 已销号 已退回 退回 重新打开 待审批撤销 撤销未同意. */
bool hb_list_status_known(const char *s);

/* The outputs. */
typedef enum hb_list_format {
  HB_LIST_TABLE = 1, /* terminal table, Chinese-aligned (hb_table.h), a subset of the columns */
  HB_LIST_CSV,       /* UTF-8 with a BOM, CRLF, every column (Excel opens it right) */
  HB_LIST_JSON,      /* {"list", "today", "count", "rows": [row objects]} */
  HB_LIST_XLSX,      /* the 整改台账 workbook (libxlsxwriter; a file only) */
} hb_list_format;
/* "table", "csv", "json", "xlsx" → the format; 0 for anything else. */
hb_list_format hb_list_format_parse(const char *s);

/* The name of county (as a record's county: "" at the county itself) from
 * the rollups given, NULL if none gave one (borrowed from l). */
const char *hb_list_county_name(hb_list *l, const char *county);
/* The campaign's name from any rollup given, NULL if none (borrowed). */
const char *hb_list_campaign_name(hb_list *l, const char *campaign);
/* The xlsx title into buf: "PLACE CAMPAIGN 问题整改台账（截至 YYYY-MM-DD，共 N 条，
 * 逾期 M 条）" (典型案例清单, 活动清单 for the other lists; 全部专项 without
 * --campaign). place may be NULL. */
void hb_list_title(hb_list *l, const char *place, char *buf, size_t len);

/* Writes the rows to f in fmt (TABLE, CSV or JSON). Returns 0, HB_EIO
 * (a write failed), HB_EINVAL (XLSX: a file only) or HB_ENOMEM. */
int hb_list_write(hb_list *l, hb_list_format fmt, FILE *f);
/* The 整改台账 (any list) as an .xlsx at path (written as is: see
 * hb_list_save for the rename): a title row (hb_list_title with place), a
 * frozen header row with autofilter, the overdue rows in red, column
 * widths, dates as dates. Returns 0, HB_EIO (err says why) or HB_ENOMEM. */
int hb_list_xlsx_write(hb_list *l, const char *path, const char *place, char *err, size_t errlen);
/* The whole output of a `list` command: to stdout when out is NULL (not
 * XLSX: HB_EINVAL), else into "OUT.PID.new" beside out, renamed over it
 * once complete. Returns 0 or an hb_err with err saying why. */
int hb_list_save(hb_list *l, hb_list_format fmt, const char *out, const char *place, char *err,
                 size_t errlen);
/* How many rows are overdue (problems only). */
size_t hb_list_overdue_count(hb_list *l);

#endif
