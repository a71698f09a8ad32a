/*  test_eventlog_index.c - the log's index entries that wait in memory
    (services/eventlog/eventlog_index.h) and their way into the index
    tables (eventlog_store.h): lookups, undo, the write by count, the
    re-index after a process that never closed its store, the upgrade of
    a format 1 log, a read by stream across both, and the refusal of an
    index that is ahead of its records (the index tables altered on disk:
    test_eventlog_check.c). The store runs on real LMDB in a temporary
    directory (support/store_given.h).
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

#include "support/store_given.h"

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
