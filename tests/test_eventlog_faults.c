/*  test_eventlog_faults.c - the event log when things go wrong: killed
    with SIGKILL under load, a record or an index entry altered on disk,
    a data file cut short, the LMDB map filling up, and the disk filling
    up (simulated with a file-size limit set by tests/helpers/fsize_exec).

    Every wait is on an answer, a pipe or waitpid, never a sleep.
*/
#include "support/testlib.h"

#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"

#include <criterion/criterion.h>
#include <czmq.h>
#include <fcntl.h>
#include <lmdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_TIMEOUT_MS 10000 /* longest wait for any answer */

static dbk_client_t *s_client (const tl_log_t *log)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, S_TIMEOUT_MS);
    cr_assert_not_null (c);
    return c;
}

static uint64_t s_head (dbk_client_t *c)
{
    int64_t h = tl_head (c);
    cr_assert_geq (h, 0, "STATUS failed");
    return (uint64_t) h;
}

/*  STATUS's reply (the caller's). */
static dbk_doc_t *s_status (dbk_client_t *c)
{
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    int rc = dbk_client_call (c, &reply);
    cr_assert_eq (rc, 0, "STATUS: %s", dbk_strerror (rc));
    return reply;
}

static uint64_t s_u64 (const dbk_obj_t *o, const char *key)
{
    uint64_t v = 0;
    cr_assert_eq (dbk_obj_u64 (dbk_obj_get (o, key), &v), 0, "no integer %s", key);
    return v;
}

/*  n events whose note is `note_len` bytes of filler (plus `marker` at the
    start, if given); returns the append's result code. */
static int s_append_sized (dbk_client_t *c, const char *stream, size_t n, size_t note_len,
                           const char *marker, uint8_t (*ids)[DBK_ID_SIZE], uint64_t *fs)
{
    cr_assert (n <= 16);
    char *note = malloc (note_len + 1);
    memset (note, 'f', note_len);
    note[note_len] = 0;
    if (marker)
        memcpy (note, marker, strlen (marker));
    dbk_event_t evs[16];
    dbk_wr_t *bufs[16];
    for (size_t i = 0; i < n; i++) {
        bufs[i] = dbk_wr_new ();
        tl_event (&evs[i], "faults.noted", i, note, bufs[i]);
        if (ids)
            memcpy (ids[i], evs[i].id, DBK_ID_SIZE);
    }
    int rc = dbk_client_append (c, stream, DBK_EXPECT_ANY, evs, n, fs, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        dbk_wr_destroy (&bufs[i]);
    free (note);
    return rc;
}

/*  Everything stored: seqs 1..head without gap, versions 1..k per stream,
    ts never decreasing, and VERIFY passes. Returns the records. */
static long s_check_log (dbk_client_t *c, tl_rec_t **recs_p)
{
    tl_rec_t *recs;
    long n = tl_read_all (c, &recs);
    cr_assert_geq (n, 0, "READ failed");
    cr_assert_eq (s_head (c), (uint64_t) n, "head and the events read disagree");
    zhash_t *vers = zhash_new ();
    for (long i = 0; i < n; i++) {
        cr_assert_eq (recs[i].seq, (uint64_t) i + 1, "gap: position %ld holds seq %llu", i,
                      (unsigned long long) recs[i].seq);
        uintptr_t v = (uintptr_t) zhash_lookup (vers, recs[i].stream);
        cr_assert_eq (recs[i].ver, v + 1, "%s: version %llu after %llu", recs[i].stream,
                      (unsigned long long) recs[i].ver, (unsigned long long) v);
        zhash_update (vers, recs[i].stream, (void *) (v + 1));
        if (i)
            cr_assert_geq (recs[i].ts, recs[i - 1].ts);
    }
    zhash_destroy (&vers);
    uint64_t bad = 0;
    cr_assert_eq (tl_verify (c, &bad), 1, "VERIFY fails at seq %llu", (unsigned long long) bad);
    *recs_p = recs;
    return n;
}

/*  ---- 6. kill -9 under load ---- */

/*  An appender child and the unread part of its output. */
typedef struct {
    pid_t pid;     /* the child                     */
    int fd;        /* its stdout (read end), -1 EOF */
    char buf[256]; /* a partial line                */
    size_t len;    /* bytes in buf                  */
} s_child_t;

/*  Acknowledged events: hex id -> seq the ack gave. */
typedef struct {
    zhash_t *seqs; /* "hex" -> (void *) seq */
    size_t n;      /* acknowledgements      */
} s_acks_t;

static void s_spawn_appender (s_child_t *ch, const char *endpoint, const char *own,
                              const char *shared)
{
    int p[2];
    cr_assert_eq (pipe2 (p, O_CLOEXEC), 0);
    char *bin = tl_helper ("eventlog_appender");
    pid_t parent = getpid ();
    pid_t pid = fork ();
    cr_assert_geq (pid, 0);
    if (pid == 0) {
        if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid () != parent)
            _exit (127);
        dup2 (p[1], STDOUT_FILENO); /* dup2 clears close-on-exec */
        execl (bin, bin, endpoint, own, shared, "5000", (char *) NULL);
        _exit (127);
    }
    free (bin);
    close (p[1]);
    ch->pid = pid;
    ch->fd = p[0];
    ch->len = 0;
}

