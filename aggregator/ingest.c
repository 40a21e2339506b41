/* ingest.c: decode, validate, store and answer one drain of Submits. */
#include "ingest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_log.h"
#include "hb_period.h"
#include "hb_validate.h"
#include "hb_wire.h"
#include "ingest_sign.h"
#include "metrics.h"

typedef struct rec_res {
  int code;          /* ResultCode; 0 = not decided yet (valid, to store) */
  const char *field; /* static */
  char *reason;      /* malloc'd, only for REJECTED */
  uint64_t stored_version;
  bool invalid; /* refused by validation: final for every attempt */
  /* issue 17: the body as received when protobuf-c packs it to the same
   * bytes (hb_wire_canonical; points into the Submit), else NULL */
  const uint8_t *body;
  size_t blen;
} rec_res;

typedef struct submit_state {
  Huibao__V1__Submit *submit; /* NULL: malformed */
  char error[256];            /* whole-batch refusal, "" if none */
  rec_res *res;
  Huibao__V1__Decision **dec; /* issue 14: the unit's decisions after decisions_after */
  size_t ndec;
  bool dec_more;
  const char *busy; /* issue 17: not taken now (over the drain's decompression budget, or
                     * no memory): answered retry with this reason, nothing stored */
  bool seen;        /* a Submit of a known unit: its agent counts as seen (metrics) */
} submit_state;

/* Replaces *slot (a string of a Submit unpacked into ar) with a copy of
 * s in ar if they differ (the old one goes with the arena), and then sets
 * *changed. */
static int replace_str(hb_arena *ar, char **slot, const char *s, bool *changed)
{
  if (*slot && strcmp(*slot, s) == 0)
    return 0;
  char *d = hb_arena_strdup(ar, s);
  if (!d)
    return HB_ENOMEM;
  *slot = d;
  *changed = true;
  return 0;
}

/* Copies s for a log line: control characters (a forged unit may hold a
 * newline) become '?'; cut to fit. */
static void copy_printable(char *dst, size_t len, const char *s)
{
  size_t i = 0;
  for (; s && s[i] && i + 1 < len; i++)
    dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
  dst[i] = '\0';
}

static void reject(rec_res *r, const char *field, const char *reason)
{
  r->invalid = true;
  r->code = HUIBAO__V1__RESULT_CODE__REJECTED;
  r->field = field;
  free(r->reason);
  r->reason = strdup(reason);
}

/* Drops the fields of m that this version does not know (protobuf-c keeps
 * them in unknown_fields and would pack them again): what is stored is
 * only what the county understands, so a unit cannot fill the disk with
 * bytes nobody reads. No row kind holds sub-messages. Their memory is the
 * Submit's arena's (freed with it). */
static void drop_unknown(ProtobufCMessage *m)
{
  m->unknown_fields = NULL;
  m->n_unknown_fields = 0;
}

static int validate_row(const ingest_ctx *c, Huibao__V1__Record *rec, hb_violation *v,
                        hb_canon *canon)
{
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY:
    return hb_validate_activity(rec->activity, c->campaigns, c->today, v, canon);
  case HUIBAO__V1__RECORD__BODY_PROBLEM:
    return hb_validate_problem(rec->problem, c->campaigns, c->today, v, canon);
  case HUIBAO__V1__RECORD__BODY_INDICATOR:
    return hb_validate_indicator(rec->indicator, c->campaigns, c->today, v, canon);
  case HUIBAO__V1__RECORD__BODY_REPORT:
    return hb_validate_report(rec->report, c->campaigns, c->today, v, canon);
  default: return hb_validate_case(rec->case_row, c->campaigns, c->today, v, canon);
  }
}

/* What 本期 means for campaign cp at now_s (docs/periods.md): the period
 * containing now, else the first whose due is still ahead. Returns 1 with
 * id[] set, 0 when there is none (no cycle, or the campaign is over), or
 * HB_ENOMEM. */
