/* hb_campaigns.h: the county's campaigns file (INI, parsed with inih).
 *
 *   [jiefang-2022]
 *   name = 解放思想、振兴发展研讨
 *   start = 2022-06-01
 *   end = 2022-12-31
 *   category.county = 深化县情认识
 *
 *   kind.dangke = 讲党课                  ; a declared activity kind
 *   indicator.juanzhu = 捐助物资, 万元, 2  ; an outcome indicator: name, unit, places
 *   category.theory = 理论学习不到位
 *   category.theory.t1 = 学习不系统        ; a sub-category of theory
 *   stage.1 = 学习研讨, 2023-04-01, 2023-05-15
 *   cycle = weekly, 5, 18:00              ; reports due Fridays 18:00 (hb_period.h)
 *   problem_delete = review               ; or free (issue 14, docs/review.md)
 *
 * Section = campaign id ([A-Za-z0-9_.-]{1,50}); name, start, end required;
 * every list in file order. Unknown keys are errors (a typo such as "nmae"
 * must not pass silently). docs/campaigns.md (Chinese) is the reference. */
#ifndef HB_CAMPAIGNS_H
#define HB_CAMPAIGNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_diag.h"

/* Decimal places an indicator may declare; values travel and are summed
 * as integers in 1/HB_INDICATOR_SCALE (Indicator.value of huibao.proto). */
#define HB_INDICATOR_PLACES_MAX 4
#define HB_INDICATOR_SCALE 10000

typedef struct hb_subcategory {
  char *code; /* unique within its category */
  char *name;
} hb_subcategory;

typedef struct hb_category {
  char *code;
  char *name;
  hb_subcategory *subs; /* category.CODE.SUB keys, in file order */
  size_t nsubs;
} hb_category;

/* kind.CODE = name: an activity kind this campaign adds to the 12 built-in
 * ones (hb_vocab.h); neither its code nor its name may be a built-in's. */
typedef struct hb_kind {
  char *code;
  char *name;
} hb_kind;

/* indicator.CODE = name, unit[, places] */
typedef struct hb_indicator {
  char *code;
  char *name;
  char *unit; /* 件, 万元, 项 */
  int places; /* 0..HB_INDICATOR_PLACES_MAX */
} hb_indicator;

/* stage.N = name, start, end: inside the campaign's start..end, not
 * overlapping another stage; kept sorted by start. */
typedef struct hb_stage {
  unsigned n;
  char *name;
  int32_t start, end; /* days since epoch, inclusive */
} hb_stage;

/* cycle = weekly, 5, 18:00 | monthly, 25, 18:00 (issue 13, hb_period.h):
 * when reports are due, in the county's local time. */
typedef enum hb_cycle_kind {
  HB_CYCLE_NONE = 0, /* no cycle key: the campaign has no periods */
  HB_CYCLE_WEEKLY,
  HB_CYCLE_MONTHLY,
} hb_cycle_kind;

typedef struct hb_cycle {
  hb_cycle_kind kind;
  int day;    /* weekly: weekday 1..7 (Monday = 1); monthly: 1..31 (a
                 shorter month: its last day) */
  int minute; /* minute of the day of the due, 0..1439 */
} hb_cycle;

typedef struct hb_campaign {
  char *id;
  char *name;
  int32_t start; /* days since epoch */
  int32_t end;
  hb_category *categories; /* in file order */
  size_t ncategories;
  hb_kind *kinds; /* in file order */
  size_t nkinds;
  hb_indicator *indicators; /* in file order */
  size_t nindicators;
  hb_stage *stages; /* sorted by start */
  size_t nstages;
  hb_cycle cycle; /* kind HB_CYCLE_NONE when the file has no cycle key */
  /* issue 14: problem_delete = free: a unit's deletion of a problem takes
   * effect at once; review (the default): it waits for a reviewer */
  bool problem_delete_free;
} hb_campaign;

typedef struct hb_campaigns {
  hb_campaign *items; /* in file order */
  size_t count;
} hb_campaigns;

/* Loads path; caller frees with hb_campaigns_free (also on failure).
 * Returns HB_EINVAL with diagnostics ("campaigns.ini:7: start: not a date"). */
int hb_campaigns_load(const char *path, hb_campaigns *out, hb_diags *diags);
void hb_campaigns_free(hb_campaigns *c);

/* Parses an INI text already decoded to UTF-8 (path names it in messages);
 * out must be zeroed. Same contract as hb_campaigns_load. */
int hb_campaigns_parse(const char *path, const char *text, size_t len, hb_campaigns *out,
                       hb_diags *diags);

/* The campaign whose id OR name equals s (blanks trimmed), or NULL. */
const hb_campaign *hb_campaigns_find(const hb_campaigns *c, const char *s);

/* Index of the category whose code OR display name equals s, or -1. */
int hb_campaign_category(const hb_campaign *c, const char *s);

/* Index of the sub-category of categories[cat] whose code OR name equals s,
 * or -1. */
int hb_campaign_subcategory(const hb_campaign *c, int cat, const char *s);

/* Index of the declared kind whose code OR name equals s, or -1 (built-in
 * kinds are hb_vocab_kind's). */
int hb_campaign_kind(const hb_campaign *c, const char *s);

/* Index of the indicator whose code OR name equals s, or -1. */
int hb_campaign_indicator(const hb_campaign *c, const char *s);

/* Index of the stage that contains day, or -1 (before, between or after). */
int hb_campaign_stage_at(const hb_campaign *c, int32_t day);

#endif
