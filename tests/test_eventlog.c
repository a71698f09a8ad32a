/*  test_eventlog.c - the event log (DESIGN §4, §6) through its real
    process and sockets: expected versions, idempotent re-appends,
    multi-stream appends, concurrent appenders, restart, READ, PUB,
    BACKUP, and what it answers to malformed and oversized requests.

    Crashes, corruption on disk, map growth and a full disk are in
    test_eventlog_faults.c. Every wait is on an answer or a message, never
    a sleep.
*/
#include "support/testlib.h"

#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <czmq.h>
#include <pthread.h>

#define S_TIMEOUT_MS 10000 /* longest wait for any answer */
#define S_MAXB 64          /* events in one test batch    */

/*  ---- helpers ---- */

/*  n proposed events with fresh ids, each with its own payload buffer. */
typedef struct {
    size_t n;               /* events in use     */
    dbk_event_t ev[S_MAXB]; /* the events        */
    dbk_wr_t *buf[S_MAXB];  /* their payloads    */
} s_batch_t;

static void s_batch (s_batch_t *b, size_t n, const char *type, const char *note)
{
    cr_assert (n <= S_MAXB);
    memset (b, 0, sizeof *b);
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        b->buf[i] = dbk_wr_new ();
        tl_event (&b->ev[i], type, i, note, b->buf[i]);
    }
}

static void s_batch_free (s_batch_t *b)
{
    for (size_t i = 0; i < S_MAXB; i++)
        dbk_wr_destroy (&b->buf[i]);
    b->n = 0;
}

static void s_start (tl_log_t *log, const char *const *env)
{
    cr_assert_eq (tl_log_start (log, false, env), 0, "the eventlog did not start");
}

static dbk_client_t *s_client (const tl_log_t *log)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, S_TIMEOUT_MS);
    cr_assert_not_null (c);
    return c;
}

static void s_append_ok (dbk_client_t *c, const char *stream, int64_t expect, const s_batch_t *b,
                         uint64_t *fs, uint64_t *ls, uint64_t *lv)
{
    int rc = dbk_client_append (c, stream, expect, b->ev, b->n, fs, ls, lv);
    cr_assert_eq (rc, 0, "append to %s refused: %s (%s)", stream, dbk_strerror (rc),
                  dbk_client_errmsg (c));
}

/*  Append n events of `type` to `stream` with expect any. */
static void s_append_n (dbk_client_t *c, const char *stream, size_t n, const char *type)
{
    s_batch_t b;
    s_batch (&b, n, type, stream);
    s_append_ok (c, stream, DBK_EXPECT_ANY, &b, NULL, NULL, NULL);
    s_batch_free (&b);
}

static uint64_t s_head (dbk_client_t *c)
{
    int64_t h = tl_head (c);
    cr_assert_geq (h, 0, "STATUS failed");
    return (uint64_t) h;
}

static uint64_t s_u64 (const dbk_obj_t *o, const char *key)
{
    uint64_t v = 0;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (o, key), &v), 0, "reply has no integer %s", key);
    return v;
}

static bool s_bool (const dbk_obj_t *o, const char *key)
{
    bool v = false;
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (o, key), &v), 0, "reply has no bool %s", key);
    return v;
}

/*  Copy a str field of a reply (for messages). */
static const char *s_str (const dbk_obj_t *o, const char *key, char *out, size_t outsz)
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
static size_t s_stream_len (dbk_client_t *c, const char *stream)
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

static void s_wr_expect (dbk_wr_t *w, int64_t expect)
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
static int s_append_multi (dbk_client_t *c, const s_part_t *parts, size_t np, dbk_doc_t **reply)
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
static size_t s_count_id (dbk_client_t *c, const uint8_t *id)
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
static dbk_doc_t *s_raw_call (const char *endpoint, const void *frame, size_t len)
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
static void s_assert_error (const dbk_doc_t *doc, const char *code, const char *field,
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

static void s_raw_expect_error (const char *endpoint, const void *frame, size_t len,
                                const char *code, const char *field, const char *what)
{
    dbk_doc_t *doc = s_raw_call (endpoint, frame, len);
    s_assert_error (doc, code, field, what);
    dbk_doc_destroy (&doc);
}

/*  The log is alive, answers, and a normal append lands at head + 1. */
static void s_assert_still_serving (tl_log_t *log, uint64_t want_head)
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

/*  ---- 1. expected versions ---- */

Test (expect, append_with_expect_any_succeeds_on_new_and_existing_streams)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t b;
    uint64_t fs, ls, lv;
    s_batch (&b, 2, "account.registered", "a");
    s_append_ok (c, "account-1", DBK_EXPECT_ANY, &b, &fs, &ls, &lv);
    cr_assert (fs == 1 && ls == 2 && lv == 2);
    s_batch_free (&b);
    s_batch (&b, 3, "account.renamed", "b");
    s_append_ok (c, "account-1", DBK_EXPECT_ANY, &b, &fs, &ls, &lv);
    cr_assert (fs == 3 && ls == 5 && lv == 5, "fs %llu ls %llu lv %llu", (unsigned long long) fs,
               (unsigned long long) ls, (unsigned long long) lv);
    cr_assert_eq (s_stream_len (c, "account-1"), 5);
    s_batch_free (&b);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (expect, append_with_expect_none_creates_a_stream_and_is_rejected_once_it_exists)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t b;
    uint64_t fs, ls, lv;
    s_batch (&b, 2, "account.registered", "a");
    s_append_ok (c, "account-1", DBK_EXPECT_NONE, &b, &fs, &ls, &lv);
    cr_assert (fs == 1 && ls == 2 && lv == 2);
    s_batch_free (&b);
    s_batch (&b, 1, "account.registered", "again");
    lv = 99;
    int rc = dbk_client_append (c, "account-1", DBK_EXPECT_NONE, b.ev, 1, NULL, NULL, &lv);
    cr_assert_eq (rc, DBK_ECONFLICT, "got %s", dbk_strerror (rc));
    cr_assert_eq (lv, 2, "current version reported %llu", (unsigned long long) lv);
    cr_assert_eq (s_head (c), 2, "a refused append wrote something");
    cr_assert_eq (s_count_id (c, b.ev[0].id), 0);
    s_batch_free (&b);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (expect, append_with_exact_version_zero_behaves_as_none)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t b;
    uint64_t lv;
    s_batch (&b, 1, "account.registered", "a");
    s_append_ok (c, "account-1", 0, &b, NULL, NULL, &lv);
    cr_assert_eq (lv, 1);
    s_batch_free (&b);
    s_batch (&b, 1, "account.registered", "b");
    int rc = dbk_client_append (c, "account-1", 0, b.ev, 1, NULL, NULL, &lv);
    cr_assert_eq (rc, DBK_ECONFLICT, "got %s", dbk_strerror (rc));
    cr_assert_eq (lv, 1);
    cr_assert_eq (s_head (c), 1);
    s_batch_free (&b);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (expect, append_with_expect_exists_is_rejected_on_a_missing_stream)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t b;
    uint64_t lv = 99;
    s_batch (&b, 1, "account.renamed", "a");
    int rc = dbk_client_append (c, "account-1", DBK_EXPECT_EXISTS, b.ev, 1, NULL, NULL, &lv);
    cr_assert_eq (rc, DBK_ECONFLICT, "got %s", dbk_strerror (rc));
    cr_assert_eq (lv, 0, "current of a missing stream is 0, got %llu", (unsigned long long) lv);
    cr_assert_eq (s_head (c), 0);
    /*  once the stream exists, the same expectation passes */
    s_append_n (c, "account-1", 1, "account.registered");
    s_append_ok (c, "account-1", DBK_EXPECT_EXISTS, &b, NULL, NULL, &lv);
    cr_assert_eq (lv, 2);
    s_batch_free (&b);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (expect, append_with_the_current_exact_version_succeeds_and_advances_it)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "deal-x", 1, "opportunity.other"); /* shifts seqs off versions */
    uint64_t ver = 0;
    for (int round = 0; round < 5; round++) {
        s_batch_t b;
        uint64_t fs, ls, lv;
        s_batch (&b, (size_t) round + 1, "account.renamed", "r");
        s_append_ok (c, "account-1", (int64_t) ver, &b, &fs, &ls, &lv);
        cr_assert_eq (lv, ver + b.n, "version %llu after appending %zu at %llu",
                      (unsigned long long) lv, b.n, (unsigned long long) ver);
        cr_assert_eq (ls - fs + 1, b.n);
        ver = lv;
        s_batch_free (&b);
    }
    cr_assert_eq (s_stream_len (c, "account-1"), ver);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (expect, append_with_stale_expected_version_is_rejected)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-1", 3, "account.registered");
    s_batch_t b;
    s_batch (&b, 2, "account.renamed", "stale");
    uint64_t lv = 99;
    int rc = dbk_client_append (c, "account-1", 1, b.ev, b.n, NULL, NULL, &lv);
    cr_assert_eq (rc, DBK_ECONFLICT, "got %s", dbk_strerror (rc));
    cr_assert_eq (lv, 3);
    /*  ahead of the stream is just as wrong */
    rc = dbk_client_append (c, "account-1", 7, b.ev, b.n, NULL, NULL, &lv);
    cr_assert_eq (rc, DBK_ECONFLICT);
    cr_assert_eq (lv, 3);
    cr_assert_eq (s_head (c), 3);
    cr_assert_eq (s_stream_len (c, "account-1"), 3);

    /*  on the wire: WRONG_EXPECTED_VERSION, field "expect", current, stream */
    s_part_t p = {"account-1", 2, &b};
    dbk_doc_t *reply = NULL;
    rc = s_append_multi (c, &p, 1, &reply);
    cr_assert_eq (rc, DBK_ECONFLICT);
    cr_assert_not_null (reply);
    s_assert_error (reply, "WRONG_EXPECTED_VERSION", "expect", "stale append");
    const dbk_obj_t *r = dbk_doc_root (reply);
    cr_assert_eq (s_u64 (r, "current"), 3);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "stream"), "account-1"));
    dbk_doc_destroy (&reply);
    s_batch_free (&b);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  Racing clients that read a version and append with it: for every
    version exactly one wins, the others are told the new current. */
