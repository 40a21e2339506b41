/* pbcopy_test.c: hb_pbcopy gives the tree that protobuf-c's pack and
 * unpack give (every field compared through the descriptors, not only the
 * packed bytes), on hand-built messages with the cases where the two could
 * part (fields the packer leaves out, booleans, NULL required strings and
 * messages, oneofs, bytes, unknown fields), and on the city's merge of
 * rollups with periods, review counts and history heads, whose packed bytes
 * are pinned to what hb_rollup_merge gave before it used hb_pbcopy. */
#include <stdlib.h>
#include <string.h>
#include "hb_pbcopy.h"
#include "hb_rollup.h"
#include "huibao/v1/huibao.pb-c.h"
#include "test.h"
#include "test_rollup.h"
#include "test_rollup_periods.h"

static int msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b);

/* One value: strings by text (and the default pointer kept as such),
 * bytes by content, messages recursively, the rest by memory. */
static int value_equal(const ProtobufCFieldDescriptor *f, const void *x, const void *y)
{
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(const char *const *)x, *t = *(const char *const *)y;
    if (!s || !t || s == f->default_value || t == f->default_value)
      return s == t;
    return strcmp(s, t) == 0;
  }
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *s = x, *t = y;
    return s->len == t->len && (s->data == NULL) == (t->data == NULL) &&
           (!s->len || memcmp(s->data, t->data, s->len) == 0);
  }
  case PROTOBUF_C_TYPE_MESSAGE:
    return msg_equal(*(const ProtobufCMessage *const *)x, *(const ProtobufCMessage *const *)y);
  default: return memcmp(x, y, hb_pbcopy_size(f->type)) == 0;
  }
}

static int msg_equal(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
  if (!a || !b)
    return a == b;
  const ProtobufCMessageDescriptor *d = a->descriptor;
  if (d != b->descriptor || a->n_unknown_fields != b->n_unknown_fields)
    return 0;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    const char *x = (const char *)a + f->offset, *y = (const char *)b + f->offset;
    const char *qx = (const char *)a + f->quantifier_offset;
    const char *qy = (const char *)b + f->quantifier_offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
      size_t n = *(const size_t *)qx, es = hb_pbcopy_size(f->type);
      if (n != *(const size_t *)qy)
        return 0;
      const char *ax = *(const char *const *)x, *ay = *(const char *const *)y;
      if ((ax == NULL) != (ay == NULL))
        return 0;
      for (size_t k = 0; k < n; k++)
        if (!value_equal(f, ax + k * es, ay + k * es))
          return 0;
      continue;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
      if (*(const uint32_t *)qx != *(const uint32_t *)qy)
        return 0;
      if (*(const uint32_t *)qx != f->id)
        continue; /* the union is compared by its selected member */
    } else if (f->quantifier_offset &&
               *(const protobuf_c_boolean *)qx != *(const protobuf_c_boolean *)qy) {
      return 0;
    }
    if (!value_equal(f, x, y))
      return 0;
  }
  for (size_t i = 0; i < a->n_unknown_fields; i++) {
    const ProtobufCMessageUnknownField *u = &a->unknown_fields[i], *v = &b->unknown_fields[i];
    if (u->tag != v->tag || u->wire_type != v->wire_type || u->len != v->len ||
        (u->len && memcmp(u->data, v->data, u->len) != 0))
      return 0;
  }
  return 1;
}

/* m's copy against m packed and unpacked: the same tree, the same bytes. */
static void check_copy(const ProtobufCMessage *m)
{
  size_t len = protobuf_c_message_get_packed_size(m);
  uint8_t *buf = malloc(len ? len : 1);
  CHECK(buf != NULL);
  if (!buf)
    return;
  protobuf_c_message_pack(m, buf);
  ProtobufCMessage *ref = protobuf_c_message_unpack(m->descriptor, NULL, len, buf);
  ProtobufCMessage *cp = hb_pbcopy(m);
  CHECK(ref != NULL);
  CHECK(cp != NULL);
  CHECK(cp != m);
  CHECK(msg_equal(ref, cp));
  if (cp) {
    CHECK_EQ_INT(len, protobuf_c_message_get_packed_size(cp));
    uint8_t *again = malloc(len ? len : 1);
    if (again) {
      protobuf_c_message_pack(cp, again);
      CHECK(memcmp(buf, again, len) == 0);
    }
    free(again);
  }
  protobuf_c_message_free_unpacked(ref, NULL);
  protobuf_c_message_free_unpacked(cp, NULL);
  free(buf);
}

