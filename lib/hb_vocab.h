/* hb_vocab.h: the closed vocabularies of a ledger, in English and Chinese.
 *
 * Every lookup accepts the English code ("study"), the Chinese name
 * ("集中学习"), and is blind to surrounding blanks and ASCII case. Values
 * are the protobuf enum numbers of huibao.proto; 0 means "not known". */
#ifndef HB_VOCAB_H
#define HB_VOCAB_H

#include <stddef.h>

typedef enum hb_unit_type {
  HB_UNIT_TYPE_UNKNOWN = 0,
  HB_UNIT_COUNTY = 1,     /* county  县 (the county's own leading group) */
  HB_UNIT_TOWNSHIP = 2,   /* township 乡镇/街道 */
  HB_UNIT_DEPARTMENT = 3, /* department 部门 */
} hb_unit_type;

#define HB_KIND_MAX 12 /* ActivityKind values are 1..HB_KIND_MAX */
#define HB_LEVEL_MAX 2
#define HB_SCOPE_MAX 2
#define HB_STATUS_MAX 3
#define HB_UNIT_TYPE_MAX 3
#define HB_SOURCE_MAX 2 /* ProblemSource: new 增量, existing 存量 */
#define HB_TERM_MAX 2   /* ProblemTerm: immediate 立行立改, long_term 长期整改 */
#define HB_CASE_MAX                                                                                \
  4 /* CaseType: case 典型案例, practice 经验做法, group 先进集体, person 先进个人 */

int hb_vocab_kind(const char *s);
int hb_vocab_level(const char *s);
int hb_vocab_scope(const char *s);
int hb_vocab_status(const char *s);
int hb_vocab_unit_type(const char *s);
int hb_vocab_source(const char *s);
int hb_vocab_term(const char *s);
int hb_vocab_case_type(const char *s);

/* English codes ("study") and Chinese names ("集中学习") for valid values;
 * "?" for anything else. Static strings. */
const char *hb_vocab_kind_code(int v);
const char *hb_vocab_kind_zh(int v);
const char *hb_vocab_level_code(int v);
const char *hb_vocab_level_zh(int v);
const char *hb_vocab_scope_code(int v);
const char *hb_vocab_scope_zh(int v);
const char *hb_vocab_status_code(int v);
const char *hb_vocab_status_zh(int v);
const char *hb_vocab_unit_type_code(int v);
const char *hb_vocab_unit_type_zh(int v);
const char *hb_vocab_source_code(int v);
const char *hb_vocab_source_zh(int v);
const char *hb_vocab_term_code(int v);
const char *hb_vocab_term_zh(int v);
const char *hb_vocab_case_type_code(int v);
const char *hb_vocab_case_type_zh(int v);

/* "study, seminar, ..." for messages that list what is allowed. */
const char *hb_vocab_kind_list(void);

#endif
