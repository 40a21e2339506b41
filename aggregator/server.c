/* server.c: the poll loop: drain the ROUTER into one transaction, ack,
 * publish; signals set flags that the loop acts on. */
#include "server.h"

#include "hb_cert.h"
#include "hb_zap.h"
#include "detail.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <zmq.h>
#include "hb_date.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_log.h"
#include "hb_wire.h"
#include "hb_zmq.h"
#include "hb_notify.h"
#include "console.h"
#include "ingest.h"
#include "ingest_sign.h"
#include "metrics.h"
#include "pipeline.h"
#include "hb_rollup.h"
#include "store.h"
#include "store_review.h"

#define DRAIN_MAX_MSGS 1000
/* One drain is decoded whole before its commit: 2 MB of Submits (~10,000
 * records) keeps that memory (the raw Submits, their decoded records and
 * LMDB's dirty pages) near 30 MB during a catch-up, while one fsync still
 * covers thousands of records (docs/performance.md: 8 MB gave 46-70 MB and
 * no more throughput). */
#define DRAIN_MAX_BYTES (2u * 1024 * 1024)
/* With the pipeline two drains are in flight (one decoded while the other
 * is stored): each may hold half of DRAIN_MAX_BYTES and decompress half of
 * INGEST_INFLATE_MAX, so the county holds what one drain held before
 * (bench row 5f': ~42 MB with two whole drains against ~31 MB, 2026-12-04). */
#define PIPELINE_SHARE 2
/* A drain smaller than DRAIN_GATHER_ENOUGH bytes is not committed sooner
 * than DRAIN_GATHER_US after the previous one began: it sleeps until then
 * and takes what arrived meanwhile. At a steady trickle one commit (one
 * fsync, the dominant cost) then covers many Submits and the thread wakes
 * once per commit, not once per message; an ack waits at most about
 * DRAIN_GATHER_US plus one commit; a lone Submit after a quiet spell is
 * committed at once (docs/performance.md). */
#define DRAIN_GATHER_US 8000
#define DRAIN_GATHER_ENOUGH (64u * 1024)
/* Submits queued in libzmq per agent connection before it stops reading
 * that connection: the rest of an agent's window waits in the kernel's
 * socket buffers, so the county's own memory does not grow with the number
 * of agents times their windows. (Inbound ROUTER pipes never drop.) Never 1:
 * libzmq 4.3.4 aborts (!_io_error, stream_engine_base.cpp:331) on the first
 * CURVE handshake with a receive HWM of 1; 2 passed every integration test
 * and kill -9 of agents in mid catch-up (docs/performance.md). */
#define ROUTER_RCVHWM 2
/* After this many bytes of Submits, the first idle moment returns the
 * freed heap to the system (glibc keeps it otherwise: a catch-up would
 * leave the county holding its peak memory for good). */
#define TRIM_AFTER_BYTES (32u * 1024 * 1024)
#define DRAIN_MAX_FRAMES 4
#define IMPERSONATION_LOG_MAX 5
#define ROUTER_HWM_PER_UNIT 1000
#define NET_HEARTBEAT_MS 5000
#define READER_CHECK_MS 60000 /* stale LMDB readers pin pages: clear them this often */
#define EXTERNAL_CHECK_MS 250 /* how soon a change by `huibao-aggregator admin` is seen */

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_stop(int sig)
{
  (void)sig;
  stop_flag = 1;
}

static void on_hup(int sig)
{
  (void)sig;
  reload_flag = 1;
}

static void signals_install(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_stop; /* no SA_RESTART: zmq_poll returns EINTR */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sa.sa_handler = on_hup;
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

int server_load_inputs(const agg_config *cfg, hb_units *u, hb_campaigns *c, FILE *diag_out)
{
  hb_diags d;
  hb_diags_init(&d);
  memset(u, 0, sizeof *u);
  memset(c, 0, sizeof *c);
  int ru = hb_units_load(cfg->units, u, &d);
  if (ru == 0 && u->count == 0)
    hb_diags_add(&d, cfg->units, 0, NULL, "no units");
  int rcmp = hb_campaigns_load(cfg->campaigns, c, &d);
  if (rcmp == 0 && c->count == 0)
    hb_diags_add(&d, cfg->campaigns, 0, NULL, "no campaigns");
  int rc = (ru != 0 || rcmp != 0 || d.count) ? HB_EINVAL : 0;
  if (rc != 0 && diag_out) {
    if (d.count == 0)
      fprintf(diag_out, "%s / %s: %s\n", cfg->units, cfg->campaigns, hb_strerror(ru ? ru : rcmp));
    hb_diags_write(&d, diag_out);
  }
  hb_diags_free(&d);
  return rc;
}

/* --check-config of the CURVE settings: the secret cert and both key
 * folders must be readable and valid. Prints every problem; returns 0 or -1. */
static int check_keys(const agg_config *cfg)
{
  hb_diags d;
  hb_diags_init(&d);
  int bad = 0;
  hb_cert cert;
  if (cfg->secret && hb_cert_read(cfg->secret, 1, &cert, &d) != HB_OK)
    bad = 1;
  const char *dirs[] = {cfg->keys, cfg->subscriber_keys, cfg->detail_keys};
  for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
    if (!dirs[i])
      continue;
    hb_keyring ring;
    if (hb_keyring_load(dirs[i], &ring, &d) != HB_OK)
      bad = 1;
    hb_keyring_free(&ring);
  }
  hb_diags_write(&d, stderr);
  hb_diags_free(&d);
  memset(&cert, 0, sizeof cert);
  return bad ? -1 : 0;
}

