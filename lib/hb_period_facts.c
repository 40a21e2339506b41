/* hb_period_facts.c: store-time facts and period states (hb_period_facts.h,
 * docs/periods.md).
 *
 * A change day's two stamps decide "a change was stored in [start_s,
 * due_s]" exactly for every period hb_periods_of makes: a period's two
 * bounds fall on one local day only for a first period of one day, whose
 * start_s is that day's 00:00, before every stamp of the day. */
#include "hb_period_facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_varint.h"
#include "huibao/v1/huibao.pb-c.h"

#define FACTS_RECORD_ID_MAX 1024 /* bytes: far above any Report record id */

const char *hb_period_state_name(hb_period_state s)
{
  switch (s) {
  case HB_PERIOD_REPORTED: return "reported";
  case HB_PERIOD_NIL: return "nil";
  case HB_PERIOD_LATE: return "late";
  case HB_PERIOD_MISSING: return "missing";
  default: return "pending";
  }
}

void hb_period_facts_free(hb_period_facts *f)
{
  for (size_t i = 0; i < f->nreports; i++)
    free(f->reports[i].record_id);
  free(f->reports);
  free(f->days);
  memset(f, 0, sizeof *f);
}

int hb_period_facts_copy(hb_period_facts *dst, const hb_period_facts *src)
{
  memset(dst, 0, sizeof *dst);
  if (src->ndays) {
    dst->days = malloc(src->ndays * sizeof *dst->days);
    if (!dst->days)
      return HB_ENOMEM;
    memcpy(dst->days, src->days, src->ndays * sizeof *dst->days);
    dst->ndays = dst->capdays = src->ndays;
  }
  if (src->nreports) {
    dst->reports = calloc(src->nreports, sizeof *dst->reports);
    if (!dst->reports)
      goto nomem;
    dst->capreports = src->nreports;
    for (size_t i = 0; i < src->nreports; i++) {
      dst->reports[i] = src->reports[i];
      dst->reports[i].record_id = strdup(src->reports[i].record_id);
      if (!dst->reports[i].record_id)
        goto nomem;
      dst->nreports++;
    }
  }
  return 0;
nomem:
  hb_period_facts_free(dst);
  return HB_ENOMEM;
}

/* --------------------------------------------------------------- changes */

/* Index of the first day entry >= day (ndays if none). */
static size_t day_lower_bound(const hb_period_facts *f, int32_t day)
{
  size_t lo = 0, hi = f->ndays;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->days[mid].day < day)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int hb_period_facts_note_change(hb_period_facts *f, int64_t now_s)
{
  int32_t day = hb_local_day(now_s);
  size_t i = day_lower_bound(f, day);
  if (i < f->ndays && f->days[i].day == day) {
    hb_change_day *d = &f->days[i];
    if (now_s < d->first_s)
      d->first_s = now_s;
    if (now_s > d->last_s)
      d->last_s = now_s;
    return 0;
  }
  if (f->ndays == f->capdays) {
    size_t cap = f->capdays ? f->capdays * 2 : 8;
    hb_change_day *days = realloc(f->days, cap * sizeof *days);
    if (!days)
      return HB_ENOMEM;
    f->days = days;
    f->capdays = cap;
  }
  memmove(&f->days[i + 1], &f->days[i], (f->ndays - i) * sizeof *f->days);
  f->days[i] = (hb_change_day){day, now_s, now_s};
  f->ndays++;
  return 0;
}

/* True if a change was stored in [a, b]. Days are in store order, so
 * their stamps grow with them: the first day whose last stamp is >= a
 * decides. */
static bool changed_within(const hb_period_facts *f, int64_t a, int64_t b)
{
  size_t lo = 0, hi = f->ndays;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (f->days[mid].last_s < a)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < f->ndays && f->days[lo].first_s <= b;
}

/* --------------------------------------------------------------- reports */

static int report_cmp(const hb_report_fact *r, const char *period, const char *record_id)
{
  int c = strcmp(r->period, period);
  return c ? c : strcmp(r->record_id, record_id);
}

