/* feedback.h: the county's review decisions on this unit (issue 14), as
 * the agent keeps them: state db "feedback" (key Decision.n, uint64
 * big-endian -> the packed Decision) and meta "decisions" (the highest n
 * kept, uint64 BE; absent: 0), which every Submit sends as
 * decisions_after. The two move together in one transaction, so a
 * decision is either kept or asked for again; 县级反馈.csv is rewritten
 * from the db (feedback_text.h), so a run killed before writing it loses
 * nothing. */
#ifndef AGENT_FEEDBACK_H
#define AGENT_FEEDBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "state.h"

/* The highest Decision.n kept (meta "decisions"), 0 when none. Returns 0
 * or HB_EDB. */
int agent_feedback_after(agent_state *s, uint64_t *after);

/* Keeps d[0..n) (decisions the county sent for this unit) in ONE committed
 * write transaction: each under its n, and meta "decisions" raised to the
 * highest n (never lowered). fresh[i] (may be NULL) is set when d[i] was not
 * kept before with the same bytes: the clerk has not been told of it.
 * *after (may be NULL) gets meta "decisions" as committed.
 * Returns 0, HB_ENOMEM, HB_EFULL, HB_ENOSPC or HB_EDB (nothing kept). */
int agent_feedback_store(agent_state *s, Huibao__V1__Decision *const *d, size_t n, bool *fresh,
                         uint64_t *after);

/* The county's store changed (another epoch: restored from a backup):
 * its decisions may be numbered anew. Empties feedback and sets meta
 * "decisions" to 0, in one transaction, so that they are all taken again.
 * Returns 0 or an hb_err. */
int agent_feedback_reset(agent_state *s);

/* Every decision kept, in n order: out[0..*n) to free with
 * agent_feedback_free. Returns 0, HB_ENOMEM or HB_EDB. */
int agent_feedback_load(agent_state *s, Huibao__V1__Decision ***out, size_t *n);
void agent_feedback_free(Huibao__V1__Decision **v, size_t n);

/* Rewrites 县级反馈.csv beside ledger (is_workbook: ledger is a FILE.xlsx)
 * from every decision kept, atomically (a temporary file renamed over it),
 * when its bytes differ from the file's; with no decision kept and no file,
 * writes nothing. *path gets the file's path (malloc'd, may be NULL on
 * HB_ENOMEM; the caller frees it). Returns 0, HB_ENOMEM, HB_EDB, or HB_EIO /
 * HB_EFULL when the file cannot be written (on Windows: open in Excel). */
int agent_feedback_csv_write(agent_state *s, const char *ledger, int is_workbook, char **path);

/* An open return: a RETURN or REOPEN decision, the last decision kept on
 * its record, whose record this agent has not changed since (its known
 * version is still <= Decision.version, and it is not deleted). */
typedef void (*agent_feedback_open_fn)(void *arg, const Huibao__V1__Decision *d);

/* Calls fn (may be NULL) for each open return, in n order; *count gets
 * how many.
 * Returns 0, HB_ENOMEM or HB_EDB. */
int agent_feedback_open_returns(agent_state *s, agent_feedback_open_fn fn, void *arg,
                                size_t *count);

#endif
