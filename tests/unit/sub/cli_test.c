/* cli_test.c: huibao-sub's command line. */
#include <string.h>
#include "cli.h"
#include "hb_log.h"
#include "test.h"

static int parse(sub_cli *cli, char *err, const char *const *args)
{
  char *argv[32];
  int argc = 0;
  argv[argc++] = "huibao-sub";
  for (; *args && argc < 31; args++)
    argv[argc++] = (char *)*args;
  argv[argc] = NULL;
  FILE *devnull = fopen("/dev/null", "w");
  err[0] = '\0';
  int rc = sub_cli_parse(argc, argv, cli, devnull, err, 256);
  fclose(devnull);
  return rc;
}

static void test_good(void)
{
  sub_cli c;
  char err[256];
  CHECK_EQ_INT(SUB_CLI_RUN, parse(&c, err,
                                  (const char *[]){"snapshot", "--insecure", "--connect",
                                                   "tcp://a:1", "--timeout", "1.5", NULL}));
  CHECK_EQ_INT(SUB_CMD_SNAPSHOT, c.cmd);
  CHECK_EQ_INT(1500, c.timeout_ms);
  CHECK_EQ_INT(SUB_FORMAT_JSON, c.format);
  CHECK_EQ_STR("city", c.source);
  CHECK_EQ_INT(HB_LOG_WARNING, c.log_level);
  CHECK_EQ_INT(SUB_CLI_RUN,
               parse(&c, err,
                     (const char *[]){"run", "--insecure", "--connect", "tcp://a:1", "--data", "/d",
                                      "--stale-after-ms", "500", NULL}));
  CHECK_EQ_INT(500, c.stale_after_ms);
  CHECK_EQ_INT(HB_LOG_INFO, c.log_level);
  CHECK_EQ_INT(SUB_CLI_RUN,
               parse(&c, err, (const char *[]){"show", "--data", "/d", "--format", "table", NULL}));
  CHECK_EQ_INT(SUB_FORMAT_TABLE, c.format);
  CHECK_EQ_INT(SUB_CLI_EXIT_OK, parse(&c, err, (const char *[]){"--version", NULL}));
  CHECK_EQ_INT(SUB_CLI_EXIT_OK, parse(&c, err, (const char *[]){"watch", "--help", NULL}));
}

static void test_bad(void)
{
  sub_cli c;
  char err[256];
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err, (const char *[]){NULL}));
  CHECK_EQ_STR("no command given (snapshot, watch, run, show, report, export or serve)", err);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err, (const char *[]){"frob", NULL}));
  CHECK_EQ_STR("unknown command 'frob' (snapshot, watch, run, show, report, export or serve)", err);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err, (const char *[]){"snapshot", "--bogus-flag", NULL}));
  CHECK_EQ_STR("snapshot: unknown option '--bogus-flag'", err);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err, (const char *[]){"snapshot", NULL}));
  CHECK_EQ_STR("snapshot: --connect EP[,EP...] is required", err);
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err, (const char *[]){"run", "--connect", "tcp://a:1", NULL}));
  CHECK_EQ_STR("run: --data DIR is required", err);
  CHECK_EQ_INT(
      SUB_CLI_USAGE,
      parse(&c, err, (const char *[]){"snapshot", "--connect", "x", "--timeout", "abc", NULL}));
  CHECK_EQ_STR("snapshot: --timeout: 'abc' is not a positive number of seconds", err);
  CHECK_EQ_INT(
      SUB_CLI_USAGE,
      parse(&c, err, (const char *[]){"snapshot", "--connect", "x", "--timeout", "-1", NULL}));
  CHECK_EQ_INT(
      SUB_CLI_USAGE,
      parse(&c, err, (const char *[]){"snapshot", "--connect", "x", "--format", "xml", NULL}));
  CHECK_EQ_STR("snapshot: --format: 'xml' is not json or table", err);
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err, (const char *[]){"show", "--data", "/d", "--timeout", "1", NULL}));
  CHECK_EQ_STR("show: option '--timeout' does not apply to this command", err);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err, (const char *[]){"snapshot", "--connect", NULL}));
  CHECK_EQ_STR("snapshot: option '--connect' needs a value", err);
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err, (const char *[]){"snapshot", "--connect", "x", "extra", NULL}));
  CHECK_EQ_STR("snapshot: unexpected argument 'extra'", err);
  CHECK_EQ_INT(
      SUB_CLI_USAGE,
      parse(&c, err, (const char *[]){"report", "--campaign", "a", "--template", "t", NULL}));
  CHECK_EQ_STR("report: give either --connect EP[,EP...] (live) or --data DIR (the view stored "
               "by `run`)",
               err);
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err, (const char *[]){"report", "--data", "/d", "--campaign", "a", NULL}));
  CHECK_EQ_STR("report: --template FILE is required", err);
  CHECK_EQ_INT(SUB_CLI_RUN, parse(&c, err,
                                  (const char *[]){"export", "--data", "/d", "--format", "xlsx",
                                                   "--out", "x.xlsx", NULL}));
  CHECK_EQ_STR("xlsx", c.format_name);
  CHECK_EQ_STR("x.xlsx", c.out);
  CHECK_EQ_INT(
      SUB_CLI_USAGE,
      parse(&c, err, (const char *[]){"serve", "--connect", "tcp://a:1", "--insecure", NULL}));
  CHECK_EQ_STR("serve: --http ADDR:PORT is required", err);
}