/* Index of the first report fact >= (period, record_id). */
static size_t report_lower_bound(const hb_period_facts *f, const char *period,
                                 const char *record_id)
{
  size_t lo = 0, hi = f->nreports;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (report_cmp(&f->reports[mid], period, record_id) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Inserts a zeroed fact for (period, record_id) at i. */
static int report_insert(hb_period_facts *f, size_t i, const char *period, const char *record_id)
{
  char *id = strdup(record_id);
  if (!id)
    return HB_ENOMEM;
  if (f->nreports == f->capreports) {
    size_t cap = f->capreports ? f->capreports * 2 : 8;
    hb_report_fact *r = realloc(f->reports, cap * sizeof *r);
    if (!r) {
      free(id);
      return HB_ENOMEM;
    }
    f->reports = r;
    f->capreports = cap;
  }
  memmove(&f->reports[i + 1], &f->reports[i], (f->nreports - i) * sizeof *f->reports);
  hb_report_fact *r = &f->reports[i];
  memset(r, 0, sizeof *r);
  snprintf(r->period, sizeof r->period, "%s", period);
  r->record_id = id;
  f->nreports++;
  return 0;
}

int hb_period_facts_note_report(hb_period_facts *f, const char *period, const char *record_id,
                                bool nothing_new, int64_t now_s)
{
  size_t i = report_lower_bound(f, period, record_id);
  if (i == f->nreports || report_cmp(&f->reports[i], period, record_id) != 0) {
    int rc = report_insert(f, i, period, record_id);
    if (rc != 0)
      return rc;
  }
  hb_report_fact *r = &f->reports[i];
  if (r->first_s == 0 || now_s < r->first_s)
    r->first_s = now_s;
  if (nothing_new && (r->first_nil_s == 0 || now_s < r->first_nil_s))
    r->first_nil_s = now_s;
  r->nil_now = nothing_new;
  for (size_t k = 0; k < f->nreports; k++)
    if (k != i && strcmp(f->reports[k].record_id, record_id) == 0)
      f->reports[k].nil_now = false;
  return 0;
}

void hb_period_facts_note_report_deleted(hb_period_facts *f, const char *record_id)
{
  for (size_t k = 0; k < f->nreports; k++)
    if (strcmp(f->reports[k].record_id, record_id) == 0)
      f->reports[k].nil_now = false;
}

/* ----------------------------------------------------------------- state */

hb_period_state hb_period_facts_state(const hb_period_facts *f, const hb_period *p, int64_t now_s)
{
  if (f && changed_within(f, p->start_s, p->due_s))
    return HB_PERIOD_REPORTED; /* rule 1 */
  bool by_due = false, after_due = false;
  if (f) {
    for (size_t i = report_lower_bound(f, p->id, ""); i < f->nreports; i++) {
      const hb_report_fact *r = &f->reports[i];
      if (strcmp(r->period, p->id) != 0)
        break;
      if (r->first_nil_s > 0 && r->first_nil_s <= p->due_s)
        return HB_PERIOD_NIL; /* rule 2 */
      if (r->first_s > 0 && r->first_s <= p->due_s)
        by_due = true;
      else if (r->first_s > p->due_s)
        after_due = true;
    }
  }
  /* rule 3: a row by the due that did not say 无新增 then (one that did is
   * rule 2): an explicit report of something new */
  if (by_due)
    return HB_PERIOD_REPORTED;
  if (after_due)
    return HB_PERIOD_LATE;                                         /* rule 4 */
  return now_s > p->due_s ? HB_PERIOD_MISSING : HB_PERIOD_PENDING; /* rule 5 */
}

bool hb_period_facts_nil_now(const hb_period_facts *f, const char *period)
{
  if (!f)
    return false;
  for (size_t i = report_lower_bound(f, period, ""); i < f->nreports; i++) {
    if (strcmp(f->reports[i].period, period) != 0)
      break;
    if (f->reports[i].nil_now)
      return true;
  }
  return false;
}

/* ------------------------------------------------------------ pack/unpack */

/* ChangeDay (day, first_s, last_s: all required) as the bytes of field 1
 * of PeriodFacts, written directly: a unit's facts hold one per day with
 * changes (a few hundred after months) and are packed at every commit
 * that touched the unit; protobuf-c would build a message per day. */
static size_t change_day_len(const hb_change_day *d)
{
  return 3 + hb_varint_len(hb_varint_signed(d->day)) + hb_varint_len(hb_varint_signed(d->first_s)) +
         hb_varint_len(hb_varint_signed(d->last_s));
}

static size_t days_packed_size(const hb_period_facts *f)
{
  size_t n = 0;
  for (size_t i = 0; i < f->ndays; i++) {
    size_t l = change_day_len(&f->days[i]);
    n += 1 + hb_varint_len(l) + l;
  }
  return n;
}

static uint8_t *days_pack(const hb_period_facts *f, uint8_t *p)
{
  for (size_t i = 0; i < f->ndays; i++) {
    const hb_change_day *d = &f->days[i];
    *p++ = 0x0A; /* field 1, length-delimited */
    p = hb_varint_put(p, change_day_len(d));
    *p++ = 0x08;
    p = hb_varint_put(p, hb_varint_signed(d->day));
    *p++ = 0x10;
    p = hb_varint_put(p, hb_varint_signed(d->first_s));
    *p++ = 0x18;
    p = hb_varint_put(p, hb_varint_signed(d->last_s));
  }
  return p;
}

/* The days by hand (field 1), then the reports (field 2, few: one per
 * period at most) by protobuf-c: the same bytes as protobuf-c's for the
 * whole message (unit.period compares). */
int hb_period_facts_pack(const hb_period_facts *f, uint8_t **buf, size_t *len)
{
  *buf = NULL;
  *len = 0;
  Huibao__V1__PeriodFacts m = HUIBAO__V1__PERIOD_FACTS__INIT;
  Huibao__V1__ReportFact *reps = calloc(f->nreports ? f->nreports : 1, sizeof *reps);
  Huibao__V1__ReportFact **repp = calloc(f->nreports ? f->nreports : 1, sizeof *repp);
  int rc = HB_ENOMEM;
  if (!reps || !repp)
    goto done;
  for (size_t i = 0; i < f->nreports; i++) {
    const hb_report_fact *r = &f->reports[i];
    huibao__v1__report_fact__init(&reps[i]);
    reps[i].period = (char *)r->period;
    reps[i].record_id = r->record_id;
    reps[i].has_first_s = r->first_s != 0;
    reps[i].first_s = r->first_s;
    reps[i].has_first_nil_s = r->first_nil_s != 0;
    reps[i].first_nil_s = r->first_nil_s;
    reps[i].has_nil_now = r->nil_now;
    reps[i].nil_now = r->nil_now;
    repp[i] = &reps[i];
  }
  m.n_reports = f->nreports;
  m.reports = repp;
  size_t days = days_packed_size(f), sz = huibao__v1__period_facts__get_packed_size(&m);
  *buf = malloc(days + sz ? days + sz : 1);
  if (!*buf)
    goto done;
  uint8_t *p = days_pack(f, *buf);
  *len = (size_t)(p - *buf) + huibao__v1__period_facts__pack(&m, p);
  rc = 0;
done:
  free(reps);
  free(repp);
  return rc;
}

/* True if s is a canonical "YYYY-MM-DD". */
static bool period_id_valid(const char *s)
{
  int32_t day;
  char back[HB_PERIOD_ID_LEN];
  if (!s || strlen(s) != HB_PERIOD_ID_LEN - 1 || hb_date_parse(s, &day) != 0)
    return false;
  hb_date_format(day, back, sizeof back);
  return strcmp(back, s) == 0;
}

/* Checks the order and values of what was decoded. */
static int facts_check(const Huibao__V1__PeriodFacts *m)
{
  for (size_t i = 0; i < m->n_days; i++) {
    const Huibao__V1__ChangeDay *d = m->days[i];
    if (d->first_s > d->last_s || (i && m->days[i - 1]->day >= d->day))
      return HB_EPARSE;
  }
  for (size_t i = 0; i < m->n_reports; i++) {
    const Huibao__V1__ReportFact *r = m->reports[i];
    size_t idl = strlen(r->record_id);
    if (!period_id_valid(r->period) || idl == 0 || idl > FACTS_RECORD_ID_MAX || r->first_s < 0 ||
        r->first_nil_s < 0 || (r->first_nil_s && !r->first_s))
      return HB_EPARSE;
    if (i) {
      const Huibao__V1__ReportFact *q = m->reports[i - 1];
      int c = strcmp(q->period, r->period);
      if (c > 0 || (c == 0 && strcmp(q->record_id, r->record_id) >= 0))
        return HB_EPARSE;
    }
  }
  return 0;
}

int hb_period_facts_unpack(const uint8_t *buf, size_t len, hb_period_facts *out)
{
  memset(out, 0, sizeof *out);
  Huibao__V1__PeriodFacts *m = huibao__v1__period_facts__unpack(NULL, len, buf);
  if (!m)
    return HB_EPARSE;
  int rc = facts_check(m);
  if (rc != 0)
    goto done;
  rc = HB_ENOMEM;
  if (m->n_days && !(out->days = malloc(m->n_days * sizeof *out->days)))
    goto done;
  out->capdays = m->n_days;
  for (size_t i = 0; i < m->n_days; i++)
    out->days[out->ndays++] =
        (hb_change_day){m->days[i]->day, m->days[i]->first_s, m->days[i]->last_s};
  if (m->n_reports && !(out->reports = calloc(m->n_reports, sizeof *out->reports)))
    goto done;
  out->capreports = m->n_reports;
  for (size_t i = 0; i < m->n_reports; i++) {
    const Huibao__V1__ReportFact *r = m->reports[i];
    hb_report_fact *o = &out->reports[i];
    snprintf(o->period, sizeof o->period, "%s", r->period);
    if (!(o->record_id = strdup(r->record_id)))
      goto done;
    o->first_s = r->has_first_s ? r->first_s : 0;
    o->first_nil_s = r->has_first_nil_s ? r->first_nil_s : 0;
    o->nil_now = r->has_nil_now && r->nil_now;
    out->nreports++;
  }
  rc = 0;
done:
  if (rc != 0)
    hb_period_facts_free(out);
  huibao__v1__period_facts__free_unpacked(m, NULL);
  return rc;
}
