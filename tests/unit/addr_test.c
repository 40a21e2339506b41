/* addr_test.c: ADDR:PORT, every spelling the metrics and dashboard
 * endpoints accept. */
#include <netinet/in.h>
#include "hb_addr.h"
#include "hb_err.h"
#include "test.h"

static int parse(const char *text, int flags, hb_addr *a, char *err)
{
  err[0] = '\0';
  memset(a, 0x55, sizeof *a);
  return hb_addr_parse(text, flags, a, err, 1024);
}

static void test_spellings(void)
{
  hb_addr a;
  char err[1024];
  CHECK_EQ_INT(0, parse("127.0.0.1:9101", 0, &a, err));
  CHECK_EQ_STR("127.0.0.1", a.host);
  CHECK_EQ_STR("9101", a.port);
  CHECK_EQ_INT(0, parse("[::1]:8080", 0, &a, err));
  CHECK_EQ_STR("::1", a.host);
  CHECK_EQ_STR("8080", a.port);
  CHECK_EQ_INT(0, parse("::1:8080", 0, &a, err)); /* metrics took it without brackets */
  CHECK_EQ_STR("::1", a.host);
  CHECK_EQ_INT(0, parse("*:8080", 0, &a, err)); /* the dashboard's every address */
  CHECK_EQ_STR("", a.host);
  CHECK_EQ_INT(0, parse(":9101", 0, &a, err)); /* metrics' every address */
  CHECK_EQ_STR("", a.host);
  CHECK_EQ_STR("9101", a.port);
  CHECK_EQ_INT(0, parse("localhost:65535", 0, &a, err));
  CHECK_EQ_STR("localhost", a.host);
  CHECK_EQ_INT(0, parse("127.0.0.1:09101", 0, &a, err));
  CHECK_EQ_STR("9101", a.port);
}

static void test_ports(void)
{
  hb_addr a;
  char err[1024];
  CHECK_EQ_INT(HB_EINVAL, parse("127.0.0.1:0", 0, &a, err));
  CHECK_EQ_STR("'127.0.0.1:0': port '0' is not a number 1..65535", err);
  CHECK_EQ_INT(0, parse("127.0.0.1:0", HB_ADDR_PORT_ANY, &a, err));
  CHECK_EQ_STR("0", a.port);
  CHECK_EQ_INT(HB_EINVAL, parse("127.0.0.1:65536", HB_ADDR_PORT_ANY, &a, err));
  CHECK_EQ_INT(HB_EINVAL, parse("127.0.0.1:99999999999999999999", 0, &a, err));
  CHECK_EQ_INT(HB_EINVAL, parse("127.0.0.1:-1", HB_ADDR_PORT_ANY, &a, err));
  CHECK_EQ_INT(HB_EINVAL, parse("127.0.0.1:80x", 0, &a, err));
  CHECK_CONTAINS(err, "port '80x'");
}

static void test_bad(void)
{
  hb_addr a;
  char err[1024];
  CHECK_EQ_INT(HB_EINVAL, parse("9101", 0, &a, err));
  CHECK_CONTAINS(err, "ADDR:PORT");
  CHECK_EQ_INT(HB_EINVAL, parse("8080", HB_ADDR_PORT_ANY, &a, err));
  CHECK_CONTAINS(err, "ADDR:PORT");
  CHECK_EQ_INT(HB_EINVAL, parse("host:", 0, &a, err));
  CHECK_EQ_INT(HB_EINVAL, parse("", 0, &a, err));
  char long_host[400];
  memset(long_host, 'a', 300);
  strcpy(long_host + 300, ":80");
  CHECK_EQ_INT(HB_EINVAL, parse(long_host, 0, &a, err));
  CHECK_CONTAINS(err, "too long");
}

