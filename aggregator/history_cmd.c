/* history_cmd.c: `huibao-aggregator history --data DIR UNIT ID [--kind K]
 * [--format table|json]` (see commands.h): a record's versions, with what
 * changed from the version before, and the decisions on it, in the order
 * of the county's history (docs/operations.md). Exit codes: 0; 64 usage;
 * 65 an id of more than one kind without --kind; 66 no store, a store
 * without history, or no such record. */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include "commands.h"
#include "hb_cli.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_review.h"
#include "history.h"
#include "store.h"

static const char history_usage[] =
    "usage: huibao-aggregator history --data DIR UNIT ID [--kind KIND] [--format table|json]\n"
    "\n"
    "  UNIT ID        the record: the unit's code and the ledger's 编号\n"
    "  --kind K       activity, problem, indicator, case or report (报送), when ID\n"
    "                 names rows of more than one kind\n"
    "  --format F     table (default, Chinese) or json\n"
    "\n"
    "Every version the county stored (time in local time, who sent it, what changed:\n"
    "old -> new per ledger column) and every review decision on the record.\n";

static const struct {
  const char *name, *zh;
  char kind;
} history_kinds[] = {{"activity", "活动", 'A'},
                     {"problem", "问题", 'P'},
                     {"indicator", "指标", 'I'},
                     {"case", "典型", 'C'},
                     {"report", "报送", 'R'}};
#define HISTORY_NKINDS (sizeof history_kinds / sizeof history_kinds[0])

typedef struct history_opts {
  const char *data, *kind, *format;
} history_opts;

