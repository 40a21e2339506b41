/* hb_wire.h: what crosses the network, and its limits.
 *
 * Agent -> county: one ZeroMQ message = one packed Submit.
 * County -> agent: one packed Ack per Submit, after commit.
 * County -> city: XPUB frames [topic "rollup/<campaign>"][packed Rollup].
 * See docs/protocol.md. */
#ifndef HB_WIRE_H
#define HB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "huibao/v1/huibao.pb-c.h"
#include "hb_arena.h"
#include "hb_validate.h"

#define HB_WIRE_MAX_BATCH 1000  /* records per Submit */
#define HB_WIRE_MAX_RECORD 4096 /* bytes of one packed Record */
#define HB_WIRE_MAX_SUBMIT (HB_WIRE_MAX_BATCH * HB_WIRE_MAX_RECORD)
#define HB_WIRE_MAXMSGSIZE (4 * HB_WIRE_MAX_SUBMIT) /* ZMQ_MAXMSGSIZE on sockets */
#define HB_WIRE_MAX_ROLLUP (64u * 1024 * 1024)
#define HB_WIRE_TOPIC_PREFIX "rollup/"
/* Issue 14: the county's decisions sent down in one Ack (Ack.decisions;
 * Ack.decisions_more says more wait), and a Decision's text bounds. */
#define HB_WIRE_ACK_DECISIONS_MAX 100
#define HB_WIRE_DECISION_REASON_MAX 1000 /* bytes of Decision.reason */
#define HB_WIRE_DECISION_NAME_MAX 256    /* bytes of Decision.reviewer, .campaign */

/* Unpacks a Submit with a capped allocator: refuses len over
 * HB_WIRE_MAX_SUBMIT, malformed input, more than HB_WIRE_MAX_BATCH records,
 * a record without a body, and anything hb_validate_record_form refuses at
 * batch level (unit not matching). Per-record problems are NOT errors here:
 * they are found by hb_validate_* and answered per record.
 * Submit.records_zstd (issue 17) is decompressed first (hb_wire_zstd.h): its
 * records join `records`, and the caps apply to the Submit so unpacked
 * (HB_ETOOBIG for more, a decompression bomb).
 * Free *out with hb_wire_submit_free. err gets a reason for the log. */
int hb_wire_submit_unpack(const uint8_t *buf, size_t len, Huibao__V1__Submit **out, char *err,
                          size_t errlen);
/* ... as a county before issue 17 did: records_zstd is an unknown field,
 * left aside (tests simulate that county with it: huibao-aggregator
 * --no-zstd-submits). */
int hb_wire_submit_unpack_raw(const uint8_t *buf, size_t len, Huibao__V1__Submit **out, char *err,
                              size_t errlen);
void hb_wire_submit_free(Huibao__V1__Submit *s);

/* hb_wire_submit_unpack into the arena a (issue 17: the county's ingest,
 * no malloc per field), with the same caps: the Submit may take at most
 * as many bytes of a as hb_wire_submit_unpack's capped allocator allows.
 * records_zstd is decompressed as by hb_wire_submit_unpack.
 * *out (and a refused Submit's parts) are freed by hb_arena_reset(a),
 * never by hb_wire_submit_free; whoever changes a field of *out allocates
 * from a (hb_arena_alloc, hb_arena_allocator) and frees nothing. */
int hb_wire_submit_unpack_arena(hb_arena *a, const uint8_t *buf, size_t len,
                                Huibao__V1__Submit **out, char *err, size_t errlen);
/* ... zstd false: records_zstd left aside, as hb_wire_submit_unpack_raw.
 * *bytes and *blen get the Submit's bytes as unpacked: buf itself, or the
 * decompressed Submit (in a) when it carried records_zstd; that is where
 * hb_wire_submit_bodies finds the records' bodies. inflate_left (NULL: no
 * limit) is what may still be decompressed (the caller's budget for all
 * the Submits kept in a at once): a Submit that would pass it is HB_EAGAIN
 * (nothing unpacked), else the budget goes down by its decompressed size:
 * a few bytes on the wire may decompress to HB_WIRE_MAX_SUBMIT. */
int hb_wire_submit_unpack_arena_ex(hb_arena *a, const uint8_t *buf, size_t len, bool zstd,
                                   size_t *inflate_left, Huibao__V1__Submit **out,
                                   const uint8_t **bytes, size_t *blen, char *err, size_t errlen);

