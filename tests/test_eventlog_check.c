/*  test_eventlog_check.c - the log's index tables altered on disk: a
    read by stream that refuses a record its entry does not lead to, or a
    version without an entry, and VERIFY (index, heads, ids, ts going
    back, the head hash). The store runs on real LMDB in a temporary
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
#include <dirent.h>
#include <lmdb.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/store_given.h"

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
    char why[300];
    cr_assert_eq (eventlog_store_backup (l.st, bk, why, sizeof why), 0, "%s", why);
    eventlog_verify_t rc;
    cr_assert_eq (eventlog_verify_dir (bk, &rc, NULL), 0, "%s", rc.why);
    cr_assert_eq (rc.checked, 6);
    cr_assert (!memcmp (rc.hash, r.hash, DBK_HASH_SIZE));
    tl_rmtree (copy);
    free (copy);
    s_finish (&l);
}

/*  ---- a backup cut short ---- */

/*  In a child (a file-size limit is per process): a BACKUP that the
    limit cuts short fails and leaves its directory empty, so that the
    retry, with room, is not refused as a directory in use. */
static int s_backup_full_child (const char *dir, const char *bk)
{
    signal (SIGXFSZ, SIG_IGN); /* a write past the limit fails with EFBIG */
    s_log_t l = {.dir = (char *) dir};
    if (eventlog_store_open (&l.st, dir, 1 << 24, false, NULL, 0))
        return 10;
    struct rlimit rl;
    if (getrlimit (RLIMIT_FSIZE, &rl))
        return 11;
    rl.rlim_cur = 16 << 10; /* less than the copy */
    if (setrlimit (RLIMIT_FSIZE, &rl))
        return 12;
    char why[300];
    if (eventlog_store_backup (l.st, bk, why, sizeof why) == 0)
        return 13;
    DIR *d = opendir (bk);
    int left = 0;
    for (struct dirent *e; d && (e = readdir (d));)
        left += strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
    if (!d || closedir (d) || left)
        return 14;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit (RLIMIT_FSIZE, &rl) || eventlog_store_backup (l.st, bk, why, sizeof why))
        return 15;
    eventlog_store_close (&l.st);
    return 0;
}

Test (check, a_backup_cut_short_by_a_full_disk_leaves_its_directory_empty)
{
    s_log_t l = {.dir = tl_tmpdir ("index")};
    s_open (&l);
    for (int i = 0; i < 20; i++)
        cr_assert_eq (
            s_append (&l, "deal-1", i ? (int64_t) i * 20 : DBK_EXPECT_NONE, 20, NULL, false, NULL),
            0);
    eventlog_store_close (&l.st);
    char bk[600];
    snprintf (bk, sizeof bk, "%s/bk", l.dir);
    pid_t pid = fork ();
    cr_assert_geq (pid, 0);
    if (pid == 0)
        _exit (s_backup_full_child (l.dir, bk));
    int status;
    cr_assert_eq (waitpid (pid, &status, 0), pid);
    cr_assert (WIFEXITED (status), "the child died (signal %d)", WTERMSIG (status));
    cr_assert_eq (WEXITSTATUS (status), 0, "failed at step %d", WEXITSTATUS (status));
    eventlog_verify_t r;
    cr_assert_eq (eventlog_verify_dir (bk, &r, NULL), 0, "%s", r.why);
    cr_assert_eq (r.bad_seq, 0, "%s", r.why);
    cr_assert_eq (r.checked, 400);
    s_open (&l);
    s_finish (&l);
}