static int period_current_id(const hb_campaign *cp, int64_t now_s, char id[HB_PERIOD_ID_LEN])
{
  hb_period *p;
  size_t n;
  if (hb_periods_of(cp, &p, &n) != 0)
    return HB_ENOMEM;
  int found = 0;
  for (size_t i = 0; i < n && !found; i++)
    if (now_s <= p[i].due_s) { /* the first due not passed: contains now, or is next */
      memcpy(id, p[i].id, HB_PERIOD_ID_LEN);
      found = 1;
    }
  free(p);
  return found;
}

/* True if period (an id) is one of cp's periods. Returns 1, 0 or HB_ENOMEM. */
static int period_is_of(const hb_campaign *cp, const char *period)
{
  hb_period *p;
  size_t n;
  if (hb_periods_of(cp, &p, &n) != 0)
    return HB_ENOMEM;
  int found = hb_period_find(p, n, period) >= 0;
  free(p);
  return found;
}

/* A 报送 row that says 本期: the row naming its campaign gets that
 * campaign's current period id in place of 本期 (stored so, like a
 * category's code); a row without campaign keeps 本期 (its facts are per
 * campaign, note_report), but some campaign with a cycle must be running.
 * Returns 0, HB_ENOMEM, or HB_EINVAL with the reason in v. */
static int resolve_current(const ingest_ctx *c, hb_arena *ar, Huibao__V1__Report *r,
                           const hb_campaign *cp, hb_violation *v, bool *changed)
{
  if (!r->period || strcmp(r->period, HB_PERIOD_CURRENT) != 0 || !c->campaigns ||
      (r->has_deleted && r->deleted))
    return 0;
  char id[HB_PERIOD_ID_LEN];
  int found = 0;
  for (size_t i = 0; !cp && i < c->campaigns->count && found == 0; i++)
    found = period_current_id(&c->campaigns->items[i], c->now_s, id);
  if (cp)
    found = period_current_id(cp, c->now_s, id);
  if (found < 0)
    return found;
  if (found == 0) {
    v->field = "period";
    if (cp)
      snprintf(v->reason, sizeof v->reason, "本期: 专项已结束 (campaign %s has ended)", cp->id);
    else
      snprintf(v->reason, sizeof v->reason,
               "本期: 专项已结束 (every campaign with a cycle has ended)");
    return HB_EINVAL;
  }
  if (!cp)
    return 0;
  return replace_str(ar, &r->period, id, changed);
}

/* Replaces the campaign, category, sub-category, declared kind and
 * indicator the clerk wrote (code or name) with their codes; *changed is
 * set when one differed. */
static int canonicalise(hb_arena *ar, Huibao__V1__Record *rec, char **campaign,
                        const hb_canon *canon, bool *changed)
{
  const hb_campaign *cp = canon->campaign;
  if (!cp)
    return 0;
  if (replace_str(ar, campaign, cp->id, changed) != 0)
    return HB_ENOMEM;
  const char *code = NULL;
  char **slot = NULL;
  if (rec->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM && canon->category >= 0 &&
      (size_t)canon->category < cp->ncategories) {
    const hb_category *cat = &cp->categories[canon->category];
    if (replace_str(ar, &rec->problem->category, cat->code, changed) != 0)
      return HB_ENOMEM;
    if (canon->subcategory >= 0 && (size_t)canon->subcategory < cat->nsubs) {
      code = cat->subs[canon->subcategory].code;
      slot = &rec->problem->subcategory;
    }
  } else if (rec->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY && canon->kind >= 0 &&
             (size_t)canon->kind < cp->nkinds) {
    code = cp->kinds[canon->kind].code;
    slot = &rec->activity->kind_code;
  } else if (rec->body_case == HUIBAO__V1__RECORD__BODY_INDICATOR && canon->indicator >= 0 &&
             (size_t)canon->indicator < cp->nindicators) {
    code = cp->indicators[canon->indicator].code;
    slot = &rec->indicator->indicator;
  }
  return slot && replace_str(ar, slot, code, changed) != 0 ? HB_ENOMEM : 0;
}

