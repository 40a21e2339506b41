/* verify_cli_test.c: `huibao-sub verify`'s command line (issue 15,
 * docs/verify.md): --data required, --format table (default) or json, no
 * live options. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "test.h"

static int parse(sub_cli *cli, const char *const *args)
{
  char *argv[16], err[256];
  int argc = 0;
  argv[argc++] = "huibao-sub";
  for (; *args && argc < 15; args++)
    argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  FILE *devnull = fopen("/dev/null", "w");
  int rc = sub_cli_parse(argc, argv, cli, devnull, err, sizeof err);
  fclose(devnull);
  return rc;
}

static void test_verify_options(void)
{
  sub_cli c;
  CHECK_EQ_INT(SUB_CLI_RUN, parse(&c, (const char *[]){"verify", "--data", "/d", NULL}));
  CHECK_EQ_INT(SUB_CMD_VERIFY, c.cmd);
  CHECK_EQ_STR("/d", c.data);
  CHECK_EQ_INT(SUB_FORMAT_TABLE, c.format);
  CHECK_EQ_INT(SUB_CLI_RUN,
               parse(&c, (const char *[]){"verify", "--data", "/d", "--format", "json", NULL}));
  CHECK_EQ_INT(SUB_FORMAT_JSON, c.format);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, (const char *[]){"verify", NULL}));
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, (const char *[]){"verify", "--data", "/d", "--format", "xml", NULL}));
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, (const char *[]){"verify", "--data", "/d", "--connect",
                                                         "tcp://a:1", NULL}));
}

int main(void)
{
  RUN(test_verify_options);
  return test_summary();
}