static void s_ack_line (s_acks_t *acks, const char *line)
{
    char hex[2 * DBK_ID_SIZE + 1];
    unsigned long long seq;
    cr_assert_eq (sscanf (line, "%32s %llu", hex, &seq), 2, "bad line from an appender: %s", line);
    cr_assert_null (zhash_lookup (acks->seqs, hex), "event %s acknowledged twice", hex);
    zhash_insert (acks->seqs, hex, (void *) (uintptr_t) seq);
    acks->n++;
}

/*  Wait up to timeout_ms for output of any child and take in whole lines.
    Returns how many children have not reached EOF. */
static int s_pump (s_child_t *ch, int n, s_acks_t *acks, int timeout_ms)
{
    struct pollfd pf[16];
    int idx[16], m = 0;
    for (int i = 0; i < n; i++)
        if (ch[i].fd >= 0) {
            pf[m] = (struct pollfd){.fd = ch[i].fd, .events = POLLIN};
            idx[m++] = i;
        }
    if (m == 0)
        return 0;
    int rc = poll (pf, (nfds_t) m, timeout_ms);
    cr_assert_geq (rc, 0);
    int open = m;
    for (int k = 0; k < m; k++) {
        if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        s_child_t *c = &ch[idx[k]];
        char chunk[4096];
        ssize_t got = read (c->fd, chunk, sizeof chunk);
        if (got <= 0) {
            close (c->fd);
            c->fd = -1;
            open--;
            continue;
        }
        for (ssize_t j = 0; j < got; j++) {
            if (chunk[j] == '\n') {
                c->buf[c->len] = 0;
                s_ack_line (acks, c->buf);
                c->len = 0;
            } else {
                cr_assert_lt (c->len, sizeof c->buf - 1, "line too long");
                c->buf[c->len++] = chunk[j];
            }
        }
    }
    return open;
}

/*  The index entries that waited in memory at the kill (eventlog_store.h)
    were rebuilt from the records at the restart: the last events,
    appended again with their ids, answer their first positions; a stream
    read by version gives every record of it in order; an append that
    expects the stream's last version is accepted with the next one. */
static void s_check_index (dbk_client_t *c, const tl_rec_t *recs, long n, const char *stream)
{
    for (long i = n > 16 ? n - 16 : 0; i < n; i++) {
        dbk_event_t ev;
        dbk_wr_t *buf = dbk_wr_new ();
        tl_event (&ev, "crash.appended", 0, "again", buf);
        memcpy (ev.id, recs[i].id, DBK_ID_SIZE);
        uint64_t fs = 0, lv = 0;
        int rc = dbk_client_append (c, recs[i].stream, DBK_EXPECT_ANY, &ev, 1, &fs, NULL, &lv);
        cr_assert_eq (rc, 0, "re-append of seq %llu: %s", (unsigned long long) recs[i].seq,
                      dbk_client_errmsg (c));
        cr_assert_eq (fs, recs[i].seq, "seq %llu re-appended answers seq %llu",
                      (unsigned long long) recs[i].seq, (unsigned long long) fs);
        cr_assert_eq (lv, recs[i].ver);
        dbk_wr_destroy (&buf);
    }
    uint64_t ver = 0;
    long k = 0;
    for (bool more = true; more;) {
        dbk_read_t rq = {.from = ver + 1, .stream = stream, .limit = 300};
        dbk_doc_t *reply = NULL;
        dbk_page_t page;
        cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0, "READ of %s", stream);
        for (size_t i = 0; i < page.count; i++) {
            dbk_event_t ev;
            const uint8_t *raw;
            size_t len;
            cr_assert_eq (dbk_page_record (&page, i, &raw, &len), 0);
            cr_assert_eq (dbk_event_decode_record (raw, len, &ev), 0);
            while (k < n && strcmp (recs[k].stream, stream) != 0)
                k++;
            cr_assert_lt (k, n, "%s reads more events than the log holds", stream);
            cr_assert_eq (ev.seq, recs[k].seq, "%s version %llu is seq %llu, not %llu", stream,
                          (unsigned long long) ev.ver, (unsigned long long) ev.seq,
                          (unsigned long long) recs[k].seq);
            cr_assert_eq (ev.ver, ++ver);
            k++;
        }
        more = page.count > 0;
        dbk_doc_destroy (&reply);
    }
    while (k < n && strcmp (recs[k].stream, stream) != 0)
        k++;
    cr_assert_eq (k, n, "%s by version ends before seq %llu", stream,
                  (unsigned long long) (k < n ? recs[k].seq : 0));
    dbk_event_t ev;
    dbk_wr_t *buf = dbk_wr_new ();
    tl_event (&ev, "crash.appended", 0, "next", buf);
    uint64_t lv = 0;
    cr_assert_eq (dbk_client_append (c, stream, (int64_t) ver, &ev, 1, NULL, NULL, &lv), 0,
                  "append expecting %s at %llu: %s", stream, (unsigned long long) ver,
                  dbk_client_errmsg (c));
    cr_assert_eq (lv, ver + 1);
    dbk_wr_destroy (&buf);
}

