/* hb_vocab.c: the closed vocabularies of a ledger.
 *
 * Each value has its English code and Chinese name (issue 2, section 2) and
 * a few obvious synonyms a clerk may type:
 *   study: 学习, 中心组学习          seminar: 研讨, 研讨交流
 *   lecture: 专题宣讲                 tutorial: 辅导
 *   reading_class: 读书, "reading class", reading-class
 *   research: 调研                    party_day: 党日, "party day", party-day
 *   publicity: 宣传                   essay: 心得
 *   talk: 谈心                        inspection: 督导, 督查
 *   unit: 本单位                      branch: 基层, 支部
 *   individual: 个人问题              team: 领导班子, 班子问题
 *   identified: 查摆                  rectifying: 正在整改
 *   resolved: 已解决, 已销号, 已完成
 *   county: 县级, 县委                township: 乡镇, 街道, 乡, 镇
 *   department: 部门, 县直部门, 县直 (县直 = county departments)
 *   new: 增量, 新增                  existing: 存量
 *   immediate: 立行立改, 立即整改     long_term: 长期整改, 长期解决, 长期, long-term
 *   case: 典型案例, 案例, 典型         practice: 经验做法, 经验
 *   group: 先进集体, 先进基层党组织   person: 先进个人, 优秀共产党员
 * Lookups ignore surrounding blanks (ASCII and U+3000) and ASCII case. */
#include "hb_vocab.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

typedef struct vocab_word {
  int value;
  const char *text;
} vocab_word;

static const char *const kind_code[] = {
    "?",         "study",    "seminar",   "lecture", "tutorial", "reading_class", "research",
    "party_day", "training", "publicity", "essay",   "talk",     "inspection"};
static const char *const kind_zh[] = {"?",        "集中学习", "专题研讨", "宣讲", "专题辅导",
                                      "读书班",   "调查研究", "主题党日", "培训", "宣传报道",
                                      "心得体会", "谈心谈话", "督导检查"};
static const vocab_word kind_syn[] = {
    {1, "学习"},          {1, "中心组学习"}, {2, "研讨"},  {2, "研讨交流"},
    {3, "专题宣讲"},      {4, "辅导"},       {5, "读书"},  {5, "reading class"},
    {5, "reading-class"}, {6, "调研"},       {7, "党日"},  {7, "party day"},
    {7, "party-day"},     {9, "宣传"},       {10, "心得"}, {11, "谈心"},
    {12, "督导"},         {12, "督查"},      {0, NULL}};

static const char *const level_code[] = {"?", "unit", "branch"};
static const char *const level_zh[] = {"?", "本级", "基层组织"};
static const vocab_word level_syn[] = {{1, "本单位"}, {2, "基层"}, {2, "支部"}, {0, NULL}};

static const char *const scope_code[] = {"?", "individual", "team"};
static const char *const scope_zh[] = {"?", "个人", "班子"};
static const vocab_word scope_syn[] = {
    {1, "个人问题"}, {2, "领导班子"}, {2, "班子问题"}, {0, NULL}};

static const char *const status_code[] = {"?", "identified", "rectifying", "resolved"};
static const char *const status_zh[] = {"?", "已查摆", "整改中", "已整改"};
static const vocab_word status_syn[] = {{1, "查摆"},   {2, "正在整改"}, {3, "已解决"},
                                        {3, "已销号"}, {3, "已完成"},   {0, NULL}};

static const char *const unit_type_code[] = {"?", "county", "township", "department"};
static const char *const unit_type_zh[] = {"?", "县", "乡镇", "部门"};
static const vocab_word unit_type_syn[] = {{1, "县级"}, {1, "县委"},     {2, "街道"},
                                           {2, "乡"},   {2, "镇"},       {3, "县直部门"},
                                           {3, "县直"}, {3, "县直单位"}, {0, NULL}};

static const char *const source_code[] = {"?", "new", "existing"};
static const char *const source_zh[] = {"?", "增量", "存量"};
static const vocab_word source_syn[] = {{1, "新增"}, {0, NULL}};

static const char *const term_code[] = {"?", "immediate", "long_term"};
static const char *const term_zh[] = {"?", "立行立改", "长期整改"};
static const vocab_word term_syn[] = {
    {1, "立即整改"}, {2, "长期解决"}, {2, "长期"}, {2, "long-term"}, {0, NULL}};

static const char *const case_code[] = {"?", "case", "practice", "group", "person"};
static const char *const case_zh[] = {"?", "典型案例", "经验做法", "先进集体", "先进个人"};
static const vocab_word case_syn[] = {{1, "案例"},           {1, "典型"},         {2, "经验"},
                                      {3, "先进基层党组织"}, {4, "优秀共产党员"}, {0, NULL}};