/* Issue 17: a received record's body, found while its Submit is decoded. */
typedef struct hb_wire_body {
  const uint8_t *data; /* its bytes in the Submit as unpacked; NULL: the record has no
                        * single body field (what hb_wire_submit_bodies finds) */
  size_t len;
  bool canonical; /* hb_wire_canonical(the body's descriptor, data, len): protobuf-c
                   * packs the unpacked body to exactly these bytes */
} hb_wire_body;

/* hb_wire_submit_unpack_arena_ex, and each record's body (issue 17: the
 * county's ingest). *bodies gets n_records entries in a (uncapped, as
 * what the caller adds). The bytes every agent sends are decoded in one
 * pass (hb_wire_fast.h); anything else by protobuf-c, hb_wire_submit_bodies
 * and hb_wire_canonical, as before: for every input the same return, err,
 * *out (field by field) and bodies. *fast (NULL: not asked) says which
 * decoded it (the tests'). */
int hb_wire_submit_decode(hb_arena *a, const uint8_t *buf, size_t len, bool zstd,
                          size_t *inflate_left, Huibao__V1__Submit **out, hb_wire_body **bodies,
                          bool *fast, char *err, size_t errlen);

/* Unpacks an Ack (agent side), same caps; and its decisions (issue 14): at
 * most HB_WIRE_ACK_DECISIONS_MAX, each with kind "A" or "P", an action
 * huibao.proto knows, and strings of valid UTF-8 within the caps below
 * (unit and id as a record's, reason HB_WIRE_DECISION_REASON_MAX bytes,
 * reviewer and campaign HB_WIRE_DECISION_NAME_MAX): one that breaks them
 * makes the whole Ack HB_EPROTO, as a bad RecordResult does.
 * Free with protobuf_c_message_free_unpacked. */
int hb_wire_ack_unpack(const uint8_t *buf, size_t len, Huibao__V1__Ack **out);

/* Packs any message into a malloc'd buffer. */
int hb_wire_pack(const ProtobufCMessage *m, uint8_t **buf, size_t *len);

/* ------------------------------------------------ by hand, without unpacking
 *
 * The few places that read or write protobuf framing themselves (to copy a
 * stored record into a Submit as it is, to read one number of a packed
 * message cheaply, to bound a message before unpacking it) do it here, with
 * these field numbers of proto/huibao/v1/huibao.proto. tests/unit/wire_test.c
 * compares each with the generated descriptors, so a renumbered field fails
 * there. */
#define HB_WIRE_SUBMIT_BATCH_ID 1        /* Submit.batch_id, uint64 */
#define HB_WIRE_SUBMIT_UNIT 2            /* Submit.unit, string */
#define HB_WIRE_SUBMIT_RECORDS 3         /* Submit.records, repeated Record */
#define HB_WIRE_SUBMIT_AGENT_VERSION 4   /* Submit.agent_version, string */
#define HB_WIRE_SUBMIT_DECISIONS_AFTER 5 /* Submit.decisions_after, uint64 (issue 14) */
#define HB_WIRE_SUBMIT_RECORDS_ZSTD 6    /* Submit.records_zstd, bytes (issue 17) */
#define HB_WIRE_ACK_RESULTS 2            /* Ack.results, repeated RecordResult */
#define HB_WIRE_ACK_DECISIONS 6          /* Ack.decisions, repeated Decision (issue 14) */
#define HB_WIRE_ACK_DECISIONS_MORE 7     /* Ack.decisions_more, bool (issue 14) */
#define HB_WIRE_RECORD_SEQ 1             /* Record.seq, uint64 */
#define HB_WIRE_ACTIVITY_VERSION 3       /* Activity.version, uint64 */
#define HB_WIRE_PROBLEM_VERSION 3        /* Problem.version, uint64 */
#define HB_WIRE_INDICATOR_VERSION 3      /* Indicator.version, uint64 */
#define HB_WIRE_CASE_VERSION 3           /* Case.version, uint64 */

/* A growing byte buffer (data malloc'd, owned by the caller: free(data)).
 * Zero-initialise before first use. */
typedef struct hb_wire_buf {
  uint8_t *data;
  size_t len, cap;
} hb_wire_buf;

/* Makes b->data hold at least need bytes (b->len and the bytes kept).
 * Returns 0 or HB_ENOMEM (b unchanged). */
int hb_wire_buf_reserve(hb_wire_buf *b, size_t need);

/* Packs m (protobuf-c) into b at offset off, keeping b->data[0..off):
 * b->len becomes off + the packed size. The scratch buffer of a caller
 * that packs many messages. Returns 0 or HB_ENOMEM. */
int hb_wire_pack_at(hb_wire_buf *b, size_t off, const ProtobufCMessage *m);

