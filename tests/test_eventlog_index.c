/*  test_eventlog_index.c - the log's index entries that wait in memory
    (services/eventlog/eventlog_index.h) and their way into the index
    tables (eventlog_store.h): lookups, undo, the write by count, the
    re-index after a process that never closed its store, the upgrade of
    a format 1 log, a read by stream across both, and the refusal of an
    index that is ahead of its records. Then the index tables altered on
    disk: a read by stream that refuses a record its entry does not lead
    to, or a version without an entry, and VERIFY (index, heads, ids, ts
    going back, the head hash). The store runs on real LMDB in a
    temporary directory.
*/
#include "support/testlib.h"

#include "eventlog_index.h"
#include "eventlog_store.h"

#include "dealbook/dbk_codec.h"
#include "dealbook/dbk_error.h"
#include "dealbook/dbk_lmdb.h"

#include <criterion/criterion.h>
#include <czmq.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

/*  ---- the entries in memory ---- */

static void s_id (uint8_t id[DBK_ID_SIZE], uint32_t n)
{
    memset (id, 0, DBK_ID_SIZE);
    memcpy (id, &n, sizeof n);
    id[15] = 0x5a;
}

Test (index, lookups_see_every_entry_and_truncation_takes_back_the_later_ones)
{
    eventlog_index_t *x = eventlog_index_new ();
    cr_assert_not_null (x);
    /*  3 streams, interleaved; past the first table size (4096 slots) */
    enum { N = 6000 };
    const char *names[3] = {"a-1", "b-2", "c-3"};
    for (uint32_t i = 0; i < N; i++) {
        uint8_t id[DBK_ID_SIZE];
        s_id (id, i);
        const char *s = names[i % 3];
        cr_assert_eq (eventlog_index_add (x, id, s, 3, i / 3 + 1, 100 + i), 0);
    }
    cr_assert_eq (eventlog_index_count (x), N);
    cr_assert_eq (eventlog_index_nstreams (x), 3);
    cr_assert_eq (eventlog_index_new_streams (x), 3);
    for (uint32_t i = 0; i < N; i += 7) {
        uint8_t id[DBK_ID_SIZE];
        s_id (id, i);
        cr_assert_eq (eventlog_index_id (x, id), 100 + i);
    }
    uint8_t other[DBK_ID_SIZE];
    s_id (other, N);
    cr_assert_eq (eventlog_index_id (x, other), 0);
    uint64_t ver, seq;
    cr_assert (eventlog_index_head (x, "b-2", 3, &ver, &seq));
    cr_assert_eq (ver, N / 3);
    cr_assert_eq (seq, 100 + N - 2);
    cr_assert_not (eventlog_index_head (x, "b-", 2, &ver, &seq));
    /*  a stream from a version: that version, then the next ones */
    uint32_t e = eventlog_index_from (x, "c-3", 3, 10);
    for (uint64_t v = 10; v <= N / 3; v++) {
        cr_assert_neq (e, UINT32_MAX, "c-3 ends before version %llu", (unsigned long long) v);
        cr_assert_eq (eventlog_index_at (x, e)->ver, v);
        cr_assert_eq (eventlog_index_at (x, e)->seq, 100 + 3 * (v - 1) + 2);
        e = eventlog_index_at (x, e)->next;
    }
    cr_assert_eq (e, UINT32_MAX);

    /*  a new stream, then back to before it and to the middle of the others */
    uint8_t id[DBK_ID_SIZE];
    s_id (id, N);
    cr_assert_eq (eventlog_index_add (x, id, "d-4", 3, 1, 100 + N), 0);
    cr_assert_eq (eventlog_index_nstreams (x), 4);
    eventlog_index_truncate (x, 3001);
    cr_assert_eq (eventlog_index_count (x), 3001);
    cr_assert_eq (eventlog_index_nstreams (x), 3);
    cr_assert_not (eventlog_index_head (x, "d-4", 3, &ver, &seq));
    cr_assert_eq (eventlog_index_id (x, id), 0);
    s_id (id, 3001);
    cr_assert_eq (eventlog_index_id (x, id), 0, "a truncated entry is still found");
    s_id (id, 3000);
    cr_assert_eq (eventlog_index_id (x, id), 3100);
    cr_assert (eventlog_index_head (x, "a-1", 3, &ver, &seq));
    cr_assert_eq (ver, 1001); /* entry 3000 is a-1's 1001st */
    cr_assert_eq (seq, 3100);
    cr_assert (eventlog_index_head (x, "c-3", 3, &ver, &seq));
    cr_assert_eq (ver, 1000);
    /*  the streams go on from where they were cut */
    s_id (id, 3001);
    cr_assert_eq (eventlog_index_add (x, id, "c-3", 3, 1001, 3101), 0);
    cr_assert_eq (eventlog_index_at (x, eventlog_index_from (x, "c-3", 3, 1000))->next, 3001);
    cr_assert_eq (eventlog_index_from (x, "c-3", 3, 1002), UINT32_MAX);
    size_t len;
    const char *name = eventlog_index_stream_name (x, 2, &len);
    cr_assert (len == 3 && memcmp (name, "c-3", 3) == 0);
    cr_assert_eq (eventlog_index_stream_last (x, 2)->seq, 3101);
    eventlog_index_truncate (x, 0);
    cr_assert_eq (eventlog_index_count (x), 0);
    cr_assert_eq (eventlog_index_nstreams (x), 0);
    cr_assert_eq (eventlog_index_id (x, id), 0);
    eventlog_index_destroy (&x);
}

/*  ---- the store ---- */

typedef struct {
    char *dir;
    eventlog_store_t *st;
} s_log_t;

/*  Open; the entries are written by count only (not after a second: the
    counts the tests check do not depend on how fast this machine is). */
static void s_open (s_log_t *l)
{
    int rc = eventlog_store_open (&l->st, l->dir, 1 << 24, false, NULL, 0);
    cr_assert_eq (rc, 0, "open: %s", dbk_strerror (rc));
    eventlog_store_index_limits (l->st, EVENTLOG_INDEX_EVENTS, INT64_MAX / 4, EVENTLOG_INDEX_CAP);
}

