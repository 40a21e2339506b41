/* sender_test.c: the sender against a scripted county (a ROUTER on tcp
 * loopback in a thread): resend of an unanswered Submit, STALE, REJECTED,
 * Ack.error, and an unreachable county. */
#include "sender.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "hb_date.h"
#include "hb_err.h"
#include "kinds.h"
#include "report.h"
#include "test.h"

#define T0 1700000000000000LL

typedef struct county {
  void *ctx, *sock;
  char endpoint[64];
  pthread_t thread;
  volatile int stop;
  int drop_first;    /* do not answer the first Submit */
  int restart_first; /* ... and close the socket then, binding the endpoint again (a county
                      * restarted with a Submit unanswered) */
  int refuse;        /* answer every Submit with Ack.error */
  int retry_first;   /* answer the first Submit with retry (and a reason) */
  int stale_always;  /* answer every record STALE, with a stored version ahead (an hour) */
  int stale_future;  /* answer every record STALE, with a version from the future (a lock) */
  int old_county;    /* the version before indicators and cases: a Submit holding one is
                      * refused whole, as that county's hb_wire_submit_unpack does; 2: the
                      * version before 报送 rows (issue 12), refusing only those */
  int mixed;         /* Submits holding records of two generations (kinds.h), such as an
                      * indicator or case AND an activity or problem */
  int submits;       /* Submits received */
  int records;       /* records received */
  int stale_sent;    /* A2 answered STALE once */
  uint64_t a2_last;  /* last version of A2 received */
  uint64_t a2_stale_at;
  char unit[32];
} county;

static void county_answer(county *c, zmq_msg_t *ident, const Huibao__V1__Submit *s)
{
  Huibao__V1__Ack ack = HUIBAO__V1__ACK__INIT;
  Huibao__V1__RecordResult res[64], *resp[64];
  ack.batch_id = s->batch_id;
  char nobody[128] = "";
  int gen = -1, mixed = 0;
  for (size_t i = 0; i < s->n_records; i++) {
    const agent_kind *k;
    if (!agent_record_row(s->records[i], &k))
      continue;
    mixed |= gen >= 0 && gen != k->old_county_refuses;
    gen = k->old_county_refuses;
    if (c->old_county && k->old_county_refuses >= c->old_county && !nobody[0])
      snprintf(nobody, sizeof nobody,
               "无法解析的批次 / malformed submit: record %zu (seq %llu) has no body", i,
               (unsigned long long)s->records[i]->seq);
  }
  c->mixed += mixed;
  if (c->old_county && nobody[0]) {
    ack.error = nobody;
  } else if (c->refuse) {
    ack.error = "unit x99 is not expected by this county";
  } else if (c->retry_first && c->submits == 1) {
    ack.has_retry = 1;
    ack.retry = 1;
    ack.error = "county cannot store now: disk full";
  } else {
    for (size_t i = 0; i < s->n_records && i < 64; i++) {
      const Huibao__V1__Record *r = s->records[i];
      Huibao__V1__RecordResult rr = HUIBAO__V1__RECORD_RESULT__INIT;
      rr.seq = r->seq;
      rr.code = HUIBAO__V1__RESULT_CODE__STORED;
      const agent_kind *k;
      const char *id = agent_row_id(agent_record_row(r, &k));
      if (c->stale_always || c->stale_future) {
        rr.code = HUIBAO__V1__RESULT_CODE__STALE;
        rr.has_stored_version = 1;
        rr.stored_version =
            c->stale_future ? UINT64_MAX : (uint64_t)agent_now_us() + UINT64_C(3600000000);
      } else if (strcmp(id, "A2") == 0) {
        c->a2_last = r->activity->version;
        if (!c->stale_sent) {
          c->stale_sent = 1;
          rr.code = HUIBAO__V1__RESULT_CODE__STALE;
          rr.has_stored_version = 1;
          rr.stored_version = c->a2_stale_at;
        }
      }
      if (strcmp(id, "P1") == 0 && !c->stale_always && !c->stale_future) {
        rr.code = HUIBAO__V1__RESULT_CODE__REJECTED;
        rr.field = "category";
        rr.reason = "类别未知 / unknown category";
      }
      res[i] = rr;
      resp[i] = &res[i];
    }
    ack.n_results = s->n_records < 64 ? s->n_records : 64;
    ack.results = resp;
  }
  size_t n = huibao__v1__ack__get_packed_size(&ack);
  uint8_t *buf = malloc(n);
  huibao__v1__ack__pack(&ack, buf);
  zmq_send(c->sock, zmq_msg_data(ident), zmq_msg_size(ident), ZMQ_SNDMORE);
  zmq_send(c->sock, buf, n, 0);
  free(buf);
}

