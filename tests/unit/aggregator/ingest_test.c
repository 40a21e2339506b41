/* ingest_test.c: one drain: unknown unit, unit mismatch, rejection, canon;
 * two drains through the pipeline (decoded ahead, stored in order). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_err.h"
#include "hb_wire.h"
#include "hb_wire_zstd.h"
#include "hb_arena.h"
#include "ingest.h"
#include "pipeline.h"
#include "test.h"

static char dir[64];

static void write_file(const char *name, const char *text)
{
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  fputs(text, f);
  fclose(f);
}

/* The county of test_drain and test_pipelined. */
static const char units_xw_dlz[] = "code,name,type\nxw,县委,county\ndlz,大罗镇,township\n";
static const char campaign_jf[] = "[jf]\nname = 解放思想\nstart = 2022-06-01\nend = 2022-12-31\n"
                                  "category.county = 深化县情认识\n";

/* A county in a new folder (dir): units.csv and c.ini with these texts,
 * and an empty store. */
static store *county_open(const char *units, const char *ini, hb_units *u, hb_campaigns *c)
{
  snprintf(dir, sizeof dir, "/tmp/hb-ingest-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  write_file("units.csv", units);
  write_file("c.ini", ini);
  char path[128], err[256];
  hb_diags d;
  hb_diags_init(&d);
  snprintf(path, sizeof path, "%s/units.csv", dir);
  CHECK_EQ_INT(0, hb_units_load(path, u, &d));
  snprintf(path, sizeof path, "%s/c.ini", dir);
  CHECK_EQ_INT(0, hb_campaigns_load(path, c, &d));
  hb_diags_write(&d, stderr);
  hb_diags_free(&d);
  store *st = NULL;
  snprintf(path, sizeof path, "%s/data", dir);
  CHECK_EQ_INT(0, store_open(&st, path, 0, 0, err, sizeof err));
  return st;
}

static void county_close(store *st, hb_units *u, hb_campaigns *c)
{
  store_close(st);
  hb_units_free(u);
  hb_campaigns_free(c);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK_EQ_INT(0, system(cmd));
}

static uint8_t *submit(const char *unit, Huibao__V1__Activity *a, size_t n, size_t *len)
{
  Huibao__V1__Submit s = HUIBAO__V1__SUBMIT__INIT;
  Huibao__V1__Record r[4], *rp[4];
  for (size_t i = 0; i < n; i++) {
    huibao__v1__record__init(&r[i]);
    r[i].seq = i + 1;
    r[i].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
    r[i].activity = &a[i];
    rp[i] = &r[i];
  }
  s.batch_id = 9;
  s.unit = (char *)unit;
  s.n_records = n;
  s.records = rp;
  uint8_t *buf;
  hb_wire_pack(&s.base, &buf, len);
  return buf;
}

static Huibao__V1__Activity act(const char *unit, const char *id, const char *campaign)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = (char *)unit;
  a.id = (char *)id;
  a.version = 5;
  a.campaign = (char *)campaign;
  a.has_date = a.has_kind = a.has_level = a.has_sessions = a.has_participants = 1;
  a.date = 19200; /* 2022-07-26 */
  a.kind = HUIBAO__V1__ACTIVITY_KIND__SEMINAR;
  a.level = HUIBAO__V1__ACTIVITY_LEVEL__LEVEL_UNIT;
  a.sessions = 2;
  a.participants = 40;
  return a;
}

