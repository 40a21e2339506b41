/* hb_validate_internal.h: what the checks of every row kind share
 * (hb_validate.c, hb_validate_report.c). Not part of the library's
 * interface. */
#ifndef HB_VALIDATE_INTERNAL_H
#define HB_VALIDATE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "hb_validate.h"

/* Fills v (if not NULL) with field and the formatted reason; returns
 * HB_EINVAL, so that a check can `return hb_validate_fail(...)`. */
int hb_validate_fail(hb_violation *v, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A string field: length min..max bytes (min 0 allows empty/absent), valid
 * UTF-8, and (when no_ctl) no control characters; zh names the field in
 * the Chinese half of the reason. Returns 0 or HB_EINVAL. */
int hb_validate_text(hb_violation *v, const char *field, const char *zh, const char *s, size_t min,
                     size_t max, int no_ctl);

/* Empties *canon (nothing resolved); canon may be NULL. */
void hb_validate_canon_clear(hb_canon *canon);

/* What every record needs, a tombstone (deleted) nothing more: a valid
 * unit code, an id and, for a tombstone, a version. Returns 0 or
 * HB_EINVAL. */
int hb_validate_key(hb_violation *v, const char *unit, const char *id, int tombstone,
                    uint64_t version);

/* The campaign cell (id or name): required or not; with campaigns, one
 * of them (*out, NULL when empty or without campaigns). */
int hb_validate_campaign(hb_violation *v, const char *campaign, const hb_campaigns *campaigns,
                         int required, const hb_campaign **out);

#endif
