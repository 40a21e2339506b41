/* metrics_test.c: the exposition text of lib/hb_metrics.c, byte for byte,
 * and its HTTP endpoint. */
#include "hb_metrics.h"

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hb_err.h"
#include "test.h"

static void test_exposition(void)
{
  hb_metrics *m;
  CHECK_EQ_INT(0, hb_metrics_new(&m));
  hb_metric *c =
      hb_metrics_add(m, HB_METRIC_COUNTER, "t_records_total", "Records stored.", NULL, NULL, 0);
  hb_metric *r = hb_metrics_add(m, HB_METRIC_COUNTER, "t_rejected_total",
                                "Rejected, by field.\nSecond \\ line.",
                                (const char *[]){"reason", NULL}, NULL, 0);
  hb_metric *g = hb_metrics_add(m, HB_METRIC_GAUGE, "t_last_sync_seconds", "Last sync.",
                                (const char *[]){"unit", "kind", NULL}, NULL, 0);
  const double bounds[] = {0.25, 1, 2.5};
  hb_metric *h =
      hb_metrics_add(m, HB_METRIC_HISTOGRAM, "t_commit_seconds", "Commit time.", NULL, bounds, 3);
  hb_metric *e = hb_metrics_add(m, HB_METRIC_GAUGE, "t_empty", "Nothing yet.",
                                (const char *[]){"x", NULL}, NULL, 0);
  CHECK(c && r && g && h && e);
  hb_metric_add(c, NULL, 3);
  hb_metric_add(c, NULL, 4);
  hb_metric_add(c, NULL, -5); /* ignored: counters only go up */
  hb_metric_add(r, (const char *[]){"category"}, 2);
  hb_metric_add(r, (const char *[]){"date"}, 1);
  hb_metric_add(r, (const char *[]){"category"}, 1);
  hb_metric_set(g, (const char *[]){"dlz", "a\"b\\c\nd"}, 1700000000);
  hb_metric_set(g, (const char *[]){"党委办", "x"}, 0.25);
  hb_metric_add(g, (const char *[]){"党委办", "x"}, -1);
  hb_metric_observe(h, NULL, 0.125); /* binary fractions: an exact sum */
  hb_metric_observe(h, NULL, 0.25);  /* le is inclusive */
  hb_metric_observe(h, NULL, 2);
  hb_metric_observe(h, NULL, 8);
  hb_metric_observe(c, NULL, 1); /* wrong type: dropped */
  char *text = NULL;
  size_t len = 0;
  CHECK_EQ_INT(0, hb_metrics_render(m, &text, &len));
  const char *want = "# HELP t_records_total Records stored.\n"
                     "# TYPE t_records_total counter\n"
                     "t_records_total 7\n"
                     "# HELP t_rejected_total Rejected, by field.\\nSecond \\\\ line.\n"
                     "# TYPE t_rejected_total counter\n"
                     "t_rejected_total{reason=\"category\"} 3\n"
                     "t_rejected_total{reason=\"date\"} 1\n"
                     "# HELP t_last_sync_seconds Last sync.\n"
                     "# TYPE t_last_sync_seconds gauge\n"
                     "t_last_sync_seconds{unit=\"dlz\",kind=\"a\\\"b\\\\c\\nd\"} 1700000000\n"
                     "t_last_sync_seconds{unit=\"党委办\",kind=\"x\"} -0.75\n"
                     "# HELP t_commit_seconds Commit time.\n"
                     "# TYPE t_commit_seconds histogram\n"
                     "t_commit_seconds_bucket{le=\"0.25\"} 2\n"
                     "t_commit_seconds_bucket{le=\"1\"} 2\n"
                     "t_commit_seconds_bucket{le=\"2.5\"} 3\n"
                     "t_commit_seconds_bucket{le=\"+Inf\"} 4\n"
                     "t_commit_seconds_sum 10.375\n"
                     "t_commit_seconds_count 4\n"
                     "# HELP t_empty Nothing yet.\n"
                     "# TYPE t_empty gauge\n";
  CHECK_EQ_STR(want, text);
  CHECK_EQ_INT(strlen(want), len);
  free(text);

  hb_metric_clear(r);
  hb_metric_set(e, (const char *[]){"y"}, INFINITY);
  CHECK_EQ_INT(0, hb_metrics_render(m, &text, &len));
  CHECK(strstr(text, "t_rejected_total{") == NULL);
  CHECK_CONTAINS(text, "# TYPE t_rejected_total counter\n# HELP t_last_sync_seconds");
  CHECK_CONTAINS(text, "t_empty{x=\"y\"} +Inf\n");
  free(text);
  hb_metrics_free(m);
}

