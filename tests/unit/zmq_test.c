/* Tests lib/hb_zmq.c: endpoint checks and options on real sockets. */
#include <zmq.h>

#include "hb_err.h"
#include "hb_zmq.h"
#include "test.h"

static void test_endpoints(void)
{
  char err[128];
  CHECK_EQ_INT(HB_OK, hb_zmq_endpoint_valid("tcp://127.0.0.1:5555", err, sizeof err));
  CHECK_EQ_INT(HB_OK, hb_zmq_endpoint_valid("tcp://*:5555", err, sizeof err));
  CHECK_EQ_INT(HB_OK, hb_zmq_endpoint_valid("ipc:///tmp/x", err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL, hb_zmq_endpoint_valid("tcp://127.0.0.1", err, sizeof err));
  CHECK_CONTAINS(err, "tcp://HOST:PORT");
  CHECK_EQ_INT(HB_EINVAL, hb_zmq_endpoint_valid("tcp://h:12a", err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL, hb_zmq_endpoint_valid("udp://h:1", err, sizeof err));
  CHECK_EQ_INT(HB_EINVAL, hb_zmq_endpoint_valid("", err, sizeof err));
}

/* DEALER -> ROUTER round trip over tcp loopback with the options applied. */
static void test_round_trip(void)
{
  void *ctx = zmq_ctx_new();
  void *router = zmq_socket(ctx, ZMQ_ROUTER);
  void *dealer = zmq_socket(ctx, ZMQ_DEALER);
  CHECK_EQ_INT(HB_OK, hb_zmq_common(router, 1 << 20, 1000, 3000));
  CHECK_EQ_INT(HB_OK, hb_zmq_router(router, 10000));
  CHECK_EQ_INT(HB_OK, hb_zmq_common(dealer, 1 << 20, 1000, 3000));
  CHECK_EQ_INT(HB_OK, hb_zmq_dealer(dealer));
  CHECK_EQ_INT(0, zmq_bind(router, "tcp://127.0.0.1:*"));
  char ep[256];
  size_t eplen = sizeof ep;
  zmq_getsockopt(router, ZMQ_LAST_ENDPOINT, ep, &eplen);
  CHECK_EQ_INT(0, zmq_connect(dealer, ep));
  int timeout = 5000;
  zmq_setsockopt(router, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  zmq_setsockopt(dealer, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
  /* IMMEDIATE: send blocks until connected; a short retry loop covers it. */
  CHECK_EQ_INT(5, zmq_send(dealer, "hello", 5, 0));
  char id[256], buf[16];
  int idlen = zmq_recv(router, id, sizeof id, 0);
  CHECK(idlen > 0);
  CHECK_EQ_INT(5, zmq_recv(router, buf, sizeof buf, 0));
  const void *frames[] = {id, "ack"};
  size_t lens[] = {(size_t)idlen, 3};
  CHECK_EQ_INT(0, hb_zmq_send_frames(router, frames, lens, 2, ZMQ_DONTWAIT));
  CHECK_EQ_INT(3, zmq_recv(dealer, buf, sizeof buf, 0));
  /* ROUTER_MANDATORY: an unknown peer is an error, not a silent drop. */
  const void *bad[] = {"nobody", "x"};
  size_t badlen[] = {6, 1};
  CHECK(hb_zmq_send_frames(router, bad, badlen, 2, ZMQ_DONTWAIT) < 0);
  zmq_close(dealer);
  zmq_close(router);
  zmq_ctx_term(ctx);
}

int main(void)
{
  RUN(test_endpoints);
  RUN(test_round_trip);
  return test_summary();
}
