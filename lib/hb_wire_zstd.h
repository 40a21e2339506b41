/* hb_wire_zstd.h: Submit.records_zstd (issue 17), a Submit's records as one
 * zstd frame.
 *
 * On a township's slow link (256 kbit/s) the bytes of a first sync are its
 * time, and records are repetitive text: compressed they take a fraction.
 * The agent packs its Submit as usual (hb_wire_submit_begin, _add) and
 * compresses the records' part of it, only for a county that said in its
 * Ack that it reads them (Ack.accepts_zstd); the county inflates the
 * Submit back into the one the agent packed before unpacking it, so
 * everything after (validation, signatures over each record's canonical
 * bytes) sees the same records. docs/protocol.md "Compressed Submits". */
#ifndef HB_WIRE_ZSTD_H
#define HB_WIRE_ZSTD_H

#include <stddef.h>
#include <stdint.h>
#include "hb_wire.h"

/* 1 when this build has libzstd: the county's always; an agent built
 * without it (Windows, docs/platforms.md) never compresses. */
int hb_wire_zstd_available(void);

/* Makes out (len set to 0, the allocation kept) the packed Submit sub[0..len)
 * whose records, sub[off..len) as hb_wire_submit_add appended them, travel
 * as Submit.records_zstd instead: sub[0..off), then that field.
 * Returns 0, HB_ENOMEM, or HB_EINVAL (off > len, or no libzstd). */
int hb_wire_zstd_deflate(const uint8_t *sub, size_t len, size_t off, hb_wire_buf *out);

/* When the packed Submit buf[0..len) holds records_zstd: makes out (owned
 * by the caller, zero-initialised) its other fields followed by the
 * decompressed records and returns 1; returns 0 when it holds none (out
 * untouched). Errors, err saying why: HB_ETOOBIG when the result would be
 * over HB_WIRE_MAX_SUBMIT (a decompression bomb is refused from the frame's
 * header, before anything is allocated); HB_EPROTO for broken framing,
 * records_zstd twice, a frame without its content size or that does not
 * decompress to it, or a build without libzstd; HB_ENOMEM. */
int hb_wire_zstd_inflate(const uint8_t *buf, size_t len, hb_wire_buf *out, char *err,
                         size_t errlen);

#endif
