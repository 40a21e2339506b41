/* console_api.c: the console's JSON endpoints (see console_internal.h).
 * Reads run in this HTTP thread's own read transaction; a decision goes to
 * the main loop (console_decide.c) and is answered after its commit. */
#include <stdlib.h>
#include <string.h>
#include "console_internal.h"
#include "hb_err.h"
#include "hb_lmdb.h"
#include "hb_review.h"
#include "history.h"
#include "review_list.h"
#include "review_queue.h"

#define HISTORY_MAX_ENTRIES 10000 /* a page no browser chokes on */

static const char *arg(struct MHD_Connection *conn, const char *name)
{
  const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
  return v && v[0] ? v : NULL;
}

static int queue_add(void *ctx, const review_item *it)
{
  json_t *o = review_list_item_json(it);
  return o && json_array_append_new(ctx, o) == 0 ? 0 : HB_ENOMEM;
}

enum MHD_Result console_api_queue(console *c, struct MHD_Connection *conn, const hb_session_info *u)
{
  const char *state = arg(conn, "state");
  if (state && strcmp(state, "claimed") != 0 && strcmp(state, "returned") != 0 &&
      strcmp(state, "deletion") != 0)
    return console_send_error(conn, MHD_HTTP_BAD_REQUEST,
                              "state 只能是 claimed、returned 或 deletion (state: claimed, "
                              "returned or deletion)");
  review_filter f = {arg(conn, "unit"), state};
  json_t *items = json_array();
  MDB_txn *txn = NULL;
  int rc = items ? hb_lmdb_read_begin(c->dbs.env, &txn) : HB_ENOMEM;
  if (rc > 0)
    rc = hb_lmdb_err(rc);
  if (rc == 0) {
    rc = review_queue_foreach(txn, &c->dbs, &f, queue_add, items);
    hb_lmdb_read_end(txn);
  }
  if (rc != 0) {
    json_decref(items);
    return console_send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, hb_strerror(rc));
  }
  json_t *doc =
      json_pack("{s:s, s:s, s:s, s:b, s:I, s:o}", "user", u->name, "role", hb_role_name(u->role),
                "csrf", u->csrf, "can_decide", u->role == HB_ROLE_REVIEWER, "count",
                (json_int_t)json_array_size(items), "items", items);
  return console_send_json(conn, MHD_HTTP_OK, doc);
}

/* ------------------------------------------------------------- history */

typedef struct hist_ctx {
  json_t *entries;
  uint8_t *prev; /* the last version seen, packed (NULL: none yet) */
  size_t prevlen;
  json_t *changes; /* of the entry being built */
} hist_ctx;

static int on_change(void *ctx, const char *field, const char *before, const char *after)
{
  hist_ctx *h = ctx;
  json_t *o = json_pack("{s:s, s:s, s:s}", "field", field, "before", before ? before : "", "after",
                        after ? after : "");
  return o && json_array_append_new(h->changes, o) == 0 ? 0 : HB_ENOMEM;
}

static const char *actor_name(int k)
{
  static const char *const names[] = {"", "unit", "reviewer", "admin", "import"};
  return k >= 0 && k <= 4 ? names[k] : "";
}

/* A version entry: what changed from the previous version. */
static int hist_version(hist_ctx *h, json_t *o, const Huibao__V1__Record *rec)
{
  Huibao__V1__Record *old = h->prev ? huibao__v1__record__unpack(NULL, h->prevlen, h->prev) : NULL;
  if (h->prev && !old)
    return HB_EPARSE;
  h->changes = json_array();
  int rc = h->changes ? history_diff(old, rec, on_change, h) : HB_ENOMEM;
  if (old)
    huibao__v1__record__free_unpacked(old, NULL);
  if (rc == 0)
    rc = json_object_set_new(o, "changes", h->changes) == 0 ? 0 : HB_ENOMEM;
  else
    json_decref(h->changes);
  h->changes = NULL;
  size_t len = huibao__v1__record__get_packed_size(rec);
  uint8_t *p = rc == 0 ? malloc(len ? len : 1) : NULL;
  if (rc == 0 && !p)
    rc = HB_ENOMEM;
  if (rc == 0) {
    huibao__v1__record__pack(rec, p);
    free(h->prev);
    h->prev = p;
    h->prevlen = len;
  }
  return rc;
}

