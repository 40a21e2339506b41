/* hb-netem-queue: delay, reordering and a rate for the namespace test and
 * the poor-link benchmark, where the kernel has no sch_netem (tests only,
 * never installed).
 *
 *   hb-netem-queue --queue N [--delay MS] [--jitter MS] [--reorder PCT] [--seed S]
 *                  [--rate KBIT [--limit BYTES]]
 *
 * Takes the packets an nftables rule sends to NFQUEUE N (`queue num N`),
 * holds each one for DELAY +- JITTER ms (uniform, from the seed), sends
 * PCT percent of them at once instead (as netem's "reorder" does), and
 * accepts each when its time is up: packets held for different times leave
 * out of order. Only metadata is copied to user space; packets are never
 * changed. Loss and duplication are left to nft (numgen, dup).
 *
 * With --rate KBIT the queue is also a link of KBIT kbit/s (as netem's
 * "rate"): packets leave one after the other, each taking its length x 8 /
 * rate on the link, then the delay; a packet that would find more than
 * --limit BYTES (default 32768) waiting for the link is dropped (a router's
 * tail drop). For the length the first 64 bytes are copied (IP total
 * length) and GSO packets are segmented by the kernel first.
 *
 * Prints "ready" once the queue is bound (add the nft rule after that: a
 * queue nobody listens to drops everything). SIGUSR1 prints the counts;
 * SIGTERM or SIGINT accepts everything still held, prints the counts and
 * exits 0:
 *   netem_queue N: P packets, D delayed (mean M ms), I at once,
 *                  R reordered, H held at most, O lost to overflow
 * Exit 1 when the queue cannot be bound, 64 on bad arguments. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
/* netinet/in.h (through arpa/inet.h) before any linux/ header: the other
 * order redefines struct in_addr. */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <linux/netlink.h>
#include <libnetfilter_queue/libnetfilter_queue.h>

#define QUEUE_MAXLEN 8192
#define HELD_MAX QUEUE_MAXLEN

typedef struct held {
  int64_t due_us;
  uint32_t id;
} held;

typedef struct netem {
  struct nfq_q_handle *qh;
  unsigned queue;
  int64_t delay_us, jitter_us;
  unsigned reorder_pct;
  uint64_t rng;
  held heap[HELD_MAX]; /* min-heap on due_us */
  size_t nheld, max_held;
  uint64_t packets, delayed, at_once, reordered, overflow, delay_sum_us, verdict_errors;
  int64_t rate_bps, limit_bytes, link_free_us; /* --rate: when the link is free again */
  uint64_t rate_bytes, tail_drops;
  uint32_t max_sent_id;
  int any_sent;
} netem;

static volatile sig_atomic_t stop_flag, report_flag;

static void on_stop(int sig)
{
  (void)sig;
  stop_flag = 1;
}

static void on_report(int sig)
{
  (void)sig;
  report_flag = 1;
}

static int64_t now_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* splitmix64: the same seed gives the same delays for the same packets. */
static uint64_t rng_next(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void heap_push(netem *n, held h)
{
  size_t i = n->nheld++;
  while (i > 0 && n->heap[(i - 1) / 2].due_us > h.due_us) {
    n->heap[i] = n->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  n->heap[i] = h;
  if (n->nheld > n->max_held)
    n->max_held = n->nheld;
}

static held heap_pop(netem *n)
{
  held top = n->heap[0], last = n->heap[--n->nheld];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n->nheld)
      break;
    if (c + 1 < n->nheld && n->heap[c + 1].due_us < n->heap[c].due_us)
      c++;
    if (n->heap[c].due_us >= last.due_us)
      break;
    n->heap[i] = n->heap[c];
    i = c;
  }
  if (n->nheld)
    n->heap[i] = last;
  return top;
}

/* Accepts packet id; a packet leaving after one queued later was reordered. */
static void release(netem *n, uint32_t id)
{
  if (nfq_set_verdict(n->qh, id, NF_ACCEPT, 0, NULL) < 0)
    n->verdict_errors++;
  if (n->any_sent && id < n->max_sent_id)
    n->reordered++;
  if (!n->any_sent || id > n->max_sent_id)
    n->max_sent_id = id;
  n->any_sent = 1;
}

/* The IP length of a queued packet (its first bytes were copied). */
static int64_t packet_len(struct nfq_data *nfa)
{
  unsigned char *p = NULL;
  int n = nfq_get_payload(nfa, &p);
  if (n >= 20 && (p[0] >> 4) == 4)
    return ((int64_t)p[2] << 8) | p[3];
  if (n >= 40 && (p[0] >> 4) == 6)
    return 40 + (((int64_t)p[4] << 8) | p[5]);
  return n > 0 ? n : 1500;
}

