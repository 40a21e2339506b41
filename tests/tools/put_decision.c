/* put_decision.c: writes review decisions straight into a county store's
 * db "decisions" (key unit \0 n, uint64 big-endian -> packed Decision), as
 * the county's review code does, for tests of the way down to the agent
 * (tests/integration/test_feedback.py) that must not depend on the review
 * CLI. Never installed.
 *
 *   hb-put-decision DATA UNIT FIRST_N COUNT KIND ID ACTION REVIEWER AT_S [REASON]
 *
 * Puts COUNT decisions n = FIRST_N .. FIRST_N+COUNT-1 on record (UNIT, KIND,
 * ID) in one transaction; ACTION is the DecisionAction number (1 confirm,
 * 2 return, 3 reopen, 4 approve-delete, 5 refuse-delete); Decision.version
 * is the record's version in the records db (0 when absent). Exit 0, or 1
 * with the reason on stderr. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hb_be.h"
#include "hb_wire.h"

static int fail(const char *what, int rc)
{
  fprintf(stderr, "hb-put-decision: %s: %s\n", what, mdb_strerror(rc));
  return 1;
}

/* The record's stored version (0 when it is not there). */
static uint64_t record_version(MDB_txn *txn, MDB_dbi records, const char *unit, char kind,
                               const char *id)
{
  char key[512];
  size_t ul = strlen(unit), il = strlen(id);
  if (ul + il + 2 > sizeof key)
    return 0;
  memcpy(key, unit, ul);
  key[ul] = '\0';
  key[ul + 1] = kind;
  memcpy(key + ul + 2, id, il);
  MDB_val k = {ul + 2 + il, key}, v;
  uint64_t version = 0;
  if (mdb_get(txn, records, &k, &v) == 0)
    hb_wire_row_version(v.mv_data, v.mv_size, &version);
  return version;
}

int main(int argc, char **argv)
{
  if (argc < 10 || argc > 11) {
    fputs("usage: hb-put-decision DATA UNIT FIRST_N COUNT KIND ID ACTION REVIEWER AT_S [REASON]\n",
          stderr);
    return 2;
  }
  const char *unit = argv[2];
  uint64_t first = strtoull(argv[3], NULL, 10), count = strtoull(argv[4], NULL, 10);
  MDB_env *env;
  MDB_txn *txn;
  MDB_dbi records, decisions;
  int rc;
  if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 64)) ||
      (rc = mdb_env_open(env, argv[1], MDB_NOTLS, 0600)))
    return fail(argv[1], rc);
  if ((rc = mdb_txn_begin(env, NULL, 0, &txn)))
    return fail("begin", rc);
  if ((rc = mdb_dbi_open(txn, "records", 0, &records)) ||
      (rc = mdb_dbi_open(txn, "decisions", 0, &decisions)))
    return fail("open dbs records, decisions", rc);
  Huibao__V1__Decision d = HUIBAO__V1__DECISION__INIT;
  d.unit = (char *)unit;
  d.kind = argv[5];
  d.id = argv[6];
  d.action = atoi(argv[7]);
  d.reviewer = argv[8];
  d.at_s = strtoll(argv[9], NULL, 10);
  d.reason = argc > 10 ? argv[10] : NULL;
  d.has_version = 1;
  d.version = record_version(txn, records, unit, argv[5][0], argv[6]);
  for (uint64_t i = 0; i < count; i++) {
    d.n = first + i;
    uint8_t *buf;
    size_t len;
    if (hb_wire_pack(&d.base, &buf, &len))
      return 1;
    uint8_t key[128];
    size_t ul = strlen(unit);
    if (ul + 9 > sizeof key)
      return 1;
    memcpy(key, unit, ul);
    key[ul] = '\0';
    hb_be64_put(key + ul + 1, d.n);
    MDB_val k = {ul + 9, key}, v = {len, buf};
    rc = mdb_put(txn, decisions, &k, &v, 0);
    free(buf);
    if (rc)
      return fail("put", rc);
  }
  if ((rc = mdb_txn_commit(txn)))
    return fail("commit", rc);
  mdb_env_close(env);
  return 0;
}
