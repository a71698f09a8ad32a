/*  dbk_proto.c - request/reply framing of protocol version 1. */
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_event.h"

#include <errno.h>
#include <string.h>

/*  Keep one envelope frame in req (false: it does not fit). */
static bool s_keep_frame (dbk_req_t *req, zmq_msg_t *part, size_t *frames)
{
    size_t n = zmq_msg_size (part);
    if (++*frames > DBK_ENVELOPE_FRAMES || req->env_len + 2 + n > DBK_ENVELOPE_MAX)
        return false;
    req->env[req->env_len] = (uint8_t) (n & 0xff);
    req->env[req->env_len + 1] = (uint8_t) (n >> 8);
    memcpy (req->env + req->env_len + 2, zmq_msg_data (part), n);
    req->env_len += 2 + n;
    return true;
}

int dbk_proto_recv (void *router, dbk_req_t *req)
{
    req->env_len = 0;
    req->doc = NULL;
    req->root = req->rid = NULL;
    req->op = NULL;
    req->op_len = req->size = 0;
    /*  frame by frame into one message on the stack: no zmsg, no zframe */
    void *sock = zsock_resolve (router);
    zmq_msg_t part;
    zmq_msg_init (&part);
    if (zmq_msg_recv (&part, sock, 0) < 0) {
        zmq_msg_close (&part);
        return DBK_EINTERRUPTED; /* not -1: that is DBK_EINVAL, a missing op */
    }
    /*  the last frame is the body; everything before it is envelope */
    size_t frames = 0;
    bool fits = true;
    while (zmq_msg_more (&part)) {
        fits = fits && s_keep_frame (req, &part, &frames);
        zmq_msg_close (&part);
        zmq_msg_init (&part);
        /*  the parts of a message are there together, but a signal can
            interrupt the receive of one (libzmq looks at its commands
            between parts too): take the rest, or the next request would
            begin with it */
        int n;
        while ((n = zmq_msg_recv (&part, sock, 0)) < 0 && errno == EINTR)
            ;
        if (n < 0) {
            zmq_msg_close (&part);
            req->env_len = 0;
            return DBK_EINTERRUPTED; /* the context ends */
        }
    }
    if (!fits || frames == 0) {
        zmq_msg_close (&part);
        req->env_len = 0;
        return DBK_EMALFORMED; /* nothing to answer to */
    }
    req->size = zmq_msg_size (&part);
    int rc = 0;
    if (req->size > DBK_FRAME_MAX)
        rc = DBK_ETOOBIG;
    else
        rc = dbk_doc_parse_max (zmq_msg_data (&part), req->size, DBK_FRAME_ITEMS_MAX, &req->doc);
    zmq_msg_close (&part);
    if (rc)
        return rc == DBK_ENOMEM ? DBK_ETOOBIG : rc;
    req->root = dbk_doc_root (req->doc);
    if (dbk_obj_type (req->root) != DBK_T_MAP || dbk_obj_has_dup_keys (req->root))
        return DBK_EMALFORMED; /* a repeated key would be ambiguous: refuse it */
    req->rid = dbk_obj_get (req->root, "rid");
    const dbk_obj_t *v = dbk_obj_get (req->root, "v");
    uint64_t version;
    if (v && (dbk_obj_u64 (v, &version) || version != DBK_PROTO_VERSION))
        return DBK_EVERSION;
    if (dbk_obj_str (dbk_obj_get (req->root, "op"), &req->op, &req->op_len))
        return DBK_EINVAL;
    return 0;
}

void dbk_req_release (dbk_req_t *req)
{
    req->env_len = 0;
    dbk_doc_destroy (&req->doc);
    req->root = req->rid = NULL;
    req->op = NULL;
}

bool dbk_req_is (const dbk_req_t *req, const char *verb)
{
    return req->op && strlen (verb) == req->op_len && memcmp (req->op, verb, req->op_len) == 0;
}

void dbk_proto_reply_begin (dbk_wr_t *w, const dbk_obj_t *rid, bool ok, uint32_t nfields)
{
    dbk_wr_reset (w);
    dbk_wr_map (w, 3 + nfields);
    dbk_wr_kv_u64 (w, "v", DBK_PROTO_VERSION);
    dbk_wr_cstr (w, "rid");
    if (rid)
        dbk_wr_obj (w, rid);
    else
        dbk_wr_nil (w);
    dbk_wr_kv_bool (w, "ok", ok);
}

void dbk_proto_error_begin (dbk_wr_t *w, const dbk_obj_t *rid, int code, const char *msg,
                            const char *field, uint32_t extra)
{
    dbk_proto_reply_begin (w, rid, false, 2 + (field != NULL) + extra);
    dbk_wr_kv_cstr (w, "code", dbk_err_wire_name (code));
    dbk_wr_kv_cstr (w, "msg", msg ? msg : dbk_strerror (code));
    if (field)
        dbk_wr_kv_cstr (w, "field", field);
}