Test (crash, kill9_under_load_loses_no_acknowledged_event, .timeout = 120)
{
    enum { CHILDREN = 4, ACKS_PER_ROUND = 1000, ROUNDS = 3 };
    tl_log_t log;
    cr_assert_eq (tl_log_start (&log, false, NULL), 0);
    s_acks_t acks = {.seqs = zhash_new ()};
    uint64_t reindexed = 0;
    for (int round = 0; round < ROUNDS; round++) {
        s_child_t ch[CHILDREN];
        for (int i = 0; i < CHILDREN; i++) {
            char own[40];
            snprintf (own, sizeof own, "crash-r%dc%d", round, i);
            s_spawn_appender (&ch[i], log.log_ep, own, "crash-shared");
        }
        /*  the kill lands while every child has a request in flight */
        size_t start = acks.n;
        int64_t deadline = zclock_mono () + 60000;
        while (acks.n - start < ACKS_PER_ROUND) {
            cr_assert_lt (zclock_mono (), deadline, "only %zu acks in 60 s", acks.n - start);
            int open = s_pump (ch, CHILDREN, &acks, 1000);
            cr_assert_eq (open, CHILDREN, "an appender stopped before the kill");
        }
        tl_log_kill9 (&log);
        /*  stop the appenders (a SIGTERM interrupts their wait for an
            answer that will never come) and take every ack they printed */
        for (int i = 0; i < CHILDREN; i++)
            kill (ch[i].pid, SIGTERM);
        while (s_pump (ch, CHILDREN, &acks, S_TIMEOUT_MS) > 0)
            ;
        for (int i = 0; i < CHILDREN; i++) {
            int status;
            cr_assert_eq (waitpid (ch[i].pid, &status, 0), ch[i].pid);
            bool stopped = (WIFEXITED (status) && WEXITSTATUS (status) == 0) ||
                           (WIFSIGNALED (status) && WTERMSIG (status) == SIGTERM);
            cr_assert (stopped, "appender %d ended badly (status %d)", i, status);
        }
        cr_assert_eq (tl_log_restart (&log, NULL), 0, "the log does not restart after kill -9");

        dbk_client_t *c = s_client (&log);
        dbk_doc_t *st = s_status (c);
        reindexed += s_u64 (dbk_obj_get (dbk_doc_root (st), "counters"), "reindexed");
        dbk_doc_destroy (&st);
        tl_rec_t *recs;
        long n = s_check_log (c, &recs);
        cr_assert_geq ((size_t) n, acks.n);
        /*  every acknowledged event is there, at the seq its ack named */
        size_t found = 0;
        for (long i = 0; i < n; i++) {
            char hex[2 * DBK_ID_SIZE + 1];
            dbk_hex (recs[i].id, DBK_ID_SIZE, hex);
            void *seq = zhash_lookup (acks.seqs, hex);
            if (seq) {
                cr_assert_eq ((uint64_t) (uintptr_t) seq, recs[i].seq,
                              "event %s acknowledged at %llu, stored at %llu", hex,
                              (unsigned long long) (uintptr_t) seq,
                              (unsigned long long) recs[i].seq);
                found++;
            }
        }
        cr_assert_eq (found, acks.n, "%zu of %zu acknowledged events lost", acks.n - found, acks.n);
        s_check_index (c, recs, n, "crash-shared");
        tl_recs_free (&recs, (size_t) n);
        dbk_client_destroy (&c);
    }
    /*  the kills left index entries in memory, rebuilt at the restarts (a
        kill right after a write of them leaves none: not three times) */
    cr_assert_gt (reindexed, 0, "no restart had index entries to rebuild");
    zhash_destroy (&acks.seqs);
    tl_log_cleanup (&log);
}

