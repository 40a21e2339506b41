/* verify.c: recompute the aggregates from the records and compare (issue
 * 14: from their effective versions, plus the review counts). 报送
 * rows ('R', issue 13) count in no aggregate: they are checked for form;
 * the period facts are checked when the store opens (each value must
 * decode; a corrupt one fails naming its campaign and unit). */
#include "verify.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "aggmap.h"
#include "store_migrate.h"
#include "store_review.h"
#include "hb_review.h"
#include "verify_log.h"
#include "hb_campaigns.h"
#include "hb_cli.h"
#include "hb_diag.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_units.h"
#include "hb_validate.h"

typedef struct recount {
  aggmap aggs;
  size_t records, uncountable;
  FILE *out;
} recount;

static int recount_one(void *ctx, const Huibao__V1__Record *rec)
{
  recount *r = ctx;
  store_row row;
  r->records++;
  if (store_row_of((Huibao__V1__Record *)rec, &row) != 0)
    return HB_EINVAL;
  if (row.kind == 'R') {
    hb_violation v;
    memset(&v, 0, sizeof v);
    if (hb_validate_record_form(rec, &v) != 0) {
      fprintf(r->out, "record %s/R%s: %s: %s\n", row.unit, row.id, v.field ? v.field : "record",
              v.reason);
      r->uncountable++;
    }
    return 0;
  }
  if (row.deleted)
    return 0;
  if (!row.campaign) {
    fprintf(r->out, "record %s/%s: no campaign\n", row.unit, row.id);
    r->uncountable++;
    return 0;
  }
  int rc = store_recount_add(&r->aggs, rec);
  if (rc == HB_EINVAL) {
    fprintf(r->out, "record %s/%c%s: cannot be counted\n", row.unit, row.kind, row.id);
    r->uncountable++;
    return 0;
  }
  return rc;
}

/* Issue 14: a review entry adds what the records alone do not give: the
 * held version of a deletion request (its stored version is the unit's
 * tombstone), and the status's review count on the effective version. */
static int recount_review(void *ctx, const store_review_item *it)
{
  recount *r = ctx;
  int status = (int)it->state->status;
  if (!it->effective) {
    fprintf(r->out, "review %s/%c%s: %s, but no such record (or it does not decode)\n", it->unit,
            it->kind, it->id, hb_review_status_name((hb_review_status)status));
    r->uncountable++;
    return 0;
  }
  int rc = store_review_holds(status) ? store_recount_add(&r->aggs, it->effective) : 0;
  const Huibao__V1__Record *e = it->effective;
  const Huibao__V1__Activity *a =
      e->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY ? e->activity : NULL;
  const Huibao__V1__Problem *p =
      e->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM ? e->problem : NULL;
  const char *campaign = a ? a->campaign : p ? p->campaign : NULL;
  hb_agg *g = campaign ? aggmap_get(&r->aggs, campaign, a ? a->unit : p->unit) : NULL;
  if (rc == 0 && g && hb_agg_add_review(g, a, p, status, +1) != 0)
    rc = HB_EINVAL;
  if (rc == HB_EINVAL) {
    fprintf(r->out, "review %s/%c%s: %s cannot be counted\n", it->unit, it->kind, it->id,
            hb_review_status_name((hb_review_status)status));
    r->uncountable++;
    rc = 0;
  }
  return rc;
}

/* The review entries' part of the recount, in one read transaction. */
static int recount_reviews(store *s, recount *r, char *err, size_t errlen)
{
  store_dbs d;
  store_dbs_get(s, &d);
  if (!d.has_review)
    return 0;
  MDB_txn *txn;
  int rc = mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn);
  if (rc != 0) {
    snprintf(err, errlen, "read transaction: %s", mdb_strerror(rc));
    return HB_EDB;
  }
  rc = store_review_foreach(txn, &d, recount_review, r);
  mdb_txn_abort(txn);
  if (rc != 0)
    snprintf(err, errlen, "review entries: %s", hb_strerror(rc));
  return rc;
}