/*  Close the store (if open) and remove its directory. */
static void s_finish (s_log_t *l)
{
    eventlog_store_close (&l->st);
    tl_rmtree (l->dir);
    free (l->dir);
    l->dir = NULL;
}

/*  The log's environment opened by hand, with a write transaction. */
static MDB_env *s_raw_open (const char *dir, MDB_txn **txn)
{
    MDB_env *env;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 8);
    cr_assert_eq (mdb_env_open (env, dir, 0, 0644), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, txn), 0);
    return env;
}

/*  One committed APPEND of n events to `stream`, expecting `expect`; ids
    (optional) get theirs, or are used if ids[0] is set and reuse. */
static int s_append (s_log_t *l, const char *stream, int64_t expect, size_t n,
                     uint8_t (*ids)[DBK_ID_SIZE], bool reuse, eventlog_pos_t *pos)
{
    dbk_event_t evs[64];
    dbk_wr_t *bufs[64];
    cr_assert (n <= 64);
    for (size_t i = 0; i < n; i++) {
        bufs[i] = dbk_wr_new ();
        tl_event (&evs[i], "index.tested", i, "x", bufs[i]);
        if (ids && reuse)
            memcpy (evs[i].id, ids[i], DBK_ID_SIZE);
        else if (ids)
            memcpy (ids[i], evs[i].id, DBK_ID_SIZE);
    }
    eventlog_batch_t b = {
        .stream = stream, .stream_len = strlen (stream), .expect = expect, .events = evs, .n = n};
    eventlog_pos_t p;
    uint64_t current;
    size_t bad;
    int rc = eventlog_store_begin (l->st);
    cr_assert_eq (rc, 0);
    rc = eventlog_store_append (l->st, &b, 1, pos ? pos : &p, &current, &bad);
    if (rc)
        eventlog_store_abort (l->st);
    else
        rc = eventlog_store_commit (l->st);
    for (size_t i = 0; i < n; i++)
        dbk_wr_destroy (&bufs[i]);
    return rc;
}

/*  The seqs of a stream read by version from `from` (at most 64). */
static size_t s_read_stream (s_log_t *l, const char *stream, uint64_t from, uint32_t limit,
                             uint64_t *seqs)
{
    eventlog_read_t rq = {.from = from,
                          .stream = stream,
                          .stream_len = strlen (stream),
                          .limit = limit,
                          .max_scan = 1000};
    dbk_wr_t *w = dbk_wr_new ();
    uint32_t count;
    uint64_t last, head;
    cr_assert_eq (eventlog_store_read (l->st, &rq, w, &count, &last, &head, NULL), 0);
    cr_assert_leq (count, 64);
    const uint8_t *p = dbk_wr_data (w); /* one bin per record */
    size_t off = 0;
    for (uint32_t i = 0; i < count; i++) {
        /*  bin 8/16/32 header, then the record */
        size_t len;
        if (p[off] == 0xc4)
            len = p[off + 1], off += 2;
        else if (p[off] == 0xc5)
            len = (size_t) p[off + 1] << 8 | p[off + 2], off += 3;
        else {
            cr_assert_eq (p[off], 0xc6);
            len = (size_t) p[off + 1] << 24 | (size_t) p[off + 2] << 16 | (size_t) p[off + 3] << 8 |
                  p[off + 4],
            off += 5;
        }
        dbk_event_t ev;
        cr_assert_eq (dbk_event_decode_record (p + off, len, &ev), 0);
        cr_assert_eq (ev.stream_len, strlen (stream));
        seqs[i] = ev.seq;
        off += len;
    }
    dbk_wr_destroy (&w);
    return count;
}

/*  A meta value of a closed log, or UINT64_MAX if it has none; with
    `set`, write value instead (UINT64_MAX: delete the key). */
static uint64_t s_meta (const char *dir, const char *key, bool set, uint64_t value)
{
    MDB_txn *txn;
    MDB_dbi meta;
    MDB_env *env = s_raw_open (dir, &txn);
    cr_assert_eq (mdb_dbi_open (txn, "meta", 0, &meta), 0);
    MDB_val k = {strlen (key), (void *) key}, v;
    uint64_t out = UINT64_MAX;
    if (mdb_get (txn, meta, &k, &v) == 0 && v.mv_size == 8)
        out = dbk_be64_get (v.mv_data);
    if (set && value == UINT64_MAX)
        cr_assert_eq (mdb_del (txn, meta, &k, NULL), 0);
    else if (set) {
        uint8_t buf[8];
        dbk_be64_put (buf, value);
        v = (MDB_val){8, buf};
        cr_assert_eq (mdb_put (txn, meta, &k, &v, 0), 0);
    }
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    return out;
}

Test (store, entries_wait_in_memory_and_a_close_writes_them_with_the_seq_reached)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    uint8_t ids[10][DBK_ID_SIZE];
    cr_assert_eq (s_append (&l, "acct-1", DBK_EXPECT_NONE, 10, ids, false, NULL), 0);
    cr_assert_eq (s_append (&l, "acct-2", DBK_EXPECT_NONE, 5, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 15);
    eventlog_stats_t stats;
    eventlog_store_stats (l.st, &stats);
    cr_assert_eq (stats.streams, 2);
    /*  lookups see them: expected versions (the tables know no acct-1) and ids */
    cr_assert_eq (s_append (&l, "acct-1", 9, 1, NULL, false, NULL), DBK_ECONFLICT);
    eventlog_pos_t pos;
    cr_assert_eq (s_append (&l, "acct-1", 10, 1, NULL, false, &pos), 0);
    cr_assert_eq (pos.first_seq, 16);
    cr_assert_eq (pos.first_ver, 11);
    cr_assert_eq (s_append (&l, "acct-1", DBK_EXPECT_ANY, 10, ids, true, &pos), 0);
    cr_assert (pos.duplicate);
    cr_assert_eq (pos.first_seq, 1);
    cr_assert_eq (pos.last_ver, 10);
    cr_assert_eq (s_append (&l, "acct-2", DBK_EXPECT_ANY, 1, ids, true, NULL), DBK_EIDCONFLICT);
    cr_assert_eq (eventlog_store_waiting (l.st), 16);
    eventlog_store_close (&l.st);
    cr_assert_eq (s_meta (l.dir, "indexed", false, 0), 16);
    cr_assert_eq (s_meta (l.dir, "format", false, 0), 2);
    s_open (&l);
    cr_assert_eq (eventlog_store_reindexed (l.st), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 0);
    cr_assert_eq (s_append (&l, "acct-1", 10, 1, NULL, false, NULL), DBK_ECONFLICT);
    cr_assert_eq (s_append (&l, "acct-1", 11, 1, NULL, false, &pos), 0);
    cr_assert_eq (pos.first_seq, 17);
    eventlog_store_stats (l.st, &stats);
    cr_assert_eq (stats.streams, 2);
    s_finish (&l);
}

