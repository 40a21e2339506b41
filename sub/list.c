/* list.c: `huibao-sub list` (list.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "list.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>
#include "collect.h"
#include "gather.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_list.h"
#include "net.h"
#include "replica.h"
#include "store.h"

/* The command line's problem into err ("" if none). */
static void list_check(const sub_cli *cli, hb_list_what *what, hb_list_format *fmt, char *err,
                       size_t errlen)
{
  *fmt = cli->format_name ? hb_list_format_parse(cli->format_name) : HB_LIST_TABLE;
  if (!cli->list_what || hb_list_what_parse(cli->list_what, what) != 0)
    snprintf(err, errlen, "say what to list: problems, cases or activities");
  else if (!*fmt)
    snprintf(err, errlen, "--format: '%s' is not table, csv, json or xlsx", cli->format_name);
  else if (*fmt == HB_LIST_XLSX && !cli->out)
    snprintf(err, errlen, "--format xlsx needs --out FILE.xlsx");
  else if (cli->status && !hb_list_status_known(cli->status))
    snprintf(err, errlen, "--status: '%s' 不是已知的状态 (is not a known status: see --help)",
             cli->status);
  else if (cli->period && hb_date_parse(cli->period, &(int32_t){0}) != 0)
    snprintf(err, errlen, "--period: '%s' is not a period id (YYYY-MM-DD, its due date)",
             cli->period);
}

/* The names of every county's rollups: the view stored in --data (none:
 * the rows show codes), or those received from --connect. An exit code
 * (EX_TEMPFAIL: some county gave nothing in time; the names of the others
 * are given). */
static int list_names(const sub_cli *cli, hb_list *l)
{
  sub_collect c;
  sub_collect_init(&c);
  char **origins = NULL;
  size_t norigins = 0;
  int code = EX_OK;
  if (cli->data) {
    char path[4096], err[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/data.mdb", cli->data);
    sub_store *st = NULL;
    if (stat(path, &sb) == 0 && sub_store_open(&st, cli->data, err, sizeof err) == 0 &&
        sub_store_load_view(st, &c, hb_time_mono_ms(), NULL) != 0)
      fprintf(stderr, "%s: list: the stored view does not read: the rows show codes\n",
              SUB_PROGRAM);
    sub_store_close(st);
  } else {
    code = sub_gather(cli, &c, &origins, &norigins);
  }
  for (size_t i = 0; (code == EX_OK || code == EX_TEMPFAIL) && i < c.count; i++) {
    const Huibao__V1__Rollup *r = c.items[i].r;
    if (r && hb_list_names_from_rollup(l, r->source, r) != 0)
      code = EX_SOFTWARE;
  }
  sub_net_free_list(origins, norigins);
  sub_collect_free(&c);
  return code;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb, (void)flag, (void)ftw;
  return remove(path);
}

/* The replica: the one in --data (read-only), or one caught up once in a
 * temporary directory (tmp, removed by the caller). An exit code. */
static int list_replica(const sub_cli *cli, char *tmp, sub_replica **r)
{
  char err[512] = "";
  const char *dir = cli->data;
  if (!dir && !(dir = mkdtemp(tmp))) {
    fprintf(stderr, "%s: list: cannot make a temporary directory: %s\n", SUB_PROGRAM,
            strerror(errno));
    return EX_IOERR;
  }
  int rc = sub_replica_open(r, dir, cli->data != NULL, err, sizeof err);
  if (rc == HB_ENOTFOUND) {
    fprintf(stderr, "%s: list: 没有副本 (no replica in %s: run `huibao-sub run --data %s` first)\n",
            SUB_PROGRAM, dir, dir);
    return EX_NOINPUT;
  }
  if (rc == 0 && !cli->data)
    rc = sub_replica_catch_up_once(*r, cli, cli->timeout_ms, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "%s: list: %s\n", SUB_PROGRAM, err[0] ? err : hb_strerror(rc));
    return hb_exit_for(rc);
  }
  return EX_OK;
}

/* The rows of the replica into l, then the output. An exit code. */
static int list_out(const sub_cli *cli, sub_replica *r, hb_list *l, hb_list_format fmt)
{
  char err[512] = "";
  int rc = sub_replica_foreach(r, NULL, hb_list_add, l, err, sizeof err);
  if (rc == 0) {
    const char *place = cli->source_name                   ? cli->source_name
                        : strcmp(cli->source, "city") != 0 ? cli->source
                                                           : NULL;
    rc = hb_list_save(l, fmt, cli->out, place, err, sizeof err);
  }
  if (rc != 0) {
    fprintf(stderr, "%s: list: %s\n", SUB_PROGRAM, err[0] ? err : hb_strerror(rc));
    return hb_exit_for(rc);
  }
  return EX_OK;
}

int sub_list(const sub_cli *cli)
{
  char err[512] = "";
  hb_list_what what = HB_LIST_PROBLEMS;
  hb_list_format fmt = HB_LIST_TABLE;
  list_check(cli, &what, &fmt, err, sizeof err);
  if (err[0]) {
    fprintf(stderr, "%s: list: %s\nTry '%s --help'.\n", SUB_PROGRAM, err, SUB_PROGRAM);
    return EX_USAGE;
  }
  hb_list_filter f = {cli->campaign, cli->unit,         cli->category,  cli->status,
                      cli->period,   cli->overdue != 0, hb_date_today()};
  hb_list *l;
  if (hb_list_new(&l, what, &f) != 0)
    return EX_SOFTWARE;
  char tmp[] = "/tmp/huibao-list-XXXXXX";
  sub_replica *r = NULL;
  int code = list_replica(cli, tmp, &r);
  int names = code == EX_OK ? list_names(cli, l) : code;
  if (code == EX_OK && (names == EX_OK || names == EX_TEMPFAIL))
    code = list_out(cli, r, l, fmt);
  else if (code == EX_OK)
    code = names;
  sub_replica_close(r);
  if (!cli->data && strcmp(tmp, "/tmp/huibao-list-XXXXXX") != 0)
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
  hb_list_free(l);
  return code == EX_OK ? names : code;
}
