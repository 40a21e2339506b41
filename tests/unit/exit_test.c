/* exit_test.c: the one hb_err -> exit code map. */
#include "hb_err.h"
#include "hb_exit.h"
#include "test.h"

static void test_map(void)
{
  CHECK_EQ_INT(0, hb_exit_for(HB_OK));
  CHECK_EQ_INT(74, hb_exit_for(HB_EDB)); /* the same in every program */
  CHECK_EQ_INT(74, hb_exit_for(HB_EIO));
  CHECK_EQ_INT(74, hb_exit_for(HB_EFULL));
  CHECK_EQ_INT(74, hb_exit_for(HB_ENOSPC));
  CHECK_EQ_INT(65, hb_exit_for(HB_EINVAL));
  CHECK_EQ_INT(65, hb_exit_for(HB_EPARSE));
  CHECK_EQ_INT(65, hb_exit_for(HB_ETOOBIG));
  CHECK_EQ_INT(65, hb_exit_for(HB_EPROTO));
  CHECK_EQ_INT(66, hb_exit_for(HB_ENOTFOUND));
  CHECK_EQ_INT(75, hb_exit_for(HB_ETIMEDOUT));
  CHECK_EQ_INT(75, hb_exit_for(HB_EAGAIN));
  CHECK_EQ_INT(75, hb_exit_for(HB_EZMQ));
  CHECK_EQ_INT(70, hb_exit_for(HB_ENOMEM));
  CHECK_EQ_INT(70, hb_exit_for(-999));
}

static void test_input(void)
{
  CHECK_EQ_INT(66, hb_exit_for_input(HB_EIO));
  CHECK_EQ_INT(66, hb_exit_for_input(HB_ENOTFOUND));
  CHECK_EQ_INT(65, hb_exit_for_input(HB_EPARSE));
  CHECK_EQ_INT(70, hb_exit_for_input(HB_ENOMEM));
}

int main(void)
{
  RUN(test_map);
  RUN(test_input);
  return test_summary();
}
