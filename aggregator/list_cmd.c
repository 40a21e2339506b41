/* list_cmd.c: `huibao-aggregator list problems|cases|activities` (issue 15,
 * docs/lists.md): the county's own records as a list (lib/hb_list.h),
 * read from the store in one read transaction (store_list_foreach), so it
 * works while the service runs. The names (the county's, the units', the
 * categories', the declared kinds') and the periods come from the
 * county's own rollups, built from the stored aggregates with the units
 * and campaigns files exactly as the service publishes them
 * (hb_rollup_build); without those files the rows show codes.
 *
 * Exit codes: 0 listed (also when no row passes the filters); 64 a bad
 * command line; 66 DIR holds no store; 70 internal error; 74 the store
 * or --out could not be read or written; 78 a bad -c, units or campaigns
 * file. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include "commands.h"
#include "config.h"
#include "hb_campaigns.h"
#include "hb_cli.h"
#include "hb_date.h"
#include "hb_diag.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_list.h"
#include "hb_rollup_build.h"
#include "hb_units.h"
#include "hb_vocab.h"
#include "hb_wire.h"
#include "store.h"

#define PROG "huibao-aggregator list"

static const char list_usage[] =
    "usage: huibao-aggregator list problems|cases|activities --data DIR\n"
    "           [-c FILE | --units FILE --campaigns FILE] [--code CODE] [--name NAME]\n"
    "           [--campaign ID] [--unit CODE] [--category CODE] [--status S] [--overdue]\n"
    "           [--period ID] [--format table|csv|json|xlsx] [--out FILE]\n"
    "\n"
    "  列出本县的问题（整改台账）、典型或活动 (the county's problems, cases or activities)\n"
    "  -c FILE        the service's configuration file: data, units, campaigns, code, name\n"
    "  --units FILE --campaigns FILE   names of units, categories, kinds; the periods\n"
    "  --status S     identified|rectifying|resolved (已查摆 整改中 已整改) or a review state:\n"
    "                 none claimed confirmed returned reopened deletion deletion_refused\n"
    "                 (未审核 待销号 已销号 已退回 重新打开 待审批撤销 撤销未同意)\n"
    "  --overdue      open problems past their deadline (逾期)\n"
    "  --period ID    dated in the campaign's period ID (its due date, YYYY-MM-DD)\n"
    "  --format F     table (default), csv (UTF-8 BOM, CRLF), json, xlsx (needs --out)\n"
    "\n"
    "Safe while the service runs (a read transaction). Row keys: docs/lists.md.\n"
    "Exit codes: 0 listed, 64 usage, 66 no store, 70 internal error, 74 I/O error,\n"
    "78 a bad -c, units or campaigns file.\n";

typedef struct list_opts {
  const char *data, *config, *units, *campaigns, *code, *name;
  const char *campaign, *unit, *category, *status, *period, *format, *out;
  int overdue;
} list_opts;

#define O(f) .offset = offsetof(list_opts, f)
static const hb_cli_opt list_table[] = {
    {.name = "data", .kind = HB_CLI_STR, O(data)},
    {.name = "config", .letter = 'c', .kind = HB_CLI_STR, O(config)},
    {.name = "units", .kind = HB_CLI_STR, O(units)},
    {.name = "campaigns", .kind = HB_CLI_STR, O(campaigns)},
    {.name = "code", .kind = HB_CLI_STR, O(code)},
    {.name = "name", .kind = HB_CLI_STR, O(name)},
    {.name = "campaign", .kind = HB_CLI_STR, O(campaign)},
    {.name = "unit", .kind = HB_CLI_STR, O(unit)},
    {.name = "category", .kind = HB_CLI_STR, O(category)},
    {.name = "status", .kind = HB_CLI_STR, O(status)},
    {.name = "overdue", .kind = HB_CLI_FLAG, O(overdue)},
    {.name = "period", .kind = HB_CLI_STR, O(period)},
    {.name = "format", .kind = HB_CLI_STR, O(format)},
    {.name = "out", .kind = HB_CLI_STR, O(out)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};
#undef O

/* The command line's problem into err ("" if none). */
static void list_check(const list_opts *o, int npos, int argc, char **argv, hb_list_what *what,
                       hb_list_format *fmt, char *err, size_t errlen)
{
  *fmt = o->format ? hb_list_format_parse(o->format) : HB_LIST_TABLE;
  if (argc - npos != 1 || hb_list_what_parse(argv[npos], what) != 0)
    snprintf(err, errlen, "say what to list: problems, cases or activities");
  else if (!o->data)
    snprintf(err, errlen, "--data DIR is required (or data = in the -c file)");
  else if (!*fmt)
    snprintf(err, errlen, "--format: '%s' is not table, csv, json or xlsx", o->format);
  else if (*fmt == HB_LIST_XLSX && !o->out)
    snprintf(err, errlen, "--format xlsx needs --out FILE.xlsx");
  else if (o->status && !hb_list_status_known(o->status))
    snprintf(err, errlen, "--status: '%s' 不是已知的状态 (is not a known status: see --help)",
             o->status);
  else if (o->period && hb_date_parse(o->period, &(int32_t){0}) != 0)
    snprintf(err, errlen, "--period: '%s' is not a period id (YYYY-MM-DD, its due date)",
             o->period);
}