typedef struct {
    const char *ep;   /* log endpoint                  */
    int rounds;       /* successful appends wanted     */
    uint64_t won[64]; /* versions this client wrote    */
    int nwon;         /* how many                      */
    int conflicts;    /* WRONG_EXPECTED_VERSION seen   */
    char err[256];    /* first unexpected failure      */
} s_racer_t;

static void *s_racer (void *arg)
{
    s_racer_t *r = arg;
    dbk_client_t *c = dbk_client_new (r->ep, S_TIMEOUT_MS);
    dbk_wr_t *buf = dbk_wr_new ();
    uint64_t ver = 0;
    for (int tries = 0; r->nwon < r->rounds && tries < 10000; tries++) {
        dbk_event_t ev;
        tl_event (&ev, "quote.revised", (uint64_t) tries, "race", buf);
        uint64_t lv = 0;
        int rc = dbk_client_append (c, "quote-race", (int64_t) ver, &ev, 1, NULL, NULL, &lv);
        if (rc == 0) {
            if (lv != ver + 1)
                snprintf (r->err, sizeof r->err, "expected %llu, got version %llu",
                          (unsigned long long) ver, (unsigned long long) lv);
            r->won[r->nwon++] = lv;
            ver = lv;
        } else if (rc == DBK_ECONFLICT) {
            if (lv == ver)
                snprintf (r->err, sizeof r->err, "conflict at the current version %llu",
                          (unsigned long long) ver);
            r->conflicts++;
            ver = lv;
        } else {
            snprintf (r->err, sizeof r->err, "%s", dbk_strerror (rc));
            break;
        }
        if (r->err[0])
            break;
    }
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&c);
    return NULL;
}

Test (expect, racing_appends_with_the_same_exact_version_let_exactly_one_win)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log); /* initialises CZMQ before the threads */
    enum { N = 8, ROUNDS = 12 };
    s_racer_t r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        memset (&r[i], 0, sizeof r[i]);
        r[i].ep = log.log_ep;
        r[i].rounds = ROUNDS;
        cr_assert_eq (pthread_create (&th[i], NULL, s_racer, &r[i]), 0);
    }
    for (int i = 0; i < N; i++)
        pthread_join (th[i], NULL);
    bool seen[N * ROUNDS + 1] = {false};
    int conflicts = 0;
    for (int i = 0; i < N; i++) {
        cr_assert_eq (r[i].err[0], 0, "racer %d: %s", i, r[i].err);
        cr_assert_eq (r[i].nwon, ROUNDS);
        conflicts += r[i].conflicts;
        for (int k = 0; k < r[i].nwon; k++) {
            uint64_t v = r[i].won[k];
            cr_assert (v >= 1 && v <= N * ROUNDS, "version %llu", (unsigned long long) v);
            cr_assert (!seen[v], "version %llu acknowledged twice", (unsigned long long) v);
            seen[v] = true;
        }
    }
    cr_assert_gt (conflicts, 0, "the racers never collided: the test proves nothing");
    cr_assert_eq (s_stream_len (c, "quote-race"), N * ROUNDS);
    cr_assert_eq (s_head (c), N * ROUNDS);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 2. idempotent re-append ---- */

Test (idempotency, reappending_stored_event_ids_returns_the_original_positions_and_writes_nothing)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t b;
    s_batch (&b, 3, "account.registered", "once");
    uint64_t fs, ls, lv;
    s_append_ok (c, "account-1", DBK_EXPECT_NONE, &b, &fs, &ls, &lv);
    cr_assert (fs == 1 && ls == 3 && lv == 3);
    s_append_n (c, "account-2", 2, "account.registered");
    cr_assert_eq (s_head (c), 5);

    /*  the retry of a command: same ids, same (now stale) expectation */
    fs = ls = lv = 0;
    s_append_ok (c, "account-1", DBK_EXPECT_NONE, &b, &fs, &ls, &lv);
    cr_assert (fs == 1 && ls == 3 && lv == 3, "retry answered %llu..%llu v%llu",
               (unsigned long long) fs, (unsigned long long) ls, (unsigned long long) lv);
    /*  and with any other expectation too */
    s_append_ok (c, "account-1", DBK_EXPECT_ANY, &b, &fs, &ls, &lv);
    cr_assert (fs == 1 && ls == 3 && lv == 3);
    s_part_t p = {"account-1", 0, &b};
    dbk_doc_t *reply = NULL;
    cr_assert_eq (s_append_multi (c, &p, 1, &reply), 0);
    const dbk_obj_t *res = dbk_obj_at (dbk_obj_get (dbk_doc_root (reply), "results"), 0);
    cr_assert (s_bool (res, "duplicate"), "a re-append is flagged duplicate");
    cr_assert_eq (s_u64 (res, "first_ver"), 1);
    cr_assert_eq (s_u64 (dbk_doc_root (reply), "head"), 5);
    dbk_doc_destroy (&reply);

    cr_assert_eq (s_head (c), 5, "a re-append wrote something");
    cr_assert_eq (s_stream_len (c, "account-1"), 3);
    for (size_t i = 0; i < b.n; i++)
        cr_assert_eq (s_count_id (c, b.ev[i].id), 1);
    s_batch_free (&b);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (idempotency, a_batch_mixing_stored_and_new_ids_is_refused_with_id_conflict)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t stored, mixed;
    s_batch (&stored, 2, "account.registered", "stored");
    s_append_ok (c, "account-1", DBK_EXPECT_ANY, &stored, NULL, NULL, NULL);
    s_batch (&mixed, 2, "account.renamed", "new");
    mixed.ev[0] = stored.ev[1]; /* one stored id, one new */
    int rc = dbk_client_append (c, "account-1", DBK_EXPECT_ANY, mixed.ev, 2, NULL, NULL, NULL);
    cr_assert_eq (rc, DBK_EIDCONFLICT, "got %s", dbk_strerror (rc));
    s_part_t p = {"account-1", DBK_EXPECT_ANY, &mixed};
    dbk_doc_t *reply = NULL;
    s_append_multi (c, &p, 1, &reply);
    cr_assert_not_null (reply);
    s_assert_error (reply, "ID_CONFLICT", "id", "mixed batch");
    dbk_doc_destroy (&reply);
    cr_assert_eq (s_head (c), 2);
    cr_assert_eq (s_count_id (c, mixed.ev[1].id), 0, "the new id of a refused batch was stored");
    s_batch_free (&stored);
    s_batch_free (&mixed);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (idempotency, a_stored_event_id_appended_to_another_stream_is_refused)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t b;
    s_batch (&b, 2, "account.registered", "one");
    s_append_ok (c, "account-1", DBK_EXPECT_ANY, &b, NULL, NULL, NULL);
    int rc = dbk_client_append (c, "account-2", DBK_EXPECT_ANY, b.ev, b.n, NULL, NULL, NULL);
    cr_assert_eq (rc, DBK_EIDCONFLICT, "got %s", dbk_strerror (rc));
    cr_assert_eq (s_head (c), 2);
    cr_assert_eq (s_stream_len (c, "account-2"), 0);
    s_batch_free (&b);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (idempotency, an_event_id_repeated_inside_one_append_is_invalid)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_batch_t b, b2;
    s_batch (&b, 2, "account.registered", "twice");
    b.ev[1] = b.ev[0];
    s_part_t p = {"account-1", DBK_EXPECT_ANY, &b};
    dbk_doc_t *reply = NULL;
    cr_assert_eq (s_append_multi (c, &p, 1, &reply), DBK_EINVAL);
    s_assert_error (reply, "INVALID", "id", "same id twice in a batch");
    dbk_doc_destroy (&reply);
    /*  across two streams of one request as well */
    s_batch (&b2, 1, "account.registered", "other");
    b2.ev[0] = b.ev[0];
    s_batch_t one = b;
    one.n = 1;
    s_part_t pp[2] = {{"account-1", DBK_EXPECT_ANY, &one}, {"account-2", DBK_EXPECT_ANY, &b2}};
    cr_assert_eq (s_append_multi (c, pp, 2, &reply), DBK_EINVAL);
    s_assert_error (reply, "INVALID", "id", "same id in two streams of a request");
    dbk_doc_destroy (&reply);
    cr_assert_eq (s_head (c), 0);
    s_batch_free (&b);
    s_batch_free (&b2);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 3. multi-stream APPEND ---- */

