/* fuzz_submit: one ZeroMQ message from an agent, through the path the
 * aggregator's ingest takes: hb_wire_submit_unpack (Submit.records_zstd
 * inflated first, issue 17; the seeds *-zstd hold it; and, as ingest does
 * since issue 17, hb_wire_submit_unpack_arena, hb_wire_submit_bodies and
 * hb_wire_canonical: a body it accepts must pack again to the same bytes), then per record
 * hb_validate_record_form, the unit check, hb_validate_activity,
 * _problem, _indicator, _case or _report against a fixed campaigns file, and the use of the
 * canonical campaign and category a valid record resolves to. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "hb_err.h"
#include "hb_text.h"
#include "hb_validate.h"
#include "hb_wire.h"
#include "hb_wire_zstd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_violation(const hb_violation *v)
{
  size_t n = strnlen(v->reason, sizeof v->reason);
  if (n == sizeof v->reason || n == 0 || !v->field)
    abort(); /* every rejection names a field and a reason */
}

static void check_record(const char *unit, const Huibao__V1__Record *rec, const hb_campaigns *c,
                         int32_t today)
{
  hb_violation v;
  memset(&v, 0, sizeof v);
  if (hb_validate_record_form(rec, &v) != 0) {
    check_violation(&v);
    return;
  }
  const char *rec_unit = NULL, *id = NULL;
  int rc = 0;
  hb_canon canon = {NULL, -1, -1, -1, -1};
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY:
    rec_unit = rec->activity->unit, id = rec->activity->id;
    break;
  case HUIBAO__V1__RECORD__BODY_PROBLEM:
    rec_unit = rec->problem->unit, id = rec->problem->id;
    break;
  case HUIBAO__V1__RECORD__BODY_INDICATOR:
    rec_unit = rec->indicator->unit, id = rec->indicator->id;
    break;
  case HUIBAO__V1__RECORD__BODY_CASE_ROW:
    rec_unit = rec->case_row->unit, id = rec->case_row->id;
    break;
  case HUIBAO__V1__RECORD__BODY_REPORT: rec_unit = rec->report->unit, id = rec->report->id; break;
  default: abort(); /* hb_validate_record_form refuses a record without a body */
  }
  if (!rec_unit || strcmp(rec_unit, unit) != 0)
    return;
  switch (rec->body_case) {
  case HUIBAO__V1__RECORD__BODY_ACTIVITY:
    rc = hb_validate_activity(rec->activity, c, today, &v, &canon);
    break;
  case HUIBAO__V1__RECORD__BODY_PROBLEM:
    rc = hb_validate_problem(rec->problem, c, today, &v, &canon);
    break;
  case HUIBAO__V1__RECORD__BODY_INDICATOR:
    rc = hb_validate_indicator(rec->indicator, c, today, &v, &canon);
    break;
  case HUIBAO__V1__RECORD__BODY_CASE_ROW:
    rc = hb_validate_case(rec->case_row, c, today, &v, &canon);
    break;
  default: rc = hb_validate_report(rec->report, c, today, &v, &canon); break;
  }
  if (rc != 0) {
    check_violation(&v);
    return;
  }
  /* A valid record is stored: its strings must be valid UTF-8. */
  if (!id || !hb_utf8_valid(id, strlen(id)))
    abort();
  if (canon.campaign) {
    if (canon.campaign < c->items || canon.campaign >= c->items + c->count)
      abort();
    volatile size_t n = strlen(canon.campaign->id);
    (void)n;
    if (canon.category >= 0) {
      if ((size_t)canon.category >= canon.campaign->ncategories)
        abort();
      n = strlen(canon.campaign->categories[canon.category].code);
    }
  }
}

/* A body hb_wire_canonical accepts is what protobuf-c packs from it. */
static void check_bodies(const uint8_t *data, size_t size, const Huibao__V1__Submit *s)
{
  size_t n = s->n_records ? s->n_records : 1;
  const uint8_t **body = calloc(n, sizeof *body);
  size_t *blen = calloc(n, sizeof *blen);
  if (!body || !blen)
    abort();
  if (hb_wire_submit_bodies(data, size, s->n_records, body, blen) == 0)
    for (size_t i = 0; i < s->n_records; i++) {
      const Huibao__V1__Record *r = s->records[i];
      const ProtobufCMessage *m =
          r->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY    ? &r->activity->base
          : r->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM   ? &r->problem->base
          : r->body_case == HUIBAO__V1__RECORD__BODY_INDICATOR ? &r->indicator->base
          : r->body_case == HUIBAO__V1__RECORD__BODY_CASE_ROW  ? &r->case_row->base
                                                               : &r->report->base;
      if (!body[i] || !hb_wire_canonical(m->descriptor, body[i], blen[i]))
        continue;
      uint8_t *out;
      size_t len;
      if (hb_wire_pack(m, &out, &len) != 0)
        abort();
      if (len != blen[i] || memcmp(out, body[i], len) != 0)
        abort(); /* accepted as canonical, packed otherwise */
      free(out);
    }
  free(body);
  free(blen);
}

/* The records of an accepted Submit, packed again as the agent does and
 * compressed (issue 17), unpack to as many records. */
static void zstd_again(const Huibao__V1__Submit *s)
{
  hb_wire_buf b = {0}, z = {0};
  if (hb_wire_submit_begin(&b, s->batch_id, s->unit, NULL) != 0)
    return;
  size_t hdr = b.len;
  for (size_t i = 0; i < s->n_records; i++) {
    uint8_t *p;
    size_t n;
    if (hb_wire_pack(&s->records[i]->base, &p, &n) != 0)
      goto out;
    int rc = hb_wire_submit_add(&b, p, n);
    free(p);
    if (rc)
      goto out;
  }
  if (hb_wire_zstd_deflate(b.data, b.len, hdr, &z) == 0) {
    Huibao__V1__Submit *t;
    char err[200];
    if (hb_wire_submit_unpack(z.data, z.len, &t, err, sizeof err) == 0) {
      if (t->n_records != s->n_records)
        abort();
      hb_wire_submit_free(t);
    }
  }
out:
  free(b.data);
  free(z.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static hb_arena *ar;
  if (!ar && !(ar = hb_arena_new()))
    abort();
  const hb_campaigns *c = fuzz_campaigns();
  int32_t today = fuzz_today();
  Huibao__V1__Submit *s;
  char err[200];
  err[0] = '\0';
  int rc = hb_wire_submit_unpack(data, size, &s, err, sizeof err);
  if (rc != 0) {
    if (s != NULL || err[0] == '\0')
      abort(); /* a refusal leaves nothing behind and says why */
    if (hb_wire_submit_unpack_arena(ar, data, size, &s, err, sizeof err) == 0 || s != NULL)
      abort(); /* and in the arena too */
    hb_arena_reset(ar);
    return 0;
  }
  for (size_t i = 0; i < s->n_records; i++)
    check_record(s->unit, s->records[i], c, today);
  zstd_again(s);
  hb_wire_submit_free(s);
  /* the same in the arena: the same answer, the same records */
  Huibao__V1__Submit *a;
  const uint8_t *bytes; /* the Submit as unpacked (decompressed when records_zstd came) */
  size_t blen;
  if (hb_wire_submit_unpack_arena_ex(ar, data, size, true, NULL, &a, &bytes, &blen, err,
                                     sizeof err) != 0)
    abort();
  check_bodies(bytes, blen, a);
  hb_arena_reset(ar);
  return 0;
}