/* --rate: the time (us from now) the packet has finished crossing the link,
 * or -1 when the link's queue is full (tail drop). */
static int64_t link_time(netem *n, struct nfq_data *nfa, int64_t now)
{
  int64_t len = packet_len(nfa);
  if (n->link_free_us < now)
    n->link_free_us = now;
  int64_t waiting = (n->link_free_us - now) * n->rate_bps / 8000000;
  if (waiting + len > n->limit_bytes)
    return -1;
  n->link_free_us += len * 8 * 1000000 / n->rate_bps;
  n->rate_bytes += (uint64_t)len;
  return n->link_free_us - now;
}

static int on_packet(struct nfq_q_handle *qh, struct nfgenmsg *msg, struct nfq_data *nfa, void *arg)
{
  (void)qh;
  (void)msg;
  netem *n = arg;
  struct nfqnl_msg_packet_hdr *ph = nfq_get_msg_packet_hdr(nfa);
  if (!ph)
    return 0;
  uint32_t id = ntohl(ph->packet_id);
  n->packets++;
  int64_t d = n->delay_us;
  if (n->jitter_us > 0)
    d += (int64_t)(rng_next(&n->rng) % (uint64_t)(2 * n->jitter_us + 1)) - n->jitter_us;
  if (d < 0)
    d = 0;
  if (n->rate_bps > 0) {
    int64_t now = now_us(), t = n->nheld == HELD_MAX ? -1 : link_time(n, nfa, now);
    if (t < 0) {
      n->tail_drops++;
      if (nfq_set_verdict(n->qh, id, NF_DROP, 0, NULL) < 0)
        n->verdict_errors++;
      return 0;
    }
    n->delayed++;
    n->delay_sum_us += (uint64_t)(d + t);
    heap_push(n, (held){now + d + t, id});
    return 0;
  }
  if (rng_next(&n->rng) % 100 < n->reorder_pct || d == 0 || n->nheld == HELD_MAX) {
    n->at_once++;
    release(n, id);
    return 0;
  }
  n->delayed++;
  n->delay_sum_us += (uint64_t)d;
  heap_push(n, (held){now_us() + d, id});
  return 0;
}

static void release_due(netem *n, int64_t now)
{
  while (n->nheld && n->heap[0].due_us <= now)
    release(n, heap_pop(n).id);
}

static void report(const netem *n)
{
  printf("netem_queue %u: %llu packets, %llu delayed (mean %.1f ms), %llu at once, "
         "%llu reordered, %zu held at most, %llu lost to overflow",
         n->queue, (unsigned long long)n->packets, (unsigned long long)n->delayed,
         n->delayed ? (double)n->delay_sum_us / (double)n->delayed / 1000.0 : 0.0,
         (unsigned long long)n->at_once, (unsigned long long)n->reordered, n->max_held,
         (unsigned long long)n->overflow);
  if (n->rate_bps > 0)
    printf(", %llu bytes through the link, %llu tail drops", (unsigned long long)n->rate_bytes,
           (unsigned long long)n->tail_drops);
  if (n->verdict_errors)
    printf(", %llu verdicts failed", (unsigned long long)n->verdict_errors);
  printf("\n");
  fflush(stdout);
}

static int usage(void)
{
  fputs("usage: hb-netem-queue --queue N [--delay MS] [--jitter MS] [--reorder PCT] "
        "[--seed S] [--rate KBIT [--limit BYTES]]\n",
        stderr);
  return 64;
}

static int parse_ms(const char *s, int64_t *us)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || *end || v < 0 || v > 60000)
    return -1;
  *us = (int64_t)(v * 1000.0);
  return 0;
}

static void signals_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop; /* no SA_RESTART: poll returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_report;
  sigaction(SIGUSR1, &sa, NULL);
}

/* Binds queue n->queue: metadata only, whole GSO packets (never segmented
 * for us), a long queue. */