/* Validates and canonicalises one record (of a Submit unpacked into ar,
 * its body received as body[0..blen) when hb_wire_submit_decode found it
 * canonical, else NULL); on failure r is REJECTED. */
static int check_record(const ingest_ctx *c, hb_arena *ar, const char *unit,
                        Huibao__V1__Record *rec, const uint8_t *body, size_t blen, rec_res *r)
{
  store_row row;
  if (store_row_of(rec, &row) != 0) { /* hb_wire_submit_unpack refuses these */
    reject(r, "record", "记录无内容 / record has no body");
    return 0;
  }
  hb_violation v;
  memset(&v, 0, sizeof v);
  /* The form check matters only for tombstones: for a live record
   * hb_validate_activity/problem below checks a superset of it (every text
   * field, enum and required field), and hb_wire_submit_unpack refused a
   * Submit missing a required field. Running both read every
   * text twice: a fifth of the county's CPU at full speed (callgrind, see
   * docs/performance.md). */
  if ((row.deleted || row.kind == 'R') && hb_validate_record_form(rec, &v) != 0) {
    reject(r, v.field, v.reason);
    return 0;
  }
  uint64_t version = *row.version;
  uint64_t limit = (uint64_t)(c->now_s > 0 ? c->now_s : 0) * 1000000ull + INGEST_VERSION_AHEAD_US;
  if (version > limit) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "版本号超前 / version from the future: %llu is more than a day ahead of the county's "
             "clock (%llu us); check this computer's clock",
             (unsigned long long)version, (unsigned long long)c->now_s * 1000000ull);
    reject(r, "version", msg);
    return 0;
  }
  if (!row.unit || strcmp(row.unit, unit) != 0) {
    char msg[256];
    snprintf(msg, sizeof msg, "单位不符 / unit mismatch: record unit %s, batch unit %s",
             row.unit ? row.unit : "(none)", unit);
    reject(r, "unit", msg);
    return 0;
  }
  bool verified; /* issue 15: before the body is changed below */
  char why[400];
  int src = ingest_sign_check(c->signers, c->require_signatures, ar, unit, rec, &verified, why,
                              sizeof why);
  if (src == HB_EPERM) {
    reject(r, "signature", why);
    return 0;
  }
  if (src != 0)
    return src;
  drop_unknown(row.msg);
  hb_canon canon = {NULL, -1, -1, -1, -1};
  if (validate_row(c, rec, &v, &canon) != 0) {
    reject(r, v.field ? v.field : "record", v.reason);
    return 0;
  }
  bool changed = false;
  if (row.kind == 'R') {
    int rc = resolve_current(c, ar, rec->report, canon.campaign, &v, &changed);
    if (rc == HB_EINVAL) {
      reject(r, v.field, v.reason);
      return 0;
    }
    if (rc != 0)
      return rc;
  }
  int rc = canonicalise(ar, rec, row.campaign_slot, &canon, &changed);
  if (rc == 0 && (rc = ingest_sign_settle(ar, rec)) == 0 && !verified)
    agg_metrics_unsigned();
  /* issue 17: stored as received when packing would give the same bytes
   * (names made codes, unknown fields dropped: packed) */
  if (rc == 0 && body && !changed) {
    r->body = body;
    r->blen = blen;
  }
  return rc;
}