static void *county_run(void *arg)
{
  county *c = arg;
  while (!c->stop) {
    zmq_pollitem_t it = {c->sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, 20) <= 0)
      continue;
    zmq_msg_t ident, body;
    zmq_msg_init(&ident);
    zmq_msg_init(&body);
    zmq_msg_recv(&ident, c->sock, 0);
    zmq_msg_recv(&body, c->sock, 0);
    Huibao__V1__Submit *s =
        huibao__v1__submit__unpack(NULL, zmq_msg_size(&body), zmq_msg_data(&body));
    if (s) {
      c->submits++;
      c->records += (int)s->n_records;
      snprintf(c->unit, sizeof c->unit, "%s", s->unit);
      if (!(c->drop_first && c->submits == 1))
        county_answer(c, &ident, s);
      else if (c->restart_first) {
        zmq_close(c->sock);
        c->sock = zmq_socket(c->ctx, ZMQ_ROUTER);
        for (int i = 0; i < 200 && zmq_bind(c->sock, c->endpoint) != 0; i++)
          usleep(10000); /* the port is free once the old socket's close is done */
      }
      huibao__v1__submit__free_unpacked(s, NULL);
    }
    zmq_msg_close(&ident);
    zmq_msg_close(&body);
  }
  return NULL;
}

static void county_start(county *c)
{
  c->ctx = zmq_ctx_new();
  c->sock = zmq_socket(c->ctx, ZMQ_ROUTER);
  CHECK_EQ_INT(0, zmq_bind(c->sock, "tcp://127.0.0.1:*"));
  size_t len = sizeof c->endpoint;
  zmq_getsockopt(c->sock, ZMQ_LAST_ENDPOINT, c->endpoint, &len);
  pthread_create(&c->thread, NULL, county_run, c);
}

static void county_stop(county *c)
{
  c->stop = 1;
  pthread_join(c->thread, NULL);
  zmq_close(c->sock);
  zmq_ctx_term(c->ctx);
}

/* A state in a temp dir holding A1..A3 and P1..P2. */
typedef struct fixture {
  char dir[64];
  agent_state *s;
  Huibao__V1__Activity acts[3];
  Huibao__V1__Activity *actp[3];
  Huibao__V1__Problem probs[2];
  Huibao__V1__Problem *probp[2];
  char ids[5][4];
  hb_ledger l;
} fixture;

