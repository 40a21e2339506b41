/* wire_fast_test.c: the one-pass Submit decoder (hb_wire_fast.c, issue 17)
 * against the path before it (protobuf-c, hb_wire_submit_bodies,
 * hb_wire_canonical), field by field (test_wire_diff.h): the Submits
 * agents send take the fast path, every other kind falls back, and both
 * give the same answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_wire.h"
#include "hb_wire_zstd.h"
#include "test.h"
#include "test_wire_diff.h"

/* Both ways; want_fast: 1 fast path, 0 fallback; want_rc the answer. */
#define CHECK_DECODE(buf, len, want_fast, want_rc)                                                 \
  do {                                                                                             \
    bool fast_ = false;                                                                            \
    int rc_ = -99;                                                                                 \
    const char *d_ = wire_diff((buf), (len), true, &fast_, &rc_);                                  \
    if (d_)                                                                                        \
      fprintf(stderr, "differs: %s\n", d_);                                                        \
    CHECK(d_ == NULL);                                                                             \
    CHECK_EQ_INT((want_fast), fast_);                                                              \
    CHECK_EQ_INT((want_rc), rc_);                                                                  \
  } while (0)

static hb_wire_buf sub;

/* Starts a Submit as an agent does (hb_wire_submit_begin). */
static void begin(const char *agent_version)
{
  CHECK_EQ_INT(0, hb_wire_submit_begin(&sub, 77, "xq-a", agent_version));
  CHECK_EQ_INT(0, hb_wire_submit_decisions_after(&sub, 5));
}

/* Appends rec, packed by protobuf-c. */
static void add(const Huibao__V1__Record *rec)
{
  uint8_t *p;
  size_t n;
  CHECK_EQ_INT(0, hb_wire_pack(&rec->base, &p, &n));
  CHECK_EQ_INT(0, hb_wire_submit_add(&sub, p, n));
  free(p);
}

/* Appends raw Record bytes. */
static void add_raw(const uint8_t *rec, size_t n)
{
  CHECK_EQ_INT(0, hb_wire_submit_add(&sub, rec, n));
}

static uint8_t sig[64] = {1, 2, 3};

