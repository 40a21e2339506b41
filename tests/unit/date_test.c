#include "hb_date.h"
#include "hb_err.h"
#include "test.h"

static void test_parse(void)
{
  int32_t d;
  CHECK_EQ_INT(0, hb_date_parse("2022-06-01", &d));
  CHECK_EQ_INT(19144, d);
  CHECK_EQ_INT(0, hb_date_parse(" 2022/6/1 ", &d));
  CHECK_EQ_INT(19144, d);
  CHECK_EQ_INT(0, hb_date_parse("2022.6.1", &d));
  CHECK_EQ_INT(19144, d);
  CHECK_EQ_INT(0, hb_date_parse("2022年6月1日", &d));
  CHECK_EQ_INT(19144, d);
  CHECK_EQ_INT(0, hb_date_parse("1970-01-01", &d));
  CHECK_EQ_INT(0, d);
  CHECK_EQ_INT(0, hb_date_parse("2000-01-01", &d));
  CHECK_EQ_INT(HB_DATE_MIN, d);
  CHECK_EQ_INT(0, hb_date_parse("2024-02-29", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("2023-02-29", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("2022-02-30", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("2022-13-01", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("2022-06/01", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("22-06-01", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("2022-06-01x", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("", &d));
  CHECK_EQ_INT(HB_EPARSE, hb_date_parse("2022-006-01", &d));
}

static void test_roundtrip(void)
{
  char buf[16];
  for (int32_t d = -1000; d < 40000; d += 7) {
    int y, m, dd;
    hb_date_to_ymd(d, &y, &m, &dd);
    CHECK_EQ_INT(d, hb_date_from_ymd(y, m, dd));
  }
  hb_date_format(19144, buf, sizeof(buf));
  CHECK_EQ_STR("2022-06-01", buf);
  char iso[32];
  hb_time_format_iso(1654041600123LL, iso, sizeof(iso));
  CHECK_EQ_STR("2022-06-01T00:00:00.123Z", iso);
}

static void test_today(void)
{
  setenv("HUIBAO_TODAY", "2022-12-31", 1);
  CHECK_EQ_INT(hb_date_from_ymd(2022, 12, 31), hb_date_today());
  unsetenv("HUIBAO_TODAY");
  CHECK(hb_date_today() > hb_date_from_ymd(2024, 1, 1));
  CHECK(hb_time_now_ms() > 1700000000000LL);
  CHECK(hb_time_mono_ms() >= 0);
}

int main(void)
{
  RUN(test_parse);
  RUN(test_roundtrip);
  RUN(test_today);
  return test_summary();
}