long verify_store(store *s, FILE *out, size_t *nrecords, char *err, size_t errlen)
{
  recount r;
  memset(&r, 0, sizeof r);
  aggmap_init(&r.aggs);
  r.out = out;
  int rc = store_records_foreach(s, recount_one, &r, err, errlen);
  if (rc == 0)
    rc = recount_reviews(s, &r, err, errlen);
  if (rc != 0) {
    if (!err[0])
      snprintf(err, errlen, "%s", hb_strerror(rc));
    aggmap_free(&r.aggs);
    return rc;
  }
  long diffs = (long)r.uncountable;
  char line[512];
  size_t it;
  uint64_t format;
  if ((rc = store_agg_format(s, &format, err, errlen)) != 0) {
    aggmap_free(&r.aggs);
    return rc;
  }
  if (format < STORE_AGG_FORMAT) { /* stored without day cells: compare the rest */
    fprintf(out, "note: 聚合为旧版格式，无按日数据，服务下次启动时由记录重建 (aggregates of an "
                 "earlier version, without day cells: rebuilt from the records when the service "
                 "next opens the store)\n");
    for (aggmap_node *n = aggmap_first(&r.aggs, &it); n; n = aggmap_next(&r.aggs, n, &it))
      hb_agg_days_drop(n->agg);
  }
  for (aggmap_node *n = aggmap_first(&r.aggs, &it); n; n = aggmap_next(&r.aggs, n, &it)) {
    const hb_agg *stored = store_agg(s, n->agg->campaign, n->agg->unit);
    if (!stored) {
      if (!hb_agg_is_empty(n->agg)) {
        fprintf(out, "%s/%s: no stored aggregate, records count %llu\n", n->agg->campaign,
                n->agg->unit, (unsigned long long)n->agg->records);
        diffs++;
      }
      continue;
    }
    hb_agg_diff(stored, n->agg, line, sizeof line);
    if (line[0]) {
      fprintf(out, "stored != recomputed: %s\n", line);
      diffs++;
    }
  }
  const aggmap *all = store_aggs(s);
  for (aggmap_node *n = aggmap_first(all, &it); n; n = aggmap_next(all, n, &it)) {
    if (!aggmap_get(&r.aggs, n->agg->campaign, n->agg->unit) && !hb_agg_is_empty(n->agg)) {
      fprintf(out, "%s/%s: stored aggregate counts %llu records, none stored\n", n->agg->campaign,
              n->agg->unit, (unsigned long long)n->agg->records);
      diffs++;
    }
  }
  *nrecords = r.records;
  aggmap_free(&r.aggs);
  return diffs;
}

/* A commit by another process while verify reads (a reviewer's `review`, the
 * running service) can make the aggregates loaded at open and the records
 * read after them disagree for a moment; verify then reads again, up to
 * this many times, and reports the last reading. */
#define VERIFY_PASSES 5

typedef struct verify_pass {
  const char *data;
  const hb_units *units;         /* NULL: not given */
  const hb_campaigns *campaigns; /* NULL: not given */
  long diffs;                    /* differences found, or an hb_err (< 0) */
  bool changed;                  /* a commit happened while the store was read */
  char *text;                    /* what verify prints (malloc'd; the caller frees) */
  size_t len;
} verify_pass;

/* One reading of the store: records, reviews and history against the
 * aggregates loaded at open, its report written to v->text. Returns an
 * hb_err when the store cannot be opened or the report not written. */
