/* verify_internal.h: what verify.c (the check, the loop's state) and
 * verify_cmd.c (the command) share. Private to those two. */
#ifndef SUB_VERIFY_INTERNAL_H
#define SUB_VERIFY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "collect.h"
#include "replica.h"

/* One finding, owned copies of recount.h's sub_finding. */
typedef struct sub_vfind {
  char *campaign, *unit, *record, *figure, *text;
} sub_vfind;

/* What is known of one county after its last check. */
typedef struct sub_vcounty {
  char *code;      /* owned */
  uint64_t held_n; /* the replica's head when checked */
  bool failed;     /* at least one finding */
  sub_vfind *f;    /* owned */
  size_t nf, capf;
  char **notes; /* owned: why a rollup was not comparable yet */
  size_t nnotes, capnotes;
  uint64_t sig; /* of what the check depended on */
  bool checked;
  int64_t checked_ms;
} sub_vcounty;

/* Frees k's findings and notes (not its code) and clears its flag. */
void sub_vcounty_clear(sub_vcounty *k);

/* Checks county k->code: the replica's findings of h (its head), the
 * signatures of its records, and the recount against each of its rollups
 * in c held at h->n. k's findings and notes are replaced. Returns 0 or an
 * hb_err (reading the replica, HB_ENOMEM). */
int sub_verify_county(sub_replica *rep, const sub_replica_county *h, const sub_collect *c,
                      sub_vcounty *k);

/* The counties the replica holds, as owned copies (*out: free with
 * sub_verify_heads_free). rep NULL: none. Returns 0 or an hb_err. */
int sub_verify_heads(sub_replica *rep, sub_replica_county **out, size_t *n, char *err,
                     size_t errlen);
void sub_verify_heads_free(sub_replica_county *v, size_t n);

/* One county as sub_verify_json shows it; NULL on ENOMEM. */
json_t *sub_vcounty_json(const sub_vcounty *k);

#endif
