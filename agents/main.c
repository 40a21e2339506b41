/* huibao-agent: a township's ledger -> outbox -> county.
 *
 *   huibao-agent sync --unit CODE --ledger DIR --state DIR --county ENDPOINT ...
 *   huibao-agent check --ledger DIR [--unit CODE] [--campaigns FILE]
 *
 * Exit codes (sysexits.h): 0 done; 64 bad command line; 65 invalid rows or
 * records the county rejected (each printed); 66 ledger folder missing;
 * 74 the state cannot be written; 75 county unreachable or not everything
 * acked in time (the outbox keeps it for the next run; wins over 65). */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hb_campaigns.h"
#include "hb_cert.h"
#include "hb_sign.h"
#include "hb_cli.h"
#include "hb_date.h"
#include "hb_diag.h"
#include "hb_err.h"
#include "hb_exit.h"
#include "hb_ledger.h"
#include "hb_log.h"
#include "hb_platform.h"
#include "hb_units.h"
#include "hb_wire.h"
#include "hb_zmq.h"
#include "feedback.h"
#include "feedback_text.h"
#include "period.h"
#include "report.h"
#include "sender.h"
#include "state.h"
#include "template.h"

#define PROGRAM "huibao-agent"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
  (void)sig;
  stop_requested = 1;
}

typedef struct opts {
  const char *unit, *ledger, *state, *county, *campaigns;
  const char *key, *county_key; /* CURVE: own secret cert, the county's public cert */
  const char *sign_key;         /* issue 15: own secret signing key (default: beside key) */
  int insecure;                 /* plain TCP, explicitly */
  int timeout_s, window, batch;
  int log_level;
} opts;

enum { CMD_SYNC = 1, CMD_CHECK = 2 }; /* the commands' bits in opt_table */

#define O(field) .offset = offsetof(opts, field)
static const hb_cli_opt opt_table[] = {
    {.name = "unit", .kind = HB_CLI_STR, O(unit)},
    {.name = "ledger", .kind = HB_CLI_STR, O(ledger)},
    {.name = "campaigns", .kind = HB_CLI_STR, O(campaigns)},
    {.name = "log-level", .kind = HB_CLI_CALL, O(log_level), .set = hb_cli_log_level},
    {.name = "state", .kind = HB_CLI_STR, O(state), .commands = CMD_SYNC | CMD_CHECK},
    {.name = "county", .kind = HB_CLI_STR, O(county), .commands = CMD_SYNC},
    {.name = "timeout",
     .kind = HB_CLI_INT,
     O(timeout_s),
     .lo = 1,
     .hi = 86400,
     .what = "a number of seconds",
     .commands = CMD_SYNC},
    {.name = "window",
     .kind = HB_CLI_INT,
     O(window),
     .lo = 1,
     .hi = 64,
     .what = "a number of batches",
     .commands = CMD_SYNC},
    {.name = "batch",
     .kind = HB_CLI_INT,
     O(batch),
     .lo = 1,
     .hi = HB_WIRE_MAX_BATCH,
     .what = "a number of records",
     .commands = CMD_SYNC},
    {.name = "key", .kind = HB_CLI_STR, O(key), .commands = CMD_SYNC},
    {.name = "county-key", .kind = HB_CLI_STR, O(county_key), .commands = CMD_SYNC},
    {.name = "sign-key", .kind = HB_CLI_STR, O(sign_key), .commands = CMD_SYNC},
    {.name = "insecure", .kind = HB_CLI_FLAG, O(insecure), .commands = CMD_SYNC},
    {.name = "help", .letter = 'h', .kind = HB_CLI_HELP},
    {.kind = HB_CLI_END},
};
#undef O

static const char usage_main[] =
    "Usage: huibao-agent COMMAND [OPTIONS]\n"
    "\n"
    "Sends a unit's ledger (台账) to the county.\n"
    "\n"
    "Commands:\n"
    "  sync    validate the ledger, store what changed in the outbox, send it\n"
    "  check   validate the ledger offline\n"
    "  template  write an empty ledger workbook (.xlsx) with drop-down lists\n"
    "\n"
    "  huibao-agent COMMAND --help   options of a command\n"
    "  huibao-agent --version\n";