Test (store, a_commit_writes_the_entries_once_enough_are_waiting)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    size_t total = 0;
    char stream[32];
    while (total < EVENTLOG_INDEX_EVENTS - 64) {
        snprintf (stream, sizeof stream, "acct-%zu", total / 640);
        cr_assert_eq (s_append (&l, stream, DBK_EXPECT_ANY, 64, NULL, false, NULL), 0);
        total += 64;
        cr_assert_eq (eventlog_store_waiting (l.st), total);
    }
    cr_assert_eq (s_append (&l, "acct-last", DBK_EXPECT_ANY, 64, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 0, "%zu entries still waiting",
                  eventlog_store_waiting (l.st));
    cr_assert_eq (s_append (&l, stream, DBK_EXPECT_ANY, 1, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 1);
    /*  acct-12 holds seqs 7681-8128 in the tables, and its version 449
        (seq 8193) waits */
    cr_assert_str_eq (stream, "acct-12");
    uint64_t seqs[64];
    size_t n = s_read_stream (&l, stream, 440, 64, seqs);
    cr_assert_eq (n, 10);
    cr_assert_eq (seqs[0], 7680 + 440);
    cr_assert_eq (seqs[8], 8128);
    cr_assert_eq (seqs[9], 8193);
    s_finish (&l);
}

Test (store, a_read_by_stream_goes_on_from_the_tables_into_the_waiting_entries)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 5, NULL, false, NULL), 0); /* 1-5 */
    cr_assert_eq (s_append (&l, "deal-2", DBK_EXPECT_NONE, 2, NULL, false, NULL), 0); /* 6-7 */
    cr_assert_eq (eventlog_store_flush (l.st), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 0);
    cr_assert_eq (s_append (&l, "deal-1", 5, 3, NULL, false, NULL), 0); /* 8-10 */
    cr_assert_eq (eventlog_store_waiting (l.st), 3);
    uint64_t seqs[64];
    const uint64_t want[] = {1, 2, 3, 4, 5, 8, 9, 10};
    size_t n = s_read_stream (&l, "deal-1", 1, 64, seqs);
    cr_assert_eq (n, 8);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq (seqs[i], want[i], "version %zu: seq %llu", i + 1,
                      (unsigned long long) seqs[i]);
    n = s_read_stream (&l, "deal-1", 4, 3, seqs); /* across the two, cut by the limit */
    cr_assert_eq (n, 3);
    cr_assert_eq (seqs[0], 4);
    cr_assert_eq (seqs[2], 8);
    n = s_read_stream (&l, "deal-1", 7, 64, seqs); /* only waiting entries */
    cr_assert_eq (n, 2);
    cr_assert_eq (seqs[0], 9);
    n = s_read_stream (&l, "deal-1", 5, 1, seqs); /* the limit ends it in the tables */
    cr_assert_eq (n, 1);
    cr_assert_eq (seqs[0], 5);
    cr_assert_eq (s_read_stream (&l, "deal-1", 9, 64, seqs), 0);
    cr_assert_eq (s_read_stream (&l, "deal-2", 1, 64, seqs), 2);
    s_finish (&l);
}

Test (store, an_abort_without_a_transaction_keeps_the_entries_and_flush_waits_for_commit)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 3, NULL, false, NULL), 0);
    eventlog_store_abort (l.st); /* nothing open: the 3 entries are committed ones */
    cr_assert_eq (eventlog_store_waiting (l.st), 3);
    cr_assert_eq (s_append (&l, "deal-1", 3, 1, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_begin (l.st), 0);
    cr_assert_eq (eventlog_store_flush (l.st), DBK_EBUSY);
    eventlog_store_abort (l.st);
    cr_assert_eq (eventlog_store_waiting (l.st), 4);
    cr_assert_eq (eventlog_store_flush (l.st), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 0);
    eventlog_store_close (&l.st);
    cr_assert_eq (s_meta (l.dir, "indexed", false, 0), 4);
    s_finish (&l);
}

