/* hb_rollup_json.h: the JSON view of a Rollup. */
#ifndef HB_ROLLUP_JSON_H
#define HB_ROLLUP_JSON_H

#include <jansson.h>
#include "huibao/v1/huibao.pb-c.h"

/* The JSON view documented in docs/protocol.md (the keys of `huibao-sub
 * snapshot --format json`). r is borrowed. Caller owns the returned
 * reference; NULL when out of memory. */
json_t *hb_rollup_to_json(const Huibao__V1__Rollup *r);

#endif
