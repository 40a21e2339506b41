/* period.c: the agent's lines about the reporting period (period.h). */
#include "period.h"

#include <stdlib.h>
#include <string.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_period.h"
#include "hb_validate.h"
#include "kinds.h"

#define NEAR_DUE_S (24 * 3600) /* warn when the due is closer than this */

/* One campaign with a current period. */
typedef struct pv_item {
  char *id, *name; /* the campaign's, owned */
  hb_period cur;
  size_t dated;            /* ledger activities and problems of it dated in cur */
  char rid[HB_ID_MAX + 1]; /* the 报送 row for cur, "" when none */
  int says_current;        /* ... it says 本期 */
  int nothing_new;
  char filled_by[HB_OWNER_MAX + 1];
  int counted; /* acked and report_acked were read from a state */
  size_t acked;
  int report_acked;
  int current_stale; /* the 本期 row was sent in an earlier period */
} pv_item;

struct agent_period_view {
  pv_item *items;
  size_t n;
  int64_t now_s;
};

static int applies_to(const Huibao__V1__Report *r, const hb_campaign *c)
{
  return !r->campaign || !*r->campaign || strcmp(r->campaign, c->id) == 0;
}

/* Activities (日期) and problems (查摆日期) of campaign c dated in p. */
static size_t dated_in(const hb_ledger *l, const hb_campaign *c, const hb_period *p)
{
  size_t n = 0;
  for (size_t i = 0; i < l->nactivities; i++) {
    const Huibao__V1__Activity *a = l->activities[i];
    n += a->has_date && a->date >= p->start_day && a->date <= p->end_day &&
         strcmp(a->campaign, c->id) == 0;
  }
  for (size_t i = 0; i < l->nproblems; i++) {
    const Huibao__V1__Problem *q = l->problems[i];
    n += q->has_identified_on && q->identified_on >= p->start_day &&
         q->identified_on <= p->end_day && strcmp(q->campaign, c->id) == 0;
  }
  return n;
}

/* The period of c that 报送 row r is about (its id, or the current one for
 * 本期), or -1. */
static int report_period(const Huibao__V1__Report *r, const hb_period *p, size_t n, int64_t now_s)
{
  if (!r->period)
    return -1;
  if (strcmp(r->period, HB_PERIOD_CURRENT) == 0)
    return hb_period_index_at(p, n, now_s);
  return hb_period_find(p, n, r->period);
}

/* "台账.xlsx:报送!3:3" or "reports.csv" (line in *line). */
static void report_place(const hb_ledger *l, size_t i, char *buf, size_t len, unsigned *line)
{
  *line = l->report_lines ? l->report_lines[i] : 0;
  if (l->report_sheet) {
    snprintf(buf, len, "%s!%u:%u", l->report_sheet, *line, *line);
    *line = 0;
  } else {
    snprintf(buf, len, "%s", HB_LEDGER_REPORTS);
  }
}

/* The 无新增 contradictions of campaign c (its periods p[0..n)). */
static int contradictions(const hb_ledger *l, const hb_campaign *c, const hb_period *p, size_t n,
                          int64_t now_s, hb_diags *diags)
{
  for (size_t i = 0; i < l->nreports; i++) {
    const Huibao__V1__Report *r = l->reports[i];
    if (!r->nothing_new || !applies_to(r, c))
      continue;
    int k = report_period(r, p, n, now_s);
    size_t dated = k < 0 ? 0 : dated_in(l, c, &p[k]);
    if (!dated)
      continue;
    char where[300], s[16], e[16];
    unsigned line;
    report_place(l, i, where, sizeof where, &line);
    hb_date_format(p[k].start_day, s, sizeof s);
    hb_date_format(p[k].end_day, e, sizeof e);
    if (hb_diags_note(diags, where, line, "无新增",
                      "警告：报送期 %s 填了无新增，但台账中有 %zu 条专项 %s 的活动或问题日期在该期"
                      "（%s 至 %s）内 (warning: nothing_new for period %s, but %zu activities or "
                      "problems of campaign %s are dated %s..%s)",
                      p[k].id, dated, c->id, s, e, p[k].id, dated, c->id, s, e) != 0)
      return HB_ENOMEM;
  }
  return 0;
}

/* The 报送 row of l for period cur of c, preferring one that names c,
 * then one that gives the period's id over 本期. */
static void pick_report(pv_item *it, const hb_ledger *l, const hb_campaign *c)
{
  int best = 0;
  for (size_t i = 0; i < l->nreports; i++) {
    const Huibao__V1__Report *r = l->reports[i];
    if (!applies_to(r, c) || !r->period)
      continue;
    int current = strcmp(r->period, HB_PERIOD_CURRENT) == 0;
    if (!current && strcmp(r->period, it->cur.id) != 0)
      continue;
    int score = 1 + (r->campaign && *r->campaign ? 2 : 0) + !current;
    if (score <= best)
      continue;
    best = score;
    snprintf(it->rid, sizeof it->rid, "%s", r->id);
    it->says_current = current;
    it->nothing_new = r->nothing_new;
    snprintf(it->filled_by, sizeof it->filled_by, "%s", r->filled_by ? r->filled_by : "");
  }
}