Test (multistream, an_append_to_several_streams_lands_in_one_contiguous_block)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-y", 1, "account.registered");
    s_batch_t bx, by;
    s_batch (&bx, 2, "account.merged", "x");
    s_batch (&by, 3, "account.merged", "y");
    s_part_t parts[2] = {{"account-x", DBK_EXPECT_NONE, &bx}, {"account-y", 1, &by}};
    dbk_doc_t *reply = NULL;
    int rc = s_append_multi (c, parts, 2, &reply);
    cr_assert_eq (rc, 0, "%s (%s)", dbk_strerror (rc), dbk_client_errmsg (c));
    const dbk_obj_t *res = dbk_obj_get (dbk_doc_root (reply), "results");
    cr_assert_eq (dbk_obj_len (res), 2);
    const dbk_obj_t *rx = dbk_obj_at (res, 0), *ry = dbk_obj_at (res, 1);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (rx, "stream"), "account-x"));
    cr_assert (dbk_obj_str_eq (dbk_obj_get (ry, "stream"), "account-y"));
    cr_assert_eq (s_u64 (rx, "first_seq"), 2);
    cr_assert_eq (s_u64 (rx, "last_seq"), 3);
    cr_assert_eq (s_u64 (rx, "first_ver"), 1);
    cr_assert_eq (s_u64 (rx, "last_ver"), 2);
    cr_assert_eq (s_u64 (ry, "first_seq"), 4);
    cr_assert_eq (s_u64 (ry, "last_seq"), 6);
    cr_assert_eq (s_u64 (ry, "first_ver"), 2);
    cr_assert_eq (s_u64 (ry, "last_ver"), 4);
    cr_assert_eq (s_u64 (dbk_doc_root (reply), "head"), 6);
    dbk_doc_destroy (&reply);
    /*  the same request again is a duplicate with the same positions */
    cr_assert_eq (s_append_multi (c, parts, 2, &reply), 0);
    res = dbk_obj_get (dbk_doc_root (reply), "results");
    cr_assert (s_bool (dbk_obj_at (res, 0), "duplicate"));
    cr_assert (s_bool (dbk_obj_at (res, 1), "duplicate"));
    cr_assert_eq (s_u64 (dbk_obj_at (res, 1), "first_seq"), 4);
    dbk_doc_destroy (&reply);
    cr_assert_eq (s_head (c), 6);
    cr_assert_eq (s_stream_len (c, "account-x"), 2);
    cr_assert_eq (s_stream_len (c, "account-y"), 4);
    s_batch_free (&bx);
    s_batch_free (&by);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (multistream, one_failed_expectation_writes_nothing_to_any_stream)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-x", 1, "account.registered");
    s_append_n (c, "account-y", 2, "account.registered");
    s_batch_t bx, by, bz;
    s_batch (&bx, 2, "account.merged", "x");
    s_batch (&by, 1, "account.merged", "y");
    s_batch (&bz, 1, "account.registered", "z");
    /*  x and z would pass; y is at version 2, not 1 */
    s_part_t parts[3] = {{"account-x", 1, &bx}, {"account-y", 1, &by}, {"account-z", 0, &bz}};
    dbk_doc_t *reply = NULL;
    int rc = s_append_multi (c, parts, 3, &reply);
    cr_assert_eq (rc, DBK_ECONFLICT, "got %s", dbk_strerror (rc));
    s_assert_error (reply, "WRONG_EXPECTED_VERSION", "expect", "multi-stream conflict");
    cr_assert_eq (s_u64 (dbk_doc_root (reply), "current"), 2);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (dbk_doc_root (reply), "stream"), "account-y"));
    dbk_doc_destroy (&reply);
    cr_assert_eq (s_head (c), 3);
    cr_assert_eq (s_stream_len (c, "account-x"), 1);
    cr_assert_eq (s_stream_len (c, "account-y"), 2);
    cr_assert_eq (s_stream_len (c, "account-z"), 0);
    /*  the refused ids are not stored: appending them now is new, not a duplicate */
    uint64_t fs;
    s_append_ok (c, "account-x", 1, &bx, &fs, NULL, NULL);
    cr_assert_eq (fs, 4);
    /*  a stream named twice in one request is invalid */
    s_part_t twice[2] = {{"account-q", DBK_EXPECT_ANY, &by}, {"account-q", DBK_EXPECT_ANY, &bz}};
    cr_assert_eq (s_append_multi (c, twice, 2, &reply), DBK_EINVAL);
    s_assert_error (reply, "INVALID", "stream", "stream twice");
    dbk_doc_destroy (&reply);
    cr_assert_eq (s_head (c), 5);
    s_batch_free (&bx);
    s_batch_free (&by);
    s_batch_free (&bz);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 4. concurrent appenders ---- */

enum { S_WORKERS = 16, S_WORKER_APPENDS = 30 };

typedef struct {
    const char *ep;                                 /* log endpoint        */
    int idx;                                        /* worker number       */
    size_t n;                                       /* events acknowledged */
    uint8_t ids[S_WORKER_APPENDS * 3][DBK_ID_SIZE]; /* their ids           */
    uint64_t seqs[S_WORKER_APPENDS * 3];            /* seqs the acks gave  */
    char err[256];                                  /* first failure       */
} s_worker_t;

static void *s_worker (void *arg)
{
    s_worker_t *w = arg;
    dbk_client_t *c = dbk_client_new (w->ep, 30000);
    dbk_wr_t *bufs[3] = {dbk_wr_new (), dbk_wr_new (), dbk_wr_new ()};
    char own[40];
    snprintf (own, sizeof own, "conc-w%02d", w->idx);
    for (int k = 0; k < S_WORKER_APPENDS && !w->err[0]; k++) {
        size_t n = 1 + (size_t) ((k + w->idx) % 3);
        dbk_event_t evs[3];
        for (size_t i = 0; i < n; i++)
            tl_event (&evs[i], "conc.appended", (uint64_t) k, own, bufs[i]);
        const char *stream = k % 2 ? "conc-shared" : own;
        uint64_t fs = 0, ls = 0;
        int rc = dbk_client_append (c, stream, DBK_EXPECT_ANY, evs, n, &fs, &ls, NULL);
        if (rc) {
            snprintf (w->err, sizeof w->err, "append %d: %s (%s)", k, dbk_strerror (rc),
                      dbk_client_errmsg (c));
            break;
        }
        if (ls - fs + 1 != n)
            snprintf (w->err, sizeof w->err, "append %d of %zu events got %llu..%llu", k, n,
                      (unsigned long long) fs, (unsigned long long) ls);
        for (size_t i = 0; i < n; i++) {
            memcpy (w->ids[w->n], evs[i].id, DBK_ID_SIZE);
            w->seqs[w->n++] = fs + i;
        }
    }
    for (int i = 0; i < 3; i++)
        dbk_wr_destroy (&bufs[i]);
    dbk_client_destroy (&c);
    return NULL;
}

