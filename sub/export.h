/* export.h: huibao-sub export: the per-unit table and totals as CSV or .xlsx (issue 6). */
#ifndef SUB_EXPORT_H
#define SUB_EXPORT_H

#include <stddef.h>
#include <stdio.h>
#include "cli.h"
#include "huibao/v1/huibao.pb-c.h"

/* Runs the command; returns the process exit code (sysexits.h) after
 * printing its own messages. */
int sub_export(const sub_cli *cli);

/* The writers the command uses, for the tests: the CSV of rs[0..n) to f
 * (check ferror(f)); the .xlsx at path, returning 0 or an lxw_error
 * (lxw_strerror). Text cells are written as export.c's header comment
 * says (formulas neutralised, XML-safe). */
void sub_export_write_csv(FILE *f, Huibao__V1__Rollup *const *rs, size_t n);
int sub_export_write_xlsx(const char *path, Huibao__V1__Rollup *const *rs, size_t n);

#endif
