/* wire_test.c: hb_wire caps (oversize, truncated, too many records, no
 * body), with malloc and into an arena (hb_arena), the framing written and read by hand, and its
 * field numbers against the generated descriptors of huibao.proto. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "hb_varint.h"
#include "hb_wire.h"
#include "hb_wire_depth.h"
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
  /* a body without its required id: refused by unpack, with malloc and in
   * an arena (no protobuf_c_message_check after it, issue 17) */
  const uint8_t no_id[] = {0x08, 0x01, 0x12, 0x04, 'x',  'q', '-', 'a', 0x1a, 0x0c, 0x08,
                           0x01, 0x12, 0x08, 0x0a, 0x04, 'x', 'q', '-', 'a',  0x18, 0x01};
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack(no_id, sizeof no_id, &s, err, sizeof err));
  CHECK(s == NULL);
  hb_arena *ar = hb_arena_new();
  CHECK_EQ_INT(HB_EPROTO,
               hb_wire_submit_unpack_arena(ar, no_id, sizeof no_id, &s, err, sizeof err));
  CHECK(s == NULL);
  hb_arena_free(ar);
  uint8_t with_id[sizeof no_id + 4];
  memcpy(with_id, no_id, sizeof no_id); /* the same with id "A1": accepted */
  with_id[9] += 4, with_id[13] += 4;
  memcpy(with_id + sizeof no_id,
         "\x12\x02"
         "A1",
         4);
  CHECK_EQ_INT(0, hb_wire_submit_unpack(with_id, sizeof with_id, &s, err, sizeof err));
  if (s)
    CHECK_EQ_STR("A1", s->records[0]->activity->id);
  hb_wire_submit_free(s);
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

/* Issue 17: Submits unpacked into one arena, the same caps, freed by its
 * reset (ASan: nothing leaks, nothing is freed twice). */
static void test_submit_arena(void)
{
  hb_arena *ar = hb_arena_new();
  CHECK(ar != NULL);
  char err[256] = "";
  Huibao__V1__Submit *s[2];
  size_t len;
  for (int round = 0; round < 2; round++) {
    uint8_t *small = make_submit(3, 1, &len);
    CHECK_EQ_INT(0, hb_wire_submit_unpack_arena(ar, small, len, &s[0], err, sizeof err));
    free(small);
    /* the largest batch: more than the first block */
    uint8_t *big = make_submit(HB_WIRE_MAX_BATCH, 1, &len);
    CHECK_EQ_INT(0, hb_wire_submit_unpack_arena(ar, big, len, &s[1], err, sizeof err));
    free(big);
    CHECK_EQ_INT(3, s[0]->n_records);
    CHECK_EQ_STR("xq-a", s[0]->records[2]->activity->unit);
    CHECK_EQ_INT(HB_WIRE_MAX_BATCH, s[1]->n_records);
    CHECK_EQ_STR("A1", s[1]->records[HB_WIRE_MAX_BATCH - 1]->activity->id);
    /* refusals leave nothing behind, as without the arena */
    big = make_submit(HB_WIRE_MAX_BATCH + 1, 1, &len);
    Huibao__V1__Submit *r;
    CHECK_EQ_INT(HB_ETOOBIG, hb_wire_submit_unpack_arena(ar, big, len, &r, err, sizeof err));
    CHECK(r == NULL);
    free(big);
    uint8_t *nobody = make_submit(2, 0, &len);
    CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_unpack_arena(ar, nobody, len, &r, err, sizeof err));
    CHECK(r == NULL);
    CHECK_EQ_STR("record 1 (seq 2) has no body", err);
    free(nobody);
    /* the first Submit is still whole after the others */
    CHECK_EQ_STR("jf", s[0]->records[0]->activity->campaign);
    hb_arena_reset(ar);
  }
  /* the cap counts bytes as asked; reset lifts it */
  hb_arena_cap(ar, 100);
  CHECK(hb_arena_alloc(ar, 101) == NULL);
  CHECK(hb_arena_alloc(ar, 60) != NULL);
  CHECK(hb_arena_alloc(ar, 41) == NULL);
  CHECK(hb_arena_alloc(ar, 40) != NULL);
  hb_arena_reset(ar);
  char *big = hb_arena_alloc(ar, 20u * 1024 * 1024); /* over a block: a block of its own */
  CHECK(big != NULL);
  if (big)
    memset(big, 1, 20u * 1024 * 1024);
  CHECK_EQ_STR("xq-a", hb_arena_strdup(ar, "xq-a"));
  /* rewind (issue 17, a decoding attempt given up): what came after the
   * mark is given back, blocks included; what came before stays */
  hb_arena_reset(ar);
  char *keep = hb_arena_strdup(ar, "keep");
  hb_arena_mark m = hb_arena_where(ar);
  char *p1 = hb_arena_alloc(ar, 100);
  CHECK(hb_arena_alloc(ar, 20u * 1024 * 1024) != NULL);
  hb_arena_rewind(ar, m);
  CHECK(hb_arena_alloc(ar, 100) == p1);
  CHECK_EQ_STR("keep", keep);
  hb_arena_free(ar);
}

