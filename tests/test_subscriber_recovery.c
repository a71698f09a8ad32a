/*  test_subscriber_recovery.c - the subscriber of DESIGN §5 against real
    dealbook-eventlog processes when something fails: a read model killed
    with SIGKILL (tests/helpers/sub_model.c), a log that restarts under its
    subscribers, reads retried while the log is down, and a log behind the
    checkpoint.

    Catch-up, live delivery, gaps and heartbeat repair are in
    test_subscriber.c. The appenders and the checker are in
    support/subscriber_given.h.
*/
#include "support/subscriber_given.h"
#include "support/testlib.h"

#include "dealbook/dbk_lmdb.h"
#include "dealbook/dbk_proto.h"
#include "dealbook/dbk_sub.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*  ---- 4. a read model's checkpoint across kill -9 ---- */

typedef struct {
    pid_t pid; /* the sub_model process       */
    int out;   /* read end of its stdout pipe */
} s_model_t;

static void s_model_spawn (s_model_t *m, const char *bin, const char *dir, const tl_log_t *log,
                           uint64_t target, int batch, int pause_after, const char *errpath)
{
    int fds[2];
    cr_assert_eq (pipe2 (fds, O_CLOEXEC), 0);
    char tgt[32], bat[16], pau[16];
    snprintf (tgt, sizeof tgt, "%llu", (unsigned long long) target);
    snprintf (bat, sizeof bat, "%d", batch);
    snprintf (pau, sizeof pau, "%d", pause_after);
    pid_t pid = fork ();
    cr_assert_geq (pid, 0);
    if (pid == 0) {
        int fd = open (errpath, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0)
            dup2 (fd, 2);
        dup2 (fds[1], 1);
        execl (bin, bin, dir, log->log_ep, log->pub_ep, tgt, bat, pau, (char *) NULL);
        _exit (127);
    }
    close (fds[1]);
    m->pid = s_model_pid = pid;
    m->out = fds[0];
}

/*  Read the model's progress until it reported at least `commits` commits
    (-1: until it closes stdout). Returns the commits seen, or -1 if
    nothing came for timeout_ms. */
static int s_model_progress (s_model_t *m, int commits, int timeout_ms)
{
    int seen = 0;
    char buf[256];
    while (commits < 0 || seen < commits) {
        struct pollfd p = {.fd = m->out, .events = POLLIN};
        int n = poll (&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        ssize_t r = read (m->out, buf, sizeof buf);
        if (r <= 0)
            break; /* it exited */
        for (ssize_t i = 0; i < r; i++)
            seen += buf[i] == '\n';
    }
    return seen;
}

/*  Wait for the model to end; its wait status. */
static int s_model_reap (s_model_t *m)
{
    int status = 0;
    cr_assert_eq (waitpid (m->pid, &status, 0), m->pid);
    s_model_pid = 0;
    close (m->out);
    m->out = -1;
    return status;
}

static uint64_t s_model_u64 (MDB_txn *txn, MDB_dbi dbi, const char *key, size_t klen)
{
    MDB_val k = {klen, (void *) key}, v;
    int rc = mdb_get (txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    cr_assert_eq (rc, 0);
    cr_assert_eq (v.mv_size, 8);
    return dbk_be64_get (v.mv_data);
}

Test (subscriber, read_model_checkpoint_is_atomic_across_kill9, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    char *bin = tl_helper ("sub_model");
    cr_assert (access (bin, X_OK) == 0, "%s is not built", bin);
    char *dir, *errpath;
    cr_assert_geq (asprintf (&dir, "%s/model", log->dir), 0);
    cr_assert_geq (asprintf (&errpath, "%s/model.stderr", log->dir), 0);
    unsigned seed = (unsigned) time (NULL) ^ (unsigned) getpid ();
    cr_log_info ("seed %u", seed);

    /*  Given a known set of events: half of them appended before the
        model first starts (so that it has work to be killed in the middle
        of), the other half while it runs */
    const uint64_t total = 4000;
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 12, total / 2, 10, 16);
    s_appender_run (&a);
    cr_assert_eq (a.rc, 0, "%s", a.errmsg);
    a.count = total;
    pthread_t th;
    cr_assert_eq (pthread_create (&th, NULL, s_appender_run, &a), 0);

    /*  When the model is killed with SIGKILL at random points of its
        progress (0..0.2 ms after its 0..19th commit of 1..8 events each) and
        restarted each time. It pauses after 20 more commits if the kill
        has not come by then, so 12 runs apply at most 12 * 39 * 8 = 3744
        events: it cannot finish before the last kill. */
    int kills = 0;
    for (int i = 0; i < 12; i++) {
        s_model_t m;
        int batch = 1 + (int) (rand_r (&seed) % 8);
        int after = (int) (rand_r (&seed) % 20);
        s_model_spawn (&m, bin, dir, log, total, batch, after + 20, errpath);
        int seen = s_model_progress (&m, after, 30000);
        cr_assert_geq (seen, 0, "the model made no progress for 30 s (seed %u, see %s)", seed,
                       errpath);
        /*  not waiting for anything: a random point within its next few
            transactions, so the kill may land inside a commit */
        struct timespec ts = {0, (long) (rand_r (&seed) % 200) * 1000};
        nanosleep (&ts, NULL);
        kill (m.pid, SIGKILL);
        int status = s_model_reap (&m);
        if (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL)
            kills++;
        else
            cr_assert_fail ("the model ended by itself (status %d) before kill %d (seed %u)",
                            status, i, seed);
    }
    pthread_join (th, NULL);
    cr_assert_eq (a.rc, 0, "%s", a.errmsg);
    cr_assert_eq (s_head (log), total);

    /*  and finally let it run to the head */
    s_model_t m;
    s_model_spawn (&m, bin, dir, log, total, 1 + (int) (rand_r (&seed) % 8), 0, errpath);
    cr_assert_geq (s_model_progress (&m, -1, 30000), 0, "the model did not finish (see %s)",
                   errpath);
    int status = s_model_reap (&m);
    cr_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0,
               "the model failed (status %d, see %s)", status, errpath);
    cr_assert_eq (kills, 12);

    /*  Then its LMDB holds each event applied exactly once */
    MDB_env *menv = NULL;
    cr_assert_eq (dbk_lmdb_open (&menv, dir, 64u << 20, 4, false, NULL, 0), 0);
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_txn_begin (menv, NULL, MDB_RDONLY, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "model", 0, &dbi), 0);
    uint64_t cp;
    cr_assert_eq (dbk_checkpoint_get (txn, dbi, &cp), 0);
    cr_assert_eq (cp, total, "checkpoint");
    cr_assert_eq (s_model_u64 (txn, dbi, "total", 5), total, "total applied (seed %u)", seed);
    for (int s = 0; s < 12; s++) {
        char key[64];
        int klen = snprintf (key, sizeof key, "s:account-t0s%d", s);
        cr_assert_eq (s_model_u64 (txn, dbi, key, (size_t) klen), a.ver[s],
                      "stream %s: counter vs version (seed %u)", key + 2, seed);
    }
    mdb_txn_abort (txn);
    mdb_env_close (menv);
    free (bin);
    free (dir);
    free (errpath);
    s_appender_fini (&a);
}

