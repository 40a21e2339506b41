/* verify_test.c: the city's check of a county (sub/verify.c) over a fake
 * replica (this file defines the sub_replica_* functions, so the stub or
 * the real replica of the sub library is not linked): comparable only at
 * the rollup's log head, the recount's findings, the replica's broken
 * chain, a bad signature naming the record, the flag's version, JSON. */
#include <stdlib.h>
#include <string.h>
#include "collect.h"
#include "hb_agg.h"
#include "hb_chain.h"
#include "hb_err.h"
#include "hb_rollup_build.h"
#include "hb_wire.h"
#include "replica.h"
#include "test.h"
#include "verify.h"

/* ---------------------------------------------------------------- the fake */

static struct {
  sub_replica_county head;
  uint32_t participants; /* of the one record the replica holds */
  int sig;
} fake;

struct sub_replica {
  int unused;
};

int sub_replica_open(sub_replica **out, const char *data_dir, bool readonly, char *err,
                     size_t errlen)
{
  (void)data_dir, (void)readonly, (void)err, (void)errlen;
  *out = calloc(1, sizeof **out);
  return *out ? 0 : HB_ENOMEM;
}

void sub_replica_close(sub_replica *r)
{
  free(r);
}

int sub_replica_foreach(sub_replica *r, const char *county, hb_list_rec_fn fn, void *ctx, char *err,
                        size_t errlen)
{
  (void)r, (void)err, (void)errlen;
  if (county && strcmp(county, "xq") != 0)
    return 0;
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "xq-dlz";
  a.id = "1";
  a.campaign = "zhuti";
  a.has_date = a.has_level = a.has_kind = a.has_sessions = a.has_participants = 1;
  a.date = 19460;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  a.sessions = 1;
  a.participants = fake.participants;
  Huibao__V1__Record rec = HUIBAO__V1__RECORD__INIT;
  rec.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  rec.activity = &a;
  hb_list_rec lr = {"xq", 'A', &rec, NULL, 0, 1, fake.sig};
  return fn(ctx, &lr);
}

int sub_replica_counties(sub_replica *r, int (*fn)(void *ctx, const sub_replica_county *c),
                         void *ctx, char *err, size_t errlen)
{
  (void)r, (void)err, (void)errlen;
  return fn(ctx, &fake.head);
}

int sub_replica_entry_about(sub_replica *r, const char *county, uint64_t n, char *unit, size_t ulen,
                            char *rec, size_t rlen)
{
  (void)r, (void)county, (void)n;
  snprintf(unit, ulen, "xw");
  snprintf(rec, rlen, "AVA09");
  return 0;
}

int sub_replica_catch_up_once(sub_replica *r, const struct sub_cli *cli, int64_t timeout_ms,
                              char *err, size_t errlen)
{
  (void)r, (void)cli, (void)timeout_ms, (void)err, (void)errlen;
  return 0;
}

/* ---------------------------------------------------------------- the county */

static hb_category cats[] = {{"theory", "理论学习不到位", NULL, 0}};
static hb_campaign camp = {"zhuti", "主题教育", 19448, 19753, cats, 1,   NULL,
                           0,       NULL,       0,     NULL,  0,    {0}, false};
static hb_unit unit_items[] = {{"xq-dlz", "大林镇", HB_UNIT_TOWNSHIP}};
static hb_units units = {unit_items, 1};

/* The county's rollup of one activity of `participants`, at log head n. */
static Huibao__V1__Rollup *published(uint32_t participants, uint64_t n, uint64_t seq)
{
  hb_agg a;
  hb_agg_init(&a, "zhuti", "xq-dlz");
  Huibao__V1__Activity r = HUIBAO__V1__ACTIVITY__INIT;
  r.unit = "xq-dlz";
  r.id = "1";
  r.campaign = "zhuti";
  r.has_date = r.has_level = r.has_kind = r.has_sessions = r.has_participants = 1;
  r.date = 19460;
  r.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  r.kind = HUIBAO__V1__ACTIVITY_KIND__STUDY;
  r.sessions = 1;
  r.participants = participants;
  CHECK_EQ_INT(0, hb_agg_add_activity(&a, &r, +1));
  const hb_agg *aggs[] = {&a};
  uint8_t hash[HB_CHAIN_HASH_LEN] = {7};
  hb_rollup_input in = {.source = "xq",
                        .campaign = &camp,
                        .units = &units,
                        .aggs = aggs,
                        .naggs = 1,
                        .seq = seq,
                        .as_of_ms = 1,
                        .heartbeat_ms = 1000,
                        .campaign_count = 1,
                        .today = 19500,
                        .log_n = n,
                        .log_hash = hash};
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_rollup_build(&in, &buf, &len));
  Huibao__V1__Rollup *out = NULL;
  CHECK_EQ_INT(0, hb_rollup_unpack(buf, len, &out));
  free(buf);
  hb_agg_free(&a);
  return out;
}