static const char usage_sync[] =
    "Usage: huibao-agent sync --unit CODE --ledger DIR --state DIR --county ENDPOINT\n"
    "                         [--timeout S] [--window N] [--batch N] [--campaigns FILE]\n"
    "                         [--log-level LEVEL]\n"
    "\n"
    "  --unit CODE        the unit whose ledger this is (e.g. xq-dlz)\n"
    "  --ledger DIR       folder with activities.csv, problems.csv, indicators.csv,\n"
    "                     cases.csv and reports.csv, or a workbook FILE.xlsx with sheets\n"
    "                     活动, 问题, 成效, 典型 and 报送\n"
    "  --state DIR        the agent's state (outbox, versions); created if missing\n"
    "  --county ENDPOINT  the county aggregator, e.g. tcp://county.example:7010\n"
    "  --timeout S        give up after S seconds without any ack (default 10; longer\n"
    "                     while a slow link still carries a batch: twice its time);\n"
    "                     what is not acked stays in the outbox for the next run\n"
    "  --window N         batches in flight (default 8, 1..64)\n"
    "  --batch N          records per batch (default 500, 1..1000)\n"
    "  --campaigns FILE   also check campaign and category against this file; for each\n"
    "                     campaign with a cycle, say what was reported for the current\n"
    "                     period (本期) and warn when its due is near\n"
    "  --key FILE         this unit's secret cert (huibao-keygen CODE.key_secret)\n"
    "  --county-key FILE  the county's public cert (its NAME.key)\n"
    "  --sign-key FILE    this unit's secret signing key (huibao-keygen CODE.sign_secret;\n"
    "                     default: beside --key); without one, records go unsigned\n"
    "  --insecure         plain TCP, no encryption or authentication\n"
    "  --log-level LEVEL  error|warning|notice|info|debug (default notice)\n"
    "\n"
    "The county's review decisions on this unit (已销号, 退回, ...) are printed as they\n"
    "arrive and kept in 县级反馈.csv beside the ledger.\n"
    "\n"
    "Exit: 0 all stored; 65 invalid rows or rejected records (printed); 66 no ledger\n"
    "folder; 74 state not writable; 75 county unreachable (nothing lost; run again);\n"
    "78 a key file missing or invalid.\n";

static const char usage_check[] =
    "Usage: huibao-agent check --ledger DIR [--unit CODE] [--campaigns FILE] [--state DIR]\n"
    "\n"
    "Validates the ledger offline and prints every bad row as FILE:LINE: column: reason\n"
    "(FILE:SHEET!CELL: column: reason for a workbook, --ledger FILE.xlsx).\n"
    "With --campaigns, the current period (本期) of each campaign with a cycle: what the\n"
    "ledger holds for it, or with --state DIR (and --unit) what sync reported.\n"
    "With --state DIR and --unit, the rows the county returned (退回, 重新打开) that\n"
    "were not changed since; they do not change the exit code.\n"
    "Exit: 0 valid; 65 some rows invalid; 66 no ledger folder.\n";

__attribute__((format(printf, 2, 3))) static int usage_error(int is_sync, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "%s: %s: ", PROGRAM, is_sync ? "sync" : "check");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nTry '%s %s --help'.\n", PROGRAM, is_sync ? "sync" : "check");
  return EX_USAGE;
}

/* Checks what the flags of sync (is_sync) or check cannot say alone: the
 * required ones, the keys, the endpoint, the unit code. Returns 0 or
 * EX_USAGE after printing why. */
static int opts_check(const opts *o, int is_sync)
{
  if (!o->ledger)
    return usage_error(is_sync, "%s", "--ledger DIR is required");
  if (is_sync) {
    if (!o->unit)
      return usage_error(is_sync, "%s", "--unit CODE is required");
    if (!o->state)
      return usage_error(is_sync, "%s", "--state DIR is required");
    if (!o->county)
      return usage_error(is_sync, "%s", "--county ENDPOINT is required");
    if (o->insecure && (o->key || o->county_key))
      return usage_error(is_sync, "%s",
                         "--insecure (plain TCP) contradicts --key/--county-key: give the keys "
                         "or --insecure, not both");
    if (!o->insecure && (!o->key || !o->county_key))
      return usage_error(is_sync, "%s",
                         "--key FILE (this unit's secret cert) and --county-key FILE (the "
                         "county's public cert) are required, or --insecure for plain TCP");
    char err[256];
    if (hb_zmq_endpoint_valid(o->county, err, sizeof err))
      return usage_error(is_sync, "--county: %s", err);
  }
  if (o->unit && !hb_unit_code_valid(o->unit))
    return usage_error(is_sync, "--unit %s: a unit code is 1-64 of A-Z a-z 0-9 _ . -", o->unit);
  return 0;
}

