/*  dbk_client.h - a synchronous client of any dealbook ROUTER (the event
    log, a domain service), one DEALER per client. Not thread-safe: one
    client per thread.

    Replies are matched by request id: a late reply to a request that
    timed out is recognised and dropped, so a retry never reads the
    answer to another request.
*/
#ifndef DBK_CLIENT_H
#define DBK_CLIENT_H

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_event.h"
#include "dealbook/dbk_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dbk_client dbk_client_t;

/*  Connect a DEALER to `endpoint`; answers are awaited up to timeout_ms.
    NULL with errno if the client cannot be made: EMFILE or ENFILE when
    the process is out of file descriptors (a server answers BUSY, a
    reconnecting client keeps its old socket and tries again later),
    EINVAL and the like for an unusable endpoint, ENOMEM. */
dbk_client_t *dbk_client_new (const char *endpoint, int timeout_ms);
void dbk_client_destroy (dbk_client_t **self_p);

/*  Begin a request for verb `op` with nfields argument pairs to follow;
    returns the client's writer (borrowed) to write them into. */
dbk_wr_t *dbk_client_begin (dbk_client_t *self, const char *op, uint32_t nfields);
/*  The request last begun, as written (and sent): borrowed, until the
    next dbk_client_begin. */
const dbk_wr_t *dbk_client_writer (const dbk_client_t *self);

/*  Send the request begun with dbk_client_begin and wait for its reply.
    Returns 0 if the reply is ok; the DBK code of an ERROR reply; or
    DBK_ETIMEOUT (no answer in time), DBK_EMALFORMED (unreadable answer).
    When a reply arrived (ok or ERROR), *reply_p is set and is the
    caller's (dbk_doc_destroy); dbk_client_errmsg tells the message. */
int dbk_client_call (dbk_client_t *self, dbk_doc_t **reply_p);

/*  The event log's head (STATUS `head`: its last seq, 0 when empty) into
    *head. Returns as dbk_client_call, or DBK_EMALFORMED when the reply
    has no head. */
int dbk_client_head (dbk_client_t *self, uint64_t *head);

/*  dbk_client_call in two halves, for a caller with work to do while the
    server answers: send the request begun (0 or DBK_ETIMEOUT), then wait
    for its reply (as dbk_client_call). Only the last request sent is
    waited for: the answer to an earlier one is dropped. */
int dbk_client_send (dbk_client_t *self);
int dbk_client_wait (dbk_client_t *self, dbk_doc_t **reply_p);
/*  dbk_client_wait for at most timeout_ms (0: only if the answer is
    there). No answer yet: DBK_ETIMEOUT with *reply_p NULL, and the
    request stays outstanding (a later wait may still take its answer);
    any answer leaves *reply_p set. */
int dbk_client_wait_ms (dbk_client_t *self, dbk_doc_t **reply_p, int timeout_ms);

/*  Message of the last ERROR reply (or of the last local failure),
    NUL-terminated, borrowed until the next call. */
const char *dbk_client_errmsg (const dbk_client_t *self);

/*  APPEND n proposed events to one stream with an expected version (an
    exact version >= 0 or DBK_EXPECT_*). Returns as dbk_client_call; on
    success *first_seq..*last_seq and *last_ver describe the positions
    (the original ones for an idempotent re-append). Any out pointer may
    be NULL. On DBK_ECONFLICT, *last_ver is the stream's current version. */
int dbk_client_append (dbk_client_t *self, const char *stream, int64_t expect,
                       const dbk_event_t *events, size_t n, uint64_t *first_seq, uint64_t *last_seq,
                       uint64_t *last_ver);

/*  A READ request: by seq (stream == NULL) from `from` (>= 1) with an
    optional type prefix (or up to 8 of them: an event matches if its
    type starts with any), or by stream from version `from`. limit and
    max_scan of 0 take the server's defaults. */
typedef struct {
    uint64_t from;                    /* first seq (or stream version) wanted     */
    const char *stream;               /* read one stream instead of all           */
    const char *type_prefix;          /* only events whose type starts with this  */
    const char *const *type_prefixes; /* or with one of these (NULL: see type_prefix) */
    size_t ntype_prefixes;            /* 1..8 when type_prefixes is set              */
    uint32_t limit;                   /* max events returned                      */
    uint32_t max_scan;                /* max events examined (filtered reads)     */
} dbk_read_t;

/*  A page of a READ reply. Records are borrowed from the reply document. */
typedef struct {
    uint64_t head;           /* the log's head seq when it answered      */
    uint64_t last;           /* last seq examined (0: none)              */
    size_t count;            /* records in this page                     */
    const dbk_obj_t *events; /* array of bin: each a stored record       */
} dbk_page_t;

/*  Send a READ and wait for its page. On success *reply_p holds the page's
    memory and is the caller's (dbk_doc_destroy). */
int dbk_client_read (dbk_client_t *self, const dbk_read_t *req, dbk_doc_t **reply_p,
                     dbk_page_t *page);

/*  dbk_client_read in two halves (see dbk_client_send): a reader folds
    one page while the log reads the next. */
int dbk_client_read_send (dbk_client_t *self, const dbk_read_t *req);
int dbk_client_read_wait (dbk_client_t *self, dbk_doc_t **reply_p, dbk_page_t *page);

/*  dbk_client_read_wait for at most timeout_ms (0: only if the answer is
    there): DBK_ETIMEOUT when it is not yet, and the request stays
    outstanding (a later wait may still take its answer). */
int dbk_client_read_wait_ms (dbk_client_t *self, dbk_doc_t **reply_p, dbk_page_t *page,
                             int timeout_ms);

/*  The client's socket (a libzmq socket, dbk_sock.h), for an owner that
    polls it for an answer; borrowed while the client lives. */
void *dbk_client_socket (dbk_client_t *self);

/*  dbk_client_read_wait in pieces, for a reader that parses pages on
    another thread: the next message on the socket if one is there (NULL
    otherwise), the id of the request last sent, and the page of a message
    that answers request rid. dbk_client_page_of takes the message (any
    thread): 0 with the page (*reply_p the caller's), the reply's error
    code, DBK_EMALFORMED (a reply without a page), or a positive value
    when it is not that answer (unreadable, or the late answer to an older
    request). */
zmsg_t *dbk_client_recv_now (dbk_client_t *self);
uint64_t dbk_client_rid (const dbk_client_t *self);
int dbk_client_page_of (zmsg_t **msg_p, uint64_t rid, dbk_doc_t **reply_p, dbk_page_t *page);

/*  Decode record i of a page. Views point into the reply document. */
int dbk_page_event (const dbk_page_t *page, size_t i, dbk_event_t *ev);

/*  dbk_page_event, and the record's hash recomputed from its bytes and
    its own prev (dbk_event_check_record): DBK_ECORRUPT when it does not
    match, a record altered where it is stored. Every reader that shows
    or folds what it reads uses this one (the subscriber checks the whole
    chain itself): a filtered or by-stream page holds no neighbours to
    check prev against, which VERIFY does. */
int dbk_page_event_checked (const dbk_page_t *page, size_t i, dbk_event_t *ev);

/*  Raw bytes of record i of a page (for checks / forwarding). */
int dbk_page_record (const dbk_page_t *page, size_t i, const uint8_t **rec, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