int server_check_config(const agg_config *cfg)
{
  char err[512];
  int bad = 0;
  if (config_check(cfg, err, sizeof err) != 0) {
    fprintf(stderr, "huibao-aggregator: %s\n", err);
    bad = 1;
  }
  if (cfg->units && cfg->campaigns) {
    hb_units u;
    hb_campaigns c;
    if (server_load_inputs(cfg, &u, &c, stderr) != 0)
      bad = 1;
    hb_units_free(&u);
    hb_campaigns_free(&c);
  }
  if (!cfg->insecure && check_keys(cfg) != 0)
    bad = 1;
  if (!bad)
    printf("configuration OK\n");
  return bad ? EX_CONFIG : 0;
}

typedef struct in_msg {
  zmq_msg_t frames[DRAIN_MAX_FRAMES];
  int nframes;
} in_msg;

/* One drain on its way: received, then decoded, then stored and acked.
 * Two alternate (issue 17): the next one is decoded while this one is
 * stored. */
typedef struct stage {
  in_msg *msgs;
  ingest_item *items;
  size_t n;
  hb_arena *arena; /* its Submits are unpacked here (ingest.h) */
  ingest_drain *d; /* decoded, not stored yet (pending) */
  bool pending;
} stage;

typedef struct server {
  const agg_config *cfg;
  void *ctx, *router;
  store *st;
  hb_units units;
  hb_campaigns campaigns;
  char *code, *name;
  hb_publisher *pub;
  stage stages[2];
  int free_stage; /* the stage the next drain is received into; the other may be pending */
  pipeline *pipe; /* the decoding thread; NULL: --no-pipeline (or it could not start) */
  ingest_stats stats;
  int64_t last_full_log_ms;
  uint64_t acks_dropped;
  size_t untrimmed;          /* bytes drained since the last malloc_trim */
  int64_t last_batch_us;     /* monotonic time the last drain's batch began */
  hb_cert cert;              /* the county's own key pair (CURVE), unless insecure */
  hb_zap *zap;               /* authenticates agents (the cities: pub's own) */
  console *con;              /* --console: the review console (issue 14), or NULL */
  hb_sign_registry *signers; /* issue 15: the units' public signing keys (ingest_sign.h) */
  agg_detail *detail; /* --detail: the history for the cities' replicas (issue 15), or NULL */
} server;

static void on_zap_refuse(void *arg, const char *domain, const char *address, const char *reason)
{
  (void)arg;
  (void)domain;
  hb_log_warn("refused an agent connection from %s: %s", address, reason);
}

/* keys_load's answer when one public key is installed for two units (or
 * cities): whoever holds it could report for either, so the keyring is not
 * used (at start-up: exit 78; on SIGHUP: the old keys stay). */
#define KEYS_SHARED 1

/* Names, in msg, the first two entries of ring with the same public key
 * (the ring is sorted by key). Returns 1 if there are any. */
static int keys_shared(const char *dir, const hb_keyring *ring, char *msg, size_t len)
{
  for (size_t i = 1; i < ring->count; i++)
    if (strcmp(ring->items[i - 1].public_key, ring->items[i].public_key) == 0) {
      snprintf(msg, len,
               "%s: %s.key and %s.key hold the same public key: one key may belong to one unit "
               "only (remove or replace one of them)",
               dir, ring->items[i - 1].code, ring->items[i].code);
      return 1;
    }
  return 0;
}

/* Loads one keyring folder, logging its bad files. Returns HB_OK or
 * HB_EINVAL (bad files left out) with *ring to be handed on; KEYS_SHARED
 * (logged, *ring empty) when one key is there for two codes; else the
 * error of hb_keyring_load (*ring is empty: whoever holds keys keeps the
 * ones it had; at start-up none, so nobody can connect). */
static int keys_load(const char *dir, const char *domain, hb_keyring *ring)
{
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_keyring_load(dir, ring, &d);
  hb_log_diags(HB_LOG_ERR, &d);
  hb_diags_free(&d);
  if (rc != HB_OK && rc != HB_EINVAL) {
    hb_keyring_free(ring);
    return rc;
  }
  char msg[600];
  if (keys_shared(dir, ring, msg, sizeof msg)) {
    hb_log_err("%s", msg);
    hb_keyring_free(ring);
    return KEYS_SHARED;
  }
  hb_log_info("%s: %zu keys for %s", dir, ring->count, domain);
  return rc;
}

