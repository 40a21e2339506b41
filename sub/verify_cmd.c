/* verify_cmd.c: huibao-sub verify --data DIR [--format table|json]
 * (verify.h, docs/verify.md): every county once, from the view and the
 * replica kept by run/serve in DIR. */
#include "verify.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include "cli.h"
#include "exit.h"
#include "gather.h"
#include "hb_err.h"
#include "verify_internal.h"

/* The result of every county: those of the replica, then those the view
 * has rollups of but the replica holds nothing of. */
typedef struct verify_all {
  sub_vcounty *k;
  size_t n;
} verify_all;

static void all_free(verify_all *a)
{
  for (size_t i = 0; i < a->n; i++) {
    sub_vcounty_clear(&a->k[i]);
    free(a->k[i].code);
  }
  free(a->k);
}

/* Adds a county of the view that the replica does not hold (a note). */
static int add_unheld(verify_all *a, const char *code)
{
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->k[i].code, code) == 0)
      return 0;
  sub_vcounty *k = &a->k[a->n];
  memset(k, 0, sizeof *k);
  if (!(k->code = strdup(code)))
    return HB_ENOMEM;
  a->n++;
  char text[600];
  snprintf(text, sizeof text,
           "副本中尚无此县的记录，暂不可比 (the replica holds nothing of county %s yet: not "
           "comparable)",
           code);
  k->notes = malloc(sizeof *k->notes);
  if (!k->notes || !(k->notes[0] = strdup(text)))
    return HB_ENOMEM;
  k->nnotes = k->capnotes = 1;
  return 0;
}

/* Checks every county of the replica and lists those it lacks. */
static int check_all(sub_replica *rep, const sub_collect *c, verify_all *a, char *err,
                     size_t errlen)
{
  sub_replica_county *hs;
  size_t n;
  int rc = sub_verify_heads(rep, &hs, &n, err, errlen);
  if (rc != 0)
    return rc;
  a->k = calloc(n + c->count + 1, sizeof *a->k);
  if (!a->k) {
    sub_verify_heads_free(hs, n);
    return HB_ENOMEM;
  }
  for (size_t i = 0; i < n && rc == 0; i++) {
    sub_vcounty *k = &a->k[a->n];
    if (!(k->code = strdup(hs[i].county))) {
      rc = HB_ENOMEM;
      break;
    }
    a->n++;
    rc = sub_verify_county(rep, &hs[i], c, k);
    if (rc != 0 && !err[0])
      snprintf(err, errlen, "county %s: %s", hs[i].county, hb_strerror(rc));
  }
  sub_verify_heads_free(hs, n);
  for (size_t i = 0; i < c->count && rc == 0; i++)
    rc = add_unheld(a, c->items[i].origin);
  return rc;
}

static int print_table(const verify_all *a, FILE *f)
{
  size_t failed = 0;
  for (size_t i = 0; i < a->n; i++) {
    const sub_vcounty *k = &a->k[i];
    failed += k->failed;
    fprintf(f, "县 %s：%s，副本 %" PRIu64 " 条 (county %s: %s, replica holds %" PRIu64 ")\n",
            k->code, k->failed ? "数据核验未通过" : "通过", k->held_n, k->code,
            k->failed ? "FAILED" : "passed", k->held_n);
    for (size_t j = 0; j < k->nf; j++)
      fprintf(f, "  %s\n", k->f[j].text);
    for (size_t j = 0; j < k->nnotes; j++)
      fprintf(f, "  注 (note): %s\n", k->notes[j]);
  }
  if (a->n == 0)
    fprintf(f, "无县可核验 (no county to verify)\n");
  fprintf(f, "%zu 个县未通过 (%zu counties failed) / %zu\n", failed, failed, a->n);
  return ferror(f) ? HB_EIO : 0;
}

static int print_json(const verify_all *a, FILE *f)
{
  json_t *arr = json_array();
  json_int_t failed = 0;
  for (size_t i = 0; arr && i < a->n; i++) {
    failed += a->k[i].failed;
    if (json_array_append_new(arr, sub_vcounty_json(&a->k[i])) != 0) {
      json_decref(arr);
      arr = NULL;
    }
  }
  json_t *j = arr ? json_pack("{s:I, s:o}", "failed", failed, "counties", arr) : NULL;
  if (!j)
    return HB_ENOMEM;
  int rc = json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 ? 0 : HB_EIO;
  fputc('\n', f);
  json_decref(j);
  return rc || ferror(f) ? HB_EIO : 0;
}

/* Opens the replica of cli->data readonly; on failure prints why and
 * returns the exit code (66: none). */
static int open_replica(const sub_cli *cli, sub_replica **rep)
{
  char err[512] = "";
  int rc = sub_replica_open(rep, cli->data, true, err, sizeof err);
  if (rc == HB_ENOTFOUND) {
    fprintf(stderr,
            "%s: %s 中没有副本 (no replica in %s: run `%s run --data %s --detail EP ...` "
            "first)\n",
            SUB_PROGRAM, cli->data, cli->data, SUB_PROGRAM, cli->data);
    return EX_NOINPUT;
  }
  if (rc != 0) {
    fprintf(stderr, "%s: replica in %s: %s\n", SUB_PROGRAM, cli->data,
            err[0] ? err : hb_strerror(rc));
    return sub_exit_for(rc);
  }
  return EX_OK;
}

int sub_verify_main(const sub_cli *cli)
{
  sub_collect c;
  sub_collect_init(&c);
  int ex = sub_gather_stored(cli, &c); /* 66 without a store */
  sub_replica *rep = NULL;
  if (ex == EX_OK)
    ex = open_replica(cli, &rep);
  verify_all a = {NULL, 0};
  if (ex == EX_OK) {
    char err[512] = "";
    int rc = check_all(rep, &c, &a, err, sizeof err);
    if (rc == 0)
      rc = cli->format == SUB_FORMAT_JSON ? print_json(&a, stdout) : print_table(&a, stdout);
    if (rc != 0) {
      fprintf(stderr, "%s: verify: %s\n", SUB_PROGRAM, err[0] ? err : hb_strerror(rc));
      ex = sub_exit_for(rc);
    }
    for (size_t i = 0; ex == EX_OK && i < a.n; i++)
      if (a.k[i].failed)
        ex = 1;
  }
  all_free(&a);
  sub_replica_close(rep);
  sub_collect_free(&c);
  return ex;
}
