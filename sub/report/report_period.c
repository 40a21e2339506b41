/* report_period.c: the reporting periods as a report template sees them
 * (report_period.h, docs/templates/README.md "报送期"). */
#include "report_period.h"

#include <stdio.h>
#include <string.h>
#include "hb_err.h"

static const char *const STATES[] = {"reported", "nil", "late", "missing", "pending"};
#define NSTATES (sizeof STATES / sizeof STATES[0])

/* {code, name, county} of the unit code, from the model's units by code
 * (the code itself as its name when the unit is not listed). New. */
static json_t *unit_entry(json_t *by_code, const char *code)
{
  json_t *u = json_object_get(by_code, code);
  const char *name = json_string_value(json_object_get(u, "name"));
  const char *county = json_string_value(json_object_get(u, "county"));
  return json_pack("{s:s, s:s, s:s}", "code", code, "name", name && *name ? name : code, "county",
                   county ? county : "");
}

/* Appends the unit code to the list of its state in the period (none for
 * an unknown state). Returns 0 or HB_ENOMEM. */
static int list_add(json_t *const *lists, const char *code, const char *state, json_t *by_code)
{
  for (size_t s = 0; state && s < NSTATES; s++)
    if (strcmp(state, STATES[s]) == 0)
      return json_array_append_new(lists[s], unit_entry(by_code, code)) != 0 ? HB_ENOMEM : 0;
  return 0;
}

/* Adds to the period object p: n (its number, from 1), due_date and
 * due_time (the two parts of due), and one list of units per state: the
 * units of the model's list first, in its order (units.csv's), then any
 * other unit of p.units. Returns 0 or HB_ENOMEM. */
static int period_complete(json_t *p, size_t n, json_t *units, json_t *by_code)
{
  json_t *lists[NSTATES];
  for (size_t s = 0; s < NSTATES; s++) {
    lists[s] = json_array();
    if (!lists[s] || json_object_set_new(p, STATES[s], lists[s]) != 0)
      return HB_ENOMEM;
  }
  json_t *states = json_object_get(p, "units");
  json_t *done = json_object();
  if (!done)
    return HB_ENOMEM;
  int rc = 0;
  size_t i;
  json_t *u;
  json_array_foreach(units, i, u)
  {
    const char *code = json_string_value(json_object_get(u, "code"));
    json_t *st = code ? json_object_get(states, code) : NULL;
    if (st && rc == 0 && (rc = list_add(lists, code, json_string_value(st), by_code)) == 0)
      rc = json_object_set_new(done, code, json_true()) != 0 ? HB_ENOMEM : 0;
  }
  const char *code;
  json_t *st;
  json_object_foreach(states, code, st)
  {
    if (rc == 0 && !json_object_get(done, code))
      rc = list_add(lists, code, json_string_value(st), by_code);
  }
  json_decref(done);
  if (rc != 0)
    return rc;
  const char *due = json_string_value(json_object_get(p, "due"));
  char day[16] = "", time[8] = "";
  if (due && sscanf(due, "%15s %7s", day, time) < 1)
    day[0] = '\0';
  if (json_object_set_new(p, "n", json_integer((json_int_t)n)) != 0 ||
      json_object_set_new(p, "due_date", json_string(day)) != 0 ||
      json_object_set_new(p, "due_time", json_string(time)) != 0)
    return HB_ENOMEM;
  return 0;
}

/* Names the unit of each contradiction (unit_name). */
static int contradictions_complete(json_t *m, json_t *by_code)
{
  json_t *list = json_object_get(m, "contradictions");
  if (!json_is_array(list)) {
    list = json_array();
    if (!list || json_object_set_new(m, "contradictions", list) != 0)
      return HB_ENOMEM;
  }
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c)
  {
    const char *code = json_string_value(json_object_get(c, "unit"));
    json_t *u = code ? json_object_get(by_code, code) : NULL;
    const char *name = json_string_value(json_object_get(u, "name"));
    if (json_object_set_new(c, "unit_name", json_string(name && *name ? name : code ? code : "")))
      return HB_ENOMEM;
  }
  return 0;
}

int sub_report_model_periods(json_t *m, const char *period_id, char *err, size_t errlen)
{
  json_t *by_code = json_object_get(m, "unit"), *units = json_object_get(m, "units");
  json_t *periods = json_object_get(m, "periods");
  if (!json_is_array(periods)) {
    periods = json_array();
    if (!periods || json_object_set_new(m, "periods", periods) != 0)
      return HB_ENOMEM;
  }
  if (contradictions_complete(m, by_code) != 0)
    return HB_ENOMEM;
  const char *want =
      period_id ? period_id : json_string_value(json_object_get(m, "period_last_closed"));
  json_t *chosen = NULL;
  size_t i;
  json_t *p;
  json_array_foreach(periods, i, p)
  {
    if (period_complete(p, i + 1, units, by_code) != 0)
      return HB_ENOMEM;
    const char *id = json_string_value(json_object_get(p, "id"));
    if (want && id && strcmp(id, want) == 0)
      chosen = p;
  }
  if (period_id && !chosen) {
    size_t n = json_array_size(periods);
    int len = snprintf(err, errlen, "没有报送期 %s（no period '%s' in this campaign: %s", period_id,
                       period_id, n ? "its periods are" : "it has no cycle, so no periods");
    for (i = 0; i < n && len >= 0 && (size_t)len < errlen; i++)
      len += snprintf(err + len, errlen - (size_t)len, "%s%s", i ? ", " : " ",
                      json_string_value(json_object_get(json_array_get(periods, i), "id")));
    if (len >= 0 && (size_t)len < errlen)
      snprintf(err + len, errlen - (size_t)len, ")");
    return HB_ENOTFOUND;
  }
  return json_object_set(m, "period", chosen ? chosen : json_null()) != 0 ? HB_ENOMEM : 0;
}