/*  ---- 7. a record altered on disk ---- */

static uint8_t *s_slurp (const char *path, size_t *len)
{
    FILE *f = fopen (path, "rb");
    cr_assert_not_null (f, "cannot open %s", path);
    fseek (f, 0, SEEK_END);
    long n = ftell (f);
    fseek (f, 0, SEEK_SET);
    uint8_t *buf = malloc ((size_t) n);
    cr_assert_eq (fread (buf, 1, (size_t) n, f), (size_t) n);
    fclose (f);
    *len = (size_t) n;
    return buf;
}

Test (corruption, verify_reports_the_seq_of_a_record_altered_on_disk)
{
    tl_log_t log;
    cr_assert_eq (tl_log_start (&log, false, NULL), 0);
    dbk_client_t *c = s_client (&log);
    char marker[64];
    uint8_t rnd[DBK_ID_SIZE];
    dbk_uuid_v7 (rnd);
    snprintf (marker, sizeof marker, "MARKER-%02x%02x%02x%02x%02x%02x", rnd[10], rnd[11], rnd[12],
              rnd[13], rnd[14], rnd[15]);
    uint64_t marked = 0;
    for (int i = 0; i < 30; i++) {
        uint64_t fs;
        char stream[32];
        snprintf (stream, sizeof stream, "account-%d", i % 3);
        cr_assert_eq (s_append_sized (c, stream, 1, 40, i == 17 ? marker : NULL, NULL, &fs), 0);
        if (i == 17)
            marked = fs;
    }
    cr_assert_eq (marked, 18);
    cr_assert_eq (tl_verify (c, NULL), 1, "the log is valid before the damage");
    dbk_client_destroy (&c);
    tl_log_stop (&log);

    /*  flip one bit of the marker wherever it lies in the file (pages
        freed by later commits may hold stale copies of it) */
    char path[700];
    snprintf (path, sizeof path, "%s/eventlog/data.mdb", log.dir);
    size_t len;
    uint8_t *data = s_slurp (path, &len);
    size_t mlen = strlen (marker), hits = 0;
    for (uint8_t *p = data; (p = memmem (p, len - (size_t) (p - data), marker, mlen)); p += mlen) {
        p[0] ^= 0x01; /* 'M' -> 'L': still valid msgpack and UTF-8 */
        hits++;
    }
    cr_assert_geq (hits, 1, "the marker is not in %s", path);
    FILE *f = fopen (path, "r+b");
    cr_assert_not_null (f);
    cr_assert_eq (fwrite (data, 1, len, f), len);
    fclose (f);
    free (data);

    cr_assert_eq (tl_log_restart (&log, NULL), 0);
    c = s_client (&log);
    dbk_client_begin (c, "VERIFY", 0);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0, "VERIFY: %s", dbk_client_errmsg (c));
    const dbk_obj_t *r = dbk_doc_root (reply);
    bool valid = true;
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (r, "valid"), &valid), 0);
    cr_assert_not (valid, "VERIFY missed the altered record");
    cr_assert_eq (s_u64 (r, "bad_seq"), marked, "VERIFY blames seq %llu, the damage is at %llu",
                  (unsigned long long) s_u64 (r, "bad_seq"), (unsigned long long) marked);
    cr_assert_eq (s_u64 (r, "checked"), marked - 1, "every record before it checks out");
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  The stream index entry (stream, ver) of the stopped log leads to seq. */
static void s_sindex_point (const char *dir, const char *stream, uint64_t ver, uint64_t seq)
{
    char path[600];
    snprintf (path, sizeof path, "%s/eventlog", dir);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 8);
    cr_assert_eq (mdb_env_open (env, path, 0, 0644), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "sindex", 0, &dbi), 0);
    uint8_t key[DBK_STREAM_MAX + 9], val[8];
    size_t n = strlen (stream);
    memcpy (key, stream, n);
    key[n] = 0;
    dbk_be64_put (key + n + 1, ver);
    dbk_be64_put (val, seq);
    MDB_val k = {n + 9, key}, v = {8, val}, old;
    cr_assert_eq (mdb_get (txn, dbi, &k, &old), 0, "the log was stopped with the entry unwritten");
    cr_assert_eq (mdb_put (txn, dbi, &k, &v, 0), 0);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
}

