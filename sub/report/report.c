/* report.c: huibao-sub report: a report template filled with the current
 * rollup of one campaign, as text, Markdown or .docx.
 *
 * The template is read and parsed before anything is received, so a typo
 * costs no wait. A report is written only from a complete view: when a
 * county did not answer, or the campaign is unknown, nothing is written
 * (a report with a county missing would carry wrong totals). */
#include "report.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include "docx.h"
#include "hb_err.h"
#include "hb_log.h"
#include "hb_text.h"
#include "gather.h"
#include "net.h"
#include "hb_date.h"
#include "report_doc.h"
#include "report_lists.h"
#include "report_model.h"
#include "report_period.h"
#include "tmpl.h"

typedef enum report_format { FMT_TEXT = 1, FMT_MD, FMT_DOCX } report_format;

static bool ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/* --format, or else the --out file's extension, or else text. */
static int pick_format(const sub_cli *cli, report_format *f)
{
  const char *n = cli->format_name;
  if (!n) {
    *f = cli->out && ends_with(cli->out, ".docx") ? FMT_DOCX
         : cli->out && ends_with(cli->out, ".md") ? FMT_MD
                                                  : FMT_TEXT;
  } else if (strcmp(n, "text") == 0 || strcmp(n, "txt") == 0) {
    *f = FMT_TEXT;
  } else if (strcmp(n, "md") == 0 || strcmp(n, "markdown") == 0) {
    *f = FMT_MD;
  } else if (strcmp(n, "docx") == 0) {
    *f = FMT_DOCX;
  } else {
    fprintf(stderr, "%s: report: --format '%s' is not text, md or docx\n", SUB_PROGRAM, n);
    return EX_USAGE;
  }
  if (*f == FMT_DOCX && !cli->out) {
    fprintf(stderr, "%s: report: --format docx needs --out FILE.docx\n", SUB_PROGRAM);
    return EX_USAGE;
  }
  return EX_OK;
}

/* Reads and parses the template (UTF-8 or GBK, as clerks save it). */
static int load_template(const char *path, sub_tmpl **t)
{
  char err[1024], *text = NULL;
  size_t len;
  int rc = hb_text_read_file(path, SUB_TMPL_MAX_SIZE, &text, &len, NULL, err, sizeof err);
  if (rc == HB_EPARSE) {
    fprintf(stderr, "%s: %s:%s\n", SUB_PROGRAM, path, err);
    return EX_DATAERR;
  }
  if (rc != 0) {
    fprintf(stderr, "%s: template %s\n", SUB_PROGRAM, err);
    return rc == HB_ENOTFOUND ? EX_NOINPUT : rc == HB_ETOOBIG ? EX_DATAERR : EX_IOERR;
  }
  rc = sub_tmpl_parse(path, text, len, t, err, sizeof err);
  free(text);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, rc == HB_ENOMEM ? "out of memory" : err);
    return rc == HB_ENOMEM ? EX_SOFTWARE : EX_DATAERR;
  }
  return EX_OK;
}

/* The merged rollup of cli->campaign, from the counties or the stored view
 * (each county's rollups stay in c, initialised by the caller, for the
 * names of the lists). */
static int gather_rollup(const sub_cli *cli, sub_collect *cp, Huibao__V1__Rollup **r)
{
  sub_collect c = *cp;
  char **eps = NULL;
  size_t neps = 0;
  int ex = sub_gather(cli, &c, &eps, &neps);
  if (ex == EX_TEMPFAIL) {
    fprintf(stderr,
            "%s: report not written: a county did not answer (a report without it "
            "would carry wrong totals)\n",
            SUB_PROGRAM);
  } else if (ex == EX_OK) {
    sub_view_opts o;
    sub_view_opts_from_cli(cli, &o);
    o.origins = eps;
    o.norigins = neps;
    int rc = sub_view_merge(&c, cli->campaign, &o, r);
    if (rc != 0) {
      fprintf(stderr, "%s: merging the rollups: %s\n", SUB_PROGRAM, hb_strerror(rc));
      ex = EX_SOFTWARE;
    } else if (!*r) {
      fprintf(stderr, "%s: no rollup of campaign '%s' %s\n", SUB_PROGRAM, cli->campaign,
              cli->connect ? "from the counties" : "in the stored view");
      ex = EX_NOINPUT;
    }
  }
  for (size_t i = 0; *r && i < (*r)->n_sources; i++)
    if ((*r)->sources[i]->stale)
      fprintf(stderr, "%s: warning: county %s is stale: its figures are its last known ones\n",
              SUB_PROGRAM, (*r)->sources[i]->code);
  *cp = c;
  sub_net_free_list(eps, neps);
  return ex;
}

