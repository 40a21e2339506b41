/* tmpl_test.c: the report template language: exact outputs and exact
 * messages (NAME:LINE:COLUMN: why). */
#include "tmpl.h"

#include <stdlib.h>
#include <string.h>
#include "hb_err.h"
#include "test.h"

static const char data_json[] =
    "{\"campaign\": \"jiefang-2022\", \"campaign_name\": \"解放思想、振兴发展研讨\","
    " \"today\": \"2023-12-31\", \"nothing\": null, \"empty\": [],"
    " \"activities\": {\"total\": {\"records\": 130, \"sessions\": 124, \"participants\": 23000}},"
    " \"problems\": {\"total\": 1620, \"resolved\": 1225, \"open\": 395,"
    "   \"categories\": ["
    "     {\"code\": \"county\", \"name\": \"深化县情认识\", \"count\": 332, \"units\": 27,"
    "      \"share\": 0.20493827, \"share_lr\": 0.2049,"
    "      \"unit_list\": [{\"name\": \"开发区\", \"count\": 30}, {\"name\": \"发改局\", "
    "\"count\": 21},"
    "                      {\"name\": \"农业农村局\", \"count\": 20}, {\"name\": \"大罗镇\", "
    "\"count\": 3}]},"
    "     {\"code\": \"philosophy\", \"name\": \"贯彻新发展理念\", \"count\": 327, \"units\": 26,"
    "      \"share\": 0.20185185, \"share_lr\": 0.2019,"
    "      \"unit_list\": [{\"name\": \"巨宝山乡\", \"count\": 9}]}]},"
    " \"units\": ["
    "   {\"code\": \"dlz\", \"name\": \"大罗镇\", \"problems\": {\"total\": 5}},"
    "   {\"code\": \"kfq\", \"name\": \"开发区\", \"problems\": {\"total\": 40}},"
    "   {\"code\": \"fgj\", \"name\": \"发改局\", \"problems\": {\"total\": 21}},"
    "   {\"code\": \"xq-1\", \"name\": \"新区\", \"problems\": {\"total\": 21}}]}";

static json_t *data(void)
{
  json_error_t je;
  json_t *d = json_loads(data_json, 0, &je);
  if (!d)
    fprintf(stderr, "test data: %s at %d:%d\n", je.text, je.line, je.column);
  return d;
}

static char err[1024];

/* Parses and renders; returns the output (static) or "ERR:" + the message. */
static const char *render(const char *tmpl)
{
  static char *last;
  free(last);
  last = NULL;
  sub_tmpl *t;
  int rc = sub_tmpl_parse("t.txt", tmpl, strlen(tmpl), &t, err, sizeof err);
  if (rc != 0) {
    last = malloc(strlen(err) + 8);
    sprintf(last, "ERR:%s", err);
    return last;
  }
  json_t *d = data();
  char *out;
  size_t len;
  rc = sub_tmpl_render(t, d, &out, &len, err, sizeof err);
  json_decref(d);
  sub_tmpl_free(t);
  if (rc != 0) {
    last = malloc(strlen(err) + 8);
    sprintf(last, "ERR:%s", err);
    return last;
  }
  CHECK_EQ_INT(strlen(out), len);
  last = out;
  return last;
}

