/* hb_cli.c: the table-driven command-line parser (see hb_cli.h). */
#include "hb_cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_err.h"
#include "hb_log.h"

#define CLI_MAX_OPTS 64
#define CLI_VAL_BASE 256 /* getopt_long's val of entry i: CLI_VAL_BASE + i */

static int takes_value(hb_cli_kind k)
{
  return k != HB_CLI_FLAG && k != HB_CLI_DO && k != HB_CLI_HELP && k != HB_CLI_VERSION;
}

static void *dest_of(const hb_cli_opt *o, void *conf)
{
  return (char *)conf + o->offset;
}

static int parse_ll(const char *s, long long lo, long long hi, long long *out)
{
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static int parse_bool(const char *s, int *out)
{
  static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
  for (size_t i = 0; i < 3; i++) {
    if (strcasecmp(s, yes[i]) == 0)
      return *out = 1, 0;
    if (strcasecmp(s, no[i]) == 0)
      return *out = 0, 0;
  }
  return -1;
}

/* Applies value (NULL for a flag on the command line) to o's destination.
 * Returns 0, HB_ENOMEM, or HB_EINVAL with "NAME: reason" in err (dash is
 * "--" on the command line, "" in a file). */
static int opt_apply(const hb_cli_opt *o, void *conf, const char *value, const char *dash,
                     char *err, size_t errlen)
{
  void *dest = dest_of(o, conf);
  char why[256] = "";
  int bad = 0;
  long long v = 0;
  switch (o->kind) {
  case HB_CLI_FLAG:
    if (!value)
      *(int *)dest = 1;
    else if (parse_bool(value, (int *)dest) != 0)
      snprintf(why, sizeof why, "'%s' is not true or false", value);
    break;
  case HB_CLI_STR: *(const char **)dest = value; break;
  case HB_CLI_DUP: {
    if (!*value) {
      snprintf(why, sizeof why, "empty value");
      break;
    }
    char *d = strdup(value);
    if (!d)
      return HB_ENOMEM;
    free(*(char **)dest);
    *(char **)dest = d;
    break;
  }
  case HB_CLI_INT:
  case HB_CLI_INT64:
    if (parse_ll(value, o->lo, o->hi, &v) != 0)
      snprintf(why, sizeof why, "'%s' is not %s from %lld to %lld", value,
               o->what ? o->what : "a number", o->lo, o->hi);
    else if (o->kind == HB_CLI_INT)
      *(int *)dest = (int)v;
    else
      *(int64_t *)dest = (int64_t)v;
    break;
  case HB_CLI_CALL:
  case HB_CLI_DO:
    bad = o->set(dest, value, why, sizeof why) != 0;
    if (bad && !why[0])
      snprintf(why, sizeof why, "'%s' is not %s", value, o->what ? o->what : "valid");
    break;
  default: break;
  }
  if (!bad && !why[0])
    return 0;
  snprintf(err, errlen, "%s%s: %s", dash, o->name, why);
  return HB_EINVAL;
}

/* Builds getopt_long's tables from opts. Returns the number of entries,
 * or -1 when opts has more than CLI_MAX_OPTS. */
static int tables_build(const hb_cli_opt *opts, struct option *longs, char *shorts)
{
  int n = 0;
  char *s = shorts;
  *s++ = ':';
  for (; opts[n].kind != HB_CLI_END; n++) {
    if (n == CLI_MAX_OPTS)
      return -1;
    longs[n] =
        (struct option){opts[n].name, takes_value(opts[n].kind) ? 1 : 0, NULL, CLI_VAL_BASE + n};
    if (opts[n].letter) {
      *s++ = (char)opts[n].letter;
      if (takes_value(opts[n].kind))
        *s++ = ':';
    }
  }
  longs[n] = (struct option){NULL, 0, NULL, 0};
  *s = '\0';
  return n;
}

/* The entry getopt_long returned c for (a long option's val or a letter). */
static const hb_cli_opt *opt_of(const hb_cli_opt *opts, int n, int c)
{
  if (c >= CLI_VAL_BASE && c < CLI_VAL_BASE + n)
    return &opts[c - CLI_VAL_BASE];
  for (int i = 0; i < n; i++)
    if (opts[i].letter && opts[i].letter == c)
      return &opts[i];
  return NULL;
}

int hb_cli_parse(const hb_cli_opt *opts, unsigned command, void *conf, int argc, char **argv,
                 int *npos, char *err, size_t errlen)
{
  struct option longs[CLI_MAX_OPTS + 1];
  char shorts[2 * CLI_MAX_OPTS + 2];
  int n = tables_build(opts, longs, shorts);
  if (n < 0) {
    snprintf(err, errlen, "more than %d options", CLI_MAX_OPTS);
    return HB_EINVAL;
  }
  opterr = 0;
  optind = 0; /* glibc: start again from scratch */
  for (;;) {
    int c = getopt_long(argc, argv, shorts, longs, NULL);
    if (c == -1)
      break;
    if (c == ':') {
      snprintf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
      return HB_EINVAL;
    }
    const hb_cli_opt *o = c == '?' ? NULL : opt_of(opts, n, c);
    if (!o) {
      snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
      return HB_EINVAL;
    }
    if (command && o->commands && !(o->commands & command)) {
      snprintf(err, errlen, "option '--%s' does not apply to this command", o->name);
      return HB_EINVAL;
    }
    if (o->kind == HB_CLI_HELP)
      return HB_CLI_HELP_ASKED;
    if (o->kind == HB_CLI_VERSION)
      return HB_CLI_VERSION_ASKED;
    int rc = opt_apply(o, conf, takes_value(o->kind) ? optarg : NULL, "--", err, errlen);
    if (rc != 0)
      return rc;
  }
  if (npos)
    *npos = optind;
  else if (optind < argc) {
    snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
    return HB_EINVAL;
  }
  return HB_CLI_RUN;
}

int hb_cli_set(const hb_cli_opt *opts, void *conf, const char *name, const char *value, char *err,
               size_t errlen)
{
  char key[64];
  snprintf(key, sizeof key, "%s", name);
  for (char *p = key; *p; p++)
    if (*p == '_')
      *p = '-';
  for (const hb_cli_opt *o = opts; o->kind != HB_CLI_END; o++) {
    if (strcmp(o->name, key) != 0 || o->cli_only || o->kind == HB_CLI_HELP ||
        o->kind == HB_CLI_VERSION || o->kind == HB_CLI_STR)
      continue;
    return opt_apply(o, conf, value, "", err, errlen);
  }
  snprintf(err, errlen, "unknown setting '%s'", name);
  return HB_ENOTFOUND;
}

int hb_cli_log_level(void *dest, const char *value, char *why, size_t whylen)
{
  int l = hb_log_level_parse(value);
  if (l < 0) {
    snprintf(why, whylen, "'%s' is not error|warning|notice|info|debug", value);
    return -1;
  }
  *(int *)dest = l;
  return 0;
}

void hb_cli_free(const hb_cli_opt *opts, void *conf)
{
  for (const hb_cli_opt *o = opts; o->kind != HB_CLI_END; o++)
    if (o->kind == HB_CLI_DUP) {
      free(*(char **)dest_of(o, conf));
      *(char **)dest_of(o, conf) = NULL;
    }
}
