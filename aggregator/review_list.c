/* review_list.c: `huibao-aggregator review --data DIR list` and the queue
 * item form the console shares (see review_list.h). */
#include "review_list.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include "hb_cli.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_lmdb.h"
#include "hb_table.h"
#include "hb_vocab.h"
#include "store.h"

static const char review_list_usage[] =
    "usage: huibao-aggregator review --data DIR list [--unit U]\n"
    "           [--state claimed|returned|deletion] [--format table|json]\n"
    "  the queue of what waits for review (待销号, 已退回/重新打开, 待审批撤销)\n";

const char *review_list_queue_zh(const char *queue)
{
  static const char *const zh[][2] = {{"claimed", "待销号"},
                                      {"returned", "已退回"},
                                      {"reopened", "重新打开"},
                                      {"deletion", "待审批撤销"}};
  for (size_t i = 0; queue && i < sizeof zh / sizeof zh[0]; i++)
    if (strcmp(queue, zh[i][0]) == 0)
      return zh[i][1];
  return "";
}

/* The fields of an entry as text (borrowed from it, or from buf). */
typedef struct item_text {
  const char *unit, *kind_zh, *id, *campaign, *category, *subcategory, *text, *measures, *owner,
      *source, *status;
  char deadline[16];
  uint64_t version;
} item_text;

static const char *str(const char *s)
{
  return s ? s : "";
}

static void item_text_of(const review_item *it, item_text *t)
{
  memset(t, 0, sizeof *t);
  const Huibao__V1__Problem *p = it->rec->problem;
  const Huibao__V1__Activity *a = it->rec->activity;
  if (p) {
    *t = (item_text){p->unit,
                     "问题",
                     p->id,
                     str(p->campaign),
                     str(p->category),
                     str(p->subcategory),
                     str(p->description),
                     str(p->measures_text),
                     str(p->owner),
                     p->source ? hb_vocab_source_zh((int)p->source) : "",
                     p->has_status ? hb_vocab_status_zh((int)p->status) : "",
                     "",
                     p->version};
    if (p->deadline)
      hb_date_format(p->deadline, t->deadline, sizeof t->deadline);
  } else if (a) {
    *t = (item_text){a->unit, "活动", a->id, str(a->campaign), "", "", str(a->title), "", "",
                     "",      "",     "",    a->version};
  } else {
    *t = (item_text){"", "", "", "", "", "", "", "", "", "", "", "", 0};
  }
}

json_t *review_list_item_json(const review_item *it)
{
  item_text t;
  item_text_of(it, &t);
  const Huibao__V1__ReviewState *r = it->review;
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, "
                   "s:s, s:s, s:I}",
                   "unit", t.unit, "kind", it->rec->problem ? "problem" : "activity", "id", t.id,
                   "campaign", t.campaign, "category", t.category, "subcategory", t.subcategory,
                   "text", t.text, "deadline", t.deadline, "measures", t.measures, "owner", t.owner,
                   "source", t.source, "status", t.status, "version", (json_int_t)t.version,
                   "queue", it->queue, "queue_zh", review_list_queue_zh(it->queue), "reason",
                   r ? str(r->reason) : "", "reviewer", r ? str(r->reviewer) : "", "at_s",
                   (json_int_t)(r ? r->at_s : 0));
}

typedef struct list_ctx {
  json_t *items; /* --format json */
  hb_table *table;
} list_ctx;

static int list_one(void *ctx, const review_item *it)
{
  list_ctx *c = ctx;
  if (c->items) {
    json_t *o = review_list_item_json(it);
    return o && json_array_append_new(c->items, o) == 0 ? 0 : HB_ENOMEM;
  }
  item_text t;
  item_text_of(it, &t);
  const Huibao__V1__ReviewState *r = it->review;
  hb_table_row(c->table, (const char *[]){t.unit, t.kind_zh, t.id, t.category, t.text, t.deadline,
                                          t.measures, t.owner, review_list_queue_zh(it->queue),
                                          r ? str(r->reason) : "", r ? str(r->reviewer) : ""});
  return c->table->failed ? HB_ENOMEM : 0;
}

