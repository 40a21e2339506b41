/* decisions_test.c: issue 14, the county's decisions sent down in the
 * Acks: store_decisions_after (a unit's decisions after n, capped, "more")
 * and ingest_run filling Ack.decisions for the Submits that ask. The
 * decisions are put into db "decisions" by hand here (the review code
 * writes them in the product). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hb_be.h"
#include "hb_err.h"
#include "hb_wire.h"
#include "ingest.h"
#include "test.h"

static char dir[64];
static store *st;
static hb_units u;

/* Puts Decision n on (unit, P id) with a RETURN into db decisions. */
static void put_decision(const char *unit, uint64_t n, const char *id)
{
  store_dbs d;
  store_dbs_get(st, &d);
  Huibao__V1__Decision dec = HUIBAO__V1__DECISION__INIT;
  dec.n = n;
  dec.unit = (char *)unit;
  dec.kind = "P";
  dec.id = (char *)id;
  dec.action = HUIBAO__V1__DECISION_ACTION__RETURN;
  dec.reason = "整改材料不全";
  dec.reviewer = "李四";
  dec.at_s = 1796313600;
  uint8_t *buf;
  size_t len;
  CHECK_EQ_INT(0, hb_wire_pack(&dec.base, &buf, &len));
  uint8_t key[80];
  size_t ulen = strlen(unit);
  memcpy(key, unit, ulen);
  key[ulen] = '\0';
  hb_be64_put(key + ulen + 1, n);
  MDB_txn *txn;
  CHECK_EQ_INT(0, mdb_txn_begin(d.env, NULL, 0, &txn));
  MDB_val k = {ulen + 9, key}, v = {len, buf};
  CHECK_EQ_INT(0, mdb_put(txn, d.decisions, &k, &v, 0));
  CHECK_EQ_INT(0, mdb_txn_commit(txn));
  free(buf);
}

static uint8_t *probe(const char *unit, int ask, uint64_t after, size_t *len)
{
  Huibao__V1__Submit s = HUIBAO__V1__SUBMIT__INIT;
  s.batch_id = 9;
  s.unit = (char *)unit;
  s.has_decisions_after = ask;
  s.decisions_after = after;
  uint8_t *buf;
  hb_wire_pack(&s.base, &buf, len);
  return buf;
}

static void test_after(void)
{
  store_dbs d;
  store_dbs_get(st, &d);
  MDB_txn *txn;
  CHECK_EQ_INT(0, mdb_txn_begin(d.env, NULL, MDB_RDONLY, &txn));
  Huibao__V1__Decision **v;
  size_t n;
  bool more;
  CHECK_EQ_INT(0, store_decisions_after(txn, &d, "dlz", 0, 100, &v, &n, &more));
  CHECK_EQ_INT(3, n);
  CHECK(!more);
  CHECK_EQ_INT(2, n ? v[0]->n : 0);
  CHECK_EQ_INT(300, n == 3 ? v[2]->n : 0);
  store_decisions_free(v, n);
  CHECK_EQ_INT(0, store_decisions_after(txn, &d, "dlz", 2, 1, &v, &n, &more));
  CHECK_EQ_INT(1, n);
  CHECK(more);
  CHECK_EQ_STR("P2", n ? v[0]->id : "");
  store_decisions_free(v, n);
  CHECK_EQ_INT(0, store_decisions_after(txn, &d, "dlz", 300, 100, &v, &n, &more));
  CHECK_EQ_INT(0, n);
  CHECK(!more);
  /* "dl" is a prefix of "dlz": none of dlz's */
  CHECK_EQ_INT(0, store_decisions_after(txn, &d, "dl", 0, 100, &v, &n, &more));
  CHECK_EQ_INT(0, n);
  CHECK_EQ_INT(0, store_decisions_after(txn, &d, "dlz", UINT64_MAX, 100, &v, &n, &more));
  CHECK_EQ_INT(0, n);
  mdb_txn_abort(txn);
}