/* Is buf[0..len) canonical, and if so does protobuf-c pack what it
 * unpacks from it to the very same bytes? Returns 1 canonical (and
 * checked), 0 not canonical, -1 canonical but packed otherwise (a bug). */
static int canonical_checked(const uint8_t *buf, size_t len)
{
  if (!hb_wire_canonical(&huibao__v1__activity__descriptor, buf, len))
    return 0;
  Huibao__V1__Activity *a = huibao__v1__activity__unpack(NULL, len, buf);
  if (!a)
    return 0; /* canonical framing, but not an Activity (a required field missing) */
  uint8_t *out;
  size_t n;
  int same = hb_wire_pack(&a->base, &out, &n) == 0 && n == len && memcmp(out, buf, n) == 0;
  free(out);
  huibao__v1__activity__free_unpacked(a, NULL);
  return same ? 1 : -1;
}

/* Issue 17: hb_wire_canonical says which received bodies the county may
 * store as they came; hb_wire_submit_bodies finds them in a Submit. */
static void test_canonical(void)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = "A1";
  a.version = 1700000000123456ull;
  a.campaign = "jf";
  a.has_date = 1;
  a.date = 19509;
  a.has_kind = 1;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  a.has_participants = 1;
  a.participants = 300;
  a.has_deleted = 1; /* false, but present: protobuf-c packs it */
  a.title = "深入学习贯彻党的二十大精神";
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_wire_pack(&a.base, &buf, &len));
  CHECK_EQ_INT(1, canonical_checked(buf, len));
  uint8_t m[512];
  CHECK(len + 16 < sizeof m);
  /* an unknown field at the end (dropped by the county: packed) */
  memcpy(m, buf, len);
  m[len] = 0x98, m[len + 1] = 0x06, m[len + 2] = 1; /* field 99, varint 1 */
  CHECK(!hb_wire_canonical(&huibao__v1__activity__descriptor, m, len + 3));
  /* a field twice (unit again at the end: the last wins) */
  memcpy(m, buf, len);
  memcpy(m + len, "\x0a\x04xq-a", 6);
  CHECK(!hb_wire_canonical(&huibao__v1__activity__descriptor, m, len + 6));
  /* out of order: id (field 2) before unit (field 1) */
  size_t ul = 2 + strlen(a.unit), il = 2 + strlen(a.id);
  memcpy(m, buf + ul, il);
  memcpy(m + il, buf, ul);
  memcpy(m + ul + il, buf + ul + il, len - ul - il);
  CHECK_EQ_INT(0, canonical_checked(m, len));
  /* a bool of 2, a varint one byte too long, a string with NUL, a
   * negative int32 in 5 bytes (protobuf-c writes 10) */
  Huibao__V1__Activity b = HUIBAO__V1__ACTIVITY__INIT;
  b.unit = "u";
  b.id = "i";
  b.version = 1;
  uint8_t *base;
  size_t bl;
  CHECK_EQ_INT(0, hb_wire_pack(&b.base, &base, &bl));
  CHECK_EQ_INT(1, canonical_checked(base, bl));
  static const struct {
    const char *bytes;
    size_t len;
    int want;
  } tail[] = {
      {"\x60\x01", 2, 1},                                      /* deleted = true */
      {"\x60\x02", 2, 0},                                      /* deleted = 2 */
      {"\x48\x80\x01", 3, 1},                                  /* participants = 128 */
      {"\x48\x80\x81\x00", 4, 0},                              /* ... in 3 bytes */
      {"\x5a\x02\x61\x00", 4, 0},                              /* title "a\0" */
      {"\x28\xff\xff\xff\xff\x0f", 6, 0},                      /* date -1 in 5 bytes */
      {"\x28\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, 1}, /* date -1 in 10 */
      {"\x48\x80\x80\x80\x80\x10", 6, 0},                      /* participants 2^32 */
      {"\x2d\x00\x00\x00\x00", 5, 0},                          /* date as fixed32 */
      {"\x30\xff\xff\xff\xff\x0f", 6, 0},                      /* kind -1 in 5 bytes */
      {"\x30\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11, 1}, /* ... in 10 */
  };
  for (size_t i = 0; i < sizeof tail / sizeof tail[0]; i++) {
    memcpy(m, base, bl);
    memcpy(m + bl, tail[i].bytes, tail[i].len);
    int got = canonical_checked(m, bl + tail[i].len);
    if (got != tail[i].want)
      fprintf(stderr, "tail %zu: %d, want %d\n", i, got, tail[i].want);
    CHECK_EQ_INT(tail[i].want, got);
  }
  /* random changes of a packed Activity: whatever hb_wire_canonical
   * accepts packs again to the same bytes */
  uint32_t x = 7;
  int accepted = 0, bad = 0;
  for (int k = 0; k < 50000; k++) {
    memcpy(m, buf, len);
    size_t ml = len;
    for (int e = 0; e < 1 + k % 3; e++) {
      x = x * 1103515245u + 12345u;
      size_t at = (x >> 8) % ml;
      unsigned v = x >> 24;
      if (k % 5 == 4 && ml > 1)
        memmove(m + at, m + at + 1, --ml - at); /* a byte less */
      else
        m[at] = (uint8_t)(k % 2 ? v : m[at] ^ (1u << (v & 7)));
    }
    int r = canonical_checked(m, ml);
    accepted += r == 1;
    bad += r < 0;
  }
  CHECK_EQ_INT(0, bad);
  CHECK(accepted > 100); /* changes within the strings and values */
  /* the bodies of a Submit: one per record, NULL without one */
  size_t sl;
  uint8_t *sub = make_submit(3, 0, &sl);
  const uint8_t *body[3];
  size_t blen[3];
  CHECK_EQ_INT(0, hb_wire_submit_bodies(sub, sl, 3, body, blen));
  Huibao__V1__Activity *one = huibao__v1__activity__unpack(NULL, blen[0], body[0]);
  CHECK(one && strcmp(one->id, "A1") == 0 && one->version == 7);
  if (one)
    huibao__v1__activity__free_unpacked(one, NULL);
  CHECK(body[1] != NULL && blen[1] == blen[0] && memcmp(body[1], body[0], blen[0]) == 0);
  CHECK(body[2] == NULL);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_submit_bodies(sub, sl, 2, body, blen));
  free(sub);
  free(base);
  free(buf);
}

