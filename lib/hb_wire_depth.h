/* hb_wire_depth.h: how deep a packed protobuf message nests, found before
 * protobuf-c unpacks it.
 *
 * protobuf-c's unpack recurses once per nested message and has no limit of
 * its own; CategoryCount.subcategories holds CategoryCounts, so a 67 KB
 * Rollup from a county nesting 10,000 levels would overflow the city's stack
 * before any check on the unpacked tree could run (review of 2026-12-04).
 * This walk needs no recursion: a stack of max_depth + 1 frames, the fields
 * read with hb_pbscan (part of the wire module, as hb_pbscan is). */
#ifndef HB_WIRE_DEPTH_H
#define HB_WIRE_DEPTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/* The deepest nesting the county's rollups use is far below this; the same
 * limit as the check on an unpacked Rollup (hb_wire.c). */
#define HB_WIRE_MAX_DEPTH 16

/* true when buf[0..len), a message of type d, has no message field nested
 * deeper than max_depth (the message itself is depth 0) and its fields can
 * be walked (tags, varints and lengths within the buffer, no groups); false
 * otherwise, which protobuf-c would refuse too, or which is too deep. Fields
 * d does not know are skipped, not entered. */
bool hb_wire_depth_ok(const ProtobufCMessageDescriptor *d, const uint8_t *buf, size_t len,
                      unsigned max_depth);

#endif