static int s_cmp_u64 (const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

Test (concurrency, sixteen_concurrent_appenders_get_gapless_unique_seqs_and_versions)
{
    tl_log_t log;
    /*  over tcp://127.0.0.1, the transport of a one-process-per-container
        deployment */
    cr_assert_eq (tl_log_start (&log, true, NULL), 0, "the eventlog did not start on tcp");
    dbk_client_t *c = s_client (&log);
    s_worker_t *w = calloc (S_WORKERS, sizeof *w);
    pthread_t th[S_WORKERS];
    for (int i = 0; i < S_WORKERS; i++) {
        w[i].ep = log.log_ep;
        w[i].idx = i;
        cr_assert_eq (pthread_create (&th[i], NULL, s_worker, &w[i]), 0);
    }
    for (int i = 0; i < S_WORKERS; i++)
        pthread_join (th[i], NULL);
    size_t total = 0;
    for (int i = 0; i < S_WORKERS; i++) {
        cr_assert_eq (w[i].err[0], 0, "worker %d: %s", i, w[i].err);
        total += w[i].n;
    }
    tl_rec_t *recs;
    long n = tl_read_all (c, &recs);
    cr_assert_eq (n, (long) total, "%ld events stored, %zu acknowledged", n, total);
    cr_assert_eq (s_head (c), total);
    /*  seqs 1..N in order, no gap, no duplicate */
    for (long i = 0; i < n; i++)
        cr_assert_eq (recs[i].seq, (uint64_t) i + 1, "position %ld holds seq %llu", i,
                      (unsigned long long) recs[i].seq);
    /*  every acknowledged event is at the seq its ack named, exactly once */
    uint64_t *acked = calloc (total, sizeof *acked);
    size_t k = 0;
    for (int i = 0; i < S_WORKERS; i++)
        for (size_t j = 0; j < w[i].n; j++) {
            uint64_t s = w[i].seqs[j];
            cr_assert (s >= 1 && s <= total);
            cr_assert (!memcmp (recs[s - 1].id, w[i].ids[j], DBK_ID_SIZE),
                       "seq %llu holds another event than its ack said", (unsigned long long) s);
            acked[k++] = s;
        }
    qsort (acked, total, sizeof *acked, s_cmp_u64);
    for (size_t i = 0; i < total; i++)
        cr_assert_eq (acked[i], i + 1, "seq %llu acknowledged twice or never",
                      (unsigned long long) (i + 1));
    /*  per-stream versions 1..k in seq order, ts never decreasing */
    zhash_t *vers = zhash_new ();
    for (long i = 0; i < n; i++) {
        uintptr_t v = (uintptr_t) zhash_lookup (vers, recs[i].stream);
        cr_assert_eq (recs[i].ver, v + 1, "%s: version %llu follows %llu", recs[i].stream,
                      (unsigned long long) recs[i].ver, (unsigned long long) v);
        zhash_update (vers, recs[i].stream, (void *) (v + 1));
        if (i > 0)
            cr_assert_geq (recs[i].ts, recs[i - 1].ts, "ts decreased at seq %ld", i + 1);
    }
    cr_assert_eq (zhash_size (vers), S_WORKERS + 1);
    zhash_destroy (&vers);
    cr_assert_eq (tl_verify (c, NULL), 1);
    free (acked);
    tl_recs_free (&recs, (size_t) n);
    free (w);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 5. restart ---- */

Test (restart, a_restarted_log_keeps_every_event_and_verifies)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    char stream[40];
    for (int i = 0; i < 12; i++) {
        snprintf (stream, sizeof stream, "account-%d", i % 4);
        s_append_n (c, stream, 1 + (size_t) i % 5, "account.noted");
    }
    tl_rec_t *before;
    long n = tl_read_all (c, &before);
    cr_assert_gt (n, 0);
    dbk_client_destroy (&c);

    tl_log_stop (&log);
    cr_assert_eq (tl_log_restart (&log, NULL), 0, "the log did not restart");
    c = s_client (&log);
    cr_assert_eq (s_head (c), (uint64_t) n);
    tl_rec_t *after;
    long m = tl_read_all (c, &after);
    cr_assert_eq (m, n);
    for (long i = 0; i < n; i++)
        cr_assert (after[i].rec_len == before[i].rec_len &&
                       !memcmp (after[i].rec, before[i].rec, before[i].rec_len),
                   "record %ld changed across the restart", i + 1);
    cr_assert_eq (tl_verify (c, NULL), 1);
    /*  the streams and the chain go on where they stopped */
    size_t len0 = s_stream_len (c, "account-0");
    s_batch_t b;
    s_batch (&b, 1, "account.noted", "after restart");
    uint64_t fs, lv;
    s_append_ok (c, "account-0", (int64_t) len0, &b, &fs, NULL, &lv);
    cr_assert_eq (fs, (uint64_t) n + 1);
    cr_assert_eq (lv, len0 + 1);
    cr_assert_eq (tl_verify (c, NULL), 1);
    s_batch_free (&b);
    tl_recs_free (&before, (size_t) n);
    tl_recs_free (&after, (size_t) m);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (verify, verify_on_an_empty_log_is_valid)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    dbk_client_begin (c, "VERIFY", 0);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    cr_assert (s_bool (dbk_doc_root (reply), "valid"));
    cr_assert_eq (s_u64 (dbk_doc_root (reply), "checked"), 0);
    dbk_doc_destroy (&reply);
    s_append_n (c, "account-1", 7, "account.noted");
    dbk_client_begin (c, "VERIFY", 0);
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    cr_assert (s_bool (dbk_doc_root (reply), "valid"));
    cr_assert_eq (s_u64 (dbk_doc_root (reply), "checked"), 7);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 11. READ ---- */

Test (read, reads_by_seq_come_in_pages_bounded_by_limit)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    char stream[40];
    for (int i = 0; i < 25; i++) {
        snprintf (stream, sizeof stream, "deal-%d", i % 3);
        s_append_n (c, stream, 1, "opportunity.noted");
    }
    uint64_t from = 1, next = 1;
    int pages = 0;
    while (true) {
        dbk_read_t rq = {.from = from, .limit = 10};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
        cr_assert_eq (page.head, 25);
        cr_assert_leq (page.count, 10);
        for (size_t i = 0; i < page.count; i++) {
            dbk_event_t ev;
            cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
            cr_assert_eq (ev.seq, next++);
        }
        size_t count = page.count;
        if (count)
            cr_assert_eq (page.last, next - 1, "last is the last seq returned");
        dbk_doc_destroy (&reply);
        if (count == 0)
            break;
        pages++;
        from = next;
    }
    cr_assert_eq (next, 26);
    cr_assert_eq (pages, 3);
    /*  past the head: an empty page that still tells the head */
    dbk_read_t rq = {.from = 1000};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.head, 25);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (read, a_filtered_read_stops_at_max_scan_and_tells_where_to_continue)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-1", 20, "account.noted");      /* seqs 1..20  */
    s_append_n (c, "deal-1", 5, "opportunity.registered"); /* seqs 21..25 */
    s_append_n (c, "account-2", 3, "account.other");       /* seqs 26..28 */
    uint64_t from = 1;
    dbk_read_t rq = {.from = from, .type_prefix = "opportunity.", .max_scan = 8};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    /*  nothing matches in the first 8 and 16: the answer still moves on */
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.last, 8);
    cr_assert_eq (page.head, 28);
    dbk_doc_destroy (&reply);
    rq.from = 9;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.last, 16);
    dbk_doc_destroy (&reply);
    rq.from = 17;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 4, "seqs 21..24 of 17..24 match");
    cr_assert_eq (page.last, 24);
    for (size_t i = 0; i < page.count; i++) {
        dbk_event_t ev;
        cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
        cr_assert_eq (ev.seq, 21 + i);
        cr_assert (ev.type_len == 22 && !memcmp (ev.type, "opportunity.registered", 22));
    }
    dbk_doc_destroy (&reply);
    /*  a limit stops the page before max_scan */
    dbk_read_t rq2 = {.from = 1, .type_prefix = "account.", .limit = 3};
    cr_assert_eq (dbk_client_read (c, &rq2, &reply, &page), 0);
    cr_assert_eq (page.count, 3);
    cr_assert_eq (page.last, 3);
    dbk_doc_destroy (&reply);
    /*  a prefix is a prefix of the type, not of the category only */
    dbk_read_t rq3 = {.from = 1, .type_prefix = "account.oth"};
    cr_assert_eq (dbk_client_read (c, &rq3, &reply, &page), 0);
    cr_assert_eq (page.count, 3);
    cr_assert_eq (page.last, 28);
    dbk_event_t ev;
    cr_assert_eq (dbk_page_event (&page, 0, &ev), 0);
    cr_assert_eq (ev.seq, 26);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (read, a_read_by_stream_starts_at_the_given_version)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    for (int i = 0; i < 10; i++) {
        s_append_n (c, "deal-a", 1, "opportunity.noted");
        s_append_n (c, "deal-ab", 1, "opportunity.noted"); /* shares a prefix with deal-a */
    }
    dbk_read_t rq = {.from = 4, .stream = "deal-a", .limit = 3};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 3);
    cr_assert_eq (page.head, 20);
    for (size_t i = 0; i < page.count; i++) {
        dbk_event_t ev;
        cr_assert_eq (dbk_page_event (&page, i, &ev), 0);
        cr_assert_eq (ev.ver, 4 + i);
        cr_assert_eq (ev.seq, 2 * (4 + i) - 1);
        cr_assert (ev.stream_len == 6 && !memcmp (ev.stream, "deal-a", 6));
    }
    cr_assert_eq (page.last, 11, "last is the seq of the last event returned");
    dbk_doc_destroy (&reply);
    /*  to the end of the stream, and never into deal-ab */
    rq.limit = 0;
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 7);
    dbk_doc_destroy (&reply);
    /*  a stream that does not exist reads as empty */
    dbk_read_t none = {.from = 1, .stream = "deal-zzz"};
    cr_assert_eq (dbk_client_read (c, &none, &reply, &page), 0);
    cr_assert_eq (page.count, 0);
    cr_assert_eq (page.head, 20);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (read, reads_with_invalid_arguments_are_refused_with_the_field_named)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    s_append_n (c, "account-1", 2, "account.noted");
    static const struct {
        const char *key;   /* argument                    */
        int kind;          /* 0 uint, 1 str               */
        uint64_t u;        /* value if uint               */
        const char *s;     /* value if str                */
        const char *field; /* field the error must name  */
    } cases[] = {
        {"from", 0, 0, NULL, "from"},
        {"limit", 0, 0, NULL, "limit"},
        {"limit", 0, 10001, NULL, "limit"},
        {"max_scan", 0, 0, NULL, "max_scan"},
        {"stream", 1, 0, "Not A Stream", "stream"},
        {"stream", 0, 42, NULL, "stream"},
        {"type", 0, 42, NULL, "type"},
        {"from", 1, 0, "one", "from"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbk_wr_t *w = dbk_client_begin (c, "READ", 1);
        if (cases[i].kind == 0)
            dbk_wr_kv_u64 (w, cases[i].key, cases[i].u);
        else
            dbk_wr_kv_cstr (w, cases[i].key, cases[i].s);
        dbk_doc_t *reply = NULL;
        cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL, "READ case %zu accepted", i);
        s_assert_error (reply, "INVALID", cases[i].field, cases[i].key);
        dbk_doc_destroy (&reply);
    }
    /*  a stream read takes no type filter */
    dbk_wr_t *w = dbk_client_begin (c, "READ", 2);
    dbk_wr_kv_cstr (w, "stream", "account-1");
    dbk_wr_kv_cstr (w, "type", "account.");
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL);
    s_assert_error (reply, "INVALID", "type", "stream + type");
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    s_assert_still_serving (&log, 2);
    tl_log_cleanup (&log);
}

