/* hb_campaigns.c: the county's campaigns file, parsed with inih.
 *
 * inih (Debian's build) does not pass line numbers to the handler, so the
 * file is fed to ini_parse_stream through our own line reader: the handler
 * runs while inih processes the line the reader returned last, so the
 * reader's line counter is the line of every key. The reader also notes the
 * line of every [section] (keyless sections never reach the handler) and
 * left-trims lines, so that indented keys are never taken for inih's
 * multi-line continuations. Limits of that inih build: section names and
 * key names of at most 50 bytes, lines of at most 199 bytes; longer ones
 * are reported, never truncated silently. */
#include "hb_campaigns.h"
#include "hb_campaigns_vocab.h"
#include "hb_validate.h"

#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hb_date.h"
#include "hb_err.h"
#include "hb_period.h"
#include "hb_text.h"

#define CAMPAIGNS_MAX_FILE (4u * 1024 * 1024)
#define INIH_MAX_LINE 200             /* INI_MAX_LINE of the system inih */
#define CAMPAIGN_NAME_MAX HB_NAME_MAX /* a ledger may name a campaign by it */
#define CAMPAIGNS_MAX 1000
#define UNKNOWN_KEY                                                                                \
  "未知的键 (unknown key; use name, start, end, kind.CODE, indicator.CODE, category.CODE, "    \
  "category.CODE.SUB, stage.N, cycle)"

int campaigns_id_valid(const char *s, size_t max)
{
  size_t n = strlen(s);
  if (n < 1 || n > max)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == '-'))
      return 0;
  }
  return 1;
}

void campaigns_error(parse_ctx *x, unsigned line, const char *column, const char *msg,
                     const char *value)
{
  char ex[160] = "";
  if (value)
    hb_text_excerpt(value, 100, ex, sizeof(ex));
  if (hb_diags_add(x->diags, x->path, line, column, value ? "%s: %s" : "%s", msg, ex) != 0)
    x->nomem = 1;
  x->errors++;
}

static int campaign_index(const hb_campaigns *c, const char *id)
{
  for (size_t i = 0; i < c->count; i++)
    if (strcmp(c->items[i].id, id) == 0)
      return (int)i;
  return -1;
}

/* Starts campaign `id` found on line `line`; sets x->cur or x->skip. */
static void section_begin(parse_ctx *x, const char *id, unsigned line)
{
  x->skip = 1;
  x->cur = -1;
  if (!campaigns_id_valid(id, INIH_MAX_NAME)) {
    campaigns_error(x, line, NULL,
                    "专项编号无效 (invalid campaign id, use 1..50 of A-Z a-z 0-9 _ . -)", id);
    return;
  }
  int dup = campaign_index(x->out, id);
  if (dup >= 0) {
    char msg[160];
    snprintf(msg, sizeof(msg), "专项重复，首次在第 %u 行 (duplicate campaign, first on line %u)",
             x->info[dup].line, x->info[dup].line);
    campaigns_error(x, line, NULL, msg, id);
    return;
  }
  if (x->out->count >= CAMPAIGNS_MAX) {
    campaigns_error(x, line, NULL, "专项过多 (too many campaigns)", NULL);
    return;
  }
  if (x->out->count == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 8;
    hb_campaign *items = realloc(x->out->items, cap * sizeof(*items));
    if (!items) {
      x->nomem = 1;
      return;
    }
    x->out->items = items;
    section_info *info = realloc(x->info, cap * sizeof(*info));
    if (!info) {
      x->nomem = 1;
      return;
    }
    x->info = info;
    x->cap = cap;
  }
  hb_campaign *c = &x->out->items[x->out->count];
  memset(c, 0, sizeof(*c));
  c->id = strdup(id);
  if (!c->id) {
    x->nomem = 1;
    return;
  }
  memset(&x->info[x->out->count], 0, sizeof(section_info));
  x->info[x->out->count].line = line;
  x->cur = (int)x->out->count++;
  x->skip = 0;
}

/* fgets-like reader over the decoded text: one physical line per call,
 * left-trimmed; notes sections and over-long lines and names. */
