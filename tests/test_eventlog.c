/*  test_eventlog.c - the event log (DESIGN §4, §6) through its real
    process and sockets: expected versions, idempotent re-appends,
    multi-stream appends, concurrent appenders, restart and VERIFY.

    READ, PUB, BACKUP and malformed or oversized requests are in
    test_eventlog_io.c; crashes, corruption on disk, map growth and a full
    disk in test_eventlog_faults.c. Every wait is on an answer or a
    message, never a sleep.
*/
#include "support/eventlog_given.h"
#include "support/testlib.h"

#include "eventlog_store.h"

#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <czmq.h>
#include <pthread.h>

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

/*  A str of a reply map, as a C string (the caller's buffer). */
static const char *s_text (const dbk_obj_t *o, const char *key, char *out, size_t outsz)
{
    const char *v;
    size_t n;
    cr_assert_eq (dbk_obj_str (dbk_obj_get (o, key), &v, &n), 0, "no str %s", key);
    cr_assert_lt (n, outsz);
    memcpy (out, v, n);
    out[n] = 0;
    return out;
}

Test (verify, the_head_hash_in_status_and_verify_is_the_hash_of_the_last_record_read)
{
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    char got[100];
    dbk_doc_t *reply = NULL;
    /*  an empty log has no head hash */
    dbk_client_begin (c, "STATUS", 0);
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    cr_assert_str_eq (s_text (dbk_doc_root (reply), "head_hash", got, sizeof got), "");
    dbk_doc_destroy (&reply);
    dbk_client_begin (c, "VERIFY", 0);
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    cr_assert_str_eq (s_text (dbk_doc_root (reply), "hash", got, sizeof got), "");
    dbk_doc_destroy (&reply);

    s_append_n (c, "account-1", 5, "account.noted");
    s_append_n (c, "account-2", 3, "account.noted");
    tl_rec_t *recs;
    long n = tl_read_all (c, &recs);
    cr_assert_eq (n, 8);
    dbk_event_t ev;
    cr_assert_eq (dbk_event_decode_record (recs[n - 1].rec, recs[n - 1].rec_len, &ev), 0);
    char want[2 * DBK_HASH_SIZE + 1];
    dbk_hex (ev.hash, DBK_HASH_SIZE, want);
    tl_recs_free (&recs, (size_t) n);
    /*  the index entries of these events still wait in memory: that is
        not a fault */
    dbk_client_begin (c, "STATUS", 0);
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    cr_assert_eq (s_u64 (dbk_doc_root (reply), "head"), 8);
    cr_assert_str_eq (s_text (dbk_doc_root (reply), "head_hash", got, sizeof got), want);
    dbk_doc_destroy (&reply);
    dbk_client_begin (c, "VERIFY", 0);
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    const dbk_obj_t *r = dbk_doc_root (reply);
    cr_assert (s_bool (r, "valid"), "%s", s_text (r, "reason", got, sizeof got));
    cr_assert_eq (s_u64 (r, "checked"), 8);
    cr_assert_str_eq (s_text (r, "hash", got, sizeof got), want);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  A log of n events written straight through the store into dir/eventlog,
    1000 to a transaction. */
static void s_store_fill (const char *dir, size_t n)
{
    char path[600];
    snprintf (path, sizeof path, "%s/eventlog", dir);
    cr_assert_eq (zsys_dir_create ("%s", path), 0);
    eventlog_store_t *st = NULL;
    cr_assert_eq (eventlog_store_open (&st, path, (uint64_t) 1 << 30, false, NULL, 0), 0);
    enum { PER = 1000 };
    static dbk_event_t evs[PER];
    dbk_wr_t *bufs[PER];
    for (size_t i = 0; i < PER; i++)
        cr_assert_not_null (bufs[i] = dbk_wr_new ());
    for (size_t done = 0; done < n; done += PER) {
        for (size_t i = 0; i < PER; i++) {
            dbk_wr_reset (bufs[i]);
            tl_event (&evs[i], "job.tested", done + i, "a record for the job to read", bufs[i]);
        }
        eventlog_batch_t b = {
            .stream = "job-1", .stream_len = 5, .expect = DBK_EXPECT_ANY, .events = evs, .n = PER};
        eventlog_pos_t pos;
        uint64_t current;
        size_t bad;
        cr_assert_eq (eventlog_store_begin (st), 0);
        cr_assert_eq (eventlog_store_append (st, &b, 1, &pos, &current, &bad), 0);
        cr_assert_eq (eventlog_store_commit (st), 0);
    }
    for (size_t i = 0; i < PER; i++)
        dbk_wr_destroy (&bufs[i]);
    eventlog_store_close (&st);
}

Test (verify, a_verify_running_when_the_log_stops_still_gets_its_answer, .timeout = 120)
{
    /*  a log long enough for VERIFY to be running when the log is told
        to stop: the job cannot be cut short, so it finishes and its
        request is answered with the result (every request gets exactly
        one answer), not dropped */
    char *dir = tl_tmpdir ("jobstop");
    s_store_fill (dir, 400000);
    tl_log_t log;
    cr_assert_eq (tl_log_start_in (&log, dir, false, NULL), 0);
    zsock_t *dealer = zsock_new_dealer (log.log_ep);
    cr_assert_not_null (dealer);
    zsock_set_rcvtimeo (dealer, 20000);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_request_begin (w, 77, "VERIFY", 0);
    cr_assert_eq (zmq_send (zsock_resolve (dealer), dbk_wr_data (w), dbk_wr_size (w), 0),
                  (int) dbk_wr_size (w));
    /*  stop it once STATUS shows the job */
    dbk_client_t *c = s_client (&log);
    bool running = false;
    for (int i = 0; i < 2000 && !running; i++) {
        dbk_client_begin (c, "STATUS", 0);
        dbk_doc_t *st = NULL;
        cr_assert_eq (dbk_client_call (c, &st), 0);
        running = dbk_obj_len (dbk_obj_get (dbk_doc_root (st), "jobs")) > 0;
        dbk_doc_destroy (&st);
    }
    cr_assert (running, "VERIFY never showed in STATUS");
    dbk_client_destroy (&c);
    kill (log.pid, SIGTERM);
    zmsg_t *m = zmsg_recv (dealer);
    cr_assert_not_null (m, "the VERIFY running at the stop got no answer");
    zframe_t *body = zmsg_last (m);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_doc_parse (zframe_data (body), zframe_size (body), &reply), 0);
    const dbk_obj_t *r = dbk_doc_root (reply);
    cr_assert (s_bool (r, "ok"));
    cr_assert_eq (s_u64 (r, "rid"), 77);
    cr_assert (s_bool (r, "valid"));
    cr_assert_eq (s_u64 (r, "checked"), 400000);
    dbk_doc_destroy (&reply);
    zmsg_destroy (&m);
    zsock_destroy (&dealer);
    dbk_wr_destroy (&w);
    tl_log_stop (&log);
    tl_log_cleanup (&log);
    free (dir);
}

Test (robustness, a_body_over_the_limit_is_answered_too_large_to_the_c_client)
{
    /*  the log cannot read the body, so its TOO_LARGE carries no rid: the
        client takes it as its request's answer (protocol.md §4.3) rather
        than waiting for one with the rid and reporting a timeout */
    tl_log_t log;
    s_start (&log, NULL);
    dbk_client_t *c = s_client (&log);
    size_t big = (size_t) 9 << 20;
    char *pad = calloc (1, big);
    cr_assert_not_null (pad);
    dbk_wr_t *w = dbk_client_begin (c, "PING", 1);
    dbk_wr_cstr (w, "pad");
    dbk_wr_bin (w, pad, big);
    dbk_doc_t *reply = NULL;
    int rc = dbk_client_call (c, &reply);
    cr_assert_eq (rc, DBK_ETOOBIG, "%s", dbk_strerror (rc));
    dbk_doc_destroy (&reply);
    dbk_client_begin (c, "PING", 0);
    cr_assert_eq (dbk_client_call (c, &reply), 0, "the client goes on");
    dbk_doc_destroy (&reply);
    free (pad);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}
