/* detail.h: the county's detail endpoint (issue 15, docs/replica.md): a
 * ROUTER behind CURVE + ZAP, with its own folder of the cities allowed to
 * fetch the history (--detail-keys; --subscriber-keys only get rollups),
 * serving the history's entries n > after in batches, the county's hash
 * of entry `after`, and audits of ranges of entries (huibao.proto
 * DetailRequest / DetailReply). Served from the main loop: every reply is
 * one LMDB read transaction bounded by a byte budget, and readers never
 * block the writer. */
#ifndef AGG_DETAIL_H
#define AGG_DETAIL_H

#include <stddef.h>
#include <stdint.h>
#include "hb_campaigns.h"
#include "hb_cert.h"
#include "hb_wire.h"
#include "hb_zap.h"
#include "huibao/v1/huibao.pb-c.h"
#include "store.h"

/* The ZAP domain of the detail endpoint's keys. */
#define AGG_DETAIL_ZAP_DOMAIN "huibao-detail"

/* A reply's entries: default and ceiling of their bytes, ceiling of their
 * count; an audit covers at most AGG_DETAIL_AUDIT_MAX entries (the city
 * asks in chunks of SUB_REPLICA_AUDIT_CHUNK, no larger: sub/replica_sync.h). */
#define AGG_DETAIL_BYTES_DEFAULT (1u << 20)
#define AGG_DETAIL_BYTES_MAX (8u << 20)
#define AGG_DETAIL_ENTRIES_MAX 100000u
#define AGG_DETAIL_AUDIT_MAX 50000u
/* The work of one agg_detail_handle call: it stops answering (the rest
 * wait for the next wake-up) once its replies read this many entries or
 * packed this many bytes, so one client cannot hold the main loop long. */
#define AGG_DETAIL_WORK_ENTRIES AGG_DETAIL_AUDIT_MAX
#define AGG_DETAIL_WORK_BYTES AGG_DETAIL_BYTES_MAX

typedef struct agg_detail agg_detail;

typedef struct agg_detail_opts {
  const char *endpoint;          /* --detail EP */
  const hb_cert *cert;           /* the county's key pair; NULL: insecure */
  hb_zap *zap;                   /* the server's ZAP handler; NULL: insecure */
  const char *keys;              /* --detail-keys DIR (unused when insecure) */
  store *st;                     /* borrowed */
  const char *source;            /* the county's code (borrowed) */
  const hb_campaigns *campaigns; /* borrowed (reloaded in place): the replay's hint */
} agg_detail_opts;

/* Binds the detail ROUTER in ctx; loads o->keys into o->zap's
 * AGG_DETAIL_ZAP_DOMAIN. Returns 0 with *out (agg_detail_close), or an
 * hb_err with err saying why. */
int agg_detail_open(agg_detail **out, void *ctx, const agg_detail_opts *o, char *err,
                    size_t errlen);
void agg_detail_close(agg_detail *d);
/* The socket to poll for ZMQ_POLLIN. */
void *agg_detail_socket(const agg_detail *d);
/* Answers the pending requests without blocking: at most 64, and no
 * more once AGG_DETAIL_WORK_ENTRIES or AGG_DETAIL_WORK_BYTES are reached
 * (the rest keep the socket readable). Returns the number answered. */
int agg_detail_handle(agg_detail *d);
/* Reloads --detail-keys (SIGHUP). Returns 0 or an hb_err (the old keys stay). */
int agg_detail_keys_reload(agg_detail *d);

/* The reply to req, read in one read transaction on d's env: packed into
 * b (b->len set). source, epoch and the delete_free campaigns are copied
 * into it; *entries = the entries it read (sent, or audited). Returns 0 or
 * an hb_err (a request the county cannot answer is a reply with `error`
 * set, not an error). */
int agg_detail_reply(const store_dbs *d, const Huibao__V1__DetailRequest *req, const char *source,
                     uint64_t epoch, const hb_campaigns *campaigns, hb_wire_buf *b,
                     size_t *entries);

#endif