Test (store, an_aborted_transaction_takes_back_its_entries)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 2, NULL, false, NULL), 0);
    dbk_event_t ev;
    dbk_wr_t *buf = dbk_wr_new ();
    tl_event (&ev, "index.tested", 0, "x", buf);
    eventlog_batch_t b[2] = {
        {.stream = "deal-1", .stream_len = 6, .expect = 2, .events = &ev, .n = 1},
    };
    eventlog_pos_t pos;
    uint64_t current;
    size_t bad;
    cr_assert_eq (eventlog_store_begin (l.st), 0);
    cr_assert_eq (eventlog_store_append (l.st, b, 1, &pos, &current, &bad), 0);
    b[0].stream = "deal-9", b[0].stream_len = 6, b[0].expect = DBK_EXPECT_NONE;
    dbk_event_t ev2;
    dbk_wr_t *buf2 = dbk_wr_new ();
    tl_event (&ev2, "index.tested", 1, "x", buf2);
    b[0].events = &ev2;
    cr_assert_eq (eventlog_store_append (l.st, b, 1, &pos, &current, &bad), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 4);
    eventlog_store_abort (l.st);
    cr_assert_eq (eventlog_store_waiting (l.st), 2);
    /*  the id is free again, deal-1 is still at 2 and deal-9 does not exist */
    b[0] =
        (eventlog_batch_t){.stream = "deal-1", .stream_len = 6, .expect = 2, .events = &ev, .n = 1};
    b[1] = (eventlog_batch_t){
        .stream = "deal-9", .stream_len = 6, .expect = DBK_EXPECT_NONE, .events = &ev2, .n = 1};
    eventlog_pos_t two[2];
    cr_assert_eq (eventlog_store_begin (l.st), 0);
    cr_assert_eq (eventlog_store_append (l.st, b, 2, two, &current, &bad), 0);
    cr_assert_eq (eventlog_store_commit (l.st), 0);
    cr_assert_not (two[0].duplicate);
    cr_assert_eq (two[0].first_seq, 3);
    cr_assert_eq (two[1].first_ver, 1);
    eventlog_stats_t stats;
    eventlog_store_stats (l.st, &stats);
    cr_assert_eq (stats.streams, 2);
    dbk_wr_destroy (&buf);
    dbk_wr_destroy (&buf2);
    s_finish (&l);
}

Test (store, a_process_that_never_closed_its_store_is_indexed_again_at_open)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    uint8_t ids[3][40][DBK_ID_SIZE];
    for (uint32_t i = 0; i < 3 * 40; i++)
        s_id (ids[i / 40][i % 40], i);
    pid_t pid = fork ();
    cr_assert_geq (pid, 0);
    if (pid == 0) {
        /*  write, commit, and end without closing: as a kill -9 would */
        s_open (&l);
        int rc = s_append (&l, "deal-1", DBK_EXPECT_NONE, 40, ids[0], true, NULL);
        if (!rc)
            rc = eventlog_store_flush (l.st);
        if (!rc)
            rc = s_append (&l, "deal-1", 40, 40, ids[1], true, NULL);
        if (!rc)
            rc = s_append (&l, "deal-2", DBK_EXPECT_NONE, 40, ids[2], true, NULL);
        _exit (rc == 0 && eventlog_store_waiting (l.st) == 80 ? 0 : 1);
    }
    int status;
    cr_assert_eq (waitpid (pid, &status, 0), pid);
    cr_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0, "the writer failed");
    cr_assert_eq (s_meta (l.dir, "indexed", false, 0), 40);
    s_open (&l);
    cr_assert_eq (eventlog_store_reindexed (l.st), 80);
    cr_assert_eq (eventlog_store_waiting (l.st), 0);
    eventlog_stats_t stats;
    eventlog_store_stats (l.st, &stats);
    cr_assert_eq (stats.streams, 2);
    uint64_t seqs[64];
    cr_assert_eq (s_read_stream (&l, "deal-2", 1, 64, seqs), 40);
    cr_assert_eq (seqs[0], 81);
    cr_assert_eq (s_read_stream (&l, "deal-1", 41, 64, seqs), 40);
    cr_assert_eq (seqs[39], 80);
    /*  the ids are known again, and the streams' versions */
    eventlog_pos_t pos;
    cr_assert_eq (s_append (&l, "deal-2", DBK_EXPECT_ANY, 40, ids[2], true, &pos), 0);
    cr_assert (pos.duplicate);
    cr_assert_eq (pos.first_seq, 81);
    cr_assert_eq (pos.last_ver, 40);
    cr_assert_eq (s_append (&l, "deal-1", 79, 1, NULL, false, NULL), DBK_ECONFLICT);
    cr_assert_eq (s_append (&l, "deal-2", 40, 1, NULL, false, &pos), 0);
    cr_assert_eq (pos.first_seq, 121);
    eventlog_store_close (&l.st);
    cr_assert_eq (s_meta (l.dir, "indexed", false, 0), 121);
    s_finish (&l);
}

Test (store, a_format_1_log_is_upgraded_and_an_index_ahead_of_its_records_is_refused)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 7, NULL, false, NULL), 0);
    eventlog_store_close (&l.st);
    /*  format 1: every entry in the tables, no "indexed" */
    s_meta (l.dir, "format", true, 1);
    s_meta (l.dir, "indexed", true, UINT64_MAX);
    s_open (&l);
    cr_assert_eq (eventlog_store_reindexed (l.st), 0);
    eventlog_store_close (&l.st);
    cr_assert_eq (s_meta (l.dir, "format", false, 0), 2);
    cr_assert_eq (s_meta (l.dir, "indexed", false, 0), 7);
    /*  a later format is not ours */
    s_meta (l.dir, "format", true, 3);
    cr_assert_neq (eventlog_store_open (&l.st, l.dir, 1 << 24, false, NULL, 0), 0);
    cr_assert_null (l.st);
    s_meta (l.dir, "format", true, 2);
    /*  an index that names records the log does not have */
    s_meta (l.dir, "indexed", true, 9);
    cr_assert_eq (eventlog_store_open (&l.st, l.dir, 1 << 24, false, NULL, 0), DBK_ECORRUPT);
    cr_assert_null (l.st);
    s_meta (l.dir, "indexed", true, 7);
    s_open (&l);
    s_finish (&l);
}

/*  Records until the map or the disk is full, each to a stream of its own
    with a 200-byte name (their index entries take about twice their
    room), the first with id `first` (may be NULL). Returns how many went
    in; *rc is the error that stopped them. */
static size_t s_fill (s_log_t *l, uint8_t (*first)[DBK_ID_SIZE], int *rc)
{
    char stream[DBK_STREAM_MAX + 1];
    size_t n = 0;
    for (;; n++) {
        snprintf (stream, sizeof stream, "s-%0198zu", n);
        if ((*rc = s_append (l, stream, DBK_EXPECT_NONE, 1, n == 0 ? first : NULL, false, NULL)))
            return n;
    }
}