static int hist_one(void *ctx, const Huibao__V1__LogEntry *e)
{
  hist_ctx *h = ctx;
  if (json_array_size(h->entries) >= HISTORY_MAX_ENTRIES)
    return 0;
  json_t *o =
      json_pack("{s:I, s:I, s:s, s:s}", "n", (json_int_t)e->n, "at_s", (json_int_t)e->at_s,
                "actor_kind", actor_name((int)e->actor_kind), "actor", e->actor ? e->actor : "");
  if (!o)
    return HB_ENOMEM;
  int rc = 0;
  if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_RECORD && e->record) {
    json_object_set_new(o, "what", json_string("version"));
    rc = hist_version(h, o, e->record);
  } else if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_DECISION && e->decision) {
    const Huibao__V1__Decision *d = e->decision;
    json_object_set_new(o, "what", json_string("decision"));
    json_object_set_new(o, "action", json_string(hb_review_action_name((int)d->action)));
    json_object_set_new(o, "action_zh", json_string(hb_review_action_zh((int)d->action)));
    json_object_set_new(o, "reason", json_string(d->reason ? d->reason : ""));
    json_object_set_new(o, "version", json_integer((json_int_t)d->version));
  } else if (e->what_case == HUIBAO__V1__LOG_ENTRY__WHAT_REMOVAL && e->removal) {
    json_object_set_new(o, "what", json_string("removal"));
    json_object_set_new(o, "note", json_string(e->removal->note ? e->removal->note : ""));
  }
  if (rc == 0 && json_array_append_new(h->entries, o) == 0)
    return 0;
  if (rc != 0)
    json_decref(o);
  return rc ? rc : HB_ENOMEM;
}

enum MHD_Result console_api_history(console *c, struct MHD_Connection *conn,
                                    const hb_session_info *u)
{
  const char *unit = arg(conn, "unit"), *kind = arg(conn, "kind"), *id = arg(conn, "id");
  if (!unit || !id || !kind || strlen(kind) != 1 || !strchr("APICR", kind[0]))
    return console_send_error(conn, MHD_HTTP_BAD_REQUEST,
                              "需要 unit、kind (A P I C R) 和 id (unit, kind and id are required)");
  hist_ctx h = {json_array(), NULL, 0, NULL};
  MDB_txn *txn = NULL;
  int rc = h.entries ? hb_lmdb_read_begin(c->dbs.env, &txn) : HB_ENOMEM;
  if (rc > 0)
    rc = hb_lmdb_err(rc);
  if (rc == 0) {
    rc = history_foreach(txn, &c->dbs, unit, kind[0], id, hist_one, &h);
    hb_lmdb_read_end(txn);
  }
  free(h.prev);
  if (rc != 0) {
    json_decref(h.entries);
    return rc == HB_ENOTFOUND
               ? console_send_error(conn, MHD_HTTP_NOT_FOUND, "没有这条记录的历史 (no history)")
               : console_send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, hb_strerror(rc));
  }
  json_t *doc =
      json_pack("{s:s, s:s, s:s, s:s, s:b, s:o}", "unit", unit, "kind", kind, "id", id, "csrf",
                u->csrf, "can_decide", u->role == HB_ROLE_REVIEWER, "entries", h.entries);
  return console_send_json(conn, MHD_HTTP_OK, doc);
}

/* ------------------------------------------------------------- decide */