static void fixture_init(fixture *f)
{
  memset(f, 0, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/hb-sender-test-XXXXXX");
  CHECK(mkdtemp(f->dir) != NULL);
  char err[256];
  CHECK_EQ_INT(0, agent_state_open(&f->s, f->dir, "t01", err, sizeof err));
  for (int i = 0; i < 3; i++) {
    Huibao__V1__Activity a = HUIBAO__V1__ACTIVITY__INIT;
    snprintf(f->ids[i], 4, "A%d", i + 1);
    a.unit = "t01";
    a.id = f->ids[i];
    a.campaign = "c1";
    f->acts[i] = a;
    f->actp[i] = &f->acts[i];
  }
  for (int i = 0; i < 2; i++) {
    Huibao__V1__Problem p = HUIBAO__V1__PROBLEM__INIT;
    snprintf(f->ids[3 + i], 4, "P%d", i + 1);
    p.unit = "t01";
    p.id = f->ids[3 + i];
    p.campaign = "c1";
    f->probs[i] = p;
    f->probp[i] = &f->probs[i];
  }
  f->l = (hb_ledger){.activities = f->actp,
                     .nactivities = 3,
                     .problems = f->probp,
                     .nproblems = 2,
                     .rows_read = 5};
  CHECK_EQ_INT(0, agent_state_diff(f->s, &f->l, T0, NULL));
}

static void fixture_free(fixture *f)
{
  agent_state_close(f->s);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  CHECK_EQ_INT(0, system(cmd));
}

typedef struct rejects {
  int n;
  char last[256];
} rejects;

static void on_reject(void *arg, char kind, const char *id, const char *field, const char *reason)
{
  rejects *r = arg;
  r->n++;
  snprintf(r->last, sizeof r->last, "%c %s %s %s", kind, id, field, reason);
}

static agent_send_opts opts_for(const char *ep, int timeout_ms)
{
  return (agent_send_opts){.endpoint = ep,
                           .unit = "t01",
                           .agent_version = "test",
                           .timeout_ms = timeout_ms,
                           .window = 2,
                           .batch = 2,
                           .resend_ms = 300,
                           .retry_ms = 100,
                           .stop = NULL};
}

static void test_resend_stale_rejected(void)
{
  fixture f;
  fixture_init(&f);
  county c;
  memset(&c, 0, sizeof c);
  c.drop_first = 1;
  c.a2_stale_at = T0 + 1000000;
  county_start(&c);
  agent_send_opts o = opts_for(c.endpoint, 5000);
  agent_send_stats st;
  rejects rj = {0, ""};
  CHECK_EQ_INT(0, agent_send(f.s, &o, on_reject, &rj, &st));
  county_stop(&c);
  CHECK_EQ_STR("t01", c.unit);
  /* 5 records in batches of 2 (3 Submits), the first one sent twice,
   * and A2 once more after STALE. */
  CHECK_EQ_INT(5, c.submits);
  CHECK_EQ_INT(8, c.records);
  CHECK_EQ_INT(6, st.sent);
  CHECK_EQ_INT(4, st.stored);
  CHECK_EQ_INT(1, st.stale);
  CHECK_EQ_INT(1, st.rejected);
  CHECK_EQ_INT(0, st.pending);
  CHECK(c.a2_last > c.a2_stale_at); /* above stored_version (clock: now) */
  CHECK_EQ_INT(1, rj.n);
  CHECK_EQ_STR("P P1 category 类别未知 / unknown category", rj.last);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
  /* The rejected row is sent again next time; nothing else is. */
  agent_diff_stats d;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, &d));
  CHECK_EQ_INT(1, d.added);
  CHECK_EQ_INT(4, d.unchanged);
  fixture_free(&f);
}

/* Issue 17: what was in flight when the connection closed is sent again
 * at once (the socket monitor says), not after the safety timer (a minute
 * here). */
static void test_resend_after_reconnect(void)
{
  fixture f;
  fixture_init(&f);
  county c;
  memset(&c, 0, sizeof c);
  c.drop_first = c.restart_first = 1;
  c.a2_stale_at = T0 + 1000000;
  county_start(&c);
  agent_send_opts o = opts_for(c.endpoint, 10000);
  o.resend_ms = 60000;
  agent_send_stats st;
  rejects rj = {0, ""};
  int64_t t0 = hb_time_mono_ms();
  CHECK_EQ_INT(0, agent_send(f.s, &o, on_reject, &rj, &st));
  CHECK(hb_time_mono_ms() - t0 < 5000);
  county_stop(&c);
  CHECK_EQ_INT(1, st.reconnects);
  CHECK_EQ_INT(4, st.stored);
  CHECK_EQ_INT(1, st.rejected);
  CHECK_EQ_INT(0, st.pending);
  fixture_free(&f);
}

static void test_county_error(void)
{
  fixture f;
  fixture_init(&f);
  county c;
  memset(&c, 0, sizeof c);
  c.refuse = 1;
  county_start(&c);
  agent_send_opts o = opts_for(c.endpoint, 5000);
  agent_send_stats st;
  CHECK_EQ_INT(HB_EPROTO, agent_send(f.s, &o, NULL, NULL, &st));
  county_stop(&c);
  CHECK_EQ_STR("unit x99 is not expected by this county", st.error);
  CHECK_EQ_INT(5, st.pending);
  fixture_free(&f);
}

