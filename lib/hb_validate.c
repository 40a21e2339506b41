/* hb_validate.c: the rules every Activity, Problem, Indicator and Case must
 * meet. */
#include "hb_validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_text.h"
#include "hb_units.h"
#include "hb_validate_internal.h"

#define DATE_MAX 2932896 /* 9999-12-31 */

int hb_validate_fail(hb_violation *v, const char *field, const char *fmt, ...)
{
  if (v) {
    va_list ap;
    va_start(ap, fmt);
    v->field = field;
    vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
    va_end(ap);
  }
  return HB_EINVAL;
}

/* True if s[0..n) holds a byte below 0x20 or 0x7F; eight bytes per step
 * (issue 17: the id and campaign of every record): any byte < 0x20 leaves
 * a high bit in (w - 0x20..) & ~w, and 0x7F is a zero byte of w ^ 0x7F.. */
static int has_ctl(const char *s, size_t n)
{
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  size_t i = 0;
  for (; n - i >= 8; i += 8) {
    uint64_t w, d;
    memcpy(&w, s + i, sizeof w);
    d = w ^ (0x7F * ones);
    if (((w - 0x20 * ones) & ~w & high) || ((d - ones) & ~d & high))
      return 1;
  }
  for (; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F)
      return 1;
  return 0;
}

int hb_validate_text(hb_violation *v, const char *field, const char *zh, const char *s, size_t min,
                     size_t max, int no_ctl)
{
  size_t n = s ? strlen(s) : 0;
  if (n < min)
    return hb_validate_fail(v, field, "缺少%s (%s is missing)", zh, field);
  if (n > max)
    return hb_validate_fail(v, field, "%s过长 (%s longer than %zu bytes)", zh, field, max);
  if (n && !hb_utf8_valid(s, n))
    return hb_validate_fail(v, field, "%s不是有效的 UTF-8 文本 (%s is not valid UTF-8)", zh, field);
  if (no_ctl && has_ctl(s, n))
    return hb_validate_fail(v, field, "%s含控制字符 (%s contains control characters)", zh, field);
  return 0;
}

static int check_unit_id(hb_violation *v, const char *unit, const char *id)
{
  if (!hb_unit_code_valid(unit)) {
    char ex[100];
    hb_text_excerpt(unit, 64, ex, sizeof(ex));
    return hb_validate_fail(v, "unit", "单位编码无效 (invalid unit code): %s", ex);
  }
  return hb_validate_text(v, "id", "编号", id, 1, HB_ID_MAX, 1);
}

/* A date: required or not; not before 2000-01-01; not after today when
 * today >= 0 is given. */
static int check_date(hb_violation *v, const char *field, const char *zh, int has, int32_t day,
                      int required, int32_t today)
{
  char buf[32];
  if (!has || day == 0) {
    if (required)
      return hb_validate_fail(v, field, "缺少%s (%s is missing)", zh, field);
    return 0;
  }
  if (day < HB_DATE_MIN || day > DATE_MAX) {
    if (day > DATE_MAX)
      snprintf(buf, sizeof(buf), "%d", (int)day);
    else
      hb_date_format(day, buf, sizeof(buf));
    return hb_validate_fail(
        v, field, "%s早于 2000-01-01 或无效 (%s before 2000-01-01 or invalid): %s", zh, field, buf);
  }
  if (today >= 0 && day > today) {
    hb_date_format(day, buf, sizeof(buf));
    return hb_validate_fail(v, field, "%s晚于今天 (%s is in the future): %s", zh, field, buf);
  }
  return 0;
}

static int check_count(hb_violation *v, const char *field, const char *zh, int has, uint32_t val,
                       int required, uint32_t min, uint32_t max)
{
  if (!has) {
    if (required)
      return hb_validate_fail(v, field, "缺少%s (%s is missing)", zh, field);
    return 0;
  }
  if (val < min || val > max)
    return hb_validate_fail(v, field, "%s超出范围 (%s out of range %u..%u): %u", zh, field, min,
                            max, val);
  return 0;
}

/* True if val is one of d's values: a range check when they are one run
 * of consecutive numbers (every enum of huibao.proto; issue 17: no binary
 * search per field of every record), else protobuf-c's lookup. */
