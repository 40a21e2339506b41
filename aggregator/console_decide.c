/* console_decide.c: the console's decisions, from an HTTP thread to the
 * main loop and back (see console.h). A request is six frames: unit, kind
 * ("A" or "P"), id, action (decimal hb_review_action), reason ("" for
 * none), reviewer; the answer two: the hb_err code (decimal, "0" for
 * committed) and n (decimal) or the reason it was refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#include "console_internal.h"
#include "hb_date.h"
#include "hb_err.h"
#include "hb_log.h"

#define DECIDE_FRAMES 6
#define DECIDE_FRAME_MAX 4096
/* How long an HTTP thread waits for the loop's answer, in slices of
 * DECIDE_SLICE_MS so that console_close is never held up. A commit takes
 * milliseconds; the loop may be in a drain of 2 MB of Submits first. */
#define DECIDE_WAIT_MS 30000
#define DECIDE_SLICE_MS 500

/* ------------------------------------------------------------ HTTP side */

static int send_frames(void *sock, const char *const *f, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (zmq_send(sock, f[i], strlen(f[i]), i + 1 < n ? ZMQ_SNDMORE : 0) < 0)
      return HB_EZMQ;
  return 0;
}

/* Receives up to max frames of one message into buf[i] (NUL-ended, cut at
 * DECIDE_FRAME_MAX - 1 bytes); *n gets how many. flags: 0 or ZMQ_DONTWAIT
 * for the first frame. Returns 0 or -1 with errno. */
static int recv_frames(void *sock, char buf[][DECIDE_FRAME_MAX], size_t max, size_t *n, int flags)
{
  *n = 0;
  int more = 1;
  while (more) {
    char tmp[DECIDE_FRAME_MAX];
    int len = zmq_recv(sock, tmp, sizeof tmp - 1, *n == 0 ? flags : 0);
    if (len < 0)
      return -1;
    if ((size_t)len > sizeof tmp - 1)
      len = (int)sizeof tmp - 1;
    tmp[len] = '\0';
    if (*n < max)
      memcpy(buf[(*n)++], tmp, (size_t)len + 1);
    size_t ml = sizeof more;
    if (zmq_getsockopt(sock, ZMQ_RCVMORE, &more, &ml) != 0)
      return -1;
  }
  return 0;
}

int console_decide_ask(console *c, const store_decision_req *req, uint64_t *n, char *why,
                       size_t whylen)
{
  *n = 0;
  void *sock = zmq_socket(c->zctx, ZMQ_REQ);
  if (!sock) {
    snprintf(why, whylen, "内部错误 (zmq_socket: %s)", zmq_strerror(errno));
    return HB_EZMQ;
  }
  int linger = 0, slice = DECIDE_SLICE_MS;
  zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger);
  zmq_setsockopt(sock, ZMQ_RCVTIMEO, &slice, sizeof slice);
  char kind[2] = {req->kind, '\0'}, action[16];
  snprintf(action, sizeof action, "%d", req->action);
  const char *f[DECIDE_FRAMES] = {
      req->unit, kind, req->id, action, req->reason ? req->reason : "", req->reviewer};
  int rc = HB_EZMQ;
  if (zmq_connect(sock, CONSOLE_ENDPOINT) != 0 || send_frames(sock, f, DECIDE_FRAMES) != 0) {
    snprintf(why, whylen, "内部错误 (decision channel: %s)", zmq_strerror(errno));
    goto close;
  }
  char(*ans)[DECIDE_FRAME_MAX] = malloc(2 * sizeof *ans);
  if (!ans) {
    snprintf(why, whylen, "内存不足 (out of memory)");
    rc = HB_ENOMEM;
    goto close;
  }
  size_t got = 0;
  rc = HB_ETIMEDOUT;
  for (int waited = 0; waited < DECIDE_WAIT_MS && !__atomic_load_n(&c->stopping, __ATOMIC_ACQUIRE);
       waited += DECIDE_SLICE_MS) {
    if (recv_frames(sock, ans, 2, &got, 0) == 0) {
      rc = got == 2 ? atoi(ans[0]) : HB_EPROTO;
      break;
    }
    if (errno != EAGAIN && errno != EINTR)
      break;
  }
  if (rc == 0)
    *n = strtoull(ans[1], NULL, 10);
  else if (rc == HB_ETIMEDOUT)
    snprintf(why, whylen,
             "服务繁忙或正在停止，结果未知，请刷新后查看 (no answer from the service in "
             "time: the outcome is unknown, reload and look)");
  else
    snprintf(why, whylen, "%s", got == 2 ? ans[1] : "内部错误 (bad answer)");
  free(ans);
close:
  zmq_close(sock);
  return rc;
}

/* ------------------------------------------------------------ loop side */

typedef struct decide_arg {
  store_decision_req req;
  uint64_t n;
  const char *why;
} decide_arg;

static int decide_body(store *s, void *arg)
{
  decide_arg *a = arg;
  a->n = 0;
  a->why = NULL;
  store_batch_clock(s, hb_time_now_ms() / 1000);
  return store_batch_decide(s, &a->req, &a->n, &a->why);
}

static void answer(console *c, int code, const char *text)
{
  char num[16];
  snprintf(num, sizeof num, "%d", code);
  const char *f[2] = {num, text};
  if (send_frames(c->rep, f, 2) != 0) /* the HTTP thread gave up: it said "unknown" */
    hb_log_warn("console: a decision's answer could not be sent: %s", zmq_strerror(errno));
}

bool console_handle(console *c)
{
  char(*f)[DECIDE_FRAME_MAX] = malloc(DECIDE_FRAMES * sizeof *f);
  size_t nf = 0;
  if (!f || recv_frames(c->rep, f, DECIDE_FRAMES, &nf, ZMQ_DONTWAIT) != 0) {
    if (f && errno != EAGAIN) /* REP: something was taken, so an answer is due */
      answer(c, HB_EZMQ, "内部错误 (decision channel)");
    free(f);
    return false;
  }
  if (nf != DECIDE_FRAMES || strlen(f[1]) != 1) {
    answer(c, HB_EPROTO, "内部错误 (malformed decision)");
    free(f);
    return false;
  }
  decide_arg a = {{f[0], f[2], f[1][0], atoi(f[3]), f[4][0] ? f[4] : NULL, f[5]}, 0, NULL};
  char err[512] = "";
  int rc = store_batch_run(c->st, decide_body, &a, err, sizeof err);
  char text[1024];
  if (rc == 0) {
    snprintf(text, sizeof text, "%llu", (unsigned long long)a.n);
    hb_log_notice("console: %s decided %s on %s/%s%s (history #%llu)", a.req.reviewer, f[3],
                  a.req.unit, f[1], a.req.id, (unsigned long long)a.n);
  } else {
    snprintf(text, sizeof text, "%s", a.why ? a.why : err[0] ? err : hb_strerror(rc));
  }
  answer(c, rc, text);
  free(f);
  return rc == 0;
}