static void test_ingest(void)
{
  ingest_item items[3];
  memset(items, 0, sizeof items);
  uint8_t *b[3] = {probe("dlz", 1, 0, &items[0].len), probe("dlz", 0, 0, &items[1].len),
                   probe("xw", 1, 0, &items[2].len)};
  for (int i = 0; i < 3; i++)
    items[i].data = b[i];
  ingest_ctx ctx = {st, &u, NULL, 19236, 1700000000, NULL, false, NULL, false, 0};
  ingest_stats stats;
  memset(&stats, 0, sizeof stats);
  char err[256];
  CHECK_EQ_INT(0, ingest_run(&ctx, items, 3, &stats, err, sizeof err));
  Huibao__V1__Ack *a;
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[0].ack, items[0].acklen, &a));
  CHECK_EQ_INT(3, a->n_decisions);
  CHECK(!a->decisions_more);
  CHECK_EQ_STR("整改材料不全", a->n_decisions ? a->decisions[0]->reason : "");
  protobuf_c_message_free_unpacked(&a->base, NULL);
  /* an agent that does not say decisions_after (an old one) gets none */
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[1].ack, items[1].acklen, &a));
  CHECK_EQ_INT(0, a->n_decisions);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  CHECK_EQ_INT(0, hb_wire_ack_unpack(items[2].ack, items[2].acklen, &a));
  CHECK_EQ_INT(0, a->n_decisions);
  protobuf_c_message_free_unpacked(&a->base, NULL);
  for (int i = 0; i < 3; i++) {
    free(items[i].ack);
    free(b[i]);
  }
}

/* 250 decisions: 100 per Ack with decisions_more, then the last 50. */
static void test_ingest_more(void)
{
  for (uint64_t n = 1000; n < 1250; n++)
    put_decision("xw", n, "P9");
  uint64_t after = 0;
  for (int round = 0; round < 3; round++) {
    ingest_item it;
    memset(&it, 0, sizeof it);
    uint8_t *b = probe("xw", 1, after, &it.len);
    it.data = b;
    ingest_ctx ctx = {st, &u, NULL, 19236, 1700000000, NULL, false, NULL, false, 0};
    ingest_stats stats;
    memset(&stats, 0, sizeof stats);
    char err[256];
    CHECK_EQ_INT(0, ingest_run(&ctx, &it, 1, &stats, err, sizeof err));
    Huibao__V1__Ack *a;
    CHECK_EQ_INT(0, hb_wire_ack_unpack(it.ack, it.acklen, &a));
    CHECK_EQ_INT(round < 2 ? 100 : 50, a->n_decisions);
    CHECK_EQ_INT(round < 2, a->decisions_more);
    CHECK_EQ_INT(1000 + 100 * (uint64_t)round, a->n_decisions ? a->decisions[0]->n : 0);
    after = a->n_decisions ? a->decisions[a->n_decisions - 1]->n : after;
    protobuf_c_message_free_unpacked(&a->base, NULL);
    free(it.ack);
    free(b);
  }
  CHECK_EQ_INT(1249, after);
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/hb-decisions-XXXXXX");
  CHECK(mkdtemp(dir) != NULL);
  char path[128], err[256];
  snprintf(path, sizeof path, "%s/units.csv", dir);
  FILE *f = fopen(path, "w");
  fputs("code,name,type\nxw,县委,county\ndlz,大罗镇,township\ndl,大岭,township\n", f);
  fclose(f);
  hb_diags d;
  hb_diags_init(&d);
  CHECK_EQ_INT(0, hb_units_load(path, &u, &d));
  hb_diags_free(&d);
  snprintf(path, sizeof path, "%s/data", dir);
  CHECK_EQ_INT(0, store_open(&st, path, 0, 0, err, sizeof err));
  put_decision("dlz", 2, "P1");
  put_decision("dlz", 5, "P2");
  put_decision("dlz", 300, "P3");
  put_decision("dla", 4, "P1");
  RUN(test_after);
  RUN(test_ingest);
  RUN(test_ingest_more);
  store_close(st);
  hb_units_free(&u);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 1;
  return test_summary();
}