/* A string of the data as the template may place it on a line of the
 * report (NULL when out of memory): '|' as SUB_DOC_PIPE, so that a name in a
 * table row stays one cell (report_doc.h); tab, CR and LF as spaces, so that
 * it stays on its line; other C0 and C1 controls (SUB_DOC_PIPE among them),
 * DEL, U+FFFE and U+FFFF dropped. */
static char *clean_string(const char *s)
{
  size_t len = strlen(s), j = 0;
  char *out = malloc(len + 1);
  if (!out)
    return NULL;
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    size_t n = hb_utf8_decode(s + i, len - i, &cp);
    if (!n) { /* jansson strings are UTF-8; defensive */
      i++;
      continue;
    }
    if (cp == '|')
      out[j++] = SUB_DOC_PIPE;
    else if (cp == '\t' || cp == '\r' || cp == '\n')
      out[j++] = ' ';
    else if (cp >= 0x20 && !(cp >= 0x7F && cp < 0xA0) && cp != 0xFFFE && cp != 0xFFFF) {
      memcpy(out + j, s + i, n);
      j += n;
    }
    i += n;
  }
  out[j] = '\0';
  return out;
}

/* Replaces the string x (the value at it, or at index i of an array v). */
static int clean_one(json_t *v, void *it, size_t i, json_t *x)
{
  char *c = clean_string(json_string_value(x));
  json_t *n = c ? json_string(c) : NULL;
  free(c);
  if (!n)
    return HB_ENOMEM;
  return (it ? json_object_iter_set_new(v, it, n) : json_array_set_new(v, i, n)) ? HB_ENOMEM : 0;
}

static bool container(const json_t *x)
{
  return json_is_object(x) || json_is_array(x);
}

/* Cleans every string value under v in place (clean_string); keys stay.
 * The model shares objects between lists (a unit is in units, unit and
 * units_by_type): seen holds the containers done, by address, so that no
 * string is cleaned twice. Returns 0 or HB_ENOMEM. */
static int clean_model(json_t *v, json_t *seen)
{
  char key[32];
  snprintf(key, sizeof key, "%p", (void *)v);
  if (json_object_get(seen, key))
    return 0;
  if (json_object_set_new(seen, key, json_true()) != 0)
    return HB_ENOMEM;
  int rc = 0;
  if (json_is_object(v)) {
    for (void *it = json_object_iter(v); it && rc == 0; it = json_object_iter_next(v, it)) {
      json_t *x = json_object_iter_value(it);
      rc = json_is_string(x) ? clean_one(v, it, 0, x) : container(x) ? clean_model(x, seen) : 0;
    }
  } else if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v) && rc == 0; i++) {
      json_t *x = json_array_get(v, i);
      rc = json_is_string(x) ? clean_one(v, NULL, i, x) : container(x) ? clean_model(x, seen) : 0;
    }
  }
  return rc;
}

/* The model of r with its periods (--period, or NULL for the last closed
 * one) and its lists (report_lists.h: from the replica of --data, names
 * from the counties' rollups in c), rendered with t into *text. */