static const hb_cli_opt history_table[] = {
    {.name = "data", .kind = HB_CLI_STR, .offset = offsetof(history_opts, data)},
    {.name = "kind", .kind = HB_CLI_STR, .offset = offsetof(history_opts, kind)},
    {.name = "format", .kind = HB_CLI_STR, .offset = offsetof(history_opts, format)},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

/* What one run prints: the previous version (packed Record, to diff the
 * next against) and the JSON array being built (json mode). */
typedef struct history_out {
  bool json;
  json_t *entries;
  uint8_t *prev; /* packed Record of the last version, NULL after none or a removal */
  size_t prev_len;
  json_t *changes; /* the entry's changes (json) */
  size_t count;
} history_out;

static const char *actor_kind_name(int k)
{
  switch (k) {
  case HUIBAO__V1__LOG_ACTOR__ACTOR_UNIT: return "unit";
  case HUIBAO__V1__LOG_ACTOR__ACTOR_REVIEWER: return "reviewer";
  case HUIBAO__V1__LOG_ACTOR__ACTOR_ADMIN: return "admin";
  case HUIBAO__V1__LOG_ACTOR__ACTOR_IMPORT: return "import";
  default: return "unknown";
  }
}

static const char *actor_kind_zh(int k)
{
  switch (k) {
  case HUIBAO__V1__LOG_ACTOR__ACTOR_UNIT: return "单位";
  case HUIBAO__V1__LOG_ACTOR__ACTOR_REVIEWER: return "审核人";
  case HUIBAO__V1__LOG_ACTOR__ACTOR_ADMIN: return "管理员";
  case HUIBAO__V1__LOG_ACTOR__ACTOR_IMPORT: return "升级时已有，单位";
  default: return "未知";
  }
}

/* at_s as "YYYY-MM-DD HH:MM:SS" in the county's local time (TZ). */
static void history_time(int64_t at_s, char *buf, size_t len)
{
  time_t t = (time_t)at_s;
  struct tm tm;
  if (!localtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
    snprintf(buf, len, "%lld", (long long)at_s);
}

static int history_print_change(void *ctx, const char *field, const char *before, const char *after)
{
  history_out *o = ctx;
  if (o->json)
    return json_array_append_new(o->changes, json_pack("{s:s, s:s, s:s}", "field", field, "old",
                                                       before, "new", after))
               ? HB_ENOMEM
               : 0;
  printf("    %s：%s → %s\n", field, before[0] ? before : "（空）", after[0] ? after : "（空）");
  return 0;
}

/* A version: what changed from the one before (all of it for the first). */
static int history_version(history_out *o, const Huibao__V1__LogEntry *e, json_t *j)
{
  store_row r;
  if (store_row_of(e->record, &r) != 0)
    return HB_EPARSE;
  Huibao__V1__Record *old = o->prev ? huibao__v1__record__unpack(NULL, o->prev_len, o->prev) : NULL;
  if (o->json) {
    json_object_set_new(j, "type", json_string("version"));
    json_object_set_new(j, "version", json_integer((json_int_t)*r.version));
    json_object_set_new(j, "deleted", json_boolean(r.deleted));
    o->changes = json_array();
    json_object_set_new(j, "changes", o->changes);
  } else {
    printf("  版本 %llu%s\n", (unsigned long long)*r.version,
           r.deleted  ? "（删除）"
           : !o->prev ? "（新增）"
                      : "");
  }
  int rc = history_diff(old, e->record, history_print_change, o);
  if (old)
    huibao__v1__record__free_unpacked(old, NULL);
  free(o->prev);
  o->prev_len = huibao__v1__record__get_packed_size(e->record);
  o->prev = malloc(o->prev_len ? o->prev_len : 1);
  if (!o->prev)
    return HB_ENOMEM;
  huibao__v1__record__pack(e->record, o->prev);
  return rc;
}

static int history_decision(history_out *o, const Huibao__V1__Decision *d, json_t *j)
{
  hb_review_action a = (hb_review_action)d->action;
  const char *zh = hb_review_action_zh(a), *name = hb_review_action_name(a);
  if (o->json) {
    json_object_set_new(j, "type", json_string("decision"));
    json_object_set_new(j, "action", json_string(name ? name : ""));
    json_object_set_new(j, "action_zh", json_string(zh ? zh : ""));
    json_object_set_new(j, "reviewer", json_string(d->reviewer ? d->reviewer : ""));
    json_object_set_new(j, "reason", json_string(d->reason ? d->reason : ""));
    if (d->has_version)
      json_object_set_new(j, "version", json_integer((json_int_t)d->version));
    return 0;
  }
  printf("  审核：%s", zh ? zh : "?");
  if (d->has_version)
    printf("（针对版本 %llu）", (unsigned long long)d->version);
  if (d->reason && d->reason[0])
    printf("  原因：%s", d->reason);
  printf("\n");
  return 0;
}

static int history_entry(void *ctx, const Huibao__V1__LogEntry *e)
{
  history_out *o = ctx;
  char when[64];
  history_time(e->at_s, when, sizeof when);
  json_t *j = NULL;
  o->count++;
  if (o->json) {
    j = json_object();
    if (!j || json_array_append_new(o->entries, j))
      return HB_ENOMEM;
    json_object_set_new(j, "n", json_integer((json_int_t)e->n));
    json_object_set_new(j, "at", json_string(when));
    json_object_set_new(j, "at_s", json_integer((json_int_t)e->at_s));
    json_object_set_new(j, "actor_kind", json_string(actor_kind_name(e->actor_kind)));
    json_object_set_new(j, "actor", json_string(e->actor ? e->actor : ""));
  } else {
    printf("#%llu  %s  %s %s\n", (unsigned long long)e->n, when, actor_kind_zh(e->actor_kind),
           e->actor ? e->actor : "");
  }
  switch (e->what_case) {
  case HUIBAO__V1__LOG_ENTRY__WHAT_RECORD: return history_version(o, e, j);
  case HUIBAO__V1__LOG_ENTRY__WHAT_DECISION: return history_decision(o, e->decision, j);
  case HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL:
    free(o->prev);
    o->prev = NULL;
    if (o->json)
      json_object_set_new(j, "type", json_string("removal"));
    else
      printf("  管理员删除记录（admin unlock）：此后单位的下一版本重新存入\n");
    return 0;
  default: return HB_EPARSE;
  }
}

static int history_has(void *ctx, const Huibao__V1__LogEntry *e)
{
  (void)ctx, (void)e;
  return 1; /* one is enough */
}

/* The record's kind: the given one, or the only kind with a history of
 * that id. Returns 0, HB_ENOTFOUND, or HB_EINVAL (more than one). */
static int history_kind(MDB_txn *txn, const store_dbs *d, const char *unit, const char *id,
                        char *kind)
{
  char found = 0;
  for (size_t i = 0; i < HISTORY_NKINDS; i++) {
    if (*kind && *kind != history_kinds[i].kind)
      continue;
    int rc = history_foreach(txn, d, unit, history_kinds[i].kind, id, history_has, NULL);
    if (rc == HB_ENOTFOUND)
      continue;
    if (rc != 1)
      return rc;
    if (found)
      return HB_EINVAL;
    found = history_kinds[i].kind;
  }
  *kind = found;
  return found ? 0 : HB_ENOTFOUND;
}

static const char *history_kind_word(char kind, bool zh)
{
  for (size_t i = 0; i < HISTORY_NKINDS; i++)
    if (history_kinds[i].kind == kind)
      return zh ? history_kinds[i].zh : history_kinds[i].name;
  return "record";
}

/* Prints the record's history from an open store; returns the exit code. */
static int history_show(store *s, const char *unit, const char *id, char kind, bool json)
{
  store_dbs d;
  store_dbs_get(s, &d);
  if (!d.has_review) {
    fprintf(stderr, "huibao-aggregator history: 此数据目录没有历史记录（由旧版本写入）(the store "
                    "has no history: written by a version before it)\n");
    return EX_NOINPUT;
  }
  MDB_txn *txn;
  int rc = mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn);
  if (rc != 0) {
    fprintf(stderr, "huibao-aggregator history: read transaction: %s\n", mdb_strerror(rc));
    return EX_IOERR;
  }
  bool given = kind != 0;
  rc = history_kind(txn, &d, unit, id, &kind);
  int code = 0;
  history_out o = {.json = json};
  if (rc == HB_EINVAL) {
    fprintf(stderr,
            "huibao-aggregator history: 单位 %s 有多种编号为 %s 的记录，请加 --kind (unit %s "
            "has rows of more than one kind with id %s: give --kind activity, problem, "
            "indicator, case or report)\n",
            unit, id, unit, id);
    code = EX_DATAERR;
  } else if (rc == HB_ENOTFOUND) {
    fprintf(stderr,
            "huibao-aggregator history: 没有此记录的历史：单位 %s %s %s (no history of "
            "unit %s %s %s)\n",
            unit, given ? history_kind_word(kind, true) : "记录", id, unit,
            given ? history_kind_word(kind, false) : "record", id);
    code = EX_NOINPUT;
  } else if (rc != 0) {
    fprintf(stderr, "huibao-aggregator history: %s\n", hb_strerror(rc));
    code = hb_exit_for(rc);
  } else {
    if (json)
      o.entries = json_array();
    else
      printf("单位 %s %s %s 的历史记录 (history)\n", unit, history_kind_word(kind, true), id);
    rc = history_foreach(txn, &d, unit, kind, id, history_entry, &o);
    if (rc != 0) {
      fprintf(stderr, "huibao-aggregator history: %s\n", hb_strerror(rc));
      code = hb_exit_for(rc);
    } else if (json) {
      json_t *doc = json_pack("{s:s, s:s, s:s, s:O}", "unit", unit, "kind",
                              history_kind_word(kind, false), "id", id, "entries", o.entries);
      if (!doc || json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
        code = EX_SOFTWARE;
      printf("\n");
      json_decref(doc);
    } else {
      printf("共 %zu 条 (%zu entries)\n", o.count, o.count);
    }
  }
  json_decref(o.entries);
  free(o.prev);
  mdb_txn_abort(txn);
  return code;
}

int history_main(int argc, char **argv)
{
  history_opts o = {0};
  char err[512] = "";
  int npos = argc;
  int rc = hb_cli_parse(history_table, 0, &o, argc, argv, &npos, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    fputs(history_usage, stdout);
    return 0;
  }
  char kind = 0;
  for (size_t i = 0; o.kind && i < HISTORY_NKINDS; i++)
    if (strcmp(o.kind, history_kinds[i].name) == 0)
      kind = history_kinds[i].kind;
  if (rc == HB_CLI_RUN && !o.data)
    snprintf(err, sizeof err, "--data DIR is required");
  else if (rc == HB_CLI_RUN && argc - npos != 2)
    snprintf(err, sizeof err, "give UNIT and ID");
  else if (rc == HB_CLI_RUN && o.kind && !kind)
    snprintf(err, sizeof err, "--kind is activity, problem, indicator, case or report");
  else if (rc == HB_CLI_RUN && o.format && strcmp(o.format, "table") && strcmp(o.format, "json"))
    snprintf(err, sizeof err, "--format is table or json");
  if (err[0]) {
    fprintf(stderr, "huibao-aggregator history: %s\n%s", err, history_usage);
    return EX_USAGE;
  }
  store *s;
  if ((rc = store_open_readonly(&s, o.data, err, sizeof err)) != 0) {
    fprintf(stderr, "huibao-aggregator history: no store: %s\n", err);
    return rc == HB_ENOTFOUND ? EX_NOINPUT : hb_exit_for(rc);
  }
  int code =
      history_show(s, argv[npos], argv[npos + 1], kind, o.format && strcmp(o.format, "json") == 0);
  store_close(s);
  return code;
}