/* The -c file's settings under the flags (flags win). 0 or EX_CONFIG. */
static int list_config(list_opts *o, agg_config *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  if (!o->config)
    return 0;
  char *argv[] = {"huibao-aggregator", "-c", (char *)o->config, NULL};
  char err[512];
  if (config_parse(cfg, 3, argv, err, sizeof err) != 0) {
    fprintf(stderr, "%s: %s\n", PROG, err);
    config_free(cfg);
    return EX_CONFIG;
  }
  const char **mine[] = {&o->data, &o->units, &o->campaigns, &o->code, &o->name};
  char *theirs[] = {cfg->data, cfg->units, cfg->campaigns, cfg->code, cfg->name};
  for (size_t i = 0; i < sizeof mine / sizeof *mine; i++)
    if (!*mine[i])
      *mine[i] = theirs[i];
  return 0;
}

/* The county's rollup of each campaign, built from the stored aggregates
 * as the service publishes it, handed to the list for its names. */
static int list_names(hb_list *l, store *s, const hb_units *u, const hb_campaigns *c,
                      const char *code, const char *name)
{
  const aggmap *all = store_aggs(s);
  const hb_agg **aggs = calloc(all->count ? all->count : 1, sizeof *aggs);
  const hb_period_facts **facts = calloc(u->count ? u->count : 1, sizeof *facts);
  int64_t *last_sync = calloc(u->count ? u->count : 1, sizeof *last_sync);
  int rc = aggs && facts && last_sync ? 0 : HB_ENOMEM;
  for (size_t k = 0; rc == 0 && k < c->count; k++) {
    const hb_campaign *camp = &c->items[k];
    size_t n = 0, it;
    for (aggmap_node *nd = aggmap_first(all, &it); nd; nd = aggmap_next(all, nd, &it))
      if (strcmp(nd->agg->campaign, camp->id) == 0)
        aggs[n++] = nd->agg;
    for (size_t i = 0; i < u->count; i++) {
      last_sync[i] = store_last_sync(s, u->items[i].code);
      facts[i] = store_period_facts(s, camp->id, u->items[i].code);
    }
    hb_rollup_input in = {.source = code,
                          .source_name = name,
                          .campaign = camp,
                          .units = u,
                          .aggs = aggs,
                          .naggs = n,
                          .last_sync = last_sync,
                          .seq = store_seq(s, camp->id),
                          .as_of_ms = hb_time_now_ms(),
                          .campaign_count = (uint32_t)c->count,
                          .today = hb_date_today(),
                          .facts = facts,
                          .now_s = hb_time_now_ms() / 1000};
    uint8_t *buf = NULL;
    size_t len = 0;
    Huibao__V1__Rollup *r = NULL;
    rc = hb_rollup_build(&in, &buf, &len);
    if (rc == 0 && (rc = hb_rollup_unpack(buf, len, &r)) == 0) {
      rc = hb_list_names_from_rollup(l, "", r);
      protobuf_c_message_free_unpacked(&r->base, NULL);
    }
    free(buf);
  }
  free(aggs);
  free(facts);
  free(last_sync);
  return rc;
}

