/* hb_rollup_unpack.h: a Rollup received from the network, decoded and
 * checked. */
#ifndef HB_ROLLUP_UNPACK_H
#define HB_ROLLUP_UNPACK_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"

/* Decodes a Rollup received from the network: size cap, unpack, then the
 * checks unpack does not do (enums, UTF-8, source and campaign not empty).
 * Returns 0 with *out owned by the caller (free it with
 * protobuf_c_message_free_unpacked(msg, NULL)), HB_ETOOBIG over
 * HB_WIRE_MAX_ROLLUP, or HB_EPROTO on bad input (*out NULL). */
int hb_rollup_unpack(const uint8_t *buf, size_t len, Huibao__V1__Rollup **out);

#endif