/* Secure is the default: keys are required, one --server-key per endpoint. */
static void test_keys(void)
{
  sub_cli c;
  char err[256];
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err, (const char *[]){"snapshot", "--connect", "tcp://a:1", NULL}));
  CHECK_EQ_STR("snapshot: --key FILE (the city's secret cert) and one --server-key FILE per "
               "--connect endpoint are required, or --insecure for plain TCP",
               err);
  CHECK_EQ_INT(SUB_CLI_RUN, parse(&c, err,
                                  (const char *[]){"watch", "--connect", "tcp://a:1,tcp://b:2",
                                                   "--key", "city.key_secret", "--server-key",
                                                   "a.key", "--server-key", "b.key", NULL}));
  CHECK_EQ_INT(2, c.nserver_keys);
  CHECK_EQ_STR("b.key", c.server_keys[1]);
  CHECK_EQ_STR("city.key_secret", c.key);
  CHECK_EQ_INT(0, c.insecure);
}

/* run --publish: the city republishes; CURVE keys unless --insecure. */
static void test_publish(void)
{
  sub_cli c;
  char err[256];
  CHECK_EQ_INT(SUB_CLI_RUN,
               parse(&c, err,
                     (const char *[]){"run", "--insecure", "--connect", "tcp://a:1", "--data", "/d",
                                      "--publish", "tcp://*:7102", "--source", "city1", NULL}));
  CHECK_EQ_STR("tcp://*:7102", c.publish);
  CHECK_EQ_INT(0, c.heartbeat_ms);
  CHECK(c.secret == NULL && c.subscriber_keys == NULL);
  CHECK_EQ_INT(SUB_CLI_RUN,
               parse(&c, err,
                     (const char *[]){"run", "--key", "k", "--server-key", "s", "--connect",
                                      "tcp://a:1", "--data", "/d", "--publish", "tcp://*:7102",
                                      "--secret", "c.key_secret", "--subscriber-keys", "prov/",
                                      "--heartbeat-ms", "250", NULL}));
  CHECK_EQ_STR("c.key_secret", c.secret);
  CHECK_EQ_STR("prov/", c.subscriber_keys);
  CHECK_EQ_INT(250, c.heartbeat_ms);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err,
                                    (const char *[]){"run", "--key", "k", "--server-key", "s",
                                                     "--connect", "tcp://a:1", "--data", "/d",
                                                     "--publish", "tcp://*:7102", NULL}));
  CHECK_EQ_STR("run: --publish needs --secret FILE (the city's secret cert): subscribers are "
               "authenticated with CURVE keys (see docs/security.md), or run with --insecure "
               "for plain TCP",
               err);
  CHECK_EQ_INT(
      SUB_CLI_USAGE,
      parse(&c, err,
            (const char *[]){"run", "--key", "k", "--server-key", "s", "--connect", "tcp://a:1",
                             "--data", "/d", "--publish", "tcp://*:7102", "--secret", "c", NULL}));
  CHECK_CONTAINS(err, "run: --publish needs --subscriber-keys DIR");
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err,
                     (const char *[]){"run", "--key", "k", "--server-key", "s", "--connect",
                                      "tcp://a:1", "--data", "/d", "--secret", "c", NULL}));
  CHECK_EQ_STR("run: --secret, --subscriber-keys and --heartbeat-ms apply only with --publish EP",
               err);
  /* --insecure beside a key option: which one is right is not guessed */
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err,
                                    (const char *[]){"run", "--insecure", "--connect", "tcp://a:1",
                                                     "--data", "/d", "--publish", "tcp://*:7102",
                                                     "--secret", "c.key_secret", NULL}));
  CHECK_EQ_STR("run: --insecure (plain TCP) contradicts --secret: give the CURVE keys or "
               "--insecure, not both",
               err);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err,
                                    (const char *[]){"snapshot", "--insecure", "--connect",
                                                     "tcp://a:1", "--server-key", "s", NULL}));
  CHECK_CONTAINS(err, "contradicts --server-key");
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err,
                     (const char *[]){"run", "--insecure", "--connect", "tcp://a:1", "--data", "/d",
                                      "--publish", "tcp://*:7102", "--heartbeat-ms", "5", NULL}));
  CHECK_EQ_STR("run: --heartbeat-ms: '5' is not an integer from 10 to 3600000", err);
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err,
                     (const char *[]){"run", "--insecure", "--connect", "tcp://a:1", "--data", "/d",
                                      "--publish", "nowhere", NULL}));
  CHECK_CONTAINS(err, "run: --publish: ");
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err,
                     (const char *[]){"snapshot", "--insecure", "--connect", "tcp://a:1",
                                      "--publish", "tcp://*:7102", NULL}));
  CHECK_EQ_STR("snapshot: option '--publish' does not apply to this command", err);
}

