/* fuzz_campaigns: the county's campaigns file (INI) as hb_campaigns_load
 * reads it: bytes decoded with hb_text_to_utf8, then hb_campaigns_parse,
 * then the lookups the aggregator does with what it parsed, and the
 * invariants of the declared vocabularies (issue 12). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "hb_campaigns.h"
#include "hb_diag.h"
#include "hb_err.h"
#include "hb_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text;
  size_t len;
  char err[256];
  if (hb_text_to_utf8((const char *)data, size, &text, &len, NULL, err, sizeof err) != 0)
    return 0;
  hb_campaigns c = {0};
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_campaigns_parse("campaigns.ini", text, len, &c, &d);
  for (size_t i = 0; rc == 0 && i < c.count; i++) {
    const hb_campaign *cp = &c.items[i];
    if (hb_campaigns_find(&c, cp->id) == NULL || hb_campaigns_find(&c, cp->name) == NULL)
      abort(); /* a valid file's campaigns are found by their id and name */
    for (size_t k = 0; k < cp->ncategories; k++) {
      if (hb_campaign_category(cp, cp->categories[k].code) < 0)
        abort();
      for (size_t j = 0; j < cp->categories[k].nsubs; j++)
        if (hb_campaign_subcategory(cp, (int)k, cp->categories[k].subs[j].code) != (int)j)
          abort(); /* sub-category codes are unique within their category */
    }
    for (size_t k = 0; k < cp->nkinds; k++)
      if (hb_campaign_kind(cp, cp->kinds[k].code) != (int)k)
        abort();
    for (size_t k = 0; k < cp->nindicators; k++)
      if (hb_campaign_indicator(cp, cp->indicators[k].code) != (int)k ||
          cp->indicators[k].places < 0 || cp->indicators[k].places > HB_INDICATOR_PLACES_MAX)
        abort();
    for (size_t k = 0; k < cp->nstages; k++) {
      const hb_stage *st = &cp->stages[k];
      if (st->start < cp->start || st->end > cp->end || st->end < st->start ||
          (k > 0 && st->start <= cp->stages[k - 1].end))
        abort(); /* inside the campaign, sorted, not overlapping */
      if (hb_campaign_stage_at(cp, st->start) != (int)k ||
          hb_campaign_stage_at(cp, st->end) != (int)k)
        abort();
    }
  }
  if (rc != 0 && rc != HB_ENOMEM && hb_diags_errors(&d) == 0)
    abort(); /* every refusal says why */
  char line[1024];
  for (size_t i = 0; i < d.count; i++)
    hb_diag_format(&d.items[i], line, sizeof line);
  hb_diags_free(&d);
  hb_campaigns_free(&c);
  free(text);
  return 0;
}