/*  ---- 5. the log restarts under its subscribers ---- */

/*  While the log is down, dbk_sub_next answers with a code, in bounded time. */
static void s_assert_fails_in_time (dbk_sub_t *sub, int timeout_ms, int read_timeout_ms)
{
    dbk_event_t ev;
    int64_t t0 = zclock_mono ();
    int rc = dbk_sub_next (sub, &ev, timeout_ms);
    int64_t took = zclock_mono () - t0;
    cr_assert_neq (rc, 0, "an event while the log is down");
    cr_assert_lt (took, timeout_ms + read_timeout_ms + 1000, "dbk_sub_next took %lld ms",
                  (long long) took);
}

static void s_log_restarts (void)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, true, env), 0);
    const int read_timeout = 500;
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 100, read_timeout);
    s_check_t ck;
    s_check_init (&ck, 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 4, 0, 20, 16);

    /*  Given a subscriber that followed 300 events */
    while (a.appended < 300)
        cr_assert_eq (s_append_batch (&a, 300 - a.appended), 0, "%s", a.errmsg);
    s_consume_to (&ck, sub, 300, 5000);

    dbk_sub_t *late = NULL;
    s_check_t late_ck;
    s_check_init (&late_ck, 0);
    for (int round = 0; round < 2; round++) {
        /*  When the log stops (cleanly, then with SIGKILL) */
        if (round == 0)
            tl_log_stop (log);
        else
            tl_log_kill9 (log);

        /*  Then next answers with a code in bounded time, for a caught-up
            subscriber (nothing comes) and for one that must READ */
        s_assert_fails_in_time (sub, 300, read_timeout);
        if (!late)
            late = s_sub_new (log, 0, 0, 100, read_timeout);
        dbk_event_t ev;
        int64_t t0 = zclock_mono ();
        cr_assert_eq (dbk_sub_next (late, &ev, 300), round == 0 ? DBK_EIO : DBK_ETIMEOUT);
        cr_assert_lt (zclock_mono () - t0, 300 + read_timeout + 1000);

        /*  and once the log is back and more is appended, both go on
            from where they were, with no gap and no duplicate */
        cr_assert_eq (tl_log_restart (log, env), 0);
        uint64_t target = a.appended + 300;
        while (a.appended < target)
            cr_assert_eq (s_append_batch (&a, target - a.appended), 0, "%s", a.errmsg);
        cr_assert_eq (s_head (log), target);
        s_consume_to (&ck, sub, target, 5000);
        s_consume_to (&late_ck, late, target, 5000);
        s_assert_quiet (sub, 300);
        s_assert_quiet (late, 300);
    }
    dbk_sub_stats_t st;
    dbk_sub_stats (sub, &st);
    cr_assert_eq (st.delivered, 900);
    dbk_sub_stats (late, &st);
    cr_assert_eq (st.delivered, 900);

    dbk_sub_destroy (&sub);
    dbk_sub_destroy (&late);
    s_appender_fini (&a);
}

