/* verify.h: `huibao-aggregator verify`: recompute every aggregate from the
 * records db and compare with the stored ones. */
#ifndef AGG_VERIFY_H
#define AGG_VERIFY_H

#include <stdio.h>
#include "store.h"

/* Compares s's stored aggregates with a recomputation from its records.
 * Writes one line per difference to out. Returns the number of
 * differences, or a negative hb_err (err says why). */
long verify_store(store *s, FILE *out, size_t *nrecords, char *err, size_t errlen);

/* The subcommand: argv[0] is "verify". Returns the exit code. */
int verify_main(int argc, char **argv);

#endif
