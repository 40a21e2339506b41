/* cli_test.c: the table-driven command-line parser (hb_cli). */
#include <stddef.h>
#include <stdint.h>
#include "hb_cli.h"
#include "hb_err.h"
#include "hb_log.h"
#include "test.h"

typedef struct conf {
  const char *name;
  char *owned;
  int flag, window, level, did;
  int64_t big;
} conf;

static int set_did(void *dest, const char *value, char *why, size_t whylen)
{
  (void)value, (void)why, (void)whylen;
  *(int *)dest = 1;
  return 0;
}

enum { CMD_A = 1, CMD_B = 2 };

#define O(f) .offset = offsetof(conf, f)
static const hb_cli_opt table[] = {
    {.name = "name", .letter = 'n', .kind = HB_CLI_STR, O(name)},
    {.name = "owned", .kind = HB_CLI_DUP, O(owned)},
    {.name = "flag", .kind = HB_CLI_FLAG, O(flag)},
    {.name = "window",
     .kind = HB_CLI_INT,
     O(window),
     .lo = 1,
     .hi = 64,
     .what = "a number of batches"},
    {.name = "big", .kind = HB_CLI_INT64, O(big), .lo = 1, .hi = 10000000000LL, .commands = CMD_B},
    {.name = "log-level", .kind = HB_CLI_CALL, O(level), .set = hb_cli_log_level},
    {.name = "do", .kind = HB_CLI_DO, O(did), .set = set_did, .cli_only = 1},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.name = "version", .kind = HB_CLI_VERSION},
    {.kind = HB_CLI_END},
};
#undef O

static int parse(conf *c, unsigned cmd, int *npos, char *err, const char *const *args)
{
  char *argv[32];
  int argc = 0;
  argv[argc++] = "prog";
  for (; *args; args++)
    argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  err[0] = '\0';
  return hb_cli_parse(table, cmd, c, argc, argv, npos, err, 256);
}

static void test_values(void)
{
  conf c = {0};
  char err[256];
  CHECK_EQ_INT(HB_CLI_RUN,
               parse(&c, CMD_B, NULL, err,
                     (const char *[]){"-n", "x", "--owned=o", "--flag", "--window", "64", "--big",
                                      "10000000000", "--log-level", "debug", "--do", NULL}));
  CHECK_EQ_STR("x", c.name);
  CHECK_EQ_STR("o", c.owned);
  CHECK_EQ_INT(1, c.flag);
  CHECK_EQ_INT(64, c.window);
  CHECK_EQ_INT(10000000000LL, c.big);
  CHECK_EQ_INT(HB_LOG_DEBUG, c.level);
  CHECK_EQ_INT(1, c.did);
  int npos = -1;
  CHECK_EQ_INT(HB_CLI_RUN, parse(&c, 0, &npos, err, (const char *[]){"a", "--owned", "p", NULL}));
  CHECK_EQ_STR("p", c.owned); /* the old copy freed */
  CHECK_EQ_INT(3, npos);      /* "a" permuted after the options: argv[3] */
  CHECK_EQ_INT(HB_CLI_HELP_ASKED, parse(&c, 0, NULL, err, (const char *[]){"-h", NULL}));
  CHECK_EQ_INT(HB_CLI_VERSION_ASKED, parse(&c, 0, NULL, err, (const char *[]){"--version", NULL}));
  hb_cli_free(table, &c);
  CHECK(c.owned == NULL);
}

static void test_errors(void)
{
  conf c = {0};
  char err[256];
  CHECK_EQ_INT(HB_EINVAL, parse(&c, 0, NULL, err, (const char *[]){"--window", "x", NULL}));
  CHECK_EQ_STR("--window: 'x' is not a number of batches from 1 to 64", err);
  CHECK_EQ_INT(HB_EINVAL, parse(&c, 0, NULL, err, (const char *[]){"--window", "65", NULL}));
  CHECK_EQ_INT(HB_EINVAL, parse(&c, 0, NULL, err, (const char *[]){"--bogus", NULL}));
  CHECK_EQ_STR("unknown option '--bogus'", err);
  CHECK_EQ_INT(HB_EINVAL, parse(&c, 0, NULL, err, (const char *[]){"--name", NULL}));
  CHECK_EQ_STR("option '--name' needs a value", err);
  CHECK_EQ_INT(HB_EINVAL, parse(&c, CMD_A, NULL, err, (const char *[]){"--big", "2", NULL}));
  CHECK_EQ_STR("option '--big' does not apply to this command", err);
  CHECK_EQ_INT(HB_EINVAL, parse(&c, 0, NULL, err, (const char *[]){"extra", NULL}));
  CHECK_EQ_STR("unexpected argument 'extra'", err);
  CHECK_EQ_INT(HB_EINVAL, parse(&c, 0, NULL, err, (const char *[]){"--owned", "", NULL}));
  CHECK_EQ_STR("--owned: empty value", err);
  CHECK_EQ_INT(HB_EINVAL, parse(&c, 0, NULL, err, (const char *[]){"--log-level", "loud", NULL}));
  CHECK_EQ_STR("--log-level: 'loud' is not error|warning|notice|info|debug", err);
  hb_cli_free(table, &c);
}

/* A configuration file sets the same options by name. */
static void test_set(void)
{
  conf c = {0};
  char err[256];
  CHECK_EQ_INT(0, hb_cli_set(table, &c, "owned", "v", err, sizeof err));
  CHECK_EQ_STR("v", c.owned);
  CHECK_EQ_INT(0, hb_cli_set(table, &c, "log_level", "info", err, sizeof err));
  CHECK_EQ_INT(HB_LOG_INFO, c.level);
  CHECK_EQ_INT(0, hb_cli_set(table, &c, "flag", "yes", err, sizeof err));
  CHECK_EQ_INT(1, c.flag);
  CHECK_EQ_INT(0, hb_cli_set(table, &c, "flag", "false", err, sizeof err));
  CHECK_EQ_INT(0, c.flag);
  CHECK_EQ_INT(HB_EINVAL, hb_cli_set(table, &c, "flag", "maybe", err, sizeof err));
  CHECK_EQ_STR("flag: 'maybe' is not true or false", err);
  CHECK_EQ_INT(HB_EINVAL, hb_cli_set(table, &c, "window", "0", err, sizeof err));
  CHECK_EQ_STR("window: '0' is not a number of batches from 1 to 64", err);
  CHECK_EQ_INT(HB_ENOTFOUND, hb_cli_set(table, &c, "do", "1", err, sizeof err));
  CHECK_EQ_INT(HB_ENOTFOUND, hb_cli_set(table, &c, "name", "x", err, sizeof err));
  CHECK_EQ_INT(HB_ENOTFOUND, hb_cli_set(table, &c, "nope", "x", err, sizeof err));
  CHECK_EQ_STR("unknown setting 'nope'", err);
  hb_cli_free(table, &c);
}

int main(void)
{
  RUN(test_values);
  RUN(test_errors);
  RUN(test_set);
  return test_summary();
}