/* Sets [*b, *e) to s without surrounding blanks. */
static void trim(const char *s, const char **b, const char **e)
{
  const char *p = s, *q = s + strlen(s);
  for (;;) {
    if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
      p++;
    else if ((unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 &&
             (unsigned char)p[2] == 0x80)
      p += 3;
    else
      break;
  }
  for (;;) {
    if (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r' || q[-1] == '\n'))
      q--;
    else if (q - p >= 3 && (unsigned char)q[-3] == 0xE3 && (unsigned char)q[-2] == 0x80 &&
             (unsigned char)q[-1] == 0x80)
      q -= 3;
    else
      break;
  }
  *b = p;
  *e = q;
}

static int word_eq(const char *b, const char *e, const char *w)
{
  size_t n = (size_t)(e - b);
  return strlen(w) == n && strncasecmp(b, w, n) == 0;
}

static int lookup(const char *s, const char *const *code, const char *const *zh, int max,
                  const vocab_word *syn)
{
  if (!s)
    return 0;
  const char *b, *e;
  trim(s, &b, &e);
  if (b == e)
    return 0;
  for (int i = 1; i <= max; i++)
    if (word_eq(b, e, code[i]) || word_eq(b, e, zh[i]))
      return i;
  for (const vocab_word *w = syn; w->text; w++)
    if (word_eq(b, e, w->text))
      return w->value;
  return 0;
}

int hb_vocab_kind(const char *s)
{
  return lookup(s, kind_code, kind_zh, HB_KIND_MAX, kind_syn);
}

int hb_vocab_level(const char *s)
{
  return lookup(s, level_code, level_zh, HB_LEVEL_MAX, level_syn);
}

int hb_vocab_scope(const char *s)
{
  return lookup(s, scope_code, scope_zh, HB_SCOPE_MAX, scope_syn);
}

int hb_vocab_status(const char *s)
{
  return lookup(s, status_code, status_zh, HB_STATUS_MAX, status_syn);
}

int hb_vocab_unit_type(const char *s)
{
  return lookup(s, unit_type_code, unit_type_zh, HB_UNIT_TYPE_MAX, unit_type_syn);
}

int hb_vocab_source(const char *s)
{
  return lookup(s, source_code, source_zh, HB_SOURCE_MAX, source_syn);
}

int hb_vocab_term(const char *s)
{
  return lookup(s, term_code, term_zh, HB_TERM_MAX, term_syn);
}

int hb_vocab_case_type(const char *s)
{
  return lookup(s, case_code, case_zh, HB_CASE_MAX, case_syn);
}

#define NAME_OF(table, max, v) ((v) >= 1 && (v) <= (max) ? (table)[(v)] : "?")

const char *hb_vocab_kind_code(int v)
{
  return NAME_OF(kind_code, HB_KIND_MAX, v);
}
const char *hb_vocab_kind_zh(int v)
{
  return NAME_OF(kind_zh, HB_KIND_MAX, v);
}
const char *hb_vocab_level_code(int v)
{
  return NAME_OF(level_code, HB_LEVEL_MAX, v);
}
const char *hb_vocab_level_zh(int v)
{
  return NAME_OF(level_zh, HB_LEVEL_MAX, v);
}
const char *hb_vocab_scope_code(int v)
{
  return NAME_OF(scope_code, HB_SCOPE_MAX, v);
}
const char *hb_vocab_scope_zh(int v)
{
  return NAME_OF(scope_zh, HB_SCOPE_MAX, v);
}
const char *hb_vocab_status_code(int v)
{
  return NAME_OF(status_code, HB_STATUS_MAX, v);
}
const char *hb_vocab_status_zh(int v)
{
  return NAME_OF(status_zh, HB_STATUS_MAX, v);
}
const char *hb_vocab_unit_type_code(int v)
{
  return NAME_OF(unit_type_code, HB_UNIT_TYPE_MAX, v);
}
const char *hb_vocab_unit_type_zh(int v)
{
  return NAME_OF(unit_type_zh, HB_UNIT_TYPE_MAX, v);
}

const char *hb_vocab_source_code(int v)
{
  return NAME_OF(source_code, HB_SOURCE_MAX, v);
}
const char *hb_vocab_source_zh(int v)
{
  return NAME_OF(source_zh, HB_SOURCE_MAX, v);
}
const char *hb_vocab_term_code(int v)
{
  return NAME_OF(term_code, HB_TERM_MAX, v);
}
const char *hb_vocab_term_zh(int v)
{
  return NAME_OF(term_zh, HB_TERM_MAX, v);
}
const char *hb_vocab_case_type_code(int v)
{
  return NAME_OF(case_code, HB_CASE_MAX, v);
}
const char *hb_vocab_case_type_zh(int v)
{
  return NAME_OF(case_zh, HB_CASE_MAX, v);
}

const char *hb_vocab_kind_list(void)
{
  return "study 集中学习, seminar 专题研讨, lecture 宣讲, tutorial 专题辅导, "
         "reading_class 读书班, research 调查研究, party_day 主题党日, training 培训, "
         "publicity 宣传报道, essay 心得体会, talk 谈心谈话, inspection 督导检查";
}