static int decode_all(const ingest_ctx *c, hb_arena *ar, ingest_item *items, submit_state *st,
                      size_t n, ingest_stats *stats)
{
  /* what the drain's compressed Submits may decompress to in all (issue 17):
   * a few hundred bytes on the wire can stand for HB_WIRE_MAX_SUBMIT, and
   * everything stays in ar until the drain's end */
  size_t budget = c->inflate_max ? c->inflate_max : INGEST_INFLATE_MAX;
  size_t used = 0; /* decompressed so far in this drain */
  for (size_t i = 0; i < n; i++) {
    submit_state *s = &st[i];
    char why[200];
    const uint8_t *sbytes; /* only for the busy path below */
    size_t slen;
    hb_wire_body *bodies; /* each record's body, in the Submit as unpacked */
    why[0] = '\0';
    /* The drain's first compressed Submit is always taken (HB_WIRE_MAX_SUBMIT
     * bounds it): one larger than the budget would otherwise be answered
     * retry in every drain, for ever (review of the pipeline, which halved
     * the budget). */
    size_t left = !used ? SIZE_MAX : used < budget ? budget - used : 0, before = left;
    int urc = hb_wire_submit_decode(ar, items[i].data, items[i].len, !c->no_zstd, &left, &s->submit,
                                    &bodies, NULL, why, sizeof why);
    used += before - left;
    if ((urc == HB_EAGAIN || urc == HB_ENOMEM) &&
        hb_wire_submit_unpack_arena_ex(ar, items[i].data, items[i].len, false, NULL, &s->submit,
                                       &sbytes, &slen, why, sizeof why) == 0) {
      /* its batch id and unit, records_zstd left aside: the agent sends it again */
      s->busy = urc == HB_EAGAIN ? "县级繁忙，稍后重发 / county busy: decompression budget of this "
                                   "drain used, send again"
                                 : "县级内存不足，稍后重发 / county out of memory, send again";
      continue;
    }
    if (urc != 0) {
      snprintf(s->error, sizeof s->error, "无法解析的批次 / malformed submit: %s", why);
      stats->refused++;
      agg_metrics_refused("malformed");
      continue;
    }
    if (items[i].user_id && strcmp(items[i].user_id, s->submit->unit) != 0) {
      snprintf(s->error, sizeof s->error,
               "单位不符 / unit mismatch: this connection's key is unit %s, the batch says %s",
               items[i].user_id, s->submit->unit);
      copy_printable(items[i].claimed, sizeof items[i].claimed, s->submit->unit);
      copy_printable(items[i].key_unit, sizeof items[i].key_unit, items[i].user_id);
      stats->refused++;
      stats->impersonations++;
      agg_metrics_refused("impersonation");
      continue;
    }
    if (!hb_units_find(c->units, s->submit->unit)) {
      snprintf(s->error, sizeof s->error, "未知单位 / unknown unit %s (not in units.csv)",
               s->submit->unit);
      stats->refused++;
      agg_metrics_refused("unknown_unit");
      continue;
    }
    s->seen = true; /* agg_metrics_seen by ingest_store: its list is the main thread's */
    size_t nr = s->submit->n_records;
    s->res = calloc(nr ? nr : 1, sizeof *s->res);
    if (!s->res)
      return HB_ENOMEM;
    for (size_t j = 0; j < nr; j++) {
      const hb_wire_body *b = &bodies[j];
      int rc = check_record(c, ar, s->submit->unit, s->submit->records[j],
                            b->canonical ? b->data : NULL, b->len, &s->res[j]);
      if (rc != 0)
        return rc;
    }
  }
  return 0;
}

/* Undoes what an earlier attempt decided, so that the next one starts
 * clean; validation refusals (invalid) are kept. */
static void reset_results(submit_state *st, size_t n)
{
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; st[i].submit && st[i].res && j < st[i].submit->n_records; j++) {
      rec_res *r = &st[i].res[j];
      if (r->invalid)
        continue;
      free(r->reason);
      *r = (rec_res){.body = r->body, .blen = r->blen}; /* check_record's finding stays */
    }
}

/* What store_all stores, and where it says why it failed. */
typedef struct ingest_batch {
  const ingest_ctx *c;
  submit_state *st;
  size_t n;
  char *err;
  size_t errlen;
} ingest_batch;

