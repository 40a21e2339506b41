/* kinds.h: the five kinds of ledger rows the agent sends, as one table.
 *
 * Every place that once said "an activity, else a problem" (state keys,
 * tombstones, STALE re-versioning, the county's rejections, the clerk's
 * FILE:LINE) looks the kind up here instead, so that a table added to the
 * ledger is one more row of agent_kinds, not one more branch everywhere.
 *
 *   byte  'A' activity   activities.csv  活动   Record.activity
 *         'P' problem    problems.csv    问题   Record.problem
 *         'I' indicator  indicators.csv  成效   Record.indicator
 *         'C' case       cases.csv       典型   Record.case_row
 *         'R' report     reports.csv     报送   Record.report (issue 13)
 *
 * The byte is the first byte of a state key (known, outbox) and of the
 * county store's keys; 'A' and 'P' keep the meaning they had before
 * indicators and cases existed, so an older state opens unchanged.
 *
 * The rows of every kind share the fields unit (1), id (2), version (3)
 * and an optional bool deleted; they are reached through the message
 * descriptor, by name, so nothing here depends on one message's layout. */
#ifndef AGENT_KINDS_H
#define AGENT_KINDS_H

#include <stddef.h>
#include <stdint.h>
#include "hb_ledger.h"

typedef struct agent_kind {
  char byte;                              /* 'A', 'P', 'I', 'C', 'R' */
  hb_ledger_table_id table;               /* its table in hb_ledger */
  Huibao__V1__Record__BodyCase body;      /* Record.body case */
  const ProtobufCMessageDescriptor *desc; /* the row's message */
  const char *file;                       /* "indicators.csv" */
  const char *sheet;                      /* "成效": the sheet a template writes */
  const char *name;                       /* "indicator": admin unlock --kind */
  int old_county_refuses;                 /* 0, or the generation of the body: a county of
                                           * a version before it cannot read it and refuses
                                           * the whole Submit that holds one (sender.h).
                                           * 1: indicators and cases (issue 12); 2: 报送
                                           * (issue 13). A Submit holds one generation. */
} agent_kind;

/* The kinds, in key-byte order of the table above (index = table id). */
extern const agent_kind agent_kinds[HB_TABLE_COUNT];

/* The kind of a key byte, a Record.body case or a table; NULL if none. */
const agent_kind *agent_kind_of_byte(char byte);
const agent_kind *agent_kind_of_body(int body_case);

/* One table of a ledger, as the agent reads it: n rows, lines[i] the line
 * of row i (NULL: unknown), incomplete (no tombstones may be made from it)
 * and the workbook sheet ("台账.xlsx:成效", NULL for a CSV folder). Every
 * pointer is the ledger's. */
typedef struct agent_table {
  size_t n;
  const unsigned *lines;
  int incomplete;
  const char *sheet;
} agent_table;

/* Fills *t with table k of l. */
void agent_kind_table(const agent_kind *k, const hb_ledger *l, agent_table *t);

/* Row i (< the table's n) of kind k in l: the ledger's message. */
const ProtobufCMessage *agent_kind_row(const agent_kind *k, const hb_ledger *l, size_t i);

/* Room for one row of any kind on the stack (protobuf_c_message_init or a
 * shallow copy of a row go into it). */
typedef union agent_row_buf {
  Huibao__V1__Activity activity;
  Huibao__V1__Problem problem;
  Huibao__V1__Indicator indicator;
  Huibao__V1__Case case_row;
  Huibao__V1__Report report;
} agent_row_buf;

/* Copies row m (of kind k) shallowly into *buf: strings stay the ledger's.
 * Returns the copy. */
ProtobufCMessage *agent_row_copy(const agent_kind *k, const ProtobufCMessage *m,
                                 agent_row_buf *buf);

/* The row's id (the message's string), or NULL. */
const char *agent_row_id(const ProtobufCMessage *m);

/* Sets the row's version field. */
void agent_row_set_version(ProtobufCMessage *m, uint64_t version);

/* Makes *buf a tombstone of kind k: unit, id (both borrowed: they must
 * outlive the message), version, deleted = true. Returns it. */
ProtobufCMessage *agent_row_tombstone(const agent_kind *k, agent_row_buf *buf, const char *unit,
                                      const char *id, uint64_t version);

/* Sets rec's body to row m of kind k (borrowed: rec does not own it). */
void agent_record_set(Huibao__V1__Record *rec, const agent_kind *k, ProtobufCMessage *m);

/* The row rec carries and its kind (*k), or NULL when the body is none
 * the agent knows. The row is rec's. */
ProtobufCMessage *agent_record_row(const Huibao__V1__Record *rec, const agent_kind **k);

#endif