/*  ---- 12. PUB ---- */

static zsock_t *s_sub (const char *endpoint, const char *const *prefixes)
{
    zsock_t *s = zsock_new (ZMQ_SUB);
    cr_assert_not_null (s);
    zsock_set_linger (s, 0);
    zsock_set_rcvtimeo (s, S_TIMEOUT_MS);
    for (const char *const *p = prefixes; *p; p++)
        zsock_set_subscribe (s, *p);
    cr_assert_eq (zsock_connect (s, "%s", endpoint), 0);
    return s;
}

/*  One PUB message: its topic (copied into topic) and its body. */
static zframe_t *s_sub_recv (zsock_t *s, char *topic, size_t topicsz)
{
    zmsg_t *m = zmsg_recv (s);
    cr_assert_not_null (m, "nothing published within %d ms", S_TIMEOUT_MS);
    cr_assert_eq (zmsg_size (m), 2, "a PUB message has two frames");
    zframe_t *t = zmsg_pop (m);
    zframe_t *body = zmsg_pop (m);
    size_t n = zframe_size (t) < topicsz - 1 ? zframe_size (t) : topicsz - 1;
    memcpy (topic, zframe_data (t), n);
    topic[n] = 0;
    zframe_destroy (&t);
    zmsg_destroy (&m);
    return body;
}

/*  Wait for a heartbeat: then the subscription is in place. Returns its
    head. */
static uint64_t s_sub_heartbeat (zsock_t *s)
{
    while (true) {
        char topic[128];
        zframe_t *body = s_sub_recv (s, topic, sizeof topic);
        bool hb = streq (topic, DBK_HEARTBEAT_TOPIC);
        uint64_t head = 0;
        if (hb) {
            dbk_doc_t *doc = NULL;
            cr_assert_eq (dbk_doc_parse (zframe_data (body), zframe_size (body), &doc), 0);
            const dbk_obj_t *r = dbk_doc_root (doc);
            head = s_u64 (r, "head");
            int64_t ts;
            cr_assert_eq (dbk_obj_i64 (dbk_obj_get (r, "ts"), &ts), 0, "heartbeat has a ts");
            int64_t now = dbk_now_ms ();
            cr_assert (ts > now - 60000 && ts < now + 60000, "heartbeat ts %lld far from now",
                       (long long) ts);
            dbk_doc_destroy (&doc);
        }
        zframe_destroy (&body);
        if (hb)
            return head;
    }
}

static const char *const s_fast_hb[] = {"DEALBOOK_HEARTBEAT_MS=100", NULL};

