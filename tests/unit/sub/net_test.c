/* net_test.c: endpoint lists, and SUB sockets against a real XPUB on
 * loopback: good messages arrive, malformed ones are dropped and counted. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>
#include "hb_err.h"
#include "net.h"
#include "test.h"

static void test_list(void)
{
  char **eps;
  size_t n;
  char err[256];
  CHECK_EQ_INT(0, sub_net_parse_list("tcp://127.0.0.1:5555,tcp://h:6", &eps, &n, err, sizeof err));
  CHECK_EQ_INT(2, n);
  CHECK_EQ_STR("tcp://h:6", eps[1]);
  sub_net_free_list(eps, n);
  CHECK_EQ_INT(HB_EINVAL, sub_net_parse_list("tcp://h:6,,tcp://h:7", &eps, &n, err, sizeof err));
  CHECK_EQ_STR("empty endpoint in 'tcp://h:6,,tcp://h:7'", err);
  CHECK_EQ_INT(HB_EINVAL, sub_net_parse_list("tcp://h:6,tcp://h:6", &eps, &n, err, sizeof err));
  CHECK_EQ_STR("endpoint tcp://h:6 given twice", err);
  CHECK_EQ_INT(HB_EINVAL, sub_net_parse_list("http://h", &eps, &n, err, sizeof err));
  CHECK(eps == NULL);
}

/* Source codes and endpoints bind one to one: learned from the first
 * rollup of each, or given; never moved, never shared. */
