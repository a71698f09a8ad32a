/*  dbk_client.c - synchronous request/reply over one DEALER. */
#include "dealbook/dbk_client.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sock.h"

#include <czmq.h>
#include <sodium.h>
#include <errno.h>
#include <string.h>

struct dbk_client {
    void *dealer;       /* connected to the service (libzmq socket) */
    dbk_wr_t *wr;       /* the request being written                */
    uint64_t rid;       /* id of the last request sent              */
    int timeout_ms;     /* how long to wait for an answer           */
    char errmsg[512];   /* message of the last failure              */
    char endpoint[256]; /* where the service is                   */
};

dbk_client_t *dbk_client_new (const char *endpoint, int timeout_ms)
{
    dbk_client_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    dbk_sockcfg_t cfg = {.type = ZMQ_DEALER, .endpoint = endpoint, .bind = false};
    self->dealer = dbk_sock_open (&cfg);
    int err = self->dealer ? ENOMEM : errno;
    self->wr = self->dealer ? dbk_wr_new () : NULL;
    if (!self->dealer || !self->wr) {
        dbk_client_destroy (&self);
        errno = err;
        return NULL;
    }
    self->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
    snprintf (self->endpoint, sizeof self->endpoint, "%s", endpoint);
    /*  ids start at a random point so that two clients sharing an identity
        by mistake, or a restarted client, do not confuse their answers */
    if (sodium_init () < 0) {
        dbk_client_destroy (&self);
        return NULL;
    }
    self->rid = randombytes_random ();
    return self;
}

void dbk_client_destroy (dbk_client_t **self_p)
{
    if (self_p && *self_p) {
        dbk_client_t *self = *self_p;
        dbk_sock_close (&self->dealer);
        dbk_wr_destroy (&self->wr);
        free (self);
        *self_p = NULL;
    }
}

dbk_wr_t *dbk_client_begin (dbk_client_t *self, const char *op, uint32_t nfields)
{
    dbk_proto_request_begin (self->wr, ++self->rid, op, nfields);
    return self->wr;
}

const dbk_wr_t *dbk_client_writer (const dbk_client_t *self)
{
    return self->wr;
}

const char *dbk_client_errmsg (const dbk_client_t *self)
{
    return self->errmsg;
}

static int s_fail (dbk_client_t *self, int rc, const char *msg, size_t len)
{
    if (len >= sizeof self->errmsg)
        len = sizeof self->errmsg - 1;
    memcpy (self->errmsg, msg, len);
    self->errmsg[len] = 0;
    return rc;
}

int dbk_client_send (dbk_client_t *self)
{
    self->errmsg[0] = 0;
    if (zmq_send (self->dealer, dbk_wr_data (self->wr), dbk_wr_size (self->wr), ZMQ_DONTWAIT) < 0) {
        const char *m = "cannot send the request (service unreachable?)";
        return s_fail (self, DBK_ETIMEOUT, m, strlen (m));
    }
    return 0;
}

int dbk_client_call (dbk_client_t *self, dbk_doc_t **reply_p)
{
    *reply_p = NULL;
    int rc = dbk_client_send (self);
    return rc ? rc : dbk_client_wait (self, reply_p);
}

/*  The reply to request rid in body: 0 (*doc_p the caller's), the
    reply's error code (*doc_p too, *m its message), or S_NOT_OURS when it
    is not one (unreadable, or the late answer to another request). */
#define S_NOT_OURS 1
static int s_reply (const void *body, size_t len, uint64_t rid, dbk_doc_t **doc_p, const char **m,
                    size_t *mlen)
{
    *doc_p = NULL;
    if (!body || dbk_doc_parse (body, len, doc_p) != 0)
        return S_NOT_OURS;
    uint64_t got;
    const dbk_obj_t *root = dbk_doc_root (*doc_p), *r = dbk_obj_get (root, "rid");
    int rc = dbk_proto_reply_status (root, &got, m, mlen);
    /*  a MALFORMED or TOO_LARGE answer without rid (the server could not
        read the body) answers the request outstanding (protocol.md §4.3) */
    bool unmatched = (!r || dbk_obj_type (r) == DBK_T_NIL) &&
                     (dbk_obj_str_eq (dbk_obj_get (root, "code"), "MALFORMED") ||
                      dbk_obj_str_eq (dbk_obj_get (root, "code"), "TOO_LARGE"));
    if (!unmatched && (rc == DBK_EMALFORMED || got != rid)) {
        dbk_doc_destroy (doc_p);
        return S_NOT_OURS;
    }
    return rc;
}

/*  The next message's last frame (its body) into *part, waiting up to
    ms: 0, or -1 with errno (EAGAIN: nothing came). A blocking receive
    with a timeout asks fewer syscalls of libzmq than zmq_poll first. The
    timeout stays set on the socket: every other receive on it polls
    first (dbk_client_recv_now). */