static char *ini_reader_fn(char *str, int num, void *stream)
{
  parse_ctx *x = stream;
  if (x->pos >= x->len)
    return NULL;
  const char *b = x->text + x->pos;
  const char *nl = memchr(b, '\n', x->len - x->pos);
  size_t n = nl ? (size_t)(nl - b) + 1 : x->len - x->pos;
  x->pos += n;
  x->lineno++;
  while (n && (*b == ' ' || *b == '\t')) {
    b++;
    n--;
  }
  if (n + 1 > (size_t)num || n + 1 > INIH_MAX_LINE) {
    campaigns_error(x, x->lineno, NULL, "行过长 (line longer than 199 bytes)", NULL);
    str[0] = '\n';
    str[1] = '\0';
    if (*b == '[') {
      x->skip = 1;
      x->cur = -1;
    }
    return str;
  }
  memcpy(str, b, n);
  str[n] = '\0';
  if (str[0] == '[') {
    char *close = strchr(str + 1, ']');
    char *semi = strchr(str + 1, ';');
    if (close && (!semi || close < semi)) {
      *close = '\0';
      char *id = strdup(str + 1);
      *close = ']';
      if (!id) {
        x->nomem = 1;
        return NULL;
      }
      if (strlen(id) > INIH_MAX_NAME) {
        campaigns_error(x, x->lineno, NULL, "专项编号过长 (campaign id longer than 50 bytes)", id);
        x->skip = 1;
        x->cur = -1;
      } else {
        section_begin(x, id, x->lineno);
      }
      free(id);
    }
  } else if (str[0] != ';' && str[0] != '#') {
    size_t k = strcspn(str, "=:");
    if (str[k]) {
      while (k && (str[k - 1] == ' ' || str[k - 1] == '\t'))
        k--;
      if (k > INIH_MAX_NAME - 1) {
        campaigns_error(x, x->lineno, NULL, "键名过长 (key longer than 49 bytes)", NULL);
        str[0] = '\n';
        str[1] = '\0';
      }
    }
  }
  return str;
}

static void set_date(parse_ctx *x, const char *key, const char *value, int32_t *dst, int *have,
                     unsigned *where)
{
  if (*have) {
    campaigns_error(x, x->lineno, key, "键重复 (duplicate key)", NULL);
    return;
  }
  if (hb_date_parse(value, dst) != 0) {
    campaigns_error(x, x->lineno, key, "不是有效日期 (not a date)", value);
    return;
  }
  *have = 1;
  *where = x->lineno;
}

/* cycle = weekly, 5, 18:00 (hb_cycle_parse); a campaign whose first due
 * falls after its end is fine (one period, hb_period.h). */
static void set_cycle(parse_ctx *x, hb_campaign *c, const char *key, const char *value)
{
  if (c->cycle.kind != HB_CYCLE_NONE) {
    campaigns_error(x, x->lineno, key, "键重复 (duplicate key)", NULL);
    return;
  }
  char why[200];
  if (hb_cycle_parse(value, &c->cycle, why, sizeof(why)) != 0) {
    char msg[300];
    snprintf(msg, sizeof(msg), "报送周期无效 (invalid cycle): %s", why);
    campaigns_error(x, x->lineno, key, msg, value);
  }
}

/* problem_delete = review | free (issue 14, docs/review.md). */
static void set_problem_delete(parse_ctx *x, hb_campaign *c, section_info *si, const char *key,
                               const char *value)
{
  if (si->have_delete) {
    campaigns_error(x, x->lineno, key, "键重复 (duplicate key)", NULL);
    return;
  }
  if (strcmp(value, "free") == 0 || strcmp(value, "review") == 0) {
    c->problem_delete_free = value[0] == 'f';
    si->have_delete = 1;
    return;
  }
  campaigns_error(x, x->lineno, key,
                  "问题删除方式无效，应为 review（须审批）或 free（直接删除） (invalid "
                  "problem_delete: use review or free)",
                  value);
}

static int ini_handler_fn(void *user, const char *section, const char *name, const char *value)
{
  parse_ctx *x = user;
  if (x->nomem)
    return 0;
  if (!name || !value)
    return 1; /* a new-section callback, if this inih build makes them */
  if (!section[0]) {
    campaigns_error(x, x->lineno, name, "键不在任何 [专项] 之下 (key outside a [campaign] section)",
                    NULL);
    return 1;
  }
  if (x->skip || x->cur < 0)
    return 1;
  hb_campaign *c = &x->out->items[x->cur];
  section_info *si = &x->info[x->cur];
  if (strcasecmp(name, "name") == 0) {
    if (si->have_name) {
      campaigns_error(x, x->lineno, name, "键重复 (duplicate key)", NULL);
    } else if (!*value) {
      campaigns_error(x, x->lineno, name, "专项名称为空 (campaign name is empty)", NULL);
    } else if (strlen(value) > CAMPAIGN_NAME_MAX || !hb_utf8_valid(value, strlen(value))) {
      campaigns_error(x, x->lineno, name, "专项名称过长或无效 (name over 256 bytes or not text)",
                      NULL);
    } else if (!(c->name = strdup(value))) {
      x->nomem = 1;
    } else {
      si->have_name = 1;
    }
  } else if (strcasecmp(name, "start") == 0) {
    set_date(x, name, value, &c->start, &si->have_start, &si->start_line);
  } else if (strcasecmp(name, "end") == 0) {
    set_date(x, name, value, &c->end, &si->have_end, &si->end_line);
  } else if (strncasecmp(name, "category.", 9) == 0) {
    campaigns_category_add(x, c, si, name + 9, value);
  } else if (strncasecmp(name, "kind.", 5) == 0) {
    campaigns_kind_add(x, c, name + 5, value);
  } else if (strncasecmp(name, "indicator.", 10) == 0) {
    campaigns_indicator_add(x, c, name + 10, value);
  } else if (strncasecmp(name, "stage.", 6) == 0) {
    campaigns_stage_add(x, c, si, name + 6, value);
  } else if (strcasecmp(name, "cycle") == 0) {
    set_cycle(x, c, name, value);
  } else if (strcasecmp(name, "problem_delete") == 0) {
    set_problem_delete(x, c, si, name, value);
  } else {
    campaigns_error(x, x->lineno, NULL, UNKNOWN_KEY, name);
  }
  return x->nomem ? 0 : 1;
}