/* Parses the flags of sync (is_sync) or check. Returns 0, or an exit code
 * (EX_USAGE, or -1 for --help: exit 0). */
static int opts_parse(int argc, char **argv, int is_sync, opts *o)
{
  *o = (opts){.timeout_s = 10, .window = 8, .batch = 500, .log_level = HB_LOG_NOTICE};
  char err[512];
  int rc =
      hb_cli_parse(opt_table, is_sync ? CMD_SYNC : CMD_CHECK, o, argc, argv, NULL, err, sizeof err);
  if (rc == HB_CLI_HELP_ASKED) {
    fputs(is_sync ? usage_sync : usage_check, stdout);
    return -1;
  }
  if (rc != HB_CLI_RUN)
    return usage_error(is_sync, "%s", err);
  hb_log_set_level(o->log_level);
  return opts_check(o, is_sync);
}

/* Step 1: loads (and checks) the ledger; prints every diagnostic. Returns
 * 0, EX_DATAERR when rows were left out (the rest is in *l), or
 * EX_NOINPUT when the folder or the campaigns file cannot be read. */
static int ledger_load(const opts *o, const char *unit, hb_campaigns *camps, hb_ledger *l)
{
  hb_diags diags;
  hb_diags_init(&diags);
  int ex = EX_OK;
  const hb_campaigns *cp = NULL;
  char busy[1024];
  if (hb_platform_ledger_busy(o->ledger, busy, sizeof busy)) { /* Windows: open in Excel */
    fprintf(stderr, "%s: %s\n", PROGRAM, busy);
    return EX_TEMPFAIL;
  }
  struct stat sb;
  if (stat(o->ledger, &sb) != 0) {
    fprintf(stderr, "%s: ledger folder %s: %s\n", PROGRAM, o->ledger, strerror(errno));
    return EX_NOINPUT;
  }
  if (!S_ISDIR(sb.st_mode) && !(S_ISREG(sb.st_mode) && hb_ledger_is_xlsx(o->ledger))) {
    fprintf(stderr, "%s: ledger %s: not a folder or an .xlsx workbook\n", PROGRAM, o->ledger);
    return EX_NOINPUT;
  }
  if (o->campaigns) {
    int rc = hb_campaigns_load(o->campaigns, camps, &diags);
    hb_diags_write(&diags, stderr);
    if (rc) {
      fprintf(stderr, "%s: campaigns file %s: %s\n", PROGRAM, o->campaigns, hb_strerror(rc));
      hb_diags_free(&diags);
      return hb_exit_for_input(rc);
    }
    hb_diags_free(&diags);
    hb_diags_init(&diags);
    cp = camps;
  }
  int rc = hb_ledger_load(o->ledger, unit, cp, hb_date_today(), l, &diags);
  hb_diags_write(&diags, stderr);
  /* A missing or unreadable ledger comes first: it must stop a sync before
   * the diff, or every row sent before would look deleted. */
  if (rc)
    ex = hb_exit_for_input(rc);
  else if (hb_diags_errors(&diags) > 0)
    ex = EX_DATAERR;
  if (rc && rc != HB_EINVAL)
    fprintf(stderr, "%s: ledger %s: %s\n", PROGRAM, o->ledger, hb_strerror(rc));
  hb_diags_free(&diags);
  return ex;
}

/* The current periods of the campaigns with a cycle (NULL without
 * --campaigns or none): prints the 无新增 contradictions of the ledger. */
static agent_period_view *period_view(const opts *o, const hb_campaigns *camps, const hb_ledger *l)
{
  if (!o->campaigns)
    return NULL;
  hb_diags d;
  hb_diags_init(&d);
  agent_period_view *pv = NULL;
  if (agent_period_view_build(&pv, camps, l, hb_time_now_ms() / 1000, &d) != 0)
    hb_log_warn("period lines: %s", hb_strerror(HB_ENOMEM));
  hb_diags_write(&d, stderr);
  hb_diags_free(&d);
  return pv;
}