/* Issue 17: an Ack's results added one by one are the bytes protobuf-c
 * packs (an Ack of batch_id and results only: the same field order). */
static void test_ack_add_result(void)
{
  Huibao__V1__RecordResult r[5];
  Huibao__V1__RecordResult *rp[5];
  for (int i = 0; i < 5; i++) {
    huibao__v1__record_result__init(&r[i]);
    rp[i] = &r[i];
  }
  r[0].seq = 1, r[0].code = HUIBAO__V1__RESULT_CODE__STORED;
  r[1].seq = 300, r[1].code = HUIBAO__V1__RESULT_CODE__DUPLICATE;
  r[2].seq = 1ull << 40, r[2].code = HUIBAO__V1__RESULT_CODE__REJECTED;
  r[2].field = "title", r[2].reason = "标题过长 / title too long";
  r[3].seq = 4, r[3].code = HUIBAO__V1__RESULT_CODE__STALE;
  r[3].has_stored_version = 1, r[3].stored_version = 1700000000123456ull;
  r[4].seq = 5, r[4].code = (Huibao__V1__ResultCode)-1; /* an int32: ten bytes */
  Huibao__V1__Ack a = HUIBAO__V1__ACK__INIT;
  a.batch_id = 9;
  a.n_results = 5;
  a.results = rp;
  uint8_t *want;
  size_t wl;
  CHECK_EQ_INT(0, hb_wire_pack(&a.base, &want, &wl));
  a.n_results = 0;
  a.results = NULL;
  hb_wire_buf b = {0};
  CHECK_EQ_INT(0, hb_wire_pack_at(&b, 0, &a.base));
  for (int i = 0; i < 5; i++)
    CHECK_EQ_INT(0, hb_wire_ack_add_result(&b, &r[i]));
  CHECK_EQ_INT((long long)wl, (long long)b.len);
  CHECK(b.len == wl && memcmp(b.data, want, wl) == 0);
  free(want);
  free(b.data);
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

/* Issue 14: an Ack's decisions come through within the caps, and one
 * too many, a kind other than A/P, an unknown action or a reason over
 * HB_WIRE_DECISION_REASON_MAX bytes refuses the Ack. */
static void test_ack_decisions(void)
{
  Huibao__V1__Ack a = HUIBAO__V1__ACK__INIT;
  Huibao__V1__Decision d = HUIBAO__V1__DECISION__INIT;
  Huibao__V1__Decision *dp[HB_WIRE_ACK_DECISIONS_MAX + 1];
  for (size_t i = 0; i <= HB_WIRE_ACK_DECISIONS_MAX; i++)
    dp[i] = &d;
  d.n = 17;
  d.unit = "xq-a";
  d.kind = "P";
  d.id = "P017";
  d.action = HUIBAO__V1__DECISION_ACTION__RETURN;
  d.reason = "整改材料不全";
  d.reviewer = "李四";
  d.at_s = 1796313600;
  a.batch_id = 5;
  a.n_decisions = HB_WIRE_ACK_DECISIONS_MAX;
  a.decisions = dp;
  a.has_decisions_more = 1;
  a.decisions_more = 1;
  uint8_t *buf;
  size_t len;
  Huibao__V1__Ack *out;
  hb_wire_pack(&a.base, &buf, &len);
  CHECK_EQ_INT(0, hb_wire_ack_unpack(buf, len, &out));
  CHECK_EQ_INT(HB_WIRE_ACK_DECISIONS_MAX, out->n_decisions);
  CHECK_EQ_STR("整改材料不全", out->decisions[99]->reason);
  CHECK(out->decisions_more);
  protobuf_c_message_free_unpacked(&out->base, NULL);
  free(buf);
  a.n_decisions = HB_WIRE_ACK_DECISIONS_MAX + 1;
  hb_wire_pack(&a.base, &buf, &len);
  CHECK_EQ_INT(HB_ETOOBIG, hb_wire_ack_unpack(buf, len, &out));
  free(buf);
  a.n_decisions = 1;
  d.kind = "I";
  hb_wire_pack(&a.base, &buf, &len);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_ack_unpack(buf, len, &out));
  free(buf);
  d.kind = "A";
  d.action = 9;
  hb_wire_pack(&a.base, &buf, &len);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_ack_unpack(buf, len, &out));
  free(buf);
  d.action = HUIBAO__V1__DECISION_ACTION__REOPEN;
  char reason[HB_WIRE_DECISION_REASON_MAX + 2];
  memset(reason, 'x', sizeof reason - 1);
  reason[sizeof reason - 1] = '\0';
  d.reason = reason;
  hb_wire_pack(&a.base, &buf, &len);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_ack_unpack(buf, len, &out));
  free(buf);
  reason[HB_WIRE_DECISION_REASON_MAX] = '\0';
  hb_wire_pack(&a.base, &buf, &len);
  CHECK_EQ_INT(0, hb_wire_ack_unpack(buf, len, &out));
  protobuf_c_message_free_unpacked(&out->base, NULL);
  free(buf);
}