Test (pub, every_committed_event_is_published_with_its_type_as_topic)
{
    tl_log_t log;
    s_start (&log, s_fast_hb);
    dbk_client_t *c = s_client (&log);
    const char *const all[] = {"", NULL};
    zsock_t *sub = s_sub (log.pub_ep, all);
    s_sub_heartbeat (sub);
    uint64_t next = 1;
    for (int k = 0; k < 10; k++) {
        s_batch_t b;
        s_batch (&b, 1 + (size_t) k % 3, k % 2 ? "opportunity.noted" : "account.noted", "pub");
        uint64_t fs, ls;
        s_append_ok (c, k % 2 ? "deal-1" : "account-1", DBK_EXPECT_ANY, &b, &fs, &ls, NULL);
        cr_assert_eq (fs, next);
        for (size_t i = 0; i < b.n;) {
            char topic[128];
            zframe_t *body = s_sub_recv (sub, topic, sizeof topic);
            if (streq (topic, DBK_HEARTBEAT_TOPIC)) {
                zframe_destroy (&body);
                continue;
            }
            dbk_event_t ev;
            cr_assert_eq (dbk_event_decode_record (zframe_data (body), zframe_size (body), &ev), 0,
                          "the PUB body is a stored record");
            cr_assert_eq (ev.seq, next, "published seq %llu, want %llu",
                          (unsigned long long) ev.seq, (unsigned long long) next);
            cr_assert (!memcmp (ev.id, b.ev[i].id, DBK_ID_SIZE));
            cr_assert (strlen (topic) == ev.type_len && !memcmp (topic, ev.type, ev.type_len),
                       "topic %s is the type", topic);
            cr_assert_eq (dbk_event_check_record (zframe_data (body), zframe_size (body), ev.prev),
                          0);
            zframe_destroy (&body);
            next++;
            i++;
        }
        s_batch_free (&b);
    }
    /*  a refused append publishes nothing: the next message is a heartbeat
        with the same head, or the next good event */
    s_batch_t bad;
    s_batch (&bad, 1, "account.noted", "refused");
    cr_assert_eq (dbk_client_append (c, "account-1", 0, bad.ev, 1, NULL, NULL, NULL),
                  DBK_ECONFLICT);
    s_append_n (c, "account-9", 1, "account.last");
    while (true) {
        char topic[128];
        zframe_t *body = s_sub_recv (sub, topic, sizeof topic);
        bool hb = streq (topic, DBK_HEARTBEAT_TOPIC);
        if (!hb) {
            dbk_event_t ev;
            cr_assert_eq (dbk_event_decode_record (zframe_data (body), zframe_size (body), &ev), 0);
            cr_assert_eq (ev.seq, next, "seq %llu published after a refused append",
                          (unsigned long long) ev.seq);
            cr_assert (streq (topic, "account.last"));
        }
        zframe_destroy (&body);
        if (!hb)
            break;
    }
    s_batch_free (&bad);
    zsock_destroy (&sub);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (pub, heartbeats_carry_the_head_and_come_often)
{
    tl_log_t log;
    s_start (&log, s_fast_hb);
    dbk_client_t *c = s_client (&log);
    const char *const hb[] = {DBK_HEARTBEAT_TOPIC, NULL};
    zsock_t *sub = s_sub (log.pub_ep, hb);
    cr_assert_eq (s_sub_heartbeat (sub), 0);
    s_append_n (c, "account-1", 3, "account.noted");
    /*  a heartbeat sent after the commit tells head 3 */
    uint64_t head = 0;
    for (int i = 0; i < 50 && head != 3; i++)
        head = s_sub_heartbeat (sub);
    cr_assert_eq (head, 3);
    /*  with a 100 ms period, consecutive heartbeats are well within 1 s */
    int64_t t0 = zclock_mono ();
    for (int i = 0; i < 3; i++) {
        s_sub_heartbeat (sub);
        int64_t t1 = zclock_mono ();
        cr_assert_lt (t1 - t0, 1000, "%lld ms between heartbeats", (long long) (t1 - t0));
        t0 = t1;
    }
    zsock_destroy (&sub);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (pub, a_prefix_subscriber_receives_only_its_types)
{
    tl_log_t log;
    s_start (&log, s_fast_hb);
    dbk_client_t *c = s_client (&log);
    const char *const prefixes[] = {"opportunity.", DBK_HEARTBEAT_TOPIC, NULL};
    zsock_t *sub = s_sub (log.pub_ep, prefixes);
    s_sub_heartbeat (sub);
    for (int i = 0; i < 12; i++)
        s_append_n (c, i % 3 ? "account-1" : "deal-1", 1,
                    i % 3 ? "account.noted" : "opportunity.noted");
    s_append_n (c, "deal-1", 1, "opportunity.last"); /* seq 13, published last */
    uint64_t got[8];
    int n = 0;
    while (n < 5) {
        char topic[128];
        zframe_t *body = s_sub_recv (sub, topic, sizeof topic);
        if (!streq (topic, DBK_HEARTBEAT_TOPIC)) {
            cr_assert (!strncmp (topic, "opportunity.", 12), "received a %s event", topic);
            dbk_event_t ev;
            cr_assert_eq (dbk_event_decode_record (zframe_data (body), zframe_size (body), &ev), 0);
            got[n++] = ev.seq;
        }
        zframe_destroy (&body);
    }
    /*  opportunity events at seqs 1, 4, 7, 10 and 13, in order */
    for (int i = 0; i < 5; i++)
        cr_assert_eq (got[i], (uint64_t) (1 + 3 * i));
    zsock_destroy (&sub);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 13. BACKUP ---- */

typedef struct {
    const char *ep;     /* log endpoint                    */
    pthread_mutex_t mu; /* guards the fields below         */
    pthread_cond_t cv;  /* signalled at each ack           */
    int acked;          /* appends acknowledged            */
    bool stop;          /* the test is done with the load  */
    char err[256];      /* first failure                   */
} s_load_t;

static void *s_load (void *arg)
{
    s_load_t *l = arg;
    dbk_client_t *c = dbk_client_new (l->ep, S_TIMEOUT_MS);
    dbk_wr_t *buf = dbk_wr_new ();
    for (int k = 0;; k++) {
        pthread_mutex_lock (&l->mu);
        bool stop = l->stop;
        pthread_mutex_unlock (&l->mu);
        if (stop)
            break;
        dbk_event_t ev;
        tl_event (&ev, "account.noted", (uint64_t) k, "backup load", buf);
        char stream[32];
        snprintf (stream, sizeof stream, "account-%d", k % 7);
        int rc = dbk_client_append (c, stream, DBK_EXPECT_ANY, &ev, 1, NULL, NULL, NULL);
        pthread_mutex_lock (&l->mu);
        if (rc) {
            snprintf (l->err, sizeof l->err, "%s", dbk_strerror (rc));
            l->stop = true;
        } else
            l->acked++;
        pthread_cond_broadcast (&l->cv);
        pthread_mutex_unlock (&l->mu);
    }
    dbk_wr_destroy (&buf);
    dbk_client_destroy (&c);
    return NULL;
}

static dbk_doc_t *s_backup (dbk_client_t *c, const char *path, int *rc)
{
    dbk_wr_t *w = dbk_client_begin (c, "BACKUP", 1);
    dbk_wr_kv_cstr (w, "path", path);
    dbk_doc_t *reply = NULL;
    *rc = dbk_client_call (c, &reply);
    cr_assert_not_null (reply, "no answer to BACKUP: %s", dbk_client_errmsg (c));
    return reply;
}

Test (backup, a_backup_taken_during_appends_opens_and_verifies)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = dbk_client_new (log.log_ep, 60000);
    s_load_t load = {.ep = log.log_ep};
    pthread_mutex_init (&load.mu, NULL);
    pthread_cond_init (&load.cv, NULL);
    pthread_t th;
    cr_assert_eq (pthread_create (&th, NULL, s_load, &load), 0);
    pthread_mutex_lock (&load.mu);
    while (load.acked < 200 && !load.stop)
        pthread_cond_wait (&load.cv, &load.mu);
    pthread_mutex_unlock (&load.mu);

    char *copy = tl_tmpdir ("backup");
    char path[600];
    snprintf (path, sizeof path, "%s/eventlog", copy);
    int rc;
    dbk_doc_t *reply = s_backup (c, path, &rc);
    cr_assert_eq (rc, 0, "BACKUP failed: %s", dbk_client_errmsg (c));
    cr_assert (s_bool (dbk_doc_root (reply), "valid"));
    uint64_t checked = s_u64 (dbk_doc_root (reply), "checked");
    dbk_doc_destroy (&reply);

    pthread_mutex_lock (&load.mu);
    load.stop = true;
    pthread_mutex_unlock (&load.mu);
    pthread_join (th, NULL);
    cr_assert_eq (load.err[0], 0, "appender: %s", load.err);
    cr_assert_geq (checked, 200);
    uint64_t head = s_head (c);
    cr_assert_leq (checked, head);

    /*  the copy is a log of its own: it starts, verifies, and holds the
        original's first `checked` records byte for byte */
    tl_log_t copylog;
    cr_assert_eq (tl_log_start_in (&copylog, copy, false, NULL), 0, "the copy does not open");
    dbk_client_t *cc = s_client (&copylog);
    cr_assert_eq (s_head (cc), checked);
    cr_assert_eq (tl_verify (cc, NULL), 1);
    tl_rec_t *orig, *dup;
    long n = tl_read_all (c, &orig), m = tl_read_all (cc, &dup);
    cr_assert_eq (m, (long) checked);
    cr_assert_geq (n, m);
    for (long i = 0; i < m; i++)
        cr_assert (dup[i].rec_len == orig[i].rec_len &&
                       !memcmp (dup[i].rec, orig[i].rec, orig[i].rec_len),
                   "record %ld differs in the copy", i + 1);
    s_append_n (cc, "account-new", 1, "account.noted");
    cr_assert_eq (s_head (cc), checked + 1);
    cr_assert_eq (tl_verify (cc, NULL), 1);
    tl_recs_free (&orig, (size_t) n);
    tl_recs_free (&dup, (size_t) m);
    dbk_client_destroy (&cc);
    tl_log_cleanup (&copylog);
    free (copy);
    pthread_mutex_destroy (&load.mu);
    pthread_cond_destroy (&load.cv);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (backup, a_backup_into_a_directory_that_holds_a_copy_is_refused)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = dbk_client_new (log.log_ep, 30000);
    s_append_n (c, "account-1", 5, "account.noted");
    char *copy = tl_tmpdir ("backup");
    char path[600];
    snprintf (path, sizeof path, "%s/eventlog", copy);
    int rc;
    dbk_doc_t *reply = s_backup (c, path, &rc);
    cr_assert_eq (rc, 0, "first BACKUP failed: %s", dbk_client_errmsg (c));
    dbk_doc_destroy (&reply);
    s_append_n (c, "account-1", 2, "account.noted");
    reply = s_backup (c, path, &rc);
    cr_assert_neq (rc, 0, "a second BACKUP over a copy was accepted");
    s_assert_error (reply, "INVALID", "path", "backup over a copy");
    dbk_doc_destroy (&reply);
    /*  no path at all */
    dbk_client_begin (c, "BACKUP", 0);
    cr_assert_eq (dbk_client_call (c, &reply), DBK_EINVAL);
    s_assert_error (reply, "INVALID", "path", "backup without path");
    dbk_doc_destroy (&reply);
    /*  the first copy is untouched: 5 events, valid */
    tl_log_t copylog;
    cr_assert_eq (tl_log_start_in (&copylog, copy, false, NULL), 0);
    dbk_client_t *cc = s_client (&copylog);
    cr_assert_eq (s_head (cc), 5);
    cr_assert_eq (tl_verify (cc, NULL), 1);
    dbk_client_destroy (&cc);
    tl_log_cleanup (&copylog);
    free (copy);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 10. malformed and oversized requests ---- */

Test (malformed, frames_that_are_not_one_msgpack_map_get_malformed)
{
    tl_log_t log;
    s_start (&log, NULL);
    static const struct {
        const char *what;  /* the case            */
        const char *bytes; /* the frame          */
        size_t len;        /* its length          */
    } cases[] = {
        {"garbage", "\xc1\xc1 this is not msgpack", 22},
        {"plain text", "hello, log", 10},
        {"truncated map", "\x83\xa1v\x01\xa2op", 7},
        {"map announcing 0xdddddddd entries", "\xdf\xdd\xdd\xdd\xdd", 5},
        {"array announcing 0xdddddddd entries", "\xdd\xdd\xdd\xdd\xdd", 5},
        {"str announcing 4 GB",
         "\xdb\xff\xff\xff\xf0"
         "abc",
         8},
        {"trailing bytes", "\x81\xa2op\xa4PING\xc0", 10},
        {"root is an array", "\x92\x01\x02", 3},
        {"invalid UTF-8 key", "\x81\xa2\xff\xfe\x01", 5},
        {"ext type", "\x81\xa2op\xd4\x01\x02", 7},
        {"empty frame", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_raw_expect_error (log.log_ep, cases[i].bytes, cases[i].len, "MALFORMED", NULL,
                            cases[i].what);
    s_assert_still_serving (&log, 0);
    tl_log_cleanup (&log);
}

Test (malformed, too_deep_or_too_large_frames_get_too_large)
{
    tl_log_t log;
    s_start (&log, NULL);
    /*  {"v":1,"op":"PING","x":[[[...nil...]]]} nested 100 deep */
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_request_begin (w, 1, "PING", 1);
    dbk_wr_cstr (w, "x");
    for (int i = 0; i < 100; i++)
        dbk_wr_array (w, 1);
    dbk_wr_nil (w);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "TOO_LARGE", NULL,
                        "depth 100");
    /*  a bare array nested 100 deep */
    uint8_t deep[101];
    memset (deep, 0x91, 100);
    deep[100] = 0xc0;
    s_raw_expect_error (log.log_ep, deep, sizeof deep, "TOO_LARGE", NULL, "bare depth 100");
    /*  a frame over 8 MiB: a well-formed APPEND carrying a big bin */
    dbk_wr_reset (w);
    dbk_proto_request_begin (w, 2, "APPEND", 1);
    dbk_wr_cstr (w, "pad");
    size_t big = DBK_FRAME_MAX + 1;
    uint8_t *blob = calloc (1, big);
    dbk_wr_bin (w, blob, big);
    free (blob);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "TOO_LARGE", NULL,
                        "frame over 8 MiB");
    dbk_wr_destroy (&w);
    s_assert_still_serving (&log, 0);
    /*  and the refusals are counted */
    dbk_client_t *c = s_client (&log);
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    cr_assert_geq (s_u64 (dbk_obj_get (dbk_doc_root (reply), "counters"), "malformed"), 3);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

Test (malformed, requests_without_op_with_an_unknown_op_or_another_version_are_refused)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_wr_t *w = dbk_wr_new ();
    /*  no op */
    dbk_wr_map (w, 2);
    dbk_wr_kv_u64 (w, "v", 1);
    dbk_wr_kv_u64 (w, "rid", 77);
    dbk_doc_t *doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    s_assert_error (doc, "INVALID", "op", "no op");
    cr_assert_eq (s_u64 (dbk_doc_root (doc), "rid"), 77, "the rid is echoed");
    dbk_doc_destroy (&doc);
    /*  op not a string */
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_u64 (w, "v", 1);
    dbk_wr_kv_u64 (w, "op", 5);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "INVALID", "op",
                        "op not a string");
    /*  unknown op */
    dbk_proto_request_begin (w, 78, "FROBNICATE", 0);
    doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    s_assert_error (doc, "UNKNOWN_OP", "op", "unknown op");
    cr_assert_eq (s_u64 (dbk_doc_root (doc), "rid"), 78);
    dbk_doc_destroy (&doc);
    /*  a lowercase verb is another verb */
    dbk_proto_request_begin (w, 79, "append", 0);
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "UNKNOWN_OP", "op",
                        "lowercase op");
    /*  wrong protocol version, as a number and as a string */
    dbk_wr_reset (w);
    dbk_wr_map (w, 3);
    dbk_wr_kv_u64 (w, "v", 2);
    dbk_wr_kv_u64 (w, "rid", 80);
    dbk_wr_kv_cstr (w, "op", "PING");
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "UNSUPPORTED_VERSION", NULL,
                        "v 2");
    dbk_wr_reset (w);
    dbk_wr_map (w, 2);
    dbk_wr_kv_cstr (w, "v", "1");
    dbk_wr_kv_cstr (w, "op", "PING");
    s_raw_expect_error (log.log_ep, dbk_wr_data (w), dbk_wr_size (w), "UNSUPPORTED_VERSION", NULL,
                        "v \"1\"");
    /*  and a good PING still answers ok */
    dbk_proto_request_begin (w, 81, "PING", 0);
    doc = s_raw_call (log.log_ep, dbk_wr_data (w), dbk_wr_size (w));
    cr_assert (s_bool (dbk_doc_root (doc), "ok"));
    cr_assert_eq (s_u64 (dbk_doc_root (doc), "rid"), 81);
    dbk_doc_destroy (&doc);
    dbk_wr_destroy (&w);
    s_assert_still_serving (&log, 0);
    tl_log_cleanup (&log);
}