static void test_drain(void)
{
  char err[256];
  hb_units u;
  hb_campaigns c;
  store *st = county_open(units_xw_dlz, campaign_jf, &u, &c);

  Huibao__V1__Activity good[3] = {act("dlz", "A1", "解放思想"), act("xw", "A2", "jf"),
                                  act("dlz", "A3", "nosuch")};
  Huibao__V1__Activity other[1] = {act("dlz", "A1", "jf")};
  ingest_item items[3];
  memset(items, 0, sizeof items);
  uint8_t *b0 = submit("dlz", good, 3, &items[0].len);
  uint8_t *b1 = submit("zz", other, 1, &items[1].len);
  items[0].data = b0;
  items[1].data = b1;
  items[2].data = (const uint8_t *)"\x08";
  items[2].len = 1;
  ingest_ctx ctx = {st, &u, &c, 19236, 1700000000, NULL, false, NULL, false, 0};
  ingest_stats stats;
  memset(&stats, 0, sizeof stats);
  CHECK_EQ_INT(0, ingest_run(&ctx, items, 3, &stats, err, sizeof err));

  Huibao__V1__Ack *a;
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[0].ack, items[0].acklen, &a));
  CHECK_EQ_INT(9, a->batch_id);
  CHECK_EQ_INT(3, a->n_results);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, a->results[0]->code);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, a->results[1]->code);
  CHECK_EQ_STR("unit", a->results[1]->field);
  CHECK_EQ_STR("单位不符 / unit mismatch: record unit xw, batch unit dlz", a->results[1]->reason);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__REJECTED, a->results[2]->code);
  CHECK_EQ_STR("campaign", a->results[2]->field);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[1].ack, items[1].acklen, &a));
  CHECK_EQ_STR("未知单位 / unknown unit zz (not in units.csv)", a->error);
  CHECK_EQ_INT(0, a->n_results);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[2].ack, items[2].acklen, &a));
  CHECK_EQ_INT(0, a->batch_id);
  CHECK_CONTAINS(a->error, "malformed submit");
  protobuf_c_message_free_unpacked(&a->base, NULL);
  /* stored under the canonical campaign id */
  const hb_agg *g = store_agg(st, "jf", "dlz");
  CHECK(g != NULL);
  CHECK_EQ_INT(40, g ? g->act[1][2].participants : 0);
  CHECK_EQ_INT(1, store_seq(st, "jf"));
  CHECK_EQ_INT(1700000000, store_last_sync(st, "dlz"));
  CHECK_EQ_INT(0, store_last_sync(st, "zz"));
  CHECK_EQ_INT(1, stats.stored);
  CHECK_EQ_INT(2, stats.rejected);
  CHECK_EQ_INT(2, stats.refused);
  for (int i = 0; i < 3; i++)
    free(items[i].ack);
  free(b0);
  free(b1);
  county_close(st, &u, &c);
}

/* Records of every kind, named by the clerk's words (a declared kind, a
 * sub-category and an indicator by their names), are stored under their
 * codes; a tombstone of an indicator passes the form check. */
static void test_declared_canon(void)
{
  char err[256];
  hb_units u;
  hb_campaigns c;
  store *st = county_open("code,name,type\ndlz,大罗镇,township\n",
                          "[jf]\nname = 解放思想\nstart = 2022-06-01\nend = 2022-12-31\n"
                          "kind.dangke = 讲党课\nindicator.juanzhu = 捐助物资, 万元, 2\n"
                          "category.county = 深化县情认识\ncategory.county.c1 = 县情不清\n",
                          &u, &c);

  Huibao__V1__Activity a = act("dlz", "A1", "解放思想");
  a.has_kind = 0;
  a.kind_code = "讲党课";
  Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
  p.unit = "dlz";
  p.id = "P1";
  p.version = 5;
  p.campaign = "jf";
  p.has_identified_on = p.has_status = p.has_scope = 1;
  p.identified_on = 19200;
  p.status = HUIBAO__V1__PROBLEM_STATUS__IDENTIFIED;
  p.scope = HUIBAO__V1__PROBLEM_SCOPE__TEAM;
  p.category = "深化县情认识";
  p.subcategory = "县情不清";
  p.description = "问题";
  Huibao__V1__Indicator i = HUIBAO__V1__INDICATOR__INIT, del = i;
  i.unit = del.unit = "dlz";
  i.id = "I1";
  del.id = "I2";
  i.version = del.version = 5;
  i.campaign = "jf";
  i.has_date = i.has_value = 1;
  i.date = 19200;
  i.indicator = "捐助物资";
  i.value = 12500;
  del.has_deleted = del.deleted = 1;
  Huibao__V1__Case k = HUIBAO__V1__CASE__INIT;
  k.unit = "dlz";
  k.id = "C1";
  k.version = 5;
  k.campaign = "jf";
  k.has_date = k.has_type = 1;
  k.date = 19200;
  k.type = HUIBAO__V1__CASE_TYPE__CASE_PRACTICE;
  k.title = "经验";
  Huibao__V1__Record r[5], *rp[5];
  for (int j = 0; j < 5; j++) {
    huibao__v1__record__init(&r[j]);
    r[j].seq = (uint64_t)j + 1;
    rp[j] = &r[j];
  }
  r[0].body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  r[0].activity = &a;
  r[1].body_case = HUIBAO__V1__RECORD__BODY_PROBLEM;
  r[1].problem = &p;
  r[2].body_case = HUIBAO__V1__RECORD__BODY_INDICATOR;
  r[2].indicator = &i;
  r[3].body_case = HUIBAO__V1__RECORD__BODY_INDICATOR;
  r[3].indicator = &del;
  r[4].body_case = HUIBAO__V1__RECORD__BODY_CASE_ROW;
  r[4].case_row = &k;
  Huibao__V1__Submit sub = HUIBAO__V1__SUBMIT__INIT;
  sub.batch_id = 3;
  sub.unit = "dlz";
  sub.n_records = 5;
  sub.records = rp;
  ingest_item item;
  memset(&item, 0, sizeof item);
  uint8_t *buf;
  CHECK_EQ_INT(0, hb_wire_pack(&sub.base, &buf, &item.len));
  item.data = buf;
  /* the names become codes in the Submit's arena, kept by the caller */
  hb_arena *ar = hb_arena_new();
  CHECK(ar != NULL);
  ingest_ctx ctx = {st, &u, &c, 19236, 1700000000, NULL, false, ar, false, 0};
  ingest_stats stats;
  memset(&stats, 0, sizeof stats);
  CHECK_EQ_INT(0, ingest_run(&ctx, &item, 1, &stats, err, sizeof err));
  hb_arena_free(ar);
  Huibao__V1__Ack *ack;
  CHECK_EQ_INT(0, hb_wire_ack_unpack(item.ack, item.acklen, &ack));
  CHECK_EQ_INT(5, ack->n_results);
  for (size_t j = 0; j < ack->n_results; j++) {
    CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, ack->results[j]->code);
    if (ack->results[j]->reason)
      fprintf(stderr, "record %zu: %s\n", j, ack->results[j]->reason);
  }
  protobuf_c_message_free_unpacked(&ack->base, NULL);
  const hb_agg *g = store_agg(st, "jf", "dlz");
  CHECK(g != NULL);
  if (g) {
    CHECK_EQ_INT(1, g->nkcells);
    CHECK_EQ_STR("dangke", g->nkcells ? g->kcells[0].code : "");
    const hb_cat_count *cc = hb_agg_category(g, "county");
    CHECK(cc && hb_agg_subcategory(cc, "c1") != NULL);
    const hb_ind_sum *is = hb_agg_indicator(g, "juanzhu");
    CHECK_EQ_INT(12500, is ? is->value : 0);
    CHECK_EQ_INT(1, g->by_case[HUIBAO__V1__CASE_TYPE__CASE_PRACTICE]);
  }
  free(item.ack);
  free(buf);
  county_close(st, &u, &c);
}

