/*  test_eventlog_envelope.c - the frames before a request's body (its
    envelope: the ROUTER's identity, REQ's delimiter, a client's own
    frames) come back unchanged with the reply, up to the limit of
    docs/protocol.md §3; a larger envelope gets no reply, is counted as
    malformed, and the log serves on. The real process and sockets; every
    wait is on an answer. */
#include "support/eventlog_given.h"
#include "support/testlib.h"

#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <czmq.h>

/*  A PING body with this request id. */
static size_t s_ping (uint8_t *buf, size_t cap, uint64_t rid)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_request_begin (w, rid, "PING", 0);
    size_t n = dbk_wr_size (w);
    cr_assert_leq (n, cap);
    memcpy (buf, dbk_wr_data (w), n);
    dbk_wr_destroy (&w);
    return n;
}

/*  The rid of a reply body (asserting it is an ok reply). */
static uint64_t s_reply_rid (zframe_t *f)
{
    dbk_doc_t *doc = NULL;
    cr_assert_eq (dbk_doc_parse (zframe_data (f), zframe_size (f), &doc), 0);
    uint64_t rid = 0;
    const char *m;
    size_t ml;
    cr_assert_eq (dbk_proto_reply_status (dbk_doc_root (doc), &rid, &m, &ml), 0);
    dbk_doc_destroy (&doc);
    return rid;
}

Test (envelope, frames_before_the_body_come_back_unchanged_and_req_works)
{
    tl_log_t log;
    s_start (&log, NULL);
    uint8_t body[64];
    /*  REQ adds an empty delimiter, and needs it back */
    zsock_t *req = zsock_new_req (log.log_ep);
    cr_assert_not_null (req);
    zsock_set_rcvtimeo (req, S_TIMEOUT_MS);
    size_t n = s_ping (body, sizeof body, 7);
    cr_assert_eq (zsock_send (req, "b", body, n), 0);
    zframe_t *f = zframe_recv (req);
    cr_assert_not_null (f, "REQ got no reply");
    cr_assert_eq (s_reply_rid (f), 7);
    zframe_destroy (&f);
    zsock_destroy (&req);
    /*  a DEALER's own frames before the body: echoed in order, then the reply */
    zsock_t *d = zsock_new_dealer (log.log_ep);
    zsock_set_rcvtimeo (d, S_TIMEOUT_MS);
    n = s_ping (body, sizeof body, 8);
    static uint8_t big[900];
    memset (big, 'e', sizeof big);
    zmsg_t *m = zmsg_new ();
    zmsg_addstr (m, "first");
    zmsg_addmem (m, "", 0);
    zmsg_addmem (m, big, sizeof big);
    zmsg_addmem (m, body, n);
    cr_assert_eq (zmsg_send (&m, d), 0);
    m = zmsg_recv (d);
    cr_assert_not_null (m, "no reply to a request with 3 frames of envelope");
    cr_assert_eq (zmsg_size (m), 4);
    char *first = zmsg_popstr (m);
    cr_assert_str_eq (first, "first");
    free (first);
    f = zmsg_pop (m);
    cr_assert_eq (zframe_size (f), 0);
    zframe_destroy (&f);
    f = zmsg_pop (m);
    cr_assert (zframe_size (f) == sizeof big && memcmp (zframe_data (f), big, sizeof big) == 0);
    zframe_destroy (&f);
    f = zmsg_pop (m);
    cr_assert_eq (s_reply_rid (f), 8);
    zframe_destroy (&f);
    zmsg_destroy (&m);
    zsock_destroy (&d);
    tl_log_cleanup (&log);
}

Test (envelope, a_request_whose_envelope_is_too_large_gets_no_reply_and_the_log_serves_on)
{
    tl_log_t log;
    s_start (&log, NULL);
    zsock_t *d = zsock_new_dealer (log.log_ep);
    zsock_set_rcvtimeo (d, S_TIMEOUT_MS);
    uint8_t body[64];
    static uint8_t big[DBK_ENVELOPE_MAX];
    memset (big, 'e', sizeof big);
    /*  too many frames, then one frame too long: neither can be answered */
    for (int k = 0; k < 2; k++) {
        size_t n = s_ping (body, sizeof body, 100 + (uint64_t) k);
        zmsg_t *m = zmsg_new ();
        if (k == 0)
            for (int i = 0; i < DBK_ENVELOPE_FRAMES; i++) /* the ROUTER's id makes one more */
                zmsg_addstr (m, "x");
        else
            zmsg_addmem (m, big, DBK_ENVELOPE_MAX - 8);
        zmsg_addmem (m, body, n);
        cr_assert_eq (zmsg_send (&m, d), 0);
    }
    /*  the next request is answered, and its answer is the first to come */
    size_t n = s_ping (body, sizeof body, 200);
    cr_assert_eq (zsock_send (d, "b", body, n), 0);
    zframe_t *f = zframe_recv (d);
    cr_assert_not_null (f, "the log stopped answering");
    cr_assert_eq (s_reply_rid (f), 200, "a request with an oversized envelope was answered");
    zframe_destroy (&f);
    zsock_destroy (&d);
    /*  both counted, and nothing of them taken for a request of its own */
    dbk_client_t *c = s_client (&log);
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *st = NULL;
    cr_assert_eq (dbk_client_call (c, &st), 0);
    const dbk_obj_t *counters = dbk_obj_get (dbk_doc_root (st), "counters");
    cr_assert_eq (s_u64 (counters, "malformed"), 2);
    cr_assert_eq (s_u64 (counters, "rejected"), 0);
    dbk_doc_destroy (&st);
    dbk_client_destroy (&c);
    /*  the largest envelope that fits is answered */
    d = zsock_new (ZMQ_DEALER);
    zsock_set_identity (d, "abcde"); /* the ROUTER's frame: 5 bytes */
    cr_assert_eq (zsock_connect (d, "%s", log.log_ep), 0);
    zsock_set_rcvtimeo (d, S_TIMEOUT_MS);
    n = s_ping (body, sizeof body, 300);
    zmsg_t *m = zmsg_new ();
    for (int i = 0; i < DBK_ENVELOPE_FRAMES - 2; i++)
        zmsg_addstr (m, "x");
    /*  2 + 5 for the id, 14 x (2 + 1), 2 + rest: DBK_ENVELOPE_MAX bytes */
    size_t rest = DBK_ENVELOPE_MAX - (2 + 5) - (DBK_ENVELOPE_FRAMES - 2) * 3 - 2;
    zmsg_addmem (m, big, rest);
    zmsg_addmem (m, body, n);
    cr_assert_eq (zmsg_send (&m, d), 0);
    m = zmsg_recv (d);
    cr_assert_not_null (m, "no reply to the largest envelope that fits");
    cr_assert_eq (zmsg_size (m), DBK_ENVELOPE_FRAMES);
    f = zmsg_last (m);
    cr_assert_eq (s_reply_rid (f), 300);
    zmsg_destroy (&m);
    zsock_destroy (&d);
    s_assert_still_serving (&log, 0);
    tl_log_cleanup (&log);
}