/*  An APPEND case: one stream with `nevents` events, each built from
    these settings (NULL / 0 = a good default). */
typedef struct {
    const char *what;   /* the case                                */
    const char *stream; /* stream name                             */
    const char *expect; /* expect as a string ("any" if NULL)      */
    int64_t expect_int; /* or as an integer, when expect is ""     */
    const char *type;   /* event type                              */
    int id_len;         /* 0: 16 bytes; -1: no id; else that many  */
    int data;           /* 0 map, 1 array, 2 str, 3 70000-byte map, 4 int keys, 5 none */
    int nevents;        /* 0: 1                                    */
    int extra;          /* 1: add "seq"; 2: drop actor; 3: actor "" */
    const char *code;   /* expected error code                     */
    const char *field;  /* expected field                          */
} s_bad_t;

static void s_wr_bad_event (dbk_wr_t *w, const s_bad_t *k)
{
    uint32_t n = 5 + (k->id_len >= 0) + (k->data != 5) + (k->extra == 1) - (k->extra == 2);
    dbk_wr_map (w, n);
    if (k->id_len >= 0) {
        uint8_t id[32];
        dbk_uuid_v7 (id);
        dbk_uuid_v7 (id + 16);
        dbk_wr_cstr (w, "id");
        dbk_wr_bin (w, id, k->id_len ? (size_t) k->id_len : 16);
    }
    dbk_wr_kv_cstr (w, "type", k->type ? k->type : "account.registered");
    if (k->extra != 2)
        dbk_wr_kv_cstr (w, "actor", k->extra == 3 ? "" : "test");
    dbk_wr_kv_u64 (w, "schema", 1);
    dbk_wr_kv_i64 (w, "at", 1700000000000);
    dbk_wr_cstr (w, "corr");
    dbk_wr_nil (w);
    if (k->extra == 1)
        dbk_wr_kv_u64 (w, "seq", 5);
    if (k->data == 5)
        return;
    dbk_wr_cstr (w, "data");
    switch (k->data) {
    case 0:
        dbk_wr_map (w, 1);
        dbk_wr_kv_cstr (w, "name", "ACME");
        break;
    case 1:
        dbk_wr_array (w, 1);
        dbk_wr_u64 (w, 1);
        break;
    case 2:
        dbk_wr_cstr (w, "not a map");
        break;
    case 3: {
        char *s = malloc (70000);
        memset (s, 'x', 70000);
        dbk_wr_map (w, 1);
        dbk_wr_cstr (w, "big");
        dbk_wr_str (w, s, 70000);
        free (s);
        break;
    }
    case 4:
        dbk_wr_map (w, 1);
        dbk_wr_u64 (w, 1);
        dbk_wr_u64 (w, 2);
        break;
    }
}

