/* feedback_text.h: the county's decisions (issue 14) as the clerk reads
 * them: one line each on sync, and the file 县级反馈.csv beside the ledger
 * (docs/ledger-format.md). Pure text: nothing here touches the state. */
#ifndef AGENT_FEEDBACK_TEXT_H
#define AGENT_FEEDBACK_TEXT_H

#include <stddef.h>
#include "huibao/v1/huibao.pb-c.h"

#define AGENT_FEEDBACK_CSV "县级反馈.csv"

/* The clerk's line of decision d, dates in local time (the county's: the
 * process's time zone):
 *   县里退回 问题 P017：整改材料不全（审核人 李四，12月3日）
 *   县里已销号 问题 P017（审核人 李四，12月3日）
 * "县里" + the action's words (hb_review_action_zh: 已销号 退回 重新打开
 * 撤销已同意 撤销未同意) + 活动/问题 + the id; "：reason" when it has one.
 * Writes into buf (always NUL-terminated); returns the length it wanted. */
int agent_feedback_text_line(char *buf, size_t len, const Huibao__V1__Decision *d);

/* The bytes of 县级反馈.csv for d[0..n) (in the order given: the caller
 * passes n order): UTF-8 with a BOM, CRLF line ends (Excel opens it as is),
 * the header 台账,编号,结果,原因,审核人,时间 then one row per decision:
 * 活动/问题, id, 已销号/退回/..., reason, reviewer, YYYY-MM-DD HH:MM (local
 * time); fields quoted as hb_csv_field_put does. *out is malloc'd (the
 * caller frees it). Returns 0 or HB_ENOMEM. */
int agent_feedback_text_csv(Huibao__V1__Decision *const *d, size_t n, char **out, size_t *len);

/* The path of 县级反馈.csv beside ledger: inside a ledger folder, or in
 * the folder of a workbook (FILE.xlsx). *out is malloc'd. Returns 0 or
 * HB_ENOMEM. */
int agent_feedback_text_csv_path(const char *ledger, int is_workbook, char **out);

#endif