Test (corruption, a_stream_index_entry_altered_on_disk_fails_read_by_stream_and_verify)
{
    tl_log_t log;
    cr_assert_eq (tl_log_start (&log, false, NULL), 0);
    dbk_client_t *c = s_client (&log);
    cr_assert_eq (s_append_sized (c, "opportunity-1", 3, 10, NULL, NULL, NULL), 0); /* 1-3 */
    cr_assert_eq (s_append_sized (c, "opportunity-2", 2, 10, NULL, NULL, NULL), 0); /* 4-5 */
    cr_assert_eq (tl_verify (c, NULL), 1);
    dbk_client_destroy (&c);
    tl_log_stop (&log); /* a clean stop writes the index entries */
    /*  opportunity-1's version 2 now leads to opportunity-2's first event */
    s_sindex_point (log.dir, "opportunity-1", 2, 4);
    cr_assert_eq (tl_log_restart (&log, NULL), 0);
    c = s_client (&log);

    /*  READ by stream: an error naming the seq, not another deal's event */
    dbk_read_t rq = {.from = 1, .stream = "opportunity-1", .limit = 100};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    int rc = dbk_client_read (c, &rq, &reply, &page);
    dbk_doc_destroy (&reply);
    cr_assert_eq (rc, DBK_ECORRUPT, "READ by stream answered %s", dbk_strerror (rc));
    cr_assert (strstr (dbk_client_errmsg (c), "leads to seq 4"), "%s", dbk_client_errmsg (c));
    /*  on the wire: CORRUPT, and the seq as a detail */
    zsock_t *dealer = zsock_new_dealer (log.log_ep);
    cr_assert_not_null (dealer);
    zsock_set_rcvtimeo (dealer, S_TIMEOUT_MS);
    dbk_wr_t *w = dbk_wr_new ();
    dbk_proto_request_begin (w, 9, "READ", 1);
    dbk_wr_kv_cstr (w, "stream", "opportunity-1");
    cr_assert_eq (zmq_send (zsock_resolve (dealer), dbk_wr_data (w), dbk_wr_size (w), 0),
                  (int) dbk_wr_size (w));
    zmsg_t *m = zmsg_recv (dealer);
    cr_assert_not_null (m);
    zframe_t *body = zmsg_last (m);
    cr_assert_eq (dbk_doc_parse (zframe_data (body), zframe_size (body), &reply), 0);
    const dbk_obj_t *r = dbk_doc_root (reply);
    cr_assert (dbk_obj_str_eq (dbk_obj_get (r, "code"), "CORRUPT"));
    cr_assert_eq (s_u64 (r, "seq"), 4);
    dbk_doc_destroy (&reply);
    zmsg_destroy (&m);
    dbk_wr_destroy (&w);
    zsock_destroy (&dealer);
    /*  the other stream and reads by seq are whole */
    rq.stream = "opportunity-2";
    cr_assert_eq (dbk_client_read (c, &rq, &reply, &page), 0);
    cr_assert_eq (page.count, 2);
    dbk_doc_destroy (&reply);
    tl_rec_t *recs;
    long n = tl_read_all (c, &recs);
    cr_assert_eq (n, 5);
    tl_recs_free (&recs, (size_t) n);

    /*  VERIFY names the record whose entry is wrong */
    dbk_client_begin (c, "VERIFY", 0);
    cr_assert_eq (dbk_client_call (c, &reply), 0, "VERIFY: %s", dbk_client_errmsg (c));
    r = dbk_doc_root (reply);
    bool valid = true;
    cr_assert_eq (dbk_obj_bool (dbk_obj_get (r, "valid"), &valid), 0);
    cr_assert_not (valid, "VERIFY missed the altered index entry");
    cr_assert_eq (s_u64 (r, "bad_seq"), 2);
    cr_assert_eq (s_u64 (r, "checked"), 1);
    const char *why;
    size_t wl;
    cr_assert_eq (dbk_obj_str (dbk_obj_get (r, "reason"), &why, &wl), 0);
    cr_assert (memmem (why, wl, "leads to seq 4", 14), "%.*s", (int) wl, why);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 7b. a data file cut short ---- */

/*  Write `len` bytes of data as path (replacing it). */
static void s_write_file (const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen (path, "wb");
    cr_assert_not_null (f, "cannot write %s", path);
    cr_assert_eq (fwrite (data, 1, len, f), len);
    cr_assert_eq (fclose (f), 0);
}

/*  Run dealbook-eventlog on the data directory `dir` until it exits (a
    log that cannot open its file must), its stderr into `err`. The wait
    status. */
static int s_run_log_once (const char *dir, const char *err)
{
    char *bin = tl_bin ("dealbook-eventlog");
    char log_ep[700], pub_ep[700];
    snprintf (log_ep, sizeof log_ep, "ipc://%s/once.sock", dir);
    snprintf (pub_ep, sizeof pub_ep, "ipc://%s/once-pub.sock", dir);
    pid_t parent = getpid ();
    pid_t pid = fork ();
    cr_assert_geq (pid, 0);
    if (pid == 0) {
        if (prctl (PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid () != parent)
            _exit (127);
        int fd = open (err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2 (fd, 2) < 0)
            _exit (127);
        execl (bin, bin, "--data-dir", dir, "--log", log_ep, "--pub", pub_ep, (char *) NULL);
        _exit (127);
    }
    free (bin);
    int status;
    cr_assert_eq (waitpid (pid, &status, 0), pid);
    return status;
}

/*  The log on `dir` whose eventlog/data.mdb is `data` cut to `len`
    bytes: it exits 1 with one FAILED line that says so, and no signal. */
static void s_expect_refused (const char *dir, const uint8_t *data, size_t len)
{
    char path[700], err[700], want[900];
    snprintf (path, sizeof path, "%s/eventlog/data.mdb", dir);
    snprintf (err, sizeof err, "%s/once.err", dir);
    s_write_file (path, data, len);
    int status = s_run_log_once (dir, err);
    cr_assert (!WIFSIGNALED (status), "cut to %zu bytes: the log died of signal %d", len,
               WIFSIGNALED (status) ? WTERMSIG (status) : 0);
    cr_assert (WIFEXITED (status) && WEXITSTATUS (status) == 1, "cut to %zu bytes: exit %d", len,
               WEXITSTATUS (status));
    size_t n;
    uint8_t *text = s_slurp (err, &n);
    snprintf (want, sizeof want, "dealbook-eventlog: FAILED %s is truncated: %zu bytes, its ", path,
              len);
    cr_assert (n > strlen (want) && !memcmp (text, want, strlen (want)) && text[n - 1] == '\n' &&
                   memchr (text, '\n', n) == text + n - 1,
               "cut to %zu bytes, stderr: %.*s", len, (int) n, (const char *) text);
    free (text);
}

Test (truncation, a_log_whose_file_was_cut_short_refuses_to_start_and_says_why, .timeout = 120)
{
    tl_log_t log;
    cr_assert_eq (tl_log_start (&log, false, NULL), 0);
    dbk_client_t *c = s_client (&log);
    /*  some 1.4 MB: small records and large ones (on overflow pages) */
    for (int i = 0; i < 120; i++) {
        char stream[32];
        snprintf (stream, sizeof stream, "account-%d", i % 5);
        cr_assert_eq (s_append_sized (c, stream, 4, i % 4 ? 600 : 9000, NULL, NULL, NULL), 0);
    }
    uint64_t head = s_head (c);
    /*  a compacted copy: every page up to its last one is in use */
    char *copy = tl_tmpdir ("cutcopy");
    char bk[600];
    snprintf (bk, sizeof bk, "%s/eventlog", copy);
    dbk_wr_t *w = dbk_client_begin (c, "BACKUP", 1);
    dbk_wr_kv_cstr (w, "path", bk);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0, "BACKUP: %s", dbk_client_errmsg (c));
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    tl_log_stop (&log);

    char path[700];
    snprintf (path, sizeof path, "%s/eventlog/data.mdb", log.dir);
    size_t len;
    uint8_t *data = s_slurp (path, &len);
    cr_assert_gt (len, 1200000, "the log is %zu bytes", len);
    /*  cut within the metas, right after them, and in the middle */
    const size_t cuts[] = {3000, 5000, 8192, 1048576};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++)
        s_expect_refused (log.dir, data, cuts[i]);
    /*  the backup copy one page short, in place of the log */
    snprintf (bk, sizeof bk, "%s/eventlog/data.mdb", copy);
    size_t blen;
    uint8_t *bdata = s_slurp (bk, &blen);
    s_expect_refused (log.dir, bdata, blen - 4096);
    free (bdata);

    /*  the whole file again: the log starts, every event there */
    s_write_file (path, data, len);
    free (data);
    cr_assert_eq (tl_log_restart (&log, NULL), 0);
    c = s_client (&log);
    cr_assert_eq (s_head (c), head);
    cr_assert_eq (tl_verify (c, NULL), 1);
    dbk_client_destroy (&c);
    tl_rmtree (copy);
    free (copy);
    tl_log_cleanup (&log);
}