/* A Record whose fields the packer partly leaves out: an optional scalar
 * with a value but no has_, a boolean of 2, an empty optional string, a
 * required string NULL, the oneof's problem, bytes of length 0 and of 3,
 * two unknown fields. */
static void test_record(void)
{
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = NULL;
  p.id = "P017";
  p.version = 9;
  p.campaign = "";
  p.has_status = 0;
  p.status = HUIBAO__V1__PROBLEM_STATUS__RESOLVED;
  p.has_deleted = 1;
  p.deleted = 2;
  uint8_t u1[] = {0x96, 0x01}, u2[] = {0x02, 'h', 'i'};
  ProtobufCMessageUnknownField unk[] = {{900, PROTOBUF_C_WIRE_TYPE_VARINT, sizeof u1, u1},
                                        {901, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, sizeof u2, u2}};
  p.base.n_unknown_fields = 2;
  p.base.unknown_fields = unk;
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r.problem = &p;
  uint8_t sig[] = {1, 2, 3};
  r.has_signature = 1;
  r.signature.len = sizeof sig;
  r.signature.data = sig;
  r.has_signed_body = 1; /* length 0: data NULL in both */
  check_copy(&r.base);

  ProtobufCMessage *cp = hb_pbcopy(&r.base);
  CHECK(cp != NULL);
  if (!cp)
    return;
  Huibao__V1__Record *c = (Huibao__V1__Record *)cp;
  CHECK_EQ_INT(HUIBAO__V1__RECORD__BODY_PROBLEM, c->body_case);
  CHECK_EQ_STR("", c->problem->unit);
  CHECK_EQ_INT(0, c->problem->has_status);
  CHECK_EQ_INT(0, c->problem->status);
  CHECK_EQ_INT(1, c->problem->deleted);
  CHECK(c->problem->campaign != p.campaign);
  CHECK_EQ_INT(2, c->problem->base.n_unknown_fields);
  CHECK_EQ_INT(1, c->has_signed_body);
  CHECK(c->signed_body.data == NULL);
  protobuf_c_message_free_unpacked(cp, NULL);

  /* a oneof selected with a NULL message is left out: not selected */
  r.problem = NULL;
  check_copy(&r.base);
}

/* UnitRow.expected defaults to true: without has_ the copy has the
 * default, whatever the field held; a required message NULL is an empty
 * one; LogEntry's required bytes of length 0. */
static void test_defaults(void)
{
  Huibao__V1__UnitRow row = HUIBAO__V1__UNIT_ROW__INIT;
  row.code = "a1";
  row.expected = 0;
  Huibao__V1__UnitRow *rows[] = {&row};
  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = "xq";
  r.campaign = "jf";
  r.n_units = 1;
  r.units = rows;
  check_copy(&r.base);
  Huibao__V1__Rollup *c = (Huibao__V1__Rollup *)hb_pbcopy(&r.base);
  CHECK(c != NULL);
  if (c) {
    CHECK_EQ_INT(1, c->units[0]->expected);
    protobuf_c_message_free_unpacked(&c->base, NULL);
  }
  Huibao__V1__CubeCell cell = HUIBAO__V1__CUBE_CELL__INIT;
  check_copy(&cell.base);
  Huibao__V1__CubeCell *cc = (Huibao__V1__CubeCell *)hb_pbcopy(&cell.base);
  CHECK(cc && cc->totals && cc->unit_type && !*cc->unit_type);
  if (cc)
    protobuf_c_message_free_unpacked(&cc->base, NULL);
  Huibao__V1__LogEntry e = HUIBAO__V1__LOG_ENTRY__INIT;
  check_copy(&e.base);
}