/* Submit.decisions_after framed by hand: the bytes of protobuf-c's packing
 * of a probe (no records, no agent_version), and read back with records. */
static void test_submit_decisions_after(void)
{
  Huibao__V1__Submit sub = HUIBAO__V1__SUBMIT__INIT;
  sub.batch_id = 300;
  sub.unit = "t01";
  sub.has_decisions_after = 1;
  sub.decisions_after = 1234567;
  uint8_t *ref;
  size_t reflen;
  CHECK_EQ_INT(0, hb_wire_pack(&sub.base, &ref, &reflen));
  hb_wire_buf buf = {0};
  CHECK_EQ_INT(0, hb_wire_submit_begin(&buf, 300, "t01", NULL));
  CHECK_EQ_INT(0, hb_wire_submit_decisions_after(&buf, 1234567));
  CHECK_EQ_INT(reflen, buf.len);
  CHECK(buf.len == reflen && memcmp(buf.data, ref, reflen) == 0);
  free(ref);
  const uint8_t rec[] = {0x08, 0x07};
  CHECK_EQ_INT(0, hb_wire_submit_begin(&buf, 300, "t01", "v1"));
  CHECK_EQ_INT(0, hb_wire_submit_decisions_after(&buf, 0));
  CHECK_EQ_INT(0, hb_wire_submit_add(&buf, rec, sizeof rec));
  Huibao__V1__Submit *s = huibao__v1__submit__unpack(NULL, buf.len, buf.data);
  CHECK(s != NULL);
  if (s) {
    CHECK(s->has_decisions_after);
    CHECK_EQ_INT(0, s->decisions_after);
    CHECK_EQ_INT(1, s->n_records);
    huibao__v1__submit__free_unpacked(s, NULL);
  }
  free(buf.data);
}

