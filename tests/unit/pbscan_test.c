/* Tests lib/hb_pbscan.c on hand-encoded wire bytes. */
#include <stdint.h>

#include "hb_pbscan.h"
#include "test.h"

/* field 1 varint 150, field 2 bytes "hi", field 3 fixed32, field 4 fixed64 */
static const uint8_t msg[] = {0x08, 0x96, 0x01, 0x12, 0x02, 'h', 'i', 0x1d, 1, 2, 3,
                              4,    0x21, 1,    2,    3,    4,   5,   6,    7, 8};

static void test_walks_every_type(void)
{
  size_t pos = 0;
  hb_pbfield f;
  CHECK_EQ_INT(1, hb_pbscan_next(msg, sizeof msg, &pos, &f));
  CHECK_EQ_INT(1, f.number);
  CHECK_EQ_INT(150, f.varint);
  CHECK_EQ_INT(1, hb_pbscan_next(msg, sizeof msg, &pos, &f));
  CHECK_EQ_INT(2, f.number);
  CHECK_EQ_INT(2, f.len);
  CHECK(f.data && f.data[0] == 'h');
  CHECK_EQ_INT(1, hb_pbscan_next(msg, sizeof msg, &pos, &f));
  CHECK_EQ_INT(5, f.wire_type);
  CHECK_EQ_INT(1, hb_pbscan_next(msg, sizeof msg, &pos, &f));
  CHECK_EQ_INT(4, f.number);
  CHECK_EQ_INT(0, hb_pbscan_next(msg, sizeof msg, &pos, &f));
  CHECK_EQ_INT(sizeof msg, pos);
}

/* Every truncation of the message is either a clean stop between fields
 * or an error: never a read past the end. */
static void test_truncations(void)
{
  int errors = 0;
  for (size_t n = 0; n < sizeof msg; n++) {
    size_t pos = 0;
    hb_pbfield f;
    int rc;
    while ((rc = hb_pbscan_next(msg, n, &pos, &f)) == 1) {
    }
    CHECK(pos <= n);
    errors += rc < 0;
  }
  CHECK_EQ_INT(17, errors); /* all but the 4 field boundaries 0, 3, 7, 12 */
}

static void test_rejects(void)
{
  size_t pos = 0;
  hb_pbfield f;
  static const uint8_t tag0[] = {0x00, 0x01};
  CHECK_EQ_INT(-1, hb_pbscan_next(tag0, sizeof tag0, &pos, &f));
  pos = 0;
  static const uint8_t group[] = {0x0b};
  CHECK_EQ_INT(-1, hb_pbscan_next(group, sizeof group, &pos, &f));
  pos = 0;
  static const uint8_t toolong[] = {0x12, 0x05, 'a'};
  CHECK_EQ_INT(-1, hb_pbscan_next(toolong, sizeof toolong, &pos, &f));
}

int main(void)
{
  RUN(test_walks_every_type);
  RUN(test_truncations);
  RUN(test_rejects);
  return test_summary();
}
