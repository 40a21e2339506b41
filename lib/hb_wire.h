/* hb_wire.h: what crosses the network, and its limits.
 *
 * Agent -> county: one ZeroMQ message = one packed Submit.
 * County -> agent: one packed Ack per Submit, after commit.
 * County -> city: XPUB frames [topic "rollup/<campaign>"][packed Rollup].
 * See docs/protocol.md. */
#ifndef HB_WIRE_H
#define HB_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_validate.h"

#define HB_WIRE_MAX_BATCH 1000  /* records per Submit */
#define HB_WIRE_MAX_RECORD 4096 /* bytes of one packed Record */
#define HB_WIRE_MAX_SUBMIT (HB_WIRE_MAX_BATCH * HB_WIRE_MAX_RECORD)
#define HB_WIRE_MAXMSGSIZE (4 * HB_WIRE_MAX_SUBMIT) /* ZMQ_MAXMSGSIZE on sockets */
#define HB_WIRE_MAX_ROLLUP (64u * 1024 * 1024)
#define HB_WIRE_TOPIC_PREFIX "rollup/"

/* Unpacks a Submit with a capped allocator: refuses len over
 * HB_WIRE_MAX_SUBMIT, malformed input, more than HB_WIRE_MAX_BATCH records,
 * a record without a body, and anything hb_validate_record_form refuses at
 * batch level (unit not matching). Per-record problems are NOT errors here:
 * they are found by hb_validate_* and answered per record.
 * Free *out with hb_wire_submit_free. err gets a reason for the log. */
int hb_wire_submit_unpack(const uint8_t *buf, size_t len, Huibao__V1__Submit **out, char *err,
                          size_t errlen);
void hb_wire_submit_free(Huibao__V1__Submit *s);

/* Unpacks an Ack (agent side), same caps. Free with protobuf_c_message_free_unpacked. */
int hb_wire_ack_unpack(const uint8_t *buf, size_t len, Huibao__V1__Ack **out);

/* Packs any message into a malloc'd buffer. */
int hb_wire_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len);

#endif
