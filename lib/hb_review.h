/* hb_review.h: the rules of the county's review of a record (issue 14,
 * docs/review.md): what a reviewer's decision may do in each status, and
 * what a new version from the unit does to the status. Pure functions,
 * shared by the county store (aggregator/store_review.c) and by verify's
 * replay of the history, so that both follow one set of rules.
 *
 * Statuses (huibao.v1.ReviewStatus), of activities ('A') and problems
 * ('P') only; every other kind is always HB_REVIEW_NONE:
 *   NONE              nothing decided (a problem 已整改 is then "claimed")
 *   CONFIRMED         销号: confirmed by a reviewer (problems 已整改 only)
 *   RETURNED          退回 with a reason, until the unit sends a changed version
 *   REOPENED          反弹: a confirmed problem reopened, until the unit sends a changed version
 *   DELETION_PENDING  the unit deleted a held problem: the last live version
 *                     is held and keeps counting until a reviewer decides
 *   DELETION_REFUSED  the deletion was refused: the held version keeps counting */
#ifndef HB_REVIEW_H
#define HB_REVIEW_H

#include <stdbool.h>

typedef enum hb_review_status {
  HB_REVIEW_NONE = 0, /* values of huibao.v1.ReviewStatus */
  HB_REVIEW_CONFIRMED = 1,
  HB_REVIEW_RETURNED = 2,
  HB_REVIEW_REOPENED = 3,
  HB_REVIEW_DELETION_PENDING = 4,
  HB_REVIEW_DELETION_REFUSED = 5,
} hb_review_status;
#define HB_REVIEW_MAX 5

typedef enum hb_review_action {
  HB_ACTION_CONFIRM = 1, /* values of huibao.v1.DecisionAction */
  HB_ACTION_RETURN = 2,
  HB_ACTION_REOPEN = 3,
  HB_ACTION_APPROVE_DELETE = 4,
  HB_ACTION_REFUSE_DELETE = 5,
} hb_review_action;
#define HB_ACTION_MAX 5

/* The CLI's words: "confirm" "return" "reopen" "approve-delete"
 * "refuse-delete"; and back (0 if s is none of them). */
const char *hb_review_action_name(hb_review_action a);
hb_review_action hb_review_action_parse(const char *s);
/* The clerk's words (县级反馈.csv 结果): 已销号 退回 重新打开 撤销已同意 撤销未同意. */
const char *hb_review_action_zh(hb_review_action a);
/* "none" "confirmed" "returned" "reopened" "deletion_pending"
 * "deletion_refused" (JSON, `review list --state`), and Chinese: 未审核
 * 已销号 已退回 重新打开 待审批撤销 撤销未同意. */
const char *hb_review_status_name(hb_review_status s);
const char *hb_review_status_zh(hb_review_status s);
/* Whether the action needs a reason (return, reopen, refuse-delete). */
bool hb_review_needs_reason(hb_review_action a);

/* What a record is when a decision is asked for: its kind ('A' or 'P'),
 * whether its effective version is live (a deletion request's held
 * version counts as live), and whether that version is 已整改. */
typedef struct hb_review_subject {
  char kind;
  bool live;
  bool resolved;
  hb_review_status status;
} hb_review_subject;

/* Decides action on subject. Returns 0 with *next the new status, or
 * HB_ESTATE with *why (static, Chinese then English) when the status
 * forbids it: confirm of what is not a live 已整改 problem or is already
 * confirmed or under a deletion request; return of what is not live, is
 * already returned or under a deletion request; reopen of what is not a
 * confirmed problem; approve-delete or refuse-delete without a deletion
 * request (refuse: a pending one only). HB_EINVAL for an action out of
 * range or a kind other than 'A', 'P'. Approve-delete gives NONE: the
 * caller then stops counting the held version (the record is the unit's
 * tombstone from then on). */
int hb_review_decide(const hb_review_subject *subject, hb_review_action action,
                     hb_review_status *next, const char **why);

/* What a new version from the unit does (stored: it was STORED). In:
 * kind; cur the status before; held_live: the effective old version is
 * live (a stored live version, or a held one); same_content: the new
 * version equals the effective old one but for its version; new_deleted:
 * it is a tombstone; delete_free: its campaign says problem_delete = free.
 * Returns the new status; *hold is true when the effective version stays
 * the old one (a deletion request: DELETION_PENDING, or a further
 * tombstone while one is pending or refused). Rules:
 *   - a tombstone of a live problem, campaign not free: DELETION_PENDING
 *     (hold); while PENDING or REFUSED, another tombstone keeps the status
 *     (hold); any other tombstone: NONE;
 *   - a live version while PENDING or REFUSED: NONE (the unit restored it);
 *   - a live version with the same content: status unchanged;
 *   - a live version with other content: NONE (returned and reopened are
 *     answered, a confirmation is of the content confirmed). */
hb_review_status hb_review_on_version(char kind, hb_review_status cur, bool held_live,
                                      bool same_content, bool new_deleted, bool delete_free,
                                      bool *hold);

#endif