Test (malformed, appends_with_invalid_fields_are_refused_with_the_field_named)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    char long_stream[300], long_type[200];
    memset (long_stream, 'a', sizeof long_stream);
    memcpy (long_stream, "account-", 8);
    long_stream[DBK_STREAM_MAX + 1] = 0;
    memset (long_type, 'a', sizeof long_type);
    memcpy (long_type, "account.", 8);
    long_type[DBK_TYPE_MAX + 1] = 0;
    const s_bad_t cases[] = {
        {.what = "stream without dash", .stream = "account1", .code = "INVALID", .field = "stream"},
        {.what = "uppercase category", .stream = "Account-1", .code = "INVALID", .field = "stream"},
        {.what = "empty id", .stream = "account-", .code = "INVALID", .field = "stream"},
        {.what = "space in id", .stream = "account-a b", .code = "INVALID", .field = "stream"},
        {.what = "empty category", .stream = "-1", .code = "INVALID", .field = "stream"},
        {.what = "empty stream", .stream = "", .code = "INVALID", .field = "stream"},
        {.what = "stream too long", .stream = long_stream, .code = "TOO_LARGE", .field = "stream"},
        {.what = "uppercase type",
         .type = "Account.registered",
         .code = "INVALID",
         .field = "type"},
        {.what = "type without dot", .type = "account", .code = "INVALID", .field = "type"},
        {.what = "type ending in dot", .type = "account.", .code = "INVALID", .field = "type"},
        {.what = "type with double dot", .type = "account..x", .code = "INVALID", .field = "type"},
        {.what = "type with space", .type = "account.re named", .code = "INVALID", .field = "type"},
        {.what = "type too long", .type = long_type, .code = "TOO_LARGE", .field = "type"},
        {.what = "missing id", .id_len = -1, .code = "INVALID", .field = "id"},
        {.what = "id of 15 bytes", .id_len = 15, .code = "INVALID", .field = "id"},
        {.what = "id of 17 bytes", .id_len = 17, .code = "INVALID", .field = "id"},
        {.what = "data an array", .data = 1, .code = "INVALID", .field = "data"},
        {.what = "data a string", .data = 2, .code = "INVALID", .field = "data"},
        {.what = "data over 64 KiB", .data = 3, .code = "TOO_LARGE", .field = "data"},
        {.what = "data with int keys", .data = 4, .code = "INVALID", .field = "data"},
        {.what = "1001 events",
         .nevents = DBK_BATCH_MAX + 1,
         .code = "TOO_LARGE",
         .field = "events"},
        {.what = "expect bogus", .expect = "bogus", .code = "INVALID", .field = "expect"},
        {.what = "expect negative",
         .expect = "",
         .expect_int = -7,
         .code = "INVALID",
         .field = "expect"},
        {.what = "a key the log sets", .extra = 1, .code = "INVALID", .field = "event"},
        {.what = "missing actor", .extra = 2, .code = "INVALID", .field = "actor"},
        {.what = "empty actor", .extra = 3, .code = "INVALID", .field = "actor"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const s_bad_t *k = &cases[i];
        dbk_wr_t *w = dbk_client_begin (c, "APPEND", 1);
        dbk_wr_cstr (w, "streams");
        dbk_wr_array (w, 1);
        dbk_wr_map (w, 3);
        dbk_wr_kv_cstr (w, "stream", k->stream ? k->stream : "account-1");
        dbk_wr_cstr (w, "expect");
        if (k->expect && !*k->expect)
            dbk_wr_i64 (w, k->expect_int);
        else
            dbk_wr_cstr (w, k->expect ? k->expect : "any");
        dbk_wr_cstr (w, "events");
        int n = k->nevents ? k->nevents : 1;
        dbk_wr_array (w, (uint32_t) n);
        for (int j = 0; j < n; j++)
            s_wr_bad_event (w, k);
        dbk_doc_t *reply = NULL;
        int rc = dbk_client_call (c, &reply);
        cr_assert_not_null (reply, "%s: no answer (%s)", k->what, dbk_strerror (rc));
        s_assert_error (reply, k->code, k->field, k->what);
        dbk_doc_destroy (&reply);
    }
    /*  the shape of the request itself */
    static const char *const shapes[] = {
        "no streams",   "streams empty",  "streams not an array", "a stream entry not a map",
        "events empty", "events missing", "stream not a string"};
    static const char *const shape_field[] = {"streams", "streams", "streams", "events",
                                              "events",  "events",  "stream"};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        dbk_wr_t *w = dbk_client_begin (c, "APPEND", i == 0 ? 0 : 1);
        if (i == 1) {
            dbk_wr_cstr (w, "streams");
            dbk_wr_array (w, 0);
        } else if (i == 2) {
            dbk_wr_kv_cstr (w, "streams", "account-1");
        } else if (i == 3) {
            dbk_wr_cstr (w, "streams");
            dbk_wr_array (w, 1);
            dbk_wr_u64 (w, 3);
        } else if (i >= 4) {
            dbk_wr_cstr (w, "streams");
            dbk_wr_array (w, 1);
            dbk_wr_map (w, i == 5 ? 2 : 3);
            dbk_wr_cstr (w, "stream");
            if (i == 6)
                dbk_wr_u64 (w, 42);
            else
                dbk_wr_cstr (w, "account-1");
            dbk_wr_kv_cstr (w, "expect", "any");
            if (i != 5) {
                dbk_wr_cstr (w, "events");
                if (i == 4)
                    dbk_wr_array (w, 0);
                else {
                    s_bad_t good = {0};
                    dbk_wr_array (w, 1);
                    s_wr_bad_event (w, &good);
                }
            }
        }
        dbk_doc_t *reply = NULL;
        dbk_client_call (c, &reply);
        cr_assert_not_null (reply, "%s: no answer", shapes[i]);
        s_assert_error (reply, "INVALID", shape_field[i], shapes[i]);
        dbk_doc_destroy (&reply);
    }
    /*  the good default case is accepted: the builder is not the problem */
    s_bad_t good = {0};
    dbk_wr_t *w = dbk_client_begin (c, "APPEND", 1);
    dbk_wr_cstr (w, "streams");
    dbk_wr_array (w, 1);
    dbk_wr_map (w, 3);
    dbk_wr_kv_cstr (w, "stream", "account-1");
    dbk_wr_kv_cstr (w, "expect", "none");
    dbk_wr_cstr (w, "events");
    dbk_wr_array (w, 1);
    s_wr_bad_event (w, &good);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0, "the good case: %s", dbk_client_errmsg (c));
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    s_assert_still_serving (&log, 1);
    tl_log_cleanup (&log);
}