Test (store, entries_that_do_not_fit_wait_and_the_records_are_committed_without_them)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    int rc = eventlog_store_open (&l.st, l.dir, 1 << 20, false, NULL, 0);
    cr_assert_eq (rc, 0);
    eventlog_store_index_limits (l.st, SIZE_MAX, INT64_MAX / 4,
                                 EVENTLOG_INDEX_CAP); /* none written by itself */
    /*  records until the 1 MiB map is full */
    char stream[DBK_STREAM_MAX + 1];
    uint8_t first[1][DBK_ID_SIZE];
    size_t n = s_fill (&l, first, &rc);
    cr_assert_eq (rc, DBK_EMAPFULL, "append %zu: %s", n, dbk_strerror (rc));
    cr_assert_gt (n, 100);
    cr_assert_eq (eventlog_store_waiting (l.st), n);
    /*  twice the map: room for records, not for the entries */
    cr_assert_eq (eventlog_store_grow (l.st), 0);
    eventlog_store_index_limits (l.st, 1, INT64_MAX / 4, EVENTLOG_INDEX_CAP);
    eventlog_pos_t pos;
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 1, NULL, false, &pos), 0,
                  "a record that fits was refused with entries that do not");
    cr_assert_eq (pos.first_seq, n + 1);
    cr_assert_eq (eventlog_store_waiting (l.st), n + 1, "the entries were written after all");
    cr_assert (eventlog_store_grow_wanted (l.st), "the full map is not reported");
    /*  still seen by lookups */
    cr_assert_eq (s_append (&l, "deal-1", 1, 1, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), n + 2);
    cr_assert_eq (s_append (&l, "s-x", DBK_EXPECT_ANY, 1, first, true, &pos), DBK_EIDCONFLICT);
    snprintf (stream, sizeof stream, "s-%0198zu", (size_t) 0);
    cr_assert_eq (s_append (&l, stream, DBK_EXPECT_ANY, 1, first, true, &pos), 0);
    cr_assert (pos.duplicate);
    cr_assert_eq (pos.first_seq, 1);
    /*  a larger map: the next commit writes them */
    cr_assert_eq (eventlog_store_grow (l.st), 0);
    cr_assert_not (eventlog_store_grow_wanted (l.st));
    cr_assert_eq (eventlog_store_grow (l.st), 0);
    cr_assert_eq (s_append (&l, "deal-1", 2, 1, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 0);
    eventlog_store_close (&l.st);
    cr_assert_eq (s_meta (l.dir, "indexed", false, 0), n + 3);
    s_open (&l);
    cr_assert_eq (eventlog_store_reindexed (l.st), 0);
    eventlog_stats_t stats;
    eventlog_store_stats (l.st, &stats);
    cr_assert_eq (stats.streams, n + 1);
    cr_assert_eq (s_append (&l, "deal-1", 3, 1, NULL, false, NULL), 0);
    s_finish (&l);
}

Test (store, a_record_after_indexed_that_is_not_on_the_chain_is_refused_at_open)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 3, NULL, false, NULL), 0);
    eventlog_store_close (&l.st);
    /*  as if the process had stopped before writing the entries, and one
        byte of record 2 (its type) were then altered on disk */
    s_meta (l.dir, "indexed", true, 0);
    MDB_txn *txn;
    MDB_dbi events;
    MDB_env *env = s_raw_open (l.dir, &txn);
    cr_assert_eq (mdb_dbi_open (txn, "events", 0, &events), 0);
    uint8_t key[8];
    dbk_be64_put (key, 2);
    MDB_val k = {8, key}, v;
    cr_assert_eq (mdb_get (txn, events, &k, &v), 0);
    uint8_t *copy = malloc (v.mv_size);
    memcpy (copy, v.mv_data, v.mv_size);
    uint8_t *t = memmem (copy, v.mv_size, "index.tested", 12);
    cr_assert_not_null (t);
    t[11] = 'e'; /* "index.testee": still a record, no longer the one chained */
    v.mv_data = copy;
    cr_assert_eq (mdb_put (txn, events, &k, &v, 0), 0);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    free (copy);
    cr_assert_eq (eventlog_store_open (&l.st, l.dir, 1 << 24, false, NULL, 0), DBK_ECORRUPT);
    cr_assert_null (l.st);
    /*  with the index complete, open does not read record 2 (VERIFY does) */
    s_meta (l.dir, "indexed", true, 3);
    s_open (&l);
    eventlog_verify_t r;
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 2);
    cr_assert_eq (r.checked, 1);
    s_finish (&l);
}

/*  In a child process with a file-size limit: fill the log with records
    whose entries wait, then leave room for a few pages and make the
    entries due. Exit codes: 0 as expected, else the step that failed. */
static int s_disk_full_child (const char *dir)
{
    signal (SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG */
    struct rlimit rl;
    if (getrlimit (RLIMIT_FSIZE, &rl))
        return 10;
    rl.rlim_cur = 512 << 10;
    if (setrlimit (RLIMIT_FSIZE, &rl))
        return 11;
    s_log_t l = {.dir = (char *) dir};
    if (eventlog_store_open (&l.st, dir, 64 << 20, false, NULL, 0))
        return 12;
    eventlog_store_index_limits (l.st, SIZE_MAX, INT64_MAX / 4, EVENTLOG_INDEX_CAP);
    int rc;
    size_t n = s_fill (&l, NULL, &rc);
    if (rc != DBK_ENOSPC || n < 100 || eventlog_store_waiting (l.st) != n)
        return 13;
    /*  room for the records of a few commits, not for n entries of 400+
        bytes each */
    rl.rlim_cur += 64 << 10;
    if (setrlimit (RLIMIT_FSIZE, &rl))
        return 14;
    eventlog_store_index_limits (l.st, 1, INT64_MAX / 4, EVENTLOG_INDEX_CAP);
    eventlog_pos_t pos;
    if ((rc = s_append (&l, "deal-1", DBK_EXPECT_NONE, 1, NULL, false, &pos)))
        return 15; /* refused with the entries, though the record fits */
    if (pos.first_seq != n + 1 || eventlog_store_waiting (l.st) != n + 1)
        return 16;
    if (s_append (&l, "deal-1", 1, 1, NULL, false, NULL) || eventlog_store_waiting (l.st) != n + 2)
        return 17;
    /*  room again: the entries go in */
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_FSIZE, &rl) || eventlog_store_flush (l.st) ||
        eventlog_store_waiting (l.st) != 0)
        return 18;
    eventlog_store_close (&l.st);
    return 0;
}

