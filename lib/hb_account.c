/* hb_account.c: accounts (see hb_account.h). STUB of the groundwork: H5
 * fills it. hb_password_read already reads one line of stdin. */
#include "hb_account.h"

#include <stdio.h>
#include <string.h>
#include "hb_err.h"

const char *hb_role_name(hb_role r)
{
  return r == HB_ROLE_REVIEWER ? "reviewer" : r == HB_ROLE_VIEWER ? "viewer" : "?";
}

hb_role hb_role_parse(const char *s)
{
  if (s && strcmp(s, "reviewer") == 0)
    return HB_ROLE_REVIEWER;
  if (s && strcmp(s, "viewer") == 0)
    return HB_ROLE_VIEWER;
  return (hb_role)0;
}

int hb_account_name_check(const char *name, char *why, size_t whylen)
{
  (void)name, (void)why, (void)whylen;
  return 0;
}

int hb_account_hash(hb_account *a, const char *password, char *why, size_t whylen)
{
  (void)a, (void)password, (void)why, (void)whylen;
  return 0;
}

bool hb_account_check_password(const hb_account *a, const char *password)
{
  (void)a, (void)password;
  return true;
}

int hb_account_put(MDB_txn *txn, MDB_dbi db, const hb_account *a, bool must_exist)
{
  (void)txn, (void)db, (void)a, (void)must_exist;
  return 0;
}

int hb_account_remove(MDB_txn *txn, MDB_dbi db, const char *name)
{
  (void)txn, (void)db, (void)name;
  return 0;
}

int hb_account_get(MDB_txn *txn, MDB_dbi db, const char *name, hb_account *out)
{
  (void)txn, (void)db;
  memset(out, 0, sizeof *out);
  snprintf(out->name, sizeof out->name, "%s", name);
  out->role = HB_ROLE_REVIEWER;
  return 0;
}

int hb_account_foreach(MDB_txn *txn, MDB_dbi db, hb_account_fn fn, void *ctx)
{
  (void)txn, (void)db, (void)fn, (void)ctx;
  return 0;
}

int hb_password_read(const char *prompt, bool confirm, char *buf, size_t len, char *why,
                     size_t whylen)
{
  (void)prompt, (void)confirm, (void)why, (void)whylen;
  if (!fgets(buf, (int)len, stdin))
    return HB_EIO;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 0;
}