/* A Submit framed by hand around packed records unpacks as sent. */
static void test_submit_encoding(void)
{
  const uint8_t rec[] = {0x08, 0x07};
  hb_wire_buf buf = {0};
  CHECK_EQ_INT(0, hb_wire_submit_begin(&buf, 300, "t01", "v1"));
  CHECK_EQ_INT(0, hb_wire_submit_add(&buf, rec, sizeof rec));
  CHECK_EQ_INT(0, hb_wire_submit_add(&buf, rec, sizeof rec));
  Huibao__V1__Submit *s = huibao__v1__submit__unpack(NULL, buf.len, buf.data);
  CHECK(s != NULL);
  if (s) {
    CHECK_EQ_INT(300, s->batch_id);
    CHECK_EQ_STR("t01", s->unit);
    CHECK_EQ_STR("v1", s->agent_version);
    CHECK_EQ_INT(2, s->n_records);
    CHECK_EQ_INT(7, s->records[1]->seq);
    huibao__v1__submit__free_unpacked(s, NULL);
  }
  free(buf.data);
}

/* The bytes on the wire stay what they were: the earlier hand-written
 * framing exactly, and protobuf-c's own packing of the same Submit when
 * there is no agent_version (which it would put after the records). */
static void test_submit_bytes(void)
{
  const uint8_t rec[] = {0x08, 0x07};
  const uint8_t want[] = {0x08, 0xac, 0x02, 0x12, 0x03, 't',  '0',  '1',  0x22, 0x02,
                          'v',  '1',  0x1a, 0x02, 0x08, 0x07, 0x1a, 0x02, 0x08, 0x07};
  hb_wire_buf buf = {0};
  CHECK_EQ_INT(0, hb_wire_submit_begin(&buf, 300, "t01", "v1"));
  CHECK_EQ_INT(0, hb_wire_submit_add(&buf, rec, sizeof rec));
  CHECK_EQ_INT(0, hb_wire_submit_add(&buf, rec, sizeof rec));
  CHECK_EQ_INT(sizeof want, buf.len);
  CHECK(buf.len == sizeof want && memcmp(buf.data, want, sizeof want) == 0);

  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = "A1";
  a.version = 1700000000123456u;
  a.campaign = "jf";
  Huibao__V1__Record r[2];
  Huibao__V1__Record *rp[2] = {&r[0], &r[1]};
  uint8_t *packed[2];
  size_t plen[2];
  for (int i = 0; i < 2; i++) {
    huibao__v1__record__init(&r[i]);
    r[i].seq = 1000 + (uint64_t)i;
    r[i].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    r[i].activity = &a;
    CHECK_EQ_INT(0, hb_wire_pack(&r[i].base, &packed[i], &plen[i]));
  }
  Huibao__V1__Submit sub = HUIBAO__V1__SUBMIT__INIT;
  sub.batch_id = 1ull << 40;
  sub.unit = "xq-a";
  sub.n_records = 2;
  sub.records = rp;
  uint8_t *ref;
  size_t reflen;
  CHECK_EQ_INT(0, hb_wire_pack(&sub.base, &ref, &reflen));
  CHECK_EQ_INT(0, hb_wire_submit_begin(&buf, 1ull << 40, "xq-a", NULL));
  for (int i = 0; i < 2; i++)
    CHECK_EQ_INT(0, hb_wire_submit_add(&buf, packed[i], plen[i]));
  CHECK_EQ_INT(reflen, buf.len);
  CHECK(buf.len == reflen && memcmp(buf.data, ref, reflen) == 0);
  free(ref);
  free(packed[0]);
  free(packed[1]);
  free(buf.data);
}

