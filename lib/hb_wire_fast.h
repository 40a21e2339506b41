/* hb_wire_fast.h: a Submit decoded in one pass (issue 17).
 *
 * The county's ingest read each byte of a Submit three times: protobuf-c's
 * unpack (which scans every message, then parses what it scanned), the
 * search of each record's body (hb_wire_submit_bodies) and the check that
 * a body is stored as it came (hb_wire_canonical): ~4,400 instructions per
 * record. This decoder does all three in one walk, driven by protobuf-c's
 * descriptors, for the bytes every huibao agent sends: each field of a
 * message at most once (in any order; the Submit's records repeated), of
 * the wire type of its type, tags, lengths and varints in their shortest
 * form, no unknown field, no string holding a NUL, no packed or fixed-width
 * field, every required field present. Anything else it leaves to
 * protobuf-c (hb_wire_submit_decode), so that what the county does with
 * any input stays what protobuf-c's unpack made of it. */
#ifndef HB_WIRE_FAST_H
#define HB_WIRE_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "hb_arena.h"
#include "hb_wire.h"

/* Decodes the Submit buf[0..len), holding nrec records (field 3, as
 * counted by the caller), into a: *out is what
 * huibao__v1__submit__unpack(hb_arena_allocator(a), len, buf) gives, field
 * by field (defaults of absent fields as protobuf-c's init sets them,
 * strings NUL-terminated copies, bytes copies with data NULL when empty),
 * and bodies[0..nrec) each record's body and whether hb_wire_canonical
 * accepts it. Returns true; false when the bytes are not of the kind
 * described above or a is out of memory or over its cap: then nothing it
 * made is to be used (the caller gives back what it took from a:
 * hb_arena_rewind). */
bool hb_wire_fast_submit(hb_arena *a, const uint8_t *buf, size_t len, size_t nrec,
                         Huibao__V1__Submit **out, hb_wire_body *bodies);

#endif
