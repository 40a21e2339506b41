/* verify_dash.h: the city's verification (verify.h) on the dashboard
 * (issue 15, docs/verify.md, docs/dashboard.md): each county row of the
 * counties document gets "verify": {"failed", "findings": [...]} (the
 * page shows a red 「数据核验未通过」 naming the unit and record), and the
 * event gets "verify" (sub_verify_json), also served as /api/verify. */
#ifndef SUB_VERIFY_DASH_H
#define SUB_VERIFY_DASH_H

#include "dashboard.h"
#include "verify.h"

/* Adds v's flags to the counties document and the event of d (both
 * replaced by new texts; d keeps owning them), and sets *verify_doc to the
 * text of sub_verify_json (malloc'd, the caller frees it). Returns 0 or
 * HB_ENOMEM (d unchanged then, *verify_doc NULL). */
int sub_verify_dash_apply(const sub_verify *v, sub_dash_docs *d, char **verify_doc);

#endif