static void test_placeholders(void)
{
  CHECK_EQ_STR("plain text, no tags\n", render("plain text, no tags\n"));
  CHECK_EQ_STR("", render(""));
  CHECK_EQ_STR("共查摆问题1620个，已解决1225个，正在推进整改落实395个。",
               render("共查摆问题{{ problems.total }}个，已解决{{problems.resolved}}个，"
                      "正在推进整改落实{{ problems.open }}个。"));
  CHECK_EQ_STR("受教育党员干部2.3万人次，研讨124次",
               render("受教育党员干部{{ activities.total.participants | wan }}人次，"
                      "研讨{{ activities.total.sessions | wan }}次"));
  CHECK_EQ_STR("2.3万|2万|23000", render("{{ activities.total.participants | 万 }}|"
                                         "{{ activities.total.participants | wan(0) }}|"
                                         "{{ activities.total.participants }}"));
  CHECK_EQ_STR("20.49% 20.5% 75.62%",
               render("{{ problems.categories.1.share | pct }} {{ problems.categories.1.share | "
                      "pct(1) }} {{ problems.resolved | pct_of(problems.total) }}"));
  CHECK_EQ_STR("2023年12月31日 二十七 1625 1615 395",
               render("{{ today | date }} {{ problems.categories.1.units | cn }} "
                      "{{ problems.total + 5 }} {{ problems.total - 5 }} "
                      "{{ (problems.total - problems.resolved) }}"));
  CHECK_EQ_STR("无 4 是 否", render("{{ nothing | default(\"无\") }} {{ units | count }} "
                                    "{{ problems.total > 1000 }} {{ not problems.total }}"));
  CHECK_EQ_STR("新区", render("{{ units[4].name }}"));
  CHECK_EQ_STR("a\"b}}c", render("{{ \"a\\\"b}}c\" }}"));
  /* full-width punctuation from a Chinese input method */
  CHECK_EQ_STR("开发区、发改局", render("{{ units ｜ sort_desc（problems.total） ｜ top（2） ｜ "
                                        "map（name） ｜ join（“、”） }}"));
}

static void test_loops(void)
{
  CHECK_EQ_STR("一是深化县情认识；二是贯彻新发展理念；",
               render("{% for c in problems.categories %}{{ loop.index | cn }}是{{ c.name }}；"
                      "{% endfor %}"));
  /* lines holding only block tags vanish with their line break */
  CHECK_EQ_STR("- 深化县情认识 332\n- 贯彻新发展理念 327\n完\n",
               render("{% for c in problems.categories %}\n"
                      "- {{ c.name }} {{ c.count }}\n"
                      "  {% endfor %}  \n"
                      "{# a comment line #}\n"
                      "完\n"));
  CHECK_EQ_STR("开发区40 发改局21 新区21 大罗镇5",
               render("{% for u in units | sort_desc(problems.total) %}{{ u.name }}"
                      "{{ u.problems.total }}{% if not loop.last %} {% endif %}{% endfor %}"));
  CHECK_EQ_STR("大罗镇 发改局 新区 开发区",
               render("{{ units | sort(problems.total) | map(name) | join(\" \") }}"));
  CHECK_EQ_STR("发改局、新区", render("{{ units | where(problems.total == 21) | map(name) | "
                                      "join }}"));
  CHECK_EQ_STR("87 61", render("{{ units | sum(problems.total) }} "
                               "{{ units | skip(1) | top(2) | sum(problems.total) }}"));
  CHECK_EQ_STR("没有", render("{% for x in empty %}{{ x }}{% else %}没有{% endfor %}"));
  CHECK_EQ_STR("大罗镇/新区", render("{% set f = units | first %}{% set l = units | last %}"
                                     "{{ f.name }}/{{ l.name }}"));
}

static void test_if_set(void)
{
  CHECK_EQ_STR("多", render("{% if problems.total > 2000 %}很多{% elif problems.total > 1000 %}多"
                            "{% else %}少{% endif %}"));
  CHECK_EQ_STR("少", render("{% if problems.total > 2000 or not units %}很多{% else %}少"
                            "{% endif %}"));
  CHECK_EQ_STR("开发区、发改局、农业农村局等27家单位不同程度存在。",
               render("{% set c = problems.categories.1 %}{{ c.unit_list | top(3) | map(name) | "
                      "join(\"、\") }}等{{ c.units }}家单位不同程度存在。"));
  /* set inside a loop body lasts one iteration */
  CHECK_EQ_STR("332;327;", render("{% for c in problems.categories %}{% set n = c.count %}{{ n }};"
                                  "{% endfor %}"));
}

