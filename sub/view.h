/* view.h: the city view: the collected rollups merged per campaign, printed
 * as JSON (the keys of docs/protocol.md) or as a Chinese table. */
#ifndef SUB_VIEW_H
#define SUB_VIEW_H

#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include "collect.h"

typedef enum sub_format { SUB_FORMAT_JSON = 1, SUB_FORMAT_TABLE = 2 } sub_format;

typedef struct sub_view_opts {
  const char *source;      /* code of the merged view, e.g. "city" */
  const char *source_name; /* may be NULL */
  const char *campaign;    /* only this campaign (may be NULL: every campaign held) */
  /* origins in the order their rollups are merged; with mark_missing, an
   * origin that gave no rollup of a campaign is listed as missing. NULL:
   * arrival order, nothing marked. */
  char *const *origins;
  size_t norigins;
  bool mark_missing;
} sub_view_opts;

/* The view options of the command line: source, source_name and campaign
 * (borrowed from cli); the rest zero. */
struct sub_cli;
void sub_view_opts_from_cli(const struct sub_cli *cli, sub_view_opts *o);

/* Parses "json" / "table"; 0 if neither. */
sub_format sub_view_format_parse(const char *s);

/* Merges the entries of one campaign (stale flags from the entries), in the
 * order of o->origins when given. *out is NULL (and 0 returned) when no
 * entry has that campaign; else the caller frees it with
 * protobuf_c_message_free_unpacked. */
int sub_view_merge(const sub_collect *c, const char *campaign, const sub_view_opts *o,
                   Huibao__V1__Rollup **out);

/* The JSON document: one campaign object when o->campaign is set, else
 * {"campaigns": [...]} in campaign id order. Missing origins appear in each
 * object's "counties" as {"code": ORIGIN, "missing": true}. NULL on ENOMEM. */
json_t *sub_view_json(const sub_collect *c, const sub_view_opts *o);

/* Prints the view in fmt to f. Returns 0, HB_EIO or HB_ENOMEM. */
int sub_view_print(const sub_collect *c, const sub_view_opts *o, sub_format fmt, FILE *f);

#endif