/* issue 15: list problems|cases|activities, its filters, --data or --connect */
static void test_list(void)
{
  sub_cli c;
  char err[256];
  CHECK_EQ_INT(SUB_CLI_RUN, parse(&c, err,
                                  (const char *[]){"list", "--data", "/d", "problems", "--unit",
                                                   "u1", "--category", "g1", "--status", "待销号",
                                                   "--overdue", "--period", "2022-06-10",
                                                   "--format", "xlsx", "--out", "a.xlsx", NULL}));
  CHECK_EQ_INT(SUB_CMD_LIST, c.cmd);
  CHECK_EQ_STR("problems", c.list_what);
  CHECK_EQ_STR("u1", c.unit);
  CHECK_EQ_STR("g1", c.category);
  CHECK_EQ_STR("待销号", c.status);
  CHECK_EQ_INT(1, c.overdue);
  CHECK_EQ_STR("2022-06-10", c.period);
  CHECK_EQ_STR("xlsx", c.format_name);
  CHECK_EQ_STR("a.xlsx", c.out);
  CHECK_EQ_INT(SUB_CLI_RUN, parse(&c, err,
                                  (const char *[]){"list", "cases", "--connect", "tcp://a:1",
                                                   "--insecure", "--timeout", "2", NULL}));
  CHECK_EQ_STR("cases", c.list_what);
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err, (const char *[]){"list", "--data", "/d", NULL}));
  CHECK_CONTAINS(err, "problems, cases or activities");
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err, (const char *[]){"list", "problems", "cases", "--data", "/d", NULL}));
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err, (const char *[]){"list", "problems", NULL}));
  CHECK_EQ_INT(SUB_CLI_USAGE,
               parse(&c, err, (const char *[]){"show", "--data", "/d", "--overdue", NULL}));
  CHECK_EQ_INT(SUB_CLI_USAGE, parse(&c, err,
                                    (const char *[]){"snapshot", "problems", "--connect",
                                                     "tcp://a:1", "--insecure", NULL}));
}

int main(void)
{
  RUN(test_good);
  RUN(test_keys);
  RUN(test_publish);
  RUN(test_bad);
  RUN(test_list);
  return test_summary();
}
