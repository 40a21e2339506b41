/* fuzz_common.h: the fixed county the fuzz targets check records against:
 * the three campaigns of deploy/sample/campaigns.ini and a fixed "today". */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdlib.h>
#include <string.h>

#include "hb_campaigns.h"
#include "hb_date.h"
#include "hb_diag.h"

static const char fuzz_campaigns_ini[] = "[nengli-2022]\n"
                                         "name = 机关能力作风建设年\n"
                                         "start = 2022-03-01\n"
                                         "end = 2022-12-31\n"
                                         "category.thinking = 思想\n"
                                         "category.ability = 能力\n"
                                         "category.conduct = 作风\n"
                                         "category.work = 工作\n"
                                         "\n"
                                         "[jiefang-2022]\n"
                                         "name = 解放思想、振兴发展研讨\n"
                                         "start = 2022-06-01\n"
                                         "end = 2022-12-31\n"
                                         "cycle = weekly, 5, 18:00\n"
                                         "category.county = 深化县情认识\n"
                                         "category.philosophy = 贯彻新发展理念\n"
                                         "category.linkage = 实现上下结合\n"
                                         "category.conduct = 能力作风优化\n"
                                         "category.institution = 制度机制创新\n"
                                         "\n"
                                         "[zhuti-2023]\n"
                                         "name = 学习贯彻习近平新时代中国特色社会主义思想主题教育\n"
                                         "start = 2023-04-01\n"
                                         "end = 2024-01-31\n"
                                         "cycle = monthly, 31, 17:30\n"
                                         "category.theory = 理论学习不到位\n"
                                         "category.policy = 贯彻决策部署不到位\n"
                                         "category.development = 推动高质量发展不到位\n"
                                         "category.people = 为民造福不到位\n"
                                         "category.party_spirit = 党性修养不到位\n"
                                         "category.discipline = 从严治党责任不到位\n";

/* Parsed once per process; aborts if the fixed text stops parsing. */
static const hb_campaigns *fuzz_campaigns(void)
{
  static hb_campaigns c;
  static int done;
  if (!done) {
    hb_diags d;
    hb_diags_init(&d);
    if (hb_campaigns_parse("fuzz.ini", fuzz_campaigns_ini, strlen(fuzz_campaigns_ini), &c, &d) !=
            0 ||
        c.count != 3)
      abort();
    hb_diags_free(&d);
    done = 1;
  }
  return &c;
}

static int32_t fuzz_today(void)
{
  return hb_date_from_ymd(2023, 12, 31) /* as tests/tools/gen_ledgers.py */;
}

#endif