static void test_claim(void)
{
  sub_net s;
  char err[256], *eps[] = {"tcp://127.0.0.1:1", "tcp://127.0.0.1:2", "tcp://127.0.0.1:3"};
  size_t other;
  CHECK_EQ_INT(0, sub_net_open(&s, eps, 3, NULL, err, sizeof err));
  CHECK_EQ_INT(SUB_CLAIM_BOUND, sub_net_claim(&s, 0, "xq", &other));
  CHECK_EQ_INT(SUB_CLAIM_OK, sub_net_claim(&s, 0, "xq", &other));
  CHECK_EQ_INT(SUB_CLAIM_OTHER_CODE, sub_net_claim(&s, 0, "dq", &other)); /* ep 0 is xq's */
  CHECK_EQ_INT(SUB_CLAIM_TAKEN, sub_net_claim(&s, 1, "xq", &other));      /* xq is ep 0's */
  CHECK_EQ_INT(0, other);
  CHECK(s.codes[1] == NULL); /* a refused claim binds nothing */
  CHECK_EQ_INT(SUB_CLAIM_BOUND, sub_net_claim(&s, 1, "dq", &other));
  CHECK_EQ_INT(SUB_CLAIM_TAKEN, sub_net_claim(&s, 2, "dq", &other));
  CHECK_EQ_INT(1, other);
  CHECK_EQ_INT(SUB_CLAIM_OK, sub_net_claim(&s, 0, "xq", &other)); /* never alternated */

  /* kept in a file: a restart binds them again, for the endpoints still there */
  char dir[] = "/tmp/sub-net-test-XXXXXX", path[64];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/bindings", dir);
  CHECK_EQ_INT(0, sub_net_bindings_load(&s, path)); /* no file yet */
  CHECK_EQ_INT(0, sub_net_bindings_save(&s, path));
  sub_net_close(&s);
  char *eps2[] = {"tcp://127.0.0.1:9", "tcp://127.0.0.1:1"};
  CHECK_EQ_INT(0, sub_net_open(&s, eps2, 2, NULL, err, sizeof err));
  CHECK_EQ_INT(1, sub_net_bindings_load(&s, path)); /* xq at :1; :2 is gone */
  CHECK_EQ_INT(SUB_CLAIM_TAKEN, sub_net_claim(&s, 0, "xq", &other));
  CHECK_EQ_INT(1, other);
  CHECK_EQ_INT(SUB_CLAIM_BOUND, sub_net_claim(&s, 0, "dq", &other));
  sub_net_close(&s);
  unlink(path);
  rmdir(dir);

  /* given: nothing is learned */
  char *codes[] = {"xq", "dq", "au"}, *same[] = {"xq", "dq", "xq"};
  CHECK_EQ_INT(0, sub_net_open(&s, eps, 3, NULL, err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL, sub_net_bind_codes(&s, same, 3, err, sizeof err));
  CHECK_CONTAINS(err, "tcp://127.0.0.1:1 and tcp://127.0.0.1:3 are both configured as source xq");
  CHECK_EQ_INT(0, sub_net_bind_codes(&s, codes, 3, err, sizeof err));
  CHECK_EQ_INT(SUB_CLAIM_OTHER_CODE, sub_net_claim(&s, 2, "xq", &other));
  CHECK_EQ_INT(SUB_CLAIM_OTHER_CODE, sub_net_claim(&s, 2, "zz", &other));
  CHECK_EQ_INT(SUB_CLAIM_OK, sub_net_claim(&s, 2, "au", &other));
  sub_net_close(&s);
}

static void send2(void *s, const char *topic, const void *data, size_t len)
{
  zmq_send(s, topic, strlen(topic), ZMQ_SNDMORE);
  zmq_send(s, data, len, 0);
}

static void test_receive(void)
{
  void *ctx = zmq_ctx_new();
  void *pub = zmq_socket(ctx, ZMQ_XPUB);
  int zero = 0;
  zmq_setsockopt(pub, ZMQ_LINGER, &zero, sizeof zero);
  CHECK_EQ_INT(0, zmq_bind(pub, "tcp://127.0.0.1:*"));
  char ep[256];
  size_t eplen = sizeof ep;
  zmq_getsockopt(pub, ZMQ_LAST_ENDPOINT, ep, &eplen);

  sub_net net;
  char err[256];
  char *eps[] = {ep};
  CHECK_EQ_INT(0, sub_net_open(&net, eps, 1, "jf", err, sizeof err));
  /* wait for the subscription to reach the publisher */
  char subscription[64];
  int timeout = 5000;
  zmq_setsockopt(pub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  int got = zmq_recv(pub, subscription, sizeof subscription, 0);
  CHECK_EQ_INT(1 + 9, got);
  CHECK(got > 0 && subscription[0] == 1 && memcmp(subscription + 1, "rollup/jf", 9) == 0);

  Huibao__V1__Rollup r = HUIBAO__V1__ROLLUP__INIT;
  r.source = "xq";
  r.campaign = "jf";
  r.seq = 3;
  r.as_of_ms = 7;
  uint8_t buf[256];
  size_t len = huibao__v1__rollup__pack(&r, buf);
  send2(pub, "rollup/jf", "\x08\x01", 2);     /* malformed: required fields missing */
  send2(pub, "rollup/jfx", buf, len);         /* topic not its campaign */
  zmq_send(pub, "rollup/jf", 9, 0);           /* one frame only */
  zmq_send(pub, "rollup/jf", 9, ZMQ_SNDMORE); /* three frames */
  zmq_send(pub, buf, len, ZMQ_SNDMORE);
  zmq_send(pub, buf, len, 0);
  send2(pub, "rollup/jf", buf, len); /* the good one */

  size_t which = 99;
  Huibao__V1__Rollup *out = NULL;
  int rc = 0;
  for (int i = 0; i < 50 && rc == 0; i++)
    rc = sub_net_recv(&net, 100, &which, &out);
  CHECK_EQ_INT(1, rc);
  CHECK_EQ_INT(0, which);
  CHECK(out != NULL);
  if (out) {
    CHECK_EQ_STR("xq", out->source);
    CHECK_EQ_INT(3, out->seq);
    protobuf_c_message_free_unpacked(&out->base, NULL);
  }
  CHECK_EQ_INT(4, net.bad);
  CHECK_EQ_INT(0, sub_net_recv(&net, 50, &which, &out));
  sub_net_close(&net);
  zmq_close(pub);
  zmq_ctx_term(ctx);
}

int main(void)
{
  RUN(test_list);
  RUN(test_claim);
  RUN(test_receive);
  return test_summary();
}
