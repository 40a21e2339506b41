/* hb_pbcopy.h: a deep copy of a protobuf-c message, the same tree that
 * packing it and unpacking the bytes would give, without the bytes.
 *
 * The city's merge (hb_rollup_merge) assembles its Rollup from pointers
 * borrowed from its inputs and used to pack and unpack it to make one
 * tree of its own: for 100 counties of 60 units that was two thirds of the
 * merge (issue 14: the review counts and period facts made every unit row
 * larger). The copy walks the descriptors instead of the wire format.
 *
 * What the copy gives, field by field, is what protobuf-c 1.4's
 * protobuf_c_message_unpack(protobuf_c_message_pack(m)) gives: a field the
 * packer leaves out (optional without has_, string or message NULL or the
 * default, oneof member not selected, unlabeled zero) keeps the value of
 * the type's init; booleans become 0 or 1; a required NULL string becomes
 * "", a required or repeated NULL message an empty one; bytes of length 0
 * have data NULL; unknown fields are copied as they are. */
#ifndef HB_PBCOPY_H
#define HB_PBCOPY_H

#include <protobuf-c/protobuf-c.h>

/* A copy of m, every part malloc'd, owned by the caller (free it with
 * protobuf_c_message_free_unpacked(copy, NULL)); NULL when out of memory. */
ProtobufCMessage *hb_pbcopy(const ProtobufCMessage *m);

/* The size in memory of one value of type t: a non-repeated field's
 * member, a repeated field's array element. */
size_t hb_pbcopy_size(ProtobufCType t);

#endif