/* The five paragraphs of the sample report (seeds/001) are one loop. */
static void test_seed_paragraph(void)
{
  const char *t =
      "{% for c in problems.categories %}\n"
      "{{ loop.index | cn }}是在{{ c.name }}上有差距。占问题总数的{{ c.share_lr | pct }}。"
      "{{ c.unit_list | sort_desc(count) | top(3) | map(name) | join(\"、\") }}等{{ c.units }}"
      "家单位不同程度存在。\n"
      "{% endfor %}\n";
  CHECK_EQ_STR(
      "一是在深化县情认识上有差距。占问题总数的20.49%。开发区、发改局、农业农村局等27家"
      "单位不同程度存在。\n"
      "二是在贯彻新发展理念上有差距。占问题总数的20.19%。巨宝山乡等26家单位不同程度存在。\n",
      render(t));
}

static void test_errors(void)
{
  CHECK_EQ_STR("ERR:t.txt:2:7: unknown placeholder: 'problems' has no 'totl' (it has: total, "
               "resolved, open, categories)",
               render("第一行\n问题共{{ problems.totl }}个"));
  CHECK_EQ_STR("ERR:t.txt:1:5: unknown placeholder 'problem' (known names: campaign, "
               "campaign_name, today, nothing, empty, activities, problems, units)",
               render("共{{ problem.total }}"));
  /* even where this data never goes */
  CHECK_EQ_STR("ERR:t.txt:3:4: unknown placeholder: 'activities.total' has no 'sesions' (it has: "
               "records, sessions, participants)",
               render("{% if problems.total > 100000 %}\n很多\n{{ activities.total.sesions }}\n"
                      "{% endif %}\n"));
  CHECK_EQ_STR("ERR:t.txt:1:46: unknown name 'nam' in a list item (it has: code, name, problems)",
               render("{{ units | map(name) | join }}{{ units | map(nam) | join }}") + 0);
  CHECK_EQ_STR(
      "ERR:t.txt:1:15: unknown filter 'wann' (filters: wan, pct, pct_of, cn, date, "
      "default, count, sum, sort, sort_desc, where, map, top, skip, first, last, join, get)",
      render("{{ problems | wann }}"));
  /* get: a member of an object, null (not an error) when it has none. */
  CHECK_EQ_STR(
      "124|无",
      render("{% set a = activities | get(\"total\") %}{{ a.sessions }}|"
             "{% set b = activities | get(\"nope\") %}{% if b %}有{% else %}无{% endif %}"));
  CHECK_EQ_STR("ERR:t.txt:2:3: '{{' is not closed with '}}'", render("ab\ncd{{ problems.total\n"));
  CHECK_EQ_STR("ERR:t.txt:1:1: {% for %} is not closed with {% endfor %}",
               render("{% for c in problems.categories %}{{ c.name }}"));
  CHECK_EQ_STR("ERR:t.txt:1:5: {% endif %} without a matching {% if %}", render("abc {% endif %}"));
  CHECK_EQ_STR("ERR:t.txt:1:1: unknown tag 'fro' (tags: for, if, elif, else, endfor, endif, set)",
               render("{% fro c in units %}{% endfor %}"));
  CHECK_EQ_STR("ERR:t.txt:1:6: 'nothing' is empty (null): give a text for that case with "
               "| default(\"...\")",
               render("值：{{ nothing }}"));
  CHECK_EQ_STR("ERR:t.txt:1:4: 'units' is a list, not one value: loop over it with {% for %}, "
               "or use | count or | join",
               render("{{ units }}"));
  CHECK_EQ_STR("ERR:t.txt:1:4: 'problems' is a group of values, not one value: name one of them "
               "('problems'.NAME)",
               render("{{ problems }}"));
  CHECK_EQ_STR("ERR:t.txt:1:12: filter 'top' takes 1 argument, not 0", render("{{ units | top }}"));
  CHECK_EQ_STR("ERR:t.txt:1:20: filter 'wan' needs a count (a whole number of 0 or more), got text",
               render("{{ campaign_name | wan }}"));
  CHECK_EQ_STR("ERR:t.txt:1:1: empty placeholder: write a name between {{ and }}", render("{{ }}"));
  CHECK_EQ_STR("ERR:t.txt:1:22: '=' assigns (in {% set %}); compare with '=='",
               render("{% if problems.total = 3 %}{% endif %}"));
  CHECK_EQ_STR("ERR:t.txt:1:1: '{{' is not closed with '}}' (a string inside it is not closed "
               "either)",
               render("{{ \"abc }}\n"));
  CHECK_EQ_STR("开发区}}", render("{{ “开发区}}” }}"));
  CHECK_EQ_STR("ERR:t.txt:1:1: '{{' is not closed with '}}' (a string inside it is not closed "
               "either)",
               render("{{ “abc }}\n"));
  CHECK_EQ_STR("ERR:t.txt:1:19: unexpected 'wan' (a filter is written '| name')",
               render("{{ problems.total wan }}"));
  CHECK_EQ_STR("ERR:t.txt:1:6: unexpected character '$'", render("{{ a $ }}"));
  CHECK_EQ_STR("ERR:t.txt:1:4: 'units' is a list of 4: there is no item 9 (1 to 4)",
               render("{{ units.9.name }}") + 0);
  CHECK_EQ_STR("ERR:t.txt:1:10: positions count from 1", render("{{ units.0.name }}"));
  CHECK_EQ_STR("ERR:t.txt:1:7: cannot compare text with a number",
               render("{% if campaign > 3 %}{% endif %}"));
  CHECK_EQ_STR("ERR:t.txt:1:13: {% for %} needs a list, but 'campaign' is text",
               render("{% for x in campaign %}{% endfor %}"));
  CHECK_EQ_STR("ERR:t.txt:1:8: 'loop' cannot be a variable name",
               render("{% for loop in units %}{% endfor %}"));
  const char bad_utf8[] = "ab\n\xE4\xB8x";
  CHECK_EQ_STR("ERR:t.txt:2:1: not valid UTF-8 (save the template as UTF-8)", render(bad_utf8));
}