static int enum_known(const ProtobufCEnumDescriptor *d, int val)
{
  if (d->n_value_ranges == 1)
    return (int64_t)val >= d->value_ranges[0].start_value &&
           (int64_t)val - d->value_ranges[0].start_value < (int64_t)d->n_values;
  return protobuf_c_enum_descriptor_get_value(d, val) != NULL;
}

static int check_enum(hb_violation *v, const char *field, const char *zh, int has, int val,
                      const ProtobufCEnumDescriptor *d)
{
  if (!has || val == 0)
    return hb_validate_fail(v, field, "缺少%s (%s is missing)", zh, field);
  if (!enum_known(d, val))
    return hb_validate_fail(v, field, "%s取值无效 (unknown %s value): %d", zh, field, val);
  return 0;
}

int hb_validate_campaign(hb_violation *v, const char *campaign, const hb_campaigns *campaigns,
                         int required, const hb_campaign **out)
{
  *out = NULL;
  int rc = hb_validate_text(v, "campaign", "专项", campaign, required ? 1 : 0, HB_NAME_MAX, 1);
  if (rc || !campaigns || !campaign || !*campaign)
    return rc;
  *out = hb_campaigns_find(campaigns, campaign);
  if (!*out) {
    char ex[100];
    hb_text_excerpt(campaign, 64, ex, sizeof(ex));
    return hb_validate_fail(v, "campaign", "未知专项 (unknown campaign): %s", ex);
  }
  return 0;
}

/* A dated row's date inside its campaign's start..end (inclusive), when the
 * campaign is known. deadline and resolved_on are not limited. */
static int check_window(hb_violation *v, const char *field, const char *zh, const hb_campaign *c,
                        int32_t day)
{
  if (!c || (day >= c->start && day <= c->end))
    return 0;
  char s[32], e[32], d[32];
  hb_date_format(c->start, s, sizeof s);
  hb_date_format(c->end, e, sizeof e);
  hb_date_format(day, d, sizeof d);
  return hb_validate_fail(v, field, "%s不在专项期间 %s..%s 内 (%s outside the campaign %s..%s): %s",
                          zh, s, e, field, s, e, d);
}

/* An optional enum: absent or 0 is fine, else a known value. */
static int check_enum_opt(hb_violation *v, const char *field, const char *zh, int has, int val,
                          const ProtobufCEnumDescriptor *d)
{
  if (!has || val == 0)
    return 0;
  return check_enum(v, field, zh, has, val, d);
}

void hb_validate_canon_clear(hb_canon *canon)
{
  if (canon) {
    canon->campaign = NULL;
    canon->category = canon->subcategory = canon->kind = canon->indicator = -1;
  }
}

/* An activity's kind: a built-in one (kind) or one its campaign declares
 * (kind_code, by code or name; *k its index), never both. */
static int check_kind(hb_violation *v, const Huibao__V1__Activity *a, const hb_campaign *c, int *k)
{
  *k = -1;
  if (!a->kind_code)
    return check_enum(v, "kind", "类型", a->has_kind, a->kind,
                      &huibao__v1__activity_kind__descriptor);
  if (a->has_kind && a->kind != 0)
    return hb_validate_fail(v, "kind", "类型只能填一个 (kind and kind_code are exclusive): %s",
                            a->kind_code);
  int rc = hb_validate_text(v, "kind_code", "类型", a->kind_code, 1, HB_NAME_MAX, 1);
  if (rc || !c)
    return rc;
  if ((*k = hb_campaign_kind(c, a->kind_code)) < 0) {
    char ex[100];
    hb_text_excerpt(a->kind_code, 64, ex, sizeof(ex));
    return hb_validate_fail(v, "kind_code",
                            "类型不是专项 %s 规定的类型 (kind not declared by campaign %s): %s",
                            c->id, c->id, ex);
  }
  return 0;
}

int hb_validate_key(hb_violation *v, const char *unit, const char *id, int tombstone,
                    uint64_t version)
{
  int rc = check_unit_id(v, unit, id);
  if (rc == 0 && tombstone && version == 0)
    rc = hb_validate_fail(v, "version", "删除记录缺少版本号 (tombstone without version)");
  return rc;
}

