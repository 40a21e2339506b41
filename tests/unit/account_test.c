/* Tests lib/hb_account.c: name checks, Argon2id hashes, the accounts db in
 * a real LMDB file, and reading a password from stdin. */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hb_account.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "test.h"

static char dir[64];

static void test_names(void)
{
  char why[256];
  CHECK_EQ_INT(0, hb_account_name_check("lisi", why, sizeof why));
  CHECK_EQ_INT(0, hb_account_name_check("李四", why, sizeof why));
  CHECK_EQ_INT(0, hb_account_name_check("zhang.san-2", why, sizeof why));
  CHECK_EQ_INT(HB_EINVAL, hb_account_name_check("", why, sizeof why));
  CHECK_EQ_INT(HB_EINVAL, hb_account_name_check("li si", why, sizeof why));
  CHECK_CONTAINS(why, "空格");
  CHECK_EQ_INT(HB_EINVAL, hb_account_name_check("a/b", why, sizeof why));
  CHECK_EQ_INT(HB_EINVAL, hb_account_name_check("a\tb", why, sizeof why));
  CHECK_EQ_INT(HB_EINVAL, hb_account_name_check("李\xe3\x80\x80四", why, sizeof why)); /* U+3000 */
  CHECK_EQ_INT(HB_EINVAL, hb_account_name_check("\xff\xfe", why, sizeof why));
  char longname[HB_ACCOUNT_NAME_MAX + 2];
  memset(longname, 'a', sizeof longname - 1);
  longname[sizeof longname - 1] = '\0';
  CHECK_EQ_INT(HB_EINVAL, hb_account_name_check(longname, why, sizeof why));
  longname[HB_ACCOUNT_NAME_MAX] = '\0';
  CHECK_EQ_INT(0, hb_account_name_check(longname, why, sizeof why));
  CHECK_EQ_INT(HB_ROLE_VIEWER, hb_role_parse("viewer"));
  CHECK_EQ_INT(0, hb_role_parse("admin"));
  CHECK_EQ_STR("reviewer", hb_role_name(HB_ROLE_REVIEWER));
}

static void test_hash(void)
{
  hb_account a = {.name = "lisi", .role = HB_ROLE_REVIEWER};
  char why[256];
  CHECK_EQ_INT(HB_EINVAL, hb_account_hash(&a, "short", why, sizeof why));
  CHECK_CONTAINS(why, "8");
  CHECK_EQ_INT(HB_EINVAL, hb_account_hash(&a, "七个汉字的密码", why, sizeof why)); /* 7 chars */
  CHECK_EQ_INT(0, hb_account_hash(&a, "correct horse", why, sizeof why));
  CHECK(strncmp(a.pwhash, "$argon2id$", 10) == 0);
  CHECK(hb_account_check_password(&a, "correct horse"));
  CHECK(!hb_account_check_password(&a, "correct horsE"));
  CHECK(!hb_account_check_password(&a, ""));
  hb_account b = a;
  CHECK_EQ_INT(0, hb_account_hash(&b, "correct horse", why, sizeof why));
  CHECK(strcmp(a.pwhash, b.pwhash) != 0); /* salted */
  CHECK_EQ_INT(0, hb_account_hash(&b, "八个汉字组成密码", why, sizeof why));
  CHECK(hb_account_check_password(&b, "八个汉字组成密码"));
  hb_account none = {.name = "x"};
  CHECK(!hb_account_check_password(&none, "anything at all"));
}

static int collect(void *ctx, const hb_account *a)
{
  char *names = ctx;
  strcat(names, a->name);
  strcat(names, ";");
  return 0;
}

static void test_db(void)
{
  hb_lmdb l;
  MDB_dbi dbi;
  const char *names[] = {HB_ACCOUNT_DB};
  char err[256] = "", why[256];
  CHECK_EQ_INT(0, hb_lmdb_open(&l, dir, 0, names, &dbi, 1, err, sizeof err));
  hb_account a = {.name = "wangwu", .role = HB_ROLE_VIEWER, .created_s = 1654736400};
  CHECK_EQ_INT(0, hb_account_hash(&a, "password1", why, sizeof why));
  hb_account b = {.name = "李四", .role = HB_ROLE_REVIEWER};
  CHECK_EQ_INT(0, hb_account_hash(&b, "password2", why, sizeof why));
  MDB_txn *txn;
  CHECK_EQ_INT(0, mdb_txn_begin(l.env, NULL, 0, &txn));
  CHECK_EQ_INT(0, hb_account_put(txn, dbi, &a, false));
  CHECK_EQ_INT(HB_EINVAL, hb_account_put(txn, dbi, &a, false));   /* exists */
  CHECK_EQ_INT(HB_ENOTFOUND, hb_account_put(txn, dbi, &b, true)); /* passwd of none */
  CHECK_EQ_INT(0, hb_account_put(txn, dbi, &b, false));
  CHECK_EQ_INT(0, hb_account_put(txn, dbi, &b, true));
  CHECK_EQ_INT(0, mdb_txn_commit(txn));

  CHECK_EQ_INT(0, mdb_txn_begin(l.env, NULL, MDB_RDONLY, &txn));
  hb_account got;
  CHECK_EQ_INT(0, hb_account_get(txn, dbi, "wangwu", &got));
  CHECK_EQ_STR("wangwu", got.name);
  CHECK_EQ_INT(HB_ROLE_VIEWER, got.role);
  CHECK_EQ_INT(1654736400, got.created_s);
  CHECK(hb_account_check_password(&got, "password1"));
  CHECK_EQ_INT(HB_ENOTFOUND, hb_account_get(txn, dbi, "nobody", &got));
  char all[256] = "";
  CHECK_EQ_INT(0, hb_account_foreach(txn, dbi, collect, all));
  CHECK_EQ_STR("wangwu;李四;", all);
  mdb_txn_abort(txn);

  CHECK_EQ_INT(0, mdb_txn_begin(l.env, NULL, 0, &txn));
  CHECK_EQ_INT(0, hb_account_remove(txn, dbi, "wangwu"));
  CHECK_EQ_INT(HB_ENOTFOUND, hb_account_remove(txn, dbi, "wangwu"));
  MDB_val key = {3, "bad"}, val = {3, "\xff\xff\xff"};
  CHECK_EQ_INT(0, mdb_put(txn, dbi, &key, &val, 0));
  CHECK_EQ_INT(HB_EPARSE, hb_account_get(txn, dbi, "bad", &got));
  mdb_txn_abort(txn);
  hb_lmdb_close(&l);
}

/* hb_password_read from a pipe: one line, its newline dropped. */
static void test_password_stdin(void)
{
  int fds[2];
  CHECK_EQ_INT(0, pipe(fds));
  const char text[] = "s3cret pass\r\nsecond line\n";
  CHECK_EQ_INT((long)sizeof text - 1, (long)write(fds[1], text, sizeof text - 1));
  close(fds[1]);
  int saved = dup(0);
  dup2(fds[0], 0);
  close(fds[0]);
  clearerr(stdin);
  char buf[HB_PASSWORD_MAX + 2], why[256];
  CHECK_EQ_INT(0, hb_password_read("密码: ", true, buf, sizeof buf, why, sizeof why));
  CHECK_EQ_STR("s3cret pass", buf);
  dup2(saved, 0);
  close(saved);
  clearerr(stdin);
}

int main(void)
{
  snprintf(dir, sizeof dir, "/tmp/hb_account_test.XXXXXX");
  if (!mkdtemp(dir))
    return 1;
  RUN(test_names);
  RUN(test_hash);
  RUN(test_db);
  RUN(test_password_stdin);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return test_summary();
}
