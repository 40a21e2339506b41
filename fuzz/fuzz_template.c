/* fuzz_template: a report template (huibao-sub report --template) as
 * sub_tmpl_parse reads it, then rendered against a small fixed model: every
 * input either renders or is refused with a message naming FILE:LINE:COL. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hb_err.h"
#include "tmpl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char model_json[] =
    "{\"campaign\": \"jiefang-2022\", \"campaign_name\": \"解放思想、振兴发展研讨\","
    " \"today\": \"2023-12-31\", \"as_of\": \"2023-12-31T08:00:00.000Z\", \"none\": null,"
    " \"activities\": {\"total\": {\"records\": 3, \"sessions\": 124, \"participants\": 23000,"
    "   \"outputs\": 7}, \"kinds\": [{\"code\": \"study\", \"name\": \"集中学习\", \"sessions\": "
    "3}]},"
    " \"problems\": {\"total\": 3, \"resolved\": 1, \"open\": 2, \"resolution_rate\": 0.3333,"
    "   \"categories\": [{\"code\": \"a\", \"name\": \"甲\", \"count\": 1, \"units\": 1,"
    "     \"share\": 0.3333, \"share_lr\": 0.3334,"
    "     \"unit_list\": [{\"code\": \"u1\", \"name\": \"大罗镇\", \"count\": 1}]},"
    "    {\"code\": \"b\", \"name\": \"乙\", \"count\": 2, \"units\": 0, \"share\": 0.6667,"
    "     \"share_lr\": 0.6666, \"unit_list\": []}]},"
    " \"units\": [{\"code\": \"u1\", \"name\": \"大罗镇\", \"problems\": {\"total\": 1}},"
    "   {\"code\": \"u2\", \"name\": \"发改局\", \"problems\": {\"total\": 2}}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static json_t *model;
  if (!model && !(model = json_loads(model_json, 0, NULL)))
    abort();
  char err[1024];
  sub_tmpl *t = NULL;
  int rc = sub_tmpl_parse("fuzz.txt", (const char *)data, size, &t, err, sizeof err);
  if (rc != 0) {
    if (rc != HB_ENOMEM && strncmp(err, "fuzz.txt", 8) != 0)
      abort(); /* every refusal names the file and says why */
    return 0;
  }
  char *out = NULL;
  size_t len = 0;
  rc = sub_tmpl_render(t, model, &out, &len, err, sizeof err);
  if (rc == 0 && (!out || strlen(out) != len))
    abort(); /* templates are UTF-8 without NUL, so is what they produce */
  if (rc != 0 && rc != HB_ENOMEM && strncmp(err, "fuzz.txt:", 9) != 0)
    abort();
  free(out);
  sub_tmpl_free(t);
  return 0;
}