int hb_validate_activity(const Huibao__V1__Activity *a, const hb_campaigns *campaigns,
                         int32_t today, hb_violation *v, hb_canon *canon)
{
  hb_validate_canon_clear(canon);
  int tombstone = a->has_deleted && a->deleted;
  int rc = hb_validate_key(v, a->unit, a->id, tombstone, a->version);
  if (rc || tombstone)
    return rc;
  const hb_campaign *c = NULL;
  int kind = -1;
  if ((rc = hb_validate_campaign(v, a->campaign, campaigns, 1, &c)) ||
      (rc = check_date(v, "date", "日期", a->has_date, a->date, 1, today)) ||
      (rc = check_window(v, "date", "日期", c, a->date)) || (rc = check_kind(v, a, c, &kind)) ||
      (rc = check_enum(v, "level", "层级", a->has_level, a->level,
                       &huibao__v1__activity_level__descriptor)) ||
      (rc = check_count(v, "sessions", "次数", a->has_sessions, a->sessions, 1, 1,
                        HB_SESSIONS_MAX)) ||
      (rc = check_count(v, "participants", "参加人次", a->has_participants, a->participants, 0, 0,
                        HB_PARTICIPANTS_MAX)) ||
      (rc =
           check_count(v, "outputs", "成果数", a->has_outputs, a->outputs, 0, 0, HB_OUTPUTS_MAX)) ||
      (rc = hb_validate_text(v, "title", "主题", a->title, 0, HB_TITLE_MAX, 0)))
    return rc;
  if (canon) {
    canon->campaign = c;
    canon->kind = kind;
  }
  return 0;
}

/* A problem's sub-category (optional): a sub-category of its category, by
 * code or name, when the campaign is known (*sub its index). */
static int check_subcategory(hb_violation *v, const char *s, const hb_campaign *c, int cat,
                             int *sub)
{
  *sub = -1;
  if (!s || !*s)
    return 0;
  int rc = hb_validate_text(v, "subcategory", "子类别", s, 1, HB_NAME_MAX, 1);
  if (rc || !c || cat < 0)
    return rc;
  if ((*sub = hb_campaign_subcategory(c, cat, s)) < 0) {
    char ex[100];
    hb_text_excerpt(s, 64, ex, sizeof(ex));
    const char *code = c->categories[cat].code;
    return hb_validate_fail(v, "subcategory",
                            "子类别不属于类别 %s (subcategory not in category %s): %s", code, code,
                            ex);
  }
  return 0;
}