Test (store, a_full_disk_commits_the_records_without_the_entries_that_do_not_fit)
{
    char *dir = tl_tmpdir ("index");
    pid_t pid = fork ();
    cr_assert_geq (pid, 0);
    if (pid == 0)
        _exit (s_disk_full_child (dir));
    int status;
    cr_assert_eq (waitpid (pid, &status, 0), pid);
    cr_assert (WIFEXITED (status), "the child died (signal %d)", WTERMSIG (status));
    cr_assert_eq (WEXITSTATUS (status), 0, "failed at step %d", WEXITSTATUS (status));
    s_log_t l = {.dir = dir};
    s_open (&l);
    cr_assert_eq (eventlog_store_reindexed (l.st), 0);
    cr_assert_eq (s_append (&l, "deal-1", 2, 1, NULL, false, NULL), 0);
    s_finish (&l);
}

Test (store, past_the_cap_of_waiting_entries_that_do_not_fit_a_group_fails_with_them)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    cr_assert_eq (eventlog_store_open (&l.st, l.dir, 1 << 20, false, NULL, 0), 0);
    eventlog_store_index_limits (l.st, SIZE_MAX, INT64_MAX / 4, SIZE_MAX);
    int rc;
    size_t n = s_fill (&l, NULL, &rc);
    cr_assert_eq (rc, DBK_EMAPFULL);
    cr_assert_eq (eventlog_store_grow (l.st), 0);
    /*  entries due and not fitting: below the cap the record goes in ... */
    eventlog_store_index_limits (l.st, 1, INT64_MAX / 4, n + 2);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 1, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), n + 1);
    /*  ... at the cap the group fails, with their error, and nothing waits more */
    cr_assert_eq (s_append (&l, "deal-1", 1, 1, NULL, false, NULL), DBK_EMAPFULL);
    cr_assert_eq (eventlog_store_waiting (l.st), n + 1);
    cr_assert_eq (eventlog_store_head (l.st), n + 1);
    /*  room: the entries go in with the next group */
    cr_assert_eq (eventlog_store_grow (l.st), 0);
    cr_assert_eq (eventlog_store_grow (l.st), 0);
    cr_assert_eq (s_append (&l, "deal-1", 1, 1, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 0);
    s_finish (&l);
}

/*  ---- the index tables altered on disk: READ by stream and VERIFY ---- */

/*  Put (val NULL: delete) one entry of table `db` of a closed log. */
static void s_raw_put (const char *dir, const char *db, const void *key, size_t klen,
                       const void *val, size_t vlen)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_env *env = s_raw_open (dir, &txn);
    cr_assert_eq (mdb_dbi_open (txn, db, 0, &dbi), 0);
    MDB_val k = {klen, (void *) key}, v = {vlen, (void *) val};
    if (val)
        cr_assert_eq (mdb_put (txn, dbi, &k, &v, 0), 0);
    else
        cr_assert_eq (mdb_del (txn, dbi, &k, NULL), 0);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
}

/*  The stream index entry (stream, ver) of a closed log leads to seq
    (0: deleted). */
static void s_sindex_set (const char *dir, const char *stream, uint64_t ver, uint64_t seq)
{
    uint8_t key[DBK_STREAM_MAX + 9], val[8];
    size_t n = strlen (stream);
    memcpy (key, stream, n);
    key[n] = 0;
    dbk_be64_put (key + n + 1, ver);
    dbk_be64_put (val, seq);
    s_raw_put (dir, "sindex", key, n + 9, seq ? val : NULL, 8);
}

/*  The heads table's entry of a stream in a closed log. */
static void s_head_set (const char *dir, const char *stream, uint64_t ver, uint64_t seq)
{
    uint8_t val[16];
    dbk_be64_put (val, ver);
    dbk_be64_put (val + 8, seq);
    s_raw_put (dir, "streams", stream, strlen (stream), val, 16);
}

/*  A read by stream from `from`: its result code, *f what it found wrong. */
static int s_read_rc (s_log_t *l, const char *stream, uint64_t from, eventlog_fault_t *f)
{
    eventlog_read_t rq = {
        .from = from, .stream = stream, .stream_len = strlen (stream), .limit = 100, .max_scan = 1};
    dbk_wr_t *w = dbk_wr_new ();
    uint32_t count;
    uint64_t last, head;
    int rc = eventlog_store_read (l->st, &rq, w, &count, &last, &head, f);
    dbk_wr_destroy (&w);
    return rc;
}

/*  Record seq, decoded (its bytes in *buf, the caller's to free). */
static void s_record (s_log_t *l, uint64_t seq, dbk_event_t *ev, uint8_t **buf)
{
    eventlog_read_t rq = {.from = seq, .limit = 1, .max_scan = 1};
    dbk_wr_t *w = dbk_wr_new ();
    uint32_t count;
    uint64_t last, head;
    cr_assert_eq (eventlog_store_read (l->st, &rq, w, &count, &last, &head, NULL), 0);
    cr_assert_eq (count, 1);
    const uint8_t *p = dbk_wr_data (w);
    cr_assert_eq (p[0], 0xc4, "a small record is a bin 8");
    *buf = malloc (p[1]);
    memcpy (*buf, p + 2, p[1]);
    cr_assert_eq (dbk_event_decode_record (*buf, p[1], ev), 0);
    cr_assert_eq (ev->seq, seq);
    dbk_wr_destroy (&w);
}