/* check: one line per open return (feedback.h), where the row is. */
static void open_return_print(void *arg, const Huibao__V1__Decision *d)
{
  const agent_line_index *lines = arg;
  char kind = d->kind[0], place[2048], line[4096];
  unsigned at = agent_line_find(lines, kind, d->id);
  agent_report_place(place, sizeof place, kind, at, agent_line_sheet(lines, kind));
  agent_feedback_text_line(line, sizeof line, d);
  fprintf(stderr, "%s: 县里%s，尚未修改 (%s by the county, not changed since): %s\n", place,
          d->action == HUIBAO__V1__DECISION_ACTION__REOPEN ? "重新打开" : "退回",
          d->action == HUIBAO__V1__DECISION_ACTION__REOPEN ? "reopened" : "returned", line);
}

/* check --state: the county's returns the clerk has not answered yet
 * (they do not change check's exit code). */
static void open_returns_print(agent_state *s, const hb_ledger *l)
{
  agent_line_index lines;
  agent_line_index_build(&lines, l);
  size_t n = 0;
  int rc = agent_feedback_open_returns(s, open_return_print, &lines, &n);
  if (rc)
    hb_log_warn("the county's decisions could not be read: %s", hb_strerror(rc));
  else if (n)
    fprintf(stderr,
            "县里退回待修改 %zu 条：修改台账中的这些行后重新同步 (%zu rows returned by the "
            "county: edit them and sync again)\n",
            n, n);
  agent_line_index_free(&lines);
}

static int cmd_check(int argc, char **argv)
{
  opts o;
  int ex = opts_parse(argc, argv, 0, &o);
  if (ex)
    return ex < 0 ? EX_OK : ex;
  hb_campaigns camps = {0};
  hb_ledger l;
  memset(&l, 0, sizeof l);
  ex = ledger_load(&o, o.unit ? o.unit : "check", &camps, &l);
  if (ex == EX_OK || ex == EX_DATAERR) {
    hb_log_info("%s: %zu rows read, %zu valid", o.ledger, l.rows_read,
                l.nactivities + l.nproblems + l.nindicators + l.ncases + l.nreports);
    agent_period_view *pv = period_view(&o, &camps, &l);
    agent_state *s = NULL;
    struct stat sb;
    char err[512];
    if (o.state && o.unit && stat(o.state, &sb) == 0 &&
        agent_state_open(&s, o.state, o.unit, err, sizeof err) == 0) {
      if (pv)
        agent_period_view_count(pv, s);
      open_returns_print(s, &l);
      agent_state_close(s);
    }
    agent_period_view_print(pv, stderr);
    agent_period_view_free(pv);
  }
  hb_ledger_free(&l);
  hb_campaigns_free(&camps);
  return ex;
}

/* sync: one line per decision of the county newly kept. */
static void on_decision(void *arg, const Huibao__V1__Decision *d)
{
  (void)arg;
  char line[4096];
  agent_feedback_text_line(line, sizeof line, d);
  fprintf(stderr, "%s\n", line);
}

/* sync, after sending: 县级反馈.csv rewritten from the decisions kept. A file
 * that cannot be written (open in Excel) is said and written next time. */
static void feedback_write(const opts *o, agent_state *s)
{
  struct stat sb;
  int is_workbook = stat(o->ledger, &sb) == 0 && S_ISREG(sb.st_mode);
  char *path = NULL;
  int rc = agent_feedback_csv_write(s, o->ledger, is_workbook, &path);
  if (rc)
    fprintf(stderr,
            "%s: %s 未能写入，下次同步时重写 (could not be written, written again on the next "
            "sync): %s\n",
            PROGRAM, path ? path : AGENT_FEEDBACK_CSV, hb_strerror(rc));
  free(path);
}

static void on_reject(void *arg, char kind, const char *id, const char *field, const char *reason)
{
  char line[2048];
  unsigned at = agent_line_find(arg, kind, id);
  agent_report_reject(line, sizeof line, kind, id, at, agent_line_sheet(arg, kind), field, reason);
  fprintf(stderr, "%s\n", line);
}

/* Longest wait for the county's answer to the epoch probe of a run with
 * nothing to send (seconds). */
#define PROBE_TIMEOUT_S 3

/* Reads this unit's secret cert and the county's public cert, printing
 * what is wrong with them. */