int hb_validate_problem(const Huibao__V1__Problem *p, const hb_campaigns *campaigns, int32_t today,
                        hb_violation *v, hb_canon *canon)
{
  hb_validate_canon_clear(canon);
  int tombstone = p->has_deleted && p->deleted;
  int rc = hb_validate_key(v, p->unit, p->id, tombstone, p->version);
  if (rc || tombstone)
    return rc;
  const hb_campaign *c = NULL;
  if ((rc = hb_validate_campaign(v, p->campaign, campaigns, 1, &c)) ||
      (rc = check_date(v, "identified_on", "查摆日期", p->has_identified_on, p->identified_on, 1,
                       today)) ||
      (rc = check_window(v, "identified_on", "查摆日期", c, p->identified_on)) ||
      (rc = check_enum(v, "scope", "范围", p->has_scope, p->scope,
                       &huibao__v1__problem_scope__descriptor)) ||
      (rc = hb_validate_text(v, "category", "类别", p->category, 1, HB_NAME_MAX, 1)))
    return rc;
  int cat = -1;
  if (c) {
    cat = hb_campaign_category(c, p->category);
    if (cat < 0) {
      char ex[100];
      hb_text_excerpt(p->category, 64, ex, sizeof(ex));
      return hb_validate_fail(v, "category", "类别不属于专项 %s (category not in campaign %s): %s",
                              c->id, c->id, ex);
    }
  }
  int sub = -1;
  if ((rc = check_subcategory(v, p->subcategory, c, cat, &sub)))
    return rc;
  if ((rc = check_enum(v, "status", "状态", p->has_status, p->status,
                       &huibao__v1__problem_status__descriptor)) ||
      (rc = check_count(v, "measures", "整改措施数", p->has_measures, p->measures, 0, 0,
                        HB_MEASURES_MAX)) ||
      (rc = check_date(v, "deadline", "整改时限", p->has_deadline, p->deadline, 0, -1)))
    return rc;
  char d1[32], d2[32];
  int has_deadline = p->has_deadline && p->deadline != 0;
  if (has_deadline && p->deadline < p->identified_on) {
    hb_date_format(p->deadline, d1, sizeof(d1));
    hb_date_format(p->identified_on, d2, sizeof(d2));
    return hb_validate_fail(
        v, "deadline", "整改时限早于查摆日期 (deadline before identified_on): %s < %s", d1, d2);
  }
  int has_resolved = p->has_resolved_on && p->resolved_on != 0;
  if (p->status == HUIBAO__V1__PROBLEM_STATUS__RESOLVED) {
    if (!has_resolved)
      return hb_validate_fail(
          v, "resolved_on",
          "已整改的问题须填销号日期 (resolved_on is required when status is resolved)");
    if ((rc = check_date(v, "resolved_on", "销号日期", 1, p->resolved_on, 1, today)))
      return rc;
    if (p->resolved_on < p->identified_on) {
      hb_date_format(p->resolved_on, d1, sizeof(d1));
      hb_date_format(p->identified_on, d2, sizeof(d2));
      return hb_validate_fail(v, "resolved_on",
                              "销号日期早于查摆日期 (resolved_on before identified_on): %s < %s",
                              d1, d2);
    }
  } else if (has_resolved) {
    return hb_validate_fail(
        v, "resolved_on",
        "未整改完成的问题不能填销号日期 (resolved_on is only allowed when status is "
        "resolved)");
  }
  if ((rc = hb_validate_text(v, "description", "问题描述", p->description, 0, HB_TITLE_MAX, 0)) ||
      (rc = hb_validate_text(v, "owner", "责任人", p->owner, 0, HB_OWNER_MAX, 1)) ||
      (rc = hb_validate_text(v, "measures_text", "整改措施", p->measures_text, 0, HB_SUMMARY_MAX,
                             0)) ||
      (rc = check_enum_opt(v, "source", "来源", p->has_source, p->source,
                           &huibao__v1__problem_source__descriptor)) ||
      (rc = check_enum_opt(v, "term", "整改类型", p->has_term, p->term,
                           &huibao__v1__problem_term__descriptor)))
    return rc;
  if (canon) {
    canon->campaign = c;
    canon->category = cat;
    canon->subcategory = sub;
  }
  return 0;
}

static int form_enum(hb_violation *v, const char *field, int has, int val,
                     const ProtobufCEnumDescriptor *d)
{
  if (has && !enum_known(d, val))
    return hb_validate_fail(v, field, "取值无效 (unknown %s value): %d", field, val);
  return 0;
}

/* What every row kind has: its unit, its id, its campaign. */
static int form_row(hb_violation *v, const char *unit, const char *id, const char *campaign)
{
  int rc;
  if ((rc = hb_validate_text(v, "unit", "单位", unit, 1, HB_UNIT_CODE_MAX, 1)) ||
      (rc = hb_validate_text(v, "id", "编号", id, 1, HB_ID_MAX, 1)))
    return rc;
  return hb_validate_text(v, "campaign", "专项", campaign, 0, HB_NAME_MAX, 1);
}

static int form_activity(const Huibao__V1__Activity *a, hb_violation *v)
{
  int rc;
  if ((rc = form_row(v, a->unit, a->id, a->campaign)) ||
      (rc = hb_validate_text(v, "title", "主题", a->title, 0, HB_TITLE_MAX, 0)) ||
      (rc = hb_validate_text(v, "kind_code", "类型", a->kind_code, 0, HB_NAME_MAX, 1)) ||
      (rc = form_enum(v, "kind", a->has_kind, a->kind, &huibao__v1__activity_kind__descriptor)) ||
      (rc = form_enum(v, "level", a->has_level, a->level, &huibao__v1__activity_level__descriptor)))
    return rc;
  return 0;
}

