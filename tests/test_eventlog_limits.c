/*  test_eventlog_limits.c - what a request may make the log hold, and
    the keys of an APPEND's stream entry (docs/protocol.md §6.5, §9.1).

    A msgpack body of empty arrays costs a server 24 bytes per byte once
    unpacked; a body's elements are bounded (DBK_FRAME_ITEMS_MAX), and the
    APPENDs waiting for a group commit are committed before their parsed
    requests hold more than 64 MiB. A stream entry is {stream, expect,
    events}: a misspelt "expect" is refused, never taken for "any". The
    real process and sockets; every wait is on an answer. */
#include "support/eventlog_given.h"
#include "support/testlib.h"

#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <czmq.h>
#include <stdio.h>
#include <string.h>

/*  An APPEND of one event to `stream`; its stream entry has `extra`
    after its three keys when not NULL (a str key, or an int key when
    extra is ""), and the body has `junk` empty arrays under a key of its
    own (0: none). */
static dbk_wr_t *s_append_body (uint64_t rid, const char *stream, const char *extra, uint32_t junk)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_request_begin (w, rid, "APPEND", junk ? 2 : 1);
    if (junk) {
        dbk_wr_cstr (w, "junk");
        dbk_wr_array (w, junk);
        for (uint32_t i = 0; i < junk; i++)
            dbk_wr_array (w, 0);
    }
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, 1);
    dbk_wr_map (w, extra ? 4 : 3);
    dbk_wr_kv_cstr (w, "stream", stream);
    dbk_wr_kv_cstr (w, "expect", "none");
    if (extra) {
        if (*extra)
            dbk_wr_cstr (w, extra);
        else
            dbk_wr_u64 (w, 5);
        dbk_wr_cstr (w, "none");
    }
    dbk_wr_cstr (w, "events");
    dbk_wr_array (w, 1);
    s_batch_t b;
    s_batch (&b, 1, "account.registered", "limits");
    dbk_event_write_proposed (w, &b.ev[0]);
    s_batch_free (&b);
    return w;
}

/*  An APPEND of one event to `stream` whose `data` is the raw map
    `data` and whose `at` is `at` (INT64_MIN: none). */
static dbk_wr_t *s_append_event (uint64_t rid, const char *stream, const uint8_t *data, size_t dlen,
                                 int64_t at)
{
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_request_begin (w, rid, "APPEND", 1);
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, 1);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "stream", stream);
    dbk_wr_kv_cstr (w, "expect", "any");
    dbk_wr_cstr (w, "events");
    dbk_wr_array (w, 1);
    s_batch_t b;
    s_batch (&b, 1, "memo.noted", "limits");
    b.ev[0].data_raw = data;
    b.ev[0].data_raw_len = dlen;
    b.ev[0].at = at;
    dbk_event_write_proposed (w, &b.ev[0]);
    s_batch_free (&b);
    return w;
}

