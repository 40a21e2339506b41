/* fuzz_xlsx: a ledger kept as an .xlsx workbook: the bytes of the file into
 * hb_xlsx (libzip + expat), every sheet read, and the first two sheets
 * checked as the activities and problems tables by the ledger's own code
 * (hb_ledger_parse_sheet), as hb_ledger_load_xlsx does. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "hb_err.h"
#include "hb_ledger.h"
#include "hb_text.h"
#include "hb_xlsx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the reader promises: rows in increasing order, fields valid UTF-8,
 * trailing empty cells cut, no blank row. */
static void check_table(const hb_xlsx_table *t)
{
  unsigned last = 0;
  static char *fields[HB_XLSX_MAX_COLS];
  hb_csv_row dense;
  for (size_t r = 0; r < t->nrows; r++) {
    const hb_xlsx_row *sparse = &t->rows[r];
    if (sparse->ncells == 0 || sparse->ncells > sparse->nfields)
      abort();
    for (size_t k = 1; k < sparse->ncells; k++)
      if (sparse->cols[k] <= sparse->cols[k - 1])
        abort();
    const hb_csv_row *row = hb_xlsx_row_expand(&t->rows[r], &dense, fields);
    if (row->line <= last || row->nfields == 0 || row->nfields > HB_XLSX_MAX_COLS)
      abort();
    last = row->line;
    for (size_t c = 0; c < row->nfields; c++)
      if (!row->fields[c] || !hb_utf8_valid(row->fields[c], strlen(row->fields[c])))
        abort();
    if (!row->fields[row->nfields - 1][0])
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  hb_xlsx *x = NULL;
  char err[512];
  if (hb_xlsx_open_buffer(data, size, &x, err, sizeof err) != 0) {
    if (x)
      abort();
    return 0;
  }
  /* keep each run small: a fuzzer's zip bomb stops here, the real limit
   * is tested in unit.xlsx */
  hb_xlsx_limit_part(x, 4u << 20);
  hb_ledger l;
  memset(&l, 0, sizeof l);
  hb_diags d;
  hb_diags_init(&d);
  size_t n = hb_xlsx_sheet_count(x);
  for (size_t i = 0; i < n && i < 8; i++) {
    if (!hb_xlsx_sheet_name(x, i))
      abort();
    hb_xlsx_table t;
    int rc = hb_xlsx_sheet_read(x, i, &t, err, sizeof err);
    if (rc == 0) {
      check_table(&t);
      if (i < 2)
        hb_ledger_parse_sheet("台账.xlsx", hb_xlsx_sheet_name(x, i), x, i, (int)i, "xq-dlz",
                              fuzz_campaigns(), fuzz_today(), &l, &d, err, sizeof err);
    } else if (!err[0] && rc != HB_ENOMEM) {
      abort(); /* every failure says why */
    }
    hb_xlsx_table_free(&t);
  }
  char line[1024];
  for (size_t i = 0; i < d.count; i++)
    hb_diag_format(&d.items[i], line, sizeof line);
  hb_diags_free(&d);
  hb_ledger_free(&l);
  hb_xlsx_close(x);
  return 0;
}