static int verify_read(verify_pass *v, char *err, size_t errlen)
{
  store *s;
  int rc = store_open_readonly(&s, v->data, err, errlen);
  if (rc != 0)
    return rc;
  FILE *out = open_memstream(&v->text, &v->len);
  if (!out) {
    store_close(s);
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  uint64_t before = store_loaded_txnid(s); /* the aggregates compared are of this one */
  size_t nrec = 0;
  long diffs = verify_store(s, out, &nrec, err, errlen);
  if (diffs >= 0) { /* issue 14: the history, and the records and reviews following from it */
    long hdiffs = verify_log(s, out, err, errlen);
    diffs = hdiffs < 0 ? hdiffs : diffs + hdiffs;
  }
  v->changed = store_last_txnid(s) != before;
  if (diffs >= 0) {
    size_t unknown = 0;
    const aggmap *all = store_aggs(s);
    size_t it;
    for (aggmap_node *n = aggmap_first(all, &it); n; n = aggmap_next(all, n, &it))
      if ((v->units && !hb_units_find(v->units, n->agg->unit)) ||
          (v->campaigns && !hb_campaigns_find(v->campaigns, n->agg->campaign)))
        unknown++;
    if (unknown)
      fprintf(out, "note: %zu aggregates of units or campaigns not in the given files\n", unknown);
    fprintf(out, "verify: %zu records, %zu aggregates, %ld differences\n", nrec, all->count, diffs);
  }
  v->diffs = diffs;
  store_close(s);
  if (fclose(out) != 0) {
    free(v->text);
    v->text = NULL;
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  return HB_OK;
}

typedef struct verify_opts {
  const char *data, *units, *campaigns;
} verify_opts;

static const hb_cli_opt verify_table[] = {
    {.name = "data", .kind = HB_CLI_STR, .offset = offsetof(verify_opts, data)},
    {.name = "units", .kind = HB_CLI_STR, .offset = offsetof(verify_opts, units)},
    {.name = "campaigns", .kind = HB_CLI_STR, .offset = offsetof(verify_opts, campaigns)},
    {.name = "help", .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};

int verify_main(int argc, char **argv)
{
  verify_opts o = {0};
  char err[512] = "";
  int rc = hb_cli_parse(verify_table, 0, &o, argc, argv, NULL, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    printf("usage: huibao-aggregator verify --data DIR [--units FILE --campaigns FILE]\n");
    return 0;
  }
  if (rc == HB_CLI_RUN && !o.data)
    snprintf(err, sizeof err, "--data DIR is required");
  if (err[0]) {
    fprintf(stderr, "huibao-aggregator verify: %s\n", err);
    return EX_USAGE;
  }
  const char *data = o.data, *units = o.units, *campaigns = o.campaigns;
  hb_units u;
  hb_campaigns c;
  hb_diags d;
  memset(&u, 0, sizeof u);
  memset(&c, 0, sizeof c);
  hb_diags_init(&d);
  int bad = (units && hb_units_load(units, &u, &d) != 0) ||
            (campaigns && hb_campaigns_load(campaigns, &c, &d) != 0);
  if (bad) {
    hb_diags_write(&d, stderr);
    hb_diags_free(&d);
    hb_units_free(&u);
    hb_campaigns_free(&c);
    return EX_CONFIG;
  }
  hb_diags_free(&d);
  int code = 0;
  for (int pass = 1;; pass++) {
    verify_pass v = {.data = data, .units = units ? &u : NULL, .campaigns = campaigns ? &c : NULL};
    rc = verify_read(&v, err, sizeof err);
    if (rc != 0) {
      fprintf(stderr, "huibao-aggregator verify: %s\n", err);
      code = hb_exit_for(rc);
      break;
    }
    if (v.diffs > 0 && v.changed && pass < VERIFY_PASSES) {
      free(v.text); /* read while another process committed: read again */
      continue;
    }
    fwrite(v.text, 1, v.len, stdout);
    free(v.text);
    if (v.diffs < 0) {
      fprintf(stderr, "huibao-aggregator verify: %s\n", err);
      code = hb_exit_for((int)v.diffs);
    } else {
      code = v.diffs ? 1 : 0;
    }
    break;
  }
  hb_units_free(&u);
  hb_campaigns_free(&c);
  return code;
}