static void test_bad_arguments(void)
{
  hb_metrics *m;
  CHECK_EQ_INT(0, hb_metrics_new(&m));
  CHECK(hb_metrics_add(m, HB_METRIC_COUNTER, "1abc", "x", NULL, NULL, 0) == NULL);
  CHECK(hb_metrics_add(m, HB_METRIC_COUNTER, "a-b", "x", NULL, NULL, 0) == NULL);
  CHECK(hb_metrics_add(m, HB_METRIC_COUNTER, "ok", "x", (const char *[]){"le", NULL}, NULL, 0) ==
        NULL);
  CHECK(hb_metrics_add(m, HB_METRIC_COUNTER, "ok", "x", (const char *[]){"a:b", NULL}, NULL, 0) ==
        NULL);
  const double unsorted[] = {1, 0.5};
  CHECK(hb_metrics_add(m, HB_METRIC_HISTOGRAM, "h", "x", NULL, unsorted, 2) == NULL);
  CHECK(hb_metrics_add(m, HB_METRIC_HISTOGRAM, "h", "x", NULL, NULL, 0) == NULL);
  CHECK(hb_metrics_add(m, HB_METRIC_COUNTER, "ns:ok_total", "x", NULL, NULL, 0) != NULL);
  CHECK(hb_metrics_add(m, HB_METRIC_GAUGE, "ns:ok_total", "dup", NULL, NULL, 0) == NULL);
  hb_metric_add(NULL, NULL, 1); /* no-op */
  char err[256];
  CHECK_EQ_INT(HB_EINVAL, hb_metrics_serve(m, "9101", err, sizeof err));
  CHECK_CONTAINS(err, "ADDR:PORT");
  CHECK_EQ_INT(HB_EINVAL, hb_metrics_serve(m, "127.0.0.1:0", err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL, hb_metrics_serve(m, "127.0.0.1:99999", err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL, hb_metrics_serve(m, "no.such.host.invalid:9101", err, sizeof err));
  hb_metrics_free(m);
}

/* A whole HTTP exchange on loopback; returns the bytes read. */
static size_t http(int port, const char *request, char *out, size_t outlen)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  size_t n = 0;
  if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      write(fd, request, strlen(request)) == (ssize_t)strlen(request)) {
    ssize_t k;
    while (n + 1 < outlen && (k = read(fd, out + n, outlen - 1 - n)) > 0)
      n += (size_t)k;
  }
  out[n] = '\0';
  close(fd);
  return n;
}

static int free_port(void)
{
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t l = sizeof a;
  bind(fd, (struct sockaddr *)&a, sizeof a);
  getsockname(fd, (struct sockaddr *)&a, &l);
  close(fd);
  return ntohs(a.sin_port);
}

static void test_http(void)
{
  hb_metrics *m;
  CHECK_EQ_INT(0, hb_metrics_new(&m));
  hb_metric *c = hb_metrics_add(m, HB_METRIC_COUNTER, "t_total", "T.", NULL, NULL, 0);
  hb_metric_add(c, NULL, 42);
  int port = free_port();
  char addr[64], err[256];
  snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
  CHECK_EQ_INT(0, hb_metrics_serve(m, addr, err, sizeof err));
  CHECK_EQ_INT(HB_EAGAIN, hb_metrics_serve(m, addr, err, sizeof err));
  hb_metrics *m2;
  CHECK_EQ_INT(0, hb_metrics_new(&m2));
  CHECK_EQ_INT(HB_EIO, hb_metrics_serve(m2, addr, err, sizeof err));
  CHECK_CONTAINS(err, "Address already in use");
  hb_metrics_free(m2);

  char resp[8192];
  http(port, "GET /metrics HTTP/1.0\r\n\r\n", resp, sizeof resp);
  CHECK_CONTAINS(resp, " 200 OK\r\n");
  CHECK_CONTAINS(resp, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n");
  CHECK_CONTAINS(resp, "\r\n\r\n# HELP t_total T.\n# TYPE t_total counter\nt_total 42\n");
  http(port, "GET /other HTTP/1.0\r\n\r\n", resp, sizeof resp);
  CHECK_CONTAINS(resp, " 404 ");
  http(port, "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", resp, sizeof resp);
  CHECK_CONTAINS(resp, " 405 ");
  /* Host: another site's name is refused (DNS rebinding); ours, and the
   * names allowed, are answered */
  http(port, "GET /metrics HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", resp,
       sizeof resp);
  CHECK_CONTAINS(resp, " 421 ");
  http(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", resp,
       sizeof resp);
  CHECK_CONTAINS(resp, " 200 OK\r\n");
  hb_metrics_free(m);

  CHECK_EQ_INT(0, hb_metrics_new(&m));
  CHECK_EQ_INT(0, hb_metrics_allow_hosts(m, "metrics.example,other.example"));
  port = free_port();
  snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
  CHECK_EQ_INT(0, hb_metrics_serve(m, addr, err, sizeof err));
  http(port, "GET /metrics HTTP/1.1\r\nHost: Other.Example:9\r\nConnection: close\r\n\r\n", resp,
       sizeof resp);
  CHECK_CONTAINS(resp, " 200 OK\r\n");
  http(port, "GET /metrics HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n", resp,
       sizeof resp);
  CHECK_CONTAINS(resp, " 421 ");
  hb_metrics_free(m);
}

int main(void)
{
  RUN(test_exposition);
  RUN(test_bad_arguments);
  RUN(test_http);
  return test_summary();
}