/* The period facts of a stored 报送 row (docs/periods.md): for its own
 * campaign, or for every campaign with a cycle of which its period is a
 * period (本期: resolved per campaign, those that are over left out); a
 * deletion for every campaign with a cycle (only the facts of its id move). */
static int note_report(const ingest_ctx *c, store *sto, const Huibao__V1__Report *r)
{
  bool deleted = r->has_deleted && r->deleted, nil = r->has_nothing_new && r->nothing_new;
  if (!c->campaigns) { /* no campaign file: only a row naming its campaign and period */
    bool named = r->campaign && r->period && strcmp(r->period, HB_PERIOD_CURRENT) != 0;
    return deleted || !named
               ? 0
               : store_batch_note_report(sto, r->campaign, r->unit, r->period, r->id, nil);
  }
  if (!deleted && r->campaign) {
    const hb_campaign *cp = hb_campaigns_find(c->campaigns, r->campaign);
    if (!cp || !r->period || strcmp(r->period, HB_PERIOD_CURRENT) == 0)
      return 0;
    return store_batch_note_report(sto, cp->id, r->unit, r->period, r->id, nil);
  }
  bool current = !deleted && r->period && strcmp(r->period, HB_PERIOD_CURRENT) == 0;
  for (size_t i = 0; i < c->campaigns->count; i++) {
    const hb_campaign *cp = &c->campaigns->items[i];
    if (cp->cycle.kind == HB_CYCLE_NONE)
      continue;
    char id[HB_PERIOD_ID_LEN];
    const char *period = NULL;
    int rc = 0;
    if (current && (rc = period_current_id(cp, c->now_s, id)) == 1)
      period = id;
    else if (!deleted && !current && r->period && (rc = period_is_of(cp, r->period)) == 1)
      period = r->period;
    if (rc < 0)
      return rc;
    if ((deleted || period) &&
        (rc = store_batch_note_report(sto, cp->id, r->unit, period, r->id, nil)) != 0)
      return rc;
  }
  return 0;
}

/* store_batch_fn: one attempt at storing everything valid in the batch's
 * transaction (store_batch_run runs it again after growing the map). */
static int store_all(store *sto, void *arg)
{
  ingest_batch *b = arg;
  reset_results(b->st, b->n);
  store_batch_clock(sto, b->c->now_s);
  for (size_t i = 0; i < b->n; i++) {
    submit_state *s = &b->st[i];
    if (!s->submit || s->error[0] || s->busy)
      continue;
    bool stored = false;
    for (size_t j = 0; j < s->submit->n_records; j++) {
      rec_res *r = &s->res[j];
      if (r->invalid)
        continue;
      Huibao__V1__Record *rec = s->submit->records[j];
      const char *reason = NULL;
      int rc =
          store_batch_put_body(sto, rec, r->body, r->blen, &r->code, &r->stored_version, &reason);
      if (rc != 0) {
        store_row row;
        snprintf(b->err, b->errlen, "store %s record %s: %s", s->submit->unit,
                 store_row_of(rec, &row) == 0 ? row.id : "?", hb_strerror(rc));
        return rc;
      }
      if (r->code == HUIBAO__V1__RESULT_CODE__REJECTED) {
        r->field = "record";
        free(r->reason);
        r->reason = strdup(reason ? reason : "rejected");
      }
      if (r->code == HUIBAO__V1__RESULT_CODE__STORED &&
          rec->body_case == HUIBAO__V1__RECORD__BODY_REPORT &&
          (rc = note_report(b->c, sto, rec->report)) != 0) {
        snprintf(b->err, b->errlen, "period facts of %s record %s: %s", s->submit->unit,
                 rec->report->id, hb_strerror(rc));
        return rc;
      }
      stored |= r->code == HUIBAO__V1__RESULT_CODE__STORED;
    }
    int rc = stored ? store_batch_sync(sto, s->submit->unit, b->c->now_s) : 0;
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* Issue 14: after the commit, each Submit that says decisions_after (an
 * agent that knows decisions) gets its unit's decisions with n above it,
 * at most HB_WIRE_ACK_DECISIONS_MAX, all read in one read transaction for
 * the drain. A Submit refused, or a drain whose store failed, gets none.
 * A read that fails leaves the Acks without decisions (the agent asks
 * again with its next Submit) and is logged. */
static void decisions_fill(const ingest_ctx *c, submit_state *st, size_t n)
{
  MDB_txn *txn = NULL;
  store_dbs d;
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    submit_state *s = &st[i];
    if (!s->submit || s->error[0] || s->busy || !s->submit->has_decisions_after)
      continue;
    if (!txn) {
      store_dbs_get(c->st, &d);
      if (!d.has_review)
        return;
      if ((rc = mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn)) != 0) {
        txn = NULL;
        rc = hb_lmdb_err(rc);
        break;
      }
    }
    rc = store_decisions_after(txn, &d, s->submit->unit, s->submit->decisions_after,
                               HB_WIRE_ACK_DECISIONS_MAX, &s->dec, &s->ndec, &s->dec_more);
  }
  if (txn)
    mdb_txn_abort(txn);
  if (rc != 0)
    hb_log_warn("decisions for the acks not read: %s", hb_strerror(rc));
}