/*  ---- 8. map growth ---- */

Test (mapgrowth, a_small_map_grows_and_every_append_succeeds)
{
    /*  the smallest map DEALBOOK_MAP_SIZE takes */
    static const char *const env[] = {"DEALBOOK_MAP_SIZE=1048576", NULL};
    tl_log_t log;
    cr_assert_eq (tl_log_start (&log, false, env), 0);
    dbk_client_t *c = s_client (&log);
    /*  ~6 MB of payload into a 1 MiB map: at least three doublings */
    for (int i = 0; i < 100; i++) {
        char stream[32];
        snprintf (stream, sizeof stream, "account-%d", i % 4);
        int rc = s_append_sized (c, stream, 10, 6000, NULL, NULL, NULL);
        cr_assert_eq (rc, 0, "append %d: %s (%s)", i, dbk_strerror (rc), dbk_client_errmsg (c));
    }
    dbk_doc_t *st = s_status (c);
    const dbk_obj_t *r = dbk_doc_root (st);
    uint64_t grown = s_u64 (dbk_obj_get (r, "counters"), "map_grown");
    cr_assert_geq (grown, 3, "the map grew %llu times", (unsigned long long) grown);
    cr_assert_geq (s_u64 (r, "map_size"), 8u << 20);
    cr_assert_eq (s_u64 (dbk_obj_get (r, "counters"), "storage_errors"), 0);
    dbk_doc_destroy (&st);
    tl_rec_t *recs;
    long n = s_check_log (c, &recs);
    cr_assert_eq (n, 1000);
    tl_recs_free (&recs, (size_t) n);
    dbk_client_destroy (&c);

    /*  restarted with the same small setting, the log opens at its real
        size and keeps growing */
    tl_log_stop (&log);
    cr_assert_eq (tl_log_restart (&log, env), 0);
    c = s_client (&log);
    cr_assert_eq (s_head (c), 1000);
    for (int i = 0; i < 40; i++)
        cr_assert_eq (s_append_sized (c, "account-9", 10, 6000, NULL, NULL, NULL), 0);
    n = s_check_log (c, &recs);
    cr_assert_eq (n, 1400);
    tl_recs_free (&recs, (size_t) n);
    dbk_client_destroy (&c);
    tl_log_cleanup (&log);
}