static void check_campaigns(parse_ctx *x)
{
  for (size_t i = 0; i < x->out->count; i++) {
    hb_campaign *c = &x->out->items[i];
    section_info *si = &x->info[i];
    if (!si->have_name)
      campaigns_error(x, si->line, "name", "缺少专项名称 (missing key name)", c->id);
    if (!si->have_start)
      campaigns_error(x, si->line, "start", "缺少开始日期 (missing key start)", c->id);
    if (!si->have_end)
      campaigns_error(x, si->line, "end", "缺少结束日期 (missing key end)", c->id);
    if (si->have_start && si->have_end && c->end < c->start)
      campaigns_error(x, si->end_line, "end", "结束日期早于开始日期 (end before start)", c->id);
    for (size_t j = 0; j < i && c->name; j++)
      if (x->out->items[j].name && strcmp(x->out->items[j].name, c->name) == 0)
        campaigns_error(x, si->line, "name",
                        "专项名称与其他专项重复 (name used by another campaign)", c->name);
    campaigns_vocab_check(x, c, si);
  }
}

int hb_campaigns_parse(const char *path, const char *text, size_t len, hb_campaigns *out,
                       hb_diags *diags)
{
  parse_ctx x = {0};
  x.path = path;
  x.text = text;
  x.len = len;
  x.cur = -1;
  x.out = out;
  x.diags = diags;
  int r = ini_parse_stream(ini_reader_fn, &x, ini_handler_fn, &x);
  int rc = 0;
  if (x.nomem || r == -2) {
    rc = HB_ENOMEM;
    goto done;
  }
  if (r > 0)
    campaigns_error(
        &x, (unsigned)r, NULL,
        "语法错误，应为 [专项] 或 键 = 值 (syntax error: expected [section] or key = value)", NULL);
  check_campaigns(&x);
  if (x.nomem)
    rc = HB_ENOMEM;
  else if (x.errors)
    rc = HB_EINVAL;
done:
  for (size_t i = 0; i < out->count; i++)
    campaigns_section_free(&x.info[i]);
  free(x.info);
  return rc;
}

int hb_campaigns_load(const char *path, hb_campaigns *out, hb_diags *diags)
{
  memset(out, 0, sizeof(*out));
  char *text;
  size_t len;
  char err[512];
  int rc = hb_text_read_file(path, CAMPAIGNS_MAX_FILE, &text, &len, NULL, err, sizeof(err));
  if (rc) {
    hb_diags_add_lined(diags, rc == HB_EPARSE ? path : NULL, err);
    return rc == HB_EPARSE ? HB_EINVAL : rc;
  }
  rc = hb_campaigns_parse(path, text, len, out, diags);
  free(text);
  return rc;
}

void hb_campaigns_free(hb_campaigns *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->count; i++) {
    hb_campaign *k = &c->items[i];
    free(k->id);
    free(k->name);
    campaigns_vocab_free(k);
  }
  free(c->items);
  c->items = NULL;
  c->count = 0;
}

campaigns_key campaigns_key_of(const char *s)
{
  campaigns_key k = {NULL, 0};
  size_t len = strlen(s);
  if (len <= 1024)
    k.s = hb_text_trim_span(s, len, &k.n);
  return k;
}

int campaigns_key_eq(campaigns_key k, const char *t)
{
  /* the first byte first (most entries differ there); t has at least k.n
   * bytes when they compare equal: t[k.n] is its own */
  return k.s && (k.n == 0 || (t[0] == k.s[0] && strncmp(t, k.s, k.n) == 0)) && t[k.n] == '\0';
}

const hb_campaign *hb_campaigns_find(const hb_campaigns *c, const char *s)
{
  if (!c || !s)
    return NULL;
  campaigns_key k = campaigns_key_of(s);
  for (size_t i = 0; i < c->count; i++)
    if (campaigns_key_eq(k, c->items[i].id))
      return &c->items[i];
  for (size_t i = 0; i < c->count; i++)
    if (c->items[i].name && campaigns_key_eq(k, c->items[i].name))
      return &c->items[i];
  return NULL;
}