/* The Ack of s into it->ack: packed without its results, which are then
 * appended one by one (hb_wire_ack_add_result: no array of RecordResults,
 * no packing of each STORED one by protobuf-c; issue 17). */
static int ack_pack(const ingest_ctx *c, const submit_state *s, uint64_t epoch, bool retry,
                    const char *retry_why, ingest_item *it, ingest_stats *stats)
{
  Huibao__V1__Ack ack = HUIBAO__V1__ACK__INIT;
  ack.has_accepts_zstd = ack.accepts_zstd = !c->no_zstd; /* issue 17, on every Ack */
  ack.batch_id = s->submit ? s->submit->batch_id : 0;
  if (epoch != 0) { /* on every ack: the agent compares it with the one it saw last */
    ack.has_epoch = 1;
    ack.epoch = epoch;
  }
  char retry_msg[300];
  bool results = false;
  if (s->busy && !s->error[0]) {
    retry = true;
    retry_why = s->busy;
  }
  if (s->error[0]) {
    ack.error = (char *)s->error;
  } else if (retry) {
    ack.has_retry = 1;
    ack.retry = 1;
    snprintf(retry_msg, sizeof retry_msg, "县级暂时无法存储 / county cannot store now: %s",
             retry_why);
    ack.error = retry_msg;
  } else {
    results = true;
  }
  if (!s->error[0] && !retry && s->ndec) {
    ack.n_decisions = s->ndec;
    ack.decisions = s->dec;
    ack.has_decisions_more = s->dec_more;
    ack.decisions_more = s->dec_more;
  }
  hb_wire_buf b = {0};
  int rc = hb_wire_pack_at(&b, 0, &ack.base);
  for (size_t j = 0; results && rc == 0 && j < s->submit->n_records; j++) {
    const rec_res *r = &s->res[j];
    Huibao__V1__RecordResult rr = HUIBAO__V1__RECORD_RESULT__INIT;
    rr.seq = s->submit->records[j]->seq;
    rr.code = (Huibao__V1__ResultCode)r->code;
    if (r->code == HUIBAO__V1__RESULT_CODE__REJECTED) {
      rr.field = (char *)r->field;
      rr.reason = r->reason;
      stats->rejected++;
      agg_metrics_rejected(r->field);
    } else if (r->code == HUIBAO__V1__RESULT_CODE__STALE) {
      rr.has_stored_version = 1;
      rr.stored_version = r->stored_version;
      stats->stale++;
    } else if (r->code == HUIBAO__V1__RESULT_CODE__DUPLICATE) {
      stats->duplicate++;
    } else {
      stats->stored++;
    }
    rc = hb_wire_ack_add_result(&b, &rr);
  }
  if (rc != 0) {
    free(b.data);
    return rc;
  }
  if (b.cap - b.len > 1024) { /* acks wait for the drain's commit: no 4 KiB for a few bytes */
    uint8_t *d = realloc(b.data, b.len ? b.len : 1);
    if (d)
      b.data = d;
  }
  it->ack = b.data;
  it->acklen = b.len;
  return 0;
}