/* A county that answers STALE forever does not keep the agent busy forever:
 * the run stops once STALE answers outnumber first sends 3 to 1 (+ 64), and
 * the outbox keeps every record. */
static void test_stale_forever_stops(void)
{
  fixture f;
  fixture_init(&f);
  county c;
  memset(&c, 0, sizeof c);
  c.stale_always = 1;
  CHECK_EQ_INT(5, agent_state_outbox_count(f.s));
  county_start(&c);
  agent_send_opts o = opts_for(c.endpoint, 20000);
  agent_send_stats st;
  CHECK_EQ_INT(HB_EAGAIN, agent_send(f.s, &o, NULL, NULL, &st));
  county_stop(&c);
  /* first sends: 4 (window 2 x batch 2; STALE ones go first) or all 5;
   * the run stops at the first drain past 3 x that + 64 */
  CHECK(st.stale >= 3 * 4 + 64 + 1 && st.stale <= 3 * 5 + 64 + 4);
  CHECK_EQ_INT(0, st.stored);
  CHECK_EQ_INT(5, agent_state_outbox_count(f.s));
  CHECK(strncmp(st.error, "the county answered STALE ", 26) == 0);
  CHECK(strstr(st.error, "stopped (everything stays in the outbox)") != NULL);
  fixture_free(&f);
}

/* A county holding a version from the future (more than a day ahead of
 * this clock): the agent does not follow it (its floor would lock every
 * later row), keeps the records in the outbox as they were, and says which
 * row and what the county must do (HB_EPROTO: exit 65, not "unreachable"). */
static void test_stale_from_future(void)
{
  fixture f;
  fixture_init(&f);
  county c;
  memset(&c, 0, sizeof c);
  c.stale_future = 1;
  uint64_t floor = agent_state_floor(f.s);
  county_start(&c);
  agent_send_opts o = opts_for(c.endpoint, 20000);
  agent_send_stats st;
  CHECK_EQ_INT(HB_EPROTO, agent_send(f.s, &o, NULL, NULL, &st));
  county_stop(&c);
  CHECK_EQ_INT(5, agent_state_outbox_count(f.s));
  CHECK_EQ_INT(0, st.stale);
  CHECK(agent_state_floor(f.s) == floor);
  CHECK(strstr(st.error, "the county holds a version from the future for row ") != NULL);
  CHECK(strstr(st.error, "huibao-aggregator admin --data DIR unlock ") != NULL);
  fixture_free(&f);
}

/* A county of the version before indicators and cases refuses a whole
 * Submit holding one. They travel apart, so the activities and problems
 * are stored; they stay in the outbox (held) and are stored once the
 * county is upgraded. */
static void test_old_county_holds_only_indicators_and_cases(void)
{
  fixture f;
  fixture_init(&f);
  Huibao__V1__Indicator ind[2] = {HUIBAO__V1__INDICATOR__INIT, HUIBAO__V1__INDICATOR__INIT};
  Huibao__V1__Indicator *indp[2] = {&ind[0], &ind[1]};
  Huibao__V1__Case cs = HUIBAO__V1__CASE__INIT, *csp = &cs;
  ind[0].unit = ind[1].unit = cs.unit = "t01";
  ind[0].id = "I1";
  ind[1].id = "I2";
  cs.id = "C1";
  f.l.indicators = indp;
  f.l.nindicators = 2;
  f.l.cases = &csp;
  f.l.ncases = 1;
  CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
  county c = {.old_county = 1, .a2_stale_at = T0 + 1000000};
  county_start(&c);
  agent_send_opts o = opts_for(c.endpoint, 5000);
  agent_send_stats st;
  rejects rj = {0, ""};
  CHECK_EQ_INT(0, agent_send(f.s, &o, on_reject, &rj, &st));
  CHECK_EQ_INT(0, c.mixed);
  CHECK_EQ_INT(4, st.stored);
  CHECK_EQ_INT(1, st.rejected); /* P1, as ever */
  CHECK_EQ_INT(3, st.held);
  CHECK_EQ_INT(3, st.pending);
  CHECK(strstr(st.held_error, "has no body") != NULL);
  char line[256];
  agent_report_summary(line, sizeof line, &st);
  CHECK_EQ_STR("sent 9, stored 4, duplicate 0, rejected 1, pending 3, stale 1, held 3", line);
  c.old_county = 0; /* upgraded */
  CHECK_EQ_INT(0, agent_send(f.s, &o, on_reject, &rj, &st));
  county_stop(&c);
  CHECK_EQ_INT(3, st.stored);
  CHECK_EQ_INT(0, st.held);
  CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
  fixture_free(&f);
}

