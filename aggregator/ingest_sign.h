/* ingest_sign.h: the county's check of records signed by their units
 * (issue 15, docs/security.md "Signed records"), called by ingest.c
 * check_record.
 *
 * A unit whose public signing key is in the registry must sign every
 * record; a unit without one is accepted as before (unsigned, counted in
 * huibao_aggregator_records_unsigned_total) unless require is set. */
#ifndef AGG_INGEST_SIGN_H
#define AGG_INGEST_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include "hb_arena.h"
#include "hb_sign.h"
#include "huibao/v1/huibao.pb-c.h"

/* Checks rec (as received: before any field is dropped or rewritten) of
 * unit against reg (may be NULL: no unit has a key). A signed_body the
 * agent sent is dropped (only the county sets it). On success, when rec
 * carries a signature, rec->signed_body holds the body's packed bytes
 * (in ar, the arena rec was unpacked into: freed with the Submit) until
 * ingest_sign_settle. Returns 0
 * (accepted; *verified says whether a registered key verified it),
 * HB_EPERM with reason (Chinese first) when the record must be REJECTED
 * on field "signature", HB_ENOMEM. */
int ingest_sign_check(const hb_sign_registry *reg, bool require, hb_arena *ar, const char *unit,
                      Huibao__V1__Record *rec, bool *verified, char *reason, size_t reasonlen);

/* After the county rewrote rec's body (names made codes, unknown fields
 * dropped): keeps rec->signed_body only when the body now packs to other
 * bytes than the signed ones, so the history entry lets the city verify
 * (docs/protocol.md "Signed records"). Returns 0 or HB_ENOMEM. */
int ingest_sign_settle(hb_arena *ar, Huibao__V1__Record *rec);

/* Loads the registry from dir (signing-keys =, else keys =; NULL: none,
 * *out NULL) and logs how many keys it holds. Returns 0, or an hb_err
 * with err naming the file (at start-up: exit 78; on SIGHUP the old
 * registry stays). */
int ingest_sign_registry_load(const char *dir, hb_sign_registry **out, char *err, size_t errlen);

#endif
