/* bench-redis: the same records into a Redis Stream, durably acknowledged.
 *
 *   bench-redis --port P [--records N] [--window W]
 *
 * XADD huibao * r <packed Record> over hiredis, pipelined with W commands
 * in flight (default 1000, as the limit program). The server is started by
 * run.sh with appendonly yes and appendfsync always: Redis then writes and
 * fsyncs the AOF before it answers a batch of commands, so a reply means
 * stored. Prints one JSON line: records, seconds, records/s. */
#include <getopt.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bench_rec.h"

int main(int argc, char **argv)
{
  int port = 0, window = 1000;
  unsigned long long records = 100000;
  static const struct option lo[] = {
      {"port", 1, 0, 'p'}, {"records", 1, 0, 'n'}, {"window", 1, 0, 'w'}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
    if (c == 'p')
      port = atoi(optarg);
    else if (c == 'n')
      records = strtoull(optarg, NULL, 10);
    else if (c == 'w')
      window = atoi(optarg);
    else
      return 64;
  }
  if (!port || !records || window < 1) {
    fprintf(stderr, "usage: bench-redis --port P [--records N] [--window W]\n");
    return 64;
  }
  redisContext *rc = redisConnect("127.0.0.1", port);
  if (!rc || rc->err) {
    fprintf(stderr, "bench-redis: connect: %s\n", rc ? rc->errstr : "out of memory");
    return 1;
  }
  redisReply *rep = redisCommand(rc, "DEL huibao");
  freeReplyObject(rep);
  bench_rec_spec spec = {"t01", "zhuti-2023", "theory", 1};
  uint8_t buf[1024];
  unsigned long long sent = 0, acked = 0;
  uint64_t t0 = bench_now_ns();
  while (acked < records) {
    while (sent < records && sent - acked < (unsigned long long)window) {
      size_t n = bench_rec_pack(&spec, sent, buf, sizeof buf);
      redisAppendCommand(rc, "XADD huibao * r %b", buf, n);
      sent++;
    }
    void *r;
    if (redisGetReply(rc, &r) != REDIS_OK) {
      fprintf(stderr, "bench-redis: %s\n", rc->errstr);
      return 1;
    }
    if (((redisReply *)r)->type == REDIS_REPLY_ERROR) {
      fprintf(stderr, "bench-redis: XADD: %s\n", ((redisReply *)r)->str);
      return 1;
    }
    freeReplyObject(r);
    acked++;
  }
  double secs = (double)(bench_now_ns() - t0) / 1e9;
  rep = redisCommand(rc, "XLEN huibao");
  long long len = rep && rep->type == REDIS_REPLY_INTEGER ? rep->integer : -1;
  freeReplyObject(rep);
  redisFree(rc);
  printf("{\"records\": %llu, \"secs\": %.4f, \"rate\": %.0f, \"stored\": %lld}\n", acked, secs,
         (double)acked / secs, len);
  return len == (long long)records ? 0 : 1;
}