struct ingest_drain {
  ingest_ctx c;  /* as given to ingest_decode (its arena, or own) */
  hb_arena *own; /* made for this drain when c.arena was NULL */
  ingest_item *items;
  size_t n;
  submit_state *st;
  int rc;             /* decode_all's: not 0, every ack says retry */
  ingest_stats stats; /* decode_all's counts (submits, refused, impersonations) */
};

int ingest_decode(const ingest_ctx *c, ingest_item *items, size_t n, ingest_drain **out)
{
  *out = NULL;
  for (size_t i = 0; i < n; i++) {
    items[i].ack = NULL;
    items[i].acklen = 0;
    items[i].claimed[0] = items[i].key_unit[0] = '\0';
  }
  ingest_drain *d = calloc(1, sizeof *d);
  if (!d)
    return HB_ENOMEM;
  d->c = *c;
  d->items = items;
  d->n = n;
  d->st = calloc(n ? n : 1, sizeof *d->st);
  if (!c->arena)
    d->c.arena = d->own = hb_arena_new();
  if (!d->st || !d->c.arena) {
    free(d->st);
    hb_arena_free(d->own);
    free(d);
    return HB_ENOMEM;
  }
  d->stats.submits = n;
  d->rc = decode_all(&d->c, d->c.arena, items, d->st, n, &d->stats);
  *out = d;
  return 0;
}

int ingest_store(ingest_drain *d, ingest_stats *stats, char *err, size_t errlen)
{
  err[0] = '\0';
  if (!d) {
    snprintf(err, errlen, "out of memory");
    return HB_ENOMEM;
  }
  const ingest_ctx *c = &d->c;
  submit_state *st = d->st;
  size_t n = d->n;
  stats->submits += d->stats.submits;
  stats->refused += d->stats.refused;
  stats->impersonations += d->stats.impersonations;
  int rc = d->rc;
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    if (st[i].seen)
      agg_metrics_seen(st[i].submit->unit);
    if (rc == 0 && st[i].submit && !st[i].error[0] && !st[i].busy) {
      any = true;
      stats->records += st[i].submit->n_records;
    }
  }
  if (rc == 0 && any) {
    ingest_batch b = {c, st, n, err, errlen};
    rc = store_batch_run(c->st, store_all, &b, err, errlen);
  }
  if (rc != 0 && !err[0])
    snprintf(err, errlen, "%s", hb_strerror(rc));
  if (rc == 0)
    decisions_fill(c, st, n);
  for (size_t i = 0; i < n; i++) {
    ack_pack(c, &st[i], store_epoch(c->st), rc != 0, err, &d->items[i],
             stats); /* no memory: no ack, agent resends */
  }
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; st[i].res && j < st[i].submit->n_records; j++)
      free(st[i].res[j].reason);
    free(st[i].res);
    store_decisions_free(st[i].dec, st[i].ndec);
  }
  free(st);
  if (d->own)
    hb_arena_free(d->own);
  else
    hb_arena_reset(d->c.arena); /* every Submit and what ingest put in them */
  free(d);
  return rc;
}

int ingest_run(const ingest_ctx *c, ingest_item *items, size_t n, ingest_stats *stats, char *err,
               size_t errlen)
{
  ingest_drain *d;
  (void)ingest_decode(c, items, n, &d); /* NULL: ingest_store says out of memory */
  return ingest_store(d, stats, err, errlen);
}