static void test_resolve(void)
{
  hb_addr a;
  char err[1024];
  struct sockaddr_storage ss;
  socklen_t len;
  CHECK_EQ_INT(0, parse("127.0.0.1:9101", 0, &a, err));
  CHECK_EQ_INT(0, hb_addr_resolve(&a, &ss, &len, err, sizeof err));
  CHECK_EQ_INT(AF_INET, ss.ss_family);
  CHECK_EQ_INT(9101, ntohs(((struct sockaddr_in *)&ss)->sin_port));
  CHECK_EQ_INT(0, parse(":9101", 0, &a, err));
  CHECK_EQ_INT(0, hb_addr_resolve(&a, &ss, &len, err, sizeof err));
  CHECK_EQ_INT(AF_INET, ss.ss_family);
  CHECK_EQ_INT(INADDR_ANY, ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr));
  CHECK_EQ_INT(0, parse("[::1]:9101", 0, &a, err));
  CHECK_EQ_INT(0, hb_addr_resolve(&a, &ss, &len, err, sizeof err));
  CHECK_EQ_INT(AF_INET6, ss.ss_family);
  CHECK_EQ_INT(0, parse("no.such.host.invalid:9101", 0, &a, err));
  CHECK_EQ_INT(HB_EINVAL, hb_addr_resolve(&a, &ss, &len, err, sizeof err));
  CHECK(err[0] != '\0');
}

/* The Host header check against DNS rebinding. */
static void test_host(void)
{
  const char *lo = "127.0.0.1:8080";
  CHECK(hb_addr_host_ok(lo, NULL, NULL)); /* HTTP/1.0 without Host */
  CHECK(hb_addr_host_ok(lo, NULL, "127.0.0.1:8080"));
  CHECK(hb_addr_host_ok(lo, NULL, "LOCALHOST:8080"));
  CHECK(hb_addr_host_ok(lo, NULL, "[::1]:8080"));
  CHECK(hb_addr_host_ok(lo, NULL, "localhost"));
  CHECK(!hb_addr_host_ok(lo, NULL, "evil.example:8080"));
  CHECK(!hb_addr_host_ok(lo, NULL, "evil.example"));
  CHECK(!hb_addr_host_ok(lo, NULL, "10.0.0.1:8080")); /* not where it listens */
  CHECK(!hb_addr_host_ok(lo, NULL, "[::1"));
  CHECK(!hb_addr_host_ok(lo, NULL, "localhost.evil.example"));
  CHECK(hb_addr_host_ok(lo, "dash.example, city.example", "City.Example:8080"));
  CHECK(hb_addr_host_ok(lo, "dash.example,city.example", "dash.example"));
  CHECK(!hb_addr_host_ok(lo, "dash.example", "dash.exampl"));
  CHECK(!hb_addr_host_ok(lo, "dash.example", "x.dash.example"));
  /* every address: IP literals (no site can own one), names only when given */
  CHECK(hb_addr_host_ok("*:8080", NULL, "192.0.2.7:8080"));
  CHECK(hb_addr_host_ok(":8080", NULL, "[2001:db8::1]:8080"));
  CHECK(!hb_addr_host_ok("*:8080", NULL, "evil.example:8080"));
  CHECK(hb_addr_host_ok("*:8080", "city.example", "city.example:8080"));
  /* a named or public address: itself, not localhost */
  CHECK(hb_addr_host_ok("192.0.2.7:8080", NULL, "192.0.2.7"));
  CHECK(!hb_addr_host_ok("192.0.2.7:8080", NULL, "localhost:8080"));
  CHECK(hb_addr_host_ok("city.example:8080", NULL, "city.example:8080"));
  CHECK(hb_addr_host_ok("[::1]:8080", NULL, "127.0.0.1:8080"));
  CHECK(hb_addr_host_ok("localhost:8080", NULL, "[::1]:8080"));
}

int main(void)
{
  RUN(test_spellings);
  RUN(test_ports);
  RUN(test_bad);
  RUN(test_resolve);
  RUN(test_host);
  return test_summary();
}
