/*  eventlog_given.h - what the event log suites share (test_eventlog.c,
    test_eventlog_io.c): batches of proposed events, a started log and its
    client, appends that must succeed, reply fields, raw frames and the
    errors they must get. Header-only (static inline) because the Makefile
    links tests/support/testlib.c only.
*/
#ifndef EVENTLOG_GIVEN_H
#define EVENTLOG_GIVEN_H

#include "testlib.h"

#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

#define S_TIMEOUT_MS 10000 /* longest wait for any answer */
#define S_MAXB 64          /* events in one test batch    */

/*  n proposed events with fresh ids, each with its own payload buffer. */
typedef struct {
    size_t n;               /* events in use     */
    dbk_event_t ev[S_MAXB]; /* the events        */
    dbk_wr_t *buf[S_MAXB];  /* their payloads    */
} s_batch_t;

static inline void s_batch (s_batch_t *b, size_t n, const char *type, const char *note)
{
    cr_assert (n <= S_MAXB);
    memset (b, 0, sizeof *b);
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        b->buf[i] = dbk_wr_new ();
        tl_event (&b->ev[i], type, i, note, b->buf[i]);
    }
}

static inline void s_batch_free (s_batch_t *b)
{
    for (size_t i = 0; i < S_MAXB; i++)
        dbk_wr_destroy (&b->buf[i]);
    b->n = 0;
}

static inline void s_start (tl_log_t *log, const char *const *env)
{
    cr_assert_eq (tl_log_start (log, false, env), 0, "the eventlog did not start");
}

static inline dbk_client_t *s_client (const tl_log_t *log)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, S_TIMEOUT_MS);
    cr_assert_not_null (c);
    return c;
}

static inline void s_append_ok (dbk_client_t *c, const char *stream, int64_t expect,
                                const s_batch_t *b, uint64_t *fs, uint64_t *ls, uint64_t *lv)
{
    int rc = dbk_client_append (c, stream, expect, b->ev, b->n, fs, ls, lv);
    cr_assert_eq (rc, 0, "append to %s refused: %s (%s)", stream, dbk_strerror (rc),
                  dbk_client_errmsg (c));
}

/*  Append n events of `type` to `stream` with expect any. */
static inline void s_append_n (dbk_client_t *c, const char *stream, size_t n, const char *type)
{
    s_batch_t b;
    s_batch (&b, n, type, stream);
    s_append_ok (c, stream, DBK_EXPECT_ANY, &b, NULL, NULL, NULL);
    s_batch_free (&b);
}

static inline uint64_t s_head (dbk_client_t *c)
{
    int64_t h = tl_head (c);
    cr_assert_geq (h, 0, "STATUS failed");
    return (uint64_t) h;
}

static inline uint64_t s_u64 (const dbk_obj_t *o, const char *key)
{
    uint64_t v = 0;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (o, key), &v), 0, "reply has no integer %s", key);
    return v;
}

static inline bool s_bool (const dbk_obj_t *o, const char *key)
{
    bool v = false;
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (o, key), &v), 0, "reply has no bool %s", key);
    return v;
}

/*  Copy a str field of a reply (for messages). */
static inline const char *s_str (const dbk_obj_t *o, const char *key, char *out, size_t outsz)
{
    const char *s;
    size_t n;
    if (dbk_obj_str (dbk_obj_get (o, key), &s, &n)) {
        snprintf (out, outsz, "(none)");
        return out;
    }
    snprintf (out, outsz, "%.*s", (int) n, s);
    return out;
}

/*  Events of one stream from version 1 (count, and checks versions
    are 1..count in order). */
static inline size_t s_stream_len (dbk_client_t *c, const char *stream)
{
    dbk_read_t rq = {.from = 1, .stream = stream, .limit = 10000};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    int rc = dbk_client_read (c, &rq, &reply, &page);
    cr_assert_eq (rc, 0, "READ of %s: %s", stream, dbk_strerror (rc));
    for (size_t i = 0; i < page.count; i++) {
        dbk_event_t ev;
        cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
        cr_assert_eq (ev.ver, i + 1, "%s: version %llu at position %zu", stream,
                      (unsigned long long) ev.ver, i);
        cr_assert (ev.stream_len == strlen (stream) && !memcmp (ev.stream, stream, ev.stream_len));
    }
    size_t n = page.count;
    dbk_doc_destroy (&reply);
    return n;
}

static inline void s_wr_expect (dbk_wr_t *w, int64_t expect)
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

