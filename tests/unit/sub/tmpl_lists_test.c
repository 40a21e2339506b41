/* tmpl_lists_test.c: the template language over lists of rows (issue 15,
 * report_lists.h): where(FIELD), where(FIELD, VALUE), top(N) and a for
 * loop's else branch, exact outputs and messages. */
#include "tmpl.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "test.h"

static const char data_json[] =
    "{\"problems_list\": ["
    "  {\"unit\": \"dlz\", \"unit_name\": \"大罗镇\", \"id\": \"P1\", \"description\": "
    "\"学习不深\","
    "   \"status\": \"rectifying\", \"deadline\": \"2022-06-01\", \"overdue\": true,"
    "   \"days_overdue\": 8},"
    "  {\"unit\": \"dlz\", \"unit_name\": \"大罗镇\", \"id\": \"P2\", \"description\": "
    "\"调研不够\","
    "   \"status\": \"resolved\", \"deadline\": \"2022-07-01\", \"overdue\": false,"
    "   \"days_overdue\": 0},"
    "  {\"unit\": \"fgj\", \"unit_name\": \"发改局\", \"id\": \"P7\", \"description\": "
    "\"项目滞后\","
    "   \"status\": \"rectifying\", \"deadline\": \"2022-05-20\", \"overdue\": true,"
    "   \"days_overdue\": 20},"
    "  {\"unit\": \"kfq\", \"unit_name\": \"开发区\", \"id\": \"P3\", \"description\": "
    "\"服务不优\","
    "   \"status\": \"identified\", \"deadline\": \"\", \"overdue\": false, \"days_overdue\": 0}],"
    " \"cases_list\": [],"
    " \"n\": 2}";

static char err[1024];

/* Parses and renders; returns the output (static) or "ERR:" + the message. */
static const char *render(const char *tmpl)
{
  static char *last;
  free(last);
  last = NULL;
  sub_tmpl *t;
  int rc = sub_tmpl_parse("t.txt", tmpl, strlen(tmpl), &t, err, sizeof err);
  if (rc == 0) {
    json_t *d = json_loads(data_json, 0, NULL);
    char *out = NULL;
    rc = d ? sub_tmpl_render(t, d, &out, NULL, err, sizeof err) : HB_ENOMEM;
    json_decref(d);
    sub_tmpl_free(t);
    if (rc == 0)
      return last = out;
  }
  last = malloc(strlen(err) + 8);
  sprintf(last, "ERR:%s", err);
  return last;
}

static void test_where(void)
{
  CHECK_EQ_STR("P1 P7 ", render("{% for p in problems_list | where(overdue) %}{{ p.id }} "
                                "{% endfor %}"));
  CHECK_EQ_STR("P1 P7 ", render("{% for p in problems_list | where(status, \"rectifying\") %}"
                                "{{ p.id }} {% endfor %}"));
  CHECK_EQ_STR("P2 P3 ", render("{% for p in problems_list | where(days_overdue, 0) %}"
                                "{{ p.id }} {% endfor %}"));
  CHECK_EQ_STR("大罗镇 大罗镇", render("{{ problems_list | where(unit, \"dlz\") | map(unit_name) | "
                                       "join(\" \") }}"));
  /* a number equals the same number written as a decimal */
  CHECK_EQ_STR("1", render("{{ problems_list | where(days_overdue, 20.0) | count }}"));
  /* text never equals a number */
  CHECK_EQ_STR("0", render("{{ problems_list | where(days_overdue, \"20\") | count }}"));
  /* Chinese name, two arguments */
  CHECK_EQ_STR("2", render("{{ problems_list | 筛选(status, \"rectifying\") | 个数 }}"));
  /* an unknown field names the item's keys */
  CHECK_EQ_STR("ERR:t.txt:1:26: unknown name 'statis' in a list item (it has: unit, unit_name, "
               "id, description, status, deadline, overdue, days_overdue)",
               render("{{ problems_list | where(statis, \"x\") | count }}"));
}

/* The 逾期问题清单 of the shipped templates: overdue first by days, top N. */
static void test_overdue_list(void)
{
  const char *t =
      "{% for p in problems_list | where(overdue) | sort_desc(days_overdue) | top(1) %}"
      "{{ loop.index }}. {{ p.unit_name }}：{{ p.description }}（整改时限{{ p.deadline }}"
      "，已逾期{{ p.days_overdue }}天）\n"
      "{% else %}无\n{% endfor %}";
  CHECK_EQ_STR("1. 发改局：项目滞后（整改时限2022-05-20，已逾期20天）\n", render(t));
  CHECK_EQ_STR("2", render("{{ problems_list | where(overdue) | top(5) | count }}"));
  CHECK_EQ_STR("P1", render("{{ problems_list | top(n) | map(id) | first }}"));
}

/* An empty list (no replica): the else branch, and fields of its items are
 * not checked (nothing to check them against). */
static void test_empty(void)
{
  CHECK_EQ_STR("本级未保存明细",
               render("{% for c in cases_list | where(type, \"practice\") | top(3) %}"
                      "{{ c.unit_name }}{{ c.title }}{% else %}本级未保存明细{% endfor %}"));
  CHECK_EQ_STR("0", render("{{ cases_list | where(nothing) | count }}"));
}

static void test_errors(void)
{
  CHECK_EQ_STR("ERR:t.txt:1:20: filter 'where' takes 1 to 2 arguments, not 3",
               render("{{ problems_list | where(a, 1, 2) | count }}"));
}

int main(void)
{
  RUN(test_where);
  RUN(test_overdue_list);
  RUN(test_empty);
  RUN(test_errors);
  render("");
  return test_summary();
}