static const char *const units_a[] = {"a1", "a2", "a3"};
static const char *const units_b[] = {"b1", "b2"};

/* FNV-1a of the bytes. */
static uint64_t fnv(const uint8_t *p, size_t n)
{
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* The city's merge of two counties with periods, a county with review
 * counts and a unit row, and a county from before issue 13: the result is
 * its own pack and unpack, and its bytes are those the merge gave when it
 * packed and unpacked (length and hash measured on main at ed331ac). */
static void test_merge(void)
{
  static const test_period pa[] = {{"2022-06-10", 19147, 19153, "RNL", 3, 1, 2, 1, 1},
                                   {"2022-06-17", 19154, 19160, "RPP", 1, 0, 0, 0, 1}};
  static const test_period pb[] = {{"2022-06-03", 19144, 19146, "RM", 1, 0, 0, 0, 0},
                                   {"2022-06-10", 19147, 19153, "NM", 2, 2, 1, 0, 0}};
  Huibao__V1__ProblemCounts pc = HUIBAO__V1__PROBLEM_COUNTS__INIT;
  pc.has_total = pc.has_resolved = pc.has_confirmed = pc.has_claimed = pc.has_returned = 1;
  pc.total = 5;
  pc.resolved = 3;
  pc.confirmed = 2;
  pc.claimed = 1;
  pc.returned = 1;
  Huibao__V1__Rollup *in[4] = {
      test_rollup_periods(&(test_period_rollup){.source = "xa",
                                                .campaign = "jf",
                                                .cycle = "weekly,5,18:00",
                                                .seq = 5,
                                                .units = units_a,
                                                .nunits = 3,
                                                .kind_code = "dangke",
                                                .kind_name = "党课",
                                                .periods = pa,
                                                .nperiods = 2,
                                                .current = "2022-06-17",
                                                .last_closed = "2022-06-10",
                                                .contra_unit = "a2",
                                                .contra_period = "2022-06-10",
                                                .contra_records = 2}),
      test_rollup_periods(&(test_period_rollup){.source = "xb",
                                                .campaign = "jf",
                                                .cycle = "weekly,5,18:00",
                                                .seq = 7,
                                                .units = units_b,
                                                .nunits = 2,
                                                .periods = pb,
                                                .nperiods = 2,
                                                .current = "2022-06-10"}),
      test_rollup_make(&(test_rollup){.source = "xc",
                                      .source_name = "丙县",
                                      .campaign = "jf",
                                      .seq = 2,
                                      .as_of_ms = 1000,
                                      .epoch = 77,
                                      .problems = &pc,
                                      .unit = "c1",
                                      .unit_records = 4,
                                      .unit_problems = &pc}),
      test_rollup_make(&(test_rollup){.source = "xd", .campaign = "jf", .seq = 1})};
  for (int i = 0; i < 4; i++)
    CHECK(in[i] != NULL);
  if (!in[0] || !in[1] || !in[2] || !in[3])
    return;
  Huibao__V1__Rollup *m = NULL;
  CHECK_EQ_INT(0, hb_rollup_merge((const Huibao__V1__Rollup *const *)in, 4,
                                  (const bool[]){false, true, false, false}, "city", "市",
                                  1654851600000, &m));
  if (m) {
    check_copy(&m->base);
    size_t len;
    uint8_t *buf = test_rollup_pack(m, &len);
    CHECK_EQ_INT(748, len);
    CHECK_EQ_INT(-4811382691305117842LL, (long long)fnv(buf, len));
    free(buf);
    protobuf_c_message_free_unpacked(&m->base, NULL);
  }
  for (int i = 0; i < 4; i++)
    protobuf_c_message_free_unpacked(&in[i]->base, NULL);
}

int main(void)
{
  RUN(test_record);
  RUN(test_defaults);
  RUN(test_merge);
  return test_summary();
}