Test (check, an_index_entry_leading_to_another_streams_record_fails_the_read_and_verify)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 3, NULL, false, NULL), 0); /* 1-3 */
    cr_assert_eq (s_append (&l, "deal-2", DBK_EXPECT_NONE, 2, NULL, false, NULL), 0); /* 4-5 */
    eventlog_store_close (&l.st); /* the entries go into the tables */
    /*  deal-1's version 2 now leads to deal-2's first record */
    s_sindex_set (l.dir, "deal-1", 2, 4);
    s_open (&l);
    eventlog_fault_t f;
    cr_assert_eq (s_read_rc (&l, "deal-1", 1, &f), DBK_ECORRUPT, "deal-2's record was returned");
    cr_assert_eq (f.seq, 4);
    cr_assert (strstr (f.why, "stream deal-1 version 2 leads to seq 4") &&
                   strstr (f.why, "stream deal-2 version 1"),
               "%s", f.why);
    cr_assert_eq (s_read_rc (&l, "deal-1", 2, &f), DBK_ECORRUPT);
    /*  pages that do not go through it, and the other stream, are whole */
    uint64_t seqs[64];
    cr_assert_eq (s_read_stream (&l, "deal-1", 3, 64, seqs), 1);
    cr_assert_eq (seqs[0], 3);
    cr_assert_eq (s_read_stream (&l, "deal-1", 1, 1, seqs), 1);
    cr_assert_eq (s_read_stream (&l, "deal-2", 1, 64, seqs), 2);
    eventlog_verify_t r;
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 2, "VERIFY blames seq %llu", (unsigned long long) r.bad_seq);
    cr_assert_eq (r.checked, 1);
    cr_assert (strstr (r.why, "(stream deal-1 version 2) leads to seq 4"), "%s", r.why);
    s_finish (&l);
}

Test (check, a_deleted_index_entry_fails_the_read_and_verify_unless_open_indexes_it_again)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 4, NULL, false, NULL), 0); /* 1-4 */
    cr_assert_eq (s_append (&l, "deal-2", DBK_EXPECT_NONE, 1, NULL, false, NULL), 0); /* 5 */
    eventlog_store_close (&l.st);
    cr_assert_eq (s_meta (l.dir, "indexed", false, 0), 5);
    /*  an entry in the middle: open does not index record 2 again (it is
        before "indexed"), and a read no longer skips it silently */
    s_sindex_set (l.dir, "deal-1", 2, 0);
    s_open (&l);
    cr_assert_eq (eventlog_store_reindexed (l.st), 0);
    eventlog_fault_t f;
    cr_assert_eq (s_read_rc (&l, "deal-1", 1, &f), DBK_ECORRUPT, "a page without version 2");
    cr_assert_eq (f.seq, 3);
    cr_assert (strstr (f.why, "no index entry for version 2"), "%s", f.why);
    uint64_t seqs[64];
    cr_assert_eq (s_read_stream (&l, "deal-1", 3, 64, seqs), 2);
    eventlog_verify_t r;
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 2);
    cr_assert (strstr (r.why, "the stream index has no entry for it (stream deal-1 version 2)"),
               "%s", r.why);
    eventlog_store_close (&l.st);

    /*  the stream's last entry: the stream's head says it is missing */
    s_sindex_set (l.dir, "deal-1", 2, 2);
    s_sindex_set (l.dir, "deal-1", 4, 0);
    s_open (&l);
    cr_assert_eq (s_read_rc (&l, "deal-1", 1, &f), DBK_ECORRUPT, "a page without version 4");
    cr_assert_eq (f.seq, 4);
    cr_assert (strstr (f.why, "no index entry for version 4 (its head is version 4, seq 4)"), "%s",
               f.why);
    cr_assert_eq (s_read_rc (&l, "deal-1", 4, &f), DBK_ECORRUPT);
    cr_assert_eq (s_read_stream (&l, "deal-1", 5, 64, seqs), 0);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 4);
    eventlog_store_close (&l.st);

    /*  after a crash, the records after "indexed" are indexed again at
        open: the missing entry is back */
    s_meta (l.dir, "indexed", true, 3);
    s_open (&l);
    cr_assert_eq (eventlog_store_reindexed (l.st), 2);
    cr_assert_eq (s_read_stream (&l, "deal-1", 1, 64, seqs), 4);
    cr_assert_eq (seqs[3], 4);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), 0, "%s", r.why);
    cr_assert_eq (r.checked, 5);
    s_finish (&l);
}

Test (check, verify_checks_the_heads_the_ids_and_entries_too_many)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    uint8_t ids[2][DBK_ID_SIZE];
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 3, NULL, false, NULL), 0); /* 1-3 */
    cr_assert_eq (s_append (&l, "deal-2", DBK_EXPECT_NONE, 2, ids, false, NULL), 0);  /* 4-5 */
    eventlog_store_close (&l.st);
    eventlog_verify_t r;

    /*  a stream's head behind its last entry */
    s_head_set (l.dir, "deal-1", 2, 2);
    s_open (&l);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 3);
    cr_assert (strstr (r.why, "heads table's entry of stream deal-1"), "%s", r.why);
    eventlog_store_close (&l.st);
    s_head_set (l.dir, "deal-1", 3, 3);
    /*  a head for a stream the index does not hold */
    s_head_set (l.dir, "deal-0", 1, 1);
    s_open (&l);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert (strstr (r.why, "names stream deal-0"), "%s", r.why);
    eventlog_store_close (&l.st);
    s_raw_put (l.dir, "streams", "deal-0", 6, NULL, 0);

    /*  an entry of no record's: the index holds one entry too many */
    s_sindex_set (l.dir, "deal-9", 1, 2);
    s_open (&l);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 2);
    cr_assert (strstr (r.why, "entry of stream deal-9 version 1 leads to seq 2"), "%s", r.why);
    eventlog_fault_t f;
    cr_assert_eq (s_read_rc (&l, "deal-9", 1, &f), DBK_ECORRUPT, "deal-1's record was returned");
    eventlog_store_close (&l.st);
    s_sindex_set (l.dir, "deal-9", 1, 0);

    /*  an event id without its entry */
    s_raw_put (l.dir, "ids", ids[1], DBK_ID_SIZE, NULL, 0);
    s_open (&l);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 5);
    cr_assert (strstr (r.why, "id index has no entry for its id"), "%s", r.why);
    eventlog_store_close (&l.st);
    uint8_t five[8];
    dbk_be64_put (five, 5);
    s_raw_put (l.dir, "ids", ids[1], DBK_ID_SIZE, five, 8);
    s_open (&l);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), 0, "%s", r.why);
    cr_assert_eq (r.checked, 5);
    s_finish (&l);
}