/* Record.seq and the version of a stored Activity / Problem, read without
 * unpacking, equal what protobuf-c packed; broken framing is refused. */
static void test_record_seq_and_row_version(void)
{
  uint64_t v = 0;
  const uint8_t packed[] = {0x08, 0xac, 0x02, 0x12, 0x00};
  CHECK_EQ_INT(0, hb_wire_record_seq(packed, sizeof packed, &v));
  CHECK_EQ_INT(300, v);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_record_seq(packed + 3, 2, &v));
  CHECK_EQ_INT(HB_EPROTO, hb_wire_record_seq(packed, 2, &v)); /* varint cut short */

  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-a";
  a.id = "A1";
  a.version = 1700000000123456u;
  a.campaign = "jf";
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.seq = 99999;
  r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  r.activity = &a;
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_wire_pack(&r.base, &buf, &len));
  CHECK_EQ_INT(0, hb_wire_record_seq(buf, len, &v));
  CHECK_EQ_INT(99999, v);
  free(buf);
  CHECK_EQ_INT(0, hb_wire_pack(&a.base, &buf, &len));
  CHECK_EQ_INT(0, hb_wire_row_version(buf, len, &v));
  CHECK(v == 1700000000123456u);
  CHECK_EQ_INT(HB_EPROTO, hb_wire_row_version(buf, 3, &v)); /* cut in the unit, before it */
  free(buf);

  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "xq-a";
  p.id = "P1";
  p.version = 42;
  p.has_deleted = 1;
  p.deleted = 1;
  CHECK_EQ_INT(0, hb_wire_pack(&p.base, &buf, &len));
  CHECK_EQ_INT(0, hb_wire_row_version(buf, len, &v));
  CHECK_EQ_INT(42, v);
  free(buf);
  const uint8_t no_version[] = {0x0a, 0x01, 'u', 0x12, 0x01, 'i'};
  CHECK_EQ_INT(HB_EPROTO, hb_wire_row_version(no_version, sizeof no_version, &v));
}