static int s_recv_body (void *sock, zmq_msg_t *part, int ms)
{
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &ms, sizeof ms);
    int n = zmq_msg_recv (part, sock, 0);
    while (n >= 0 && zmq_msg_more (part)) {
        zmq_msg_close (part);
        zmq_msg_init (part);
        /*  the parts of a message come together; a signal can interrupt
            between them, and the rest must not start the next message */
        while ((n = zmq_msg_recv (part, sock, 0)) < 0 && errno == EINTR)
            ;
    }
    return n < 0 ? -1 : 0;
}

static int s_wait (dbk_client_t *self, dbk_doc_t **reply_p, int timeout_ms)
{
    *reply_p = NULL;
    void *sock = self->dealer;
    int64_t deadline = zclock_mono () + timeout_ms;
    while (true) {
        int64_t left = deadline - zclock_mono ();
        zmq_msg_t part;
        zmq_msg_init (&part);
        if (s_recv_body (sock, &part, left > 0 ? (int) left : 0) != 0) {
            bool timeout = errno == EAGAIN;
            zmq_msg_close (&part);
            char m[300];
            int len = snprintf (m, sizeof m, "no answer within %d ms from %s", timeout_ms,
                                self->endpoint);
            return timeout ? s_fail (self, DBK_ETIMEOUT, m, (size_t) len)
                           : s_fail (self, DBK_EINTERRUPTED, "interrupted", 11);
        }
        const char *m = NULL;
        size_t mlen = 0;
        int rc =
            s_reply (zmq_msg_data (&part), zmq_msg_size (&part), self->rid, reply_p, &m, &mlen);
        /*  m points into *reply_p, not into the frame */
        zmq_msg_close (&part);
        if (rc == S_NOT_OURS)
            continue;
        if (rc)
            s_fail (self, rc, m, mlen);
        return rc;
    }
}

int dbk_client_wait (dbk_client_t *self, dbk_doc_t **reply_p)
{
    return s_wait (self, reply_p, self->timeout_ms);
}

int dbk_client_wait_ms (dbk_client_t *self, dbk_doc_t **reply_p, int timeout_ms)
{
    return s_wait (self, reply_p, timeout_ms > 0 ? timeout_ms : 0);
}

int dbk_client_append (dbk_client_t *self, const char *stream, int64_t expect,
                       const dbk_event_t *events, size_t n, uint64_t *first_seq, uint64_t *last_seq,
                       uint64_t *last_ver)
{
    dbk_wr_t *w = dbk_client_begin (self, "APPEND", 1);
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, 1);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "stream", stream);
    dbk_wr_cstr (w, "expect");
    dbk_proto_write_expect (w, expect);
    dbk_wr_cstr (w, "events");
    dbk_wr_array (w, (uint32_t) n);
    for (size_t i = 0; i < n; i++)
        dbk_event_write_proposed (w, &events[i]);
    dbk_doc_t *reply;
    int rc = dbk_client_call (self, &reply);
    const dbk_obj_t *root = dbk_doc_root (reply);
    if (rc == 0) {
        const dbk_obj_t *r = dbk_obj_at (dbk_obj_get (root, "results"), 0);
        uint64_t fs = 0, ls = 0, lv = 0;
        if (dbk_obj_u64 (dbk_obj_get (r, "first_seq"), &fs) ||
            dbk_obj_u64 (dbk_obj_get (r, "last_seq"), &ls) ||
            dbk_obj_u64 (dbk_obj_get (r, "last_ver"), &lv))
            rc = DBK_EMALFORMED;
        if (first_seq)
            *first_seq = fs;
        if (last_seq)
            *last_seq = ls;
        if (last_ver)
            *last_ver = lv;
    } else if (rc == DBK_ECONFLICT && last_ver) {
        if (dbk_obj_u64 (dbk_obj_get (root, "current"), last_ver))
            *last_ver = 0;
    }
    dbk_doc_destroy (&reply);
    return rc;
}

int dbk_client_read (dbk_client_t *self, const dbk_read_t *req, dbk_doc_t **reply_p,
                     dbk_page_t *page)
{
    memset (page, 0, sizeof *page);
    *reply_p = NULL;
    int rc = dbk_client_read_send (self, req);
    return rc ? rc : dbk_client_read_wait (self, reply_p, page);
}