/* Receives one whole multipart message; frames beyond DRAIN_MAX_FRAMES are
 * dropped and the message marked bad (nframes = 0). Returns 0, or -1 with
 * errno (EAGAIN when nothing is waiting). */
static int recv_message(void *sock, in_msg *m)
{
  m->nframes = 0;
  int bad = 0;
  for (;;) {
    zmq_msg_t f;
    zmq_msg_init(&f);
    if (zmq_msg_recv(&f, sock, m->nframes == 0 && !bad ? ZMQ_DONTWAIT : 0) < 0) {
      int e = errno;
      zmq_msg_close(&f);
      for (int i = 0; i < m->nframes; i++)
        zmq_msg_close(&m->frames[i]);
      m->nframes = 0;
      errno = e;
      return -1;
    }
    int more = zmq_msg_more(&f);
    if (m->nframes < DRAIN_MAX_FRAMES && !bad)
      m->frames[m->nframes++] = f;
    else {
      zmq_msg_close(&f);
      bad = 1;
    }
    if (!more)
      break;
  }
  if (bad || m->nframes < 2) {
    for (int i = 0; i < m->nframes; i++)
      zmq_msg_close(&m->frames[i]);
    m->nframes = 0;
  }
  return 0;
}

static void send_ack(server *s, in_msg *m, const ingest_item *it)
{
  if (!it->ack)
    return;
  for (int i = 0; i < m->nframes - 1; i++) {
    if (zmq_send(s->router, zmq_msg_data(&m->frames[i]), zmq_msg_size(&m->frames[i]),
                 ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
      goto dropped;
  }
  if (zmq_send(s->router, it->ack, it->acklen, ZMQ_DONTWAIT) < 0)
    goto dropped;
  agg_metrics_ack(true);
  return;
dropped:
  agg_metrics_ack(false);
  /* EHOSTUNREACH / EAGAIN: the agent resends from its outbox */
  s->acks_dropped++;
  hb_log_debug("ack not sent: %s", zmq_strerror(errno));
}

static int64_t mono_us(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* After a committed batch: the campaigns it changed go out again. */
static void publish_changed(server *s)
{
  const char *const *ids;
  size_t nc = store_changed(s->st, &ids);
  int64_t now = hb_time_mono_ms();
  for (size_t i = 0; i < nc; i++)
    (void)hb_publisher_mark(s->pub, ids[i], now); /* out of memory: the heartbeat sends it */
}

static void store_stage(server *s, stage *g);

/* Stores and acks the drain decoded last, if it waits (issue 17). After
 * this the units, campaigns and keys may change: no drain holds a
 * decoding of them and the decoding thread is idle. */
static void flush(server *s)
{
  stage *g = &s->stages[!s->free_stage];
  if (g->pending) {
    g->pending = false;
    store_stage(s, g);
  }
}

/* Receives one drain into g (at most DRAIN_MAX_MSGS, DRAIN_MAX_BYTES or its share);
 * returns how many messages. */
static size_t receive(server *s, stage *g)
{
  size_t n = 0, bytes = 0;
  int gathered = 0;
  size_t max_bytes = s->pipe ? DRAIN_MAX_BYTES / PIPELINE_SHARE : DRAIN_MAX_BYTES;
  while (n < DRAIN_MAX_MSGS && bytes < max_bytes) {
    if (recv_message(s->router, &g->msgs[n]) != 0) {
      if (errno != EAGAIN || gathered || bytes >= DRAIN_GATHER_ENOUGH)
        break;
      gathered = 1;
      flush(s); /* the wait below: the last drain's commit first, its acks wait no longer */
      int64_t wait = s->last_batch_us + DRAIN_GATHER_US - mono_us();
      if (wait > 0) {
        struct timespec gather = {0, (long)wait * 1000L};
        nanosleep(&gather, NULL);
      }
      continue;
    }
    if (g->msgs[n].nframes == 0)
      continue; /* malformed envelope: no way to answer */
    bytes += zmq_msg_size(&g->msgs[n].frames[g->msgs[n].nframes - 1]);
    n++;
  }
  s->untrimmed += bytes;
  return n;
}

/* One drain: received into the free stage and decoded (on the pipeline's
 * thread while the drain before it is stored and acked here), then left
 * pending for the next drain or flush; without the pipeline, decoded and
 * stored at once. The store is the main thread's: LMDB's write
 * transaction belongs to the thread that began it, and drains are stored
 * in the order they were received. */
static void drain(server *s)
{
  stage *g = &s->stages[s->free_stage];
  size_t n = receive(s, g);
  if (n == 0)
    return;
  g->n = n;
  s->last_batch_us = mono_us();
  for (size_t i = 0; i < n; i++) {
    zmq_msg_t *payload = &g->msgs[i].frames[g->msgs[i].nframes - 1];
    g->items[i].data = zmq_msg_data(payload);
    g->items[i].len = zmq_msg_size(payload);
    /* Under CURVE a message without a User-Id must not skip the unit
     * check: "" matches no unit, so the batch is refused (fail closed). */
    const char *uid = s->zap ? zmq_msg_gets(payload, "User-Id") : NULL;
    g->items[i].user_id = s->zap ? (uid ? uid : "") : NULL;
  }
  ingest_ctx c = {s->st,
                  &s->units,
                  &s->campaigns,
                  hb_date_today(),
                  hb_time_now_ms() / 1000,
                  s->signers,
                  s->cfg->require_signatures,
                  g->arena,
                  s->cfg->no_zstd_submits,
                  s->pipe ? INGEST_INFLATE_MAX / PIPELINE_SHARE : INGEST_INFLATE_MAX};
  if (!s->pipe) {
    (void)ingest_decode(&c, g->items, n, &g->d); /* NULL: ingest_store says out of memory */
    store_stage(s, g);
    return;
  }
  pipeline_start(s->pipe, &c, g->items, n);
  flush(s); /* the drain before this one, meanwhile */
  pipeline_wait(s->pipe, &g->d);
  g->pending = true;
  s->free_stage = !s->free_stage;
}

/* Stores g's decoded drain in one transaction, then sends its acks (after
 * the commit) and releases its messages. */
static void store_stage(server *s, stage *g)
{
  size_t n = g->n;
  char err[512];
  ingest_stats before = s->stats;
  double t0 = agg_metrics_clock();
  int rc = ingest_store(g->d, &s->stats, err, sizeof err);
  g->d = NULL;
  agg_metrics_batch(&before, &s->stats, rc, t0);
  if (rc != 0) {
    int64_t now = hb_time_mono_ms();
    if (s->last_full_log_ms == 0 || now - s->last_full_log_ms >= 60000) {
      hb_log_err("cannot store a batch of %zu submits, agents will resend: %s", n, err);
      s->last_full_log_ms = now;
    }
  } else if (s->last_full_log_ms) {
    hb_log_notice("storing again");
    s->last_full_log_ms = 0;
  }
  for (size_t i = 0; i < n; i++) {
    send_ack(s, &g->msgs[i], &g->items[i]);
    free(g->items[i].ack);
    g->items[i].ack = NULL;
    for (int f = 0; f < g->msgs[i].nframes; f++)
      zmq_msg_close(&g->msgs[i].frames[f]);
  }
  g->n = 0;
  if (rc == 0)
    publish_changed(s);
  if (s->stats.impersonations > before.impersonations) {
    /* one line per refused Submit names the key and the unit it claimed,
     * at most IMPERSONATION_LOG_MAX a drain (a flood cannot flood the log) */
    size_t logged = 0;
    for (size_t i = 0; i < n && logged < IMPERSONATION_LOG_MAX; i++)
      if (g->items[i].claimed[0]) {
        hb_log_warn("refused a Submit for unit %s: it came with the key of unit %s (%s/%s.key)",
                    g->items[i].claimed, g->items[i].key_unit, s->cfg->keys, g->items[i].key_unit);
        logged++;
      }
    hb_log_warn("refused %zu submits for a unit other than the one their key belongs to",
                s->stats.impersonations - before.impersonations);
  }
  size_t other_refusals =
      (s->stats.refused - before.refused) - (s->stats.impersonations - before.impersonations);
  if (other_refusals)
    hb_log_warn("refused %zu submits (unknown unit or malformed)", other_refusals);
  hb_log_debug("drain: %zu submits, stored %zu, duplicate %zu, stale %zu, rejected %zu", n,
               s->stats.stored - before.stored, s->stats.duplicate - before.duplicate,
               s->stats.stale - before.stale, s->stats.rejected - before.rejected);
}

/* A change by `huibao-aggregator admin` (another process): memory is
 * reloaded from the store and every campaign goes out again (seqs moved). */
static void external_check(server *s)
{
  bool changed = false;
  char err[512];
  if (store_poll_external(s->st, &changed, err, sizeof err) != 0) {
    hb_log_err("reloading after an admin change: %s", err);
    return;
  }
  if (!changed)
    return;
  hb_log_notice("the store was changed by another process (%s): reloaded, republishing",
                store_admin_note(s->st)[0] ? store_admin_note(s->st) : "huibao-aggregator admin");
  hb_publisher_mark_all(s->pub);
}

/* Clears the reader slots of crashed readers (a kill -9'd backup or
 * `mdb_stat` would otherwise keep old pages from reuse, and the file grows). */
static void readers_check(server *s)
{
  int cleared = 0;
  if (store_reader_check(s->st, &cleared) != 0)
    hb_log_warn("mdb_reader_check failed");
  else if (cleared > 0)
    hb_log_notice("cleared %d stale LMDB reader%s", cleared, cleared == 1 ? "" : "s");
}

/* The folder of the units' public signing keys, NULL when none. */
static const char *signers_dir(const agg_config *cfg)
{
  return cfg->signing_keys ? cfg->signing_keys : cfg->keys;
}

static void reload(server *s)
{
  hb_units u;
  hb_campaigns c;
  hb_keyring ring;
  if (s->zap) {
    int krc = keys_load(s->cfg->keys, HB_ZAP_DOMAIN, &ring);
    if (krc == HB_ENOTFOUND || krc == KEYS_SHARED)
      hb_log_err("reload: keeping the old unit keys");
    else
      hb_zap_set_keyring(s->zap, HB_ZAP_DOMAIN, &ring);
    krc = keys_load(s->cfg->subscriber_keys, HB_PUBLISHER_ZAP_DOMAIN, &ring);
    if (krc == HB_ENOTFOUND || krc == KEYS_SHARED)
      hb_log_err("reload: keeping the old subscriber keys");
    else
      hb_publisher_keys_set(s->pub, &ring);
    if (agg_detail_keys_reload(s->detail) != 0)
      hb_log_err("reload: keeping the old detail keys");
  }
  hb_sign_registry *reg;
  char why[512];
  if (ingest_sign_registry_load(signers_dir(s->cfg), &reg, why, sizeof why) != 0) {
    hb_log_err("reload: keeping the old signing keys: %s", why);
  } else {
    hb_sign_registry_free(s->signers);
    s->signers = reg;
  }
  if (server_load_inputs(s->cfg, &u, &c, stderr) != 0) {
    hb_log_err("reload: keeping the old units and campaigns (see the messages above)");
    hb_units_free(&u);
    hb_campaigns_free(&c);
    return;
  }
  hb_units_free(&s->units);
  hb_campaigns_free(&s->campaigns);
  s->units = u; /* in place: s->src points at them */
  s->campaigns = c;
  hb_log_notice("reloaded: %zu units, %zu campaigns", s->units.count, s->campaigns.count);
  if (console_names_set(s->con, &s->units, &s->campaigns, s->code, s->name) != 0)
    hb_log_err("reload: the console's 台账 keeps the old names (out of memory)");
  agg_metrics_reload();
  hb_publisher_mark_all(s->pub);
}

static int choose_source(server *s)
{
  const hb_unit *county = NULL;
  for (size_t i = 0; i < s->units.count && !county; i++)
    if (s->units.items[i].type == HB_UNIT_COUNTY)
      county = &s->units.items[i];
  const char *code = s->cfg->code ? s->cfg->code : county ? county->code : "county";
  const char *name = s->cfg->name ? s->cfg->name : county && county->name ? county->name : code;
  s->code = strdup(code);
  s->name = strdup(name);
  return s->code && s->name ? 0 : HB_ENOMEM;
}

/* Reads the county's secret cert and binds the agents' ZAP handler in
 * s->ctx: both must exist before the ROUTER binds (a CURVE server without a
 * ZAP handler would accept any key). */
static int security_open(server *s, char *err, size_t errlen)
{
  if (s->cfg->insecure) {
    hb_log_warn("insecure: plain TCP, no authentication: any peer may report for any unit "
                "and read every rollup");
    return 0;
  }
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_cert_read(s->cfg->secret, 1, &s->cert, &d);
  if (rc != HB_OK) {
    if (d.count)
      hb_diag_format(&d.items[0], err, errlen);
    hb_diags_free(&d);
    return rc;
  }
  hb_diags_free(&d);
  if (hb_zap_open(s->ctx, &s->zap) != HB_OK) {
    snprintf(err, errlen, "ZAP handler: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  hb_keyring ring;
  int krc = keys_load(s->cfg->keys, HB_ZAP_DOMAIN, &ring);
  if (krc == KEYS_SHARED) {
    snprintf(err, errlen, "refusing to start: a public key is installed for two units (see above)");
    return HB_EINVAL;
  }
  if (krc == HB_ENOTFOUND) {
    snprintf(err, errlen, "cannot read a key folder (see above)");
    return HB_ENOTFOUND;
  }
  hb_zap_set_keyring(s->zap, HB_ZAP_DOMAIN, &ring);
  if (hb_zap_server_socket(s->router, &s->cert, HB_ZAP_DOMAIN) != HB_OK) {
    snprintf(err, errlen, "CURVE options: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  return 0;
}

static int sockets_open(server *s, char *err, size_t errlen)
{
  s->ctx = zmq_ctx_new();
  if (!s->ctx) {
    snprintf(err, errlen, "zmq_ctx_new: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  s->router = zmq_socket(s->ctx, ZMQ_ROUTER);
  if (!s->router) {
    snprintf(err, errlen, "zmq_socket: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  int hwm = (int)(s->units.count + 1) * ROUTER_HWM_PER_UNIT;
  if (hwm < 100000)
    hwm = 100000;
  if (hb_zmq_common(s->router, HB_WIRE_MAXMSGSIZE, NET_HEARTBEAT_MS, 3 * NET_HEARTBEAT_MS) ||
      hb_zmq_router(s->router, hwm) ||
      zmq_setsockopt(s->router, ZMQ_RCVHWM, &(int){ROUTER_RCVHWM}, sizeof(int))) {
    snprintf(err, errlen, "socket options: %s", zmq_strerror(errno));
    return HB_EZMQ;
  }
  int rc = security_open(s, err, errlen);
  if (rc != 0)
    return rc;
  if (zmq_bind(s->router, s->cfg->listen) != 0) {
    snprintf(err, errlen, "bind %s: %s", s->cfg->listen, zmq_strerror(errno));
    return HB_EZMQ;
  }
  return 0;
}

/* ------------------------------------------------------------ rollups out */

/* Messages queued per subscribing city before the XPUB drops them (a
 * dropped state message is replaced by the next one). */
#define PUBLISH_SNDHWM 100000

/* The campaigns of campaigns.ini, in its order (hb_publisher_list_fn; arg:
 * the server). They are the publisher's topics. */
static int publish_list(void *arg, const char ***ids, size_t *n)
{
  const server *s = arg;
  const hb_campaigns *c = &s->campaigns;
  *ids = calloc(c->count ? c->count : 1, sizeof **ids);
  if (!*ids)
    return HB_ENOMEM;
  for (size_t i = 0; i < c->count; i++)
    (*ids)[i] = c->items[i].id;
  *n = c->count;
  return 0;
}

/* The packed Rollup of campaign, built from the stored aggregates when the
 * publisher sends it (hb_publisher_build_fn; arg: the server). Publishing
 * state, not deltas: the whole Rollup of one campaign, at a cost of units x
 * cells, never records. Returns 0 with *buf malloc'd, HB_ENOTFOUND for a
 * campaign the configuration no longer has, else the error of
 * hb_rollup_build. Units and campaigns are read at each send, so a reload
 * may replace them in place. */
static int publish_build(void *arg, const char *campaign, uint8_t **buf, size_t *len)
{
  const server *s = arg;
  const hb_campaign *camp = NULL;
  for (size_t i = 0; i < s->campaigns.count && !camp; i++)
    if (strcmp(s->campaigns.items[i].id, campaign) == 0)
      camp = &s->campaigns.items[i];
  if (!camp)
    return HB_ENOTFOUND;
  const aggmap *all = store_aggs(s->st);
  const hb_agg **aggs = calloc(all->count ? all->count : 1, sizeof *aggs);
  int64_t *last_sync = calloc(s->units.count ? s->units.count : 1, sizeof *last_sync);
  const hb_period_facts **facts = calloc(s->units.count ? s->units.count : 1, sizeof *facts);
  int rc = HB_ENOMEM;
  size_t n = 0;
  if (!aggs || !last_sync || !facts)
    goto out;
  size_t it;
  for (aggmap_node *nd = aggmap_first(all, &it); nd; nd = aggmap_next(all, nd, &it))
    if (strcmp(nd->agg->campaign, camp->id) == 0)
      aggs[n++] = nd->agg;
  for (size_t i = 0; i < s->units.count; i++) {
    last_sync[i] = store_last_sync(s->st, s->units.items[i].code);
    facts[i] = store_period_facts(s->st, camp->id, s->units.items[i].code);
  }
  hb_rollup_input in = {
      .source = s->code,
      .source_name = s->name,
      .campaign = camp,
      .units = &s->units,
      .aggs = aggs,
      .naggs = n,
      .last_sync = last_sync,
      .seq = store_seq(s->st, camp->id),
      .epoch = store_epoch(s->st),
      .as_of_ms = hb_time_now_ms(),
      .heartbeat_ms = (uint32_t)s->cfg->heartbeat_ms,
      .campaign_count = (uint32_t)s->campaigns.count,
      .today = hb_date_today(),
      .facts = facts,
      .now_s = hb_time_now_ms() / 1000,
  };
  /* issue 14: the history's head (Rollup.log and the county's Source.log) */
  uint8_t log_hash[32];
  store_log_head(s->st, &in.log_n, log_hash);
  in.log_hash = in.log_n ? log_hash : NULL;
  rc = hb_rollup_build(&in, buf, len);
out:
  free(aggs);
  free(last_sync);
  free(facts);
  return rc;
}

static void on_subscriber_refused(void *arg, const char *domain, const char *address,
                                  const char *reason)
{
  (void)arg;
  (void)domain;
  hb_log_warn("refused a subscriber connection from %s: %s", address, reason);
}

/* The rollups' publisher on --publish, with its own ZAP handler for the
 * cities' keys (--subscriber-keys), after sockets_open read the cert. */
static int publisher_open(server *s, char *err, size_t errlen)
{
  hb_keyring ring = {0};
  int krc =
      s->cfg->insecure ? HB_OK : keys_load(s->cfg->subscriber_keys, HB_PUBLISHER_ZAP_DOMAIN, &ring);
  if (krc == KEYS_SHARED) {
    snprintf(err, errlen,
             "refusing to start: a public key is installed for two subscribers (see above)");
    return HB_EINVAL;
  }
  if (krc == HB_ENOTFOUND) {
    snprintf(err, errlen, "cannot read a key folder (see above)");
    return HB_ENOTFOUND;
  }
  /* a change goes out at once, then at most every HB_PUBLISHER_COALESCE_MS;
   * every campaign on a heartbeat; at once for a new subscriber */
  hb_publisher_opts o = {.endpoint = s->cfg->publish,
                         .cert = s->cfg->insecure ? NULL : &s->cert,
                         .subscribers = &ring,
                         .heartbeat_ms = (uint32_t)s->cfg->heartbeat_ms,
                         .sndhwm = PUBLISH_SNDHWM,
                         .coalesce = HB_PUBLISHER_COALESCE_RATE,
                         .list = publish_list,
                         .build = publish_build,
                         .arg = s,
                         .on_refuse = on_subscriber_refused};
  return hb_publisher_open(&s->pub, &o, err, errlen);
}

static void server_close(server *s)
{
  console_close(s->con); /* its threads read the store; its socket is in ctx */
  agg_detail_close(s->detail);
  hb_publisher_close(s->pub);
  if (s->router)
    zmq_close(s->router);
  hb_zap_close(s->zap);
  if (s->ctx)
    zmq_ctx_term(s->ctx);
  store_close(s->st);
  hb_units_free(&s->units);
  hb_campaigns_free(&s->campaigns);
  hb_sign_registry_free(s->signers);
  free(s->code);
  free(s->name);
  pipeline_close(s->pipe); /* idle: server_run flushed */
  for (int i = 0; i < 2; i++) {
    free(s->stages[i].msgs);
    free(s->stages[i].items);
    hb_arena_free(s->stages[i].arena);
  }
}

/* The service's start-up, in order: configuration, inputs, signals, the
 * store, the sockets, the publisher, the metrics and the console. Returns
 * 0, or the exit code after logging why (s is then closed). */
static int server_start(server *s, const agg_config *cfg)
{
  char err[512];
  int crc = config_check(cfg, err, sizeof err);
  if (crc != 0) {
    hb_log_err("%s", err);
    return crc == HB_EINVAL ? EX_USAGE : EX_CONFIG; /* missing keys: configuration */
  }
  if (server_load_inputs(cfg, &s->units, &s->campaigns, stderr) != 0) {
    hb_log_err("bad configuration (see the messages above)");
    server_close(s);
    return EX_CONFIG;
  }
  if (ingest_sign_registry_load(signers_dir(cfg), &s->signers, err, sizeof err) != 0) {
    hb_log_err("signing keys: %s", err);
    server_close(s);
    return EX_CONFIG;
  }
  signals_install();
  int nomem = choose_source(s) != 0;
  for (int i = 0; i < 2; i++) {
    stage *g = &s->stages[i];
    g->msgs = calloc(DRAIN_MAX_MSGS, sizeof *g->msgs);
    g->items = calloc(DRAIN_MAX_MSGS, sizeof *g->items);
    g->arena = hb_arena_new();
    nomem |= !g->msgs || !g->items || !g->arena;
  }
  if (nomem || (!cfg->no_pipeline && pipeline_open(&s->pipe) == HB_ENOMEM)) {
    hb_log_err("out of memory");
    server_close(s);
    return EX_SOFTWARE;
  }
  if (!cfg->no_pipeline && !s->pipe)
    hb_log_warn("no decoding thread: each drain is decoded and stored on the main thread");
  int rc = store_open(&s->st, cfg->data, 0, 0, err, sizeof err);
  if (rc != 0) {
    hb_log_err("%s", err);
    server_close(s);
    return hb_exit_for(rc) == EX_IOERR ? EX_IOERR : EX_CONFIG; /* HB_EDB too: 74 */
  }
  store_set_quota(s->st, cfg->quota_records, cfg->quota_bytes);
  store_campaigns_set(s->st, &s->campaigns); /* issue 14: problem_delete (reloaded in place) */
  if ((rc = sockets_open(s, err, sizeof err)) != 0 ||
      (rc = publisher_open(s, err, sizeof err)) != 0) {
    hb_log_err("%s", err);
    server_close(s);
    return rc == HB_ENOMEM ? EX_SOFTWARE : EX_CONFIG;
  }
  agg_detail_opts dopt = {.endpoint = cfg->detail,
                          .cert = cfg->insecure ? NULL : &s->cert,
                          .zap = s->zap,
                          .keys = cfg->detail_keys,
                          .st = s->st,
                          .source = s->code,
                          .campaigns = &s->campaigns};
  if (cfg->detail && (rc = agg_detail_open(&s->detail, s->ctx, &dopt, err, sizeof err)) != 0) {
    hb_log_err("--detail %s", err);
    server_close(s);
    return EX_CONFIG;
  }
  if ((rc = agg_metrics_start(cfg->metrics, cfg->http_host, err, sizeof err)) != 0) {
    hb_log_err("--metrics %s", err);
    server_close(s);
    return EX_CONFIG;
  }
  if (cfg->console && (rc = console_open(&s->con, cfg, s->ctx, s->st, err, sizeof err)) != 0) {
    hb_log_err("--console %s", err);
    server_close(s);
    return EX_CONFIG;
  }
  if (console_names_set(s->con, &s->units, &s->campaigns, s->code, s->name) != 0)
    hb_log_err("--console: the 台账 shows codes for names (out of memory)");
  return 0;
}

int server_run(const agg_config *cfg)
{
  server s;
  memset(&s, 0, sizeof s);
  s.cfg = cfg;
  int code = server_start(&s, cfg);
  if (code != 0)
    return code;
  hb_log_notice("ready: county %s, %zu units, %zu campaigns, %zu aggregates; listening on %s, "
                "publishing on %s",
                s.code, s.units.count, s.campaigns.count, store_aggs(s.st)->count, cfg->listen,
                cfg->publish);
  /* the gauges (each unit's last sync, ...) hold their values before
   * readiness is announced: a scrape right after READY=1 sees every unit */
  (void)agg_metrics_tick(s.st, &s.units, s.pub, &s.stats, 0);
  hb_notify_ready("ready");

  int64_t next_reader_check = hb_time_mono_ms() + READER_CHECK_MS;
  int64_t next_external_check = hb_time_mono_ms() + EXTERNAL_CHECK_MS;
  while (!stop_flag) {
    if (reload_flag) {
      reload_flag = 0;
      flush(&s); /* no drain decoded with the old units, campaigns or keys is left */
      hb_notify_reloading();
      reload(&s);
      hb_notify_ready("reloaded");
      next_reader_check = 0; /* SIGHUP also clears stale readers at once */
    }
    if (hb_time_mono_ms() >= next_reader_check) {
      readers_check(&s);
      next_reader_check = hb_time_mono_ms() + READER_CHECK_MS;
    }
    if (hb_time_mono_ms() >= next_external_check) {
      external_check(&s);
      next_external_check = hb_time_mono_ms() + EXTERNAL_CHECK_MS;
    }
    int64_t now = hb_time_mono_ms();
    hb_publisher_send(s.pub, now); /* a failed send is counted; the heartbeat resends */
    int timeout = hb_publisher_wait_ms(s.pub, now);
    if (timeout < 0 || timeout > EXTERNAL_CHECK_MS)
      timeout = EXTERNAL_CHECK_MS;
    if (s.stages[!s.free_stage].pending)
      timeout = 0; /* a decoded drain waits: stored at once unless another came */
    timeout = hb_notify_watchdog(agg_metrics_tick(s.st, &s.units, s.pub, &s.stats, timeout));
    /* the ZAP handlers (agents', subscribers') exist unless --insecure */
    zmq_pollitem_t items[6] = {{s.router, 0, ZMQ_POLLIN, 0},
                               {hb_publisher_socket(s.pub), 0, ZMQ_POLLIN, 0},
                               {s.zap ? hb_zap_socket(s.zap) : NULL, 0, ZMQ_POLLIN, 0},
                               {hb_publisher_zap_socket(s.pub), 0, ZMQ_POLLIN, 0}};
    int nitems = s.zap ? 4 : 2, con_i = -1, det_i = -1; /* the console's decisions come last */
    if (s.detail)
      items[det_i = nitems++] = (zmq_pollitem_t){agg_detail_socket(s.detail), 0, ZMQ_POLLIN, 0};
    if (s.con)
      items[con_i = nitems++] = (zmq_pollitem_t){console_socket(s.con), 0, ZMQ_POLLIN, 0};
    int n = zmq_poll(items, nitems, timeout);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      hb_log_err("zmq_poll: %s", zmq_strerror(errno));
      code = EX_SOFTWARE;
      break;
    }
    if (items[0].revents & ZMQ_POLLIN)
      drain(&s);
    else
      flush(&s);
    if (n == 0 && s.untrimmed >= TRIM_AFTER_BYTES) { /* idle, and no drain pending */
      malloc_trim(0);
      s.untrimmed = 0;
    }
    if ((items[1].revents | items[3].revents) & ZMQ_POLLIN)
      hb_publisher_poll(s.pub); /* a new subscriber: everything goes out at the next send */
    if (s.zap && (items[2].revents & ZMQ_POLLIN))
      hb_zap_handle(s.zap, on_zap_refuse, NULL);
    if (det_i >= 0 && (items[det_i].revents & ZMQ_POLLIN))
      agg_detail_handle(s.detail); /* read transactions: after a batch, never inside one */
    if (con_i >= 0 && (items[con_i].revents & ZMQ_POLLIN) && console_handle(s.con))
      publish_changed(&s); /* answered after the commit */
  }
  flush(&s); /* received and decoded: stored and acked before stopping */
  hb_notify_stopping();
  if (store_inconsistencies(s.st))
    hb_log_warn("%llu removals did not match their aggregate; run verify",
                (unsigned long long)store_inconsistencies(s.st));
  hb_log_notice("stopping: %zu submits, %zu records stored, %zu duplicate, %zu stale, "
                "%zu rejected, %llu acks not deliverable",
                s.stats.submits, s.stats.stored, s.stats.duplicate, s.stats.stale, s.stats.rejected,
                (unsigned long long)s.acks_dropped);
  server_close(&s);
  agg_metrics_stop();
  return code;
}