/* A county of issue 12 reads indicators and cases but not 报送 rows: only
 * those are held; a county before issue 12 holds all three kinds. */
static void test_old_county_holds_reports(void)
{
  for (int old = 2; old >= 1; old--) {
    fixture f;
    fixture_init(&f);
    Huibao__V1__Indicator ind = HUIBAO__V1__INDICATOR__INIT, *indp = &ind;
    Huibao__V1__Report rep = HUIBAO__V1__REPORT__INIT, *repp = &rep;
    ind.unit = rep.unit = "t01";
    ind.id = "I1";
    rep.id = rep.period = "本期";
    f.l.indicators = &indp;
    f.l.nindicators = 1;
    f.l.reports = &repp;
    f.l.nreports = 1;
    CHECK_EQ_INT(0, agent_state_diff(f.s, &f.l, T0, NULL));
    county c = {.old_county = old, .a2_stale_at = T0 + 1000000};
    county_start(&c);
    agent_send_opts o = opts_for(c.endpoint, 5000);
    agent_send_stats st;
    rejects rj = {0, ""};
    CHECK_EQ_INT(0, agent_send(f.s, &o, on_reject, &rj, &st));
    CHECK_EQ_INT(0, c.mixed);
    CHECK_EQ_INT(old == 2 ? 5 : 4, st.stored);
    CHECK_EQ_INT(old == 2 ? 1 : 2, st.held);
    c.old_county = 0; /* upgraded */
    CHECK_EQ_INT(0, agent_send(f.s, &o, on_reject, &rj, &st));
    county_stop(&c);
    CHECK_EQ_INT(old == 2 ? 1 : 2, st.stored);
    CHECK_EQ_INT(0, agent_state_outbox_count(f.s));
    fixture_free(&f);
  }
}

static void test_retry_resends_later(void)
{
  fixture f;
  fixture_init(&f);
  county c;
  memset(&c, 0, sizeof c);
  c.retry_first = 1;
  county_start(&c);
  agent_send_opts o = opts_for(c.endpoint, 5000);
  o.batch = 5;
  o.window = 1;
  agent_send_stats st;
  rejects rj = {0, ""};
  CHECK_EQ_INT(0, agent_send(f.s, &o, on_reject, &rj, &st));
  county_stop(&c);
  CHECK_EQ_INT(3, c.submits); /* refused (retry), resent, then A2 after STALE */
  CHECK_EQ_INT(1, st.retried);
  CHECK_EQ_STR("county cannot store now: disk full", st.error);
  CHECK_EQ_INT(6, st.sent);
  CHECK_EQ_INT(4, st.stored);
  CHECK_EQ_INT(1, st.stale);
  CHECK_EQ_INT(1, st.rejected);
  CHECK_EQ_INT(0, st.pending);
  fixture_free(&f);
}

static void test_unreachable_keeps_outbox(void)
{
  fixture f;
  fixture_init(&f);
  agent_send_opts o = opts_for("tcp://127.0.0.1:1", 300);
  agent_send_stats st;
  CHECK_EQ_INT(HB_ETIMEDOUT, agent_send(f.s, &o, NULL, NULL, &st));
  CHECK_EQ_INT(0, st.sent);
  CHECK_EQ_INT(5, st.pending);
  fixture_free(&f);
}

int main(void)
{
  RUN(test_resend_stale_rejected);
  RUN(test_resend_after_reconnect);
  RUN(test_county_error);
  RUN(test_stale_forever_stops);
  RUN(test_stale_from_future);
  RUN(test_old_county_holds_only_indicators_and_cases);
  RUN(test_old_county_holds_reports);
  RUN(test_retry_resends_later);
  RUN(test_unreachable_keeps_outbox);
  return test_summary();
}
