/*  dbk_proto.h - the wire protocol of docs/protocol.md (version 1), the
    one implementation used by every service and client.

    A request is one ZeroMQ frame holding a msgpack map
        {"v": 1, "rid": <any>, "op": "<VERB>", ...arguments}
    sent by a DEALER (or REQ) to a ROUTER. Any frames before the last one
    are routing envelope and are echoed on the reply. The reply is one
    frame: {"v": 1, "rid": <same>, "ok": true, ...body} or
    {"v": 1, "rid": <same>, "ok": false, "code": "<CODE>", "msg": "...",
     ["field": "..."], ...details}.
*/
#ifndef DBK_PROTO_H
#define DBK_PROTO_H

#include "dealbook/dbk_codec.h"

#include <czmq.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DBK_PROTO_VERSION 1

/*  Expected-version values in APPEND ("expect"): an exact version >= 0
    (0 = the stream must not exist), or one of these. */
#define DBK_EXPECT_ANY (-1)
#define DBK_EXPECT_NONE (-2)   /* same check as exact 0          */
#define DBK_EXPECT_EXISTS (-3) /* the stream has >= 1 event       */

/*  Read an "expect" value: absent = any; "any" | "none" | "exists" | an
    integer >= 0. 0 or DBK_EINVAL. */
int dbk_proto_parse_expect (const dbk_obj_t *o, int64_t *out);

/*  Write an expected version (an exact version >= 0 or DBK_EXPECT_*). */
void dbk_proto_write_expect (dbk_wr_t *w, int64_t expect);

/*  PUB topic of heartbeats (event types are lowercase, so no clash). */
#define DBK_HEARTBEAT_TOPIC "$heartbeat"

/*  The envelope a request keeps, to echo on its reply: the frames before
    the body (the peer's routing id, REQ's empty delimiter, anything the
    client sent first). A request whose envelope is larger gets no reply
    (DBK_EMALFORMED, nothing to answer to). */
#define DBK_ENVELOPE_MAX 1024  /* bytes, with 2 per frame for its length */
#define DBK_ENVELOPE_FRAMES 16 /* frames                                 */

/*  A request received on a ROUTER. */
typedef struct {
    uint8_t env[DBK_ENVELOPE_MAX]; /* envelope frames: u16 LE length, bytes */
    size_t env_len;                /* bytes of env; 0: nothing to answer to */
    dbk_doc_t *doc;                /* the parsed body (owned), NULL if malformed  */
    const dbk_obj_t *root;         /* the body's map                             */
    const dbk_obj_t *rid;          /* request id, echoed; NULL when absent       */
    const char *op;                /* verb, points into doc; NULL when malformed */
    size_t op_len;                 /* bytes of op                               */
    size_t size;                   /* bytes of the body frame                   */
} dbk_req_t;

/*  Receive one request from `router` (a libzmq socket from dbk_sock_open,
    or any CZMQ polymorphic reference, as for the sends below; blocking:
    poll first). Returns 0 with req filled; DBK_EINTERRUPTED if
    interrupted / nothing to read (never -1, which is DBK_EINVAL); or a
    negative DBK code (DBK_EMALFORMED, DBK_ETOOBIG, DBK_EVERSION,
    DBK_EINVAL for an op missing or not a str) with the envelope kept
    (when there is one) so that the caller can answer the error with
    dbk_proto_send_refused. Always dbk_req_release afterwards. */
int dbk_proto_recv (void *router, dbk_req_t *req);

/*  Free what a request owns. Safe twice. */
void dbk_req_release (dbk_req_t *req);

/*  Is the request's op this verb? */
bool dbk_req_is (const dbk_req_t *req, const char *verb);

/*  Begin a reply in w (reset first): a map of 3 + nfields pairs, of which
    v, rid and ok are written; the caller writes nfields more pairs. */
void dbk_proto_reply_begin (dbk_wr_t *w, const dbk_obj_t *rid, bool ok, uint32_t nfields);

/*  Write a complete ERROR reply into w (reset first). field may be NULL.
    `extra` more pairs follow (the caller writes them, e.g. "current"). */
void dbk_proto_error_begin (dbk_wr_t *w, const dbk_obj_t *rid, int code, const char *msg,
                            const char *field, uint32_t extra);

/*  Send a reply: the request's envelope (kept for reuse: copied) then the
    body. Never blocks: a reply to a vanished or slow client is dropped.
    Returns 0 or -1. */
int dbk_proto_send (void *router, const dbk_req_t *req, const dbk_wr_t *w);

/*  Shorthand: send an ERROR reply. */
int dbk_proto_send_error (void *router, const dbk_req_t *req, dbk_wr_t *w, int code,
                          const char *msg, const char *field);

/*  Answer a request that dbk_proto_recv refused with rc: the ERROR reply
    of docs/protocol.md §12.1, with a sentence saying what is wrong and,
    for DBK_EINVAL, field "op" (missing, or not a str). The one wording
    for the event log and every domain service. Returns as dbk_proto_send
    (-1 as well when there is nothing to answer to). */
int dbk_proto_send_refused (void *router, const dbk_req_t *req, dbk_wr_t *w, int rc);

/*  Client side: begin a request in w (reset first): a map of 3 + nfields
    pairs with v, rid, op written. */
void dbk_proto_request_begin (dbk_wr_t *w, uint64_t rid, const char *op, uint32_t nfields);

/*  Client side: read the common fields of a reply. Returns 0 if ok:true,
    the DBK code of "code" if ok:false (*msg / *msg_len point at the
    message), DBK_EMALFORMED if the reply is not a valid reply. */
int dbk_proto_reply_status (const dbk_obj_t *root, uint64_t *rid, const char **msg,
                            size_t *msg_len);

#ifdef __cplusplus
}
#endif
#endif