/* Issue 17: drain B is decoded on the pipeline's thread while drain A,
 * decoded before it, is stored; each has its own arena. B's records are
 * judged against what A stored (the decoding decides nothing the store
 * decides): A1 v7 STORED over A's v5, A2 v5 DUPLICATE, A2 v4 STALE. */
static void test_pipelined(void)
{
  char err[256];
  hb_units u;
  hb_campaigns c;
  store *st = county_open(units_xw_dlz, campaign_jf, &u, &c);

  Huibao__V1__Activity ra[2] = {act("dlz", "A1", "jf"), act("dlz", "A2", "jf")};
  Huibao__V1__Activity rb[3] = {act("dlz", "A1", "jf"), act("dlz", "A2", "jf"),
                                act("dlz", "A2", "jf")};
  rb[0].version = 7;
  rb[0].participants = 50;
  rb[2].version = 4; /* older, and not what was stored: STALE */
  rb[2].participants = 30;
  ingest_item ia[1], ib[1];
  memset(ia, 0, sizeof ia);
  memset(ib, 0, sizeof ib);
  uint8_t *pa = submit("dlz", ra, 2, &ia[0].len);
  uint8_t *pb = submit("dlz", rb, 3, &ib[0].len);
  ia[0].data = pa;
  ib[0].data = pb;
  ib[0].ack = (uint8_t *)"x"; /* cleared by the decoding */
  hb_arena *xa = hb_arena_new(), *xb = hb_arena_new();
  ingest_ctx ca = {st, &u, &c, 19236, 1700000000, NULL, false, xa, false, 0};
  ingest_ctx cb = ca;
  cb.arena = xb;
  pipeline *p;
  CHECK_EQ_INT(0, pipeline_open(&p));
  ingest_drain *da, *db;
  CHECK_EQ_INT(0, ingest_decode(&ca, ia, 1, &da));
  pipeline_start(p, &cb, ib, 1);
  ingest_stats stats;
  memset(&stats, 0, sizeof stats);
  CHECK_EQ_INT(0, ingest_store(da, &stats, err, sizeof err));
  pipeline_wait(p, &db);
  CHECK(db != NULL);
  CHECK(ib[0].ack == NULL);
  CHECK_EQ_INT(0, ingest_store(db, &stats, err, sizeof err));
  pipeline_close(p);

  Huibao__V1__Ack *a;
  CHECK_EQ_INT(0, hb_wire_ack_unpack(ia[0].ack, ia[0].acklen, &a));
  CHECK_EQ_INT(2, a->n_results);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, a->results[0]->code);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, a->results[1]->code);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(0, hb_wire_ack_unpack(ib[0].ack, ib[0].acklen, &a));
  CHECK_EQ_INT(3, a->n_results);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, a->results[0]->code);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__DUPLICATE, a->results[1]->code);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STALE, a->results[2]->code);
  CHECK_EQ_INT(5, a->results[2]->stored_version);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(2, stats.submits);
  CHECK_EQ_INT(5, stats.records);
  CHECK_EQ_INT(3, stats.stored);
  CHECK_EQ_INT(1, stats.duplicate);
  CHECK_EQ_INT(1, stats.stale);
  const hb_agg *g = store_agg(st, "jf", "dlz");
  CHECK_EQ_INT(90, g ? g->act[1][2].participants : 0); /* A1 as of v7 (50) + A2 (40) */
  CHECK_EQ_INT(2, store_seq(st, "jf"));
  free(ia[0].ack);
  free(ib[0].ack);
  free(pa);
  free(pb);
  hb_arena_free(xa);
  hb_arena_free(xb);
  county_close(st, &u, &c);
}