/* The units and campaigns files, when given. 0 or EX_CONFIG. */
static int list_inputs(const list_opts *o, hb_units *u, hb_campaigns *c)
{
  hb_diags d;
  hb_diags_init(&d);
  int bad = (o->units && hb_units_load(o->units, u, &d) != 0) ||
            (o->campaigns && hb_campaigns_load(o->campaigns, c, &d) != 0);
  if (bad)
    hb_diags_write(&d, stderr);
  hb_diags_free(&d);
  return bad ? EX_CONFIG : 0;
}

/* The list of the store in o->data, written out. An exit code. */
static int list_run(const list_opts *o, hb_list_what what, hb_list_format fmt)
{
  char path[4096], err[512] = "";
  struct stat sb;
  snprintf(path, sizeof path, "%s/data.mdb", o->data);
  if (stat(path, &sb) != 0) {
    fprintf(stderr, "%s: 没有数据库 (no store): %s: %s\n", PROG, path, strerror(errno));
    return EX_NOINPUT;
  }
  hb_units u;
  hb_campaigns c;
  memset(&u, 0, sizeof u);
  memset(&c, 0, sizeof c);
  int code = list_inputs(o, &u, &c);
  store *s = NULL;
  hb_list *l = NULL;
  int rc = code ? 0 : store_open_readonly(&s, o->data, err, sizeof err);
  hb_list_filter f = {o->campaign, o->unit,         o->category,    o->status,
                      o->period,   o->overdue != 0, hb_date_today()};
  /* the county's code and name as the service chooses them (server.c
   * choose_source): the flags, else the units file's county unit */
  const hb_unit *county = NULL;
  for (size_t i = 0; i < u.count && !county; i++)
    if (u.items[i].type == HB_UNIT_COUNTY)
      county = &u.items[i];
  const char *ccode = o->code ? o->code : county ? county->code : "county";
  const char *cname = o->name ? o->name : county && county->name ? county->name : ccode;
  if (!code && rc == 0 && (rc = hb_list_new(&l, what, &f)) == 0)
    rc = list_names(l, s, &u, &c, ccode, cname);
  if (!code && rc == 0) {
    store_dbs d;
    store_dbs_get(s, &d);
    rc = store_list_foreach(&d, o->unit, hb_list_add, l, err, sizeof err);
  }
  if (!code && rc == 0) {
    const char *place = hb_list_county_name(l, "");
    rc = hb_list_save(l, fmt, o->out, place, err, sizeof err);
  }
  if (!code && rc != 0) {
    fprintf(stderr, "%s: %s\n", PROG, err[0] ? err : hb_strerror(rc));
    code = hb_exit_for(rc);
  }
  hb_list_free(l);
  store_close(s);
  hb_units_free(&u);
  hb_campaigns_free(&c);
  return code;
}

int list_main(int argc, char **argv)
{
  list_opts o = {0};
  char err[512] = "";
  int npos = argc;
  int rc = hb_cli_parse(list_table, 0, &o, argc, argv, &npos, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    fputs(list_usage, stdout);
    return 0;
  }
  agg_config cfg;
  int code = rc == HB_CLI_RUN ? list_config(&o, &cfg) : 0;
  if (code != 0)
    return code;
  hb_list_what what = HB_LIST_PROBLEMS;
  hb_list_format fmt = HB_LIST_TABLE;
  if (rc == HB_CLI_RUN)
    list_check(&o, npos, argc, argv, &what, &fmt, err, sizeof err);
  if (err[0]) {
    fprintf(stderr, "%s: %s\n%s", PROG, err, list_usage);
    if (rc == HB_CLI_RUN)
      config_free(&cfg);
    return EX_USAGE;
  }
  code = list_run(&o, what, fmt);
  config_free(&cfg);
  return code;
}
