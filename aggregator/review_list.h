/* review_list.h: the review queue as people read it (issue 14, H6): the
 * `review list` command and the item form shared with the console's
 * /api/queue, so that both say the same in the same words.
 *
 * review_list_main (declared in commands.h) is called by review_main
 * (review_cmd.c) when the verb is "list", with review_main's own argv
 * (argv[0] "review"; options and the verb "list" in any order):
 *   huibao-aggregator review --data DIR list [--unit U]
 *       [--state claimed|returned|deletion] [--format table|json]
 * It reads the store in a read transaction (the service may be running)
 * and returns the exit code: 0; 64 for a bad command line; 66 when DIR
 * holds no store; else hb_exit_for of the error. */
#ifndef AGG_REVIEW_LIST_H
#define AGG_REVIEW_LIST_H

#include <jansson.h>
#include "commands.h"
#include "review_queue.h"

/* The queue's name in Chinese: 待销号 (claimed), 已退回 (returned), 重新打开
 * (reopened), 待审批撤销 (deletion); "" for anything else. */
const char *review_list_queue_zh(const char *queue);

/* One entry as a JSON object (new reference, NULL when out of memory):
 *   unit, kind ("problem"|"activity"), id, campaign, category,
 *   subcategory, text (the problem's description or the activity's
 *   title), deadline ("YYYY-MM-DD" or ""), measures (整改措施), owner
 *   (责任人), source (增量|存量|""), status (the ledger's 状态, problems),
 *   version, queue ("claimed"|"returned"|"reopened"|"deletion"),
 *   queue_zh, reason, reviewer, at_s (the review entry's; "" and 0 for a
 *   claimed problem never decided on). */
json_t *review_list_item_json(const review_item *it);

#endif