/*  The peak resident memory of a process (VmHWM), in KiB. */
static long s_peak_kib (pid_t pid)
{
    char path[64], line[256];
    snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    FILE *f = fopen (path, "r");
    cr_assert_not_null (f);
    long kib = -1;
    while (fgets (line, sizeof line, f))
        if (sscanf (line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose (f);
    cr_assert_gt (kib, 0);
    return kib;
}

Test (limits, an_unknown_key_in_a_stream_entry_is_refused_not_ignored)
{
    tl_log_t log;
    s_start (&log, NULL);
    /*  Given a stream at version 1, an APPEND that expects none with the
        key misspelt would be written at version 2 if the key were
        ignored: it is refused, naming the key, and nothing is written */
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-lim", 1, "account.registered");
    dbk_client_destroy (&c);
    const char *cases[] = {"expcet", ""};
    for (size_t i = 0; i < 2; i++) {
        dbk_wr_t *w = s_append_body (7, "account-lim", cases[i], 0);
        dbk_doc_t *doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
        s_assert_error (doc, "INVALID", *cases[i] ? "streams" : NULL, "an entry's unknown key");
        char msg[300];
        s_str (dbk_doc_root (doc), "msg", msg, sizeof msg);
        cr_assert (strstr (msg, *cases[i] ? "unknown key \"expcet\"" : "not text"), "%s", msg);
        dbk_doc_destroy (&doc);
        dbk_wr_destroy (&w);
    }
    /*  the three keys alone: the expected version is checked */
    dbk_wr_t *w = s_append_body (8, "account-lim", NULL, 0);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "WRONG_EXPECTED_VERSION",
                        "expect", "expect none on a stream that exists");
    dbk_wr_destroy (&w);
    s_assert_still_serving (&log, 1);
    tl_log_cleanup (&log);
}

Test (limits, what_json_cannot_show_and_a_time_before_1970_are_refused)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "memo-lim", 1, "memo.noted");
    dbk_client_destroy (&c);
    /*  Given a log of one event, {"x": NaN} and {"x": [-inf]} in data (no
        JSON reader could show them: an export would stop there), and an
        `at` of -1 ms, are refused naming the field, and nothing is
        written */
    static const uint8_t nan[] = {0x81, 0xa1, 'x', 0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0};
    static const uint8_t ninf[] = {0x81, 0xa1, 'x', 0x91, 0xca, 0xff, 0x80, 0, 0};
    static const uint8_t fine[] = {0x81, 0xa1, 'x', 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
    struct {
        const uint8_t *data;
        size_t len;
        int64_t at;
        const char *field, *hint;
    } cases[] = {
        {nan, sizeof nan, INT64_MIN, "data", "numbers finite"},
        {ninf, sizeof ninf, INT64_MIN, "data", "numbers finite"},
        {fine, sizeof fine, -1, "at", "not before"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbk_wr_t *w = s_append_event (9 + i, "memo-lim", cases[i].data, cases[i].len, cases[i].at);
        dbk_doc_t *doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
        s_assert_error (doc, "INVALID", cases[i].field, cases[i].hint);
        char msg[300];
        s_str (dbk_doc_root (doc), "msg", msg, sizeof msg);
        cr_assert (strstr (msg, cases[i].hint), "%s", msg);
        dbk_doc_destroy (&doc);
        dbk_wr_destroy (&w);
    }
    s_assert_still_serving (&log, 1);
    /*  a finite float at 1970-01-01T00:00:00.000Z is stored */
    dbk_wr_t *w = s_append_event (20, "memo-lim", fine, sizeof fine, 0);
    dbk_doc_t *doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    bool ok = false;
    cr_assert (dbk_obj_bool (dbk_obj_get (dbk_doc_root (doc), "ok"), &ok) == 0 && ok);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    tl_log_cleanup (&log);
}

Test (limits, a_body_of_more_elements_than_the_limit_is_too_large)
{
    tl_log_t log;
    s_start (&log, NULL);
    /*  an APPEND body's map holds v, rid, op, junk and streams (10
        elements), the entry 6, the event's map and its payload more:
        count them with one junk array, the smallest bound it fits */
    dbk_wr_t *w = s_append_body (9, "account-lim", NULL, 1);
    dbk_doc_t *doc = NULL;
    uint64_t base = 0; /* the body's elements but its one junk array */
    while (dbk_doc_parse_max (dbk_wr_data (w), dbk_wr_size (w), base, &doc) == DBK_ETOOBIG)
        base++;
    cr_assert_not_null (doc);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    base--;
    cr_assert_gt (base, 10);
    uint32_t fits = (uint32_t) (DBK_FRAME_ITEMS_MAX - base);
    /*  one more element than the limit: TOO_LARGE before anything is
        unpacked; rid nil, as for a body too large in bytes */
    w = s_append_body (10, "account-lim", NULL, fits + 1);
    doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    s_assert_error (doc, "TOO_LARGE", NULL, "one element too many");
    cr_assert_eq (dbk_obj_type (dbk_obj_get (dbk_doc_root (doc), "rid")), DBK_T_NIL);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    /*  at the limit: appended (the log ignores the top-level key) */
    w = s_append_body (11, "account-lim", NULL, fits);
    doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    cr_assert (s_bool (dbk_doc_root (doc), "ok"), "a body at the limit was refused");
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    s_assert_still_serving (&log, 1);
    tl_log_cleanup (&log);
}

Test (limits, waiting_appends_are_committed_before_they_hold_too_much_memory, .timeout = 120)
{
    tl_log_t log;
    s_start (&log, NULL);
    /*  Given 16 APPENDs sent at once, each 2 MB of empty arrays beside
        its event (about 50 MB once unpacked)
        When the log takes them in
        Then it commits before the waiting ones hold more than 64 MiB, so
        its peak memory stays far below the 800 MB that holding all 16
        for one group commit would take; every one is answered ok */
    enum { N = 16, JUNK = 2000000 };
    zsock_t *d = zsock_new (ZMQ_DEALER);
    zsock_set_linger (d, 0);
    zsock_set_rcvtimeo (d, 60000);
    zsock_set_sndhwm (d, 0);
    cr_assert_eq (zsock_connect (d, "%s", log.log_ep), 0);
    long before = s_peak_kib (log.pid);
    /*  each its own stream, so that none conflicts with another */
    for (int i = 0; i < N; i++) {
        char stream[32];
        snprintf (stream, sizeof stream, "account-big%d", i);
        dbk_wr_t *wi = s_append_body ((uint64_t) i, stream, NULL, JUNK);
        zframe_t *f = zframe_new (dbk_wr_data (wi), dbk_wr_size (wi));
        cr_assert_eq (zframe_send (&f, d, 0), 0);
        dbk_wr_destroy (&wi);
    }
    for (int i = 0; i < N; i++) {
        zframe_t *f = zframe_recv (d);
        cr_assert_not_null (f, "append %d was not answered", i);
        dbk_doc_t *doc = NULL;
        cr_assert_eq (dbk_doc_parse (zframe_data (f), zframe_size (f), &doc), 0);
        cr_assert (s_bool (dbk_doc_root (doc), "ok"), "append %d refused", i);
        dbk_doc_destroy (&doc);
        zframe_destroy (&f);
    }
    zsock_destroy (&d);
    long peak = s_peak_kib (log.pid);
    cr_assert_lt (peak - before, 400 * 1024, "the log's peak memory grew by %ld MiB",
                  (peak - before) / 1024);
    s_assert_still_serving (&log, N);
    tl_log_cleanup (&log);
}