static struct nfq_handle *queue_open(netem *n)
{
  struct nfq_handle *h = nfq_open();
  if (!h) {
    perror("hb-netem-queue: nfq_open");
    return NULL;
  }
  n->qh = nfq_create_queue(h, (uint16_t)n->queue, on_packet, n);
  if (!n->qh) {
    fprintf(stderr, "hb-netem-queue: cannot bind queue %u: %s\n", n->queue, strerror(errno));
    nfq_close(h);
    return NULL;
  }
  int mode = n->rate_bps > 0 ? NFQNL_COPY_PACKET : NFQNL_COPY_META;
  if (nfq_set_mode(n->qh, (uint8_t)mode, n->rate_bps > 0 ? 64 : 0) < 0 ||
      nfq_set_queue_maxlen(n->qh, QUEUE_MAXLEN) < 0) {
    fprintf(stderr, "hb-netem-queue: cannot configure queue %u: %s\n", n->queue, strerror(errno));
    nfq_destroy_queue(n->qh);
    nfq_close(h);
    return NULL;
  }
  if (n->rate_bps == 0) /* a rate needs the length of each packet on the wire: segmented */
    nfq_set_queue_flags(n->qh, NFQA_CFG_F_GSO, NFQA_CFG_F_GSO); /* older kernels: segmented */
  int one = 1;
  setsockopt(nfq_fd(h), SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof one);
  return h;
}

/* Reads every queued packet message that is waiting; returns -1 on a
 * socket error other than "nothing more" or an overflow. */
static int queue_read(netem *n, struct nfq_handle *h)
{
  static char buf[65536] __attribute__((aligned));
  for (;;) {
    ssize_t r = recv(nfq_fd(h), buf, sizeof buf, MSG_DONTWAIT);
    if (r > 0) {
      nfq_handle_packet(h, buf, (int)r);
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
      return 0;
    if (r < 0 && errno == ENOBUFS) {
      n->overflow++;
      continue;
    }
    fprintf(stderr, "hb-netem-queue: recv: %s\n", r == 0 ? "closed" : strerror(errno));
    return -1;
  }
}

int main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"queue", required_argument, NULL, 'q'},  {"delay", required_argument, NULL, 'd'},
      {"jitter", required_argument, NULL, 'j'}, {"reorder", required_argument, NULL, 'r'},
      {"seed", required_argument, NULL, 's'},   {"rate", required_argument, NULL, 'R'},
      {"limit", required_argument, NULL, 'L'},  {NULL, 0, NULL, 0}};
  static netem n;
  long queue = -1;
  n.rng = 1;
  for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
    char *end = NULL;
    switch (c) {
    case 'q': queue = strtol(optarg, &end, 10); break;
    case 'd':
      if (parse_ms(optarg, &n.delay_us))
        return usage();
      break;
    case 'j':
      if (parse_ms(optarg, &n.jitter_us))
        return usage();
      break;
    case 'r': n.reorder_pct = (unsigned)strtoul(optarg, &end, 10); break;
    case 's': n.rng = strtoull(optarg, &end, 10); break;
    case 'R': n.rate_bps = strtoll(optarg, &end, 10) * 1000; break;
    case 'L': n.limit_bytes = strtoll(optarg, &end, 10); break;
    default: return usage();
    }
    if (end && *end)
      return usage();
  }
  if (optind != argc || queue < 0 || queue > 65535 || n.reorder_pct > 100 || n.rate_bps < 0 ||
      n.rate_bps > 10000000000LL || n.limit_bytes < 0)
    return usage();
  if (n.limit_bytes == 0)
    n.limit_bytes = 32768;
  n.queue = (unsigned)queue;

  /* 1. Bind the queue, then say so: the caller adds its nft rule now. */
  signals_install();
  struct nfq_handle *h = queue_open(&n);
  if (!h)
    return 1;
  printf("ready\n");
  fflush(stdout);

  /* 2. Take packets in, let them out when due, until told to stop. */
  int rc = 0;
  while (!stop_flag) {
    if (report_flag) {
      report_flag = 0;
      report(&n);
    }
    int64_t now = now_us();
    release_due(&n, now);
    int timeout = 200;
    if (n.nheld) {
      int64_t wait = (n.heap[0].due_us - now + 999) / 1000;
      timeout = wait < timeout ? (int)wait : timeout;
    }
    struct pollfd pfd = {nfq_fd(h), POLLIN, 0};
    int p = poll(&pfd, 1, timeout);
    if (p < 0 && errno != EINTR) {
      perror("hb-netem-queue: poll");
      rc = 1;
      break;
    }
    if (p > 0 && queue_read(&n, h) != 0) {
      rc = 1;
      break;
    }
  }

  /* 3. Let everything still held go, report, unbind. */
  while (n.nheld)
    release(&n, heap_pop(&n).id);
  report(&n);
  nfq_destroy_queue(n.qh);
  nfq_close(h);
  return rc;
}