/* One Submit holding every kind, with all and with no optional fields. */
static void test_agents_submits(void)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT, a0 = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = a0.unit = "xq-a";
  a.id = "A-活动-1";
  a0.id = "";
  a.version = UINT64_MAX; /* the largest varint: 10 bytes */
  a.campaign = "nengli-2022";
  a.has_date = 1, a.date = -5; /* negative int32: 10 bytes */
  a.has_kind = 1, a.kind = -1; /* a negative enum */
  a.has_level = 1, a.level = 2;
  a.has_sessions = 1, a.sessions = UINT32_MAX;
  a.has_participants = 1, a.participants = 0;
  a.has_outputs = 1, a.outputs = 300;
  a.title = "学习 🙂 \t";
  a.has_deleted = 1, a.deleted = 1;
  a.kind_code = "";
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a", p.id = "P1", p.version = 1;
  p.campaign = "zhuti-2023", p.has_identified_on = 1, p.identified_on = 19000;
  p.has_scope = 1, p.scope = 1, p.category = "theory", p.has_status = 1, p.status = 2;
  p.has_measures = 1, p.measures = 3, p.has_deadline = 1, p.deadline = INT32_MIN;
  p.has_resolved_on = 1, p.resolved_on = INT32_MAX, p.description = "问题";
  p.subcategory = "x", p.owner = "张三", p.measures_text = "措施", p.has_source = 1;
  p.source = 1, p.has_term = 1, p.term = 2;
  Huibao__V1__Indicator ind = HUIBAO__V1__INDICATOR__INIT;
  ind.unit = "xq-a", ind.id = "I1", ind.version = 2, ind.has_value = 1;
  ind.value = INT64_MIN, ind.indicator = "k", ind.note = "";
  Huibao__V1__Indicator ind2 = ind;
  ind2.value = -12500;
  Huibao__V1__Case cs = HUIBAO__V1__CASE__INIT;
  cs.unit = "xq-a", cs.id = "C1", cs.version = 3, cs.has_type = 1, cs.type = 1;
  cs.title = "案例", cs.summary = "s";
  Huibao__V1__Report rp = HUIBAO__V1__REPORT__INIT;
  rp.unit = "xq-a", rp.id = "R1", rp.version = 4, rp.period = "本期", rp.filled_by = "李";
  rp.approved_by = "王", rp.has_nothing_new = 1, rp.nothing_new = 1, rp.note = "n";
  Huibao__V1__Record recs[8];
  for (int i = 0; i < 8; i++) {
    huibao__v1__record__init(&recs[i]);
    recs[i].seq = (uint64_t)i + 1;
  }
  recs[0].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY, recs[0].activity = &a;
  recs[1].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY, recs[1].activity = &a0;
  recs[2].body_case = HUIBAO__V1__RECORD__BODY_PROBLEM, recs[2].problem = &p;
  recs[3].body_case = HUIBAO__V1__RECORD__BODY_INDICATOR, recs[3].indicator = &ind;
  recs[4].body_case = HUIBAO__V1__RECORD__BODY_INDICATOR, recs[4].indicator = &ind2;
  recs[5].body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW, recs[5].case_row = &cs;
  recs[6].body_case = HUIBAO__V1__RECORD__BODY_REPORT, recs[6].report = &rp;
  recs[7].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY, recs[7].activity = &a;
  recs[7].seq = UINT64_MAX;
  recs[0].has_signature = 1, recs[0].signature = (ProtobufCBinaryData){sizeof sig, sig};
  recs[2].has_signed_body = 1, recs[2].signed_body = (ProtobufCBinaryData){3, sig};
  recs[3].has_signature = 1, recs[3].signature = (ProtobufCBinaryData){0, NULL}; /* empty */
  begin("huibao-agent 1.2 版");
  for (int i = 0; i < 8; i++)
    add(&recs[i]);
  CHECK_DECODE(sub.data, sub.len, 1, 0);
  /* what the fast path gave, by hand too */
  hb_arena *ar = hb_arena_new();
  Huibao__V1__Submit *s;
  hb_wire_body *b;
  bool fast;
  char err[256];
  CHECK_EQ_INT(
      0, hb_wire_submit_decode(ar, sub.data, sub.len, true, NULL, &s, &b, &fast, err, sizeof err));
  CHECK(fast);
  CHECK_EQ_INT(8, s->n_records);
  CHECK_EQ_INT(5, s->decisions_after);
  CHECK_EQ_INT(-5, s->records[0]->activity->date);
  CHECK_EQ_INT(-1, (int)s->records[0]->activity->kind);
  CHECK_EQ_STR("学习 🙂 \t", s->records[0]->activity->title);
  CHECK_EQ_INT(0, s->records[1]->activity->has_date);
  CHECK(s->records[1]->activity->campaign == NULL);
  CHECK_EQ_INT(64, s->records[0]->signature.len);
  CHECK(s->records[3]->has_signature && s->records[3]->signature.data == NULL);
  CHECK(INT64_MIN == s->records[3]->indicator->value);
  for (int i = 0; i < 8; i++)
    CHECK(b[i].canonical && b[i].data > sub.data && b[i].data < sub.data + sub.len);
  /* compressed as an agent sends it to a county that accepts it */
  hb_wire_buf z = {0};
  size_t hdr;
  begin(NULL);
  hdr = sub.len;
  for (int i = 0; i < 8; i++)
    add(&recs[i]);
  if (hb_wire_zstd_deflate(sub.data, sub.len, hdr, &z) == 0) {
    CHECK_DECODE(z.data, z.len, 1, 0);
    /* a county with --no-zstd-submits: records_zstd is a bytes field */
    bool f2;
    int rc2;
    CHECK(wire_diff(z.data, z.len, false, &f2, &rc2) == NULL);
    CHECK(f2);
    CHECK_EQ_INT(0, rc2);
  }
  free(z.data);
  /* an empty Submit, and the largest */
  begin(NULL);
  CHECK_DECODE(sub.data, sub.len, 1, 0);
  begin("");
  for (int i = 0; i < HB_WIRE_MAX_BATCH; i++)
    add(&recs[i % 8]);
  CHECK_DECODE(sub.data, sub.len, 1, 0);
  add(&recs[0]);
  CHECK_DECODE(sub.data, sub.len, 0, HB_ETOOBIG);
  /* refused after decoding (submit_checked), on the fast path */
  CHECK_EQ_INT(0, hb_wire_submit_begin(&sub, 1, "XQ A", NULL));
  add(&recs[0]);
  CHECK_DECODE(sub.data, sub.len, 1, HB_EPROTO);
  CHECK_EQ_INT(0, hb_wire_submit_begin(&sub, 1, "xq-a", "\xff"));
  CHECK_DECODE(sub.data, sub.len, 1, HB_EPROTO);
  huibao__v1__record__init(&recs[0]);
  begin(NULL);
  add(&recs[0]); /* no body */
  CHECK_DECODE(sub.data, sub.len, 1, HB_EPROTO);
  hb_arena_free(ar);
}