static void offer(sub_collect *c, uint32_t participants, uint64_t n, uint64_t seq)
{
  CHECK_EQ_INT(1, sub_collect_offer(c, "xq", published(participants, n, seq), 0, NULL));
}

/* The text of verify's JSON. */
static char *json_text(const sub_verify *v)
{
  json_t *j = sub_verify_json(v);
  char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(j);
  return s;
}

static void test_verify_county(void)
{
  sub_replica *rep;
  CHECK_EQ_INT(0, sub_replica_open(&rep, "/nowhere", true, NULL, 0));
  sub_verify *v;
  CHECK_EQ_INT(0, sub_verify_new(&v, rep));
  fake.head = (sub_replica_county){.county = "xq", .n = 5, .why = "", .records = 1};
  fake.participants = 100;
  fake.sig = HB_LIST_SIG_NONE;
  sub_collect c;
  sub_collect_init(&c);

  /* equal at the same head: passes */
  offer(&c, 100, 5, 1);
  CHECK_EQ_INT(0, sub_verify_step(v, &c, 1000));
  char *s = json_text(v);
  CHECK_CONTAINS(s, "\"code\":\"xq\",\"failed\":false,\"held_n\":5,\"findings\":[],\"notes\":[]");
  free(s);
  uint64_t ver = sub_verify_version(v);

  /* the county published at head 6 with other figures: not comparable yet */
  offer(&c, 90, 6, 2);
  CHECK_EQ_INT(0, sub_verify_step(v, &c, 2000));
  s = json_text(v);
  CHECK_CONTAINS(s, "\"failed\":false");
  CHECK_CONTAINS(s, "published at log head 6, replica holds 5: not comparable yet");
  free(s);
  CHECK(sub_verify_version(v) != ver);
  ver = sub_verify_version(v);

  /* the replica reaches 6, its record says 100: the published 90 differs */
  fake.head.n = 6;
  CHECK_EQ_INT(0, sub_verify_step(v, &c, 2100)); /* within 500 ms: not checked yet */
  CHECK(sub_verify_version(v) == ver);
  CHECK_EQ_INT(0, sub_verify_step(v, &c, 2600));
  s = json_text(v);
  CHECK_CONTAINS(s, "\"failed\":1");
  CHECK_CONTAINS(s, "county xq unit xq-dlz campaign zhuti: participants published 90, from "
                    "records 100");
  CHECK_CONTAINS(s, "\"unit\":\"xq-dlz\",\"record\":\"\",\"figure\":\"participants\"");
  free(s);
  CHECK(sub_verify_version(v) != ver);
  ver = sub_verify_version(v);
  CHECK_EQ_INT(0, sub_verify_step(v, &c, 5000)); /* nothing moved: the same */
  CHECK(sub_verify_version(v) == ver);

  /* a broken chain and a bad signature, named */
  fake.head.broken = true;
  fake.head.why = "history entry 3: rewritten (unit xq-dlz record A1)";
  fake.head.bad_signatures = 1;
  fake.sig = HB_LIST_SIG_BAD;
  fake.participants = 90;
  CHECK_EQ_INT(0, sub_verify_step(v, &c, 6000));
  s = json_text(v);
  CHECK_CONTAINS(s, "county xq: its history does not check: history entry 3: rewritten (unit "
                    "xq-dlz record A1)");
  CHECK_CONTAINS(s, "county xq unit xq-dlz record A1: its signature does not verify");
  CHECK(!strstr(s, "participants published"));
  free(s);

  /* repaired: passes again */
  fake.head.broken = false;
  fake.head.why = "";
  fake.head.bad_signatures = 0;
  fake.sig = HB_LIST_SIG_OK;
  fake.head.hash[0] = 1; /* the replica moved */
  CHECK_EQ_INT(0, sub_verify_step(v, &c, 7000));
  s = json_text(v);
  CHECK_CONTAINS(s, "{\"failed\":0,");
  free(s);

  sub_collect_free(&c);
  sub_verify_free(v);
  sub_replica_close(rep);
}

int main(void)
{
  RUN(test_verify_county);
  return test_summary();
}