/*  One part of a reply. Once the first is taken, a signal must not leave
    the message half sent (the next reply's parts would join it): retry. */
static int s_send_part (void *sock, const void *data, size_t len, int more, bool started)
{
    int rc;
    while ((rc = zmq_send (sock, data, len, more | ZMQ_DONTWAIT)) < 0 && errno == EINTR && started)
        ;
    return rc;
}

int dbk_proto_send (void *router, const dbk_req_t *req, const dbk_wr_t *w)
{
    if (!req->env_len)
        return -1;
    /*  ROUTER drops what it cannot route: a reply never blocks the loop */
    void *sock = zsock_resolve (router);
    for (size_t at = 0; at < req->env_len;) {
        size_t n = (size_t) req->env[at] | (size_t) req->env[at + 1] << 8;
        if (s_send_part (sock, req->env + at + 2, n, ZMQ_SNDMORE, at > 0) < 0)
            return -1;
        at += 2 + n;
    }
    return s_send_part (sock, dbk_wr_data (w), dbk_wr_size (w), 0, true) < 0 ? -1 : 0;
}

int dbk_proto_send_error (void *router, const dbk_req_t *req, dbk_wr_t *w, int code,
                          const char *msg, const char *field)
{
    dbk_proto_error_begin (w, req->rid, code, msg, field, 0);
    return dbk_proto_send (router, req, w);
}

int dbk_proto_send_refused (void *router, const dbk_req_t *req, dbk_wr_t *w, int rc)
{
    /*  an op that is there but is not a str (an int, a bin) is not missing:
        say what it must be */
    const char *msg = rc == DBK_ETOOBIG
                          ? "the request exceeds a size, nesting or element-count limit"
                      : rc == DBK_EVERSION ? "this server speaks protocol version 1"
                      : rc != DBK_EINVAL   ? "the request is not one msgpack map"
                      : dbk_obj_get (req->root, "op")
                          ? "op must be text: the verb as a msgpack str, e.g. \"PING\""
                          : "the request has no op";
    return dbk_proto_send_error (router, req, w, rc, msg, rc == DBK_EINVAL ? "op" : NULL);
}

void dbk_proto_request_begin (dbk_wr_t *w, uint64_t rid, const char *op, uint32_t nfields)
{
    dbk_wr_reset (w);
    dbk_wr_map (w, 3 + nfields);
    dbk_wr_kv_u64 (w, "v", DBK_PROTO_VERSION);
    dbk_wr_kv_u64 (w, "rid", rid);
    dbk_wr_kv_cstr (w, "op", op);
}

int dbk_proto_reply_status (const dbk_obj_t *root, uint64_t *rid, const char **msg, size_t *msg_len)
{
    bool ok;
    *msg = "";
    *msg_len = 0;
    if (dbk_obj_type (root) != DBK_T_MAP || dbk_obj_bool (dbk_obj_get (root, "ok"), &ok))
        return DBK_EMALFORMED;
    if (dbk_obj_u64 (dbk_obj_get (root, "rid"), rid))
        *rid = 0;
    if (ok)
        return 0;
    const char *code;
    size_t code_len;
    if (dbk_obj_str (dbk_obj_get (root, "code"), &code, &code_len))
        return DBK_EMALFORMED;
    dbk_obj_str (dbk_obj_get (root, "msg"), msg, msg_len);
    int rc = dbk_err_from_wire (code, code_len);
    return rc == 0 ? DBK_EIO : rc;
}

int dbk_proto_parse_expect (const dbk_obj_t *o, int64_t *out)
{
    if (!o)
        *out = DBK_EXPECT_ANY;
    else if (dbk_obj_str_eq (o, "any"))
        *out = DBK_EXPECT_ANY;
    else if (dbk_obj_str_eq (o, "none"))
        *out = DBK_EXPECT_NONE;
    else if (dbk_obj_str_eq (o, "exists"))
        *out = DBK_EXPECT_EXISTS;
    else if (dbk_obj_i64 (o, out) || *out < 0)
        return DBK_EINVAL;
    return 0;
}

void dbk_proto_write_expect (dbk_wr_t *w, int64_t expect)
{
    switch (expect) {
    case DBK_EXPECT_ANY:
        dbk_wr_cstr (w, "any");
        break;
    case DBK_EXPECT_NONE:
        dbk_wr_cstr (w, "none");
        break;
    case DBK_EXPECT_EXISTS:
        dbk_wr_cstr (w, "exists");
        break;
    default:
        dbk_wr_i64 (w, expect);
        break;
    }
}