/* Starts a packed Submit in b (len set to 0, the allocation kept):
 * batch_id, unit and, if not NULL, agent_version. Records are then appended
 * with hb_wire_submit_add, as they are stored: no unpacking and repacking.
 * The bytes equal what protobuf-c packs, except that agent_version comes
 * before the records (any order is valid protobuf).
 * Returns 0 or HB_ENOMEM. */
int hb_wire_submit_begin(hb_wire_buf *b, uint64_t batch_id, const char *unit,
                         const char *agent_version);

/* Appends Submit.decisions_after (issue 14: the highest Decision.n the
 * agent holds; the county's Ack brings the next ones) to the Submit begun
 * in b: call it after hb_wire_submit_begin, before the records (protobuf-c
 * packs it after them; any order is valid protobuf).
 * Returns 0 or HB_ENOMEM. */
int hb_wire_submit_decisions_after(hb_wire_buf *b, uint64_t after);

/* Appends one packed Record (rec[0..len), copied) to the Submit in b.
 * Returns 0 or HB_ENOMEM (b then holds the Submit without it). */
int hb_wire_submit_add(hb_wire_buf *b, const uint8_t *rec, size_t len);

/* Issue 17: the county stores a received record's body as it came when
 * protobuf-c would pack exactly those bytes again, instead of packing it.
 *
 * Finds, for each of the n records of the packed Submit buf[0..len), the
 * bytes of its body (Record field 2..6): body[i] points into buf, or is
 * NULL when record i has no single body field (then it is packed). Returns
 * 0, or HB_EPROTO if the Submit does not hold exactly n records. */
int hb_wire_submit_bodies(const uint8_t *buf, size_t len, size_t n, const uint8_t **body,
                          size_t *blen);

/* True when b[0..len) is what protobuf_c_message_pack writes for the
 * message of descriptor d unpacked from it: its fields known to d, in
 * increasing number, none twice, of the wire type of their type, tags and
 * varints in their shortest form, the values protobuf-c keeps (bool 0 or 1,
 * int32 and enums within int32, a negative one sign-extended to 10 bytes,
 * uint32 within 32 bits), strings without
 * NUL. Only scalar and string fields (the record bodies): a message
 * holding a repeated or message field is never canonical here. */
bool hb_wire_canonical(const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t len);

/* Appends one Ack.results to the Ack packed in b (issue 17: the county
 * packs an Ack without its results with hb_wire_pack_at, then adds them
 * here, a STORED or DUPLICATE one written by hand, the bytes protobuf-c
 * writes; any order of fields is valid protobuf). Returns 0 or HB_ENOMEM. */
int hb_wire_ack_add_result(hb_wire_buf *b, const Huibao__V1__RecordResult *r);

/* Reads Record.seq of a packed Record without unpacking it.
 * Returns 0, or HB_EPROTO if the framing is broken or it has none. */
int hb_wire_record_seq(const uint8_t *rec, size_t len, uint64_t *seq);

/* Reads the version (Activity.version, Problem.version, Indicator.version,
 * Case.version: the same number) of a packed row of any of the four kinds,
 * as the county's records db holds them,
 * without unpacking it. Returns 0, or HB_EPROTO if the framing is broken or
 * it has none. */
int hb_wire_row_version(const uint8_t *row, size_t len, uint64_t *version);

/* A stored history entry's record version, found without unpacking it
 * (issue 15: the county's records db points into the history). */
typedef struct hb_wire_log_rec {
  const uint8_t *body; /* the packed body (Activity, Problem, ...), in the entry's bytes */
  size_t blen;
  int body_field;      /* Record field of the body: 2 activity .. 6 report */
  int64_t at_s;        /* LogEntry.at_s */
  uint64_t about_prev; /* LogEntry.about_prev, 0 when absent */
} hb_wire_log_rec;

/* Locates the record's body in a packed LogEntry entry[0..len) (borrowed:
 * out->body points into entry). Returns 0, or HB_EPROTO if the framing is
 * broken or the entry holds no record with a body. */
int hb_wire_log_record(const uint8_t *entry, size_t len, hb_wire_log_rec *out);

/* Decodes a Rollup received from the network: size cap, unpack, then the
 * checks unpack does not do (enums, UTF-8, source and campaign not empty).
 * Returns 0 with *out owned by the caller (free it with
 * protobuf_c_message_free_unpacked(msg, NULL)), HB_ETOOBIG over
 * HB_WIRE_MAX_ROLLUP, or HB_EPROTO on bad input (*out NULL). */
int hb_rollup_unpack(const uint8_t *buf, size_t len, Huibao__V1__Rollup **out);

#endif