static int render(const sub_tmpl *t, const Huibao__V1__Rollup *r, const sub_cli *cli,
                  const sub_collect *c, char **text)
{
  char err[1024];
  json_t *model = sub_report_model(r);
  json_t *seen = json_object();
  int rc = model ? sub_report_model_periods(model, cli->period, err, sizeof err) : HB_ENOMEM;
  if (rc == 0 &&
      (rc = sub_report_model_lists(model, cli->data, cli->campaign, c, hb_date_today(), NULL, err,
                                   sizeof err)) != 0 &&
      rc != HB_ENOMEM) {
    fprintf(stderr, "%s: report: reading the replica: %s\n", SUB_PROGRAM, err);
    json_decref(model);
    json_decref(seen);
    return EX_IOERR;
  }
  if (rc == HB_ENOTFOUND) {
    fprintf(stderr, "%s: report: %s\n", SUB_PROGRAM, err);
    json_decref(model);
    json_decref(seen);
    return EX_NOINPUT;
  }
  if (rc != 0 || !seen || clean_model(model, seen) != 0) {
    json_decref(model);
    model = NULL;
  }
  json_decref(seen);
  if (!model) {
    fprintf(stderr, "%s: out of memory\n", SUB_PROGRAM);
    return EX_SOFTWARE;
  }
  rc = sub_tmpl_render(t, model, text, NULL, err, sizeof err);
  json_decref(model);
  if (rc != 0) {
    fprintf(stderr, "%s: %s\n", SUB_PROGRAM, rc == HB_ENOMEM ? "out of memory" : err);
    return rc == HB_ENOMEM ? EX_SOFTWARE : EX_DATAERR;
  }
  return EX_OK;
}

/* Writes the text or Markdown form to --out (atomically) or stdout. */
static int write_plain(const sub_doc *d, report_format f, const char *out)
{
  char *mem = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&mem, &len);
  if (!m) {
    fprintf(stderr, "%s: out of memory\n", SUB_PROGRAM);
    return EX_SOFTWARE;
  }
  int rc = f == FMT_MD ? sub_doc_write_md(d, m) : sub_doc_write_text(d, m);
  if (fclose(m) != 0 && rc == 0)
    rc = HB_ENOMEM;
  if (rc == 0) {
    if (out) {
      rc = hb_file_write_atomic(out, mem, len, 0644);
      if (rc != 0)
        fprintf(stderr, "%s: writing %s: %s\n", SUB_PROGRAM, out, strerror(errno));
    } else if (fwrite(mem, 1, len, stdout) != len || fflush(stdout) != 0) {
      fprintf(stderr, "%s: writing the report: %s\n", SUB_PROGRAM, strerror(errno));
      rc = HB_EIO;
    }
  } else {
    fprintf(stderr, "%s: writing the report: %s\n", SUB_PROGRAM, hb_strerror(rc));
  }
  free(mem);
  return rc == 0 ? EX_OK : rc == HB_ENOMEM ? EX_SOFTWARE : EX_IOERR;
}

int sub_report(const sub_cli *cli)
{
  report_format fmt;
  int ex = pick_format(cli, &fmt);
  if (ex != EX_OK)
    return ex;
  sub_tmpl *t = NULL;
  if ((ex = load_template(cli->template_path, &t)) != EX_OK)
    return ex;
  Huibao__V1__Rollup *r = NULL;
  char *text = NULL;
  sub_doc d;
  memset(&d, 0, sizeof d);
  sub_collect c;
  sub_collect_init(&c);
  if ((ex = gather_rollup(cli, &c, &r)) != EX_OK)
    goto out;
  if ((ex = render(t, r, cli, &c, &text)) != EX_OK)
    goto out;
  if (sub_doc_parse(text, &d) != 0) {
    fprintf(stderr, "%s: out of memory\n", SUB_PROGRAM);
    ex = EX_SOFTWARE;
    goto out;
  }
  if (fmt == FMT_DOCX) {
    char err[1024];
    int rc = sub_docx_write(&d, cli->out, err, sizeof err);
    if (rc != 0) {
      fprintf(stderr, "%s: writing the report: %s\n", SUB_PROGRAM,
              rc == HB_ENOMEM ? "out of memory" : err);
      ex = rc == HB_ENOMEM ? EX_SOFTWARE : EX_IOERR;
    }
  } else {
    ex = write_plain(&d, fmt, cli->out);
  }
  if (ex == EX_OK && cli->out)
    hb_log_info("report of %s written to %s", cli->campaign, cli->out);
out:
  sub_collect_free(&c);
  sub_doc_free(&d);
  free(text);
  if (r)
    protobuf_c_message_free_unpacked(&r->base, NULL);
  sub_tmpl_free(t);
  return ex;
}