Test (subscriber, survives_log_restarts_without_gap_or_duplicate, .fini = s_fini)
{
    s_log_restarts ();
}

/*  The decoder thread is busy or holds a page when the log goes away and
    when the subscriber is destroyed. */
Test (subscriber, survives_log_restarts_with_pages_decoded_ahead, .fini = s_fini)
{
    s_ahead = true;
    s_log_restarts ();
}

/*  ---- 6. retries while the log is down ---- */

/*  READ requests the log answered since it started (STATUS counters). */
static uint64_t s_reads_served (const tl_log_t *log)
{
    dbk_client_t *c = dbk_client_new (log->log_ep, 5000);
    cr_assert_not_null (c);
    dbk_client_begin (c, "STATUS", 0);
    dbk_doc_t *reply = NULL;
    cr_assert_eq (dbk_client_call (c, &reply), 0);
    uint64_t reads = 0;
    cr_assert_eq (
        dbk_obj_u64 (dbk_obj_get (dbk_obj_get (dbk_doc_root (reply), "counters"), "reads"), &reads),
        0);
    dbk_doc_destroy (&reply);
    dbk_client_destroy (&c);
    return reads;
}

Test (subscriber, reads_retried_while_the_log_is_down_do_not_pile_up, .fini = s_fini)
{
    const char *env[] = {"DEALBOOK_HEARTBEAT_MS=100", "DEALBOOK_DURABLE=0", NULL};
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, env), 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 4, 100, 20, 16);
    while (a.appended < a.count)
        cr_assert_eq (s_append_batch (&a, a.count - a.appended), 0, "%s", a.errmsg);

    /*  Given a subscriber that retries its READ while the log is down */
    dbk_sub_t *sub = s_sub_new (log, 0, 0, 1000, 100);
    tl_log_stop (log);
    dbk_event_t ev;
    for (int i = 0; i < 10; i++)
        cr_assert_eq (dbk_sub_next (sub, &ev, 0), DBK_EIO);

    /*  When the log is back */
    cr_assert_eq (tl_log_restart (log, env), 0);
    s_check_t ck;
    s_check_init (&ck, 0);
    /*  a slow machine (sanitizers, load) may still time out a READ after
        the restart: that retry is a READ the log may serve, so count it */
    unsigned late = 0;
    int64_t until = zclock_mono () + 10000;
    while (ck.pos < 100 && zclock_mono () < until) {
        int rc = dbk_sub_next (sub, &ev, 1000);
        if (rc == DBK_EIO) {
            late++;
            continue;
        }
        cr_assert_eq (rc, 0, "at seq %llu: dbk_sub_next: %s", (unsigned long long) ck.pos,
                      dbk_strerror (rc));
        s_check (&ck, sub, &ev);
    }
    cr_assert_eq (ck.pos, 100, "caught up to %llu of 100 in 10 s", (unsigned long long) ck.pos);

    /*  Then the log did not have to answer the requests that timed out
        while it was down: one READ for the catch-up, one for the poll at
        the head, and one for each retry after the restart */
    uint64_t served = s_reads_served (log);
    cr_log_info ("%llu READs served after the restart, %u retried", (unsigned long long) served,
                 late);
    cr_assert_leq (served, 2 + late, "%llu READs served for one subscriber's catch-up",
                   (unsigned long long) served);
    cr_assert_lt (late, 10, "every READ after the restart timed out");

    dbk_sub_destroy (&sub);
    s_appender_fini (&a);
}

/*  ---- 8. a log behind the checkpoint is reported, not trusted ---- */

Test (subscriber, a_log_behind_the_checkpoint_is_reported_as_corrupt, .fini = s_fini)
{
    /*  Given a log of 10 events (as if restored from an older backup) */
    tl_log_t *log = &s_log;
    cr_assert_eq (tl_log_start (log, false, NULL), 0);
    s_appender_t a;
    s_appender_init (&a, log->log_ep, 0, 1, 10, 1, 16);
    s_append_parallel (&a, 1);
    cr_assert_eq (s_head (log), 10);

    /*  When a read model whose checkpoint is 1000 subscribes */
    dbk_sub_t *sub = s_sub_new (log, 1000, 0, 100, 5000);
    dbk_event_t ev;

    /*  Then it is told, instead of silently dropping seqs 11..1000 later,
        with the log's head */
    cr_assert_eq (dbk_sub_next (sub, &ev, 2000), DBK_ECORRUPT);
    cr_assert_eq (dbk_sub_fault (sub).kind, DBK_SUB_FAULT_BEHIND);
    cr_assert_eq (dbk_sub_fault (sub).seq, 10);
    cr_assert_eq (dbk_sub_head (sub), 10, "the head shown is the log's, not the checkpoint");
    dbk_sub_destroy (&sub);
    s_appender_fini (&a);
}