/*  Set record seq's ts in a closed log and chain every record again from
    there (as whoever can write the files could): only the ts order can
    tell. */
static void s_rechain_ts (const char *dir, uint64_t seq, int64_t ts)
{
    MDB_txn *txn;
    MDB_dbi events;
    MDB_env *env = s_raw_open (dir, &txn);
    cr_assert_eq (mdb_dbi_open (txn, "events", 0, &events), 0);
    uint8_t prev[DBK_HASH_SIZE] = {0};
    dbk_wr_t *w = dbk_wr_new ();
    for (uint64_t at = 1;; at++) {
        uint8_t key[8];
        dbk_be64_put (key, at);
        MDB_val k = {8, key}, v;
        int rc = mdb_get (txn, events, &k, &v);
        if (rc == MDB_NOTFOUND)
            break;
        cr_assert_eq (rc, 0);
        uint8_t *copy = malloc (v.mv_size);
        memcpy (copy, v.mv_data, v.mv_size);
        dbk_event_t ev;
        cr_assert_eq (dbk_event_decode_record (copy, v.mv_size, &ev), 0);
        if (at == seq)
            ev.ts = ts;
        dbk_wr_reset (w);
        dbk_event_write_record (w, &ev, prev);
        memcpy (prev, ev.hash, DBK_HASH_SIZE);
        v = (MDB_val){dbk_wr_size (w), (void *) dbk_wr_data (w)};
        cr_assert_eq (mdb_put (txn, events, &k, &v, 0), 0);
        free (copy);
    }
    dbk_wr_destroy (&w);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
}

Test (check, verify_finds_a_ts_going_back_and_lets_one_repeat)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    for (int i = 0; i < 5; i++) /* 1-5, one commit each */
        cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_ANY, 1, NULL, false, NULL), 0);
    dbk_event_t ev;
    uint8_t *buf;
    s_record (&l, 3, &ev, &buf);
    int64_t ts3 = ev.ts;
    free (buf);
    eventlog_store_close (&l.st);
    /*  a clock that went back: ts repeats, which is allowed */
    s_rechain_ts (l.dir, 4, ts3);
    s_open (&l);
    eventlog_verify_t r;
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), 0, "%s", r.why);
    cr_assert_eq (r.checked, 5);
    eventlog_store_close (&l.st);
    /*  a ts earlier than the one before it, the chain made whole again */
    s_rechain_ts (l.dir, 4, ts3 - 1);
    s_open (&l);
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), DBK_ECORRUPT);
    cr_assert_eq (r.bad_seq, 4);
    cr_assert_eq (r.checked, 3);
    cr_assert (strstr (r.why, "ts goes back"), "%s", r.why);
    s_record (&l, 3, &ev, &buf);
    cr_assert (!memcmp (r.hash, ev.hash, DBK_HASH_SIZE), "the hash is not record 3's");
    free (buf);
    s_finish (&l);
}

Test (check, verify_with_entries_waiting_in_memory_is_valid_and_gives_the_head_hash)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    eventlog_verify_t r;
    eventlog_stats_t stats;
    static const uint8_t zero[DBK_HASH_SIZE];
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), 0);
    cr_assert_eq (r.checked, 0);
    cr_assert (!memcmp (r.hash, zero, DBK_HASH_SIZE));
    eventlog_store_stats (l.st, &stats);
    cr_assert (!memcmp (stats.head_hash, zero, DBK_HASH_SIZE));
    cr_assert_eq (s_append (&l, "deal-1", DBK_EXPECT_NONE, 3, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_flush (l.st), 0);
    cr_assert_eq (s_append (&l, "deal-1", 3, 2, NULL, false, NULL), 0);
    cr_assert_eq (s_append (&l, "deal-2", DBK_EXPECT_NONE, 1, NULL, false, NULL), 0);
    cr_assert_eq (eventlog_store_waiting (l.st), 3, "entries of 4-6 wait");
    cr_assert_eq (eventlog_store_verify (l.st, &r, NULL), 0, "%s", r.why);
    cr_assert_eq (r.checked, 6);
    dbk_event_t ev;
    uint8_t *buf;
    s_record (&l, 6, &ev, &buf);
    cr_assert (!memcmp (r.hash, ev.hash, DBK_HASH_SIZE), "VERIFY's hash is not the head's");
    eventlog_store_stats (l.st, &stats);
    cr_assert_eq (stats.head, 6);
    cr_assert (!memcmp (stats.head_hash, ev.hash, DBK_HASH_SIZE),
               "STATUS's hash is not the head's");
    free (buf);
    /*  the same on a copy, whose index lags as the log's does */
    char *copy = tl_tmpdir ("index-copy");
    char bk[600];
    snprintf (bk, sizeof bk, "%s/bk", copy);
    cr_assert_eq (eventlog_store_backup (l.st, bk), 0);
    eventlog_verify_t rc;
    cr_assert_eq (eventlog_verify_dir (bk, &rc, NULL), 0, "%s", rc.why);
    cr_assert_eq (rc.checked, 6);
    cr_assert (!memcmp (rc.hash, r.hash, DBK_HASH_SIZE));
    tl_rmtree (copy);
    free (copy);
    s_finish (&l);
}
