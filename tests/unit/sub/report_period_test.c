/* report_period_test.c: the periods as a report template sees them
 * (sub/report/report_period.h): the last closed period by default, --period,
 * an unknown id, a campaign without a cycle, the units by state in units.csv
 * order with their names, contradictions named. */
#include "report_period.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "test.h"
#include "tmpl.h"

static const char model_json[] =
    "{\"campaign\": \"jiefang-2022\","
    " \"units\": [{\"code\": \"xq-d\", \"name\": \"巨宝山乡\", \"county\": \"xa\"},"
    "            {\"code\": \"xq-c\", \"name\": \"平顺街道\", \"county\": \"xa\"},"
    "            {\"code\": \"xq-b\", \"name\": \"大罗镇\", \"county\": \"xa\"},"
    "            {\"code\": \"xq-a\", \"name\": \"\", \"county\": \"xa\"}],"
    " \"cycle\": \"weekly,5,18:00\","
    " \"periods\": ["
    "  {\"id\": \"2022-06-03\", \"start\": \"2022-06-01\", \"end\": \"2022-06-03\","
    "   \"due\": \"2022-06-03 18:00\", \"units\": {\"xq-a\": \"reported\", \"xq-b\": \"reported\","
    "   \"xq-c\": \"reported\", \"xq-d\": \"reported\"}},"
    "  {\"id\": \"2022-06-10\", \"start\": \"2022-06-04\", \"end\": \"2022-06-10\","
    "   \"due\": \"2022-06-10 18:00\", \"units\": {\"xq-a\": \"late\", \"xq-b\": \"nil\","
    "   \"zz\": \"late\", \"xq-c\": \"missing\", \"xq-d\": \"late\"}},"
    "  {\"id\": \"2022-06-17\", \"start\": \"2022-06-11\", \"end\": \"2022-06-17\","
    "   \"due\": \"2022-06-17 18:00\", \"units\": {\"xq-a\": \"pending\"}}],"
    " \"period_current\": \"2022-06-17\", \"period_last_closed\": \"2022-06-10\","
    " \"contradictions\": [{\"unit\": \"xq-b\", \"period\": \"2022-06-10\", \"records\": 2}]}";

/* The model with its "unit" map (by code), as sub_report_model gives it. */
static json_t *model(const char *text)
{
  json_error_t je;
  json_t *m = json_loads(text, 0, &je);
  if (!m) {
    fprintf(stderr, "test data: %s at %d:%d\n", je.text, je.line, je.column);
    return NULL;
  }
  json_t *by_code = json_object();
  size_t i;
  json_t *u;
  json_array_foreach(json_object_get(m, "units"), i, u)
  {
    json_object_set(by_code, json_string_value(json_object_get(u, "code")), u);
  }
  json_object_set_new(m, "unit", by_code);
  return m;
}

static char err[1024];

/* Renders tmpl with m; returns the output (static) or "ERR:" + the message. */
static const char *render(json_t *m, const char *tmpl)
{
  static char out[4096];
  sub_tmpl *t;
  char *text;
  size_t len;
  if (sub_tmpl_parse("t.txt", tmpl, strlen(tmpl), &t, err, sizeof err) != 0) {
    snprintf(out, sizeof out, "ERR:%s", err);
    return out;
  }
  if (sub_tmpl_render(t, m, &text, &len, err, sizeof err) != 0) {
    snprintf(out, sizeof out, "ERR:%s", err);
  } else {
    snprintf(out, sizeof out, "%s", text);
    free(text);
  }
  sub_tmpl_free(t);
  return out;
}

static const char lists[] =
    "{{ period.id }} {{ period.n }} {{ period.due_date }} {{ period.due_time }}\n"
    "late={{ period.late | map(name) | join(\",\") }}\n"
    "late.codes={{ period.late | map(code) | join(\",\") }}\n"
    "missing={{ period.missing | map(name) | join(\",\") }}\n"
    "nil={{ period.nil | map(name) | join(\",\") }}|{{ period.nil.1.county }}\n"
    "reported={{ period.reported | count }} pending={{ period.pending | count }}\n"
    "{% for c in contradictions %}{{ c.unit_name }}:{{ c.period }}:{{ c.records }}{% endfor %}\n";

static void test_last_closed(void)
{
  json_t *m = model(model_json);
  CHECK_EQ_INT(0, sub_report_model_periods(m, NULL, err, sizeof err));
  /* units.csv order (the model's list), then the unit not listed (named by
   * its code); a unit without a name is named by its code */
  CHECK_EQ_STR("2022-06-10 2 2022-06-10 18:00\n"
               "late=巨宝山乡,xq-a,zz\n"
               "late.codes=xq-d,xq-a,zz\n"
               "missing=平顺街道\n"
               "nil=大罗镇|xa\n"
               "reported=0 pending=0\n"
               "大罗镇:2022-06-10:2\n",
               render(m, lists));
  CHECK_EQ_STR("3 第一期", render(m, "{{ periods | count }} 第{{ periods.1.n | cn }}期"));
  json_decref(m);
}

static void test_chosen(void)
{
  json_t *m = model(model_json);
  CHECK_EQ_INT(0, sub_report_model_periods(m, "2022-06-17", err, sizeof err));
  CHECK_EQ_STR("2022-06-17 3 pending=xq-a late=0",
               render(m, "{{ period.id }} {{ period.n }} pending={{ period.pending | map(code) "
                         "| join }} late={{ period.late | count }}"));
  json_decref(m);
  m = model(model_json);
  CHECK_EQ_INT(HB_ENOTFOUND, sub_report_model_periods(m, "2022-06-11", err, sizeof err));
  CHECK_EQ_STR("没有报送期 2022-06-11（no period '2022-06-11' in this campaign: its periods are "
               "2022-06-03, 2022-06-10, 2022-06-17)",
               err);
  json_decref(m);
}

static void test_no_cycle(void)
{
  json_t *m = model("{\"units\": [{\"code\": \"a\", \"name\": \"甲\"}]}");
  CHECK_EQ_INT(0, sub_report_model_periods(m, NULL, err, sizeof err));
  CHECK_EQ_STR("none 0 0", render(m, "{% if period %}{{ period.id }}{% else %}none{% endif %} "
                                     "{{ periods | count }} {{ contradictions | count }}"));
  CHECK_EQ_INT(HB_ENOTFOUND, sub_report_model_periods(m, "2022-06-10", err, sizeof err));
  CHECK_CONTAINS(err, "it has no cycle, so no periods");
  json_decref(m);
  /* a cycle, but no period closed yet: period is null */
  m = model(model_json);
  json_object_set_new(m, "period_last_closed", json_null());
  CHECK_EQ_INT(0, sub_report_model_periods(m, NULL, err, sizeof err));
  CHECK(json_is_null(json_object_get(m, "period")));
  json_decref(m);
}

int main(void)
{
  RUN(test_last_closed);
  RUN(test_chosen);
  RUN(test_no_cycle);
  return test_summary();
}