static int keys_load(const opts *o, hb_cert *key, hb_cert *county_key)
{
  hb_diags d;
  hb_diags_init(&d);
  int rc = hb_cert_read(o->key, 1, key, &d);
  if (rc == HB_OK)
    rc = hb_cert_read(o->county_key, 0, county_key, &d);
  hb_diags_write(&d, stderr);
  hb_diags_free(&d);
  return rc;
}

/* Reads this unit's signing key into s: --sign-key, else the file beside
 * --key (CODE.sign_secret). Without one the records go unsigned, said once
 * (a county that holds the unit's public signing key refuses them).
 * Returns 0, or EX_CONFIG after printing why a key file is unusable. */
static int sign_key_load(const opts *o, agent_state *s)
{
  char path[4096], err[600];
  const char *file = o->sign_key;
  if (!file && o->key && hb_sign_path_beside(o->key, path, sizeof path) == 0)
    file = path;
  uint8_t sk[HB_SIGN_SECRET_LEN];
  int rc = file ? hb_sign_secret_read(file, sk, err, sizeof err) : HB_ENOTFOUND;
  if (rc == HB_ENOTFOUND && !o->sign_key) {
    hb_log_warn("%s: 无签名密钥, 记录不签名发送 (no signing key%s%s: records are sent unsigned; "
                "make one with huibao-keygen --sign, docs/security.md)",
                o->unit, file ? " " : "", file ? file : "");
    return 0;
  }
  if (rc) {
    fprintf(stderr, "%s: %s\n", PROGRAM, err);
    return EX_CONFIG;
  }
  agent_state_sign_key_set(s, sk);
  sodium_memzero(sk, sizeof sk);
  size_t n = 0;
  if ((rc = agent_state_outbox_sign(s, &n)) != 0) {
    fprintf(stderr, "%s: state %s cannot be written: %s\n", PROGRAM, o->state, hb_strerror(rc));
    return hb_exit_for(rc);
  }
  if (n)
    hb_log_info("%s: %zu records waiting in the outbox signed", o->unit, n);
  return 0;
}

/* 8. The exit code of a sync whose ledger step gave ledger_ex and whose
 * sending (a probe when nothing was pending) returned rc with *st; prints
 * why it failed and the summary line. */
static int sync_result(const opts *o, int ledger_ex, int probe, int rc, agent_send_stats *st)
{
  if (probe && rc != 0 && hb_exit_for(rc) != EX_IOERR) {
    /* nothing was pending: the run did its work */
    hb_log_info("%s: county %s not asked for its store epoch: %s%s%s", o->unit, o->county,
                hb_strerror(rc), st->error[0] ? ": " : "", st->error);
    memset(st, 0, sizeof *st);
    rc = 0;
  }

  int result = ledger_ex;
  if (st->rejected > 0)
    result = EX_DATAERR;
  if (st->held > 0) {
    fprintf(stderr,
            "%s: 县级汇总程序版本较旧，不能接收成效 (indicators.csv)、典型 (cases.csv) 或报送 "
            "(reports.csv) 记录 (the county runs a version that cannot read indicators and "
            "cases, or 报送 rows): %zu records kept in the outbox and sent again on every sync "
            "until the county is upgraded; the county said: %s\n",
            PROGRAM, st->held, st->held_error);
    result = EX_DATAERR;
  }
  if (rc == HB_EPROTO) {
    fprintf(stderr, "%s: the county refused the batch: %s\n", PROGRAM, st->error);
    result = EX_DATAERR;
  } else if (hb_exit_for(rc) == EX_IOERR) {
    fprintf(stderr, "%s: state %s cannot be written: %s\n", PROGRAM, o->state, hb_strerror(rc));
    result = EX_IOERR;
  } else if (rc == HB_EAGAIN) {
    fprintf(stderr, "%s: %s\n", PROGRAM, st->error);
    result = EX_TEMPFAIL;
  } else if (rc == HB_ETIMEDOUT || (rc == 0 && st->pending > st->held)) {
    if (st->retried && st->error[0])
      fprintf(stderr, "%s: %s\n", PROGRAM, st->error);
    if (st->handshake[0]) {
      fprintf(stderr, "%s: %s: %s\n", PROGRAM, o->county, st->handshake);
      if (!o->insecure)
        fprintf(stderr,
                "(ask the county to install this unit's public key, %s.key, and "
                "reload: systemctl reload huibao-aggregator)\n",
                o->unit);
      fprintf(stderr,
              "county refused the connection: %zu records kept in the outbox for the "
              "next run\n",
              st->pending);
    } else {
      fprintf(stderr, "county unreachable: %zu records kept in the outbox for the next run\n",
              st->pending);
    }
    result = EX_TEMPFAIL;
  } else if (rc) {
    fprintf(stderr, "%s: sending to %s: %s\n", PROGRAM, o->county, hb_strerror(rc));
    result = EX_TEMPFAIL;
  }
  if (st->submits > 0)
    hb_log_info("%s: %zu Submits (%zu of them compressed), %zu bytes (%zu uncompressed)", o->unit,
                st->submits, st->submits_zstd, st->bytes, st->bytes_plain);
  if (st->reconnects > 0)
    hb_log_notice("%s: the connection to the county closed %d times during the sync; what "
                  "was in flight was sent again",
                  o->unit, st->reconnects);
  char line[256];
  agent_report_summary(line, sizeof line, st);
  fprintf(stderr, "%s\n", line);
  return result;
}