static void test_limits(void)
{
  /* 4^13 iterations: the step limit stops it, with a position */
  char t[1024] = "";
  for (int i = 0; i < 13; i++)
    snprintf(t + strlen(t), sizeof t - strlen(t), "{%% for x%d in units %%}", i);
  for (int i = 0; i < 13; i++)
    strcat(t, "{% endfor %}");
  const char *r = render(t);
  CHECK(strncmp(r, "ERR:t.txt:1:", 12) == 0);
  CHECK_CONTAINS(r, "too much work");
  /* deep nesting is refused when parsing, not by the stack */
  size_t n = 20000;
  char *deep = malloc(n * 2 + 16);
  strcpy(deep, "{{ ");
  for (size_t i = 0; i < n; i++)
    strcat(deep + 3 + i, "(");
  strcat(deep, " }}");
  r = render(deep);
  CHECK_CONTAINS(r, "nested too deeply");
  free(deep);
  sub_tmpl *tp;
  char *big = calloc(SUB_TMPL_MAX_SIZE + 2, 1);
  memset(big, 'a', SUB_TMPL_MAX_SIZE + 1);
  CHECK_EQ_INT(HB_ETOOBIG, sub_tmpl_parse("big", big, SUB_TMPL_MAX_SIZE + 1, &tp, err, sizeof err));
  free(big);
}

int main(void)
{
  RUN(test_placeholders);
  RUN(test_loops);
  RUN(test_if_set);
  RUN(test_seed_paragraph);
  RUN(test_errors);
  RUN(test_limits);
  render("");
  return test_summary();
}
