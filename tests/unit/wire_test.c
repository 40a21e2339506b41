/* wire_test.c: hb_wire caps: oversize, truncated, too many records, no body. */
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_wire.h"
#include "test.h"

/* Packs a Submit of n activity records of unit xq-a; body=0 leaves the
 * last record without a body. */
static uint8_t *make_submit(size_t n, int body, size_t *len)
{
  Huibao__V1__Submit s = HUIBAO__V1__SUBMIT__INIT;
  Huibao__V1__Record *recs = calloc(n ? n : 1, sizeof *recs);
  Huibao__V1__Record **rp = calloc(n ? n : 1, sizeof *rp);
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = "A1";
  a.version = 7;
  a.campaign = "jf";
  s.batch_id = 42;
  s.unit = "xq-a";
  for (size_t i = 0; i < n; i++) {
    huibao__v1__record__init(&recs[i]);
    recs[i].seq = i + 1;
    if (body || i + 1 < n) {
      recs[i].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
      recs[i].activity = &a;
    }
    rp[i] = &recs[i];
  }
  s.n_records = n;
  s.records = rp;
  uint8_t *buf;
  hb_wire_pack(&s.base, &buf, len);
  free(recs);
  free(rp);
  return buf;
}

static void test_good_submit(void)
{
  size_t len;
  uint8_t *buf = make_submit(3, 1, &len);
  Huibao__V1__Submit *s;
  char err[256] = "";
  CHECK_EQ_INT(0, hb_wire_submit_unpack(buf, len, &s, err, sizeof err));
  CHECK_EQ_INT(42, s->batch_id);
  CHECK_EQ_INT(3, s->n_records);
  CHECK_EQ_STR("xq-a", s->records[2]->activity->unit);
  hb_wire_submit_free(s);
  free(buf);
}

static void test_max_batch(void)
{
  size_t len;
  char err[256] = "";
  Huibao__V1__Submit *s;
  uint8_t *buf = make_submit(HB_WIRE_MAX_BATCH, 1, &len);
  CHECK_EQ_INT(0, hb_wire_submit_unpack(buf, len, &s, err, sizeof err));
  hb_wire_submit_free(s);
  free(buf);
  buf = make_submit(HB_WIRE_MAX_BATCH + 1, 1, &len);
  CHECK_EQ_INT(HB_ETOOBIG, hb_wire_submit_unpack(buf, len, &s, err, sizeof err));
  CHECK(s == NULL);
  CHECK_EQ_STR("submit of 1001 records is over the limit of 1000", err);
  free(buf);
}

static void test_oversize(void)
{
  size_t len = HB_WIRE_MAX_SUBMIT + 1;
  uint8_t *buf = calloc(1, len);
  Huibao__V1__Submit *s;
  char err[256] = "";
  CHECK_EQ_INT(HB_ETOOBIG, hb_wire_submit_unpack(buf, len, &s, err, sizeof err));
  CHECK_CONTAINS(err, "over the limit of 4096000");
  free(buf);
}

static void test_truncated(void)
{
  size_t len;
  uint8_t *buf = make_submit(2, 1, &len);
  Huibao__V1__Submit *s;
  char err[256] = "";
  for (size_t cut = 1; cut < len; cut++) {
    int rc = hb_wire_submit_unpack(buf, cut, &s, err, sizeof err);
    if (rc == 0) {
      /* a cut at a record boundary is a shorter valid message */
      CHECK(s->n_records < 2);
      hb_wire_submit_free(s);
    } else {
      CHECK_EQ_INT(HB_EPROTO, rc);
      CHECK(s == NULL);
    }
  }
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(buf, len - 1, &s, err, sizeof err));
  CHECK_EQ_STR("malformed submit (broken framing)", err);
  free(buf);
}

static void test_missing_body_and_fields(void)
{
  size_t len;
  uint8_t *buf = make_submit(2, 0, &len);
  Huibao__V1__Submit *s;
  char err[256] = "";
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(buf, len, &s, err, sizeof err));
  CHECK_EQ_STR("record 1 (seq 2) has no body", err);
  free(buf);
  /* batch_id only: unit (required) missing */
  const uint8_t only_id[] = {0x08, 0x01};
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(only_id, sizeof only_id, &s, err, sizeof err));
  /* a record claiming more bytes than the cap */
  Huibao__V1__Submit big = HUIBAO__V1__SUBMIT__INIT;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT, *rp = &r;
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  char *title = malloc(HB_WIRE_MAX_RECORD + 10);
  memset(title, 'x', HB_WIRE_MAX_RECORD + 9);
  title[HB_WIRE_MAX_RECORD + 9] = '\0';
  a.unit = "xq-a";
  a.id = "A1";
  a.title = title;
  r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  r.activity = &a;
  big.unit = "xq-a";
  big.n_records = 1;
  big.records = &rp;
  hb_wire_pack(&big.base, &buf, &len);
  CHECK_EQ_INT(HB_ETOOBIG, hb_wire_submit_unpack(buf, len, &s, err, sizeof err));
  CHECK_CONTAINS(err, "over the limit of 4096");
  free(buf);
  free(title);
  /* a bad unit code */
  big.unit = "bad unit!";
  big.n_records = 0;
  hb_wire_pack(&big.base, &buf, &len);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(buf, len, &s, err, sizeof err));
  CHECK_EQ_STR("submit unit is not a valid unit code", err);
  free(buf);
}

static void test_ack(void)
{
  Huibao__V1__Ack a = HUIBAO__V1__ACK__INIT;
  Huibao__V1__RecordResult r = HUIBAO__V1__RECORD_RESULT__INIT, *rp = &r;
  a.batch_id = 5;
  r.seq = 9;
  r.code = HUIBAO__V1__RESULT_CODE__STALE;
  r.has_stored_version = 1;
  r.stored_version = 77;
  a.n_results = 1;
  a.results = &rp;
  uint8_t *buf;
  size_t len;
  hb_wire_pack(&a.base, &buf, &len);
  Huibao__V1__Ack *out;
  CHECK_EQ_INT(0, hb_wire_ack_unpack(buf, len, &out));
  CHECK_EQ_INT(77, out->results[0]->stored_version);
  protobuf_c_message_free_unpacked(&out->base, NULL);
  free(buf);
  r.code = 99; /* unknown enum value */
  hb_wire_pack(&a.base, &buf, &len);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_ack_unpack(buf, len, &out));
  free(buf);
}

int main(void)
{
  RUN(test_good_submit);
  RUN(test_max_batch);
  RUN(test_oversize);
  RUN(test_truncated);
  RUN(test_missing_body_and_fields);
  RUN(test_ack);
  return test_summary();
}