int agent_period_view_build(agent_period_view **out, const hb_campaigns *camps, const hb_ledger *l,
                            int64_t now_s, hb_diags *diags)
{
  *out = NULL;
  if (!camps)
    return 0;
  agent_period_view *v = calloc(1, sizeof *v);
  if (!v || !(v->items = calloc(camps->count ? camps->count : 1, sizeof *v->items))) {
    free(v);
    return HB_ENOMEM;
  }
  v->now_s = now_s;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < camps->count; i++) {
    const hb_campaign *c = &camps->items[i];
    hb_period *p;
    size_t n;
    if (c->cycle.kind == HB_CYCLE_NONE || (rc = hb_periods_of(c, &p, &n)) != 0)
      continue;
    rc = contradictions(l, c, p, n, now_s, diags);
    int k = hb_period_index_at(p, n, now_s);
    if (rc == 0 && k >= 0) {
      pv_item *it = &v->items[v->n];
      it->cur = p[k];
      if (!(it->id = strdup(c->id)) || !(it->name = strdup(c->name)))
        rc = HB_ENOMEM;
      v->n++;
      it->dated = dated_in(l, c, &it->cur);
      pick_report(it, l, c);
    }
    free(p);
  }
  if (rc || v->n == 0) {
    agent_period_view_free(v);
    return rc;
  }
  *out = v;
  return 0;
}

/* ---------------------------------------------------------------- counting */

/* A known entry that may count: its key and the item it counts for. */
typedef struct pv_cand {
  uint8_t key[AGENT_KEY_MAX];
  size_t keylen;
  size_t item;
  int report; /* the item's 报送 row */
} pv_cand;

typedef struct pv_scan {
  agent_period_view *v;
  pv_cand *c;
  size_t n, cap;
  int nomem;
} pv_scan;

static int in_period(const pv_item *it, uint64_t version)
{
  uint64_t start = (uint64_t)it->cur.start_s * 1000000u;
  uint64_t end = ((uint64_t)it->cur.due_s + 1) * 1000000u;
  return version >= start && version < end;
}

static void cand_add(pv_scan *x, const uint8_t *key, size_t keylen, size_t item, int report)
{
  if (x->n == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 64;
    pv_cand *c = realloc(x->c, cap * sizeof *c);
    if (!c) {
      x->nomem = 1;
      return;
    }
    x->c = c;
    x->cap = cap;
  }
  pv_cand *c = &x->c[x->n++];
  memcpy(c->key, key, keylen);
  c->keylen = keylen;
  c->item = item;
  c->report = report;
}

/* The campaign of a known row's content (a copy in buf), or "". */
static void content_campaign(const agent_kind *k, const uint8_t *content, size_t len, char *buf,
                             size_t buflen)
{
  buf[0] = '\0';
  ProtobufCMessage *m = protobuf_c_message_unpack(k->desc, NULL, len, content);
  if (!m)
    return;
  const ProtobufCFieldDescriptor *f =
      protobuf_c_message_descriptor_get_field_by_name(k->desc, "campaign");
  const char *s = NULL;
  if (f)
    memcpy(&s, (const char *)m + f->offset, sizeof s);
  snprintf(buf, buflen, "%s", s ? s : "");
  protobuf_c_message_free_unpacked(m, NULL);
}

static int scan_known(void *arg, const uint8_t *key, size_t keylen, uint64_t version, int deleted,
                      const uint8_t *content, size_t len)
{
  pv_scan *x = arg;
  const agent_kind *k = keylen > 1 ? agent_kind_of_byte((char)key[0]) : NULL;
  if (!k || deleted || keylen > AGENT_KEY_MAX)
    return 0;
  agent_period_view *v = x->v;
  if (k->table == HB_TABLE_REPORTS) {
    for (size_t i = 0; i < v->n; i++) {
      const pv_item *it = &v->items[i];
      if (!it->rid[0] || keylen - 1 != strlen(it->rid) || memcmp(key + 1, it->rid, keylen - 1))
        continue;
      if (!it->says_current || in_period(it, version))
        cand_add(x, key, keylen, i, 1);
      else
        v->items[i].current_stale = 1;
    }
    return x->nomem;
  }
  int any = 0;
  for (size_t i = 0; i < v->n && !any; i++)
    any = in_period(&v->items[i], version);
  if (!any)
    return 0;
  char campaign[HB_NAME_MAX + 1];
  content_campaign(k, content, len, campaign, sizeof campaign);
  for (size_t i = 0; i < v->n; i++)
    if (in_period(&v->items[i], version) && strcmp(campaign, v->items[i].id) == 0)
      cand_add(x, key, keylen, i, 0);
  return x->nomem;
}

