/* fuzz_delta: what a publisher sends on the delta topics (issue 17), at the
 * city: a sequence of messages, each [1 byte: 0 a RollupDelta on
 * "state/<campaign>", 1 a RollupBeat on "tick", 2 a quiet beat on "tock"
 * (bit 1 beyond bit 0: seeds made before it say 0 or 1)][2 bytes little-endian:
 * length][the message], handed to sub_netd_handle in order (a full state,
 * then deltas against it, beats); every Rollup it queues is taken. The
 * campaign of a delta's topic is "nengli-2022" (the sample county's, as the
 * seeds: fuzz/make_delta_seeds.py). */
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "net_delta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static void *ctx, *sock; /* for the subscriptions that ask for a full state */
  if (!ctx) {
    ctx = zmq_ctx_new();
    sock = zmq_socket(ctx, ZMQ_SUB);
  }
  sub_netd *d = sub_netd_open(sock, NULL);
  if (!d)
    return 0;
  size_t gaps = 0;
  int64_t now = 0;
  while (size >= 3) {
    int beat = data[0] & 3;
    size_t len = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (len > size)
      len = size;
    const char *topic = beat == 0 ? "state/nengli-2022" : beat == 2 ? "tock" : "tick";
    (void)sub_netd_handle(d, sock, topic, beat ? 4 : 17, data, len, now, &gaps);
    sub_netd_tick(d, sock, now + 400);
    now += 400;
    data += len;
    size -= len;
    Huibao__V1__Rollup *r;
    while (sub_netd_pop(d, &r) == 1)
      protobuf_c_message_free_unpacked(&r->base, NULL);
  }
  sub_netd_free(d);
  return 0;
}
