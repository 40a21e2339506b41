/* store_test.c: the city's store as an environment: opening creates both
 * databases, what one flush wrote a reopen reads, a second open in one
 * process is refused, another process reads it while it is open. (The
 * round trips of the view and of the history are in view_test.c and
 * history_test.c.) */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "collect.h"
#include "hb_err.h"
#include "history.h"
#include "store.h"
#include "test.h"

#define WEEK 202352 /* 2023-12-25 .. 2023-12-31 */

static void rm_rf(const char *dir)
{
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  CHECK_EQ_INT(0, system(cmd));
}

/* Records one week of campaign with `problems` problems (dirty). */
static void record(sub_history *h, const char *campaign, uint64_t problems)
{
  sub_week_figures f;
  memset(&f, 0, sizeof f);
  f.problems = problems;
  CHECK(sub_history_record(h, campaign, sub_history_week_monday(WEEK), 1000, &f) >= 0);
}

/* How many problems the stored week of campaign has (-1: none stored). */
static long long stored_problems(sub_store *st, const char *campaign)
{
  sub_history h;
  sub_history_init(&h);
  CHECK_EQ_INT(0, sub_store_load_history(st, &h, NULL));
  const sub_week *w = sub_history_find(&h, campaign, WEEK);
  long long n = w ? (long long)w->f.problems : -1;
  sub_history_free(&h);
  return n;
}

static void test_open_flush_reload(void)
{
  char base[] = "/tmp/hb-sub-store-XXXXXX";
  CHECK(mkdtemp(base) != NULL);
  char dir[300], err[256];
  snprintf(dir, sizeof dir, "%s/a/b", base); /* made on open */
  sub_store *st = NULL;
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  CHECK(st != NULL);
  if (!st)
    return;
  CHECK_EQ_STR(dir, sub_store_dir(st));

  /* a new store: both databases there and empty */
  sub_collect c;
  sub_collect_init(&c);
  size_t skipped = 99, w = 99;
  CHECK_EQ_INT(0, sub_store_load_view(st, &c, 0, &skipped));
  CHECK_EQ_INT(0, c.count);
  CHECK_EQ_INT(0, skipped);
  CHECK_EQ_INT(0, sub_store_flush_view(st, &c, &w)); /* nothing to write */
  CHECK_EQ_INT(0, w);
  CHECK_EQ_INT(-1, stored_problems(st, "jf"));

  sub_history h;
  sub_history_init(&h);
  record(&h, "jf", 3);
  record(&h, "zt", 4);
  CHECK(h.count == 2 && h.items[0].dirty && h.items[1].dirty);
  CHECK_EQ_INT(0, sub_store_flush_history(st, &h, &w));
  CHECK_EQ_INT(2, w);
  CHECK(h.count >= 1 && !h.items[0].dirty && !h.items[h.count - 1].dirty);
  record(&h, "jf", 5);
  CHECK_EQ_INT(0, sub_store_flush_history(st, &h, &w));
  CHECK_EQ_INT(1, w);
  sub_history_free(&h);
  sub_store_close(st);

  /* reopened: what was committed is there, the view db untouched */
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  CHECK_EQ_INT(5, stored_problems(st, "jf"));
  CHECK_EQ_INT(4, stored_problems(st, "zt"));
  CHECK_EQ_INT(0, sub_store_load_view(st, &c, 0, NULL));
  CHECK_EQ_INT(0, c.count);
  sub_store_close(st);
  sub_collect_free(&c);
  sub_store_close(NULL); /* fine */
  rm_rf(base);
}

static void test_second_open_refused(void)
{
  char dir[] = "/tmp/hb-sub-store-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char err[256], other[300];
  sub_store *a = NULL, *b = (sub_store *)&b;
  CHECK_EQ_INT(0, sub_store_open(&a, dir, err, sizeof err));
  /* LMDB allows one environment per file in a process */
  CHECK_EQ_INT(HB_EAGAIN, sub_store_open(&b, dir, err, sizeof err));
  CHECK(b == NULL);
  CHECK_CONTAINS(err, "already open in this process");
  snprintf(other, sizeof other, "%s/.", dir); /* another spelling of it */
  CHECK_EQ_INT(HB_EAGAIN, sub_store_open(&b, other, err, sizeof err));
  /* the first still works */
  sub_history h;
  sub_history_init(&h);
  record(&h, "jf", 7);
  CHECK_EQ_INT(0, sub_store_flush_history(a, &h, NULL));
  sub_history_free(&h);
  sub_store_close(a);
  /* closed: it can be opened again */
  CHECK_EQ_INT(0, sub_store_open(&b, other, err, sizeof err));
  CHECK_EQ_INT(7, stored_problems(b, "jf"));
  sub_store_close(b);
  rm_rf(dir);
}

static void test_unopenable(void)
{
  char err[256] = "";
  sub_store *st = (sub_store *)&st;
  CHECK(sub_store_open(&st, "/dev/null/store", err, sizeof err) != 0);
  CHECK(st == NULL);
  CHECK(err[0] != '\0');
}

/* `show` while `run` keeps the store: another process opens it through
 * the store (never by database name) and reads what was committed, and the
 * first process goes on writing after the other closed it. */
static void test_other_process_reads(void)
{
  char dir[] = "/tmp/hb-sub-store-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  int go[2];
  CHECK_EQ_INT(0, pipe(go));
  pid_t pid = fork(); /* before any open: LMDB handles do not cross fork() */
  if (pid == 0) {
    char c, err[256];
    close(go[1]);
    if (read(go[0], &c, 1) != 1)
      _exit(2);
    sub_store *st;
    if (sub_store_open(&st, dir, err, sizeof err) != 0)
      _exit(3);
    long long n = stored_problems(st, "jf");
    sub_store_close(st);
    _exit(n == 11 ? 0 : 4);
  }
  close(go[0]);
  char err[256];
  sub_store *st = NULL;
  CHECK_EQ_INT(0, sub_store_open(&st, dir, err, sizeof err));
  sub_history h;
  sub_history_init(&h);
  record(&h, "jf", 11);
  CHECK_EQ_INT(0, sub_store_flush_history(st, &h, NULL));
  CHECK_EQ_INT(1, write(go[1], "g", 1));
  int status = -1;
  CHECK_EQ_INT(pid, waitpid(pid, &status, 0));
  CHECK(WIFEXITED(status));
  CHECK_EQ_INT(0, WEXITSTATUS(status));
  record(&h, "jf", 12);
  CHECK_EQ_INT(0, sub_store_flush_history(st, &h, NULL));
  CHECK_EQ_INT(12, stored_problems(st, "jf"));
  sub_history_free(&h);
  sub_store_close(st);
  close(go[1]);
  rm_rf(dir);
}

int main(void)
{
  RUN(test_open_flush_reload);
  RUN(test_second_open_refused);
  RUN(test_unopenable);
  RUN(test_other_process_reads);
  return test_summary();
}