/* A body the fast path decodes but hb_wire_canonical refuses. */
static void test_fast_not_canonical(void)
{
  /* Activity: unit "u" id "i" version 1, then date before version */
  static const uint8_t order[] = {0x0a, 1, 'u', 0x12, 1, 'i', 0x28, 3, 0x18, 1};
  static const uint8_t bool2[] = {0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1, 0x60, 2};
  /* int32 date 2^32 + 1: protobuf-c keeps 1 */
  static const uint8_t big32[] = {0x0a, 1,    'u',  0x12, 1,    'i',  0x18,
                                  1,    0x28, 0x81, 0x80, 0x80, 0x80, 0x10};
  const uint8_t *bodies[] = {order, bool2, big32};
  size_t lens[] = {sizeof order, sizeof bool2, sizeof big32};
  for (int k = 0; k < 3; k++) {
    uint8_t rec[64] = {0x08, 9, 0x12, (uint8_t)lens[k]};
    memcpy(rec + 4, bodies[k], lens[k]);
    begin(NULL);
    add_raw(rec, 4 + lens[k]);
    CHECK_DECODE(sub.data, sub.len, 1, 0);
  }
}

/* Each reason to fall back: the whole Submit goes to protobuf-c. */
static void test_fallbacks(void)
{
  struct {
    const char *name;
    uint8_t rec[48];
    size_t len;
    int rc;
  } cases[] = {
      {"seq twice", {0x08, 1, 0x08, 2, 0x12, 8, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1}, 14, 0},
      {"two bodies",
       {0x08, 1,    0x12, 8,    0x0a, 1,   'u',  0x12, 1,   'i',  0x18,
        1,    0x1a, 8,    0x0a, 1,    'u', 0x12, 1,    'i', 0x18, 1},
       22,
       0},
      {"body twice (merged)",
       {0x08, 1, 0x12, 8, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1, 0x12, 2, 0x18, 2},
       16,
       HB_EPROTO},
      {"unknown field", {0x08, 1, 0x12, 8, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1, 0x48, 1}, 14, 0},
      {"unknown field in body",
       {0x08, 1, 0x12, 11, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1, 0xf8, 0x07, 0},
       15,
       0},
      {"non-shortest varint",
       {0x08, 0x81, 0x00, 0x12, 8, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1},
       13,
       0},
      {"non-shortest length",
       {0x08, 1, 0x12, 0x88, 0x00, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1},
       13,
       0},
      {"NUL in a string", {0x08, 1, 0x12, 8, 0x0a, 1, 0, 0x12, 1, 'i', 0x18, 1}, 12, 0},
      {"fixed64 field",
       {0x08, 1, 0x12, 8, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1, 0x49, 1, 2, 3, 4, 5, 6, 7, 8},
       21,
       0},
      {"bool as bytes",
       {0x08, 1, 0x12, 11, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1, 0x62, 1, 1},
       15,
       0},
      {"string as varint", {0x08, 1, 0x12, 8, 0x08, 1, 0x12, 1, 'i', 0x18, 1}, 11, HB_EPROTO},
      {"required missing", {0x08, 1, 0x12, 6, 0x0a, 1, 'u', 0x12, 1, 'i'}, 10, HB_EPROTO},
      {"seq missing", {0x12, 8, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1}, 10, HB_EPROTO},
      {"varint tenth byte 2",
       {0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
        0x12, 8,    0x0a, 1,    'u',  0x12, 1,    'i',  0x18, 1},
       21,
       0},
      {"field 0", {0x08, 1, 0x12, 8, 0x0a, 1, 'u', 0x12, 1, 'i', 0x18, 1, 0x00, 1}, 14, HB_EPROTO},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    begin(NULL);
    add_raw(cases[k].rec, cases[k].len);
    bool fast = true;
    int rc = -99;
    const char *d = wire_diff(sub.data, sub.len, true, &fast, &rc);
    if (d || fast || rc != cases[k].rc)
      fprintf(stderr, "case %s: %s fast %d rc %d\n", cases[k].name, d ? d : "same", fast, rc);
    CHECK(d == NULL);
    CHECK(!fast);
    CHECK_EQ_INT(cases[k].rc, rc);
  }
  /* Submit level: unit twice, records as a varint, a group */
  static const uint8_t twice[] = {0x08, 1, 0x12, 1, 'x', 0x12, 4, 'x', 'q', '-', 'a'};
  CHECK_DECODE(twice, sizeof twice, 0, 0);
  static const uint8_t recvar[] = {0x08, 1, 0x12, 4, 'x', 'q', '-', 'a', 0x18, 1};
  CHECK_DECODE(recvar, sizeof recvar, 0, HB_EPROTO);
  static const uint8_t group[] = {0x08, 1, 0x12, 4, 'x', 'q', '-', 'a', 0x3b, 0x3c};
  CHECK_DECODE(group, sizeof group, 0, HB_EPROTO);
}

int main(void)
{
  RUN(test_agents_submits);
  RUN(test_fast_not_canonical);
  RUN(test_fallbacks);
  free(sub.data);
  return test_summary();
}
