/* hb_review.c: the review rules (see hb_review.h). */
#include "hb_review.h"

#include <string.h>
#include "hb_err.h"

static const char *const action_names[HB_ACTION_MAX + 1] = {
    NULL, "confirm", "return", "reopen", "approve-delete", "refuse-delete"};
static const char *const action_zh[HB_ACTION_MAX + 1] = {NULL,       "已销号",     "退回",
                                                         "重新打开", "撤销已同意", "撤销未同意"};
static const char *const status_names[HB_REVIEW_MAX + 1] = {
    "none", "confirmed", "returned", "reopened", "deletion_pending", "deletion_refused"};
static const char *const status_zh[HB_REVIEW_MAX + 1] = {"未审核",   "已销号",     "已退回",
                                                         "重新打开", "待审批撤销", "撤销未同意"};

const char *hb_review_action_name(hb_review_action a)
{
  return a >= 1 && a <= HB_ACTION_MAX ? action_names[a] : "?";
}

const char *hb_review_action_zh(hb_review_action a)
{
  return a >= 1 && a <= HB_ACTION_MAX ? action_zh[a] : "?";
}

hb_review_action hb_review_action_parse(const char *s)
{
  for (int a = 1; s && a <= HB_ACTION_MAX; a++)
    if (strcmp(s, action_names[a]) == 0)
      return (hb_review_action)a;
  return (hb_review_action)0;
}

const char *hb_review_status_name(hb_review_status s)
{
  return (int)s >= 0 && s <= HB_REVIEW_MAX ? status_names[s] : "?";
}

const char *hb_review_status_zh(hb_review_status s)
{
  return (int)s >= 0 && s <= HB_REVIEW_MAX ? status_zh[s] : "?";
}

bool hb_review_needs_reason(hb_review_action a)
{
  return a == HB_ACTION_RETURN || a == HB_ACTION_REOPEN || a == HB_ACTION_REFUSE_DELETE;
}

static bool deletion(hb_review_status s)
{
  return s == HB_REVIEW_DELETION_PENDING || s == HB_REVIEW_DELETION_REFUSED;
}

int hb_review_decide(const hb_review_subject *x, hb_review_action action, hb_review_status *next,
                     const char **why)
{
  *why = NULL;
  *next = x->status;
  if (x->kind != 'A' && x->kind != 'P')
    return HB_EINVAL;
  switch (action) {
  case HB_ACTION_CONFIRM:
    if (x->kind != 'P' || !x->live || !x->resolved)
      *why =
          "只能销号单位已标为已整改的问题 (only a problem the unit marked 已整改 can be confirmed)";
    else if (x->status == HB_REVIEW_CONFIRMED)
      *why = "该问题已销号 (already confirmed)";
    else if (deletion(x->status))
      *why = "单位已申请撤销该问题，请先审批 (the unit deleted it: approve or refuse first)";
    else
      *next = HB_REVIEW_CONFIRMED;
    break;
  case HB_ACTION_RETURN:
    if (!x->live)
      *why = "记录已删除，无法退回 (the record is deleted)";
    else if (x->status == HB_REVIEW_RETURNED)
      *why = "已退回，等待单位修改 (already returned, waiting for the unit)";
    else if (deletion(x->status))
      *why = "单位已申请撤销该问题，请先审批 (the unit deleted it: approve or refuse first)";
    else
      *next = HB_REVIEW_RETURNED;
    break;
  case HB_ACTION_REOPEN:
    if (x->kind != 'P' || x->status != HB_REVIEW_CONFIRMED)
      *why = "只能重新打开已销号的问题 (only a confirmed problem can be reopened)";
    else
      *next = HB_REVIEW_REOPENED;
    break;
  case HB_ACTION_APPROVE_DELETE:
    if (!deletion(x->status))
      *why = "该记录没有待审批的撤销 (no deletion request)";
    else
      *next = HB_REVIEW_NONE;
    break;
  case HB_ACTION_REFUSE_DELETE:
    if (x->status != HB_REVIEW_DELETION_PENDING)
      *why = "该记录没有待审批的撤销 (no pending deletion request)";
    else
      *next = HB_REVIEW_DELETION_REFUSED;
    break;
  default: return HB_EINVAL;
  }
  return *why ? HB_ESTATE : 0;
}

hb_review_status hb_review_on_version(char kind, hb_review_status cur, bool held_live,
                                      bool same_content, bool new_deleted, bool delete_free,
                                      bool *hold)
{
  *hold = false;
  if (kind != 'A' && kind != 'P')
    return HB_REVIEW_NONE;
  if (new_deleted) {
    if (kind == 'P' && deletion(cur)) {
      *hold = true;
      return cur;
    }
    if (kind == 'P' && held_live && !delete_free) {
      *hold = true;
      return HB_REVIEW_DELETION_PENDING;
    }
    return HB_REVIEW_NONE;
  }
  if (deletion(cur))
    return HB_REVIEW_NONE;
  return same_content ? cur : HB_REVIEW_NONE;
}
