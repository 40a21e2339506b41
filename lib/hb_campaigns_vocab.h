/* hb_campaigns_vocab.h: what the campaigns file reader (hb_campaigns.c) and
 * the declared vocabularies of a campaign (hb_campaigns_vocab.c: kinds,
 * indicators, categories and their sub-categories, stages) share, private
 * to them: the parser's state and the line of everything it read, for the
 * checks that can only run once the whole section is known. */
#ifndef HB_CAMPAIGNS_VOCAB_H
#define HB_CAMPAIGNS_VOCAB_H

#include <stddef.h>
#include "hb_campaigns.h"

#define INIH_MAX_NAME 50 /* INI_MAX_SECTION / INI_MAX_NAME of the system inih */

/* Where a campaign's keys were; every array is owned by the parser and
 * freed by campaigns_section_free. */
typedef struct section_info {
  unsigned line; /* of [id] */
  int have_name, have_start, have_end;
  unsigned start_line, end_line;
  unsigned *category_lines; /* parallel to hb_campaign.categories */
  unsigned *stage_lines;    /* parallel to hb_campaign.stages */
  int have_delete;          /* problem_delete seen (issue 14) */
} section_info;

typedef struct parse_ctx {
  const char *path;
  const char *text;
  size_t len, pos;
  unsigned lineno; /* the line inih is processing */
  int skip;        /* keys of the current section are ignored (bad/duplicate section) */
  int cur;         /* index of the current campaign, -1 none */
  hb_campaigns *out;
  section_info *info; /* parallel to out->items */
  size_t cap;
  hb_diags *diags;
  size_t errors;
  int nomem;
} parse_ctx;

/* Adds "FILE:LINE: [column: ]msg[: value]" to x's diagnostics and counts an
 * error (value is shown as a short printable excerpt). */
void campaigns_error(parse_ctx *x, unsigned line, const char *column, const char *msg,
                     const char *value);

/* True if s is 1..max bytes of A-Z a-z 0-9 _ . - */
int campaigns_id_valid(const char *s, size_t max);

/* A cell looked up by code or name: s without its surrounding blanks
 * (hb_text_trim_span), found once for every entry it is compared with
 * (issue 17: trimming a copy of s for each entry cost a record ~450
 * instructions). A cell over 1024 bytes equals nothing. */
typedef struct campaigns_key {
  const char *s; /* NULL: equals nothing */
  size_t n;
} campaigns_key;

campaigns_key campaigns_key_of(const char *s);

/* True if k equals t. */
int campaigns_key_eq(campaigns_key k, const char *t);

/* The keys of a campaign's vocabularies, on line x->lineno; each reports its
 * own errors (and sets x->nomem when memory runs out). rest is the key after
 * "category.", "kind.", "indicator." or "stage.". */
void campaigns_category_add(parse_ctx *x, hb_campaign *c, section_info *si, const char *rest,
                            const char *value);
void campaigns_kind_add(parse_ctx *x, hb_campaign *c, const char *code, const char *value);
void campaigns_indicator_add(parse_ctx *x, hb_campaign *c, const char *code, const char *value);
void campaigns_stage_add(parse_ctx *x, hb_campaign *c, section_info *si, const char *n,
                         const char *value);

/* The checks that need the whole section: a sub-category declared before
 * its category, stages outside start..end or overlapping; sorts the stages
 * by start. */
void campaigns_vocab_check(parse_ctx *x, hb_campaign *c, section_info *si);

/* Frees what the campaign's vocabularies own (not c itself). */
void campaigns_vocab_free(hb_campaign *c);

void campaigns_section_free(section_info *si);

#endif