int dbk_client_read_send (dbk_client_t *self, const dbk_read_t *req)
{
    bool many = req->type_prefixes != NULL;
    uint32_t n = 1 + (req->stream != NULL) + (many || req->type_prefix != NULL) + (req->limit > 0) +
                 (req->max_scan > 0);
    dbk_wr_t *w = dbk_client_begin (self, "READ", n);
    dbk_wr_kv_u64 (w, "from", req->from ? req->from : 1);
    if (req->stream)
        dbk_wr_kv_cstr (w, "stream", req->stream);
    if (many) {
        dbk_wr_cstr (w, "type");
        dbk_wr_array (w, (uint32_t) req->ntype_prefixes);
        for (size_t i = 0; i < req->ntype_prefixes; i++)
            dbk_wr_cstr (w, req->type_prefixes[i]);
    } else if (req->type_prefix)
        dbk_wr_kv_cstr (w, "type", req->type_prefix);
    if (req->limit)
        dbk_wr_kv_u64 (w, "limit", req->limit);
    if (req->max_scan)
        dbk_wr_kv_u64 (w, "max_scan", req->max_scan);
    return dbk_client_send (self);
}

/*  The page of a READ reply; DBK_EMALFORMED if it holds none. */
static int s_page (const dbk_doc_t *doc, dbk_page_t *page)
{
    const dbk_obj_t *root = dbk_doc_root (doc);
    page->events = dbk_obj_get (root, "events");
    if (dbk_obj_u64 (dbk_obj_get (root, "head"), &page->head) ||
        dbk_obj_u64 (dbk_obj_get (root, "last"), &page->last) ||
        dbk_obj_type (page->events) != DBK_T_ARRAY)
        return DBK_EMALFORMED;
    page->count = dbk_obj_len (page->events);
    return 0;
}

static int s_read_wait (dbk_client_t *self, dbk_doc_t **reply_p, dbk_page_t *page, int timeout_ms)
{
    memset (page, 0, sizeof *page);
    int rc = s_wait (self, reply_p, timeout_ms);
    if (rc)
        return rc;
    if (s_page (*reply_p, page)) {
        dbk_doc_destroy (reply_p);
        return s_fail (self, DBK_EMALFORMED, "malformed READ reply", 20);
    }
    return 0;
}

int dbk_client_read_wait (dbk_client_t *self, dbk_doc_t **reply_p, dbk_page_t *page)
{
    return s_read_wait (self, reply_p, page, self->timeout_ms);
}

int dbk_client_read_wait_ms (dbk_client_t *self, dbk_doc_t **reply_p, dbk_page_t *page,
                             int timeout_ms)
{
    return s_read_wait (self, reply_p, page, timeout_ms);
}

void *dbk_client_socket (dbk_client_t *self)
{
    return self->dealer;
}

zmsg_t *dbk_client_recv_now (dbk_client_t *self)
{
    zmq_pollitem_t item = {self->dealer, 0, ZMQ_POLLIN, 0};
    return zmq_poll (&item, 1, 0) == 1 ? zmsg_recv (self->dealer) : NULL;
}

uint64_t dbk_client_rid (const dbk_client_t *self)
{
    return self->rid;
}

int dbk_client_page_of (zmsg_t **msg_p, uint64_t rid, dbk_doc_t **reply_p, dbk_page_t *page)
{
    memset (page, 0, sizeof *page);
    const char *m;
    size_t mlen;
    zframe_t *body = zmsg_last (*msg_p);
    int rc = body ? s_reply (zframe_data (body), zframe_size (body), rid, reply_p, &m, &mlen)
                  : S_NOT_OURS;
    zmsg_destroy (msg_p);
    if (rc == 0 && s_page (*reply_p, page))
        rc = DBK_EMALFORMED;
    if (rc)
        dbk_doc_destroy (reply_p);
    return rc;
}

int dbk_page_record (const dbk_page_t *page, size_t i, const uint8_t **rec, size_t *len)
{
    return dbk_obj_bin (dbk_obj_at (page->events, i), rec, len) ? DBK_EMALFORMED : 0;
}

int dbk_page_event (const dbk_page_t *page, size_t i, dbk_event_t *ev)
{
    const uint8_t *rec;
    size_t len;
    int rc = dbk_page_record (page, i, &rec, &len);
    return rc ? rc : dbk_event_decode_record (rec, len, ev);
}

int dbk_page_event_checked (const dbk_page_t *page, size_t i, dbk_event_t *ev)
{
    const uint8_t *rec;
    size_t len;
    int rc = dbk_page_record (page, i, &rec, &len);
    if (!rc)
        rc = dbk_event_decode_record (rec, len, ev);
    if (!rc && dbk_event_check_record (rec, len, ev->prev) != 0)
        rc = DBK_ECORRUPT;
    return rc;
}

int dbk_client_head (dbk_client_t *self, uint64_t *head)
{
    dbk_doc_t *reply = NULL;
    dbk_client_begin (self, "STATUS", 0);
    int rc = dbk_client_call (self, &reply);
    if (rc == 0 && dbk_obj_u64 (dbk_obj_get (dbk_doc_root (reply), "head"), head) != 0)
        rc = DBK_EMALFORMED;
    dbk_doc_destroy (&reply);
    return rc;
}
