/* kinds.c: the table of row kinds and the fields every row shares. */
#include "kinds.h"

#include <string.h>

const agent_kind agent_kinds[HB_TABLE_COUNT] = {
    {'A', HB_TABLE_ACTIVITIES, HUIBAO__V1__RECORD__BODY_ACTIVITY, &huibao__v1__activity__descriptor,
     HB_LEDGER_ACTIVITIES, "活动", "activity", 0},
    {'P', HB_TABLE_PROBLEMS, HUIBAO__V1__RECORD__BODY_PROBLEM, &huibao__v1__problem__descriptor,
     HB_LEDGER_PROBLEMS, "问题", "problem", 0},
    {'I', HB_TABLE_INDICATORS, HUIBAO__V1__RECORD__BODY_INDICATOR,
     &huibao__v1__indicator__descriptor, HB_LEDGER_INDICATORS, "成效", "indicator", 1},
    {'C', HB_TABLE_CASES, HUIBAO__V1__RECORD__BODY_CASE_ROW, &huibao__v1__case__descriptor,
     HB_LEDGER_CASES, "典型", "case", 1},
    {'R', HB_TABLE_REPORTS, HUIBAO__V1__RECORD__BODY_REPORT, &huibao__v1__report__descriptor,
     HB_LEDGER_REPORTS, "报送", "report", 2},
};

const agent_kind *agent_kind_of_byte(char byte)
{
  for (size_t i = 0; i < HB_TABLE_COUNT; i++)
    if (agent_kinds[i].byte == byte)
      return &agent_kinds[i];
  return NULL;
}

const agent_kind *agent_kind_of_body(int body_case)
{
  for (size_t i = 0; i < HB_TABLE_COUNT; i++)
    if ((int)agent_kinds[i].body == body_case)
      return &agent_kinds[i];
  return NULL;
}

void agent_kind_table(const agent_kind *k, const hb_ledger *l, agent_table *t)
{
  switch (k->table) {
  case HB_TABLE_ACTIVITIES:
    *t = (agent_table){l->nactivities, l->activity_lines, l->activities_incomplete,
                       l->activity_sheet};
    break;
  case HB_TABLE_PROBLEMS:
    *t = (agent_table){l->nproblems, l->problem_lines, l->problems_incomplete, l->problem_sheet};
    break;
  case HB_TABLE_INDICATORS:
    *t = (agent_table){l->nindicators, l->indicator_lines, l->indicators_incomplete,
                       l->indicator_sheet};
    break;
  case HB_TABLE_CASES:
    *t = (agent_table){l->ncases, l->case_lines, l->cases_incomplete, l->case_sheet};
    break;
  case HB_TABLE_REPORTS:
    *t = (agent_table){l->nreports, l->report_lines, l->reports_incomplete, l->report_sheet};
    break;
  default: *t = (agent_table){0, NULL, 1, NULL}; break;
  }
}

const ProtobufCMessage *agent_kind_row(const agent_kind *k, const hb_ledger *l, size_t i)
{
  switch (k->table) {
  case HB_TABLE_ACTIVITIES: return &l->activities[i]->base;
  case HB_TABLE_PROBLEMS: return &l->problems[i]->base;
  case HB_TABLE_INDICATORS: return &l->indicators[i]->base;
  case HB_TABLE_CASES: return &l->cases[i]->base;
  case HB_TABLE_REPORTS: return &l->reports[i]->base;
  default: return NULL;
  }
}

static const ProtobufCFieldDescriptor *field_of(const ProtobufCMessage *m, const char *name)
{
  return protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
}

ProtobufCMessage *agent_row_copy(const agent_kind *k, const ProtobufCMessage *m, agent_row_buf *buf)
{
  memcpy(buf, m, k->desc->sizeof_message);
  return (ProtobufCMessage *)buf;
}

const char *agent_row_id(const ProtobufCMessage *m)
{
  const ProtobufCFieldDescriptor *f = field_of(m, "id");
  const char *id;
  if (!f)
    return NULL;
  memcpy(&id, (const char *)m + f->offset, sizeof id);
  return id;
}

void agent_row_set_version(ProtobufCMessage *m, uint64_t version)
{
  const ProtobufCFieldDescriptor *f = field_of(m, "version");
  if (f)
    memcpy((char *)m + f->offset, &version, sizeof version);
}

ProtobufCMessage *agent_row_tombstone(const agent_kind *k, agent_row_buf *buf, const char *unit,
                                      const char *id, uint64_t version)
{
  ProtobufCMessage *m = (ProtobufCMessage *)buf;
  protobuf_c_message_init(k->desc, buf);
  const char *names[2] = {"unit", "id"}, *values[2] = {unit, id};
  for (int i = 0; i < 2; i++) {
    const ProtobufCFieldDescriptor *f = field_of(m, names[i]);
    if (f)
      memcpy((char *)m + f->offset, &values[i], sizeof values[i]);
  }
  agent_row_set_version(m, version);
  const ProtobufCFieldDescriptor *f = field_of(m, "deleted");
  protobuf_c_boolean yes = 1;
  if (f) {
    memcpy((char *)m + f->offset, &yes, sizeof yes);
    memcpy((char *)m + f->quantifier_offset, &yes, sizeof yes);
  }
  return m;
}

void agent_record_set(Huibao__V1__Record *rec, const agent_kind *k, ProtobufCMessage *m)
{
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field(&huibao__v1__record__descriptor, (unsigned)k->body);
  rec->body_case = k->body;
  memcpy((char *)rec + f->offset, &m, sizeof m);
}

ProtobufCMessage *agent_record_row(const Huibao__V1__Record *rec, const agent_kind **k)
{
  *k = agent_kind_of_body((int)rec->body_case);
  if (!*k)
    return NULL;
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(
      &huibao__v1__record__descriptor, (unsigned)(*k)->body);
  ProtobufCMessage *m;
  memcpy(&m, (const char *)rec + f->offset, sizeof m);
  return m;
}