static int outbox_seen(void *arg, const uint8_t *key, size_t keylen, const uint8_t *val,
                       size_t vallen)
{
  (void)arg, (void)key, (void)keylen, (void)val, (void)vallen;
  return 0;
}

int agent_period_view_count(agent_period_view *v, agent_state *s)
{
  if (!v || !s)
    return 0;
  pv_scan x = {v, NULL, 0, 0, 0};
  int rc = agent_state_known_each(s, scan_known, &x);
  if (rc == 0 && x.nomem)
    rc = HB_ENOMEM;
  for (size_t i = 0; rc == 0 && i < x.n; i++) {
    const pv_cand *c = &x.c[i];
    /* in the outbox: not acknowledged yet (or held by an older county) */
    int r = agent_state_outbox_get(s, c->key, c->keylen, outbox_seen, NULL);
    if (r != HB_ENOTFOUND)
      continue;
    if (c->report)
      v->items[c->item].report_acked = 1;
    else
      v->items[c->item].acked++;
  }
  for (size_t i = 0; rc == 0 && i < v->n; i++)
    v->items[i].counted = 1;
  free(x.c);
  return rc;
}

/* ---------------------------------------------------------------- lines */

void agent_period_view_print(const agent_period_view *v, FILE *f)
{
  for (size_t i = 0; v && i < v->n; i++) {
    const pv_item *it = &v->items[i];
    int y, mo, d;
    hb_date_to_ymd(it->cur.due_day, &y, &mo, &d);
    char due[64], pre[300] = "";
    snprintf(due, sizeof due, "%d月%d日 %02d:%02d", mo, d, it->cur.due_minute / 60,
             it->cur.due_minute % 60);
    if (v->n > 1)
      snprintf(pre, sizeof pre, "专项 %s：", it->name);
    if (!it->counted) {
      char rep[400] = "";
      if (it->rid[0])
        snprintf(rep, sizeof rep, "；报送表：%s%s%s%s", it->nothing_new ? "无新增" : "已填",
                 it->filled_by[0] ? "（填报人 " : "", it->filled_by, it->filled_by[0] ? "）" : "");
      fprintf(f,
              "%s本期（截至 %s）：台账中本期日期的活动和问题 %zu 条%s (period %s: %zu "
              "activities and problems dated in it%s; sync sends them)\n",
              pre, due, it->dated, rep, it->cur.id, it->dated,
              it->rid[0] ? (it->nothing_new ? ", a 报送 row says nothing new" : ", a 报送 row")
                         : "");
    } else if (it->acked > 0 || (it->report_acked && !it->nothing_new)) {
      fprintf(f,
              "%s本期（截至 %s）已报送：新增 %zu 条 (period %s, due %s: %zu new or changed "
              "rows stored by the county)\n",
              pre, due, it->acked, it->cur.id, due, it->acked);
    } else if (it->report_acked) {
      if (it->filled_by[0])
        fprintf(f, "%s本期无新增（已报送，填报人 %s） (nothing new in period %s: reported by %s)\n",
                pre, it->filled_by, it->cur.id, it->filled_by);
      else
        fprintf(f, "%s本期无新增（已报送） (nothing new in period %s: reported)\n", pre,
                it->cur.id);
    } else {
      fprintf(f, "%s本期（截至 %s）尚未报送 (nothing of period %s reached the county yet)\n", pre,
              due, it->cur.id);
    }
    if (it->counted && it->current_stale && !it->report_acked)
      fprintf(f,
              "%s报送表中报送期为“本期”的那一行是以前某一期报送的，不算本期；本期如无新增，请把"
              "它的报送期改为 %s（或新填一行）再同步 (the 报送 row saying 本期 was sent in an "
              "earlier period and does not count for this one: write %s as its period, or add a "
              "row, and sync)\n",
              pre, it->cur.id, it->cur.id);
    int64_t left = it->cur.due_s - v->now_s;
    if (it->counted && !it->acked && !it->report_acked && left >= 0 && left < NEAR_DUE_S)
      fprintf(f,
              "%s警告：本期报送将于 %s 截止（还有约 %lld 小时），本期尚未报送任何记录；如本期无"
              "新增，请在报送表填一行：报送期 %s，无新增“是” (warning: period %s is due in "
              "%lld h and nothing was reported: if there is nothing new, add a 报送 row for "
              "period %s saying 无新增 是)\n",
              pre, due, (long long)(left / 3600), it->cur.id, it->cur.id, (long long)(left / 3600),
              it->cur.id);
  }
}

void agent_period_view_free(agent_period_view *v)
{
  if (!v)
    return;
  for (size_t i = 0; i < v->n; i++) {
    free(v->items[i].id);
    free(v->items[i].name);
  }
  free(v->items);
  free(v);
}