/*  ---- 9. full disk ---- */

Test (diskfull, a_full_disk_refuses_appends_with_disk_full_and_keeps_serving)
{
    char *wrap = tl_helper ("fsize_exec");
    const char *const wrapper[] = {wrap, "1048576", NULL}; /* files up to 1 MiB */
    tl_log_t log;
    cr_assert_eq (tl_log_start_wrapped (&log, false, NULL, wrapper), 0);
    dbk_client_t *c = s_client (&log);
    enum { MAXN = 200, BATCH = 4 };
    static uint8_t ids[MAXN * BATCH][DBK_ID_SIZE];
    size_t acked = 0;
    int rc = 0, i;
    for (i = 0; i < MAXN; i++) {
        rc = s_append_sized (c, "account-1", BATCH, 8000, NULL, &ids[acked], NULL);
        if (rc)
            break;
        acked += BATCH;
    }
    cr_assert_lt (i, MAXN, "%d appends of 32 KB fit under a 1 MiB file limit", MAXN);
    cr_assert_gt (acked, 0, "nothing fit at all");
    cr_assert_eq (rc, DBK_ENOSPC, "a full disk answered %s (%s), not DISK_FULL", dbk_strerror (rc),
                  dbk_client_errmsg (c));
    /*  still full: refused again, the process stays up, nothing half-written */
    rc = s_append_sized (c, "account-2", BATCH, 8000, NULL, NULL, NULL);
    cr_assert_eq (rc, DBK_ENOSPC, "second append: %s", dbk_strerror (rc));
    cr_assert (tl_alive (log.pid), "the log died on a full disk");
    dbk_doc_t *st = s_status (c);
    cr_assert_geq (s_u64 (dbk_obj_get (dbk_doc_root (st), "counters"), "storage_errors"), 2);
    dbk_doc_destroy (&st);
    /*  reads serve everything acknowledged, and the log verifies */
    tl_rec_t *recs;
    long n = s_check_log (c, &recs);
    cr_assert_eq ((size_t) n, acked);
    for (size_t k = 0; k < acked; k++)
        cr_assert (!memcmp (recs[k].id, ids[k], DBK_ID_SIZE), "seq %zu is not the event acked",
                   k + 1);
    tl_recs_free (&recs, (size_t) n);
    dbk_client_destroy (&c);

    /*  room again: restart without the limit */
    tl_log_stop (&log);
    cr_assert_eq (tl_log_restart (&log, NULL), 0);
    c = s_client (&log);
    n = s_check_log (c, &recs);
    cr_assert_eq ((size_t) n, acked);
    tl_recs_free (&recs, (size_t) n);
    uint64_t fs = 0;
    rc = s_append_sized (c, "account-2", BATCH, 8000, NULL, NULL, &fs);
    cr_assert_eq (rc, 0, "append after the disk has room: %s", dbk_strerror (rc));
    cr_assert_eq (fs, acked + 1);
    n = s_check_log (c, &recs);
    cr_assert_eq ((size_t) n, acked + BATCH);
    tl_recs_free (&recs, (size_t) n);
    dbk_client_destroy (&c);
    free (wrap);
    tl_log_cleanup (&log);
}

