/* store_log.h: the keys of the county's history (issue 14, H1), shared
 * by the store that writes it (store_log.c), the history reader
 * (history.c) and verify (verify_log.c).
 *
 *   log     key n (uint64 BE, n = 1, 2, ...) -> packed LogEntry
 *   logidx  key records key (unit \0 kind id) + n (uint64 BE) -> empty:
 *           one per entry about that record (a version, a decision, the
 *           removal of that one record; the removal of a whole unit has
 *           none) */
#ifndef AGG_STORE_LOG_H
#define AGG_STORE_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

/* The longest records key (as store_internal.h STORE_KEY_MAX) and logidx key. */
#define STORE_LOG_RKEY_MAX 511
#define STORE_LOG_IKEY_MAX (STORE_LOG_RKEY_MAX + 8)

/* Writes the records key unit \0 kind id into buf (STORE_LOG_RKEY_MAX
 * bytes; STORE_LOG_IKEY_MAX for the n that store_log_ikey appends): the
 * one builder of the records db's keys. Returns its length, 0 if it would
 * not fit. */
size_t store_log_rkey(char *buf, const char *unit, char kind, const char *id);

/* Appends n (uint64 BE) to the records key buf[0..rlen): the logidx key.
 * Returns its length. */
size_t store_log_ikey(char *buf, size_t rlen, uint64_t n);

/* The record entry e is about: *unit, *kind ('A' 'P' 'I' 'C' 'R') and
 * *id borrowed from e. Returns 0, or 1 when e is about no single record
 * (the removal of a whole unit), or -1 when it is malformed. */
int store_log_about(const Huibao__V1__LogEntry *e, const char **unit, char *kind, const char **id);

#endif