/* Two compressed Submits in one drain whose budget is smaller than either:
 * the first is taken (it would otherwise be answered retry in every drain,
 * for ever), the second is answered retry and stored by the next drain. */
static void test_inflate_budget(void)
{
  char err[256];
  hb_units u;
  hb_campaigns c;
  store *st = county_open(units_xw_dlz, campaign_jf, &u, &c);
  Huibao__V1__Activity a1[2] = {act("dlz", "A1", "jf"), act("dlz", "A2", "jf")};
  Huibao__V1__Activity a2[2] = {act("dlz", "A3", "jf"), act("dlz", "A4", "jf")};
  size_t hdr, l1, l2;
  uint8_t *empty = submit("dlz", a1, 0, &hdr); /* batch id and unit: where records begin */
  uint8_t *p1 = submit("dlz", a1, 2, &l1), *p2 = submit("dlz", a2, 2, &l2);
  hb_wire_buf z1 = {0}, z2 = {0};
  CHECK_EQ_INT(0, hb_wire_zstd_deflate(p1, l1, hdr, &z1));
  CHECK_EQ_INT(0, hb_wire_zstd_deflate(p2, l2, hdr, &z2));
  ingest_item items[2];
  memset(items, 0, sizeof items);
  items[0].data = z1.data;
  items[0].len = z1.len;
  items[1].data = z2.data;
  items[1].len = z2.len;
  ingest_ctx ctx = {st, &u, &c, 19236, 1700000000, NULL, false, NULL, false, 16};
  ingest_stats stats;
  memset(&stats, 0, sizeof stats);
  CHECK_EQ_INT(0, ingest_run(&ctx, items, 2, &stats, err, sizeof err));
  Huibao__V1__Ack *a;
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[0].ack, items[0].acklen, &a));
  CHECK_EQ_INT(2, a->n_results);
  CHECK(!a->retry);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, a->n_results ? (int)a->results[0]->code : -1);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[1].ack, items[1].acklen, &a));
  CHECK_EQ_INT(0, a->n_results);
  CHECK(a->has_retry && a->retry);
  CHECK_CONTAINS(a->error, "decompression budget");
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(2, stats.stored);
  free(items[0].ack);
  free(items[1].ack);

  /* the next drain takes the one answered retry */
  memset(items, 0, sizeof items);
  items[0].data = z2.data;
  items[0].len = z2.len;
  CHECK_EQ_INT(0, ingest_run(&ctx, items, 1, &stats, err, sizeof err));
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[0].ack, items[0].acklen, &a));
  CHECK_EQ_INT(2, a->n_results);
  CHECK_EQ_INT(HUIBAO__V1__RESULT_CODE__STORED, a->n_results ? (int)a->results[1]->code : -1);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(4, stats.stored);
  free(items[0].ack);
  free(z1.data);
  free(z2.data);
  free(empty);
  free(p1);
  free(p2);
  county_close(st, &u, &c);
}

int main(void)
{
  RUN(test_drain);
  RUN(test_declared_canon);
  RUN(test_pipelined);
  RUN(test_inflate_budget);
  return test_summary();
}