/*  How many events READ by stream finds in `stream` (from version 1). */
static size_t s_stream_count (dbk_client_t *c, const char *stream)
{
    dbk_read_t rq = {.from = 1, .stream = stream, .limit = 10000};
    dbk_doc_t *reply = NULL;
    dbk_page_t page;
    int rc = dbk_client_read (c, &rq, &reply, &page);
    cr_assert_eq (rc, 0, "READ of %s: %s", stream, dbk_strerror (rc));
    size_t n = page.count;
    dbk_doc_destroy (&reply);
    return n;
}

Test (diskfull, a_log_killed_on_a_full_disk_starts_again_on_it_and_serves)
{
    /*  Given a log killed -9 on a full disk, its last records' index
        entries still in memory (they could not be written)
        When it starts again on the same full disk
        Then it opens (their entries wait in memory, as they did) and
        serves READ, READ by stream and VERIFY, refuses appends with
        DISK_FULL; with room again it indexes them and appends */
    char *wrap = tl_helper ("fsize_exec");
    const char *const wrapper[] = {wrap, "1048576", NULL}; /* files up to 1 MiB */
    tl_log_t log;
    cr_assert_eq (tl_log_start_wrapped (&log, false, NULL, wrapper), 0);
    dbk_client_t *c = s_client (&log);
    size_t acked = 0;
    int rc = 0;
    /*  small events, many per append: the disk fills within a second,
        before the log writes their entries (EVENTLOG_INDEX_MS), so that
        thousands wait; indexing them takes pages the file has no room for */
    for (int i = 0; i < 2000 && !rc; i++)
        if ((rc = s_append_sized (c, "account-1", 16, 200, NULL, NULL, NULL)) == 0)
            acked += 16;
    cr_assert_eq (rc, DBK_ENOSPC, "the disk never filled: %s", dbk_strerror (rc));
    dbk_client_destroy (&c);
    tl_log_kill9 (&log);
    cr_assert_eq (tl_log_restart_wrapped (&log, NULL, wrapper), 0,
                  "the log did not start again on the full disk");
    c = s_client (&log);
    tl_rec_t *recs;
    long n = s_check_log (c, &recs);
    cr_assert_eq ((size_t) n, acked);
    tl_recs_free (&recs, (size_t) n);
    cr_assert_eq (s_stream_count (c, "account-1"), acked, "READ by stream misses entries");
    cr_assert_eq (tl_verify (c, NULL), 1);
    rc = s_append_sized (c, "account-2", 1, 8000, NULL, NULL, NULL);
    cr_assert_eq (rc, DBK_ENOSPC, "an append on the full disk: %s", dbk_strerror (rc));
    dbk_client_destroy (&c);
    /*  room again */
    tl_log_stop (&log);
    cr_assert_eq (tl_log_restart (&log, NULL), 0);
    c = s_client (&log);
    uint64_t fs = 0;
    cr_assert_eq (s_append_sized (c, "account-1", 1, 100, NULL, NULL, &fs), 0);
    cr_assert_eq (fs, acked + 1);
    cr_assert_eq (s_stream_count (c, "account-1"), acked + 1);
    cr_assert_eq (tl_verify (c, NULL), 1);
    dbk_client_destroy (&c);
    free (wrap);
    tl_log_cleanup (&log);
}
