/* store.h: the city's LMDB store (--data DIR of run, serve, show, report,
 * export and account). It owns the environment and its three named
 * databases; no other file opens the environment or names a database.
 *
 *   view     key = origin (the county's source code) '\0' campaign;
 *            value = one flag byte (1 = stale) followed by the packed
 *            Rollup last kept for that pair (collect.h).
 *   history  key = campaign '\0' 4-byte big-endian week key (ISO year *
 *            100 + week, so a cursor walks a campaign's weeks in order);
 *            value = a JSON object {"as_of_ms", "problems", "identified",
 *            "rectifying", "resolved", "overdue", "measures", "activities",
 *            "sessions", "participants", "outputs", "units_expected",
 *            "units_reported"} (history.h's sub_week_figures; unknown keys
 *            are ignored and missing ones read as 0, so later versions can
 *            add figures).
 *   accounts key = account name; value = a packed Account (lib/hb_account.h:
 *            the dashboard's logins, issue 14).
 *
 * Each flush writes every dirty entry in one transaction and clears the
 * dirty flags once it committed; on MDB_MAP_FULL it grows the map and
 * retries. Reads skip (and count) entries that no longer decode.
 *
 * LMDB allows one environment per file in a process: a second
 * sub_store_open of a directory already open in this process is refused
 * (HB_EAGAIN). Other processes may open it at the same time (`show` while
 * `run` keeps it). Open, use and close a store from one thread. */
#ifndef SUB_STORE_H
#define SUB_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <lmdb.h>
#include "collect.h"
#include "history.h"

typedef struct sub_store sub_store;

/* Opens (creating dir and both databases) the store in dir. Returns 0 with
 * *out (free with sub_store_close), or an hb_err with err saying why
 * (HB_EAGAIN: dir is already open in this process); *out is then NULL. dir
 * is copied. */
int sub_store_open(sub_store **out, const char *dir, char *err, size_t errlen);

/* Closes the environment and frees s (NULL is fine). */
void sub_store_close(sub_store *s);

/* The directory the store was opened in (for messages). */
const char *sub_store_dir(const sub_store *s);

/* Loads every stored view entry into c (sub_collect_load with now_ms:
 * not dirty, stale as stored). Entries that no longer decode are skipped and
 * counted in *skipped (may be NULL). Returns 0 or an hb_err. */
int sub_store_load_view(sub_store *s, sub_collect *c, int64_t now_ms, size_t *skipped);

/* Writes every dirty entry of c, then clears their dirty flags; *written
 * (may be NULL) gets how many were written. Counted in sub/metrics.h. */
int sub_store_flush_view(sub_store *s, sub_collect *c, size_t *written);

/* Loads every stored history entry into h (sub_history_put: replaces an
 * entry with the same key, not dirty). Entries that do not decode (or name
 * no week) are skipped and counted in *skipped (may be NULL). */
int sub_store_load_history(sub_store *s, sub_history *h, size_t *skipped);

/* Writes every dirty entry of h, then clears their dirty flags; *written
 * (may be NULL) gets how many. */
int sub_store_flush_history(sub_store *s, sub_history *h, size_t *written);

/* The environment and the accounts db (hb_account.h), for the login gate
 * and `huibao-sub account`; valid until sub_store_close. */
void sub_store_accounts(const sub_store *s, MDB_env **env, MDB_dbi *accounts);

#endif
