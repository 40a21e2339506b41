#include "hb_vocab.h"
#include "test.h"

static void test_lookup(void)
{
  CHECK_EQ_INT(1, hb_vocab_kind("study"));
  CHECK_EQ_INT(1, hb_vocab_kind(" Study "));
  CHECK_EQ_INT(1, hb_vocab_kind("集中学习"));
  CHECK_EQ_INT(1, hb_vocab_kind("学习"));
  CHECK_EQ_INT(2, hb_vocab_kind("研讨"));
  CHECK_EQ_INT(5, hb_vocab_kind("READING_CLASS"));
  CHECK_EQ_INT(12, hb_vocab_kind("督导检查"));
  CHECK_EQ_INT(0, hb_vocab_kind("学习会"));
  CHECK_EQ_INT(0, hb_vocab_kind(""));
  CHECK_EQ_INT(1, hb_vocab_level("本级"));
  CHECK_EQ_INT(2, hb_vocab_level("branch"));
  CHECK_EQ_INT(2, hb_vocab_scope("班子"));
  CHECK_EQ_INT(1, hb_vocab_scope("individual"));
  CHECK_EQ_INT(3, hb_vocab_status("已整改"));
  CHECK_EQ_INT(2, hb_vocab_status("整改中"));
  CHECK_EQ_INT(1, hb_vocab_status("IDENTIFIED"));
  CHECK_EQ_INT(1, hb_vocab_unit_type("县"));
  CHECK_EQ_INT(1, hb_vocab_unit_type("县级"));
  CHECK_EQ_INT(2, hb_vocab_unit_type("街道"));
  CHECK_EQ_INT(2, hb_vocab_unit_type("镇"));
  CHECK_EQ_INT(3, hb_vocab_unit_type("Department"));
  CHECK_EQ_INT(0, hb_vocab_unit_type("city"));
}

static void test_names(void)
{
  CHECK_EQ_STR("reading_class", hb_vocab_kind_code(5));
  CHECK_EQ_STR("谈心谈话", hb_vocab_kind_zh(11));
  CHECK_EQ_STR("?", hb_vocab_kind_zh(13));
  CHECK_EQ_STR("?", hb_vocab_kind_code(0));
  CHECK_EQ_STR("基层组织", hb_vocab_level_zh(2));
  CHECK_EQ_STR("team", hb_vocab_scope_code(2));
  CHECK_EQ_STR("rectifying", hb_vocab_status_code(2));
  CHECK_EQ_STR("乡镇", hb_vocab_unit_type_zh(2));
  CHECK_EQ_STR("department", hb_vocab_unit_type_code(3));
  CHECK_CONTAINS(hb_vocab_kind_list(), "party_day 主题党日");
  for (int k = 1; k <= HB_KIND_MAX; k++) {
    CHECK_EQ_INT(k, hb_vocab_kind(hb_vocab_kind_code(k)));
    CHECK_EQ_INT(k, hb_vocab_kind(hb_vocab_kind_zh(k)));
  }
}

int main(void)
{
  RUN(test_lookup);
  RUN(test_names);
  return test_summary();
}