/*  One stream's part of a hand-built APPEND. */
typedef struct {
    const char *stream; /* stream name       */
    int64_t expect;     /* expected version  */
    const s_batch_t *b; /* its events        */
} s_part_t;

/*  APPEND {"streams": [{stream, expect, events}, ...]} built by hand. */
static inline int s_append_multi (dbk_client_t *c, const s_part_t *parts, size_t np,
                                  dbk_doc_t **reply)
{
    dbk_wr_t *w = dbk_client_begin (c, "APPEND", 1);
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, (uint32_t) np);
    for (size_t i = 0; i < np; i++) {
        dbk_wr_map (w, 3);
        dbk_wr_kv_cstr (w, "stream", parts[i].stream);
        dbk_wr_cstr (w, "expect");
        s_wr_expect (w, parts[i].expect);
        dbk_wr_cstr (w, "events");
        dbk_wr_array (w, (uint32_t) parts[i].b->n);
        for (size_t j = 0; j < parts[i].b->n; j++)
            dbk_event_write_proposed (w, &parts[i].b->ev[j]);
    }
    return dbk_client_call (c, reply);
}

/*  Is `id` stored anywhere in the log? (reads everything) */
static inline size_t s_count_id (dbk_client_t *c, const uint8_t *id)
{
    tl_rec_t *recs;
    long n = tl_read_all (c, &recs);
    cr_assert_geq (n, 0, "READ failed");
    size_t hits = 0;
    for (long i = 0; i < n; i++)
        hits += memcmp (recs[i].id, id, DBK_ID_SIZE) == 0;
    tl_recs_free (&recs, (size_t) n);
    return hits;
}

/*  Send one raw frame on a fresh DEALER and return the parsed answer
    (the caller's); fails the test if none arrives. */
static inline dbk_doc_t *s_raw_call (const char *endpoint, const void *frame, size_t len)
{
    zsock_t *s = zsock_new (ZMQ_DEALER);
    cr_assert_not_null (s);
    zsock_set_linger (s, 0);
    zsock_set_rcvtimeo (s, S_TIMEOUT_MS);
    cr_assert_eq (zsock_connect (s, "%s", endpoint), 0);
    zframe_t *f = zframe_new (frame, len);
    cr_assert_eq (zframe_send (&f, s, 0), 0);
    zmsg_t *m = zmsg_recv (s);
    cr_assert_not_null (m, "no answer to a %zu-byte frame", len);
    zframe_t *body = zmsg_last (m);
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (zframe_data (body), zframe_size (body), &doc), 0,
                  "the answer is not msgpack");
    zmsg_destroy (&m);
    zsock_destroy (&s);
    return doc;
}

/*  Assert an ERROR reply with this code and field (NULL: no field). */
static inline void s_assert_error (const dbk_doc_t *doc, const char *code, const char *field,
                                   const char *what)
{
    const dbk_obj_t *r = dbk_doc_root (doc);
    char got[200], msg[300], gfield[100];
    cr_assert_eq (s_bool (r, "ok"), false, "%s: answered ok", what);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "code"), code), "%s: code %s, want %s (%s)", what,
               s_str (r, "code", got, sizeof got), code, s_str (r, "msg", msg, sizeof msg));
    cr_assert_eq (dbk_obj_type (dbk_obj_get (r, "msg")), DBK_T_STR, "%s: no msg", what);
    if (field)
        cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "field"), field), "%s: field %s, want %s", what,
                   s_str (r, "field", gfield, sizeof gfield), field);
}

static inline void s_raw_expect_error (const char *endpoint, const void *frame, size_t len,
                                       const char *code, const char *field, const char *what)
{
    dbk_doc_t *doc = s_raw_call (endpoint, frame, len);
    s_assert_error (doc, code, field, what);
    dbk_doc_destroy (&doc);
}

/*  The log is alive, answers, and a normal append lands at head + 1. */
static inline void s_assert_still_serving (tl_log_t *log, uint64_t want_head)
{
    cr_assert (tl_alive (log->pid), "the eventlog died");
    dbk_client_t *c = s_client (log);
    cr_assert_eq (s_head (c), want_head, "something was written by a refused request");
    s_batch_t b;
    s_batch (&b, 1, "account.registered", "after");
    uint64_t fs;
    s_append_ok (c, "account-after", DBK_EXPECT_ANY, &b, &fs, NULL, NULL);
    cr_assert_eq (fs, want_head + 1);
    s_batch_free (&b);
    dbk_client_destroy (&c);
}

#endif
