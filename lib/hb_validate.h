/* hb_validate.h: the rules every record must meet, shared by the agent's
 * ledger check and the county's acceptance, so that both say the same.
 *
 * A violation is reported as (field, reason): field is the proto field name
 * ("participants"), reason a sentence in Chinese and English for a clerk
 * ("参加人次超出范围 / participants out of range 0..1000000"). */
#ifndef HB_VALIDATE_H
#define HB_VALIDATE_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_campaigns.h"

#define HB_ID_MAX 64     /* bytes of a record id */
#define HB_TITLE_MAX 512 /* bytes of title / description */
#define HB_NAME_MAX 256  /* bytes of a campaign or category, by id or display name */
#define HB_SESSIONS_MAX 100000
#define HB_PARTICIPANTS_MAX 10000000
#define HB_OUTPUTS_MAX 1000000
#define HB_MEASURES_MAX 1000

typedef struct hb_violation {
  const char *field; /* static string: proto field name */
  char reason[256];
} hb_violation;

/* What a valid record's campaign and category resolve to, when campaigns
 * were given: the row may name them by id or by display name. */
typedef struct hb_canon {
  const hb_campaign *campaign; /* NULL when campaigns was NULL or deleted */
  int category;                /* index into campaign->categories, -1 if none */
  int subcategory;             /* index into categories[category].subs, -1 if none */
  int kind;                    /* index into campaign->kinds (a declared kind), -1 if none */
  int indicator;               /* index into campaign->indicators, -1 if none */
} hb_canon;

#define HB_NOTE_MAX 1024    /* bytes of an indicator's note */
#define HB_SUMMARY_MAX 4096 /* bytes of a case's summary, a problem's measures_text */
#define HB_OWNER_MAX 256    /* bytes of a problem's owner */
/* |Indicator.value| at most this (in 1/HB_INDICATOR_SCALE): 10^14, so that
 * a sum over HB_WIRE_MAX_BATCH * 10^4 rows stays inside int64. */
#define HB_INDICATOR_VALUE_MAX 100000000000000LL

/* Checks one activity. campaigns may be NULL (agent without a campaigns
 * file: campaign and category are then only checked for form). today is
 * the day that "in the future" is measured against. A tombstone
 * (deleted=true) needs only unit, id and version. canon may be NULL.
 * Returns 0 if valid, else HB_EINVAL with *v filled for the first problem. */
int hb_validate_activity(const Huibao__V1__Activity *a, const hb_campaigns *campaigns,
                         int32_t today, hb_violation *v, hb_canon *canon);
int hb_validate_problem(const Huibao__V1__Problem *p, const hb_campaigns *campaigns, int32_t today,
                        hb_violation *v, hb_canon *canon);
/* The same for an outcome figure and a typical case. An indicator's value
 * must have at most its declared places (value % 10^(4 - places) == 0). */
int hb_validate_indicator(const Huibao__V1__Indicator *r, const hb_campaigns *campaigns,
                          int32_t today, hb_violation *v, hb_canon *canon);
int hb_validate_case(const Huibao__V1__Case *r, const hb_campaigns *campaigns, int32_t today,
                     hb_violation *v, hb_canon *canon);
/* Checks one 报送 row (issue 13): period is 本期 or a date; with campaigns,
 * a named campaign must exist and have a cycle, and a date must be a
 * period id of it (of at least one campaign with a cycle when none is
 * named). canon->campaign is the named campaign (NULL when none). */
int hb_validate_report(const Huibao__V1__Report *r, const hb_campaigns *campaigns, int32_t today,
                       hb_violation *v, hb_canon *canon);

/* Checks what protobuf-c unpack does not: every enum value known, every
 * string valid UTF-8 without NUL and within its length limit. Used on
 * anything decoded from the network before any other use. */
int hb_validate_record_form(const Huibao__V1__Record *r, hb_violation *v);

#endif