/* Step 7 of sync: the county's store changed (an Ack carried another
 * epoch): re-queues everything known and sends it again, once. Returns
 * agent_send's result (HB_EAGAIN if the epoch changed again); *state_rc
 * gets the state's error when it could not be written (nothing sent). */
static int resend_all(const opts *o, agent_state *s, agent_send_opts *so, agent_line_index *lines,
                      agent_send_stats *st, int *state_rc)
{
  agent_resend_stats rs;
  /* the county's decisions are taken again from 0 (before the epoch is
   * stored: a run cut short does this again) */
  int rc = agent_feedback_reset(s);
  if (rc == 0)
    rc = agent_state_resend_all(s, st->epoch, agent_now_us(), &rs);
  if (rc) {
    fprintf(stderr, "%s: state %s cannot be written: %s\n", PROGRAM, o->state, hb_strerror(rc));
    *state_rc = rc;
    return rc;
  }
  hb_log_notice("%s: the county's store changed (restored from a backup?): re-sending all %zu "
                "rows and %zu deletions",
                o->unit, rs.rows, rs.tombstones);
  agent_send_stats first = *st;
  so->probe = 0;
  so->timeout_ms = o->timeout_s * 1000;
  rc = agent_send(s, so, on_reject, lines, st);
  st->sent += first.sent;
  st->stored += first.stored;
  st->duplicate += first.duplicate;
  st->stale += first.stale;
  st->rejected += first.rejected;
  st->reconnects += first.reconnects;
  st->submits += first.submits;
  st->submits_zstd += first.submits_zstd;
  st->bytes += first.bytes;
  st->bytes_plain += first.bytes_plain;
  if (rc == AGENT_SEND_EPOCH_CHANGED) {
    snprintf(st->error, sizeof st->error,
             "the county's store changed again during this run: run again");
    rc = HB_EAGAIN;
  }
  return rc;
}