static unsigned decide_status(int rc)
{
  switch (rc) {
  case 0: return MHD_HTTP_OK;
  case HB_ENOTFOUND: return MHD_HTTP_NOT_FOUND;
  case HB_ESTATE: return MHD_HTTP_CONFLICT;
  case HB_EINVAL: return MHD_HTTP_BAD_REQUEST;
  case HB_ETIMEDOUT: return MHD_HTTP_SERVICE_UNAVAILABLE;
  default: return MHD_HTTP_INTERNAL_SERVER_ERROR;
  }
}

/* The fields of a decision from the body: JSON (Content-Type
 * application/json) or an urlencoded form. Strings borrowed from *json or
 * copied into f. Returns false when one of unit, kind, id, action is missing. */
typedef struct decide_form {
  char unit[256], kind[4], id[256], action[32], reason[2048];
} decide_form;

static bool decide_fields(struct MHD_Connection *conn, const char *body, size_t len, decide_form *f)
{
  const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
  memset(f, 0, sizeof *f);
  if (type && strncmp(type, "application/json", 16) == 0) {
    json_t *in = json_loadb(body ? body : "", len, 0, NULL);
    const char *unit = NULL, *kind = NULL, *id = NULL, *action = NULL, *reason = "";
    bool ok = in && json_unpack(in, "{s:s, s:s, s:s, s:s, s?s}", "unit", &unit, "kind", &kind, "id",
                                &id, "action", &action, "reason", &reason) == 0;
    ok = ok && strlen(unit) < sizeof f->unit && strlen(kind) < sizeof f->kind &&
         strlen(id) < sizeof f->id && strlen(action) < sizeof f->action &&
         strlen(reason) < sizeof f->reason;
    if (ok) {
      strcpy(f->unit, unit), strcpy(f->kind, kind), strcpy(f->id, id);
      strcpy(f->action, action), strcpy(f->reason, reason);
    }
    json_decref(in);
    return ok;
  }
  if (hb_http_form_field(body, len, "reason", f->reason, sizeof f->reason) == HB_ETOOBIG)
    return false;
  return hb_http_form_field(body, len, "unit", f->unit, sizeof f->unit) == 0 &&
         hb_http_form_field(body, len, "kind", f->kind, sizeof f->kind) == 0 &&
         hb_http_form_field(body, len, "id", f->id, sizeof f->id) == 0 &&
         hb_http_form_field(body, len, "action", f->action, sizeof f->action) == 0;
}

enum MHD_Result console_api_decide(console *c, struct MHD_Connection *conn,
                                   const hb_session_info *u, const char *body, size_t len)
{
  if (u->role != HB_ROLE_REVIEWER)
    return console_send_error(conn, MHD_HTTP_FORBIDDEN,
                              "查看账号不能审核 (a viewer account cannot review)");
  decide_form *f = malloc(sizeof *f);
  if (!f)
    return console_send_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
  const char *bad = NULL;
  hb_review_action a = 0;
  if (!decide_fields(conn, body, len, f))
    bad = "请求不完整 (expected unit, kind, id, action and reason, as JSON or a form)";
  else if (!(a = hb_review_action_parse(f->action)))
    bad = "未知的操作 (action: confirm, return, reopen, approve-delete or refuse-delete)";
  else if (strcmp(f->kind, "A") != 0 && strcmp(f->kind, "P") != 0)
    bad = "kind 只能是 A (活动) 或 P (问题) (kind: A or P)";
  else if (hb_review_needs_reason(a) && !f->reason[0])
    bad = "请填写原因 (a reason is required)";
  if (bad) {
    free(f);
    return console_send_error(conn, MHD_HTTP_BAD_REQUEST, bad);
  }
  store_decision_req req = {f->unit, f->id, f->kind[0], (int)a, f->reason[0] ? f->reason : NULL,
                            u->name};
  uint64_t n;
  char why[1024];
  int rc = console_decide_ask(c, &req, &n, why, sizeof why);
  free(f);
  if (rc != 0)
    return console_send_error(conn, decide_status(rc), why);
  return console_send_json(conn, MHD_HTTP_OK, json_pack("{s:I}", "n", (json_int_t)n));
}
