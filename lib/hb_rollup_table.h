/* hb_rollup_table.h: a Rollup as a table for terminals. */
#ifndef HB_ROLLUP_TABLE_H
#define HB_ROLLUP_TABLE_H

#include <stdio.h>
#include "huibao/v1/huibao.pb-c.h"

/* Writes a human table of r in Chinese (with English codes) to f; text from
 * the network is sanitised (no control characters reach the terminal).
 * Returns 0, HB_ENOMEM or HB_EIO (a write to f failed). */
int hb_rollup_write_table(const Huibao__V1__Rollup *r, FILE *f);

#endif