/* The fields hb_wire.c frames or reads by hand, as hb_wire.h numbers them. */
static const struct {
  const ProtobufCMessageDescriptor *msg;
  const char *name;
  unsigned id; /* hb_wire.h's constant */
  ProtobufCType type;
  ProtobufCLabel label;
} hand_fields[] = {
    {&huibao__v1__submit__descriptor, "batch_id", HB_WIRE_SUBMIT_BATCH_ID, PROTOBUF_C_TYPE_UINT64,
     PROTOBUF_C_LABEL_REQUIRED},
    {&huibao__v1__submit__descriptor, "unit", HB_WIRE_SUBMIT_UNIT, PROTOBUF_C_TYPE_STRING,
     PROTOBUF_C_LABEL_REQUIRED},
    {&huibao__v1__submit__descriptor, "records", HB_WIRE_SUBMIT_RECORDS, PROTOBUF_C_TYPE_MESSAGE,
     PROTOBUF_C_LABEL_REPEATED},
    {&huibao__v1__submit__descriptor, "agent_version", HB_WIRE_SUBMIT_AGENT_VERSION,
     PROTOBUF_C_TYPE_STRING, PROTOBUF_C_LABEL_OPTIONAL},
    {&huibao__v1__ack__descriptor, "results", HB_WIRE_ACK_RESULTS, PROTOBUF_C_TYPE_MESSAGE,
     PROTOBUF_C_LABEL_REPEATED},
    {&huibao__v1__submit__descriptor, "decisions_after", HB_WIRE_SUBMIT_DECISIONS_AFTER,
     PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_LABEL_OPTIONAL},
    {&huibao__v1__submit__descriptor, "records_zstd", HB_WIRE_SUBMIT_RECORDS_ZSTD,
     PROTOBUF_C_TYPE_BYTES, PROTOBUF_C_LABEL_OPTIONAL},
    {&huibao__v1__ack__descriptor, "decisions", HB_WIRE_ACK_DECISIONS, PROTOBUF_C_TYPE_MESSAGE,
     PROTOBUF_C_LABEL_REPEATED},
    {&huibao__v1__ack__descriptor, "decisions_more", HB_WIRE_ACK_DECISIONS_MORE,
     PROTOBUF_C_TYPE_BOOL, PROTOBUF_C_LABEL_OPTIONAL},
    {&huibao__v1__record__descriptor, "seq", HB_WIRE_RECORD_SEQ, PROTOBUF_C_TYPE_UINT64,
     PROTOBUF_C_LABEL_REQUIRED},
    {&huibao__v1__activity__descriptor, "version", HB_WIRE_ACTIVITY_VERSION, PROTOBUF_C_TYPE_UINT64,
     PROTOBUF_C_LABEL_REQUIRED},
    {&huibao__v1__problem__descriptor, "version", HB_WIRE_PROBLEM_VERSION, PROTOBUF_C_TYPE_UINT64,
     PROTOBUF_C_LABEL_REQUIRED},
    {&huibao__v1__indicator__descriptor, "version", HB_WIRE_INDICATOR_VERSION,
     PROTOBUF_C_TYPE_UINT64, PROTOBUF_C_LABEL_REQUIRED},
    {&huibao__v1__case__descriptor, "version", HB_WIRE_CASE_VERSION, PROTOBUF_C_TYPE_UINT64,
     PROTOBUF_C_LABEL_REQUIRED},
};

/* Each field number the wire module writes or reads by hand is the one
 * huibao.proto gives (protobuf-c's generated descriptors), with the type
 * and label the hand-written code assumes: renumbering a field fails here. */
static void test_field_numbers(void)
{
  for (size_t i = 0; i < sizeof hand_fields / sizeof hand_fields[0]; i++) {
    const ProtobufCMessageDescriptor *d = hand_fields[i].msg;
    const char *name = hand_fields[i].name;
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    CHECK(f != NULL);
    if (!f) {
      fprintf(stderr, "    %s.%s: no such field\n", d->name, name);
      continue;
    }
    if (f->id != hand_fields[i].id)
      fprintf(stderr, "    %s.%s is field %u in huibao.proto, hb_wire.h says %u\n", d->name, name,
              f->id, hand_fields[i].id);
    CHECK_EQ_INT(hand_fields[i].id, f->id);
    CHECK_EQ_INT(hand_fields[i].type, f->type);
    CHECK_EQ_INT(hand_fields[i].label, f->label);
  }
}

