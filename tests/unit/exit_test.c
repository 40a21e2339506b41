/* exit_test.c: the one hb_err -> exit code map. */
#include "hb_err.h"
#include "hb_exit.h"
#include "test.h"

static void test_map(void)
{
  static const struct {
    int err, code;
  } cases[] = {
      {HB_OK, 0},         {HB_EDB, 74},    {HB_EIO, 74},     {HB_EFULL, 74},  {HB_ENOSPC, 74},
      {HB_EINVAL, 65},    {HB_EPARSE, 65}, {HB_ETOOBIG, 65}, {HB_EPROTO, 65}, {HB_ENOTFOUND, 66},
      {HB_ETIMEDOUT, 75}, {HB_EAGAIN, 75}, {HB_EZMQ, 75},    {HB_ENOMEM, 70}, {-999, 70},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    CHECK_EQ_INT(cases[i].code, hb_exit_for(cases[i].err)); /* the same in every program */
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
