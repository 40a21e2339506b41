/* verify_log.h: verify's check of the county's history (issue 14, H1). */
#ifndef AGG_VERIFY_LOG_H
#define AGG_VERIFY_LOG_H

#include <stdio.h>
#include "store.h"

/* Checks s's history: the chain (n continuous from 1, each entry's prev =
 * the hash of the stored bytes of the one before, meta "log-head" = the
 * last entry), its index (logidx), that the records db holds exactly the
 * last version of each record in the history (removals applied), and that
 * each review entry is one the replay of the versions and decisions
 * through hb_review_on_version / hb_review_decide can reach. Writes one
 * line per difference to out, naming the entry n or the record (unit,
 * kind, id); a store without history (a version before issue 14) gets a
 * note. Returns the number of differences, or a negative hb_err (err says
 * why). */
long verify_log(store *s, FILE *out, char *err, size_t errlen);

#endif