static int cmd_sync(int argc, char **argv)
{
  opts o;
  int ex = opts_parse(argc, argv, 1, &o);
  if (ex)
    return ex < 0 ? EX_OK : ex;

  /* 0. Keys (fail before any work). */
  hb_cert key, county_key;
  if (!o.insecure && keys_load(&o, &key, &county_key) != 0)
    return EX_CONFIG;
  if (o.insecure)
    hb_log_warn("insecure: plain TCP to %s, not encrypted, not authenticated", o.county);

  /* 1. Load and check the ledger. */
  hb_campaigns camps = {0};
  hb_ledger l;
  memset(&l, 0, sizeof l);
  int ledger_ex = ledger_load(&o, o.unit, &camps, &l);
  if (ledger_ex != EX_OK && ledger_ex != EX_DATAERR) {
    hb_ledger_free(&l);
    hb_campaigns_free(&camps);
    return ledger_ex;
  }

  /* 2. Open the state. */
  agent_state *s = NULL;
  char err[512];
  int rc = agent_state_open(&s, o.state, o.unit, err, sizeof err);
  if (rc) {
    fprintf(stderr, "%s: state: %s\n", PROGRAM, err);
    hb_ledger_free(&l);
    hb_campaigns_free(&camps);
    return rc == HB_EINVAL ? EX_USAGE : hb_exit_for(rc);
  }

  /* 2b. The signing key (issue 15): every record put in the outbox is signed. */
  if ((rc = sign_key_load(&o, s)) != 0) {
    agent_state_close(s);
    hb_ledger_free(&l);
    hb_campaigns_free(&camps);
    return rc;
  }

  /* 3. Diff into the outbox, committed before anything is sent. */
  agent_period_view *pv = period_view(&o, &camps, &l);
  agent_diff_stats d;
  rc = agent_state_diff(s, &l, agent_now_us(), &d);
  hb_campaigns_free(&camps);
  if (rc) {
    fprintf(stderr, "%s: state %s cannot be written: %s\n", PROGRAM, o.state, hb_strerror(rc));
    agent_state_close(s);
    hb_ledger_free(&l);
    agent_period_view_free(pv);
    return hb_exit_for(rc);
  }
  size_t outbox = agent_state_outbox_count(s);
  hb_log_info("%s: %zu new, %zu changed, %zu deleted, %zu unchanged; %zu in the outbox", o.unit,
              d.added, d.changed, d.tombstones, d.unchanged, outbox);

  /* 4-6. Send with a window until all is acked or no progress for
   * --timeout. With nothing to send, one empty Submit still asks the county
   * for its store's epoch (briefly, and without failing the run): a county
   * restored from a backup lost what it acked since, even when this ledger
   * did not change. */
  agent_send_stats st;
  memset(&st, 0, sizeof st);
  int probe = outbox == 0;
  agent_send_opts so = {
      .endpoint = o.county,
      .unit = o.unit,
      .agent_version = PROGRAM "/" HUIBAO_VERSION,
      .timeout_ms =
          probe && o.timeout_s > PROBE_TIMEOUT_S ? PROBE_TIMEOUT_S * 1000 : o.timeout_s * 1000,
      .window = o.window,
      .batch = o.batch,
      .resend_ms = 3000,
      .retry_ms = 1000,
      .stop = &stop_requested,
      .key = o.insecure ? NULL : &key,
      .county_public = o.insecure ? NULL : county_key.public_key,
      .probe = probe,
      .on_decision = on_decision,
  };
  agent_line_index lines;
  agent_line_index_build(&lines, &l); /* on failure rejections show no line */
  hb_ledger_free(&l);
  rc = agent_send(s, &so, on_reject, &lines, &st);

  /* 7. The county's store changed: send everything known again, once. */
  if (rc == AGENT_SEND_EPOCH_CHANGED) {
    int state_rc = 0;
    probe = 0;
    rc = resend_all(&o, s, &so, &lines, &st, &state_rc);
    if (state_rc) {
      agent_state_close(s);
      agent_line_index_free(&lines);
      agent_period_view_free(pv);
      return hb_exit_for(state_rc);
    }
  }
  /* The county's decisions, as the clerk opens them (县级反馈.csv). */
  feedback_write(&o, s);
  /* 9. What this period's report now is, from the state (after the acks). */
  if (agent_period_view_count(pv, s) != 0)
    hb_log_warn("%s: the state could not be read for the period lines", o.unit);
  agent_state_close(s);
  agent_line_index_free(&lines);

  int result = sync_result(&o, ledger_ex, probe, rc, &st);
  agent_period_view_print(pv, stderr);
  agent_period_view_free(pv);
  return result;
}

int main(int argc, char **argv)
{
  hb_platform_init(&argc, &argv); /* Windows: UTF-8 arguments and console */
  hb_log_init(PROGRAM, HB_LOG_NOTICE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);

  if (argc < 2) {
    fprintf(stderr, "%s: a command is needed\n%s", PROGRAM, usage_main);
    return EX_USAGE;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage_main, stdout);
    return EX_OK;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("%s %s\n", PROGRAM, HUIBAO_VERSION);
    return EX_OK;
  }
  if (strcmp(cmd, "sync") == 0)
    return cmd_sync(argc - 1, argv + 1);
  if (strcmp(cmd, "check") == 0)
    return cmd_check(argc - 1, argv + 1);
  if (strcmp(cmd, "template") == 0)
    return agent_template_main(argc - 1, argv + 1);
  fprintf(stderr, "%s: unknown command %s\n%s", PROGRAM, cmd, usage_main);
  return EX_USAGE;
}