/* A field of number `field` (length-delimited) around buf[pos..cap),
 * written in front of it; returns the new pos. */
static size_t wrap(uint8_t *buf, size_t pos, size_t cap, unsigned field)
{
  size_t n = cap - pos;
  pos -= hb_varint_len(n);
  hb_varint_put(buf + pos, n);
  buf[--pos] = (uint8_t)(field << 3 | 2);
  return pos;
}

/* A Rollup whose category nests `levels` CategoryCounts (subcategories =
 * 6 in categories = 13): the message depth is `levels`. *out points into
 * the returned buffer (free it). */
static uint8_t *deep_rollup(size_t levels, const uint8_t **out, size_t *len)
{
  size_t cap = levels * 11 + 64;
  uint8_t *buf = calloc(cap, 1);
  CHECK(buf != NULL);
  size_t pos = cap;
  for (size_t i = 0; i < levels; i++) {
    pos -= 3; /* each CategoryCount with its required code "x" */
    memcpy(buf + pos, "\x0a\x01x", 3);
    pos = wrap(buf, pos, cap, i + 1 < levels ? 6 : 13);
  }
  static const uint8_t head[] = {1 << 3 | 2, 1, 'c', 3 << 3 | 2, 1, 'x', 5 << 3, 1, 6 << 3, 1};
  pos -= sizeof head;
  memcpy(buf + pos, head, sizeof head);
  *out = buf + pos;
  *len = cap - pos;
  return buf;
}

/* protobuf-c's unpack recurses without a limit: a county's Rollup nesting
 * 100,000 CategoryCounts (~700 KB) would overflow the city's stack; it is
 * refused before the unpack (review of 2026-12-04). */
static void test_rollup_depth(void)
{
  const uint8_t *r;
  size_t len;
  uint8_t *b = deep_rollup(HB_WIRE_MAX_DEPTH, &r, &len);
  CHECK(hb_wire_depth_ok(&huibao__v1__rollup__descriptor, r, len, HB_WIRE_MAX_DEPTH));
  free(b);
  b = deep_rollup(HB_WIRE_MAX_DEPTH + 1, &r, &len);
  CHECK(!hb_wire_depth_ok(&huibao__v1__rollup__descriptor, r, len, HB_WIRE_MAX_DEPTH));
  free(b);
  b = deep_rollup(100000, &r, &len);
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(HB_EPROTO, hb_rollup_unpack(r, len, &m));
  CHECK(m == NULL);
  free(b);
  /* a string field of the same number inside is not entered; a broken
   * length is refused */
  static const uint8_t flat[] = {13 << 3 | 2, 3, 1 << 3 | 2, 1, 'a'};
  CHECK(hb_wire_depth_ok(&huibao__v1__rollup__descriptor, flat, sizeof flat, 1));
  CHECK(!hb_wire_depth_ok(&huibao__v1__rollup__descriptor, flat, sizeof flat, 0));
  CHECK(!hb_wire_depth_ok(&huibao__v1__rollup__descriptor, flat, sizeof flat - 1, 1));
}

int main(void)
{
  RUN(test_good_submit);
  RUN(test_max_batch);
  RUN(test_oversize);
  RUN(test_truncated);
  RUN(test_missing_body_and_fields);
  RUN(test_submit_arena);
  RUN(test_canonical);
  RUN(test_ack);
  RUN(test_ack_add_result);
  RUN(test_ack_decisions);
  RUN(test_submit_decisions_after);
  RUN(test_submit_encoding);
  RUN(test_submit_bytes);
  RUN(test_record_seq_and_row_version);
  RUN(test_field_numbers);
  RUN(test_rollup_depth);
  return test_summary();
}
