/* hb-flood: a hostile but authenticated peer, for tests only.
 *
 *   hb-flood --connect EP --key FILE --county-key FILE [--count N] [--seed S]
 *
 * Sends N messages of garbage to a county's ROUTER over CURVE: random
 * bytes of random length, truncated and bit-flipped copies of a valid
 * Submit, empty messages, multi-frame messages, and one message over
 * ZMQ_MAXMSGSIZE (the county must disconnect it). Prints how many it sent
 * and how many answers came back. Exit 0 unless it could not start. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hb_cert.h"
#include "hb_wire.h"
#include "hb_zap.h"

static uint32_t rng_state = 1;
static uint32_t rnd(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

/* A valid one-record Submit of unit "x", packed into buf. */
static size_t valid_submit(uint8_t *buf, size_t cap)
{
  Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
  a.unit = "x";
  a.id = "A1";
  a.version = 1;
  a.campaign = "c";
  Huibao__V1__Record r = HUIBAO__V1__RECORD__INIT;
  r.seq = 1;
  r.body_case = HUIBAO__V1__RECORD__BODY_ACTIVITY;
  r.activity = &a;
  Huibao__V1__Record *rs[] = {&r};
  Huibao__V1__Submit s = HUIBAO__V1__SUBMIT__INIT;
  s.batch_id = 7;
  s.unit = "x";
  s.n_records = 1;
  s.records = rs;
  size_t n = huibao__v1__submit__get_packed_size(&s);
  return n <= cap ? huibao__v1__submit__pack(&s, buf) : 0;
}

int main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"connect", required_argument, NULL, 'c'},    {"key", required_argument, NULL, 'k'},
      {"county-key", required_argument, NULL, 'K'}, {"count", required_argument, NULL, 'n'},
      {"seed", required_argument, NULL, 's'},       {NULL, 0, NULL, 0}};
  const char *ep = NULL, *keyf = NULL, *countyf = NULL;
  long count = 1000;
  int c;
  while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (c == 'c')
      ep = optarg;
    else if (c == 'k')
      keyf = optarg;
    else if (c == 'K')
      countyf = optarg;
    else if (c == 'n')
      count = atol(optarg);
    else if (c == 's')
      rng_state = (uint32_t)atol(optarg) | 1;
    else
      return 64;
  }
  if (!ep)
    return 64;
  hb_cert key, county;
  hb_diags d;
  hb_diags_init(&d);
  if (keyf && (hb_cert_read(keyf, 1, &key, &d) || hb_cert_read(countyf, 0, &county, &d))) {
    hb_diags_write(&d, stderr);
    return 78;
  }
  hb_diags_free(&d);
  void *ctx = zmq_ctx_new();
  void *s = zmq_socket(ctx, ZMQ_DEALER);
  int linger = 0, hwm = 100000;
  zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(s, ZMQ_SNDHWM, &hwm, sizeof hwm);
  if (keyf)
    hb_zap_client_socket(s, &key, county.public_key);
  if (zmq_connect(s, ep) != 0)
    return 70;

  static uint8_t buf[1 << 16], good[256];
  size_t goodlen = valid_submit(good, sizeof good);
  long sent = 0, answers = 0;
  for (long i = 0; i < count; i++) {
    size_t len;
    int kind = (int)(rnd() % 6);
    if (kind == 0) { /* random bytes */
      len = rnd() % sizeof buf;
      for (size_t j = 0; j < len; j++)
        buf[j] = (uint8_t)rnd();
    } else if (kind == 1) { /* truncated Submit */
      len = goodlen ? rnd() % goodlen : 0;
      memcpy(buf, good, len);
    } else if (kind == 2) { /* bit-flipped Submit */
      memcpy(buf, good, goodlen);
      len = goodlen;
      for (int f = 0; f < 3 && len; f++)
        buf[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
    } else if (kind == 3) { /* empty */
      len = 0;
    } else if (kind == 4) { /* two frames */
      if (zmq_send(s, good, goodlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) >= 0)
        sent++;
      memcpy(buf, good, goodlen);
      len = goodlen;
    } else { /* a valid Submit for unit "x", which the key does not own */
      memcpy(buf, good, goodlen);
      len = goodlen;
    }
    if (zmq_send(s, buf, len, ZMQ_DONTWAIT) >= 0)
      sent++;
    char ack[4096];
    while (zmq_recv(s, ack, sizeof ack, ZMQ_DONTWAIT) >= 0)
      answers++;
  }
  /* Over ZMQ_MAXMSGSIZE: the county drops the connection. */
  size_t big = HB_WIRE_MAXMSGSIZE + 1024;
  uint8_t *huge = calloc(1, big);
  if (huge && zmq_send(s, huge, big, ZMQ_DONTWAIT) >= 0)
    sent++;
  free(huge);
  for (int w = 0; w < 20; w++) {
    char ack[4096];
    zmq_pollitem_t pi = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&pi, 1, 100) <= 0)
      continue;
    while (zmq_recv(s, ack, sizeof ack, ZMQ_DONTWAIT) >= 0)
      answers++;
  }
  printf("flood: sent %ld messages, %ld answers\n", sent, answers);
  zmq_close(s);
  zmq_ctx_term(ctx);
  return 0;
}
