/* hb_campaigns.h: the county's campaigns file (INI, parsed with inih).
 *
 *   [jiefang-2022]
 *   name = 解放思想、振兴发展研讨
 *   start = 2022-06-01
 *   end = 2022-12-31
 *   category.county = 深化县情认识
 *
 * Section = campaign id ([A-Za-z0-9_.-]{1,64}); name, start, end required;
 * category.CODE keys in file order. Unknown keys are errors (a typo such as
 * "nmae" must not pass silently). */
#ifndef HB_CAMPAIGNS_H
#define HB_CAMPAIGNS_H

#include <stddef.h>
#include <stdint.h>
#include "hb_diag.h"

typedef struct hb_category {
  char *code;
  char *name;
} hb_category;

typedef struct hb_campaign {
  char *id;
  char *name;
  int32_t start; /* days since epoch */
  int32_t end;
  hb_category *categories; /* in file order */
  size_t ncategories;
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

#endif