static int form_problem(const Huibao__V1__Problem *p, hb_violation *v)
{
  int rc;
  if ((rc = form_row(v, p->unit, p->id, p->campaign)) ||
      (rc = hb_validate_text(v, "category", "类别", p->category, 0, HB_NAME_MAX, 1)) ||
      (rc = hb_validate_text(v, "description", "问题描述", p->description, 0, HB_TITLE_MAX, 0)) ||
      (rc = hb_validate_text(v, "subcategory", "子类别", p->subcategory, 0, HB_NAME_MAX, 1)) ||
      (rc = hb_validate_text(v, "owner", "责任人", p->owner, 0, HB_OWNER_MAX, 1)) ||
      (rc = hb_validate_text(v, "measures_text", "整改措施", p->measures_text, 0, HB_SUMMARY_MAX,
                             0)) ||
      (rc =
           form_enum(v, "scope", p->has_scope, p->scope, &huibao__v1__problem_scope__descriptor)) ||
      (rc = form_enum(v, "status", p->has_status, p->status,
                      &huibao__v1__problem_status__descriptor)) ||
      (rc = form_enum(v, "source", p->has_source, p->source,
                      &huibao__v1__problem_source__descriptor)) ||
      (rc = form_enum(v, "term", p->has_term, p->term, &huibao__v1__problem_term__descriptor)))
    return rc;
  return 0;
}

static int form_indicator(const Huibao__V1__Indicator *r, hb_violation *v)
{
  int rc;
  if ((rc = form_row(v, r->unit, r->id, r->campaign)) ||
      (rc = hb_validate_text(v, "indicator", "指标", r->indicator, 0, HB_NAME_MAX, 1)) ||
      (rc = hb_validate_text(v, "note", "说明", r->note, 0, HB_NOTE_MAX, 0)))
    return rc;
  return 0;
}

static int form_case(const Huibao__V1__Case *r, hb_violation *v)
{
  int rc;
  if ((rc = form_row(v, r->unit, r->id, r->campaign)) ||
      (rc = hb_validate_text(v, "title", "标题", r->title, 0, HB_TITLE_MAX, 0)) ||
      (rc = hb_validate_text(v, "summary", "摘要", r->summary, 0, HB_SUMMARY_MAX, 0)) ||
      (rc = form_enum(v, "type", r->has_type, r->type, &huibao__v1__case_type__descriptor)))
    return rc;
  return 0;
}

/* A 报送 row's period: a period id (YYYY-MM-DD) or 本期, at most this long. */
#define FORM_PERIOD_MAX 32

static int form_report(const Huibao__V1__Report *r, hb_violation *v)
{
  int rc;
  if ((rc = form_row(v, r->unit, r->id, r->campaign)) ||
      (rc = hb_validate_text(v, "period", "报送期", r->period, 0, FORM_PERIOD_MAX, 1)) ||
      (rc = hb_validate_text(v, "filled_by", "填报人", r->filled_by, 0, HB_OWNER_MAX, 1)) ||
      (rc = hb_validate_text(v, "approved_by", "审核人", r->approved_by, 0, HB_OWNER_MAX, 1)) ||
      (rc = hb_validate_text(v, "note", "说明", r->note, 0, HB_NOTE_MAX, 0)))
    return rc;
  return 0;
}

int hb_validate_record_form(const Huibao__V1__Record *r, hb_violation *v)
{
  if (!r || !protobuf_c_message_check(&r->base))
    return hb_validate_fail(v, "record", "记录不完整 (record is incomplete)");
  if (r->body_case == HUIBAO__V1__RECORD__BODY_ACTIVITY && r->activity)
    return form_activity(r->activity, v);
  if (r->body_case == HUIBAO__V1__RECORD__BODY_PROBLEM && r->problem)
    return form_problem(r->problem, v);
  if (r->body_case == HUIBAO__V1__RECORD__BODY_INDICATOR && r->indicator)
    return form_indicator(r->indicator, v);
  if (r->body_case == HUIBAO__V1__RECORD__BODY_CASE_ROW && r->case_row)
    return form_case(r->case_row, v);
  if (r->body_case == HUIBAO__V1__RECORD__BODY_REPORT && r->report)
    return form_report(r->report, v);
  return hb_validate_fail(
      v, "record", "记录没有内容 (record has no activity, problem, indicator, case or 报送 row)");
}

/* "-12.5" for -125000: value in ten-thousandths, trailing zeros dropped. */
static void value_format(int64_t value, char *buf, size_t len)
{
  uint64_t u = value < 0 ? (uint64_t)0 - (uint64_t)value : (uint64_t)value;
  uint64_t whole = u / HB_INDICATOR_SCALE, frac = u % HB_INDICATOR_SCALE;
  char f[8];
  snprintf(f, sizeof f, "%04u", (unsigned)frac);
  for (int i = 3; i >= 0 && f[i] == '0'; i--)
    f[i] = '\0';
  snprintf(buf, len, "%s%llu%s%s", value < 0 ? "-" : "", (unsigned long long)whole, f[0] ? "." : "",
           f);
}