/* Lists the queue of d matching f on stdout. */
static int list_write(const store_dbs *d, const review_filter *f, bool json, char *err,
                      size_t errlen)
{
  hb_table table;
  hb_table_init(&table, "lllllllllll");
  hb_table_row(&table, (const char *[]){"单位", "台账", "编号", "类别", "问题", "整改时限", "措施",
                                        "责任人", "状态", "原因", "审核人"});
  list_ctx c = {json ? json_array() : NULL, &table};
  MDB_txn *txn;
  int rc = (json && !c.items) ? HB_ENOMEM : mdb_txn_begin(d->env, NULL, MDB_RDONLY, &txn);
  if (rc > 0) {
    snprintf(err, errlen, "read transaction: %s", mdb_strerror(rc));
    rc = hb_lmdb_err(rc);
  } else if (rc == 0) {
    rc = review_queue_foreach(txn, d, f, list_one, &c);
    mdb_txn_abort(txn);
  }
  if (rc == 0 && json) {
    json_t *doc =
        json_pack("{s:I, s:O}", "count", (json_int_t)json_array_size(c.items), "items", c.items);
    rc = doc && json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : HB_EIO;
    fputc('\n', stdout);
    json_decref(doc);
  } else if (rc == 0) {
    hb_table_print(&table, stdout, "");
    printf("共 %zu 项 (%zu items)\n", table.nrows - 1, table.nrows - 1);
  }
  if (rc != 0 && !err[0])
    snprintf(err, errlen, "%s", hb_strerror(rc));
  json_decref(c.items);
  hb_table_free(&table);
  return rc;
}

typedef struct list_opts {
  const char *data, *unit, *state, *format;
} list_opts;

static const hb_cli_opt list_table[] = {
    {.name = "data", .kind = HB_CLI_STR, .offset = offsetof(list_opts, data)},
    {.name = "unit", .kind = HB_CLI_STR, .offset = offsetof(list_opts, unit)},
    {.name = "state", .kind = HB_CLI_STR, .offset = offsetof(list_opts, state)},
    {.name = "format", .kind = HB_CLI_STR, .offset = offsetof(list_opts, format)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

/* The command line's problem, "" if none. */
static void list_check(const list_opts *o, int rc, int npos, int argc, char **argv, char *err,
                       size_t errlen)
{
  if (rc != HB_CLI_RUN)
    return;
  if (argc - npos != 1 || strcmp(argv[npos], "list") != 0)
    snprintf(err, errlen, "expected the one verb list");
  else if (!o->data)
    snprintf(err, errlen, "--data DIR is required");
  else if (o->state && strcmp(o->state, "claimed") != 0 && strcmp(o->state, "returned") != 0 &&
           strcmp(o->state, "deletion") != 0)
    snprintf(err, errlen, "--state: '%s' is not claimed, returned or deletion", o->state);
  else if (o->format && strcmp(o->format, "table") != 0 && strcmp(o->format, "json") != 0)
    snprintf(err, errlen, "--format: '%s' is not table or json", o->format);
}

int review_list_main(int argc, char **argv)
{
  list_opts o = {0};
  char err[512] = "";
  int npos = argc;
  int rc = hb_cli_parse(list_table, 0, &o, argc, argv, &npos, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    fputs(review_list_usage, stdout);
    return 0;
  }
  list_check(&o, rc, npos, argc, argv, err, sizeof err);
  if (err[0]) {
    fprintf(stderr, "huibao-aggregator review: %s\n%s", err, review_list_usage);
    return EX_USAGE;
  }
  char path[4096];
  struct stat sb;
  snprintf(path, sizeof path, "%s/data.mdb", o.data);
  if (stat(path, &sb) != 0) {
    fprintf(stderr, "huibao-aggregator review: 没有数据库 (no store): %s: %s\n", path,
            strerror(errno));
    return EX_NOINPUT;
  }
  store *s;
  if ((rc = store_open_readonly(&s, o.data, err, sizeof err)) != 0) {
    fprintf(stderr, "huibao-aggregator review: %s\n", err);
    return hb_exit_for(rc);
  }
  store_dbs d;
  store_dbs_get(s, &d);
  review_filter f = {o.unit, o.state};
  rc = list_write(&d, &f, o.format && strcmp(o.format, "json") == 0, err, sizeof err);
  store_close(s);
  if (rc != 0) {
    fprintf(stderr, "huibao-aggregator review: %s\n", err);
    return hb_exit_for(rc);
  }
  return 0;
}
