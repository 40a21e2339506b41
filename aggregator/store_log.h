/* store_log.h: the keys of the county's history (issue 14, H1), shared
 * by the store that writes it (store_log.c), the history reader
 * (history.c) and verify (verify_log.c).
 *
 *   log     key n (uint64 BE, n = 1, 2, ...) -> packed LogEntry
 *   logidx  key records key (unit \0 kind id) + n (uint64 BE) -> empty:
 *           one per entry about that record (a version, a decision, the
 *           removal of that one record; the removal of a whole unit has
 *           none). Issue 15: no longer written; an issue-14 store keeps it
 *           frozen for its entries up to meta "logidx-upto" (the head at
 *           the upgrade), a newer store has it empty.
 *   gone    key records key -> n (uint64 BE) of the last entry about a
 *           record an operator removed (admin unlock / reset-unit): where
 *           its history is read from while it is not stored (issue 15)
 *
 * Issue 15 (meta "records-format" = 1): a records db value is not the body
 * but STORE_REC_VLEN bytes pointing into the history: the entry n of the
 * current version, the entry n of the last entry about the record (a
 * version or a decision: the head of its backward chain, LogEntry.about_prev)
 * and the body's length (uint32 BE, for the unit's usage). */
#ifndef AGG_STORE_LOG_H
#define AGG_STORE_LOG_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

/* The longest records key (as store_internal.h STORE_KEY_MAX) and logidx key. */
#define STORE_LOG_RKEY_MAX 511
#define STORE_LOG_IKEY_MAX (STORE_LOG_RKEY_MAX + 8)

#include "hb_lmdb.h"

#define STORE_META_RECORDS_FORMAT "records-format"
#define STORE_RECORDS_FORMAT 1
#define STORE_META_LOGIDX_UPTO "logidx-upto"
#define STORE_REC_VLEN 20

/* A records db value of format 1. */
typedef struct store_recval {
  uint64_t n;    /* entry of the current version */
  uint64_t last; /* last entry about the record (version or decision) */
  uint32_t blen; /* length of the packed body */
} store_recval;

/* Writes rv into b (STORE_REC_VLEN bytes). */
void store_recval_put(uint8_t *b, const store_recval *rv);
/* Reads a records value of format 1; HB_EDB if it is not one. */
int store_recval_get(const MDB_val *v, store_recval *rv);

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