/* An indicator's value: present, within HB_INDICATOR_VALUE_MAX, and with no
 * more decimals than the indicator declares (when it is known). */
static int check_value(hb_violation *v, const Huibao__V1__Indicator *r, const hb_indicator *ind)
{
  if (!r->has_value)
    return hb_validate_fail(v, "value", "缺少数量 (value is missing)");
  char buf[48];
  value_format(r->value, buf, sizeof buf);
  if (r->value < -HB_INDICATOR_VALUE_MAX || r->value > HB_INDICATOR_VALUE_MAX)
    return hb_validate_fail(v, "value", "数量超出范围 (value out of range -%lld..%lld): %s",
                            HB_INDICATOR_VALUE_MAX / HB_INDICATOR_SCALE,
                            HB_INDICATOR_VALUE_MAX / HB_INDICATOR_SCALE, buf);
  if (!ind)
    return 0;
  int64_t unit = 1;
  for (int i = ind->places; i < HB_INDICATOR_PLACES_MAX; i++)
    unit *= 10;
  if (r->value % unit != 0)
    return hb_validate_fail(
        v, "value",
        "小数位数多于指标%s规定的 %d 位 (more decimal places than the %d of indicator %s): "
        "%s",
        ind->name, ind->places, ind->places, ind->code, buf);
  return 0;
}

int hb_validate_indicator(const Huibao__V1__Indicator *r, const hb_campaigns *campaigns,
                          int32_t today, hb_violation *v, hb_canon *canon)
{
  hb_validate_canon_clear(canon);
  int tombstone = r->has_deleted && r->deleted;
  int rc = hb_validate_key(v, r->unit, r->id, tombstone, r->version);
  if (rc || tombstone)
    return rc;
  const hb_campaign *c = NULL;
  if ((rc = hb_validate_campaign(v, r->campaign, campaigns, 1, &c)) ||
      (rc = check_date(v, "date", "日期", r->has_date, r->date, 1, today)) ||
      (rc = check_window(v, "date", "日期", c, r->date)) ||
      (rc = hb_validate_text(v, "indicator", "指标", r->indicator, 1, HB_NAME_MAX, 1)))
    return rc;
  int ind = -1;
  if (c && (ind = hb_campaign_indicator(c, r->indicator)) < 0) {
    char ex[100];
    hb_text_excerpt(r->indicator, 64, ex, sizeof(ex));
    return hb_validate_fail(
        v, "indicator", "指标不是专项 %s 规定的指标 (indicator not declared by campaign %s): %s",
        c->id, c->id, ex);
  }
  if ((rc = check_value(v, r, ind >= 0 ? &c->indicators[ind] : NULL)) ||
      (rc = hb_validate_text(v, "note", "说明", r->note, 0, HB_NOTE_MAX, 0)))
    return rc;
  if (canon) {
    canon->campaign = c;
    canon->indicator = ind;
  }
  return 0;
}

int hb_validate_case(const Huibao__V1__Case *r, const hb_campaigns *campaigns, int32_t today,
                     hb_violation *v, hb_canon *canon)
{
  hb_validate_canon_clear(canon);
  int tombstone = r->has_deleted && r->deleted;
  int rc = hb_validate_key(v, r->unit, r->id, tombstone, r->version);
  if (rc || tombstone)
    return rc;
  const hb_campaign *c = NULL;
  if ((rc = hb_validate_campaign(v, r->campaign, campaigns, 1, &c)) ||
      (rc = check_date(v, "date", "日期", r->has_date, r->date, 1, today)) ||
      (rc = check_window(v, "date", "日期", c, r->date)) ||
      (rc = check_enum(v, "type", "类型", r->has_type, r->type,
                       &huibao__v1__case_type__descriptor)) ||
      (rc = hb_validate_text(v, "title", "标题", r->title, 1, HB_TITLE_MAX, 0)) ||
      (rc = hb_validate_text(v, "summary", "摘要", r->summary, 0, HB_SUMMARY_MAX, 0)))
    return rc;
  if (canon)
    canon->campaign = c;
  return 0;
}
